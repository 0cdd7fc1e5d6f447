"""Lookup speed on the whole corpus: cold (a new ``kb event`` process) and warm (many
queries against one open index).

    python -m benchmarks.lookup [--runs 11] [--queries 1000] [--root WORKSPACE]

Cold: ``kb event 9321``, ``kb error 0x2AFC`` and ``kb show 279415`` as new processes,
with ``--json`` and as the table printed to a pipe; they take the lookup-table path
(kb.lookup). Compared, in the same run and in turns, with the same lookups through
the Whoosh/Typer path (``python -m kb.cli``), ``python -c pass`` (the floor any
Python CLI pays) and ``grep -rl 9321`` over the unpacked corpus (what people do
without an index). ``--root`` uses an existing workspace of the corpus instead of the
cached one.
Warm runs a fixed, seeded mix of event, error-code and text queries drawn from the
corpus's own records.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

from benchmarks import corpus
from benchmarks.timing import median_wall

KB = str(Path(sys.executable).parent / "kb")


def _mixed_queries(ws, count: int, seed: int = 1) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    numbers = ws.record_numbers()
    queries: list[tuple[str, str]] = []
    while len(queries) < count:
        article = ws.load_record(rng.choice(numbers))
        kind = len(queries) % 3
        if kind == 0 and article.events:
            e = rng.choice(article.events)
            queries.append(("event", f"{e.source}:{e.event_id}" if e.source else str(e.event_id)))
        elif kind == 1 and article.error_codes:
            queries.append(("error", rng.choice(article.error_codes).code))
        elif kind == 2:
            words = [w for w in article.title.split() if w.isalpha() and len(w) > 3]
            if words:
                queries.append(("search", " ".join(rng.sample(words, min(2, len(words))))))
    return queries


def warm_latencies(root: Path, count: int) -> dict[str, float]:
    """p50 and p99 of ``count`` mixed queries on one open index, warm: the index's
    files read once (as the OS cache of a searcher in use holds them) and the
    searcher run on other queries first. ``first_p99``: the same queries timed before
    that, on whatever the OS cache held (after a publish of 224,000 articles, little
    of the index)."""
    from indexer.query import Searcher
    from kb.archive import Workspace

    ws = Workspace(root)
    queries = _mixed_queries(ws, count)
    warmup = _mixed_queries(ws, 40, seed=2)

    def timed(searcher) -> list[float]:
        latencies = []
        for kind, text in queries:
            start = time.perf_counter()
            getattr(searcher, kind)(text, limit=20)
            latencies.append(time.perf_counter() - start)
        return sorted(latencies)

    def p99(latencies: list[float]) -> float:
        return latencies[max(0, int(len(latencies) * 0.99) - 1)]

    with Searcher(ws.index_dir) as searcher:
        first = timed(searcher)
    for path in ws.index_dir.iterdir():
        if path.is_file():
            with open(path, "rb") as f:
                while f.read(1 << 22):
                    pass
    with Searcher(ws.index_dir) as searcher:  # a new one: nothing decoded kept
        for kind, text in warmup:
            getattr(searcher, kind)(text, limit=20)
        latencies = timed(searcher)
    return {"p50": latencies[len(latencies) // 2], "p99": p99(latencies), "first_p99": p99(first)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--root", type=Path, default=None, help="an existing corpus workspace")
    args = parser.parse_args(argv)
    if not corpus.available():
        print(f"corpus not found at {corpus.CORPUS}", file=sys.stderr)
        return 2
    root = args.root or corpus.full_workspace()
    txt = corpus.txt_dir()
    lookups = [("event", "9321"), ("error", "0x2AFC"), ("show", "279415")]
    commands: dict[str, list[str]] = {"python -c pass": [sys.executable, "-c", "pass"]}
    for command, arg in lookups:
        for json_flag in (["--json"], []):
            name = f"kb {command} {arg}{' --json' if json_flag else ''}"
            tail = [command, arg, *json_flag, "--root", str(root)]
            commands[name] = [KB, *tail]
            commands[f"whoosh path: {name}"] = [sys.executable, "-m", "kb.cli", *tail]
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.runs):  # in turns, so load changes hit every command alike
        for name, cmd in commands.items():
            start = time.perf_counter()
            subprocess.run(cmd, capture_output=True)
            times[name].append(time.perf_counter() - start)
    cold = {name: statistics.median(t) for name, t in times.items()}
    ratios = {
        name: statistics.median(
            f / w for f, w in zip(times[name], times[f"whoosh path: {name}"], strict=True)
        )
        for name in commands
        if name.startswith("kb ")
    }
    grep, _ = median_wall(["grep", "-rl", "9321", str(txt)], max(3, args.runs // 3))

    warm = warm_latencies(root, args.queries)
    p50, p99 = warm["p50"], warm["p99"]
    python = cold["python -c pass"]
    rows = [
        (name, cold[name], f"floor: <= 0.10 s; {ratios[name]:.2f}x the Whoosh path run by run")
        for name in commands
        if name.startswith("kb ")
    ]
    rows += [(name, cold[name], "") for name in commands if name.startswith("whoosh path")]
    rows += [
        ("python -c pass", python, "interpreter start, for scale"),
        ("grep -rl 9321 over the corpus", grep, f"{grep / cold['kb event 9321']:.1f}x kb's time"),
        ("warm: p50 over mixed queries", p50, "floor: <= 5 ms"),
        ("warm: p99 over mixed queries", p99, "floor: <= 50 ms"),
    ]
    print(f"{'measure':<46}{'median s':>10}  notes   (runs={args.runs}, queries={args.queries})")
    for name, seconds, note in rows:
        print(f"{name:<46}{seconds:>10.4f}  {note}")
    print(
        json.dumps(
            {
                "benchmark": "lookup",
                "cold_s": cold,
                "cold_runs_s": times,
                "cold_ratio_vs_whoosh_path": ratios,
                "cold_kb_event_s": cold["kb event 9321"],
                "python_pass_s": python,
                "grep_s": grep,
                "warm_p50_s": p50,
                "warm_p99_s": p99,
                "warm_first_pass_p99_s": warm["first_p99"],
                "queries": args.queries,
                "runs": args.runs,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
