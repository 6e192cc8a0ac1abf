"""Tests of the synthetic sample municipality (llkit.data.sample)."""

from __future__ import annotations

import tomllib
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from llkit.data.profiles import get_profile
from llkit.data.sample import TABLES, TRUTH_COLUMNS, Plant, generate

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = {"dagtilbud": 25, "skole": 8}  # sector -> institutions of data/sample/<sector>


# ------------------------------------------------------------------ helpers


def one_way_icc(score: pd.Series, group: pd.Series) -> float:
    """ICC(1) from a one-way ANOVA with unequal group sizes (n0 correction)."""
    df = pd.DataFrame({"s": score.to_numpy(), "g": group.to_numpy()}).dropna()
    grp = df.groupby("g", observed=True)["s"]
    k, n, ni = grp.ngroups, len(df), grp.size()
    msb = (ni * (grp.mean() - df.s.mean()) ** 2).sum() / (k - 1)
    msw = ((df.s - grp.transform("mean")) ** 2).sum() / (n - k)
    n0 = (n - (ni ** 2).sum() / n) / (k - 1)
    tau2 = max((msb - msw) / n0, 0.0)
    return tau2 / (tau2 + msw)


def child_scores(t: dict[str, pd.DataFrame], measure: str) -> pd.DataFrame:
    """Score per child and round (mean of recoded items, at least min_items answered)."""
    m = t["measures"].set_index("measure_id").loc[measure]
    items = t["items"][t["items"].measure_id == measure]
    r = t["responses"]
    r = r[r.item_id.isin(items.item_id)].merge(items[["item_id", "reverse"]], on="item_id")
    r["v"] = np.where(r.reverse, m.scale_min + m.scale_max - r.value, r.value)
    s = (r.groupby(["round", "child_id", "department_id"], observed=True)
         .v.agg(["mean", "count"]).reset_index())
    s.loc[s["count"] < m.min_items, "mean"] = np.nan
    s = s.merge(t["units"], on="department_id").merge(t["children"], on="child_id")
    return s


@pytest.fixture(scope="module")
def mid() -> dict[str, pd.DataFrame]:
    return generate("dagtilbud", institutions=40, seed=7)


@pytest.fixture(scope="module")
def school() -> dict[str, pd.DataFrame]:
    return generate("skole", institutions=6, seed=7)


# ------------------------------------------------------------------ structure


def test_tables_and_columns(mid: dict[str, pd.DataFrame]) -> None:
    assert tuple(mid) == TABLES
    assert list(mid["units"].columns) == ["department_id", "department_name", "institution_id",
                                         "institution_name", "cluster", "area"]
    assert list(mid["responses"].columns) == ["round", "item_id", "department_id",
                                             "child_id", "respondent_id", "value"]
    assert list(mid["goals"].columns) == ["round", "department_id", "goal_id", "theme", "goal",
                                         "signs_defined", "signs_documented"]
    assert list(mid["reference"].columns) == ["measure_id", "round", "scope", "n", "mean", "sd"]
    assert mid["units"].department_id.is_unique
    assert mid["children"].child_id.is_unique
    assert mid["goals"].goal_id.is_unique
    p = get_profile("dagtilbud")
    pd.testing.assert_frame_equal(mid["measures"], p.measures)
    pd.testing.assert_frame_equal(mid["items"], p.items)


def test_organisation_looks_danish(mid: dict[str, pd.DataFrame]) -> None:
    u = mid["units"]
    assert u.institution_id.nunique() == 40
    per_inst = u.groupby("institution_id").size()
    assert per_inst.min() >= 2 and per_inst.max() <= 5 and per_inst.nunique() >= 3
    per_cluster = u.groupby("cluster").institution_id.nunique()
    assert per_cluster.between(2, 4).all() and (per_cluster >= 3).mean() > .8
    assert u.area.str.startswith("Område ").all()
    assert u.cluster.str.startswith("Klynge ").all()
    assert u.institution_name.nunique() == 40
    assert u.institution_name.str.contains("[æøå]|Børne").any()
    # "Sommerfuglene", "Stue 2", "Vuggestuen", "Førskolegruppen"
    assert u.department_name.str.contains(r"(?:ne|en|\d)$").all()
    assert u.department_name.str.fullmatch(r"(?:Stue|Gruppe) \d").any()


def test_ids_are_pseudonyms(mid: dict[str, pd.DataFrame]) -> None:
    ch = mid["children"].child_id
    assert ch.str.fullmatch(r"B\d{6}").all()
    resp = mid["responses"].respondent_id.dropna().astype(str)
    assert resp.str.fullmatch(r"M\d{5}").all()
    # nothing that looks like a CPR number
    assert not ch.str.contains(r"\d{10}").any()


def test_children_background_uses_profile_categories(mid: dict[str, pd.DataFrame]) -> None:
    ch, p = mid["children"], get_profile("dagtilbud")
    for attr, levels in p.background.items():
        assert list(ch[attr].cat.categories) == levels
        assert ch[attr].notna().all()
        assert set(ch[attr].unique()) == set(levels)
    years = ch.birth_year
    assert years.min() >= 2010 and years.max() <= 2018


def test_round_dependent_rows(mid: dict[str, pd.DataFrame]) -> None:
    r = mid["responses"]
    assert list(r["round"].cat.categories) == ["T1", "T2", "T3"]
    # a row describes a child, a respondent or a department, never two persons
    assert not (r.child_id.notna() & r.respondent_id.notna()).any()
    sources = r.merge(mid["items"], on="item_id").merge(mid["measures"], on="measure_id")
    assert set(sources.source) == {"pædagog", "barn", "forælder", "medarbejder", "observatør"}
    obs = sources[sources.subject == "department"]
    assert obs.child_id.isna().all() and obs.respondent_id.isna().all()
    # only the oldest children answer themselves
    barn = sources[sources.source == "barn"].merge(mid["children"], on="child_id")
    year = barn["round"].map({"T1": 2015, "T2": 2017, "T3": 2019}).astype(int)
    assert (year - barn.birth_year >= 4).all()
    # values inside the scales
    ok = sources.value.isna() | sources.value.between(sources.scale_min, sources.scale_max)
    assert ok.all()
    # no duplicate answers
    key = ["round", "item_id", "department_id", "child_id", "respondent_id"]
    assert not r.astype({"child_id": object, "respondent_id": object}).duplicated(key).any()


# ------------------------------------------------------------------ statistical properties


def test_icc_between_institutions(mid: dict[str, pd.DataFrame]) -> None:
    for measure in ("sprog", "social"):
        s = child_scores(mid, measure)
        t1 = s[s["round"] == "T1"]
        icc = one_way_icc(t1["mean"], t1.institution_id)
        assert 0.03 <= icc <= 0.2, (measure, icc)


def test_departments_differ_within_institutions(mid: dict[str, pd.DataFrame]) -> None:
    s = child_scores(mid, "sprog")
    s = s[s["round"] == "T1"]
    # department means vary more than the institution means explain
    icc_dept = one_way_icc(s["mean"], s.department_id)
    icc_inst = one_way_icc(s["mean"], s.institution_id)
    assert icc_dept > icc_inst


def test_social_gradient(mid: dict[str, pd.DataFrame]) -> None:
    p = get_profile("dagtilbud")
    attr, low, high = p.gap_default
    for measure in ("sprog", "personlig"):
        s = child_scores(mid, measure)
        gap = s[s[attr].isin(high)]["mean"].mean() - s[s[attr].isin(low)]["mean"].mean()
        assert gap > 0.1, (measure, gap)
    by_level = child_scores(mid, "sprog").groupby(attr, observed=True)["mean"].mean()
    assert by_level.iloc[-1] > by_level.iloc[0]


def test_children_enter_and_leave(mid: dict[str, pd.DataFrame]) -> None:
    r = mid["responses"].dropna(subset=["child_id"])
    n_rounds = r.groupby("child_id", observed=True)["round"].nunique()
    assert (n_rounds == 1).sum() > 100
    assert (n_rounds >= 2).sum() > 100
    assert (n_rounds == 3).any()
    dept_per_child = r.groupby("child_id", observed=True).department_id.nunique()
    assert (dept_per_child > 1).sum() > 20


def test_some_departments_below_min_n(mid: dict[str, pd.DataFrame]) -> None:
    s = child_scores(mid, "sprog")
    size = s.groupby(["round", "department_id"], observed=True).child_id.nunique()
    assert (size < 5).any()
    assert (size >= 15).any()


def test_some_institutions_improve(mid: dict[str, pd.DataFrame]) -> None:
    s = child_scores(mid, "sprog")
    means = s.groupby(["institution_id", "round"], observed=True)["mean"].mean().unstack()
    change = means["T3"] - means["T1"]
    assert (change > .3).sum() >= 3
    assert (change < .1).sum() >= 3


def test_goals_with_and_without_documented_signs(mid: dict[str, pd.DataFrame]) -> None:
    g = mid["goals"]
    assert set(g.theme) <= set(get_profile("dagtilbud").themes)
    assert not (g.signs_documented & ~g.signs_defined).any()
    team = g.groupby(["round", "department_id"], observed=True).signs_documented.any()
    assert team.any() and not team.all()
    share = team.groupby(level="round", observed=True).mean()
    assert share["T3"] > share["T1"]


def test_reverse_items_and_missing_answers(mid: dict[str, pd.DataFrame]) -> None:
    r = mid["responses"].merge(mid["items"], on="item_id")
    assert r.reverse.any()
    assert r.value.isna().any()
    assert .005 < r.value.isna().mean() < .1
    # non-response: some children in the children table never have a parent answer
    parents = r[r.measure_id.str.startswith("f_")].child_id.dropna().unique()
    assert len(parents) < len(mid["children"])
    # reverse items correlate negatively with their siblings before recoding
    x = r[r.measure_id == "social"].pivot_table(index=["round", "child_id"], columns="item_id",
                                                values="value", observed=True)
    assert x["social_4"].corr(x["social_1"]) < 0 < x["social_2"].corr(x["social_1"])


def test_staff_and_observations(mid: dict[str, pd.DataFrame]) -> None:
    r = mid["responses"].merge(mid["units"], on="department_id")
    staff = r.dropna(subset=["respondent_id"])
    per_inst = staff.groupby(["round", "institution_id"], observed=True).respondent_id.nunique()
    assert per_inst.min() < 5 < per_inst.max()
    stay = staff.groupby("respondent_id", observed=True)["round"].nunique()
    assert (stay > 1).any() and (stay == 1).any()
    obs = r[r.item_id.astype(str).str.startswith("relationer_")]
    assert obs.groupby("round", observed=True).department_id.nunique().min() > .8 * len(
        mid["units"])


def test_reference(mid: dict[str, pd.DataFrame]) -> None:
    ref = mid["reference"]
    assert (ref.scope == "national").all()
    assert set(ref.measure_id) == set(mid["measures"].measure_id)
    assert ref.groupby("measure_id").size().eq(3).all()
    m = ref.merge(mid["measures"], on="measure_id")
    assert m["mean"].between(m.scale_min, m.scale_max).all()
    assert (m.sd > 0).all() and (m.n > 100).all()


def test_skole(school: dict[str, pd.DataFrame]) -> None:
    u, r = school["units"], school["responses"]
    assert u.institution_name.str.endswith("Skole").all()
    assert u.department_name.str.fullmatch(r"[4-9]\.[A-C]|Specialklassen").all()
    assert school["children"].child_id.str.fullmatch(r"E\d{6}").all()
    tests = r[r.item_id.isin(["dansk_1", "matematik_1"])].value.dropna()
    assert tests.between(1, 100).all() and 40 < tests.mean() < 60
    assert set(school["goals"].theme) <= set(get_profile("skole").themes)
    # pupils move up a class between rounds
    moves = r.dropna(subset=["child_id"]).groupby("child_id", observed=True).department_id
    assert (moves.nunique() > 1).mean() > .3


# ------------------------------------------------------------------ determinism and files


def test_deterministic() -> None:
    a = generate("dagtilbud", institutions=6, seed=3)
    b = generate("dagtilbud", institutions=6, seed=3)
    for name in TABLES:
        pd.testing.assert_frame_equal(a[name], b[name])
    c = generate("dagtilbud", institutions=6, seed=4)
    assert not a["responses"].value.equals(c["responses"].value)


@pytest.mark.parametrize("sector", sorted(SAMPLES))
def test_committed_sample_is_reproducible(sector: str, tmp_path: Path) -> None:
    committed = ROOT / "data" / "sample" / sector
    fresh = tmp_path / sector
    generate(sector, fresh, institutions=SAMPLES[sector], seed=1)
    names = sorted(p.name for p in fresh.iterdir())
    # plans/ holds hand-written action plans (llkit.documents.plans), not generated data
    assert names == sorted(p.name for p in committed.iterdir() if p.name != "plans")
    for name in names:
        assert (fresh / name).read_bytes() == (committed / name).read_bytes(), (
            f"data/sample/{sector}/{name} differs from a fresh generation; regenerate it "
            f"with llkit.data.sample.generate({sector!r}, ..., institutions={SAMPLES[sector]}, "
            "seed=1)")


def test_written_files(tmp_path: Path) -> None:
    out = tmp_path / "kommune"
    generate("dagtilbud", out, institutions=3, seed=2, name="Testkommune")
    meta = tomllib.loads((out / "dataset.toml").read_text(encoding="utf-8"))
    assert meta["name"] == "Testkommune" and meta["sector"] == "dagtilbud"
    assert meta["synthetic"] is True and meta["min_n"] == 5
    assert meta["rounds"] == ["T1", "T2", "T3"]
    assert meta["round_dates"] == {"T1": "2015-03-01", "T2": "2017-03-01", "T3": "2019-03-01"}
    text = (out / "responses.csv").read_text(encoding="utf-8")
    header, first = text.splitlines()[:2]
    assert header == "round,item_id,department_id,child_id,respondent_id,value"
    assert first.split(",")[-1] in {"", "1", "2", "3", "4", "5"}
    assert ".0\n" not in text
    assert "true" in (out / "items.csv").read_text(encoding="utf-8")
    assert not list(tmp_path.glob(".kommune*"))  # no temporary folders left


def test_parquet_and_rounds(tmp_path: Path) -> None:
    out = tmp_path / "pq"
    t = generate("skole", out, institutions=2, seed=2, format="parquet", rounds=["A", "B"])
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["dataset.toml", *[f"{n}.parquet" for n in TABLES]])
    back = pd.read_parquet(out / "responses.parquet")
    assert len(back) == len(t["responses"])
    assert list(back["round"].cat.categories) == ["A", "B"]
    assert list(generate("dagtilbud", institutions=2, rounds=4)["reference"]["round"]
                .cat.categories) == ["T1", "T2", "T3", "T4"]


def test_overwrite_rules(tmp_path: Path) -> None:
    out = tmp_path / "s"
    generate("dagtilbud", out, institutions=2, seed=1)
    before = (out / "responses.csv").read_bytes()
    generate("dagtilbud", out, institutions=2, seed=2)  # a previous sample: replaced
    assert (out / "responses.csv").read_bytes() != before
    (out / "notes.txt").write_text("mine")
    with pytest.raises(FileExistsError, match="overwrite"):
        generate("dagtilbud", out, institutions=2, seed=1)
    assert (out / "notes.txt").exists()
    generate("dagtilbud", out, institutions=2, seed=1, overwrite=True)
    assert not (out / "notes.txt").exists()
    other = tmp_path / "other"
    other.mkdir()
    (other / "data.csv").write_text("x")
    with pytest.raises(FileExistsError):
        generate("skole", other, institutions=2)
    with pytest.raises(FileExistsError):
        generate("skole", other / "data.csv", institutions=2)


def test_invalid_arguments() -> None:
    with pytest.raises(KeyError):
        generate("vuggestue")
    with pytest.raises(ValueError, match="format"):
        generate("dagtilbud", format="xls")
    with pytest.raises(ValueError, match="institutions"):
        generate("dagtilbud", institutions=0)
    with pytest.raises(ValueError, match="rounds"):
        generate("dagtilbud", institutions=2, rounds=["T1", "T1"])


@pytest.mark.parametrize("sector", sorted(SAMPLES))
def test_samples_load_and_validate(sector: str) -> None:
    dataset = pytest.importorskip("llkit.data.dataset")
    path = ROOT / "data" / "sample" / sector
    problems = dataset.validate(path)
    assert len(problems) == 0, problems.to_string()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ds = dataset.load(path)
    assert ds.meta.synthetic and ds.meta.sector == sector and ds.meta.min_n == 5
    assert ds.units.institution_id.nunique() == SAMPLES[sector]


def test_small_variants_validate(tmp_path: Path) -> None:
    dataset = pytest.importorskip("llkit.data.dataset")
    for k, (sector, n, rounds) in enumerate([("dagtilbud", 1, 1), ("skole", 1, 4),
                                              ("dagtilbud", 3, ["2015", "2017"])]):
        out = tmp_path / f"v{k}"
        generate(sector, out, institutions=n, rounds=rounds, seed=k,
                 format="parquet" if k == 1 else "csv")
        problems = dataset.validate(out)
        assert len(problems[problems.severity == "error"]) == 0, problems.to_string()


# ------------------------------------------------------------------ known truth
#
# effects="none": nothing truly differs; Plant: effects of known size on top. The checks
# are statistical but seeded, on small municipalities (10 institutions), so they are fast
# and do not flake.

HIGH_EDU = ["Mellemlang videregående", "Lang videregående"]  # the profiles' gap groups
LOW_EDU = ["Grundskole", "Gymnasial", "Erhvervsfaglig"]
KEY = ["round", "item_id", "department_id", "child_id", "respondent_id"]


def scores(t: dict[str, pd.DataFrame], measure: str) -> pd.DataFrame:
    """Score per subject (child, respondent or department) and round, with its units."""
    m = t["measures"].set_index("measure_id").loc[measure]
    if m.subject == "child":
        return child_scores(t, measure).dropna(subset=["mean"])
    subject = {"respondent": ["respondent_id"], "department": []}[m.subject]
    items = t["items"][t["items"].measure_id == measure]
    r = t["responses"]
    r = r[r.item_id.isin(items.item_id)].merge(items[["item_id", "reverse"]], on="item_id")
    r["v"] = np.where(r.reverse, m.scale_min + m.scale_max - r.value, r.value)
    s = (r.groupby(["round", *subject, "department_id"], observed=True)
         .v.agg(["mean", "count"]).reset_index())
    s = s[s["count"] >= m.min_items]
    return s.merge(t["units"], on="department_id")


def anova_p(s: pd.DataFrame, by: str = "institution_id") -> float:
    groups = [g["mean"].to_numpy() for _, g in s.groupby(by) if len(g) >= 2]
    return float(stats.f_oneway(*groups).pvalue)


def child_measures(t: dict[str, pd.DataFrame]) -> list[str]:
    return list(t["measures"].query("subject == 'child'").measure_id)


def same_answer(a: pd.Series, b: pd.Series) -> np.ndarray:
    return ((a == b) | (a.isna() & b.isna())).to_numpy()


def std_diff(s: pd.DataFrame, inside: pd.Series) -> float:
    """Mean of the ``inside`` rows minus the others, in SD of the others (within round)."""
    sd = s.loc[~inside].groupby("round", observed=True)["mean"].std().mean()
    return float((s.loc[inside, "mean"].mean() - s.loc[~inside, "mean"].mean()) / sd)


def edu_gap(s: pd.DataFrame) -> float:
    """High minus low parents' education, in SD of the scores."""
    hi = s[s.parent_education.isin(HIGH_EDU)]["mean"]
    lo = s[s.parent_education.isin(LOW_EDU)]["mean"]
    return float((hi.mean() - lo.mean()) / s["mean"].std())


@pytest.fixture(scope="module")
def null_runs() -> list[tuple[str, dict[str, pd.DataFrame]]]:
    return [(sector, generate(sector, institutions=10, seed=seed, effects="none"))
            for sector in ("dagtilbud", "skole") for seed in (1, 2, 3)]


def test_null_institutions_do_not_differ(null_runs) -> None:
    # one F test per measure and round, over institutions: about 5 % significant by chance
    ps = {"child": [], "respondent": [], "department": []}
    for _, t in null_runs:
        for m in t["measures"].itertuples():
            s = scores(t, m.measure_id)
            ps[m.subject] += [anova_p(g) for _, g in s.groupby("round", observed=True)]
    for subject, p in ps.items():
        assert (np.array(p) < .05).mean() <= .12, (subject, np.round(p, 3))
    # departments within institutions neither (child measures, first run)
    t = null_runs[0][1]
    p = [anova_p(scores(t, m).query("round == 'T1'"), "department_id") for m in child_measures(t)]
    assert (np.array(p) < .05).mean() <= .2, np.round(p, 3)
    # ... while the realistic sample of the same size and seed does differ
    real = generate("dagtilbud", institutions=10, seed=1)
    p = [anova_p(scores(real, m).query("round == 'T1'")) for m in child_measures(real)]
    assert (np.array(p) < .05).mean() >= .5


def test_null_icc_near_zero(null_runs) -> None:
    for _, t in null_runs[:2]:
        for m in ("sprog", "social", "personlig"):
            s = scores(t, m)
            assert one_way_icc(s["mean"], s.institution_id) < .02, m


def test_null_no_gap_and_no_change(null_runs) -> None:
    p_gap, p_change, gaps, changes = [], [], [], []
    for _, t in null_runs:
        last, prev = list(t["responses"]["round"].cat.categories)[:-3:-1]
        for m in child_measures(t):
            s = scores(t, m)
            first = s[s["round"] == s["round"].cat.categories[0]]  # each child once
            hi = first[first.parent_education.isin(HIGH_EDU)]["mean"]
            lo = first[first.parent_education.isin(LOW_EDU)]["mean"]
            p_gap.append(stats.ttest_ind(hi, lo).pvalue)
            gaps.append(edu_gap(s))
            a, b = s[s["round"] == prev]["mean"], s[s["round"] == last]["mean"]
            p_change.append(stats.ttest_ind(a, b).pvalue)
            changes.append((b.mean() - a.mean()) / s["mean"].std())
    assert (np.array(p_gap) < .05).mean() <= .12 and abs(np.mean(gaps)) < .05
    assert (np.array(p_change) < .05).mean() <= .12 and abs(np.mean(changes)) < .05
    assert np.abs(gaps).max() < .35 and np.abs(changes).max() < .35


def test_null_background_exchangeable_and_realistic() -> None:
    t = generate("dagtilbud", institutions=40, seed=1, effects="none")
    real = generate("dagtilbud", institutions=40, seed=1)
    for x, exchangeable in ((t, True), (real, False)):
        r = x["responses"].dropna(subset=["child_id"]).query("round == 'T1'")
        first = (r.drop_duplicates("child_id").merge(x["units"], on="department_id")
                 .merge(x["children"], on="child_id"))
        table = pd.crosstab(first.institution_id, first.parent_education.isin(HIGH_EDU))
        assert (stats.chi2_contingency(table).pvalue > .01) == exchangeable
    # about the shares of the sample (national shares of parents' education)
    shares = t["children"].parent_education.value_counts(normalize=True, sort=False)
    assert np.abs(shares.to_numpy() - [.10, .08, .30, .06, .28, .18]).max() < .03


def test_null_goals_and_reference(null_runs) -> None:
    for sector, t in null_runs[::3]:
        g = t["goals"].merge(t["units"], on="department_id")
        doc = pd.crosstab(g["round"], g.signs_documented)
        assert stats.chi2_contingency(doc).pvalue > .01
        doc = pd.crosstab(g.institution_id, g.signs_documented)
        assert stats.chi2_contingency(doc).pvalue > .01
        # the nation is the municipality's first round, in every round (tests too)
        ref = t["reference"]
        assert ref.groupby("measure_id")[["mean", "sd"]].nunique().eq(1).all().all()
        for m in t["measures"].measure_id:
            s = scores(t, m)
            s = s[s["round"] == s["round"].cat.categories[0]]
            mean = ref.loc[ref.measure_id == m, "mean"].iloc[0]
            assert abs(mean - s["mean"].mean()) < 1e-3, (sector, m)
        assert sector != "skole" or set(ref.measure_id) >= {"dansk", "matematik"}


def test_null_is_deterministic_and_differs_from_sample() -> None:
    a = generate("skole", institutions=3, seed=4, effects="none")
    b = generate("skole", institutions=3, seed=4, effects="none")
    assert all(a[name].equals(b[name]) for name in TABLES)
    c = generate("skole", institutions=3, seed=4)
    pd.testing.assert_frame_equal(a["units"], c["units"])
    assert not a["responses"].value.equals(c["responses"].value)


def test_planted_institutions_stand_out() -> None:
    for sector, seed in (("dagtilbud", 1), ("dagtilbud", 2), ("skole", 1)):
        null = generate(sector, institutions=10, seed=seed, effects="none")
        t, truth = generate(sector, institutions=10, seed=seed, effects="none",
                            plant=Plant(institutions=2, size=0.5), truth=True)
        child = child_measures(t)
        assert list(truth.columns) == TRUTH_COLUMNS
        assert (truth.kind == "institution").all() and len(truth) == 2 * len(child)
        assert truth.from_round.isna().all() and truth.to_round.isna().all()
        assert (truth["size"] == .5).all() and (truth.direction == 1).all()
        planted = set(truth.institution_id)
        assert len(planted) == 2
        assert set(truth.measure_id) == set(child)
        d = [std_diff(s, s.institution_id.isin(planted)) for s in (scores(t, m) for m in child)]
        assert .3 <= np.mean(d) <= .7 and min(d) > .1, (sector, np.round(d, 2))
        # the plant changed the children's answers at those institutions, nothing else
        a, b = null["responses"], t["responses"]
        assert a[KEY].equals(b[KEY])
        changed = ~same_answer(a.value, b.value)
        where = b[changed].merge(t["units"], on="department_id").merge(t["items"],
                                                                       on="item_id")
        assert set(where.institution_id) == planted and set(where.measure_id) <= set(child)
    _, below = generate("dagtilbud", institutions=10, seed=1, effects="none",
                        plant={"institutions": 1, "size": -0.8}, truth=True)
    assert (below.direction == -1).all() and (below["size"] == .8).all()


def test_planted_change_only_where_planted() -> None:
    null = generate("dagtilbud", institutions=10, seed=3, effects="none")
    t, truth = generate("dagtilbud", institutions=10, seed=3, effects="none",
                        plant=Plant(change_measure="sprog", change_institutions=3,
                                    change_size=1.0), truth=True)
    assert list(truth.kind) == ["change"] * 3 and set(truth.measure_id) == {"sprog"}
    assert set(truth.from_round) == {"T2"} and set(truth.to_round) == {"T3"}
    assert (truth["size"] == 1.0).all() and (truth.direction == 1).all()
    planted = set(truth.institution_id)
    a, b = null["responses"], t["responses"]
    changed = ~same_answer(a.value, b.value)
    where = b[changed].merge(t["units"], on="department_id").merge(t["items"], on="item_id")
    assert set(where.institution_id) == planted
    assert set(where.measure_id) == {"sprog"} and set(where["round"]) == {"T3"}
    s = scores(t, "sprog")
    s["planted"] = s.institution_id.isin(planted)
    means = s.groupby(["planted", "round"], observed=True)["mean"].mean().unstack()
    change = (means["T3"] - means["T2"]) / s["mean"].std()
    assert change[True] > .5 and abs(change[False]) < .2, change
    assert abs(means.loc[True, "T2"] - means.loc[True, "T1"]) / s["mean"].std() < .3


def test_planted_gap_and_narrowing() -> None:
    t, truth = generate("dagtilbud", institutions=10, seed=2, effects="none",
                        plant=Plant(gap=0.4, gap_narrowing=0.75), truth=True)
    child = child_measures(t)
    assert sorted(set(truth.kind)) == ["gap", "gap_change"]
    gap, change = truth[truth.kind == "gap"], truth[truth.kind == "gap_change"]
    assert set(gap.measure_id) == set(change.measure_id) == set(child)
    assert truth.institution_id.isna().all()
    assert (gap["size"] == .4).all() and (gap.direction == 1).all()
    assert (change["size"] == .3).all() and (change.direction == -1).all()
    assert set(change.from_round) == {"T2"} and set(change.to_round) == {"T3"}
    by_round = pd.DataFrame([{r: edu_gap(s[s["round"] == r]) for r in ("T1", "T2", "T3")}
                             for s in (scores(t, m) for m in child)], index=child)
    # about 1.9 x 0.4 x 0.9 latent SD between the groups, attenuated by the answers
    assert by_round[["T1", "T2"]].mean().between(.3, .8).all(), by_round
    assert (by_round["T3"] < by_round["T2"]).mean() >= .75, by_round
    assert by_round["T3"].mean() < .5 * by_round["T2"].mean()
    # no institution differences came with the gap (backgrounds are exchangeable)
    p = [anova_p(scores(t, m).query("round == 'T1'")) for m in child]
    assert (np.array(p) < .05).mean() <= .25


def test_plant_on_top_of_the_sample() -> None:
    real = generate("dagtilbud", institutions=6, seed=2)
    t, truth = generate("dagtilbud", institutions=6, seed=2, plant=Plant(institutions=1),
                        truth=True)
    changed = ~same_answer(real["responses"].value, t["responses"].value)
    where = t["responses"][changed].merge(t["units"], on="department_id")
    assert set(where.institution_id) == set(truth.institution_id)
    assert t["reference"]["mean"].ne(real["reference"]["mean"]).any()  # from the data


def test_plant_deterministic_per_seed() -> None:
    plant = Plant(institutions=2, change_measure="social", change_institutions=2)
    picks = []
    for seed in (1, 1, 2, 3, 4):
        _, truth = generate("dagtilbud", institutions=10, seed=seed, effects="none",
                            plant=plant, truth=True)
        picks.append((frozenset(truth.query("kind == 'institution'").institution_id),
                      frozenset(truth.query("kind == 'change'").institution_id)))
    assert picks[0] == picks[1]
    assert len({p[0] for p in picks[1:]}) > 1 and len({p[1] for p in picks[1:]}) > 1
    # the two kinds are chosen independently
    assert any(p[0] != p[1] for p in picks)
    a, ta = generate("dagtilbud", institutions=4, seed=6, effects="none", plant=plant,
                     truth=True)
    b, tb = generate("dagtilbud", institutions=4, seed=6, effects="none", plant=plant,
                     truth=True)
    pd.testing.assert_frame_equal(ta, tb)
    assert a["responses"].equals(b["responses"])


def test_truth_without_plant_is_empty() -> None:
    for effects in ("sample", "none"):
        tables, truth = generate("skole", institutions=2, seed=1, effects=effects, truth=True)
        assert truth.empty and list(truth.columns) == TRUTH_COLUMNS
        assert tuple(tables) == TABLES
    assert isinstance(generate("skole", institutions=2, seed=1, effects="none"), dict)
    _, truth = generate("skole", institutions=2, seed=1, effects="none", truth=True,
                        plant=Plant(institutions=1, size=0.0))
    assert truth.empty  # an effect of size 0 is no effect


def test_known_truth_folder(tmp_path: Path) -> None:
    dataset = pytest.importorskip("llkit.data.dataset")
    out = tmp_path / "null"
    generate("dagtilbud", out, institutions=3, seed=2, effects="none", truth=True,
             plant=Plant(institutions=1, gap=0.2, gap_narrowing=0.5))
    meta = tomllib.loads((out / "dataset.toml").read_text(encoding="utf-8"))
    assert meta["synthetic"] is True and meta["effects"] == "none"
    assert meta["plant"] == {"institutions": 1, "size": 0.5, "gap": 0.2, "gap_narrowing": 0.5}
    # the truth (which institution) is not in the folder
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["dataset.toml", *[f"{n}.csv" for n in TABLES]])
    assert "I0" not in (out / "dataset.toml").read_text(encoding="utf-8")
    problems = dataset.validate(out)
    assert len(problems) == 0, problems.to_string()
    assert dataset.load(out).meta.extra["effects"] == "none"
    generate("dagtilbud", out, institutions=3, seed=2)  # a previous sample: replaced
    meta = tomllib.loads((out / "dataset.toml").read_text(encoding="utf-8"))
    assert "effects" not in meta and "plant" not in meta


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"effects": "null"}, "effects"),
    ({"plant": Plant(institutions=5)}, "only 4 institutions"),
    ({"plant": Plant(change_measure="tillid", change_institutions=1)}, "sprog"),
    ({"plant": {"institutions": 1, "shift": 1}}, "shift"),
    ({"plant": "institutions=1"}, "plant"),
    ({"plant": Plant(change_measure="sprog", change_institutions=1), "rounds": 1},
     "two rounds"),
])
def test_known_truth_invalid_arguments(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        generate("dagtilbud", institutions=4, seed=1, **kwargs)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"institutions": -1}, "non-negative whole"),
    ({"institutions": 1.5}, "non-negative whole"),
    ({"change_institutions": "2"}, "non-negative whole"),
    ({"size": float("nan")}, "finite"),
    ({"gap": "big"}, "finite"),
    ({"gap": 0.3, "gap_narrowing": 1.2}, "between 0 and 1"),
    ({"gap": 0.3, "gap_narrowing": -0.1}, "between 0 and 1"),
    ({"gap_narrowing": 0.5}, "needs a gap"),
    ({"change_institutions": 2}, "needs change_measure"),
    ({"change_measure": "sprog"}, "needs change_institutions"),
])
def test_plant_invalid_values(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Plant(**kwargs)
