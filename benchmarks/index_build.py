"""Ingest + index the whole corpus with ``kb add``, beside bare Whoosh on the same text.

    python -m benchmarks.index_build [--runs N]
    python -m benchmarks.index_build --batch 1000 [--runs 5] [--root FULL_WORKSPACE]

Baseline: Whoosh indexing the raw text of the 55,989 plain-text articles into one
default TEXT field with ``procs=2`` (no parsing at all). Measured: ``kb add`` of those
articles plus the 2,002 HTML pages into an empty workspace, as a real process (parse on
both cores, store every source, write every record, build the index), its peak memory,
the index size, and adding one more article to the full index. Medians over ``--runs``.

``--batch N``: the common case, a small batch. N plain-text articles (every k-th of the
corpus) indexed by bare Whoosh (``procs=2``) from their raw text, beside ``kb add`` of
the same files into an empty workspace and, renumbered (benchmarks.scale.variant), into
the full one (a hard-linked clone of ``--root`` or of the cached corpus workspace, so
each run starts from the same archive). The three run in turns; medians and the
run-by-run ratios to bare Whoosh are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import corpus

KB = str(Path(sys.executable).parent / "kb")


def bare_whoosh(txt: Path | list[Path]) -> tuple[float, int]:
    from whoosh import fields, index

    files = sorted(txt.rglob("*.TXT")) if isinstance(txt, Path) else txt
    tmp = Path(tempfile.mkdtemp(prefix="bare-whoosh-"))
    try:
        start = time.perf_counter()
        schema = fields.Schema(path=fields.ID(stored=True), content=fields.TEXT())
        ix = index.create_in(tmp, schema)
        writer = ix.writer(procs=2, limitmb=256)
        for path in files:
            writer.add_document(
                path=str(path), content=path.read_bytes().decode("cp1252", "replace")
            )
        writer.commit()
        seconds = time.perf_counter() - start
        return seconds, sum(p.stat().st_size for p in tmp.rglob("*") if p.is_file())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def kb_add(inputs: list[str]) -> tuple[float, int, int, str, float]:
    """(seconds, peak RSS of the largest process, index bytes, summary, one-add seconds)."""
    root = Path(tempfile.mkdtemp(prefix="kb-bench-"))
    try:
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        start = time.perf_counter()
        result = subprocess.run(
            [KB, "add", "--root", str(root), *inputs], capture_output=True, text=True
        )
        seconds = time.perf_counter() - start
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        index_bytes = sum(
            p.stat().st_size for p in (root / ".kb" / "index").rglob("*") if p.is_file()
        )
        summary = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
        if result.returncode not in (0, 1):
            raise RuntimeError(result.stderr[-2000:])
        crashes = result.stderr.count("Traceback") + result.stderr.count("internal error")
        if crashes:
            raise RuntimeError(f"kb add crashed {crashes} times")
        incremental = _incremental(root)
        return seconds, max(peak, before) * 1024, index_bytes, summary, incremental
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _incremental(root: Path) -> float:
    """Seconds to add one new article (a capture not yet in the archive) to the full index."""
    seed = corpus.SEED_HTML
    start = time.perf_counter()
    subprocess.run([KB, "add", "--root", str(root), str(seed)], capture_output=True, check=True)
    return time.perf_counter() - start


def _clone(full: Path, target: Path) -> None:
    """A copy of a workspace whose files are hard links (kb replaces files by renaming,
    never writes into them), except the capture list, which SQLite writes in place."""
    subprocess.run(["cp", "-al", str(full), str(target)], check=True)
    for path in (target / ".kb").glob("captures.sqlite*"):
        path.unlink()
        shutil.copy2(full / ".kb" / path.name, path)


def batch(args) -> int:
    from benchmarks.scale import variant

    files = sorted(corpus.txt_dir().rglob("*.TXT"))
    step = max(1, len(files) // args.batch)
    chosen = files[::step][: args.batch]
    full = args.root or corpus.full_workspace()
    work = Path(tempfile.mkdtemp(prefix="kb-batch-"))
    try:
        renumbered = work / "renumbered"
        renumbered.mkdir()
        for path in chosen:
            number = int(path.stem[1:])
            raw = path.read_bytes().decode("cp1252", "replace")
            out = renumbered / f"Q{number + 9 * 1_000_000}.TXT"
            out.write_bytes(variant(raw, number, 9).encode("cp1252", "replace"))
        runs: dict[str, list[float]] = {"bare": [], "empty": [], "full": []}
        for i in range(args.runs):
            runs["bare"].append(bare_whoosh(chosen)[0])
            root = work / f"empty-{i}"
            start = time.perf_counter()
            subprocess.run(
                [KB, "add", "--root", str(root), *map(str, chosen)], check=True, capture_output=True
            )
            runs["empty"].append(time.perf_counter() - start)
            shutil.rmtree(root)
            root = work / f"full-{i}"
            _clone(full, root)
            start = time.perf_counter()
            subprocess.run(
                [KB, "add", "--root", str(root), str(renumbered)], check=True, capture_output=True
            )
            runs["full"].append(time.perf_counter() - start)
            shutil.rmtree(root)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    med = {k: statistics.median(v) for k, v in runs.items()}
    ratio = {
        k: statistics.median(a / b for a, b in zip(runs[k], runs["bare"], strict=True))
        for k in ("empty", "full")
    }
    print(f"{'measure':<46}{'median s':>10}  notes   (cpus={os.cpu_count()}, runs={args.runs})")
    print(f"{f'bare Whoosh, {len(chosen)} raw texts, procs=2':<46}{med['bare']:>10.2f}")
    for key, label in (("empty", "into an empty archive"), ("full", "into the full archive")):
        name = f"kb add {len(chosen)} articles {label}"
        note = f"{med[key] / med['bare']:.2f}x bare (run by run {ratio[key]:.2f}x); floor <= 1.00"
        print(f"{name:<46}{med[key]:>10.2f}  {note}")
    print(
        json.dumps(
            {
                "benchmark": "index_build_batch",
                "articles": len(chosen),
                "runs": runs,
                "medians": med,
                "ratio_run_by_run": ratio,
            }
        )
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--batch", type=int, default=0, help="N articles: the small-batch case")
    parser.add_argument("--root", type=Path, default=None, help="an existing corpus workspace")
    args = parser.parse_args(argv)
    if not corpus.available():
        print(f"corpus not found at {corpus.CORPUS}", file=sys.stderr)
        return 2
    if args.batch:
        return batch(args)
    txt, html = corpus.txt_dir(), corpus.html_dir()
    articles = sum(1 for _ in txt.rglob("*.TXT")) + sum(1 for _ in html.rglob("*.html"))
    bare, kb, kb_rows = [], [], []
    for _ in range(args.runs):
        bare.append(bare_whoosh(txt))
        kb_rows.append(kb_add([str(txt), str(html)]))
        kb.append(kb_rows[-1][0])
    bare_s = statistics.median(b[0] for b in bare)
    kb_s = statistics.median(kb)
    peak = max(r[1] for r in kb_rows)
    index_bytes = kb_rows[-1][2]
    incremental = statistics.median(r[4] for r in kb_rows)
    rows = [
        ("bare Whoosh, raw text, procs=2", f"{bare_s:8.1f} s", f"{bare[-1][1] / 1e6:8.0f} MB", ""),
        (
            "kb add (parse, store, records, index)",
            f"{kb_s:8.1f} s",
            f"{index_bytes / 1e6:8.0f} MB",
            f"{articles / kb_s:,.0f} articles/s, peak RSS {peak / 2**20:,.0f} MiB",
        ),
        ("ratio kb add / bare", f"{kb_s / bare_s:8.2f}", "", "floor: <= 1.00"),
        ("add one article to the full index", f"{incremental:8.2f} s", "", "floor: <= 1 s"),
    ]
    header = f"{'measure':<40}{'time':>12}{'index':>12}  notes"
    print(f"{header}   (cpus={os.cpu_count()}, runs={args.runs})")
    for name, t, size, note in rows:
        print(f"{name:<40}{t:>12}{size:>12}  {note}")
    print(f"kb add said: {kb_rows[-1][3]}")
    print(
        json.dumps(
            {
                "benchmark": "index_build",
                "articles": articles,
                "runs": args.runs,
                "bare_whoosh_s": bare_s,
                "bare_index_bytes": bare[-1][1],
                "kb_add_s": kb_s,
                "kb_index_bytes": index_bytes,
                "ratio": kb_s / bare_s,
                "articles_per_s": articles / kb_s,
                "peak_rss_bytes": peak,
                "incremental_add_s": incremental,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
