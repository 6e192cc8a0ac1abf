"""The numbers behind a report as plain tables, one per workbook sheet (``llkit export``).

Every table is built from the same cached indicator tables the reports show
(:mod:`llkit.documents.common`), with the same suppression, and carries the decision of
the honest-headlines rule (:mod:`llkit.stats.decision`) of the document it belongs to. A
suppressed cell is missing, with the reason in the ``skjult`` column beside it.
Complementary suppression is made to hold *across* the tables of one workbook: a number
hidden in one sheet is hidden wherever the same unit, measure and round appears, and the
parts of a shown whole (units of a level, children of two background groups) never have
exactly one hidden part (:func:`llkit.stats.privacy.complementary_suppression`).

The tables are pure data (column keys of :data:`COLUMNS`); :mod:`llkit.apps.export`
writes them with Danish headers and number formats.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from llkit.documents.common import (
    change_table,
    cluster_institutions,
    comparison_table,
    coverage_table,
    gap_table,
    institution_info,
    last_round,
    reliability_table,
    summary_table,
    variance_table,
)
from llkit.present.labels import children_noun, measure_info, profile_label
from llkit.stats import privacy

if TYPE_CHECKING:  # pragma: no cover
    from llkit.data.dataset import Dataset

__all__ = ["COLUMNS", "SHEETS", "EXPORT_LEVELS", "workbook_tables", "scope_of", "download_link_html",
           "LINK_TEXT"]

#: The text of a report's link to its workbook.
LINK_TEXT = "Hent tallene (Excel)"


def download_link_html(href: str) -> str:
    """The paragraph with a report's link to its workbook ("Hent tallene (Excel)").

    Examples
    --------
    >>> download_link_html("I03.xlsx")
    '<p class="llkit-download"><a href="I03.xlsx" download>Hent tallene (Excel)</a></p>'
    """
    import html

    return f'<p class="llkit-download"><a href="{html.escape(href, quote=True)}" download>{LINK_TEXT}</a></p>'


#: The levels ``llkit export --level`` takes.
EXPORT_LEVELS = ("institution", "cluster", "area", "department")

_ID = {"municipality": "municipality", "area": "area", "cluster": "cluster",
       "institution": "institution_id", "department": "department_id"}
_NAME = {"institution": "institution_name", "department": "department_name"}
_DEFAULT_LEVEL_LABEL = {"municipality": "Kommune", "area": "Område", "cluster": "Klynge",
                        "institution": "Institution", "department": "Afdeling"}

#: Column key -> (Danish header, format, explanation). Formats: text, int, num, pct, p.
COLUMNS: dict[str, tuple[str, str, str]] = {
    "niveau": ("Niveau", "text", "Hvilket niveau rækken beskriver: kommunen, et område, en klynge, et dagtilbud/en skole eller en stue/klasse."),
    "enhed_id": ("Enheds-id", "text", "Enhedens id, som i datasættet."),
    "enhed": ("Enhed", "text", "Enhedens navn."),
    "maal_id": ("Mål-id", "text", "Målets id, som i datasættet."),
    "maal": ("Mål", "text", "Målet (tema, indikator eller dimension)."),
    "kilde": ("Kilde", "text", "Hvem der har svaret (barn, pædagog, forælder, medarbejder, observatør …)."),
    "runde": ("Måling", "text", "Målingen (runden), f.eks. T1, T2, T3."),
    "fra": ("Fra måling", "text", "Målingen der sammenlignes fra."),
    "til": ("Til måling", "text", "Målingen der sammenlignes til."),
    "n": ("Antal", "int", "Antal personer (børn/elever eller medarbejdere) eller, for observationer, stuer/klasser bag tallet."),
    "mean": ("Gennemsnit", "num", "Gennemsnittet på målets skala."),
    "ci_low": ("Nedre grænse (95 %)", "num", "Nedre grænse af 95 %-intervallet om tallet til venstre."),
    "ci_high": ("Øvre grænse (95 %)", "num", "Øvre grænse af 95 %-intervallet om tallet til venstre."),
    "share_low": ("Andel lav", "pct", "Andel med en score under målets grænse for lav."),
    "share_middle": ("Andel middel", "pct", "Andel mellem grænserne for lav og høj."),
    "share_high": ("Andel høj", "pct", "Andel med en score på eller over målets grænse for høj."),
    "parret": ("Samme børn", "text", "»ja«: ændringen er målt på de samme personer i begge målinger (parret); »nej«: forskellige personer (uparret)."),
    "n_from": ("Antal fra", "int", "Antal personer i målingen der sammenlignes fra."),
    "n_to": ("Antal til", "int", "Antal personer i målingen der sammenlignes til."),
    "n_paired": ("Antal i begge", "int", "Antal personer målt i enheden i begge målinger."),
    "mean_from": ("Gennemsnit fra", "num", "Gennemsnittet i målingen der sammenlignes fra."),
    "mean_to": ("Gennemsnit til", "num", "Gennemsnittet i målingen der sammenlignes til."),
    "diff": ("Ændring", "num", "Ændringen af gennemsnittet (til minus fra)."),
    "p_value": ("p-værdi", "p", "Sandsynligheden for en mindst lige så stor forskel, hvis der ingen forskel var (én sammenligning ad gangen; se »Vurdering« for hele dokumentets regel)."),
    "effect_size": ("Effektstørrelse", "num", "Ændringen i standardafvigelser: Hedges' g (uparret) eller d_z (parret)."),
    "effect_size_type": ("Type af effektstørrelse", "text", "g: Hedges' g; d_z: parret effektstørrelse."),
    "share_reliable_up": ("Andel pålideligt frem", "pct", "Andel af de samme personer, der har ændret sig mere frem end måleusikkerheden (Jacobson–Truax)."),
    "share_reliable_down": ("Andel pålideligt tilbage", "pct", "Andel af de samme personer, der har ændret sig mere tilbage end måleusikkerheden."),
    "expected_rtm": ("Forventet af tilbagegang mod midten", "num", "Den ændring, enhedens udgangspunkt alene ville forudsige (regression mod gennemsnittet)."),
    "vurdering": ("Vurdering", "text", "Dokumentets regel for ærlige overskrifter over hele familien af sammenligninger: »reel forskel« må siges i en overskrift; »mulig forskel« markeres kun i tabeller; »ikke påvist«: forskellen kan være tilfældig. Tom: sammenligningen indgår ikke i dokumentet."),
    "baggrund": ("Baggrund", "text", "Baggrundsoplysningen grupperne deles efter (f.eks. forældrenes uddannelse)."),
    "n_low": ("Antal lav gruppe", "int", "Antal personer i gruppen med den lave baggrund."),
    "n_high": ("Antal høj gruppe", "int", "Antal personer i gruppen med den høje baggrund."),
    "mean_low": ("Gennemsnit lav gruppe", "num", "Gennemsnittet i gruppen med den lave baggrund."),
    "mean_high": ("Gennemsnit høj gruppe", "num", "Gennemsnittet i gruppen med den høje baggrund."),
    "gap": ("Forskel mellem grupper", "num", "Høj gruppe minus lav gruppe. Målet er, at forskellen bliver mindre."),
    "change_from_previous": ("Ændring af forskel", "num", "Forskellens ændring siden den forrige måling."),
    "change_ci_low": ("Ændring nedre (95 %)", "num", "Nedre grænse af 95 %-intervallet om forskellens ændring."),
    "change_ci_high": ("Ændring øvre (95 %)", "num", "Øvre grænse af 95 %-intervallet om forskellens ændring."),
    "target_kommune": ("Kommunen", "num", "Kommunens gennemsnit i samme måling (det enheden sammenlignes med)."),
    "lower998": ("Tragt nedre (99,8 %)", "num", "Tragtdiagrammets nedre grænse (99,8 %) for en enhed af denne størrelse."),
    "upper998": ("Tragt øvre (99,8 %)", "num", "Tragtdiagrammets øvre grænse (99,8 %) for en enhed af denne størrelse."),
    "placering": ("Placering i tragten", "text", "Over, under eller inden for tragtens 99,8 %-grænser."),
    "shrunken_mean": ("Korrigeret gennemsnit", "num", "Gennemsnittet trukket mod kommunens efter hvor sikkert det er (empirisk Bayes)."),
    "shrunken_ci_low": ("Korrigeret nedre (95 %)", "num", "Nedre grænse for det korrigerede gennemsnit."),
    "shrunken_ci_high": ("Korrigeret øvre (95 %)", "num", "Øvre grænse for det korrigerede gennemsnit."),
    "reliability": ("Pålidelighed (λ)", "num", "Hvor meget af forskellen til kommunen der er reel og ikke tilfældig (0–1)."),
    "level": ("Enheder", "text", "Niveauet af enhederne der sammenlignes."),
    "grand_mean": ("Samlet gennemsnit", "num", "Gennemsnittet over alle enheder."),
    "tau2": ("Varians mellem enheder (τ²)", "num", "Den del af variationen der ligger mellem enhederne."),
    "sigma2": ("Varians inden for enheder (σ²)", "num", "Den del af variationen der ligger inden for enhederne."),
    "icc": ("Andel mellem enheder (ICC)", "pct", "τ² / (τ² + σ²): hvor stor en del af variationen der ligger mellem enhederne."),
    "n_units": ("Antal enheder", "int", "Antal enheder i beregningen."),
    "n_obs": ("Antal personer", "int", "Antal personer (eller observationer) i beregningen."),
    "mean_reliability": ("Gennemsnitlig pålidelighed (λ)", "num", "Hvor pålideligt en enheds gennemsnit i snit skiller den fra de andre."),
    "alpha": ("Cronbachs alfa", "num", "Målets indre sammenhæng (0–1); over 0,7 regnes som tilfredsstillende."),
    "n_items": ("Antal spørgsmål", "int", "Antal spørgsmål/items i målet."),
    "teams": ("Teams", "int", "Antal teams (stuer/grupper eller klasser)."),
    "teams_with_goals": ("Teams med mål", "int", "Teams der har mindst ét læringsmål."),
    "teams_documenting": ("Teams der dokumenterer", "int", "Teams der har dokumenteret tegn på læring."),
    "share": ("Andel der dokumenterer", "pct", "Andel af teams der har dokumenteret tegn på læring (målet er alle)."),
    "goals": ("Læringsmål", "int", "Antal læringsmål."),
    "goals_with_signs": ("Mål med tegn", "int", "Mål hvor tegn på læring er beskrevet."),
    "goals_documented": ("Mål dokumenteret", "int", "Mål hvor tegn på læring er dokumenteret."),
    "fokus": ("Fokusområde", "text", "Handleplanens fokusområde."),
    "maal_tekst": ("Planens mål", "text", "Målet i handleplanen, med teamets egne ord."),
    "indikator": ("Indikator", "text", "Hvad målet følges med (mål, andel, forskel mellem grupper eller tegn på læring)."),
    "afdeling": ("Stue/klasse", "text", "Den stue/gruppe eller klasse målet gælder; tom: hele dagtilbuddet/skolen."),
    "baseline_round": ("Udgangspunkt måling", "text", "Målingen der er udgangspunktet."),
    "baseline_value": ("Udgangspunkt", "num", "Værdien ved udgangspunktet (andele som 0–1)."),
    "latest_round": ("Seneste måling", "text", "Den seneste måling med data mellem udgangspunkt og målrunde."),
    "latest_value": ("Seneste værdi", "num", "Værdien i den seneste måling (andele som 0–1)."),
    "target": ("Målværdi", "num", "Den værdi planen sigter mod."),
    "target_round": ("Målrunde", "text", "Den måling målet skal være nået i."),
    "status": ("Status", "text", "Hvor målet står, afgjort med usikkerheden (se begrundelsen)."),
    "begrundelse": ("Begrundelse", "text", "Hvorfor målet har den status."),
    "skjult": ("Skjult fordi", "text", "Tom: tallene vises. Ellers hvorfor tallene i rækken er tomme: for få personer, eller skjult så et lille tal ikke kan regnes ud af de andre (også på tværs af arkene)."),
}

#: Sheet name -> (title, what a row is).
SHEETS: dict[str, tuple[str, str]] = {
    "resultater": ("Resultater", "én række pr. enhed, mål og måling: antal, gennemsnit med 95 %-interval og andele lav/middel/høj"),
    "udvikling": ("Udvikling", "én række pr. enhed og mål: ændringen mellem de to seneste målinger"),
    "social_baggrund": ("Social baggrund", "én række pr. enhed, mål og måling: forskellen mellem børn med høj og lav social baggrund og dens ændring"),
    "kommunen": ("Sammenligning med kommunen", "én række pr. enhed og mål i den seneste måling: enheden over for kommunens gennemsnit, tragtgrænser og korrigeret gennemsnit"),
    "varians": ("Variation", "én række pr. niveau og mål: hvor meget af variationen der ligger mellem enhederne"),
    "reliabilitet": ("Reliabilitet", "én række pr. mål: Cronbachs alfa i den seneste måling"),
    "tegn_paa_laering": ("Tegn på læring", "én række pr. enhed og måling: dokumentation af tegn på læring"),
    "handleplaner": ("Handleplaner", "én række pr. mål i dagtilbuddenes/skolernes handleplaner (mappen plans/): udgangspunkt, seneste værdi, målværdi og status"),
}

_UNIT = ["niveau", "enhed_id", "enhed"]
_COLS = {
    "resultater": [*_UNIT, "maal_id", "maal", "kilde", "runde", "n", "mean", "ci_low", "ci_high",
                   "share_low", "share_middle", "share_high", "skjult"],
    "udvikling": [*_UNIT, "maal_id", "maal", "fra", "til", "parret", "n_from", "n_to", "n_paired",
                  "mean_from", "mean_to", "diff", "ci_low", "ci_high", "p_value", "effect_size",
                  "effect_size_type", "share_reliable_up", "share_reliable_down", "expected_rtm",
                  "vurdering", "skjult"],
    "social_baggrund": [*_UNIT, "maal_id", "maal", "runde", "baggrund", "n_low", "n_high", "mean_low",
                        "mean_high", "gap", "ci_low", "ci_high", "p_value", "change_from_previous",
                        "change_ci_low", "change_ci_high", "vurdering", "skjult"],
    "kommunen": [*_UNIT, "maal_id", "maal", "runde", "n", "mean", "target_kommune", "lower998", "upper998",
                 "placering", "shrunken_mean", "shrunken_ci_low", "shrunken_ci_high", "reliability",
                 "vurdering", "skjult"],
    "varians": ["level", "maal_id", "maal", "runde", "grand_mean", "tau2", "sigma2", "icc",
                "n_units", "n_obs", "mean_reliability"],
    "reliabilitet": ["maal_id", "maal", "runde", "alpha", "ci_low", "ci_high", "n", "n_items"],
    "tegn_paa_laering": [*_UNIT, "runde", "teams", "teams_with_goals", "teams_documenting", "share",
                         "ci_low", "ci_high", "goals", "goals_with_signs", "goals_documented"],
    "handleplaner": [*_UNIT, "fokus", "maal_tekst", "indikator", "maal_id", "afdeling", "baseline_round",
                     "baseline_value", "latest_round", "n", "latest_value", "ci_low", "ci_high", "target",
                     "target_round", "status", "begrundelse", "skjult"],
}
#: The value columns a suppressed row leaves empty, per sheet.
_VALUES = {
    "resultater": ["mean", "ci_low", "ci_high", "share_low", "share_middle", "share_high"],
    "udvikling": ["mean_from", "mean_to", "diff", "ci_low", "ci_high", "p_value", "effect_size",
                  "effect_size_type", "share_reliable_up", "share_reliable_down", "expected_rtm",
                  "vurdering"],
    "social_baggrund": ["mean_low", "mean_high", "gap", "ci_low", "ci_high", "p_value",
                        "change_from_previous", "change_ci_low", "change_ci_high", "vurdering"],
    "kommunen": ["mean", "target_kommune", "lower998", "upper998", "placering", "shrunken_mean",
                 "shrunken_ci_low", "shrunken_ci_high", "reliability", "vurdering"],
}
_VALUES["handleplaner"] = ["baseline_value", "latest_value", "ci_low", "ci_high", "status", "begrundelse"]
_CHILD_LEVEL = {"institution": "department", "cluster": "institution", "area": "institution"}


# ----------------------------------------------------------------------------- scope


def scope_of(ds: Dataset, level: str, unit: str | None = None) -> list[tuple[str, list[str] | None]]:
    """The levels and units a workbook shows: ``[(level, ids or None for all), …]``.

    Without ``unit`` (``llkit export``): the municipality and every unit of ``level``.
    With ``unit`` (a report's own workbook): the municipality, the unit, its parent
    institution (a department) or cluster (an institution) and the units one level below
    it (an institution's departments, a cluster's or area's institutions).

    Examples
    --------
    >>> from llkit.documents.common import prepare
    >>> scope_of(prepare("data/sample/dagtilbud"), "institution", "I03")[1:3]
    [('cluster', ['Klynge Nord 1']), ('institution', ['I03'])]
    """
    if level not in EXPORT_LEVELS:
        raise ValueError(f"unknown level {level!r}; use one of: {', '.join(EXPORT_LEVELS)}")
    if unit is None:
        return [("municipality", None), (level, None)]
    org = ds.org
    rows = org[org[_ID[level]].astype(str) == str(unit)]
    if rows.empty:
        known = sorted(org[_ID[level]].dropna().astype(str).unique())
        raise KeyError(f"unknown {level} {unit!r}; the dataset has: {', '.join(known[:30])}")
    out: list[tuple[str, list[str] | None]] = [("municipality", None)]
    if level == "institution":
        info = institution_info(ds, str(unit))
        if info["cluster"] is not None:
            out.append(("cluster", [str(info["cluster"])]))
        return [*out, ("institution", [info["id"]]), ("department", info["departments"])]
    if level == "department":
        return [*out, ("institution", [str(rows["institution_id"].iloc[0])]), ("department", [str(unit)])]
    kids = (cluster_institutions(ds, str(unit)) if level == "cluster"
            else list(dict.fromkeys(rows["institution_id"].astype(str))))
    return [*out, (level, [str(unit)]), (_CHILD_LEVEL[level], kids)]


def _level_label(ds: Dataset, level: str) -> str:
    return profile_label(ds, level, _DEFAULT_LEVEL_LABEL[level])


def _units(ds: Dataset, table: pd.DataFrame | None, level: str, ids: list[str] | None) -> pd.DataFrame:
    """The rows of ``table`` (computed at ``level``) for the scope's units, with the
    common ``niveau``, ``enhed_id`` and ``enhed`` columns first."""
    if table is None or not len(table):
        return pd.DataFrame()
    id_col = _ID[level]
    t = table if ids is None else table[table[id_col].astype(str).isin(ids)]
    t = t.copy()
    name = t[_NAME[level]] if level in _NAME else t[id_col]
    t.insert(0, "enhed", name.astype(str).to_numpy())
    t.insert(0, "enhed_id", t[id_col].astype(str).to_numpy())
    t.insert(0, "niveau", _level_label(ds, level))
    t["_level"] = level
    t["_parent"] = _parents(ds, level, t["enhed_id"])
    return t.drop(columns=[c for c in (id_col, _NAME.get(level)) if c and c in t]).reset_index(drop=True)


_PARENT = {"department": "institution_id", "institution": "cluster", "cluster": "area"}


def _parents(ds: Dataset, level: str, ids: pd.Series) -> np.ndarray:
    """The id of each unit's parent (as for the indicators' complementary suppression);
    one whole ("all") for an area and the municipality itself."""
    if level not in _PARENT:
        return np.full(len(ids), "all", dtype=object)
    org = ds.org.drop_duplicates(subset=[_ID[level]])
    parent = dict(zip(org[_ID[level]].astype(str), org[_PARENT[level]].astype(str), strict=True))
    return ids.map(parent).fillna("all").to_numpy(dtype=object)


def _measures(ds: Dataset, t: pd.DataFrame) -> pd.DataFrame:
    info = measure_info(ds)
    m = t["measure_id"].astype(str)
    t = t.copy()
    t["maal_id"] = m.to_numpy()
    t["maal"] = m.map(info["label"].astype(str)).to_numpy()
    t["kilde"] = m.map(info["source_label"].astype(str)).to_numpy()
    return t


def _reason_text(ds: Dataset, reason: Any, noun: Any = None) -> str:
    noun = noun if isinstance(noun, str) and noun else children_noun(ds)
    if reason in ("complementary", "cross"):
        return (f"skjult, så tal for færre end {ds.meta.min_n} {noun} ikke kan regnes ud"
                + (" af tallene i de andre ark" if reason == "cross" else ""))
    return f"færre end {ds.meta.min_n} {noun}"


# ----------------------------------------------------------------------------- sheets


def _per_level(ds: Dataset, scope, make) -> pd.DataFrame:
    parts = [_units(ds, make(lvl), lvl, ids) for lvl, ids in scope]
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _summaries(ds: Dataset, scope) -> pd.DataFrame:
    t = _per_level(ds, scope, lambda lvl: summary_table(ds, lvl))
    if not len(t):
        return t
    t = _measures(ds, t)
    t["runde"] = t["round"].astype(str)
    t["_hidden"] = t["suppressed"].astype(bool)
    t["_reason"] = t["suppressed_reason"].where(t["_hidden"], None)
    return t


def _changes(ds: Dataset, scope) -> pd.DataFrame:
    t = _per_level(ds, scope, lambda lvl: change_table(ds, lvl))
    if not len(t):
        return t
    t = _measures(ds, t)
    t["fra"], t["til"] = t["from_round"].astype(str), t["to_round"].astype(str)
    t["parret"] = np.where(t["paired"].astype(bool), "ja", "nej")
    t["_hidden"] = t["suppressed"].astype(bool)
    t["_reason"] = np.where(t["_hidden"], "min_n", None)
    # n_check of the indicator: the paired children, or the smaller round
    t["_n"] = np.where(t["paired"].astype(bool), t["n_paired"], np.minimum(t["n_from"], t["n_to"]))
    return t


def _gaps(ds: Dataset, scope) -> pd.DataFrame:
    t = _per_level(ds, scope, lambda lvl: gap_table(ds, lvl))
    if not len(t):
        return t
    t = _measures(ds, t)
    t["runde"] = t["round"].astype(str)
    t["baggrund"] = t["background"].astype(str)
    t["_hidden"] = t["suppressed"].astype(bool)
    t["_reason"] = np.where(t["_hidden"], "min_n", None)
    t["_n"] = np.minimum(t["n_low"], t["n_high"])
    return t


_PLACEMENT = {"above": "over", "below": "under", "within": "inden for"}


def _comparisons(ds: Dataset, scope, round: str) -> pd.DataFrame:
    t = _per_level(ds, [(lvl, ids) for lvl, ids in scope if lvl != "municipality"],
                   lambda lvl: comparison_table(ds, round, lvl))
    if not len(t):
        return t
    t = _measures(ds, t)
    t["runde"] = t["round"].astype(str)
    t["target_kommune"] = t["target"]
    t["placering"] = t["flag"].map(lambda f: _PLACEMENT.get(str(f), None) if pd.notna(f) else None)
    t["_hidden"] = t["suppressed"].astype(bool)
    t["_reason"] = t["reason"].where(t["_hidden"], None) if "reason" in t else np.where(t["_hidden"], "min_n", None)
    return t


def _variance(ds: Dataset, scope, round: str) -> pd.DataFrame:
    parts = []
    for lvl, _ids in scope:
        if lvl == "municipality":
            continue
        v = variance_table(ds, lvl, round)
        if len(v):
            parts.append(v.assign(level=_level_label(ds, lvl)))
    if not parts:
        return pd.DataFrame()
    t = _measures(ds, pd.concat(parts, ignore_index=True))
    t["runde"] = t["round"].astype(str) if "round" in t else round
    return t


def _reliability(ds: Dataset) -> pd.DataFrame:
    t = reliability_table(ds)
    if t is None or not len(t):
        return pd.DataFrame()
    t = _measures(ds, t)
    t["runde"] = t["round"].astype(str)
    return t


def _coverage(ds: Dataset, scope) -> pd.DataFrame:
    t = _per_level(ds, scope, lambda lvl: coverage_table(ds, lvl))
    if not len(t):
        return t
    t["runde"] = t["round"].astype(str)
    return t.rename(columns={"share_ci_low": "ci_low", "share_ci_high": "ci_high"})


def _plans(ds: Dataset, scope) -> pd.DataFrame:
    """Every goal of the plans in the dataset's ``plans/`` folder (a broken plan folder
    gives no rows: ``llkit plan validate`` says why)."""
    from llkit.documents.plans import plan_status, plans_for
    from llkit.errors import PlanError

    try:
        plans = plans_for(ds)
    except (PlanError, OSError):
        return pd.DataFrame()
    wanted = dict(scope).get("institution")
    cache: dict = {}
    parts = [plan_status(p, ds, _cache=cache) for i, p in plans.items() if wanted is None or i in wanted]
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame()
    t = _units(ds, pd.concat(parts, ignore_index=True).merge(
        ds.org[["institution_id", "institution_name"]].drop_duplicates().astype(str),
        on="institution_id", how="left"), "institution", None)
    t = t.rename(columns={"focus": "fokus", "goal": "maal_tekst", "indicator": "indikator",
                          "reason": "begrundelse"})
    t["maal_id"] = t["measure_id"].astype(object).where(t["measure_id"].notna(), None)
    t["afdeling"] = t["department_id"].astype(object).where(t["department_id"].notna(), None)
    t["status"] = t["status"].astype(object).where(t["status"].notna(), None)
    t["_hidden"] = t["suppressed"].fillna(False).astype(bool)
    t["_reason"] = np.where(t["_hidden"], "min_n", None)
    return t


def _hide_plans(t: pd.DataFrame, hidden: set[str], hidden_gaps: set[str]) -> None:
    """A plan's value hidden wherever the same unit, measure and round is hidden."""
    dept = t["afdeling"].notna()
    level = np.where(dept, "department", "institution")
    unit = np.where(dept, t["afdeling"].astype(str), t["enhed_id"])
    base = pd.Series(level, index=t.index) + "\x1f" + unit + "\x1f" + t["maal_id"].astype(str) + "\x1f"
    keys = [base + t[c].astype(str) for c in ("baseline_round", "latest_round")]
    pool = np.where(t["kind"].astype(str) == "gap", "gap", "mean")
    mask = np.zeros(len(t), dtype=bool)
    for k in keys:
        mask |= np.where(pool == "gap", k.isin(hidden_gaps), k.isin(hidden))
    _hide(t, mask)


def _reason_of_comparisons(ds: Dataset, t: pd.DataFrame) -> pd.DataFrame:
    hidden = t["_hidden"].to_numpy(dtype=bool)
    t["_reason"] = np.where(hidden, np.where(t["n"].fillna(0) < ds.meta.min_n, "min_n", "complementary"), None)
    return t


# ----------------------------------------------------------------------------- decisions

_VERDICT_SHEET = {"position": "kommunen", "staff": "kommunen", "observation": "kommunen",
                  "change": "udvikling", "staff_change": "udvikling", "unit_change": "udvikling",
                  "gap": "social_baggrund", "unit_gap": "social_baggrund"}
_ROUND_KEY = {"udvikling": "til", "social_baggrund": "runde", "kommunen": "runde"}


def _family(ds: Dataset, level: str, unit: str | None, scope) -> pd.DataFrame:
    """The comparisons of the document the workbook belongs to, decided as the document
    decides them: ``sheet``, ``_level``, ``enhed_id``, ``maal_id``, ``round``, ``real``, ``flag``."""
    from llkit.documents.family import report_family
    from llkit.documents.overview import overview_family
    from llkit.stats.decision import ALPHA

    rows = []
    if unit is not None and level in ("institution", "cluster"):
        insts = [unit] if level == "institution" else dict(scope)["institution"]
        alpha = ALPHA / max(len(insts), 1) if level == "cluster" else None
        for i in insts:
            f = report_family(ds, i, alpha=alpha).assign(_level="institution", enhed_id=str(i))
            rows.append(f.rename(columns={"to_round": "round"}))
    elif unit is None:
        f = overview_family(ds)
        f = f.assign(_level=np.where(f["institution_id"].isna(), "municipality", "institution"),
                     enhed_id=f["institution_id"].fillna(ds.meta.name).astype(str),
                     round=ds.meta.rounds[-1])
        rows.append(f if level == "institution" else f[f["_level"] == "municipality"])
    if not rows:
        return pd.DataFrame(columns=["sheet", "_level", "enhed_id", "maal_id", "round", "real", "flag"])
    f = pd.concat(rows, ignore_index=True)
    f = f[f["kind"].isin(list(_VERDICT_SHEET)) & f["p_value"].notna()]
    f = f.assign(sheet=f["kind"].map(_VERDICT_SHEET), maal_id=f["measure_id"].astype(str),
                 round=f["round"].astype(str))
    return f[["sheet", "_level", "enhed_id", "maal_id", "round", "real", "flag"]]


def _verdicts(tables: dict[str, pd.DataFrame], fam: pd.DataFrame) -> None:
    for sheet, t in tables.items():
        if sheet not in _ROUND_KEY or not len(t):
            continue
        f = fam[fam["sheet"] == sheet].drop_duplicates(["_level", "enhed_id", "maal_id", "round"])
        key = pd.MultiIndex.from_frame(f[["_level", "enhed_id", "maal_id", "round"]])
        verdict = np.where(f["real"].astype(bool), "reel forskel",
                           np.where(f["flag"].astype(bool), "mulig forskel", "ikke påvist"))
        lookup = pd.Series(verdict, index=key, dtype=object)
        rows = pd.MultiIndex.from_arrays([t["_level"], t["enhed_id"], t["maal_id"],
                                          t[_ROUND_KEY[sheet]].astype(str)])
        t["vurdering"] = lookup.reindex(rows).to_numpy() if len(lookup) else None


# ----------------------------------------------------------------------------- suppression


def _persons(ds: Dataset, t: pd.DataFrame) -> np.ndarray:
    subject = t["maal_id"].map(measure_info(ds)["subject"].astype(str))
    return (subject != "department").to_numpy()


def _complementary(ds: Dataset, t: pd.DataFrame, n_col: str, group: list[str]) -> pd.DataFrame:
    """Complementary suppression among the units of one level within their parent (on
    top of what is hidden already); rows hidden here get the reason ``"cross"``."""
    work = t[["_level", "_parent", *group, n_col, "_hidden"]].rename(columns={"_hidden": "suppressed"})
    work = work.assign(_blank=0.0)
    out = privacy.complementary_suppression(
        work, parent_cols=["_level", "_parent", *group], n_col=n_col, min_n=ds.meta.min_n,
        value_cols=["_blank"], persons=_persons(ds, t))
    new = out["suppressed"].to_numpy(dtype=bool) & ~t["_hidden"].to_numpy(dtype=bool)
    t.loc[new, "_reason"] = "cross"
    t["_hidden"] = t["_hidden"].to_numpy(dtype=bool) | new
    return t


def _key(t: pd.DataFrame, round_col: str) -> pd.Series:
    return t["_level"] + "\x1f" + t["enhed_id"] + "\x1f" + t["maal_id"] + "\x1f" + t[round_col].astype(str)


def _hide(t: pd.DataFrame, mask: np.ndarray) -> None:
    new = mask & ~t["_hidden"].to_numpy(dtype=bool)
    t.loc[new, "_reason"] = "cross"
    t["_hidden"] = t["_hidden"].to_numpy(dtype=bool) | new


def _harmonise(ds: Dataset, tables: dict[str, pd.DataFrame]) -> None:
    """Make suppression hold across the sheets (see the module docstring)."""
    s, c = tables.get("resultater"), tables.get("kommunen")
    hidden: set[str] = set()
    for attempt in range(4):   # until the summaries and comparisons agree
        before = len(hidden)
        for t in (s, c):
            if t is not None and len(t):
                _complementary(ds, t, "n", ["maal_id", "runde"])
                hidden |= set(_key(t, "runde")[t["_hidden"].to_numpy(dtype=bool)])
        for t in (s, c):
            if t is not None and len(t):
                _hide(t, _key(t, "runde").isin(hidden).to_numpy())
        if attempt and len(hidden) == before:
            break
    ch = tables.get("udvikling")
    if ch is not None and len(ch):
        _hide(ch, (_key(ch, "fra").isin(hidden) | _key(ch, "til").isin(hidden)).to_numpy())
        _complementary(ds, ch, "_n", ["maal_id", "fra", "til"])
    g = tables.get("social_baggrund")
    if g is not None and len(g):
        _hide(g, _key(g, "runde").isin(hidden).to_numpy())
        _complementary(ds, g, "_n", ["maal_id", "runde", "baggrund"])
    p = tables.get("handleplaner")
    if p is not None and len(p):
        gaps = set(_key(g, "runde")[g["_hidden"].to_numpy(dtype=bool)]) if g is not None and len(g) else set()
        _hide_plans(p, hidden, gaps)


def _finish(ds: Dataset, sheet: str, t: pd.DataFrame) -> pd.DataFrame:
    cols = _COLS[sheet]
    if not len(t):
        return pd.DataFrame(columns=cols)
    t = t.copy()
    if "_hidden" in t:
        hidden = t["_hidden"].to_numpy(dtype=bool)
        for col in _VALUES.get(sheet, []):
            if col in t:
                t[col] = t[col].astype(object).where(~hidden, None)
        nouns = (t["maal_id"].map(measure_info(ds)["noun"]) if "maal_id" in t
                 else pd.Series(None, index=t.index, dtype=object))
        t["skjult"] = [(_reason_text(ds, r, noun) if h else None)
                       for h, r, noun in zip(hidden, t["_reason"], nouns, strict=True)]
    for col in cols:
        if col not in t:
            t[col] = None
    return t[cols].reset_index(drop=True)


# ----------------------------------------------------------------------------- entry point


def workbook_tables(
    ds: Dataset, *, level: str = "institution", unit: str | None = None,
    sheets: Sequence[str] | None = None,
) -> dict[str, pd.DataFrame]:
    """The tables of a workbook: the numbers the reports show, one table per sheet.

    Parameters
    ----------
    ds : Dataset
        Prepared as for the report (:func:`llkit.documents.common.prepare`: rounds, min_n).
    level : {"institution", "cluster", "area", "department"}
        The level of the units.
    unit : str, optional
        One unit's id: the workbook of that unit's report (see :func:`scope_of`). Without
        it, every unit of the level beside the municipality (the overview's workbook).
    sheets : list of str, optional
        A subset of :data:`SHEETS` (default all).

    Returns
    -------
    dict of str to DataFrame
        Sheet name -> table with the column keys of :data:`COLUMNS`. Suppressed values
        are None with the reason in ``skjult``.

    Examples
    --------
    >>> from llkit.documents.common import prepare
    >>> t = workbook_tables(prepare("data/sample/dagtilbud"), unit="I03")
    >>> list(t)[:3], sorted(set(t["resultater"]["enhed_id"]))[:3]
    (['resultater', 'udvikling', 'social_baggrund'], ['Eksempel Kommune', 'I03', 'I03-1'])
    """
    scope = scope_of(ds, level, unit)
    inst = institution_info(ds, unit) if unit is not None and level == "institution" else None
    last = last_round(ds, inst)
    wanted = list(SHEETS) if sheets is None else [str(x) for x in sheets]
    unknown = [x for x in wanted if x not in SHEETS]
    if unknown:
        raise KeyError(f"unknown sheet(s) {', '.join(unknown)}; the sheets are: {', '.join(SHEETS)}")
    # an institution report shows its departments side by side in the last rounds, but
    # change, equity gap and comparison for the institution as a whole
    whole = [(lvl, ids) for lvl, ids in scope if not (inst is not None and lvl == "department")]
    build = {
        "resultater": lambda: _summaries(ds, scope),
        "udvikling": lambda: _changes(ds, whole),
        "social_baggrund": lambda: _gaps(ds, whole),
        "kommunen": lambda: _comparisons(ds, whole, last),
        "varians": lambda: _variance(ds, scope, last),
        "reliabilitet": lambda: _reliability(ds),
        "tegn_paa_laering": lambda: _coverage(ds, scope),
        "handleplaner": lambda: _plans(ds, scope),
    }
    tables = {name: build[name]() for name in SHEETS}   # all: suppression spans the sheets
    if len(tables["kommunen"]):
        _reason_of_comparisons(ds, tables["kommunen"])
    _harmonise(ds, tables)
    _verdicts(tables, _family(ds, level, unit, scope))
    if sheets is None and not len(tables["handleplaner"]):
        wanted.remove("handleplaner")   # no plans in the data: no empty sheet
    return {name: _finish(ds, name, tables[name]) for name in wanted}
