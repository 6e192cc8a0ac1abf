"""Excel templates: a workbook to collect data in, and a planning sheet for a learning day.

:func:`write_template` writes one of two workbooks:

``kind="data"``
    A workbook in llkit's data format (see ``DESIGN.md``): a Danish instructions sheet
    ``vejledning`` first, the metadata sheet ``dataset``, and one sheet per table
    (``units``, ``children``, ``measures``, ``items``, ``responses``, ``goals``,
    ``reference``) with the header row of all its columns. Required columns are bold and
    every header carries a note saying what goes there. ``measures`` and ``items`` are
    pre-filled with the sector profile's default instruments. Drop-down lists guide the
    entry of rounds, item ids, yes/no fields and known background attributes, and id
    columns are formatted as text so that leading zeros survive. The filled workbook is
    read back with ``llkit validate data.xlsx`` or ``llkit.load("data.xlsx")``.

``kind="activities"``
    The preparation template of a leadership learning day built as 20-30-50: a shared
    mapping of the development activities already under way (sheet ``aktiviteter``),
    with a Danish ``vejledning`` sheet.

The package: :mod:`~llkit.data.template.data` and :mod:`~llkit.data.template.data_guide`
build the data template, :mod:`~llkit.data.template.activities` the activities template;
:mod:`~llkit.data.template.columns` reads the columns and their Danish notes from
``texts.toml``; :mod:`~llkit.data.template.cells` and :mod:`~llkit.data.template.guide`
write headers, drop-down lists and the guide sheet; the fixed value lists are in
:mod:`~llkit.data.template.vocabulary`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from llkit.data.template.activities import _activities_workbook
from llkit.data.template.columns import TABLES
from llkit.data.template.data import _data_workbook
from llkit.data.template.vocabulary import (
    ACTIVITY_STATUS,
    LAEREPLANSTEMAER,
    PAEDAGOGISK_GRUNDLAG,
)

__all__ = [
    "KINDS",
    "TABLES",
    "LAEREPLANSTEMAER",
    "PAEDAGOGISK_GRUNDLAG",
    "ACTIVITY_STATUS",
    "write_template",
]

#: The kinds of workbook :func:`write_template` can write.
KINDS = ("data", "activities")


def write_template(
    path: str | os.PathLike[str],
    *,
    sector: str = "dagtilbud",
    kind: str = "data",
    rounds: Sequence[str] | None = None,
    overwrite: bool = False,
) -> Path:
    """Write an Excel workbook to collect data in, or to plan development activities in.

    Parameters
    ----------
    path : str or path-like
        The ``.xlsx`` file to write. Missing parent folders are created.
    sector : {"dagtilbud", "skole"}
        The sector profile: labels, default instruments and background categories.
    kind : {"data", "activities"}
        ``"data"``: a workbook in llkit's data format, read back by ``llkit.load``.
        ``"activities"``: the preparation template of a leadership learning day (20-30-50).
    rounds : sequence of str, optional
        Round ids (default: the profile's, e.g. ``["T1", "T2", "T3"]``); used for the
        ``dataset`` sheet and the round drop-downs. Ignored for ``kind="activities"``.
    overwrite : bool, default False
        Replace an existing file. By default an existing file is never touched, so a filled
        workbook cannot be lost by writing a blank template over it.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    ValueError
        Unknown ``kind``, a path not ending in ``.xlsx``, or invalid ``rounds``.
    KeyError
        Unknown ``sector``.
    FileExistsError
        ``path`` exists and ``overwrite`` is false.

    Examples
    --------
    >>> from llkit.data.template import write_template
    >>> write_template("indsamling.xlsx", sector="dagtilbud")      # doctest: +SKIP
    >>> write_template("aktiviteter.xlsx", kind="activities")      # doctest: +SKIP
    """
    if kind not in KINDS:
        raise ValueError(
            f"Unknown template kind {kind!r}. Known kinds: {', '.join(KINDS)} "
            "(data: a workbook to collect data in; activities: the preparation template "
            "of a leadership learning day)."
        )
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise ValueError(
            f"The template is an Excel workbook; give a file name ending in .xlsx, not {path.name!r}."
        )
    if path.exists() and not overwrite:
        raise FileExistsError(
            f"{path} already exists and was not touched. Choose another file name, or delete "
            "the file first if you really want a blank template in its place."
        )
    from llkit.data.profiles import get_profile  # a higher-layer tool; import when used

    profile = get_profile(sector)
    if kind == "data":
        round_list = _check_rounds(rounds if rounds is not None else profile.default_rounds)
        wb = _data_workbook(profile, round_list)
    else:
        wb = _activities_workbook(profile)
    _save_atomic(wb, path)
    return path


# --------------------------------------------------------------------------- helpers


def _check_rounds(rounds: Sequence[str]) -> list[str]:
    if isinstance(rounds, str):
        rounds = [r.strip() for r in rounds.split(",")]
    out = [str(r).strip() for r in rounds]
    if not out:
        raise ValueError("rounds is empty; give at least one round id, e.g. ['T1', 'T2', 'T3'].")
    bad = [r for r in out if not r or "," in r or "=" in r or '"' in r]
    if bad:
        raise ValueError(
            f"Invalid round ids {bad!r}: a round id must be non-empty and contain no comma, "
            "'=' or quote, e.g. 'T1'."
        )
    dup = sorted({r for r in out if out.count(r) > 1})
    if dup:
        raise ValueError(f"Round ids must be unique; repeated: {dup!r}.")
    return out


def _save_atomic(wb: Any, path: Path) -> None:
    """Save a workbook to a temporary file next to ``path``, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".xlsx.tmp", dir=path.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

