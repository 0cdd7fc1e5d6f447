"""Triage speed: ``kb triage ../shared/evtx/system.evtx`` (1,881 records) against the
whole corpus, as a new process, beside what merely parsing the log costs.

    python -m benchmarks.triage [--runs 7] [--root WORKSPACE] [--log PATH]

Baselines in the same run: ``python -c pass`` (any Python CLI's floor), a new process
that only parses the .evtx with the ``evtx`` package, and a cold ``kb event 7000`` (one
lookup). Then, in one process, where triage's time goes: reading the log, grouping,
and the index lookups (warm). Floor: the cold triage <= 2 s.

The workspace is the cached full-corpus one the tests build (benchmarks.corpus); when
the code has changed since it was built, the newest complete cached workspace is reused
(the index format does not depend on kb.triage), or pass --root.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from benchmarks import corpus
from benchmarks.timing import median_wall

KB = str(Path(sys.executable).parent / "kb")
PARSE_ONLY = (
    "import evtx, json, sys\n"
    "n = sum(1 for r in evtx.PyEvtxParser(sys.argv[1]).records_json() if json.loads(r['data']))\n"
)


def workspace(root: Path | None) -> Path:
    if root:
        return root
    current = corpus.CACHE.parent / f"workspace-{corpus.code_fingerprint()}"
    if (current / ".kb" / "complete").exists():
        return current
    cached = sorted(
        (p for p in corpus.CACHE.parent.glob("workspace-*") if (p / ".kb" / "complete").exists()),
        key=lambda p: p.stat().st_mtime,
    )
    return cached[-1] if cached else corpus.full_workspace()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--root", type=Path)
    parser.add_argument("--log", type=Path, default=corpus.SHARED / "evtx" / "system.evtx")
    args = parser.parse_args(argv)
    if not args.log.is_file():
        print(f"event log not found at {args.log}", file=sys.stderr)
        return 2
    if not args.root and not corpus.available():
        print(f"corpus not found at {corpus.CORPUS}", file=sys.stderr)
        return 2
    root = workspace(args.root)
    log = str(args.log)

    triage, result = median_wall([KB, "triage", log, "--root", str(root), "--json"], args.runs)
    if result.returncode != 0:
        print(f"kb triage failed ({result.returncode}): {result.stderr}", file=sys.stderr)
        return 1
    report = json.loads(result.stdout)
    python, _ = median_wall([sys.executable, "-c", "pass"], args.runs)
    parse, _ = median_wall([sys.executable, "-c", PARSE_ONLY, log], args.runs)
    event, _ = median_wall([KB, "event", "7000", "--root", str(root)], args.runs)

    from indexer.query import Searcher
    from kb import triage as triaging
    from kb.archive import Workspace

    reads, groups, lookups = [], [], []
    with Searcher(Workspace(root).index_dir) as searcher:
        for _ in range(args.runs):
            start = time.perf_counter()
            logs, rows = triaging.read_logs([args.log])
            reads.append(time.perf_counter() - start)
            start = time.perf_counter()
            findings = triaging.group(rows)
            groups.append(time.perf_counter() - start)
            start = time.perf_counter()
            triaging.look_up(findings, searcher)
            lookups.append(time.perf_counter() - start)
    read, grouping, lookup = (statistics.median(x) for x in (reads, groups, lookups))

    found = report["findings"]
    with_articles = sum(1 for f in found if f["articles"])
    rows_out = [
        ("cold: kb triage system.evtx (new process)", triage, "floor: <= 2 s"),
        ("cold: parse the .evtx only (new process)", parse, "baseline: evtx + json"),
        ("cold: kb event 7000 (new process)", event, "one lookup, for scale"),
        ("cold: python -c pass", python, "interpreter start"),
        ("in process: read the log", read, f"{report['events']:,} events"),
        ("in process: group by (source, ID)", grouping, f"{len(found)} distinct"),
        ("in process: index lookups (warm)", lookup, f"{with_articles} with articles"),
    ]
    print(f"{'measure':<46}{'median s':>10}  notes   (runs={args.runs}, workspace={root.name})")
    for name, seconds, note in rows_out:
        print(f"{name:<46}{seconds:>10.4f}  {note}")
    print(
        json.dumps(
            {
                "benchmark": "triage",
                "log": args.log.name,
                "events": report["events"],
                "distinct": len(found),
                "with_articles": with_articles,
                "cold_kb_triage_s": round(triage, 4),
                "cold_parse_only_s": round(parse, 4),
                "cold_kb_event_s": round(event, 4),
                "python_pass_s": round(python, 4),
                "read_s": round(read, 4),
                "group_s": round(grouping, 4),
                "lookup_warm_s": round(lookup, 4),
                "runs": args.runs,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
