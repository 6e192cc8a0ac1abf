"""Attack 4: faults in a batch. A kernel SIGKILLed mid-unit, a unit that hangs past
--timeout, the batch interrupted (SIGINT) and run again, the output disk full.

Each time: manifest.json is valid JSON, finished reports are intact and skipped on a
re-run, no half-written file is visible under its final name, the others finish.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pytest

import llkit._atomic as atomic_mod
from llkit.cli import main

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample" / "dagtilbud"

PARAMS = '''data = "data/sample/dagtilbud"  # the dataset
institution = "I01"  # the unit
hang = ""  # this unit sleeps far past any timeout
hold = ""  # this unit writes its kernel's pid to holddir and waits (once)
holddir = ""  # where the held unit's pid file goes
'''
BODY = [
    "import os, time\nimport llkit\nds = llkit.load(data)\nsub = ds.select(institution=institution)",
    "if institution == hang:\n    time.sleep(600)\n"
    "pid_file = os.path.join(holddir, institution + '.pid') if holddir else ''\n"
    "if institution == hold and not os.path.exists(pid_file):\n"
    "    with open(pid_file + '.tmp', 'w') as fh:\n        fh.write(str(os.getpid()))\n"
    "    os.replace(pid_file + '.tmp', pid_file)\n    time.sleep(120)",
    "print(f'unit={institution} n={len(sub.children)} ' + 'x' * 2000)",
]


@pytest.fixture(scope="module")
def nb(tmp_path_factory) -> Path:
    book = nbformat.v4.new_notebook()
    book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                   "language": "python"}
    params = nbformat.v4.new_code_cell(PARAMS)
    params.metadata["tags"] = ["parameters"]
    book.cells = [nbformat.v4.new_markdown_cell("# Angreb"), params,
                  *(nbformat.v4.new_code_cell(src) for src in BODY)]
    path = tmp_path_factory.mktemp("nb") / "attack.ipynb"
    nbformat.write(book, path)
    return path


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def assert_consistent(out: Path) -> dict:
    """manifest.json parses, every output it lists is a whole file, no temporary file or
    stray report is visible."""
    m = manifest(out)
    listed = {out / "manifest.json", out / "index.html"}
    for uid, u in m["units"].items():
        for rel in u["outputs"].values():
            path = out / rel
            listed.add(path)
            assert path.is_file(), (uid, rel)
            if rel.endswith(".xlsx"):
                with zipfile.ZipFile(path) as book:  # a whole workbook: its zip reads back
                    assert book.testzip() is None and "xl/workbook.xml" in book.namelist()
                continue
            text = path.read_text(encoding="utf-8")
            if rel.endswith(".html"):
                assert text.rstrip().endswith("</html>"), (uid, rel)
            else:
                assert json.loads(text)["cells"], (uid, rel)
    # the workbook of all units: written atomically while the workers run, so it may be
    # whole on disk before the manifest that lists it (a run stopped in between)
    level_book = out / "tal.xlsx"
    if level_book.is_file():
        listed.add(level_book)
        with zipfile.ZipFile(level_book) as book:
            assert book.testzip() is None and "xl/workbook.xml" in book.namelist()
    files = {p for p in out.rglob("*") if p.is_file()}
    assert not [p for p in files if p.name.endswith(".tmp")], files
    assert files <= listed, files - listed
    return m


def run(*args) -> int:
    return main(["batch", *map(str, args), "-q"])


@pytest.mark.slow
def test_sigkill_of_a_kernel_and_a_hanging_unit(tmp_path, nb):
    """I02's kernel is SIGKILLed from outside mid-unit, I03 hangs past --timeout:
    I02 is redone on a fresh kernel, I03 is a timeout, I01 and I04 finish."""
    out, hold = tmp_path / "out", tmp_path / "hold"
    hold.mkdir()
    cmd = [sys.executable, "-m", "llkit", "batch", str(SAMPLE), "--out", str(out),
           "--notebook", str(nb), "--workers", "2", "--timeout", "8", "-q",
           "--only", "I01", "I02", "I03", "I04",
           "-p", "hang", "I03", "-p", "hold", "I02", "-p", "holddir", str(hold)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    try:
        deadline = time.monotonic() + 90
        pid_file = hold / "I02.pid"
        while not pid_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert pid_file.exists(), "the held unit never started"
        os.kill(int(pid_file.read_text()), signal.SIGKILL)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, err
    assert b"Traceback" not in err
    m = assert_consistent(out)
    u = m["units"]
    assert u["I01"]["status"] == u["I04"]["status"] == "ok"
    assert u["I02"]["status"] == "ok" and u["I02"]["attempts"] == 2
    assert u["I03"]["status"] == "failed" and u["I03"]["error_kind"] == "timeout"
    assert "html" not in u["I03"]["outputs"]


@pytest.mark.slow
def test_sigint_mid_run_then_run_again(tmp_path, nb):
    out = tmp_path / "out"
    ids = [f"I{i:02d}" for i in range(1, 9)]
    cmd = [sys.executable, "-m", "llkit", "batch", str(SAMPLE), "--out", str(out),
           "--notebook", str(nb), "--workers", "1", "-q", "--only", *ids]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError, ValueError, KeyError):
                if sum(x["status"] == "ok" for x in manifest(out)["units"].values()) >= 2:
                    break
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130 and b"Traceback" not in err, err
    first = assert_consistent(out)["units"]
    done = [k for k, v in first.items() if v["status"] == "ok"]
    assert 2 <= len(done) < len(ids)
    before = {k: (out / first[k]["outputs"]["html"]).read_bytes() for k in done}

    assert run(SAMPLE, "--out", out, "--notebook", nb, "--workers", "1", "--only", *ids) == 0
    again = assert_consistent(out)["units"]
    assert sorted(again) == ids and all(again[k]["status"] in ("ok", "skipped") for k in ids)
    for k in done:
        assert again[k]["status"] == "skipped"
        assert (out / again[k]["outputs"]["html"]).read_bytes() == before[k]


class _Disk:
    """A disk that is full after ``budget`` more bytes: every write past it raises ENOSPC."""

    def __init__(self, budget: int):
        self.budget = budget

    def fdopen(self, fd, mode="r", *args, **kwargs):
        fh = os.fdopen(fd, mode, *args, **kwargs)
        disk = self

        class Full:
            def __enter__(self):
                return self

            def __exit__(self, *exc):
                fh.close()

            def write(self, data):
                if len(data) > disk.budget:
                    disk.budget = 0
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
                disk.budget -= len(data)
                return fh.write(data)

            def __getattr__(self, name):
                return getattr(fh, name)

        return Full()

    def __getattr__(self, name):
        return getattr(os, name)


@pytest.mark.slow
def test_disk_full_mid_run(tmp_path, nb, monkeypatch, capsys):
    out = tmp_path / "out"
    ids = ["I01", "I02", "I03", "I04"]
    args = [SAMPLE, "--out", out, "--notebook", nb, "--workers", "1", "--only", *ids]
    assert run(*args) == 0
    sizes = {p: p.stat().st_size for p in out.rglob("*") if p.is_file()}
    # the disk fills while the second unit's outputs are written
    disk = _Disk(budget=sum(sizes.values()) // 4 * 1)
    monkeypatch.setattr(atomic_mod, "os", disk)
    capsys.readouterr()
    rc = run(*args, "--force")
    err = capsys.readouterr().err
    assert rc != 0 and "Traceback" not in err
    # said as what it is (the disk is full, free space, run again), not as a bug in llkit
    assert "disk is full" in err and "internal error" not in err and "bug" not in err, err
    assert_consistent(out)
    monkeypatch.undo()
    # space freed: a re-run finishes, skipping what the full run completed
    assert run(*args) == 0
    m = assert_consistent(out)
    assert all(u["status"] in ("ok", "skipped") for u in m["units"].values())
