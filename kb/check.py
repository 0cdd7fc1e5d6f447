"""`kb check`: do the records, the index and the site agree with articles/?

articles/ is the truth; everything else is derived. A check lists, one line each, what
is out of step; a repair re-derives exactly that (or everything, when the capture
list itself is unusable). A `kb add` killed at any moment leaves at worst: staged copies
not yet renamed, archived files the capture list does not name yet, records or index
entries not yet written. All of those are found here.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from kb.archive import Workspace, expand_inputs
from kb.model import kb_id


@dataclass
class CheckReport:
    problems: list[str] = field(default_factory=list)
    unlisted_files: list[str] = field(default_factory=list)  # in articles/, not in the capture list
    stale_numbers: set[int] = field(default_factory=set)  # record/index out of step
    leftovers: list[Path] = field(default_factory=list)  # staged copies of a killed add
    manifest_broken: bool = False
    index_broken: bool = False
    hotlists_stale: bool = False  # a segment's decoded frequent-term lists
    lookup_stale: bool = False  # the lookup table (indexer.lookup_table)

    @property
    def ok(self) -> bool:
        return not self.problems


def check(ws: Workspace) -> CheckReport:
    from kb.readers import sha256

    report = CheckReport()
    try:
        manifest = ws.all_captures()
    except Exception as exc:  # noqa: BLE001 - sqlite3.DatabaseError and friends
        report.manifest_broken = True
        report.problems.append(f"{ws.captures_path}: unreadable ({exc}); a rebuild is needed")
        return report
    files, _ = expand_inputs([str(ws.articles)]) if ws.articles.is_dir() else ([], [])
    on_disk = {Path(f).resolve().relative_to(ws.root).as_posix() for f in files}
    for rel in sorted(on_disk - set(manifest)):
        report.unlisted_files.append(rel)
        report.problems.append(f"{rel}: archived file not in the capture list")
    for rel, capture in sorted(manifest.items()):
        path = ws.root / rel
        if not path.is_file():
            report.problems.append(f"{rel}: listed capture of {kb_id(capture.number)} is missing")
            report.stale_numbers.add(capture.number)
        elif sha256(path.read_bytes()) != capture.sha256:
            report.problems.append(f"{rel}: content differs from its recorded sha256")
            report.stale_numbers.add(capture.number)
    report.leftovers = sorted(ws.articles.rglob(".incoming-*.tmp")) if ws.articles.is_dir() else []
    report.leftovers += sorted(ws.state.glob(".index-*")) + sorted(ws.records_dir.glob(".*.tmp"))
    for leftover in report.leftovers:
        report.problems.append(f"{leftover.relative_to(ws.root)}: copy left by an interrupted add")

    newest: dict[int, str] = {}
    for capture in sorted(manifest.values(), key=lambda c: c.order_key()):
        newest[capture.number] = capture.sha256
    records = set(ws.record_numbers())
    for number, sha in sorted(newest.items()):
        path = ws.record_path(number)
        if number not in records:
            report.problems.append(f"{kb_id(number)}: no record")
            report.stale_numbers.add(number)
            continue
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            report.problems.append(f"{kb_id(number)}: record is not valid JSON")
            report.stale_numbers.add(number)
            continue
        if record.get("source", {}).get("sha256") != sha:
            report.problems.append(f"{kb_id(number)}: record not built from the newest capture")
            report.stale_numbers.add(number)
    for number in sorted(records - set(newest)):
        report.problems.append(f"{kb_id(number)}: record without any archived capture")
        report.stale_numbers.add(number)
    _check_index(ws, set(newest), report)
    return report


def _check_index(ws: Workspace, numbers: set[int], report: CheckReport) -> None:
    from indexer import build

    if not build.exists(ws.index_dir):
        if numbers:
            report.index_broken = True
            report.problems.append(f"{ws.index_dir}: no index")
        return
    try:
        indexed = build.indexed_numbers(ws.index_dir)
    except Exception as exc:  # noqa: BLE001 - any failure to read it means: rebuild it
        report.index_broken = True
        report.problems.append(f"{ws.index_dir}: unreadable ({type(exc).__name__})")
        return
    for number in sorted(numbers - indexed):
        report.problems.append(f"{kb_id(number)}: not in the index")
        report.stale_numbers.add(number)
    for number in sorted(indexed - numbers):
        report.problems.append(f"{kb_id(number)}: in the index but not archived")
        report.stale_numbers.add(number)
    from indexer import hotlists

    for segment_id in hotlists.missing(ws.index_dir):
        report.problems.append(
            f"{hotlists.sidecar_path(ws.index_dir, segment_id)}: missing or damaged"
            " (searches stay exact, only slower)"
        )
        report.hotlists_stale = True
    from indexer import lookup_table

    for problem in lookup_table.problems(ws.index_dir):
        report.problems.append(problem)
        report.lookup_stale = True


def repair(ws: Workspace, report: CheckReport) -> None:
    """Make records and index agree with articles/ again."""
    from kb import archive

    for leftover in report.leftovers:
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)
    if report.manifest_broken or report.index_broken or len(report.stale_numbers) > 1000:
        archive.rebuild(ws)
        return
    with ws.lock(), ws.store() as store:
        for rel in store.all():
            if not (ws.root / rel).is_file():
                store.remove(rel)
        store.commit()
    if report.unlisted_files:
        archive.add_files(ws, [str(ws.root / rel) for rel in report.unlisted_files])
    archive.refresh(ws, report.stale_numbers)
    if report.hotlists_stale:
        from indexer import hotlists

        with ws.lock():
            hotlists.refresh(ws.index_dir)
    if report.lookup_stale:
        from indexer import lookup_table

        with ws.lock():
            lookup_table.refresh(ws.index_dir)
