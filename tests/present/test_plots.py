"""Tests of llkit.present.plots: every figure on both sectors, Danish text, suppression, edge cases.

The figures are checked through their artists: titles and texts (Danish, decimal comma),
no drawn value where a group is suppressed, funnel limits and labels. Datasets with one
round, five rounds, an unbounded scale, and without goals / reference / staff /
observation data are built in temporary folders.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from conftest import make_tables, write_dataset
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.text import Text

import llkit
from llkit.data import sample
from llkit.present import plots

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "sample"
# institution and a child measure with cut points, per sector
CASES = {"dagtilbud": ("I02", "sprog"), "skole": ("S02", "dansk")}

# a decimal number written with a full stop ("3.4", "12.50"), but not a Danish thousands
# separator ("1.047", "12.500.000") and not a class name ("4.A")
DOT_DECIMAL = re.compile(r"(?<![\d.])\d+\.(?!\d{3}(?!\d))\d+")


@pytest.fixture(scope="module")
def samples() -> dict[str, llkit.Dataset]:
    return {s: llkit.load(SAMPLES / s) for s in CASES}


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def title_of(fig: Figure) -> str:
    return fig._suptitle.get_text() if fig._suptitle is not None else ""


def texts_of(fig: Figure) -> list[str]:
    """Every text of a figure after layout (titles, labels, tick labels, annotations)."""
    fig.draw_without_rendering()
    return [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]


def calls(institution: str, measure: str) -> dict[str, Callable[[llkit.Dataset], Figure]]:
    return {
        "profile": lambda ds: plots.profile(ds, institution=institution),
        "distribution": lambda ds: plots.distribution(ds, institution=institution, measure=measure),
        "development": lambda ds: plots.development(ds, measure=measure, institution=institution),
        "development_departments": lambda ds: plots.development(
            ds, measure=measure, institution=institution, level="department"),
        "development_clusters": lambda ds: plots.development(ds, measure=measure, level="cluster"),
        "funnel": lambda ds: plots.funnel(ds, measure=measure, highlight=institution),
        "gap": lambda ds: plots.gap(ds, measure=measure, institution=institution),
        "heatmap": lambda ds: plots.heatmap(ds, institution=institution),
        "culture": lambda ds: plots.culture(ds, institution=institution),
        "coverage": lambda ds: plots.coverage(ds, institution=institution),
        "coverage_all": lambda ds: plots.coverage(ds),
    }


DANISH_TITLE_WORDS = ("gennemsnit", "fordeling", "udvikling", "sammenlignet", "forskel",
                      "alle mål", "samarbejdskultur", "tegn på læring")


def check_danish(fig: Figure) -> list[str]:
    title = title_of(fig)
    assert title.strip(), "figure has no title"
    assert any(w in " ".join(title.lower().split()) for w in DANISH_TITLE_WORDS), title
    texts = texts_of(fig)
    bad = [t for t in texts if DOT_DECIMAL.search(t)]
    assert not bad, f"numbers with a decimal point instead of a comma: {bad}"
    assert not [t for t in texts if re.search(r"\bnan\b|\bNaN\b|\bNone\b", t)]
    return texts


# ----------------------------------------------------------------------------- both samples


@pytest.mark.parametrize("sector", list(CASES))
def test_every_plot_on_both_samples(samples, sector):
    ds = samples[sector]
    institution, measure = CASES[sector]
    before = plt.get_fignums()
    for name, call in calls(institution, measure).items():
        fig = call(ds)
        assert isinstance(fig, Figure), name
        texts = check_danish(fig)
        assert len(texts) > 5, (name, texts)
        if name == "heatmap":
            fig.savefig(io.BytesIO(), format="png", dpi=50)
        width, height = fig.get_size_inches()
        assert 6 <= width <= 8.5 and 1.5 <= height <= 14, (name, width, height)
    # figures are not kept alive by pyplot
    assert plt.get_fignums() == before


def test_plots_do_not_change_global_style(samples):
    rc = dict(matplotlib.rcParams)
    plots.profile(samples["dagtilbud"], institution="I01")
    assert dict(matplotlib.rcParams) == rc
    with matplotlib.rc_context():
        plots.use_theme()
        assert matplotlib.rcParams["axes.spines.top"] is False
        assert matplotlib.rcParams["legend.frameon"] is False


def test_figure_shows_itself_as_png(samples):
    fig = plots.gap(samples["skole"], measure="faglig")
    png = fig._repr_png_()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_roles_keep_their_colours(samples):
    ds = samples["dagtilbud"]
    fig = plots.development(ds, measure="sprog", institution="I01")
    colours = {matplotlib.colors.to_hex(line.get_color()) for line in fig.findobj(Line2D)}
    for role in ("institution", "cluster", "municipality"):
        assert plots.COLOURS[role].lower() in colours


# ----------------------------------------------------------------------------- suppression


def test_suppressed_department_is_not_drawn_in_distribution(samples):
    ds = samples["dagtilbud"]
    t = llkit.summarize(ds, "sprog", by="department", round="T3")
    hidden = t[t["suppressed"] & (t["suppressed_reason"] == "min_n")].iloc[0]
    inst = ds.org.set_index("department_id").loc[hidden["department_id"], "institution_id"]
    fig = plots.distribution(ds, institution=inst, measure="sprog", round="T3")
    texts = texts_of(fig)
    assert any("færre end 5 børn" in s for s in texts)
    ax = fig.axes[1]
    labels = [tl.get_text() for tl in ax.get_yticklabels()]
    row = next(i for i, lab in enumerate(labels) if lab.split("\n")[0] == hidden["department_name"])
    y = ax.get_yticks()[row]
    for container in ax.containers:
        for bar in container:
            assert abs(bar.get_y() + bar.get_height() / 2 - y) > 0.1, "a bar in a suppressed row"
    # a hatched placeholder in that row instead
    hatched = [p for p in ax.patches if p.get_hatch() and abs(p.get_y() + p.get_height() / 2 - y) < 0.1]
    assert hatched


def test_suppressed_cells_of_heatmap_show_only_the_placeholder(samples):
    ds = samples["dagtilbud"]
    t = llkit.summarize(ds, None, by="department", round="T3")
    hidden = t[t["suppressed"] & (t["suppressed_reason"] == "min_n")].iloc[0]
    inst = ds.org.set_index("department_id").loc[hidden["department_id"], "institution_id"]
    fig = plots.heatmap(ds, institution=inst, round="T3")
    texts = texts_of(fig)
    assert any("færre end 5" in s for s in texts)
    ax = fig.axes[0]
    label = ds.measures.set_index("measure_id").loc[hidden["measure_id"], "label"]
    ys = [y for y, tl in zip(ax.get_yticks(), ax.get_yticklabels(), strict=True)
          if tl.get_text().replace("\n", " ").startswith(label)]
    xs = [x for x, tl in zip(ax.get_xticks(), ax.get_xticklabels(), strict=True)
          if tl.get_text().replace("\n", " ") == hidden["department_name"]]
    assert len(ys) == 1 and len(xs) == 1
    x, y = xs[0], ys[0]
    inside = [s.get_text() for s in ax.texts
              if abs(s.get_position()[0] - x) < 0.5 and abs(s.get_position()[1] - y) < 0.5]
    assert inside and all("færre" in s for s in inside), inside
    cell = [p for p in ax.patches if isinstance(p, Rectangle)
            and abs(p.get_x() + 0.5 - x) < 0.01 and abs(p.get_y() + 0.5 - y) < 0.01]
    assert cell and cell[0].get_hatch()


def test_suppressed_institution_is_a_placeholder_in_profile(tmp_path):
    # 4 children per institution; with min_n 5 every institution mean is suppressed
    meta = (Path(write_dataset(tmp_path / "a")) / "dataset.toml").read_text().replace(
        "min_n = 3", "min_n = 5")
    path = write_dataset(tmp_path / "b", meta=meta)
    ds = llkit.load(path)
    fig = plots.profile(ds, institution="I01")
    texts = texts_of(fig)
    assert any("færre end 5 børn" in s for s in texts)
    blue = plots.COLOURS["institution"].lower()
    drawn = [line for line in fig.axes[1].get_lines()
             if matplotlib.colors.to_hex(line.get_color()) == blue and len(line.get_xdata())]
    assert not drawn, "a suppressed institution mean was drawn"


# ----------------------------------------------------------------------------- funnel


def test_funnel_draws_limits_and_labels_the_highlighted_unit(samples):
    ds = samples["dagtilbud"]
    fig = plots.funnel(ds, measure="sprog", highlight=["I01", "I05"])
    ax = fig.axes[1]
    curves = [line for line in ax.get_lines() if len(line.get_xdata()) > 50]
    assert len(curves) == 4  # 95 % and 99,8 % limits, both sides
    x = np.asarray(curves[0].get_xdata(), dtype=float)
    assert np.all(np.diff(x) > 0)
    texts = texts_of(fig)
    names = ds.org.drop_duplicates("institution_id").set_index("institution_id")["institution_name"]
    for unit in ("I01", "I05"):
        assert any(names[unit] in s for s in texts)
    assert any("99,8" in s for s in texts) and any("95" in s for s in texts)
    # no ranks anywhere
    assert not any(re.search(r"\b(nr\.|plads|rang)\s*\d", s) for s in texts)


def test_funnel_against_the_national_reference(samples):
    fig = plots.funnel(samples["skole"], measure="faglig", target="reference", level="department")
    assert "landsplan" in title_of(fig).lower()
    check_danish(fig)


# ----------------------------------------------------------------------------- edge cases


@pytest.fixture(scope="module")
def edge_sets(tmp_path_factory) -> dict[str, llkit.Dataset]:
    base = tmp_path_factory.mktemp("edge")
    out: dict[str, llkit.Dataset] = {}
    # one round, and no goals / reference
    sample.generate("skole", base / "one", institutions=2, rounds=1)
    (base / "one" / "goals.csv").unlink()
    (base / "one" / "reference.csv").unlink()
    out["one_round"] = llkit.load(base / "one")
    # five rounds
    sample.generate("dagtilbud", base / "five", institutions=3, rounds=5)
    out["five_rounds"] = llkit.load(base / "five")
    # the tiny test dataset with an unbounded child measure (plus 1-5 staff, 1-7 observation)
    t = make_tables()
    t["measures"].loc[0, ["scale_min", "scale_max", "low_cut", "high_cut"]] = ""
    t["items"]["reverse"] = "false"
    out["unbounded"] = llkit.load(write_dataset(base / "tiny", t))
    # only a child measure: no staff, no observation, no goals, no reference
    t = make_tables()
    t["measures"] = t["measures"].iloc[:1]
    t["items"] = t["items"][t["items"]["measure_id"] == "M1"]
    t["responses"] = t["responses"][t["responses"]["item_id"].str.startswith("M1")]
    del t["goals"], t["reference"]
    out["child_only"] = llkit.load(write_dataset(base / "child", t))
    return out


def one_measure_per_kind(ds: llkit.Dataset) -> list[str]:
    """The first measure of each subject × scale (child 1-5, child 1-3, staff, ...)."""
    m = ds.measures
    kind = m["subject"].astype(str) + m["scale_min"].astype(str) + m["scale_max"].astype(str)
    return m.loc[~kind.duplicated(), "measure_id"].astype(str).tolist()


MEASURE_PLOTS = ("distribution", "development", "funnel", "gap")


@pytest.mark.parametrize("name", ["one_round", "five_rounds", "unbounded", "child_only"])
def test_every_plot_on_edge_datasets(edge_sets, name):
    ds = edge_sets[name]
    institution = str(ds.units["institution_id"].iloc[0])
    measures = one_measure_per_kind(ds)[:3]  # the rest are covered by the samples
    for i, measure in enumerate(measures):
        for fname, call in calls(institution, measure).items():
            if i and fname not in MEASURE_PLOTS:
                continue  # plots of all measures: once is enough
            fig = call(ds)
            assert isinstance(fig, Figure), (name, measure, fname)
            check_danish(fig)


def test_messages_instead_of_errors_without_data(edge_sets):
    ds = edge_sets["child_only"]
    fig = plots.coverage(ds, institution="I01")
    assert "Ingen data om tegn på læring i dette datasæt." in texts_of(fig)
    assert any("Ingen data om tegn på læring" in s for s in texts_of(plots.coverage(ds)))
    assert any(s.startswith("Ingen data om medarbejdere")
               for s in texts_of(plots.culture(ds, institution="I01")))
    assert any(s.startswith("Ingen referencetal")
               for s in texts_of(plots.funnel(ds, measure="M1", target="reference")))
    one = edge_sets["one_round"]
    fig = plots.development(one, measure="faglig", institution=str(one.units["institution_id"].iloc[0]))
    assert any("kun én måling" in s for s in texts_of(fig))
    # no line joins rounds that do not exist
    assert all(len(line.get_xdata()) <= 1 for line in fig.axes[1].get_lines())


def test_development_marks_same_and_other_children(samples):
    ds = samples["skole"]
    fig = plots.development(ds, measure="dansk", institution="S02", level="department")
    texts = texts_of(fig)
    assert "samme elever i begge målinger" in texts and "andre elever" in texts
    styles = {line.get_linestyle() for ax in fig.axes[1:] for line in ax.get_lines()
              if len(line.get_xdata()) == 2}
    assert "-" in styles and "--" in styles  # the school: same pupils; a class: others


def test_unbounded_measure_has_no_fixed_scale(edge_sets):
    fig = plots.profile(edge_sets["unbounded"], institution="I01")
    assert any("ingen fast skala" in s for s in texts_of(fig))


# ----------------------------------------------------------------------------- arguments


def test_bad_arguments_name_the_known_values(samples):
    ds = samples["dagtilbud"]
    with pytest.raises(KeyError, match="I01"):
        plots.profile(ds, institution="nope")
    with pytest.raises(KeyError, match="sprog"):
        plots.distribution(ds, institution="I01", measure="nope")
    with pytest.raises(KeyError, match="T1, T2, T3"):
        plots.heatmap(ds, institution="I01", round="T9")
    with pytest.raises(ValueError, match="institution"):
        plots.development(ds, measure="sprog", level="stue")
    with pytest.raises(KeyError, match="I01"):
        plots.funnel(ds, measure="sprog", highlight="nope")
    with pytest.raises(ValueError, match="reference"):
        plots.funnel(ds, measure="sprog", target="national")


def test_institution_by_name(samples):
    ds = samples["skole"]
    name = ds.org.loc[ds.org["institution_id"] == "S01", "institution_name"].iloc[0]
    assert title_of(plots.culture(ds, institution=name)).startswith(name)
