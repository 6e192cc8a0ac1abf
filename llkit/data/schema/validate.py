"""Everything together: :func:`check_dataset` and its result :class:`Checked`."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from llkit.data.io.raw import TABLES, Meta, RawDataset
from llkit.data.schema.convert import convert_table
from llkit.data.schema.cross import check_cross
from llkit.data.schema.meta import parse_meta
from llkit.data.schema.table import check_table
from llkit.errors import ProblemLog


@dataclass
class Checked:
    """Result of :func:`check_dataset`: the metadata and the typed tables."""

    meta: Meta | None
    tables: dict[str, pd.DataFrame]
    raw: RawDataset


def check_dataset(raw: RawDataset, log: ProblemLog, *, validate: bool = True) -> Checked:
    """Validate the metadata and every table, convert them, and run the cross-table checks.

    Parameters
    ----------
    raw : RawDataset
        What :func:`llkit.data.io.read_dataset` returned.
    log : ProblemLog
        Receives every problem.
    validate : bool
        False skips the single-table and cross-table checks (trusted data); the
        conversion still runs.

    Returns
    -------
    Checked
    """
    meta = parse_meta(raw.meta, log)
    rounds = meta.rounds if meta is not None else None
    background: dict[str, list[str]] = {}
    if meta is not None:
        from llkit.data.profiles import get_profile

        background = {k: list(v) for k, v in get_profile(meta.sector).background.items()}
    tables: dict[str, pd.DataFrame] = {}
    for name in TABLES:
        t = raw.tables.get(name)
        if t is None:
            continue
        if validate:
            check_table(t, log, rounds=rounds)
        tables[name] = convert_table(t, rounds=rounds, background=background, log=log)
        # the values are not needed any more (only the column names and lines are)
        t.frame = t.frame.iloc[0:0]
    checked = Checked(meta=meta, tables=tables, raw=raw)
    if validate:
        check_cross(checked, log)
    return checked
