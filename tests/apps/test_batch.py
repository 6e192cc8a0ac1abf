"""`llkit batch`: one notebook run per unit, local pool or Dask, manifest and index.

Most tests use a tiny notebook written here (a ``parameters`` cell, llkit.load, a plot,
and switches that make one unit raise, sleep or kill its kernel); one runs the real
institution report when it exists.
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

import llkit
from llkit.apps import batch
from llkit.cli import main

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample" / "dagtilbud"
REPORT = ROOT / "notebooks" / "institution_report.ipynb"
BIN = Path(sys.executable).parent

PARAMS = '''data = "data/sample/dagtilbud"  # the dataset
institution = "I01"  # the unit
fail = ""  # this unit raises
slow = ""  # this unit sleeps
die = ""  # this unit's kernel dies
'''
BODY = [
    "import os, time\nimport llkit\nimport matplotlib.pyplot as plt\n"
    "ds = llkit.load(data)\nsub = ds.select(institution=institution)",
    "if institution == fail:\n    raise ValueError(f'boom {institution}')\n"
    "if institution == slow:\n    time.sleep(120)\n"
    "if institution == die:\n    os._exit(1)",
    "print(f'unit={institution!r} type={type(institution).__name__} n={len(sub.children)}')\n"
    "fig, ax = plt.subplots(figsize=(2, 2))\nax.plot([1, 2, 3])\nplt.show()",
    # what an earlier unit on the same (warm) kernel left behind must not show here
    "import pandas as pd\n"
    "print('state', 'leak' in globals(), pd.get_option('display.max_rows'),\n"
    "      plt.rcParams['lines.linewidth'], os.environ.get('LLKIT_LEAK'), os.getcwd() == '/')\n"
    "leak = 1\npd.set_option('display.max_rows', 3)\nplt.rcParams['lines.linewidth'] = 9\n"
    "os.environ['LLKIT_LEAK'] = '1'\nos.chdir('/')",
]


def write_notebook(path: Path, extra_markdown: str = "") -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    params = nbformat.v4.new_code_cell(PARAMS)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# Testrapport" + extra_markdown), params,
                *(nbformat.v4.new_code_cell(src) for src in BODY)]
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def nb(tmp_path_factory) -> Path:
    return write_notebook(tmp_path_factory.mktemp("nb") / "test.ipynb")


@pytest.fixture(scope="module")
def odd(tmp_path_factory) -> Path:
    """Three institutions of the sample whose ids have leading zeros, spaces, Danish
    letters and a slash."""
    ds = llkit.load(SAMPLE).select(institution=["I01", "I02", "I03"])
    ids = {"I01": "007", "I02": "Børnehus Ø", "I03": "Ærø/Syd 1"}
    units = ds.units.copy()
    units["institution_id"] = units["institution_id"].map(ids).astype("str")
    ds = ds._replace(units=units)
    return ds.to_folder(tmp_path_factory.mktemp("odd") / "odd")


def run(*args: str) -> int:
    return main(["batch", *map(str, args), "-q"])


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def no_tmp_left(out: Path) -> None:
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


# ------------------------------------------------------------------------- pure parts


def test_input_hash_depends_on_every_part():
    base = batch.input_hash("d", b"nb", {"institution": "I01"}, "1.0")
    assert re.fullmatch(r"[0-9a-f]{64}", base)
    assert base == batch.input_hash("d", b"nb", {"institution": "I01"}, "1.0")
    others = [batch.input_hash("e", b"nb", {"institution": "I01"}, "1.0"),
              batch.input_hash("d", b"nb2", {"institution": "I01"}, "1.0"),
              batch.input_hash("d", b"nb", {"institution": "I02"}, "1.0"),
              batch.input_hash("d", b"nb", {"institution": "I01"}, "1.1")]
    assert len({base, *others}) == 5
    # key order does not matter; types do ("007" is not 7)
    assert batch.input_hash("d", b"", {"a": 1, "b": "007"}, "v") == \
        batch.input_hash("d", b"", {"b": "007", "a": 1}, "v")
    assert batch.input_hash("d", b"", {"b": "007"}, "v") != \
        batch.input_hash("d", b"", {"b": 7}, "v")


def test_data_digest_ignores_format_and_row_order(tmp_path, odd):
    ds = llkit.load(odd)
    shuffled = ds._replace(responses=ds.responses.sample(frac=1, random_state=1))
    assert batch.data_digest(ds) == batch.data_digest(shuffled)
    parquet = llkit.load(ds.to_folder(tmp_path / "pq", format="parquet"))
    assert batch.data_digest(ds) == batch.data_digest(parquet)
    changed = ds.responses.copy()
    changed.loc[0, "value"] = 1.0 if changed.loc[0, "value"] != 1.0 else 2.0
    assert batch.data_digest(ds) != batch.data_digest(ds._replace(responses=changed))


def test_action_plans_are_input_and_travel_to_dask_workers(tmp_path, odd, monkeypatch):
    """A plan in plans/ changes the digest (the report shows it), and the packed blob
    that a Dask worker unpacks carries it, for a folder and for a workbook."""
    from llkit.documents import plans as plans_module
    assert batch.PLANS_FOLDER == plans_module.PLANS_FOLDER
    folder = tmp_path / "data"
    shutil.copytree(odd, folder)
    before = batch.data_digest(llkit.load(folder))
    (folder / "plans").mkdir()
    (folder / "plans" / "007.yaml").write_text("institution: '007'\n", encoding="utf-8")
    (folder / "plans" / "notes.txt").write_text("not a plan", encoding="utf-8")
    with_plan = batch.data_digest(llkit.load(folder))
    assert with_plan != before
    (folder / "plans" / "007.yaml").write_text("institution: '007'\n# edited\n",
                                               encoding="utf-8")
    assert batch.data_digest(llkit.load(folder)) != with_plan

    monkeypatch.setattr("llkit.apps.batch.dask._worker_dir", lambda: tmp_path / "worker")
    (tmp_path / "worker").mkdir()
    unpacked = batch._unpack_dataset(batch._pack_dataset(folder))
    assert unpacked.name == "data"
    assert sorted(p.name for p in (unpacked / "plans").iterdir()) == ["007.yaml"]
    assert (unpacked / "plans" / "007.yaml").read_bytes() == \
        (folder / "plans" / "007.yaml").read_bytes()

    book = tmp_path / "wb" / "kommune.xlsx"
    book.parent.mkdir()
    book.write_bytes(b"PK fake workbook")
    (book.parent / "plans").mkdir()
    (book.parent / "plans" / "I01.yml").write_text("institution: I01\n", encoding="utf-8")
    unpacked = batch._unpack_dataset(batch._pack_dataset(book))
    assert unpacked.name == "kommune.xlsx" and unpacked.is_file()
    assert (unpacked.parent / "plans" / "I01.yml").read_text(encoding="utf-8") == \
        "institution: I01\n"


def test_stems_are_safe_distinct_and_stable():
    ids = ["I01", "007", "Børnehus Ø", "Ærø/Syd 1", "Ærø_Syd 1", "a", "A", "..", "CON"]
    stems = batch._stems(ids)
    assert stems["I01"] == "I01" and stems["007"] == "007" and stems["Børnehus Ø"] == "Børnehus Ø"
    assert len({s.casefold() for s in stems.values()}) == len(ids)
    for s in stems.values():
        assert "/" not in s and "\\" not in s and not s.startswith(".")
    assert batch._stems(["Ærø/Syd 1"])["Ærø/Syd 1"] == stems["Ærø/Syd 1"]


def test_parameters_keep_declared_types(nb):
    declared = {"institution": "str", "min_n": "int", "share": "float", "flag": "bool",
                "rounds": "list[str]", "other": "None"}
    got = batch.coerce_parameters(
        [("institution", "007"), ("min_n", "7"), ("share", "0.5"), ("flag", "ja"),
         ("rounds", "T1,T3"), ("other", "007")], declared)
    assert got == {"institution": "007", "min_n": 7, "share": 0.5, "flag": True,
                   "rounds": ["T1", "T3"], "other": "007"}
    assert batch.coerce_parameters({"rounds": '["T2"]'}, declared) == {"rounds": ["T2"]}
    with pytest.raises(ValueError, match="no parameter 'nope'"):
        batch.coerce_parameters({"nope": "1"}, declared)
    with pytest.raises(ValueError, match="min_n"):
        batch.coerce_parameters({"min_n": "many"}, declared)
    assert batch.notebook_parameters(nb)["institution"] == "str"


def test_write_atomic_replaces_and_leaves_no_tmp(tmp_path):
    target = tmp_path / "sub" / "a.html"
    batch._write_atomic(target, "one")
    batch._write_atomic(target, "two")
    assert target.read_text() == "two"

    class Boom(str):
        def encode(self, *a, **k):  # noqa: D102
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        batch._write_atomic(target, Boom("x"))
    assert target.read_text() == "two"
    no_tmp_left(tmp_path)


def test_index_figures_respect_suppression(odd):
    ds = llkit.load(odd)
    shown = batch._headlines(ds, "institution")
    assert shown["round"] == ds.meta.rounds[-1] and len(shown["columns"]) == 3
    cells = shown["rows"]["007"]
    assert re.fullmatch(r"\d+", cells[0]) and re.fullmatch(r"\d,\d", cells[1])
    # a stricter min_n passed to the notebook hides more in the index too
    h = batch._headlines(ds, "institution", {"min_n": 1000, "rounds": ["T1", "T2"]})
    assert h["round"] == "T2" and ds.meta.min_n < 1000
    for cells in h["rows"].values():
        assert cells[0] == "færre end 1.000"
        assert all(c in ("færre end 1.000", "vises ikke*") for c in cells[1:])
    state = {"units": {"007": {"id": "007", "name": "Solsikken", "status": "ok",
                               "outputs": {"html": "html/007.html"}}},
             "llkit_version": "0"}
    page = batch.render_index(ds, "institution", state, h)
    assert '<html lang="da">' in page and "færre end 1.000" in page
    assert "Content-Security-Policy" in page and not re.search(r"https?://|<script", page)


# ------------------------------------------------------------------------- real runs


@pytest.mark.slow
def test_batch_three_institutions(tmp_path, nb):
    out = tmp_path / "out"
    assert run(SAMPLE, "--out", out, "--notebook", nb, "--only", "I01", "I02", "I03",
               "--workers", "2") == 0
    m = manifest(out)
    assert list(m["units"]) == ["I01", "I02", "I03"]
    assert m["level"] == "institution" and m["llkit_version"] == llkit.__version__
    assert any(u["timings"]["warm"] for u in m["units"].values())   # a kernel was reused
    for uid, u in m["units"].items():
        assert u["status"] == "ok" and u["error"] is None and u["attempts"] == 1
        assert u["duration"] > 0 and re.fullmatch(r"[0-9a-f]{64}", u["input_hash"])
        assert u["llkit_version"] == llkit.__version__
        page = html.unescape((out / u["outputs"]["html"]).read_text(encoding="utf-8"))
        assert f"unit='{uid}' type=str" in page
        assert "<img" in page   # the figure is embedded
        assert "state False 60 1.5 None False" in page   # as in a fresh kernel
        executed = nbformat.read(out / u["outputs"]["ipynb"], as_version=4)
        assert executed.metadata.papermill.parameters["institution"] == uid
        counts = [c.execution_count for c in executed.cells if c.cell_type == "code"]
        assert counts == list(range(1, len(counts) + 1))   # as from a fresh kernel
    index = (out / "index.html").read_text(encoding="utf-8")
    assert '<html lang="da">' in index
    assert 'href="html/I01.html"' in index and "Færdig" in index
    assert not re.search(r"https?://|<script|<link", index)
    assert re.search(r">\d,\d<", index)   # Danish decimal comma
    no_tmp_left(out)


@pytest.mark.slow
def test_failing_units_are_recorded_and_the_others_continue(tmp_path, nb):
    out = tmp_path / "out"
    rc = run(SAMPLE, "--out", out, "--notebook", nb, "--only", "I01", "I02", "I03", "I04",
             "--workers", "2", "--timeout", "5", "-p", "fail", "I02", "-p", "die", "I03",
             "-p", "slow", "I04")
    assert rc == 1
    u = manifest(out)["units"]
    assert u["I01"]["status"] == "ok"
    assert u["I02"]["status"] == "failed" and u["I02"]["error_kind"] == "cell_error"
    assert "ValueError: boom I02" in u["I02"]["error"] and u["I02"]["attempts"] == 1
    assert u["I03"]["error_kind"] == "dead_kernel" and u["I03"]["attempts"] == 2
    assert u["I04"]["error_kind"] == "timeout" and "5 s" in u["I04"]["error"]
    assert u["I04"]["attempts"] == 2 and 10 <= u["I04"]["duration"] < 60
    for uid in ("I02", "I03", "I04"):
        assert "html" not in u[uid]["outputs"]
        assert not (out / "html" / f"{uid}.html").exists()
    failed_nb = (out / u["I02"]["outputs"]["failed_ipynb"]).read_text(encoding="utf-8")
    assert "boom I02" in failed_nb
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count("Fejlet<div") == 3 and "boom I02" in index and "timeout" in index
    no_tmp_left(out)


@pytest.mark.slow
def test_rerun_skips_unchanged_redoes_failed_and_force_redoes_all(tmp_path, nb):
    out = tmp_path / "out"
    args = [SAMPLE, "--out", out, "--notebook", nb, "--only", "I01", "I02", "I03",
            "--workers", "1", "-p", "fail", "I02"]
    assert run(*args) == 1
    first = manifest(out)["units"]
    html_mtime = (out / "html" / "I01.html").stat().st_mtime_ns

    assert run(*args) == 1
    second = manifest(out)["units"]
    assert second["I01"]["status"] == second["I03"]["status"] == "skipped"
    assert second["I01"]["duration"] == 0 and second["I01"]["finished"] == first["I01"]["finished"]
    assert (out / "html" / "I01.html").stat().st_mtime_ns == html_mtime
    assert second["I02"]["status"] == "failed"   # redone, fails again
    assert second["I02"]["finished"] >= first["I02"]["finished"]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Uændret" in index and 'href="html/I01.html"' in index

    # a run over a subset keeps the other units in the manifest
    assert run(SAMPLE, "--out", out, "--notebook", nb, "--only", "I01", "-p", "fail",
               "I02") == 0
    assert list(manifest(out)["units"]) == ["I01", "I02", "I03"]

    assert run(*args, "--force") == 1
    forced = manifest(out)["units"]
    assert [forced[k]["status"] for k in ("I01", "I02", "I03")] == ["ok", "failed", "ok"]
    assert (out / "html" / "I01.html").stat().st_mtime_ns != html_mtime

    # a changed notebook changes every input hash: everything is redone
    nb2 = write_notebook(tmp_path / "changed.ipynb", extra_markdown="\n\nNy tekst.")
    assert run(SAMPLE, "--out", out, "--notebook", nb2, "--only", "I01") == 0
    redone = manifest(out)["units"]
    assert redone["I01"]["status"] == "ok"
    assert redone["I01"]["input_hash"] != forced["I01"]["input_hash"]
    no_tmp_left(out)


@pytest.mark.slow
def test_ids_stay_strings_with_leading_zeros_spaces_and_danish_letters(tmp_path, nb, odd):
    out = tmp_path / "out"
    assert run(odd, "--out", out, "--notebook", nb, "--workers", "1") == 0
    m = manifest(out)
    assert list(m["units"]) == ["007", "Børnehus Ø", "Ærø/Syd 1"]
    for uid, u in m["units"].items():
        page = html.unescape((out / u["outputs"]["html"]).read_text(encoding="utf-8"))
        assert f"unit='{uid}' type=str" in page
    assert m["units"]["007"]["outputs"]["html"] == "html/007.html"
    assert m["units"]["Børnehus Ø"]["outputs"]["html"] == "html/Børnehus Ø.html"
    slash = m["units"]["Ærø/Syd 1"]["outputs"]["html"]
    assert slash.startswith("html/Ærø_Syd 1-") and (out / slash).is_file()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="html/B%C3%B8rnehus%20%C3%98.html"' in index
    # --only with such an id; a re-run skips all
    assert run(odd, "--out", out, "--notebook", nb, "--only", "007") == 0
    assert manifest(out)["units"]["007"]["status"] == "skipped"
    # changed data: the reports are made again
    (odd.parent / "odd2").mkdir()
    changed = shutil.copytree(odd, odd.parent / "odd2" / "odd")
    resp = (changed / "responses.csv").read_text(encoding="utf-8").splitlines()
    (changed / "responses.csv").write_text("\n".join(resp[:-1]) + "\n", encoding="utf-8")
    assert run(changed, "--out", out, "--notebook", nb, "--only", "007") == 0
    assert manifest(out)["units"]["007"]["status"] == "ok"


def test_invalid_arguments_exit_2(tmp_path, nb, capsys):
    out = tmp_path / "out"
    assert run(SAMPLE, "--out", out, "--notebook", nb, "--only", "I99") == 2
    assert "unknown institution 'I99'" in capsys.readouterr().err
    assert run(tmp_path / "nope", "--out", out, "--notebook", nb) == 2
    assert run(SAMPLE, "--out", out, "--notebook", nb, "-p", "nope", "1") == 2
    assert "no parameter 'nope'" in capsys.readouterr().err
    assert run(SAMPLE, "--out", out, "--notebook", nb, "--level", "cluster") == 2
    assert "no parameter 'cluster'" in capsys.readouterr().err
    assert run(SAMPLE, "--out", out, "--notebook", tmp_path / "missing.ipynb") == 2
    assert run(SAMPLE, "--out", out, "--notebook", nb, "--timeout", "0") == 2
    other = nbformat.read(nb, as_version=4)
    other.metadata["kernelspec"]["name"] = "nope"
    nbformat.write(other, tmp_path / "nope.ipynb")
    assert run(SAMPLE, "--out", out, "--notebook", tmp_path / "nope.ipynb") == 2
    assert "kernel 'nope'" in capsys.readouterr().err
    assert not (out / "html").exists()


@pytest.mark.slow
def test_interrupt_leaves_a_consistent_manifest(tmp_path, nb):
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "llkit", "batch", str(SAMPLE), "--out", str(out),
           "--notebook", str(nb), "--workers", "1", "-q",
           "--only", *[f"I{i:02d}" for i in range(1, 13)]]   # enough that a loaded machine cannot finish first
    # A shell's background job (`make test &`, nohup) starts with SIGINT ignored, and a
    # child inherits that; the batch must see the signal as a user's Ctrl-C would send it.
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, ValueError, KeyError):
                if any(u["status"] == "ok" for u in manifest(out)["units"].values()):
                    break
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    units = manifest(out)["units"]
    assert 1 <= len(units) < 12
    for u in units.values():
        for rel in u["outputs"].values():
            assert (out / rel).is_file()
    assert "afbrudt" in (out / "index.html").read_text(encoding="utf-8")
    no_tmp_left(out)


@pytest.mark.slow
@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs Debian's chromium")
def test_pdf(tmp_path, nb):
    out = tmp_path / "out"
    assert run(SAMPLE, "--out", out, "--notebook", nb, "--only", "I05", "--pdf") == 0
    u = manifest(out)["units"]["I05"]
    assert u["outputs"]["pdf"] == "pdf/I05.pdf"
    assert (out / "pdf" / "I05.pdf").read_bytes().startswith(b"%PDF")
    assert 'href="pdf/I05.pdf"' in (out / "index.html").read_text(encoding="utf-8")
    # asking for PDFs redoes a unit whose PDF is missing
    (out / "pdf" / "I05.pdf").unlink()
    assert run(SAMPLE, "--out", out, "--notebook", nb, "--only", "I05", "--pdf") == 0
    assert manifest(out)["units"]["I05"]["status"] == "ok"
    assert (out / "pdf" / "I05.pdf").is_file()


# ------------------------------------------------------------------------------ Dask


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def dask_cluster(tmp_path):
    """A real scheduler and two workers on 127.0.0.1, each worker in its own empty
    working directory; torn down at the end."""
    from distributed import Client

    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    logs = tmp_path / "logs"
    logs.mkdir()
    procs: list[subprocess.Popen] = []

    def start(args: list[str], cwd: Path, log: str) -> None:
        with open(logs / log, "wb") as fh:
            procs.append(subprocess.Popen([str(BIN / "dask"), *args], cwd=cwd, stdout=fh,
                                          stderr=subprocess.STDOUT))

    try:
        start(["scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
              tmp_path, "scheduler.log")
        for i in (1, 2):
            wd = tmp_path / f"worker{i}"
            wd.mkdir()
            start(["worker", address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard",
                   "--host", "127.0.0.1", "--local-directory", str(wd)], wd, f"worker{i}.log")
        deadline = time.monotonic() + 60
        while True:
            try:
                with Client(address, timeout="5s", set_as_default=False) as client:
                    client.wait_for_workers(2, timeout=60)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        yield address
    finally:
        for p in reversed(procs):   # workers first, then the scheduler
            p.send_signal(signal.SIGTERM)
        for p in reversed(procs):
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def normalise(page: str) -> str:
    """An HTML report without what may differ between runs: timings and temporary paths.
    (Figures and tables are byte-identical from run to run: no random ids.)"""
    page = re.sub(r"\d+(\.\d+)? ?(s|sek\.?|seconds)\b", "<t>", page)
    page = re.sub(r"/tmp/[^\s\"'<]*", "<tmp>", page)
    return page


@pytest.mark.slow
def test_real_report_local_and_on_dask_give_the_same_outputs(tmp_path, nb, odd, dask_cluster):
    """Three institutions of the sample with the real institution report (the tiny
    notebook on the odd-id dataset while the report is missing): locally, then on a
    Dask cluster of two workers that share no files with the client."""
    real = REPORT.is_file()
    notebook, data = (REPORT, SAMPLE) if real else (nb, odd)
    only = ["I01", "I02", "I03"] if real else ["007", "Børnehus Ø", "Ærø/Syd 1"]
    local, remote = tmp_path / "local", tmp_path / "remote"
    assert run(data, "--out", local, "--notebook", notebook, "--only", *only,
               "--workers", "2") == 0
    ml = manifest(local)["units"]
    assert [u["status"] for u in ml.values()] == ["ok"] * 3
    if real:
        page = (local / ml["I02"]["outputs"]["html"]).read_text(encoding="utf-8")
        assert "Naturbørnehaven Klatretræet" in page and '<html lang="da">' in page

    assert run(data, "--out", remote, "--notebook", notebook, "--only", *only,
               "--dask", dask_cluster) == 0
    mr = manifest(remote)["units"]
    assert list(ml) == list(mr) == only
    workers = set()
    for uid in only:
        assert mr[uid]["status"] == "ok" and mr[uid]["input_hash"] == ml[uid]["input_hash"]
        a = (local / ml[uid]["outputs"]["html"]).read_text(encoding="utf-8")
        b = (remote / mr[uid]["outputs"]["html"]).read_text(encoding="utf-8")
        assert normalise(a) == normalise(b)
        nb_remote = nbformat.read(remote / mr[uid]["outputs"]["ipynb"], as_version=4)
        assert nb_remote.metadata.papermill.parameters["data"] == str(Path(data).resolve())
        workers.add(mr[uid]["worker"])
    assert len(workers) == 2   # both workers took part
    # a re-run on the cluster skips everything
    assert run(data, "--out", remote, "--notebook", notebook, "--only", *only,
               "--dask", dask_cluster) == 0
    assert {u["status"] for u in manifest(remote)["units"].values()} == {"skipped"}


def test_temporary_files_of_a_killed_run_are_removed(tmp_path):
    # a run killed while writing leaves atomic_write's temporary file; the next run's
    # clean-up removes exactly those (never a user's file that merely looks alike)
    import tempfile

    from llkit.apps import batch

    (tmp_path / "html").mkdir()
    fd, leftover = tempfile.mkstemp(prefix=".I01.html.", suffix=".tmp", dir=tmp_path / "html")
    os.close(fd)
    keep = [tmp_path / "html" / "I01.html", tmp_path / "notes.tmp", tmp_path / ".x.tmp"]
    for p in keep:
        p.write_text("x")
    batch._clean_tmp(tmp_path)
    assert not Path(leftover).exists()
    assert all(p.exists() for p in keep)
    batch._write_atomic(tmp_path / "html" / "I02.html", "<p>ok</p>")
    assert (tmp_path / "html" / "I02.html").read_text() == "<p>ok</p>"
    assert not [p for p in tmp_path.rglob("*.tmp") if p.name.startswith(".I02")]
