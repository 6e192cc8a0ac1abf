"""Validation: what a valid dataset is, and the problem table when it is not.

One specification per table (:func:`table_spec`) is the single source of truth for the
column names, which columns are required, and the constraints on single values (ids
present and unique, numbers, booleans, rounds known, no CPR numbers). A valid table is
confirmed by vectorised checks of that specification; only a table that fails them is run
through its pandera schema (:func:`table_schema`, built from the same specification),
lazily, so every failing value is found at once, and pandera's ``failure_cases`` become
rows of the problem table with the line the user sees in the file. (pandera is imported
only then: loading a valid dataset does not pay for it.)

Checks between tables (references to unknown ids, values outside the measure's scale,
duplicate answers, a child in two departments in one round …) are vectorised
(:func:`check_cross`): they work on the codes and categories of Categorical columns, never
row by row, so a national-size dataset is checked in seconds.

:func:`check_dataset` runs everything and returns the typed tables that
:class:`llkit.data.dataset.Dataset` is built from.

The modules, from the top:

* :mod:`~llkit.data.schema.validate` — everything together: :func:`check_dataset`;
* :mod:`~llkit.data.schema.meta` — the metadata: :func:`parse_meta`;
* :mod:`~llkit.data.schema.table` — single-table checks: :func:`check_table`;
* :mod:`~llkit.data.schema.convert` — typed tables: :func:`convert_table`;
* :mod:`~llkit.data.schema.cross` — checks between tables: :func:`check_cross`;
* :mod:`~llkit.data.schema.responses` — checks of the answers;
* :mod:`~llkit.data.schema.duplicates` — repeated keys among code columns;
* :mod:`~llkit.data.schema.spec` — the format-v1 contract: :func:`table_spec`;
* :mod:`~llkit.data.schema.messages` — problem and action texts of the single-table checks;
* :mod:`~llkit.data.schema.report` — problem rows, capped per check;
* :mod:`~llkit.data.schema.cpr` — CPR numbers;
* :mod:`~llkit.data.schema.values` — distinct-value parsing.
"""

from __future__ import annotations

from llkit.data.schema.convert import convert_table
from llkit.data.schema.cpr import looks_like_cpr, mask_cpr
from llkit.data.schema.cross import check_cross
from llkit.data.schema.messages import PSEUDONYMIZE_ACTION
from llkit.data.schema.meta import parse_meta
from llkit.data.schema.report import MAX_ROWS_PER_CHECK
from llkit.data.schema.responses import MISSING_SHARE_WARN
from llkit.data.schema.spec import (
    SUBJECTS,
    ColumnSpec,
    Rule,
    categorical_columns,
    columns,
    id_columns,
    required_columns,
    table_schema,
    table_spec,
)
from llkit.data.schema.table import check_table
from llkit.data.schema.validate import Checked, check_dataset
from llkit.data.schema.values import FALSE_WORDS, TRUE_WORDS

__all__ = [
    "SUBJECTS",
    "TRUE_WORDS",
    "FALSE_WORDS",
    "PSEUDONYMIZE_ACTION",
    "MAX_ROWS_PER_CHECK",
    "MISSING_SHARE_WARN",
    "table_spec",
    "table_schema",
    "ColumnSpec",
    "Rule",
    "columns",
    "required_columns",
    "id_columns",
    "categorical_columns",
    "looks_like_cpr",
    "mask_cpr",
    "parse_meta",
    "check_table",
    "convert_table",
    "check_cross",
    "check_dataset",
    "Checked",
]

# Private names that other modules still import here; they belong to their own modules
# now: import them from there.
from llkit.data.schema.convert import _as_id_categorical as _as_id_categorical  # noqa: E402
from llkit.data.schema.convert import _background as _background  # noqa: E402
from llkit.data.schema.duplicates import _duplicates as _duplicates  # noqa: E402
