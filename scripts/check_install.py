"""Build llkit's wheel and sdist, install the wheel outside the repository, and use it.

What a municipality's IT does: ``pip install llkit-<version>-py3-none-any.whl`` into a
fresh virtualenv, then run the commands from a folder that has nothing to do with the
source tree. This script does the same in a temporary folder and fails loudly if any
step needs the checkout::

    python scripts/check_install.py             # dependencies shared from this venv (offline, fast)
    python scripts/check_install.py --deps pypi # dependencies from the index, pinned by constraints.txt

Steps: build (``python -m build --no-isolation``) -> check the wheel's file list
(notebooks present; no tests, sample data, ``.venv`` or build output) -> fresh venv ->
``pip install`` the wheel -> ``pip check`` -> ``llkit --version``, ``sample``,
``validate``, ``batch`` (2 units), ``notebooks copy``, ``serve`` (start, one page fetched
with its token, refused without, stop). Prints the wheel's file count and size.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Shipped notebooks: reports/views (5), e-learning chapters (8), seminar exercises (4 + 4).
EXPECTED_NOTEBOOKS = 21
#: Never in the wheel: caches, build metadata, data files (sample data is generated, not shipped).
FORBIDDEN = ("__pycache__", ".pyc", ".egg-info", ".venv", ".csv", ".parquet", ".xlsx", ".ipynb_checkpoints")


def run(cmd: list[str], *, cwd: Path, env: dict | None = None, timeout: int = 900) -> str:
    """Run a command; on failure raise with its output."""
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} exited {p.returncode}:\n{p.stdout}\n{p.stderr}")
    return p.stdout


def build(out: Path) -> tuple[Path, Path]:
    """Wheel and sdist of the checkout, built from the sdist (so the sdist is complete)."""
    run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)], cwd=ROOT)
    (wheel,) = out.glob("llkit-*.whl")
    (sdist,) = out.glob("llkit-*.tar.gz")
    return wheel, sdist


def wheel_problems(wheel: Path) -> tuple[list[str], dict]:
    """What is wrong with the wheel's file list, and its figures."""
    with zipfile.ZipFile(wheel) as z:
        infos = z.infolist()
    names = [i.filename for i in infos]
    notebooks = [n for n in names if n.endswith(".ipynb")]
    problems = []
    if len(notebooks) != EXPECTED_NOTEBOOKS:
        problems.append(f"{len(notebooks)} notebooks in the wheel, expected {EXPECTED_NOTEBOOKS}")
    if not all(n.startswith("llkit/_bundled/") for n in notebooks):
        problems.append("notebooks outside llkit/_bundled/")
    for n in names:
        top = n.split("/", 1)[0]
        if not (top == "llkit" or (top.startswith("llkit-") and top.endswith(".dist-info"))) \
                or any(f in n for f in FORBIDDEN):
            problems.append(f"unexpected file in the wheel: {n}")
    for needed in ("llkit/py.typed", "llkit/apps/serve_preload.txt", "llkit/documents/plans/messages.toml",
                   "llkit/data/template/texts.toml"):
        if needed not in names:
            problems.append(f"missing from the wheel: {needed}")
    figures = {"files": len(names), "bytes": wheel.stat().st_size,
               "unpacked_bytes": sum(i.file_size for i in infos), "notebooks": len(notebooks)}
    return problems, figures


def make_venv(where: Path, deps: str) -> Path:
    """A fresh virtualenv; ``deps="shared"`` lets it see this venv's packages (offline)."""
    run([sys.executable, "-m", "venv", str(where)], cwd=where.parent)
    py = where / "bin" / "python"
    if deps == "shared":
        site = Path(run([str(py), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                        cwd=where.parent).strip())
        # A plain path line: the packages are importable, but this venv's own .pth files
        # (among them the editable llkit finder of the checkout) are not run.
        (site / "_llkit_shared_deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    return py


def install(py: Path, wheel: Path, deps: str) -> None:
    cmd = [str(py), "-m", "pip", "install", "--quiet", str(wheel)]
    if deps == "shared":
        cmd.insert(-1, "--no-deps")
    else:
        cmd[-1:-1] = ["-c", str(ROOT / "constraints.txt")]
    run(cmd, cwd=wheel.parent, timeout=1800)
    run([str(py), "-m", "pip", "check"], cwd=wheel.parent)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def check_serve(llkit: Path, data: Path, work: Path, env: dict) -> str:
    """Start ``llkit serve``, fetch the dashboard with the token and without, stop it."""
    port, token = _free_port(), "check-install-token"
    log = work / "serve.log"
    with open(log, "wb") as fh:
        proc = subprocess.Popen([str(llkit), "serve", str(data), "--port", str(port), "--token", token,
                                 "--pool-size", "1"], cwd=work, stdout=fh, stderr=subprocess.STDOUT,
                                env={**env, "PYTHONUNBUFFERED": "1"}, start_new_session=True)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 240
            while "Kernel pool of dashboard.ipynb is filled" not in log.read_text(errors="replace"):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"llkit serve did not start:\n{log.read_text(errors='replace')}")
                time.sleep(0.5)
            url = f"{base}/voila/render/dashboard.ipynb"
            with urllib.request.urlopen(f"{url}?token={token}", timeout=120) as r:
                page = r.read().decode("utf-8", "replace")
                if r.status != 200 or "/login" in r.url or "<html" not in page.lower():
                    raise RuntimeError(f"the dashboard page did not load with its token ({r.status} {r.url})")
            with urllib.request.urlopen(url, timeout=60) as r:
                if "/login" not in r.url:
                    raise RuntimeError("the dashboard was served without the token")
            return f"serve: page of {len(page)} characters with the token; without it: login"
        finally:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(proc.pid, signal.SIGKILL)


def check_commands(py: Path, work: Path, deps: str) -> list[str]:
    """The user's commands, run in ``work`` (outside the repository) with the installed llkit."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "JUPYTER_PATH")}
    if deps == "shared":  # the shared packages' data files (nbconvert and voila templates)
        env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    env["PATH"] = f"{py.parent}{os.pathsep}{env.get('PATH', '')}"
    env["JUPYTER_DATA_DIR"] = str(work / "jupyter-data")  # kernelspecs of this venv only
    llkit = py.parent / "llkit"
    where = run([str(py), "-c", "import llkit, llkit.bundled as b; print(llkit.__file__); "
                 "print(b.notebooks_dir())"], cwd=work, env=env).split()
    if any(str(ROOT) in w for w in where):
        raise RuntimeError(f"the installed llkit resolves into the checkout: {where}")
    out = [f"llkit at {where[0]}", run([str(llkit), "--version"], cwd=work, env=env).strip()]
    run([str(llkit), "sample", "--out", "kommune", "--institutions", "4", "--seed", "3"], cwd=work, env=env)
    run([str(llkit), "validate", "kommune"], cwd=work, env=env)
    run([str(llkit), "batch", "kommune", "--out", "rapporter", "--only", "I01", "I02", "--workers", "1",
         "--quiet"], cwd=work, env=env, timeout=1200)
    manifest = json.loads((work / "rapporter" / "manifest.json").read_text(encoding="utf-8"))
    units = manifest.get("units", manifest)
    html = sorted(p.name for p in (work / "rapporter" / "html").glob("*.html"))
    ok = sorted(k for k, u in units.items() if isinstance(u, dict) and u.get("status") == "ok")
    if ok != ["I01", "I02"] or len(html) != 2:
        raise RuntimeError(f"llkit batch: units ok {ok}, HTML {html}; expected I01 and I02")
    out.append(f"batch: {', '.join(html)}")
    run([str(llkit), "notebooks", "copy", "mine", "--elearning", "--exercises", "learner"], cwd=work, env=env)
    copied = sorted(p.relative_to(work / "mine").as_posix() for p in (work / "mine").rglob("*.ipynb"))
    if len(copied) != 5 + 8 + 4:
        raise RuntimeError(f"llkit notebooks copy wrote {len(copied)} notebooks: {copied}")
    out.append(f"notebooks copy: {len(copied)} notebooks")
    out.append(check_serve(llkit, work / "kommune", work, env))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--deps", choices=["shared", "pypi"], default="shared",
                    help="shared: the new venv sees this venv's packages (offline); pypi: install "
                         "them from the index with constraints.txt")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    ap.add_argument("--dist", default=None, help="also copy the built wheel and sdist here")
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="llkit-install-"))
    try:
        wheel, sdist = build(tmp / "dist")
        problems, figures = wheel_problems(wheel)
        if problems:
            print("\n".join(problems), file=sys.stderr)
            return 1
        print(f"wheel {wheel.name}: {figures['files']} files, {figures['bytes'] / 1024:.0f} KiB "
              f"({figures['unpacked_bytes'] / 1024:.0f} KiB unpacked), {figures['notebooks']} notebooks; "
              f"sdist {sdist.stat().st_size / 1024:.0f} KiB")
        if args.dist:
            Path(args.dist).mkdir(parents=True, exist_ok=True)
            for f in (wheel, sdist):
                (Path(args.dist) / f.name).write_bytes(f.read_bytes())
        py = make_venv(tmp / "venv", args.deps)
        install(py, wheel, args.deps)
        work = tmp / "work"
        work.mkdir()
        for line in check_commands(py, work, args.deps):
            print(line)
        print("installed llkit works outside the repository")
        return 0
    finally:
        if not args.keep:
            subprocess.run(["rm", "-rf", str(tmp)], check=False)


if __name__ == "__main__":
    sys.exit(main())
