"""Atomic file writes: a reader never sees a half-written file.

The content goes to a temporary file in the target's folder, which is then renamed over
the target (``os.replace`` is atomic on POSIX and Windows). The temporary file is removed
if anything fails, and the result gets the usual permissions (``0o666`` minus the umask)
instead of ``mkstemp``'s private ``0o600``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["atomic_write"]


def atomic_write(path: str | Path, data: bytes | str, *, fsync: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically; text is written as UTF-8 with ``\\n`` newlines.

    Parameters
    ----------
    path : str or Path
        The target; its folder is created when missing.
    data : bytes or str
    fsync : bool
        Flush the content to the disk before the rename, so that after a power cut the
        file is the old or the new one, never empty (slower; batch outputs use it).

    Returns
    -------
    Path

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> atomic_write(d / "a" / "plan.yaml", "mål: 3,5\\n").read_text(encoding="utf-8")
    'mål: 3,5\\n'
    >>> sorted(p.name for p in (d / "a").iterdir())   # no temporary file left behind
    ['plan.yaml']
    """
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
