"""Excel out: the numbers behind a report as a workbook the administration can use.

``llkit export DATA --out tal.xlsx`` writes one workbook with a sheet per table of the
reports (:mod:`llkit.documents.workbook`), written by :mod:`llkit.apps.export.writer`;
``llkit batch`` writes each report's own workbook beside its HTML
(:func:`unit_workbook`) and links it from the report (:func:`add_download_link`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llkit.apps.export.writer import is_formula_like, workbook_bytes, write_workbook
from llkit.documents.workbook import LINK_TEXT, download_link_html

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset

__all__ = ["export", "unit_workbook", "batch_workbooks", "about_rows", "add_download_link", "add_export_command",
           "is_formula_like", "workbook_bytes", "write_workbook", "LINK_TEXT"]


_LEVEL_DA = {"institution": "dagtilbud/skole", "cluster": "klynge", "area": "område",
             "department": "stue/klasse"}


def about_rows(ds: Dataset, level: str, unit: str | None = None, *, today: dt.date | None = None) -> dict[str, Any]:
    """The ``om_data`` sheet: dataset, rounds, min_n, scope, llkit version and date."""
    import llkit

    return {
        "Datasæt": ds.meta.name,
        "Sektor": ds.meta.sector,
        "Målinger": ", ".join(ds.meta.rounds),
        "Mindste gruppe (min_n)": ds.meta.min_n,
        "Niveau": _LEVEL_DA.get(level, level),
        "Enhed": unit if unit is not None else "alle",
        "Syntetiske data": "ja" if ds.meta.synthetic else "nej",
        "llkit-version": llkit.__version__,
        "Dato": (today or dt.date.today()).isoformat(),
    }


def unit_workbook(ds: Dataset, level: str, unit: str | None = None) -> bytes:
    """The workbook of one report (``unit``) or of all units of a level, as bytes."""
    from llkit.documents.workbook import workbook_tables

    return workbook_bytes(workbook_tables(ds, level=level, unit=unit), about_rows(ds, level, unit))


def export(
    data: str | Path | Dataset,
    out: str | Path,
    *,
    level: str = "institution",
    rounds: str | Sequence[str] | None = None,
    min_n: int | None = None,
    unit: str | None = None,
) -> Path:
    """Write the workbook of the numbers behind the reports.

    Parameters
    ----------
    data : str, Path or Dataset
        A dataset folder or workbook, or a loaded dataset.
    out : str or Path
        The ``.xlsx`` file to write (atomically; its folder is created).
    level : {"institution", "cluster", "area", "department"}
    rounds, min_n
        As for the reports (:func:`llkit.documents.common.prepare`).
    unit : str, optional
        One unit's id: that report's workbook instead of all units.

    Returns
    -------
    Path
    """
    from llkit.documents.common import prepare

    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        raise ValueError(f"--out {out} must end in .xlsx (an Excel workbook)")
    if out.is_dir():
        raise IsADirectoryError(f"--out {out} is a folder; give a file name ending in .xlsx")
    ds = prepare(data, rounds=rounds, min_n=min_n)
    return write_workbook(out, _tables(ds, level, unit), about_rows(ds, level, unit))


def _tables(ds: Dataset, level: str, unit: str | None):
    from llkit.documents.workbook import workbook_tables

    return workbook_tables(ds, level=level, unit=unit)


_HEADER_END = re.compile(r"</header>", re.I)
_BODY = re.compile(r"<body[^>]*>", re.I)


def add_download_link(page: str, href: str) -> str:
    """The report's HTML with a link "Hent tallene (Excel)" to its workbook, placed under
    the report's title (or at the top of the page when it has none)."""
    link = download_link_html(href)
    m = _HEADER_END.search(page) or _BODY.search(page)
    if m is None:
        return link + page
    return page[:m.end()] + link + page[m.end():]


def _cmd_export(args: argparse.Namespace) -> int:
    path = export(args.data, args.out, level=args.level, rounds=args.rounds, min_n=args.min_n,
                  unit=args.unit)
    print(f"Wrote {path}")
    return 0


def add_export_command(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``export DATA --out FILE.xlsx [options]`` on the ``llkit`` parser."""
    desc = ("write the numbers behind the reports as an Excel workbook: a sheet per table, "
            "Danish headers and number formats, small groups suppressed")
    p = subparsers.add_parser("export", help=desc, description=desc)
    p.add_argument("data", help="dataset folder or .xlsx workbook")
    p.add_argument("--out", required=True, help="the .xlsx file to write")
    p.add_argument("--level", choices=["institution", "cluster", "area", "department"],
                   default="institution", help="the units of the tables (default institution)")
    p.add_argument("--rounds", default=None, help="comma-separated rounds (default: all)")
    p.add_argument("--min-n", type=int, default=None,
                   help="a stricter suppression threshold than the dataset's")
    p.add_argument("--unit", default=None,
                   help="one unit's id: the workbook of that unit's report only")
    p.set_defaults(func=_cmd_export)
    return p


def batch_workbooks(ds: Dataset, level: str, parameters: Mapping[str, Any] | None = None
                    ) -> Callable[[str | None], bytes]:
    """What ``llkit batch`` calls for each unit's workbook (``None``: all units of the
    level, the workbook the index links): scoped like the report, with the batch's
    ``rounds`` and ``min_n`` parameters applied as the notebooks apply them."""
    from llkit.documents.common import prepare

    params = dict(parameters or {})
    prepared: list[Dataset] = []

    def make(unit: str | None) -> bytes:
        if not prepared:
            prepared.append(prepare(ds, rounds=params.get("rounds"), min_n=params.get("min_n")))
        return unit_workbook(prepared[0], level, unit)

    return make
