"""Garbage in any file gives a problem table (validate) or DataError (load), nothing else."""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import pandas as pd
from conftest import write_dataset
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llkit.data.dataset import Dataset, load, validate
from llkit.errors import PROBLEM_COLUMNS, DataError

FILES = ["dataset.toml", "units.csv", "children.csv", "measures.csv", "items.csv",
         "responses.csv", "goals.csv", "reference.csv"]

# text that looks a bit like CSV: separators, quotes, line ends, digits, Danish letters
CSVISH = st.text(alphabet=st.sampled_from(list(',;"\t\r\n 0123456789.-abcTDICMæøå\ufeff')),
                 max_size=400)
GARBAGE = st.one_of(
    st.binary(max_size=400),
    st.text(max_size=400).map(lambda t: t.encode("utf-8", "surrogatepass")),
    CSVISH.map(lambda t: t.encode("utf-8")),
    CSVISH.map(lambda t: t.encode("cp1252", "replace")),
)

_DIR: Path | None = None


def _dataset() -> Path:
    """One valid dataset folder for the whole module; tests change a file and restore it."""
    global _DIR
    if _DIR is None:
        _DIR = write_dataset(Path(tempfile.mkdtemp(prefix="llkit-fuzz-")) / "ds")
    return _DIR


def _check(file: str, content: bytes, mode: str) -> None:
    path = _dataset()
    target = path / file
    original = target.read_bytes()
    try:
        target.write_bytes(content)
        if mode == "validate":
            pr = validate(path)
            assert isinstance(pr, pd.DataFrame) and list(pr.columns) == PROBLEM_COLUMNS
        else:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    ds = load(path)
            except DataError as exc:
                assert (exc.problems["severity"] == "error").any()
            else:
                assert isinstance(ds, Dataset)
    finally:
        target.write_bytes(original)


FUZZ = settings(max_examples=50, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


@FUZZ
@given(file=st.sampled_from(FILES), content=GARBAGE)
def test_garbage_file_gives_a_problem_table(file, content):
    _check(file, content, "validate")


@FUZZ
@given(file=st.sampled_from(FILES), content=GARBAGE)
def test_garbage_file_gives_data_error_on_load(file, content):
    _check(file, content, "load")


HEADERS = {
    "units.csv": "department_id,department_name,institution_id,institution_name,cluster,area",
    "children.csv": "child_id,birth_date,birth_year,sex,parent_education,language",
    "measures.csv": "measure_id,label,source,subject,scale_min,scale_max,higher_is_better,"
    "min_items,low_cut,high_cut,group",
    "items.csv": "item_id,measure_id,text,reverse",
    "responses.csv": "round,item_id,department_id,child_id,respondent_id,value",
    "goals.csv": "round,department_id,goal_id,theme,goal,signs_defined,signs_documented",
    "reference.csv": "measure_id,round,scope,n,mean,sd",
}


@FUZZ
@given(file=st.sampled_from(sorted(HEADERS)), semicolon=st.booleans(), body=CSVISH)
def test_garbage_rows_under_a_valid_header(file, semicolon, body):
    header = HEADERS[file].replace(",", ";") if semicolon else HEADERS[file]
    _check(file, (header + "\n" + body).encode("utf-8"), "validate")


@FUZZ
@given(key=st.sampled_from(["name", "sector", "rounds", "min_n", "synthetic", "round_dates"]),
       value=st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                       st.booleans(), st.text(max_size=20).map(lambda s: '"' + s.replace(
                           "\\", "").replace('"', "") + '"'),
                       st.just("[]"), st.just('["T1", "T1"]'), st.just("{}"),
                       st.just("2015-03-01"), st.just('{T1 = "x"}')))
def test_any_meta_value_gives_a_problem_table_or_loads(key, value):
    from conftest import META

    lines = [ln for ln in META.splitlines() if not ln.startswith(f"{key} ")]
    if key == "round_dates":
        lines = lines[:lines.index("[round_dates]")]
    text = "\n".join([f"{key} = {value}"] + lines) + "\n"
    _check("dataset.toml", text.encode("utf-8"), "load")
