"""A batch's results and its output folder: :class:`UnitResult` and :class:`BatchResult`,
``manifest.json``, the file name of each unit, atomic writes and the CLI summary."""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from llkit._atomic import atomic_write

#: Levels a batch can run at (one report per unit of the level).
BATCH_LEVELS = ("institution", "cluster", "area", "department")
#: Values of a unit's ``status`` in the manifest.
STATUSES = ("ok", "failed", "skipped")
MANIFEST, INDEX = "manifest.json", "index.html"
_FORMAT = 1
#: Temporary files of atomic_write (``.<name>.<random>.tmp``) a killed run left behind.
_TMP_RE = re.compile(r"^\..+\.[0-9a-z_]{8}\.tmp$")


@dataclass
class UnitResult:
    """The outcome of one unit in a batch: one entry of ``manifest.json``'s ``units``.

    ``status`` is ``"ok"``, ``"failed"`` or ``"skipped"`` (unchanged since the run that
    made its outputs; ``finished`` and ``outputs`` are that run's). ``error_kind`` is
    ``"cell_error"``, ``"timeout"``, ``"dead_kernel"``, ``"kernel_start"``, ``"export"``,
    ``"version"``, ``"worker_died"`` or ``"error"``. ``duration`` is the wall seconds of
    this run (all attempts, export included; 0 when skipped); ``outputs`` maps ``ipynb``,
    ``html``, ``pdf`` or ``failed_ipynb`` to paths relative to the output folder.
    """

    id: str
    name: str
    status: str
    error: str | None = None
    error_kind: str | None = None
    duration: float = 0.0
    attempts: int = 0
    input_hash: str = ""
    llkit_version: str = ""
    finished: str | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    worker: str | None = None
    timings: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> UnitResult:
        known = {k: d[k] for k in cls.__dataclass_fields__ if k in d}
        return cls(**known)


@dataclass
class BatchResult:
    """What :func:`run_batch` did.

    Attributes
    ----------
    out : Path
        The output folder.
    units : list of UnitResult
        The units of this run, in unit order.
    manifest, index : Path
        ``manifest.json`` and ``index.html``.
    elapsed : float
        Wall seconds of the run.
    level : str
        The level of the units.
    """

    out: Path
    units: list[UnitResult]
    manifest: Path
    index: Path
    elapsed: float = 0.0
    level: str = "institution"

    @property
    def counts(self) -> dict[str, int]:
        c = Counter(u.status for u in self.units)
        return {s: c.get(s, 0) for s in STATUSES}

    @property
    def ok(self) -> bool:
        """True when no unit failed."""
        return self.counts["failed"] == 0


_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)),
             *(f"LPT{i}" for i in range(10))}


def _stems(ids: Sequence[str]) -> dict[str, str]:
    """A file name stem per unit id: the id itself when it is a safe file name,
    otherwise a cleaned id plus a short hash (so distinct ids never share a file)."""
    base: dict[str, str] = {}
    for uid in ids:
        s = unicodedata.normalize("NFC", uid)
        s = _UNSAFE.sub("_", s)
        s = re.sub(r"\s+", " ", s).strip().strip(".").strip()[:80]
        if not s or s.upper() in _RESERVED:
            s = "unit"
        base[uid] = s
    folded = Counter(s.casefold() for s in base.values())
    return {uid: s if (s == uid and folded[s.casefold()] == 1)
            else f"{s}-{hashlib.sha1(uid.encode()).hexdigest()[:8]}"
            for uid, s in base.items()}


def _write_atomic(path: Path, data: bytes | str) -> None:
    """Write a batch output atomically and durably (:func:`llkit._atomic.atomic_write`)."""
    atomic_write(path, data, fsync=True)


def _clean_tmp(out: Path) -> None:
    """Remove temporary files an earlier, killed run may have left."""
    for folder in (out, *(out / d for d in ("html", "ipynb", "pdf", "failed"))):
        if folder.is_dir():
            for p in folder.iterdir():
                if _TMP_RE.match(p.name) and p.is_file():
                    with contextlib.suppress(OSError):
                        p.unlink()


def _read_manifest(out: Path) -> dict[str, Any]:
    path = out / MANIFEST
    if not path.is_file():
        return {}
    try:
        m = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # unreadable: every unit is redone
    return m if isinstance(m, dict) and m.get("format") == _FORMAT else {}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _outputs_ok(out: Path, outputs: Mapping[str, str], pdf: bool) -> bool:
    need = ("ipynb", "html", "pdf") if pdf else ("ipynb", "html")
    return all(k in outputs and (out / outputs[k]).is_file() for k in need)


def _remove_outputs(out: Path, outputs: Mapping[str, str], keep: Iterable[str] = ()) -> None:
    keep = set(keep)
    for rel in outputs.values():
        if rel not in keep:
            with contextlib.suppress(OSError):
                (out / rel).unlink()


def format_summary(result: BatchResult) -> str:
    """A plain-text table of the units of a run and a closing line (English)."""
    rows = [("unit", "name", "status", "seconds", "error")]
    for u in result.units:
        err = (u.error or "").splitlines()[0][:70] if u.error else ""
        rows.append((u.id, u.name[:32], u.status, f"{u.duration:.1f}", err))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join([r[0].ljust(widths[0]), r[1].ljust(widths[1]), r[2].ljust(widths[2]),
                        r[3].rjust(widths[3]), r[4]]).rstrip() for r in rows]
    c = result.counts
    lines.insert(1, "-" * len(lines[0]))
    lines.append("")
    lines.append(f"{len(result.units)} unit(s): {c['ok']} ok, {c['failed']} failed, "
                 f"{c['skipped']} skipped (unchanged) in {result.elapsed:.1f} s. "
                 f"Index: {result.index}")
    return "\n".join(lines)
