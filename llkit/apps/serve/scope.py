"""What a server may show: the :class:`Scope` given with ``--scope`` and the institutions
it allows in a dataset."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset


@dataclasses.dataclass(frozen=True)
class Scope:
    """What a server may show: every institution, some institutions, or some clusters.

    Parameters
    ----------
    kind : {"all", "institution", "cluster"}
    values : tuple of str
        Institution ids or cluster names (empty for ``all``).
    """

    kind: str
    values: tuple[str, ...] = ()

    def describe(self) -> str:
        """The scope in Danish, for messages.

        Examples
        --------
        >>> Scope("institution", ("I01", "I02")).describe()
        'institution I01, I02'
        """
        if self.kind == "all":
            return "alle institutioner"
        word = "institution" if self.kind == "institution" else "klynge"
        return f"{word} {', '.join(self.values)}"

    def __str__(self) -> str:
        return "all" if self.kind == "all" else f"{self.kind}={','.join(self.values)}"


def parse_scope(text: str | None) -> Scope:
    """Parse ``all``, ``institution=ID[,ID…]`` or ``cluster=NAME[,NAME…]``.

    Raises
    ------
    ValueError
        For anything else (with the accepted forms in the message).

    Examples
    --------
    >>> parse_scope("institution=I01, I03")
    Scope(kind='institution', values=('I01', 'I03'))
    >>> parse_scope("school=S01")
    Traceback (most recent call last):
    ...
    ValueError: invalid --scope 'school=S01': use all, institution=ID[,ID…] or cluster=NAME[,NAME…]
    """
    raw = "all" if text is None else str(text).strip()
    if raw.lower() == "all":
        return Scope("all")
    key, sep, rest = raw.partition("=")
    key = key.strip().lower()
    values = tuple(v.strip() for v in rest.split(",") if v.strip())
    if not sep or key not in ("institution", "cluster") or not values:
        raise ValueError(f"invalid --scope {raw!r}: use all, institution=ID[,ID…] or "
                         "cluster=NAME[,NAME…]")
    return Scope(key, values)


def scope_institutions(ds: Dataset, scope: Scope | str) -> list[str]:
    """The institution ids a scope allows, in the order of the data.

    Raises
    ------
    KeyError
        An institution id or cluster name that is not in the data.

    Examples
    --------
    >>> import llkit
    >>> ds = llkit.load("data/sample/dagtilbud")
    >>> scope_institutions(ds, "cluster=Klynge Nord 1")
    ['I01', 'I02', 'I03', 'I04']
    """
    scope = parse_scope(scope) if isinstance(scope, str) else scope
    units = ds.units
    ids = list(dict.fromkeys(units["institution_id"].astype(str)))
    if scope.kind == "all":
        return ids
    if scope.kind == "institution":
        unknown = [v for v in scope.values if v not in ids]
        if unknown:
            raise KeyError(f"unknown institution(s) {', '.join(map(repr, unknown))} in --scope; "
                           f"the dataset has: {', '.join(ids[:30])}{' …' if len(ids) > 30 else ''}")
        return [i for i in ids if i in set(scope.values)]
    clusters = units["cluster"].astype("string")
    known = sorted(clusters.dropna().unique())
    unknown = [v for v in scope.values if v not in set(known)]
    if unknown:
        raise KeyError(f"unknown cluster(s) {', '.join(map(repr, unknown))} in --scope; "
                       f"the dataset has: {', '.join(known) or 'no clusters'}")
    inside = units.loc[clusters.isin(scope.values).fillna(False), "institution_id"].astype(str)
    return list(dict.fromkeys(inside))
