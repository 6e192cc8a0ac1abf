"""The family of comparisons a document shows and the verdicts on them: an institution's
position against the municipality (measure by measure and as one profile test), its
changes and gaps, decided together by :mod:`llkit.stats.decision`, and the Danish
sentences and notes that say how many comparisons were made.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from llkit.data.memo import cached
from llkit.documents.common import (
    change_table,
    comparison_table,
    gap_table,
    institution_info,
    institution_rounds,
    last_round,
    summary_table,
)
from llkit.present import text as tx
from llkit.present.html import Block, note_html
from llkit.present.labels import children_noun, fmt_measure, measure_info, sentence_decimals
from llkit.stats import indicators

if TYPE_CHECKING:  # pragma: no cover

    from llkit.data.dataset import Dataset

Z95 = 1.959963984540054

__all__ = [
    "institution_position",
    "position_verdict",
    "report_family",
    "profile_position",
    "family_verdict",
    "family_sentence",
    "family_note",
    "gap_groups",
]


# ----------------------------------------------------------------------------- analysis


def institution_position(ds: Dataset, inst: dict[str, Any], round: str) -> pd.DataFrame:
    """Where the institution stands in a round, per measure, next to its cluster, the
    municipality and the country.

    Parameters
    ----------
    ds : Dataset
    inst : dict
        The institution, from :func:`institution_info`.
    round : str
        A round id.

    Returns
    -------
    DataFrame
        Indexed by ``measure_id``, one row per measure the institution has in ``round``:
        ``n``, ``mean``, ``ci_low``/``ci_high``, ``share_low``/``_middle``/``_high`` (NaN
        when ``suppressed``; ``reason`` says why); the ``municipality`` mean and shares,
        the ``cluster`` mean (``cluster_suppressed``, ``cluster_reason``) and the        ``national`` mean; ``diff`` to the municipality with ``se``, ``z``,
        ``flag_funnel`` (the funnel plot's 99,8 % limits: ``over``/``under``/``within``),
        ``reliability``, ``diff_ci_low``/``diff_ci_high`` (95 %, funnel standard error);
        the decision of the report's family (:func:`report_family`): ``p_value``,
        ``real`` (may be called a real difference in a sentence) and ``flag`` (may be
        marked in a table); the same against the national reference as ``nat_diff``,
        ``nat_se``, ``nat_z``, ``nat_flag`` and ``nat_reliability`` (funnel only). Empty
        when the institution has no answers in ``round``. Cached per dataset,
        institution and round.

    Examples
    --------
    >>> from llkit.documents.common import prepare
    >>> ds = prepare("data/sample/dagtilbud")
    >>> pos = institution_position(ds, institution_info(ds, "I03"), "T3")
    >>> int(pos.loc["sprog", "n"]), bool(pos.loc["sprog", "flag"])
    (52, False)
    """
    def make():
        out = _raw_position(ds, inst, round).copy()
        if len(out):
            fam = report_family(ds, inst, round)
            fam = fam[fam["kind"].isin(_POSITION_KINDS)].set_index("measure_id")
            out["p_value"] = fam["p_value"].reindex(out.index)
            out["real"] = fam["real"].reindex(out.index).fillna(False).astype(bool)
            out["flag"] = fam["flag"].reindex(out.index).fillna(False).astype(bool)
        return out
    return cached(ds, ("position", inst["id"], round), make)


def _raw_position(ds: Dataset, inst: dict[str, Any], round: str) -> pd.DataFrame:
    """:func:`institution_position` before the family decision."""
    def make():
        info = measure_info(ds)
        si = summary_table(ds, "institution")
        si = si[(si["institution_id"].astype(str) == inst["id"]) & (si["round"].astype(str) == round)]
        si = si.set_index("measure_id")
        sm = summary_table(ds, "municipality")
        sm = sm[sm["round"].astype(str) == round].set_index("measure_id")
        sc = summary_table(ds, "cluster")
        if inst["cluster"] is not None:
            sc = sc[(sc["cluster"].astype(str) == str(inst["cluster"])) & (sc["round"].astype(str) == round)]
        else:
            sc = sc.iloc[0:0]
        sc = sc.set_index("measure_id")
        cm = comparison_table(ds, round)
        cm = cm[cm["institution_id"].astype(str) == inst["id"]].set_index("measure_id") if cm is not None else None
        cr = comparison_table(ds, round, target="reference")
        cr = cr[cr["institution_id"].astype(str) == inst["id"]].set_index("measure_id") if cr is not None else None
        ref = ds.reference
        if ref is not None and len(ref):
            ref = ref[(ref["round"].astype(str) == round) & (ref["scope"].astype(str) == "national")]
            ref = ref.assign(measure_id=ref["measure_id"].astype(str)).set_index("measure_id")
        rows = []
        for m in info.index:
            if m not in si.index:
                continue
            r = si.loc[m]
            row = {"measure_id": m, "n": int(r["n"]), "mean": r["mean"], "ci_low": r["ci_low"],
                   "ci_high": r["ci_high"], "share_low": r["share_low"], "share_middle": r["share_middle"],
                   "share_high": r["share_high"], "suppressed": bool(r["suppressed"]),
                   "reason": r.get("suppressed_reason")}
            row["municipality"] = sm.loc[m, "mean"] if m in sm.index else np.nan
            row["municipality_share_low"] = sm.loc[m, "share_low"] if m in sm.index else np.nan
            row["municipality_share_high"] = sm.loc[m, "share_high"] if m in sm.index else np.nan
            row["cluster_suppressed"] = bool(sc.loc[m, "suppressed"]) if m in sc.index else False
            row["cluster_reason"] = sc.loc[m, "suppressed_reason"] if m in sc.index else None
            row["cluster"] = sc.loc[m, "mean"] if m in sc.index else np.nan
            row["national"] = float(ref.loc[m, "mean"]) if ref is not None and len(ref) and m in ref.index else np.nan
            for prefix, c in (("", cm), ("nat_", cr)):
                if c is not None and m in c.index and not row["suppressed"] and not bool(c.loc[m, "suppressed"]):
                    row[prefix + "diff"] = float(c.loc[m, "mean"] - c.loc[m, "target"])
                    row[prefix + "se"] = float(c.loc[m, "se"])
                    row[prefix + "z"] = float(c.loc[m, "z"])
                    row[prefix + "flag"] = c.loc[m, "flag"]
                    row[prefix + "reliability"] = float(c.loc[m, "reliability"])
                else:
                    row[prefix + "diff"] = row[prefix + "se"] = row[prefix + "z"] = np.nan
                    row[prefix + "flag"] = None
                    row[prefix + "reliability"] = np.nan
            if row["suppressed"]:
                for k in ["mean", "ci_low", "ci_high", "share_low", "share_middle", "share_high"]:
                    row[k] = np.nan
            rows.append(row)
        out = pd.DataFrame(rows)
        if len(out):
            out["diff_ci_low"] = out["diff"] - Z95 * out["se"]
            out["diff_ci_high"] = out["diff"] + Z95 * out["se"]
            out["flag_funnel"] = out["flag"]
            out = out.drop(columns="flag").set_index("measure_id")
        return out
    return cached(ds, ("raw_position", inst["id"], round), make)


def normal_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(float(x) / math.sqrt(2.0)))


def profile_position(ds: Dataset, round: str) -> pd.DataFrame:
    """All child measures together: each institution's mean standardised score against the
    municipality's, in one round.

    Each child score is standardised with the municipality's mean and SD of its measure in
    the round (sign-flipped where lower is better); a child's *profile score* is the mean
    over its child measures; an institution's is the mean over its children. The
    comparison with the municipality uses the standard error ``sd / sqrt(n)`` of the
    institution's own profile scores and a t test with ``n - 1`` df. One test per institution for the report's family (kind
    ``profile``): far more powerful than any single measure when an institution differs on
    all of them.

    Returns
    -------
    DataFrame
        Indexed by ``institution_id``: ``n`` (children), ``measures`` (child measures
        used), ``mean`` (in SD), ``se``, ``z``, ``p_value``, ``suppressed``; the values are
        NaN when fewer than ``min_n`` children. Cached per dataset and round.

    Examples
    --------
    >>> from llkit.documents.common import prepare
    >>> pp = profile_position(prepare("data/sample/dagtilbud"), "T3")
    >>> int(pp.loc["I03", "n"]) > 0, bool(abs(pp["mean"].mean()) < 0.2)
    (True, True)
    """
    def make():
        from llkit.stats.decision import p_value_t

        info = measure_info(ds)
        child = [m for m in info.index if info.loc[m, "subject"] == "child"]
        cols = ["n", "measures", "mean", "se", "z", "p_value", "suppressed"]
        if not child:
            return pd.DataFrame(columns=cols)
        sc = indicators.scores(ds, child)
        sc = sc[(sc["round"].astype(str) == round) & sc["score"].notna()]
        if sc.empty:
            return pd.DataFrame(columns=cols)
        m_ids = sc["measure_id"].astype(str)
        grp = sc.groupby(m_ids, observed=True)["score"]
        z = (sc["score"] - grp.transform("mean")) / grp.transform("std").replace(0, np.nan)
        hib = m_ids.map(lambda m: 1.0 if bool(info.loc[m, "hib"]) else -1.0)
        frame = pd.DataFrame({"child": sc["subject_id"].astype(str).to_numpy(),
                              "inst": sc["institution_id"].astype(str).to_numpy(),
                              "z": (z * hib).to_numpy()}).dropna()
        per_child = frame.groupby(["inst", "child"], sort=False)["z"].mean()
        total_mean, total_sd = float(per_child.mean()), float(per_child.std())
        g = per_child.groupby(level="inst", sort=False)
        out = pd.DataFrame({"n": g.size(), "mean": g.mean() - total_mean})
        out["measures"] = len(child)
        # the institution's own SD: children with fewer measures have noisier profile
        # scores, and institutions differ in that mix
        own_sd = g.std().fillna(total_sd).clip(lower=1e-12)
        out["se"] = own_sd / np.sqrt(out["n"])
        out["z"] = out["mean"] / out["se"]
        out["p_value"] = p_value_t(out["z"].to_numpy(), out["n"].to_numpy() - 1)
        out["suppressed"] = out["n"] < ds.meta.min_n
        out.loc[out["suppressed"], ["mean", "se", "z", "p_value"]] = np.nan
        out.index.name = "institution_id"
        return out[cols]
    return cached(ds, ("profile_position", round), make)


#: Kinds of :func:`report_family` rows that *Det vigtigste* (:func:`key_findings`) may state.
HEADLINE_KINDS = ("profile", "position", "change", "gap", "gap_change", "staff", "staff_change")

#: Kinds of :func:`report_family` rows that compare the institution with the municipality.
_POSITION_KINDS = ("position", "staff", "observation")


def _departments_anova(g: pd.DataFrame) -> float:
    """p-value of the one-way ANOVA F test over the shown departments of one measure."""
    g = g[g["n"].notna() & g["sd"].notna() & (g["n"] >= 2)]
    k, n = len(g), float(g["n"].sum())
    if k < 2 or n - k < 1:
        return float("nan")
    grand = float((g["n"] * g["mean"]).sum() / n)
    between = float((g["n"] * (g["mean"] - grand) ** 2).sum()) / (k - 1)
    within = float(((g["n"] - 1) * g["sd"] ** 2).sum()) / (n - k)
    if within <= 0:
        return float("nan")
    from scipy import special

    return float(special.fdtrc(k - 1, n - k, between / within))


def report_family(ds: Dataset, institution: str | dict[str, Any], round: str | None = None,
                  *, alpha: float | None = None) -> pd.DataFrame:
    """Every comparison the institution report makes, with the decision which are real.

    The report's *family* (see :mod:`llkit.stats.decision`): all child measures together
    against the municipality (``profile``, :func:`profile_position`), each shown measure
    against the municipality (``position`` for child measures, ``staff`` for the staff survey,
    ``observation`` for ratings of departments), each change since the previous round
    (``change``, ``staff_change``), the equity gap per measure in ``round`` (``gap``) and
    its change (``gap_change``), and the differences between the departments per child
    measure (``departments``, one-way ANOVA). Suppressed numbers are not compared and not
    part of the family. The headline sentences of the report, its tables, the dashboard
    and the e-learning answer keys all read their verdict from here.

    Parameters
    ----------
    ds : Dataset
    institution : str or dict
        Institution id or name, or the dict of :func:`institution_info`.
    round : str, optional
        The round the report is about; default the institution's last round.
    alpha : float, optional
        Family-wise error rate of the headlines; default :data:`llkit.stats.decision.ALPHA`.
        A document that shows several teams' findings (the cluster dialogue) divides it
        by the number of teams, so that the whole document keeps the bound.

    Returns
    -------
    DataFrame
        One row per comparison: ``kind``, ``measure_id``, ``from_round``, ``to_round``,
        ``estimate``, ``p_value`` and the columns :func:`llkit.stats.decision.decide` adds
        (``weight``, ``p_family``, ``real``, ``p_fdr``, ``flag``). Cached per dataset,
        institution and round.

    Examples
    --------
    >>> from llkit.documents.common import prepare
    >>> ds = prepare("data/sample/dagtilbud")
    >>> fam = report_family(ds, "I03")
    >>> sorted(set(fam["kind"]))[:3], bool(fam["real"].sum() <= fam["flag"].sum())
    (['change', 'departments', 'gap'], True)
    """
    from llkit.stats.decision import ALPHA

    inst = institution if isinstance(institution, dict) else institution_info(ds, institution)
    last = round or last_round(ds, inst)
    alpha = ALPHA if alpha is None else float(alpha)

    def make():
        from llkit.stats.decision import decide, p_value_t

        info = measure_info(ds)
        rows: list[dict[str, Any]] = []
        pp = profile_position(ds, last)
        if inst["id"] in pp.index and not bool(pp.loc[inst["id"], "suppressed"]):
            r = pp.loc[inst["id"]]
            rows.append({"kind": "profile", "measure_id": None, "from_round": None, "to_round": last,
                         "estimate": float(r["mean"]), "p_value": float(r["p_value"])})
        pos = _raw_position(ds, inst, last)
        for m, r in (pos.iterrows() if len(pos) else ()):
            if r["suppressed"] or pd.isna(r["z"]):
                continue
            kind = {"child": "position", "respondent": "staff"}.get(info.loc[m, "subject"], "observation")
            # t with n - 1 df: the funnel z uses an estimated SD, and units are often small
            rows.append({"kind": kind, "measure_id": m, "from_round": None, "to_round": last,
                         "estimate": float(r["diff"]), "p_value": float(p_value_t(r["z"], r["n"] - 1))})
        rounds = institution_rounds(ds, inst)
        ch = institution_change(ds, inst) if len(rounds) >= 2 and len(ds.meta.rounds) >= 2 else None
        if ch is not None and len(ch) and str(ch["to_round"].iloc[0]) == last:
            for m, r in ch.iterrows():
                subject = info.loc[m, "subject"] if m in info.index else None
                if subject not in ("child", "respondent") or bool(r["suppressed"]) or pd.isna(r["p_value"]):
                    continue
                rows.append({"kind": "change" if subject == "child" else "staff_change", "measure_id": m,
                             "from_round": str(r["from_round"]), "to_round": str(r["to_round"]),
                             "estimate": float(r["diff"]), "p_value": float(r["p_value"])})
        g = gap_table(ds, "institution")
        if g is not None:
            g = g[(g["institution_id"].astype(str) == inst["id"]) & ~g["suppressed"].astype(bool)]
            shown_rounds = [x for x in ds.meta.rounds if x in set(g["round"].astype(str))]
            prev = shown_rounds[shown_rounds.index(last) - 1] if last in shown_rounds and shown_rounds.index(last) > 0 else None
            for _, r in g[g["round"].astype(str) == last].iterrows():
                m = str(r["measure_id"])
                rows.append({"kind": "gap", "measure_id": m, "from_round": None, "to_round": last,
                             "estimate": float(r["gap"]), "p_value": float(r["p_value"])})
                has_prev = prev is not None and bool(((g["measure_id"].astype(str) == m) & (g["round"].astype(str) == prev)).any())
                if has_prev and pd.notna(r["change_p_value"]):
                    rows.append({"kind": "gap_change", "measure_id": m, "from_round": prev, "to_round": last,
                                 "estimate": float(r["change_from_previous"]),
                                 "p_value": float(r["change_p_value"])})
        sd = summary_table(ds, "department")
        sd = sd[sd["department_id"].astype(str).isin(inst["departments"]) & (sd["round"].astype(str) == last)
                & ~sd["suppressed"].astype(bool)]
        for m, gm in sd.groupby(sd["measure_id"].astype(str), sort=False):
            if m not in info.index or info.loc[m, "subject"] != "child" or len(gm) < 2:
                continue
            p = _departments_anova(gm)
            if np.isfinite(p):
                spread = float(gm["mean"].max() - gm["mean"].min())
                rows.append({"kind": "departments", "measure_id": m, "from_round": None, "to_round": last,
                             "estimate": spread, "p_value": p})
        cols = ["kind", "measure_id", "from_round", "to_round", "estimate", "p_value"]
        return decide(pd.DataFrame(rows, columns=cols).astype({"p_value": float, "estimate": float}), alpha=alpha)
    return cached(ds, ("family", inst["id"], last, alpha), make)


def family_verdict(fam: pd.DataFrame, kind: str, measure: str) -> tuple[bool, bool]:
    """``(real, flag)`` of one comparison of a :func:`report_family` (False, False if absent).

    Examples
    --------
    >>> from llkit.documents.common import prepare
    >>> ds = prepare("data/sample/dagtilbud")
    >>> family_verdict(report_family(ds, "I03"), "position", "no-such-measure")
    (False, False)
    """
    hit = fam[(fam["kind"] == kind) & (fam["measure_id"].astype(str) == str(measure))]
    if hit.empty:
        return False, False
    return bool(hit["real"].iloc[0]), bool(hit["flag"].iloc[0])


def family_sentence(ds: Dataset, institution: str | dict[str, Any], round: str | None = None) -> str:
    """The report's statement of its family: how many comparisons, what chance would give.

    Examples
    --------
    >>> from llkit.documents.common import prepare
    >>> ds = prepare("data/sample/dagtilbud")
    >>> family_sentence(ds, "I03").startswith("Rapporten har sammenlignet")
    True
    """
    from llkit.stats.decision import family_counts

    c = family_counts(report_family(ds, institution, round))
    return tx.describe_family(c["comparisons"], c["real"])



def family_note(ds: Dataset, institution: str) -> Block:
    """The institution report's statement of its family, as a note under *Det vigtigste*.

    Examples
    --------
    >>> from llkit.documents.common import prepare
    >>> ds = prepare("data/sample/dagtilbud")
    >>> "sammenlignet" in str(family_note(ds, "I03"))
    True
    """
    return Block(note_html(family_sentence(ds, institution)))


def position_verdict(r: pd.Series) -> str:
    """The table wording for how an institution's mean stands to the municipality's.

    A difference is only called one when the report's family decision flags it
    (:mod:`llkit.stats.decision`: false-discovery rate 10 % over all the report's comparisons);
    the wording says over or under, not better or worse.

    Parameters
    ----------
    r : Series
        A row of :func:`institution_position` (``diff`` and ``flag`` are used).

    Returns
    -------
    str
        "Over kommunen", "Under kommunen", "Ingen sikker forskel", or the missing marker
        when there is no difference (e.g. a suppressed number).

    Examples
    --------
    >>> from llkit.documents.common import prepare
    >>> ds = prepare("data/sample/dagtilbud")
    >>> pos = institution_position(ds, institution_info(ds, "I03"), "T3")
    >>> position_verdict(pos.loc["sprog"])
    'Ingen sikker forskel'
    """
    if pd.isna(r.get("diff")):
        return tx.MISSING
    if not bool(r.get("flag", False)):
        return "Ingen sikker forskel"
    return "Over kommunen" if r["diff"] > 0 else "Under kommunen"


def institution_change(ds: Dataset, inst: dict[str, Any]) -> pd.DataFrame | None:
    ch = change_table(ds, "institution")
    if ch is None:
        return None
    out = ch[ch["institution_id"].astype(str) == inst["id"]].copy()
    # never describe a change of a number that is hidden in either round
    si = summary_table(ds, "institution")
    si = si[si["institution_id"].astype(str) == inst["id"]]
    hidden = {(str(m), str(r)) for m, r, s in zip(si["measure_id"], si["round"], si["suppressed"], strict=True) if s}
    mask = [((m, a) in hidden or (m, b) in hidden) and not p
            for m, a, b, p in zip(out["measure_id"], out["from_round"], out["to_round"], out["paired"], strict=True)]
    out.loc[mask, "suppressed"] = True
    out = out.set_index("measure_id")
    return out


def gap_groups(ds: Dataset) -> tuple[str, str, list[str], list[str], str]:
    """The two social groups of the profile's equity gap (:func:`gap_table`), in words.

    Parameters
    ----------
    ds : Dataset

    Returns
    -------
    tuple
        ``(groups, low_group, low, high, attribute)``: a phrase naming both groups, a
        phrase naming the low group, the categories of the low and of the high group
        (lists of str) and the children's background attribute. Without a gap in the
        profile: ``("de to grupper", "den ene gruppe", [], [], "")``.

    Examples
    --------
    >>> from llkit.documents.common import prepare
    >>> groups, low_group, low, high, attr = gap_groups(prepare("data/sample/dagtilbud"))
    >>> groups
    'børn af forældre med kortere og længere uddannelse'
    >>> high, attr
    (['Mellemlang videregående', 'Lang videregående'], 'parent_education')
    """
    try:
        attr, low, high = ds.profile.gap_default
    except Exception:  # noqa: BLE001
        return ("de to grupper", "den ene gruppe", [], [], "")
    noun = children_noun(ds)
    if attr == "parent_education":
        return (f"{noun} af forældre med kortere og længere uddannelse",
                f"{noun} af forældre med kortere uddannelse", list(low), list(high), attr)
    return (f"{noun} i grupperne {', '.join(low)} og {', '.join(high)}",
            f"{noun} i gruppen {', '.join(low)}", list(low), list(high), attr)


def change_sentence(ds: Dataset, m: str, row: pd.Series, name: str, *, real: bool) -> str:
    info = measure_info(ds).loc[m]
    paired = bool(row["paired"])
    s = tx.describe_change(
        row["diff"], row["ci_low"], row["ci_high"], paired=paired,
        n=int(row["n_paired"]) if paired else None, from_round=str(row["from_round"]),
        to_round=str(row["to_round"]), noun=info["noun"], real=real,
        decimals=sentence_decimals(ds, m, row["ci_low"], row["ci_high"]),
    )
    rtm = row.get("expected_rtm")
    diff = row["diff"]
    if (rtm is not None and pd.notna(rtm) and pd.notna(diff) and diff != 0
            and np.sign(rtm) == np.sign(diff) and abs(rtm) >= 0.25 * abs(diff)
            and abs(rtm) >= 0.5 * 10.0 ** -int(info["decimals"])):
        s += (
            f" Men {name} lå i {row['from_round']} langt fra kommunens gennemsnit, og alene derfor "
            f"kan man vente en ændring på omkring {fmt_measure(ds, m, rtm, sign=True)} point mod "
            "gennemsnittet (regression mod gennemsnittet) – også uden en reel ændring."
        )
    return s


def department_spread(ds: Dataset, inst: dict[str, Any], round: str) -> str | None:
    """The child measure whose departments differ really (family decision) and the most."""
    fam = report_family(ds, inst, round)
    d = fam[(fam["kind"] == "departments") & fam["real"].astype(bool)]
    if d.empty:
        return None
    info = measure_info(ds)
    width = d["measure_id"].map(lambda m: (info.loc[m, "scale_max"] - info.loc[m, "scale_min"])
                                if pd.notna(info.loc[m, "scale_max"]) else 1.0).replace(0, 1.0)
    return str(d.loc[(d["estimate"] / width).idxmax(), "measure_id"])
