"""The plans of a dataset: the ``plans/`` folder beside the data (:func:`plans_for`), and the
municipal overview of every institution's goals (:func:`plans_overview`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml

from llkit.documents.plans.loading import _parse, load_plan
from llkit.documents.plans.messages import _message
from llkit.documents.plans.model import PLANS_FOLDER, STATUSES, Plan
from llkit.documents.plans.reading import _PlanLoader
from llkit.documents.plans.status import plan_status
from llkit.errors import PlanError, ProblemLog

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset


def default_plan_path(ds: Dataset, institution: str) -> Path | None:
    """Where an institution's plan lives: ``plans/<institution>.yaml`` in the dataset
    folder (beside a workbook); None for a dataset not read from disk."""
    folder = _plans_dir(ds)
    return None if folder is None else folder / f"{institution}.yaml"



def _plans_dir(ds: Dataset) -> Path | None:
    src = getattr(ds, "source", None)
    if src is None:
        return None
    src = Path(src)
    folder = src if src.is_dir() else src.parent
    return folder / PLANS_FOLDER


def plan_files(ds: Dataset) -> list[Path]:
    folder = _plans_dir(ds)
    if folder is None or not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir()
                  if p.suffix.lower() in (".yaml", ".yml") and not p.name.startswith("."))


def plans_for(ds: Dataset) -> dict[str, Plan]:
    """The institutions' plans in the dataset folder's ``plans/`` subfolder.

    Parameters
    ----------
    ds : Dataset
        Loaded from a folder (or a workbook: then ``plans/`` beside it).

    Returns
    -------
    dict of str to Plan
        Keyed by institution id, in file order; empty when there is no ``plans/``.

    Raises
    ------
    PlanError
        With the problems of every broken file, or when two files are plans of the same
        institution.
    """
    log = ProblemLog()
    plans: dict[str, Plan] = {}
    for path in plan_files(ds):
        plan, plog, _, file, _ = _parse(path)
        if plog.has_errors or plan is None:
            log.add_frame(plog.frame())
            continue
        if plan.institution in plans:
            other = plans[plan.institution].path
            problem, action = _message("second_plan", "en", institution=plan.institution,
                                       first=other.name if other else "?")
            log.error(file=f"{PLANS_FOLDER}/{file}", line=plan.lines.get("institution"),
                      column="institution", value=plan.institution, problem=problem,
                      action=action)
            continue
        plans[plan.institution] = plan
    if log.has_errors:
        raise PlanError(log.frame(), "Some action plans have problems")
    return plans


def plans_overview(ds: Dataset) -> pd.DataFrame:
    """Municipal overview: per institution, how many goals have each status.

    Every institution of the dataset gets a row, also those without a plan (``plan``
    missing, ``note`` "ingen handleplan") or with a broken plan (``note`` says so; run
    ``llkit plan validate``) — one broken file never stops the overview.

    Returns
    -------
    pandas.DataFrame
        ``institution_id``, ``institution_name``, ``plan`` (file name), ``title``,
        ``goals``, one column per status in :data:`STATUSES` (counts, Int64; missing
        without a usable plan), ``note``.
    """
    cache: dict = {}
    inst = (ds.org[["institution_id", "institution_name"]].drop_duplicates()
            .astype(str).sort_values("institution_id").reset_index(drop=True))
    rows: dict[str, dict[str, Any]] = {}
    for path in plan_files(ds):
        row: dict[str, Any] = {"plan": path.name}
        try:
            plan = load_plan(path)
            row["title"] = plan.title
            status = plan_status(plan, ds, _cache=cache)
        except PlanError as exc:
            n_err = int((exc.problems["severity"] == "error").sum())
            row["note"] = (f"planen har {n_err} fejl – kør llkit plan validate "
                           f"{PLANS_FOLDER}/{path.name}")
            inst_id = _peek_institution(path)
        else:
            inst_id = plan.institution
            row["goals"] = len(status)
            counts = status["status"].value_counts()
            for s in STATUSES:
                row[s] = int(counts.get(s, 0))
            row["note"] = ""
        if inst_id is None:
            continue
        if inst_id in rows:
            rows[inst_id]["note"] = (rows[inst_id].get("note") or "") + \
                f" (flere planer: også {path.name})"
            continue
        rows[inst_id] = row
    out = inst.copy()
    out["plan"] = [rows.get(i, {}).get("plan") for i in out["institution_id"]]
    out["title"] = [rows.get(i, {}).get("title") for i in out["institution_id"]]
    for col in ["goals", *STATUSES]:
        out[col] = pd.array([rows.get(i, {}).get(col) for i in out["institution_id"]],
                            dtype="Int64")
    out["note"] = [rows[i].get("note", "") if i in rows else "ingen handleplan"
                   for i in out["institution_id"]]
    return out


def _peek_institution(path: Path) -> str | None:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8-sig"), Loader=_PlanLoader)
    except (yaml.YAMLError, UnicodeDecodeError, OSError, ValueError):
        return None
    if isinstance(raw, dict) and raw.get("institution") is not None:
        return str(raw["institution"])
    return None
