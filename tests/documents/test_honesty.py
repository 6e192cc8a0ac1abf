"""Known-truth municipalities: what the reports say where nothing differs, and where an
effect was planted (llkit.data.sample effects="none" / Plant, llkit.documents.family.report_family)."""

from __future__ import annotations

import pandas as pd
import pytest

from llkit.data.sample import Plant, generate
from llkit.documents import common, family, institution_findings
from llkit.stats.decision import decide

CLAIMS = ("større end den statistiske usikkerhed", "Samlet set")


@pytest.fixture(scope="module")
def null_ds(tmp_path_factory):
    out = tmp_path_factory.mktemp("null") / "kommune"
    generate("dagtilbud", out, institutions=25, seed=7, effects="none")
    return common.prepare(out)


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    out = tmp_path_factory.mktemp("planted") / "kommune"
    _, truth = generate("dagtilbud", out, institutions=25, seed=7, effects="none",
                        plant=Plant(institutions=2, size=0.5, change_measure="sprog",
                                    change_institutions=3, gap=0.3, gap_narrowing=0.5),
                        truth=True)
    return common.prepare(out), truth


def _claims(items: list[str]) -> list[str]:
    return [i for i in items if any(c in i for c in CLAIMS)]


def test_null_municipality_reports_say_there_is_no_sure_difference(null_ds) -> None:
    insts = list(dict.fromkeys(null_ds.units["institution_id"].astype(str)))
    with_claim = 0
    old_rule = 0
    for inst in insts:
        items = institution_findings.key_findings(null_ds, inst)
        fam = family.report_family(null_ds, inst)
        if _claims(items):
            with_claim += 1
            assert fam.loc[fam["kind"].isin(family.HEADLINE_KINDS), "real"].any(), items
        else:
            assert items[0].startswith("Ingen sikre forskelle"), items
            assert "niveau" in items[0] and "tegn på læring" in items[0]
        naive = decide(fam[["kind", "measure_id", "p_value"]], method="per-comparison")
        old_rule += bool(naive[naive["kind"] != "departments"]["real"].any())
        assert family.family_sentence(null_ds, inst).startswith(
            f"Rapporten har sammenlignet {int(fam['p_value'].notna().sum())} tal")
    # at most 5 % of reports make a claim (here: at most 1 of 25, plus one for chance);
    # the per-comparison rule claims something in most of them
    assert with_claim <= 2
    assert old_rule >= 15


def test_planted_institutions_are_found_and_named_above(planted) -> None:
    ds, truth = planted
    shifted = sorted(set(truth.loc[truth["kind"] == "institution", "institution_id"]))
    assert len(shifted) == 2
    for inst in shifted:
        items = institution_findings.key_findings(ds, inst)
        fam = family.report_family(ds, inst)
        prof = fam[fam["kind"] == "profile"].iloc[0]
        assert prof["real"] and prof["estimate"] > 0.2
        assert any(i.startswith("Samlet set") and " over kommunens gennemsnit" in i for i in items), items
    others = [i for i in dict.fromkeys(ds.units["institution_id"].astype(str)) if i not in shifted]
    false = sum(bool(_claims(institution_findings.key_findings(ds, i))) for i in others)
    assert false <= 2


def test_table_verdicts_follow_the_family(planted) -> None:
    ds, _ = planted
    for inst in ["I01", "I02", "I03"]:
        fam = family.report_family(ds, inst)
        pos = family.institution_position(ds, common.institution_info(ds, inst), common.last_round(
            ds, common.institution_info(ds, inst)))
        for m, r in pos.iterrows():
            if r["suppressed"] or pd.isna(r["diff"]):
                continue
            kind = {"child": "position", "respondent": "staff"}.get(
                ds.measures.set_index("measure_id").loc[m, "subject"], "observation")
            flag = family.family_verdict(fam, kind, m)[1]
            assert (family.position_verdict(r) != "Ingen sikker forskel") == flag
