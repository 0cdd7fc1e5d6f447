"""The workspace: ``articles/`` (the archive, files kept exactly as captured) and
``.kb/`` (everything derived from it: records, the capture list, the index).

All derived files are written to a temporary name and renamed into place, and every
change runs under one lock, so a crash or a second ``kb`` process never leaves a
half-written record or capture list.
"""

from __future__ import annotations

import fcntl
import glob
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kb.atomic import atomic_write
from kb.captures import Capture, CaptureStore
from kb.model import Article, IngestError, kb_id

ARTICLES = "articles"
STATE = ".kb"


def default_root() -> Path:
    return Path(os.environ.get("KB_ROOT") or ".").resolve()


@dataclass
class AddReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    changed_ids: set[int] = field(default_factory=set)
    details: dict[int, str] = field(default_factory=dict)  # per article, for small batches
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
        self.captures_path = self.state / "captures.sqlite"
        self.index_dir = self.state / "index"
        self.site_dir = self.root / "public"

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

    def store(self) -> CaptureStore:
        """The capture list (open it with ``with``)."""
        return CaptureStore(self.captures_path)

    def all_captures(self) -> dict[str, Capture]:
        """Every capture, by path."""
        if not self.captures_path.exists():
            return {}
        with self.store() as store:
            return store.all()

    def captures_of(self, number: int) -> list[Capture]:
        """An article's captures, newest first."""
        if not self.captures_path.exists():
            return []
        with self.store() as store:
            return store.of(number)

    def write_record(self, article: Article) -> None:
        self.write_record_text(article.number, json.dumps(article.to_dict(), ensure_ascii=False))

    def write_record_text(self, number: int, text: str) -> None:
        atomic_write(self.record_path(number), text)

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


def sync_files(root: Path, paths: list[str]) -> None:
    """Flush newly archived files to disk: one by one for a few, all at once for many."""
    if len(paths) > 100:
        os.sync()
        return
    folders = set()
    for rel in paths:
        path = root / rel
        with open(path, "rb") as handle:
            os.fsync(handle.fileno())
        folders.add(path.parent)
    for folder in folders:
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


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


@dataclass
class Parsed:
    """What a worker sends back for one file (small: the record is already JSON)."""

    path: str
    sha256: str | None = None
    error: str | None = None
    number: int = 0
    format: str = ""
    revision: str | None = None
    modified: str | None = None
    stored: str | None = None  # workspace-relative path the capture is meant to have
    staged: str | None = None  # temporary copy beside it, renamed into place by the caller
    record: str | None = None  # the record as JSON, source.path == stored
    resolved: str | None = None  # the file's absolute path, links resolved (its origin)


_WORKER: dict[str, Any] = {}


def _init_worker(root: str, known: frozenset[str]) -> None:
    _WORKER.update(root=Path(root), known=known)


def _parse_one(path: str) -> Parsed:
    """Read, hash, parse one file and stage its copy; runs in a worker process."""
    from kb.readers import load, read_bytes, safe_name, sha256

    root: Path = _WORKER["root"]
    try:
        data = load(path)
        sha = sha256(data)
        if sha in _WORKER["known"]:
            return Parsed(path, sha)
        article = read_bytes(data, path)
        resolved = Path(path).resolve()
        articles = root / ARTICLES
        staged = None
        if resolved.is_relative_to(articles):
            stored = resolved.relative_to(root).as_posix()  # already archived: kept in place
        else:
            folder = articles / kb_id(article.number)
            stored = (folder / safe_name(resolved.name)).relative_to(root).as_posix()
            folder.mkdir(parents=True, exist_ok=True)
            fd, staged = tempfile.mkstemp(prefix=".incoming-", suffix=".tmp", dir=folder)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
        article.source.path = stored
        return Parsed(
            path,
            sha,
            number=article.number,
            format=article.source.format,
            revision=article.revision,
            modified=article.modified,
            stored=stored,
            staged=staged,
            record=json.dumps(article.to_dict(), ensure_ascii=False),
            resolved=str(resolved),
        )
    except IngestError as exc:
        return Parsed(path, error=exc.reason)
    except OSError as exc:
        return Parsed(path, error=f"cannot store: {exc.strerror or exc}")
    except Exception as exc:  # noqa: BLE001 - never let one file end the batch
        return Parsed(path, error=f"could not be read ({type(exc).__name__}: {exc})")


def _pooled(paths: list[str], jobs: int | None) -> bool:
    """Whether parse_files runs these on worker processes."""
    return (jobs or os.cpu_count() or 1) > 1 and len(paths) >= 64


def parse_files(
    root: Path,
    paths: list[str],
    known: frozenset[str],
    jobs: int | None = None,
    on_result: Callable[[], None] | None = None,
) -> Iterator[Parsed]:
    """Parse files on every core; yields results in input order."""
    jobs = jobs or os.cpu_count() or 1
    if not _pooled(paths, jobs):
        _init_worker(str(root), known)
        for path in paths:
            yield _parse_one(path)
            if on_result:
                on_result()
        return
    # The readers loaded once here, not once in each worker (they are forked from this
    # process): a third of a second of CPU each.
    import kb.readers  # noqa: F401

    with ProcessPoolExecutor(
        max_workers=jobs, initializer=_init_worker, initargs=(str(root), known)
    ) as pool:
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
    from kb.fetch import fetch, is_url

    report = AddReport()
    inputs = list(inputs)
    origins = dict(origins or {})
    urls = [i for i in inputs if is_url(i)]
    with tempfile.TemporaryDirectory(prefix="kb-fetch-") as downloads:
        fetched: dict[str, str] = {}  # downloaded file -> URL, for error lines
        for url in urls:
            try:
                path, origin = fetch(url, Path(downloads))
            except IngestError as exc:
                report.failed.append((url, exc.reason))
                continue
            fetched[str(path)] = url
            origins[str(path)] = origin
        files, problems = expand_inputs([i for i in inputs if not is_url(i)])
        report.failed.extend(problems)
        files += list(fetched)
        with ws.lock(notify), ws.store() as store:
            _ingest(ws, files, store, report, jobs, progress, origins)
            _update_index(ws, report.changed_ids, jobs)
            _update_site(ws, report)
        report.failed = [(fetched.get(path, path), reason) for path, reason in report.failed]
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
        with ws.store() as store:
            store.clear()
            _ingest(ws, files, store, report, jobs, progress, None)
        from indexer import build

        build.rebuild(ws.index_dir, ws.iter_records(), procs=_index_procs(len(files), jobs))
    return report


def _ingest(
    ws: Workspace,
    files: list[str],
    store: CaptureStore,
    report: AddReport,
    jobs: int | None,
    progress: Callable[[int], Callable[[], None] | None] | None,
    origins: dict[str, str] | None,
) -> None:
    """Parse files on every core; store new captures; write the records they change.

    An article's record is built from its newest capture (see Capture.order_key), so a
    new capture replaces the record only if it is newer than the current one. Captures
    are committed to the list every ``COMMIT_EVERY`` files, after their files are
    synced, so a killed batch loses at most the uncommitted tail (which `kb check`
    finds and `kb check --repair` adds).
    """
    known = store.shas()
    tick = progress(len(files)) if progress else None
    pending: list[str] = []
    # Records are written by two threads while this one goes on with the next files
    # (creating a file waits on the file system, more so when it is busy); all of them
    # are on disk before the captures they come from are committed, as before.
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="kb-records") as writer:
        writes: dict[int, Future] = {}

        def write_record(number: int, text: str) -> None:
            earlier = writes.get(number)
            if earlier is not None:
                earlier.result()  # an article's records land in the order they were made
            writes[number] = writer.submit(ws.write_record_text, number, text)

        def settle() -> None:
            for write in writes.values():
                write.result()  # (raises what a write raised)
            writes.clear()

        preload = _pooled(files, jobs)
        for item in parse_files(ws.root, files, known, jobs, tick):
            if preload:
                # While the workers parse, load what indexing needs (Whoosh: ~0.1-0.3 s
                # that would otherwise be spent with both cores idle, after parsing).
                import indexer.build  # noqa: F401

                preload = False
            if item.error:
                report.failed.append((item.path, item.error))
                continue
            existing = store.by_sha(item.sha256)
            if existing is not None:
                _discard(ws, item)
                report.unchanged.append(kb_id(existing.number))
                continue
            try:
                capture = _place(ws, item, origins)
            except OSError as exc:
                _discard(ws, item)
                report.failed.append((item.path, f"cannot store: {exc.strerror or exc}"))
                continue
            number = capture.number
            others = store.of(number)
            store.add(capture)
            pending.append(capture.path)
            report.changed_ids.add(number)
            (report.updated if others else report.added).append(kb_id(number))
            best = others[0] if others else None
            newest = capture if best is None or capture.order_key() > best.order_key() else best
            if newest is capture:
                write_record(number, item.record)
            if others:
                state = "is now current" if newest is capture else "stays current"
                when = newest.modified or "an undated capture"
                report.details[number] = (
                    f"revision {newest.revision or '-'} from {when}"
                    f" {state}; {len(others) + 1} captures kept"
                )
            if len(pending) >= COMMIT_EVERY:
                settle()
                sync_files(ws.root, pending)
                store.commit()
                pending.clear()
        settle()
    sync_files(ws.root, pending)
    store.commit()


COMMIT_EVERY = 500


def _place(ws: Workspace, item: Parsed, origins: dict[str, str] | None) -> Capture:
    """Rename a staged copy to its place in articles/, never over another capture."""
    stored = item.stored
    if item.staged:
        target = ws.root / stored
        if target.exists():
            if _sha_of(target) == item.sha256:
                Path(item.staged).unlink(missing_ok=True)
            else:
                target = target.with_name(f"{target.stem}-{item.sha256[:10]}{target.suffix}")
                os.replace(item.staged, target)
                stored = target.relative_to(ws.root).as_posix()
                record = json.loads(item.record)
                record["source"]["path"] = stored
                item.record = json.dumps(record, ensure_ascii=False)
        else:
            os.replace(item.staged, target)
    origin = (origins or {}).get(item.path)
    if origin is None:  # (the parse worker resolved the path already)
        origin = item.resolved or str(Path(item.path).resolve())
    return Capture(
        path=stored,
        sha256=item.sha256,
        number=item.number,
        format=item.format,
        revision=item.revision,
        modified=item.modified,
        added=time.time(),
        origin=origin,
    )


def _discard(ws: Workspace, item: Parsed) -> None:
    if item.staged:
        Path(item.staged).unlink(missing_ok=True)


def refresh(ws: Workspace, numbers: Iterable[int]) -> None:
    """Rebuild these articles' records from their newest archived capture (removing the
    record of an article with none left), then their index entries and site pages."""
    from indexer import build
    from kb.readers import read_file

    numbers = set(numbers)
    with ws.lock():
        gone: list[int] = []
        for number in sorted(numbers):
            captures = ws.captures_of(number)
            if not captures:
                ws.record_path(number).unlink(missing_ok=True)
                gone.append(number)
                continue
            article = read_file(ws.root / captures[0].path)
            article.source.path = captures[0].path
            ws.write_record(article)
        if build.exists(ws.index_dir):
            if gone:
                build.remove(ws.index_dir, gone)
            build.update(ws.index_dir, [ws.load_record(n) for n in sorted(numbers - set(gone))])
        else:
            build.rebuild(ws.index_dir, ws.iter_records())
        _update_site(ws, AddReport(changed_ids=numbers))


def _update_site(ws: Workspace, report: AddReport) -> None:
    """If the workspace has a published site, rewrite just the pages the change touches."""
    if not report.changed_ids or not (ws.site_dir / "index.html").exists():
        return
    from kb import publish

    result = publish.update(ws.records_dir, ws.site_dir, report.changed_ids, workspace_root=ws.root)
    if result is not None:
        bundle = f"{result.search_bytes / 1e3:.0f} kB in {result.seconds_search:.1f} s"
        report.messages.append(
            f"site: {result.pages} pages rewritten in {result.seconds_pages:.2f} s"
            f" (+ search bundle {bundle})"
        )


def _index_procs(count: int, jobs: int | None) -> int:
    """Whoosh's multi-process writer pays off from a few hundred articles on."""
    from indexer.build import MP_MIN_DOCS

    return (jobs or os.cpu_count() or 1) if count >= MP_MIN_DOCS else 1


def _update_index(ws: Workspace, numbers: set[int], jobs: int | None) -> None:
    """Keep the search index in step with the records that changed."""
    if not numbers:
        return
    from indexer import build

    if build.exists(ws.index_dir) and len(numbers) < 20_000:
        records = [ws.load_record(n) for n in sorted(numbers)]
        build.update(ws.index_dir, records, procs=_index_procs(len(numbers), jobs))
    else:
        records = ws.iter_records()
        build.rebuild(ws.index_dir, records, procs=_index_procs(len(numbers), jobs))
