"""The workspace: ``articles/`` (the archive, files kept exactly as captured) and
``.kb/`` (everything derived from it: records, the capture manifest, the index).

All derived files are written to a temporary name and renamed into place, and every
change runs under one lock, so a crash or a second ``kb`` process never leaves a
half-written record or manifest.
"""

from __future__ import annotations

import fcntl
import glob
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb.model import Article, IngestError, kb_id

ARTICLES = "articles"
STATE = ".kb"
MANIFEST_VERSION = 1


def default_root() -> Path:
    return Path(os.environ.get("KB_ROOT") or ".").resolve()


def atomic_write(path: Path, data: bytes | str, durable: bool = False) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename.

    Readers see the old file or the new one, never a part. ``durable`` also syncs the
    bytes to disk first; derived files skip that (they can be rebuilt), and batches of
    archived sources are synced once with :func:`os.sync` before the manifest names them.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass
class Capture:
    """One archived file of an article, as the manifest lists it."""

    path: str  # relative to the workspace root, under articles/
    sha256: str
    number: int
    format: str
    revision: str | None = None
    modified: str | None = None
    added: float = 0.0
    origin: str | None = None  # where it came from (a path or URL), for provenance

    def order_key(self) -> tuple:
        """Newest capture last: by revision number, then modified date, then time added."""
        revision = float(self.revision) if _is_number(self.revision) else -1.0
        return (revision, self.modified or "", self.added)


def _is_number(text: str | None) -> bool:
    try:
        float(text or "")
    except ValueError:
        return False
    return True


@dataclass
class AddReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    changed_ids: set[int] = field(default_factory=set)
    messages: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"added {len(self.added):,}"]
        if self.updated:
            parts.append(f"updated {len(self.updated):,}")
        parts.append(f"unchanged {len(self.unchanged):,}")
        failed = f"failed {len(self.failed):,}"
        parts.append(failed + (" (see above)" if self.failed else ""))
        return " \u00b7 ".join(parts)


class Workspace:
    def __init__(self, root: Path | str | None = None):
        self.root = Path(root).resolve() if root else default_root()
        self.articles = self.root / ARTICLES
        self.state = self.root / STATE
        self.records_dir = self.state / "records"
        self.manifest_path = self.state / "captures.json"
        self.index_dir = self.state / "index"

    # ------------------------------------------------------------------ reading

    def record_path(self, number: int) -> Path:
        return self.records_dir / f"{kb_id(number)}.json"

    def load_record(self, number: int) -> Article | None:
        path = self.record_path(number)
        if not path.exists():
            return None
        return Article.from_dict(json.loads(path.read_text(encoding="utf-8")))

    def record_numbers(self) -> list[int]:
        if not self.records_dir.is_dir():
            return []
        return sorted(
            int(p.stem[2:]) for p in self.records_dir.glob("KB*.json") if p.stem[2:].isdigit()
        )

    def iter_records(self) -> Iterator[Article]:
        for number in self.record_numbers():
            record = self.load_record(number)
            if record is not None:
                yield record

    def load_manifest(self) -> dict[str, Capture]:
        if not self.manifest_path.exists():
            return {}
        data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        return {c["path"]: Capture(**c) for c in data.get("captures", [])}

    def captures_of(self, number: int, manifest: dict[str, Capture] | None = None) -> list[Capture]:
        manifest = self.load_manifest() if manifest is None else manifest
        found = [c for c in manifest.values() if c.number == number]
        return sorted(found, key=Capture.order_key, reverse=True)

    # ------------------------------------------------------------------ writing

    def save_manifest(self, manifest: dict[str, Capture]) -> None:
        data = {
            "version": MANIFEST_VERSION,
            "captures": [vars(c) for c in sorted(manifest.values(), key=lambda c: c.path)],
        }
        os.sync()  # every archived file the manifest names is on disk before it is
        atomic_write(
            self.manifest_path, json.dumps(data, indent=0, ensure_ascii=False), durable=True
        )

    def write_record(self, article: Article) -> None:
        self.write_record_dict(article.to_dict())

    def write_record_dict(self, record: dict[str, Any]) -> None:
        atomic_write(self.record_path(record["number"]), json.dumps(record, ensure_ascii=False))

    @contextmanager
    def lock(self, notify: Callable[[str], None] | None = None) -> Iterator[None]:
        """Hold the workspace's write lock; waits (saying so once) if another kb holds it."""
        self.state.mkdir(parents=True, exist_ok=True)
        with open(self.state / "lock", "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if notify:
                    notify("waiting for another kb process to finish with this archive ...")
                fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def store_source(self, source: Path, number: int, sha: str) -> str:
        """Copy a captured file into articles/KB<n>/, never overwriting another capture.

        The copy is made under a temporary name and renamed; it is synced to disk with
        the rest of the batch before the manifest names it (see save_manifest).
        """
        from kb.readers import safe_name

        folder = self.articles / kb_id(number)
        target = folder / safe_name(source.name)
        if target.exists() and _sha_of(target) != sha:
            target = folder / f"{target.stem}-{sha[:10]}{target.suffix}"
        if not target.exists():
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
            os.close(fd)
            try:
                shutil.copyfile(source, tmp)
                if _sha_of(Path(tmp)) != sha:
                    raise IngestError("file changed while it was being added")
                os.replace(tmp, target)
            finally:
                Path(tmp).unlink(missing_ok=True)
        return target.relative_to(self.root).as_posix()


def _sha_of(path: Path) -> str:
    from kb.readers import sha256

    return sha256(path.read_bytes())


# ---------------------------------------------------------------------- gathering


def expand_inputs(inputs: Iterable[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """Files named, found under folders (recursively) and matched by glob patterns.

    Returns the files and the inputs that could not be used, with the reason.
    """
    files: list[str] = []
    problems: list[tuple[str, str]] = []
    for item in inputs:
        if any(ch in item for ch in "*?[") and not os.path.exists(item):
            matches = sorted(glob.glob(item, recursive=True))
            if not matches:
                problems.append((item, "no files match this pattern"))
            for match in matches:
                _collect(match, files, problems)
        else:
            _collect(item, files, problems)
    return list(dict.fromkeys(files)), problems


def _collect(path: str, files: list[str], problems: list[tuple[str, str]]) -> None:
    if os.path.isdir(path):
        seen: set[tuple[int, int]] = set()

        def walk(folder: str) -> None:
            try:
                st = os.stat(folder)
            except OSError as exc:
                problems.append((folder, f"cannot read folder: {exc.strerror}"))
                return
            if (st.st_dev, st.st_ino) in seen:
                problems.append((folder, "folder loop (symbolic link to a parent); skipped"))
                return
            seen.add((st.st_dev, st.st_ino))
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError as exc:
                problems.append((folder, f"cannot read folder: {exc.strerror}"))
                return
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir():
                    walk(entry.path)
                elif entry.is_file():
                    files.append(entry.path)

        walk(path)
    elif os.path.exists(path):
        files.append(path)
    else:
        problems.append((path, "no such file or folder"))


# ------------------------------------------------------------------------ parsing

_KNOWN: frozenset[str] = frozenset()


def _init_worker(known: frozenset[str]) -> None:
    global _KNOWN
    _KNOWN = known


def _parse_one(path: str) -> tuple[str, str | None, dict[str, Any] | None, str | None]:
    """(path, sha256, record dict, error) for one file; runs in a worker process."""
    from kb.readers import load, read_bytes, sha256

    try:
        data = load(path)
        sha = sha256(data)
        if sha in _KNOWN:
            return path, sha, None, None
        article = read_bytes(data, path)
        return path, sha, article.to_dict(), None
    except IngestError as exc:
        return path, None, None, exc.reason
    except Exception as exc:  # noqa: BLE001 - never let one file end the batch
        return path, None, None, f"could not be read ({type(exc).__name__}: {exc})"


def parse_files(
    paths: list[str],
    known: frozenset[str],
    jobs: int | None = None,
    on_result: Callable[[], None] | None = None,
) -> Iterator[tuple]:
    """Parse files on every core; yields results in input order."""
    jobs = jobs or os.cpu_count() or 1
    if jobs == 1 or len(paths) < 64:
        _init_worker(known)
        for path in paths:
            yield _parse_one(path)
            if on_result:
                on_result()
        return
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(known,)) as pool:
        for result in pool.map(_parse_one, paths, chunksize=32):
            yield result
            if on_result:
                on_result()


# --------------------------------------------------------------------- adding


def add_files(
    ws: Workspace,
    inputs: Iterable[str],
    *,
    jobs: int | None = None,
    progress: Callable[[int], Callable[[], None] | None] | None = None,
    notify: Callable[[str], None] | None = None,
    origins: dict[str, str] | None = None,
) -> AddReport:
    """Add archived files: store each source, (re)build the records they change, and
    bring the index up to date. ``progress(total)`` may return a per-file callback."""
    report = AddReport()
    files, problems = expand_inputs(inputs)
    report.failed.extend(problems)
    with ws.lock(notify):
        manifest = ws.load_manifest()
        _ingest(ws, files, manifest, report, jobs, progress, origins)
        ws.save_manifest(manifest)
        _update_index(ws, report.changed_ids, jobs)
    return report


def rebuild(
    ws: Workspace,
    *,
    jobs: int | None = None,
    progress: Callable[[int], Callable[[], None] | None] | None = None,
    notify: Callable[[str], None] | None = None,
) -> AddReport:
    """Re-derive everything under .kb/ from articles/ (which is never modified)."""
    report = AddReport()
    with ws.lock(notify):
        if ws.records_dir.exists():
            shutil.rmtree(ws.records_dir)
        files, problems = expand_inputs([str(ws.articles)]) if ws.articles.is_dir() else ([], [])
        report.failed.extend(problems)
        manifest: dict[str, Capture] = {}
        _ingest(ws, files, manifest, report, jobs, progress, None)
        ws.save_manifest(manifest)
        from indexer import build

        build.rebuild(ws.index_dir, ws.iter_records(), procs=_index_procs(len(manifest), jobs))
    return report


def _ingest(
    ws: Workspace,
    files: list[str],
    manifest: dict[str, Capture],
    report: AddReport,
    jobs: int | None,
    progress: Callable[[int], Callable[[], None] | None] | None,
    origins: dict[str, str] | None,
) -> None:
    """Parse files on every core; store new captures; write the records they change."""
    by_sha = {c.sha256: c for c in manifest.values()}
    tick = progress(len(files)) if progress else None
    fresh: dict[str, dict[str, Any]] = {}  # capture path -> record, for this batch
    for path, sha, record, error in parse_files(files, frozenset(by_sha), jobs, tick):
        if error:
            report.failed.append((path, error))
            continue
        if sha in by_sha:
            report.unchanged.append(kb_id(by_sha[sha].number))
            continue
        try:
            capture = _register(ws, path, sha, record, origins)
        except (IngestError, OSError) as exc:
            report.failed.append((path, str(getattr(exc, "reason", None) or exc)))
            continue
        manifest[capture.path] = capture
        by_sha[sha] = capture
        record["source"]["path"] = capture.path
        number = capture.number
        seen = number in report.changed_ids or ws.record_path(number).exists()
        (report.updated if seen else report.added).append(kb_id(number))
        report.changed_ids.add(number)
        fresh[capture.path] = record
    _write_current(ws, manifest, report.changed_ids, fresh, report)


def _register(
    ws: Workspace, path: str, sha: str, record: dict[str, Any], origins: dict[str, str] | None
) -> Capture:
    resolved = Path(path).resolve()
    number = record["number"]
    if resolved.is_relative_to(ws.articles.resolve()):
        rel = resolved.relative_to(ws.root).as_posix()  # already in the archive: keep in place
    else:
        rel = ws.store_source(resolved, number, sha)
    return Capture(
        path=rel,
        sha256=sha,
        number=number,
        format=record["source"]["format"],
        revision=record.get("revision"),
        modified=record.get("modified"),
        added=time.time(),
        origin=(origins or {}).get(path, str(resolved)),
    )


def _write_current(
    ws: Workspace,
    manifest: dict[str, Capture],
    numbers: set[int],
    fresh: dict[str, dict[str, Any]],
    report: AddReport,
) -> None:
    """For each changed article, make its record the one built from its newest capture."""
    from kb.readers import read_file

    by_number: dict[int, list[Capture]] = {}
    for capture in manifest.values():
        if capture.number in numbers:
            by_number.setdefault(capture.number, []).append(capture)
    for number in sorted(numbers):
        captures = sorted(by_number[number], key=Capture.order_key, reverse=True)
        newest = captures[0]
        record = fresh.get(newest.path)
        if record is None:
            article = read_file(ws.root / newest.path)
            article.source.path = newest.path
            record = article.to_dict()
        ws.write_record_dict(record)
        if len(captures) > 1:
            report.messages.append(
                f"{kb_id(number)}: {len(captures)} captures kept; current is {newest.path}"
                f" (revision {newest.revision or '?'}, {newest.modified or 'undated'})"
            )


def _index_procs(count: int, jobs: int | None) -> int:
    """Whoosh's multi-process writer pays off only for big batches."""
    return (jobs or os.cpu_count() or 1) if count >= 2000 else 1


def _update_index(ws: Workspace, numbers: set[int], jobs: int | None) -> None:
    """Keep the search index in step with the records that changed."""
    if not numbers:
        return
    from indexer import build

    if build.exists(ws.index_dir) and len(numbers) < 20_000:
        build.update(ws.index_dir, [ws.load_record(n) for n in sorted(numbers)])
    else:
        records = ws.iter_records()
        build.rebuild(ws.index_dir, records, procs=_index_procs(len(numbers), jobs))


def log(message: str) -> None:
    print(message, file=sys.stderr)
