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
each run starts from the same archive). Like ``kb add``, bare Whoosh runs as a new
process timed from start to exit (interpreter start and imports included on both
sides), on the very files kb adds: the N originals beside the empty-archive add, the N
renumbered copies beside the full-archive add. Bare Whoosh inside the benchmark's own
process (no interpreter start, Whoosh already imported) is printed as well. All take
turns; medians, every run's time and the run-by-run ratios are printed.
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

KB = str(Path(sys.executable).parent / "kb")


def _bare_index(files: list[Path], target: Path) -> None:
    """The baseline: Whoosh indexing each file's raw text, two writer processes."""
    from whoosh import fields, index

    schema = fields.Schema(path=fields.ID(stored=True), content=fields.TEXT())
    ix = index.create_in(target, schema)
    writer = ix.writer(procs=2, limitmb=256)
    for path in files:
        writer.add_document(path=str(path), content=path.read_bytes().decode("cp1252", "replace"))
    writer.commit()


def bare_whoosh(txt: Path | list[Path]) -> tuple[float, int]:
    """(seconds, index bytes) of _bare_index inside this process."""
    files = sorted(txt.rglob("*.TXT")) if isinstance(txt, Path) else txt
    tmp = Path(tempfile.mkdtemp(prefix="bare-whoosh-"))
    try:
        start = time.perf_counter()
        _bare_index(files, tmp)
        seconds = time.perf_counter() - start
        return seconds, sum(p.stat().st_size for p in tmp.rglob("*") if p.is_file())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def bare_whoosh_process(file_list: Path) -> tuple[float, float]:
    """(seconds, CPU seconds) of _bare_index as a new process (``--bare-into``), start
    to exit, as ``kb add`` is timed."""
    tmp = Path(tempfile.mkdtemp(prefix="bare-whoosh-"))
    try:
        command = [sys.executable, "-m", "benchmarks.index_build", "--bare-into", str(tmp)]
        return _timed(
            [*command, "--files-from", str(file_list)], cwd=Path(__file__).resolve().parent.parent
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


# Commands run as installed ones do, with their modules' bytecode cached (a shell with
# PYTHONDONTWRITEBYTECODE set would have every run compile every module; see
# benchmarks.timing); batch() runs each once untimed first, which writes the cache.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _timed(command: list[str], **kwargs) -> tuple[float, float]:
    """(seconds, CPU seconds of the process and every process it waited for)."""
    cpu = _cpu(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, env=ENV, **kwargs)
    return time.perf_counter() - start, _cpu(resource.RUSAGE_CHILDREN) - cpu


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
    from benchmarks import corpus

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
    from benchmarks import corpus
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
        lists = {"chosen": work / "chosen.list", "renumbered": work / "renumbered.list"}
        lists["chosen"].write_text("\n".join(map(str, chosen)))
        lists["renumbered"].write_text("\n".join(map(str, sorted(renumbered.iterdir()))))
        keys = ("bare", "empty", "bare_full", "full", "bare_in_process")
        runs: dict[str, list[float]] = {k: [] for k in keys}
        cpu: dict[str, list[float]] = {k: [] for k in keys}

        def record(key: str, timing: tuple[float, float]) -> None:
            runs[key].append(timing[0])
            cpu[key].append(timing[1])

        bare_whoosh_process(lists["chosen"])  # untimed: bytecode caches written
        _timed([KB, "add", "--root", str(work / "warm"), *map(str, chosen[:100])])
        shutil.rmtree(work / "warm")

        for i in range(args.runs):
            record("bare", bare_whoosh_process(lists["chosen"]))
            root = work / f"empty-{i}"
            record("empty", _timed([KB, "add", "--root", str(root), *map(str, chosen)]))
            shutil.rmtree(root)
            record("bare_full", bare_whoosh_process(lists["renumbered"]))
            root = work / f"full-{i}"
            _clone(full, root)
            record("full", _timed([KB, "add", "--root", str(root), str(renumbered)]))
            shutil.rmtree(root)
            before = _cpu(resource.RUSAGE_SELF) + _cpu(resource.RUSAGE_CHILDREN)
            seconds = bare_whoosh(chosen)[0]
            after = _cpu(resource.RUSAGE_SELF) + _cpu(resource.RUSAGE_CHILDREN)
            record("bare_in_process", (seconds, after - before))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    med = {k: statistics.median(v) for k, v in runs.items()}
    med_cpu = {k: statistics.median(v) for k, v in cpu.items()}
    per_run = {
        "empty": [a / b for a, b in zip(runs["empty"], runs["bare"], strict=True)],
        "full": [a / b for a, b in zip(runs["full"], runs["bare_full"], strict=True)],
        "empty_vs_in_process": [
            a / b for a, b in zip(runs["empty"], runs["bare_in_process"], strict=True)
        ],
        "full_vs_in_process": [
            a / b for a, b in zip(runs["full"], runs["bare_in_process"], strict=True)
        ],
    }
    ratio = {k: statistics.median(v) for k, v in per_run.items()}
    n = len(chosen)

    def runs_of(key: str) -> str:
        return " ".join(f"{v:.2f}" for v in runs[key])

    def ratios_of(key: str) -> str:
        return " ".join(f"{v:.2f}" for v in per_run[key])

    head = f"{'measure':<50}{'median s':>9}{'cpu s':>7}  runs (s)"
    print(f"{head}   (cpus={os.cpu_count()}, runs={args.runs})")
    rows = [
        ("bare", f"bare Whoosh procs=2, {n} raw texts (a process)", ""),
        ("empty", f"kb add {n} articles into an empty archive", "empty"),
        ("bare_full", f"bare Whoosh procs=2, the {n} renumbered (process)", ""),
        ("full", f"kb add the {n} renumbered into the full archive", "full"),
        ("bare_in_process", "bare Whoosh, originals, in this process", ""),
    ]
    for key, label, ratio_key in rows:
        print(f"{label:<50}{med[key]:>9.2f}{med_cpu[key]:>7.2f}  {runs_of(key)}")
        if ratio_key:
            print(
                f"{'':<8}ratio to bare run by run {ratios_of(ratio_key)}; median"
                f" {ratio[ratio_key]:.2f}x (floor <= 1.00); to bare in-process:"
                f" {ratio[ratio_key + '_vs_in_process']:.2f}x"
            )
    print(
        json.dumps(
            {
                "benchmark": "index_build_batch",
                "articles": n,
                "runs": runs,
                "medians": med,
                "cpu_seconds": cpu,
                "cpu_medians": med_cpu,
                "ratios": per_run,
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
    parser.add_argument("--bare-into", type=Path, help=argparse.SUPPRESS)  # the bare process
    parser.add_argument("--files-from", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.bare_into:
        _bare_index([Path(p) for p in args.files_from.read_text().split("\n")], args.bare_into)
        return 0
    from benchmarks import corpus  # (not above: the bare process imports only Whoosh)

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
