"""Data layer: reading, validating and holding a dataset in format v1.

``io`` reads CSV/Excel tables with precise positions, ``schema`` is the format's
contract, ``dataset`` the validated :class:`~llkit.data.dataset.Dataset`; ``profiles``
(dagtilbud, skole), ``sample`` (synthetic and known-truth municipalities), ``template``
(the Excel template), ``pseudonym`` and ``memo`` (results kept once per Dataset) sit on
top of them. May import only
:mod:`llkit.errors` and :mod:`llkit._atomic` from outside this package.
"""
