"""Writing derived files so that a reader (or a crash) never sees half of one: a file
through a temporary name and a rename, a whole folder built aside and swapped in."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename.

    Readers see the old file or the new one, never a part. What is written this way is
    derived and can be rebuilt, so it is not synced; archived sources are synced (see
    :func:`kb.archive.sync_files`) before the capture list names them.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def built_aside(target: Path, prefix: str) -> Iterator[Path]:
    """A new empty folder beside ``target`` to build in; when the block ends without an
    error it replaces ``target`` (the old one is removed), else it is removed itself.
    ``prefix`` names the leftover a crash would leave (``kb check`` looks for them)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=prefix, dir=target.parent))
    try:
        yield tmp
        old = target.with_name(target.name + ".old")
        if target.exists():
            os.replace(target, old)
        os.replace(tmp, target)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
