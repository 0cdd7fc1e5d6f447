"""How cost grows with the archive: 14k, 56k, 112k and 224k articles.

    python -m benchmarks.scale [--sizes 14000,56000,112000,224000] [--no-publish]
                               [--runs 7] [--queries 300] [--keep] [--reuse]

The corpus's 55,989 plain-text articles, repeated: copy k of article Q<n> is
Q<n + k * 1,000,000>, its title and text varied (a copy mark and the title's words in
another order added to the text) so that no two articles are duplicates. For each size
a new workspace gets ``kb add`` of that many articles, then ``kb publish``; printed per
size: ingest + index seconds, publish seconds, index and site size, peak RSS (largest
process), cold lookups (new processes: ``kb event 9321``, ``kb error 0x2AFC``,
``kb show 279415``, median of ``--runs``, beside ``python -c pass``) and warm p50/p99
over a seeded mix of event, error and text queries on one open index (see
:func:`benchmarks.lookup.warm_latencies`; "first p99" is the same queries run first,
on what the OS cache held after the publish). The last lines
compare the largest size with 56k: the floors are times <= 4.4x the 56k figures, warm
p99 <= 25 ms, cold <= 0.10 s, RSS <= 1.5 GB.

Each timed ingest and publish starts with the disk written and, where the benchmark
may (root), the kernel's page, dentry and inode caches emptied, so that every size
starts alike whatever ran before (see :func:`benchmarks.timing.settle`); the rows say
whether they were. After each publish a ``sync`` is timed apart (what the kernel had
yet to write of the site: a small site's writing can end after the command does); the
ratio line gives publish alone and publish + sync.

``--no-publish`` skips the site (it takes the longest); the table then says so.
Workspaces live under ``--work`` (default a temporary folder) and are removed after
each size unless ``--keep``; ``--reuse`` then measures publish and lookups again on a
kept workspace without ingesting it again (its row carries the earlier ingest figures,
marked reused).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import corpus
from benchmarks.lookup import warm_latencies
from benchmarks.timing import Trash, median_wall, settle

KB = str(Path(sys.executable).parent / "kb")
COPY_STEP = 1_000_000
FLOORS = {"ratio": 4.4, "p99": 0.025, "cold": 0.10, "rss": 1.5e9}


def variant(text: str, number: int, copy: int) -> str:
    """Copy ``copy`` of the plain-text article ``number`` (copy 0 is the article)."""
    if copy == 0:
        return text
    new = number + copy * COPY_STEP
    text = re.sub(rf"\bQ{number}\b", f"Q{new}", text)
    lines = text.split("\n")
    rng = random.Random(new)
    for i, line in enumerate(lines):
        if line.startswith("TITLE") and ":" in line:
            head, _, title = line.partition(":")
            words = title.split()
            rng.shuffle(words)
            lines[i] = f"{head}:{title.rstrip()} (archive copy {copy})"
            mark = f"Archive copy {copy} of this article; title words: {' '.join(words)}."
            for j in range(i + 1, len(lines)):
                if lines[j].startswith("===="):
                    lines.insert(j + 1, mark)
                    break
            break
    return "\n".join(lines)


def make_sources(target: Path, size: int) -> list[str]:
    """Folders holding ``size`` articles: the corpus, then renumbered copies."""
    files = sorted(corpus.txt_dir().rglob("*.TXT"))
    folders: list[str] = []
    if size <= len(files):
        part = target / f"first-{size}"
        if not part.exists():
            part.mkdir(parents=True)
            for path in files[:size]:
                os.symlink(path, part / path.name)
        return [str(part)]
    folders.append(str(corpus.txt_dir()))
    remaining = size - len(files)
    copy = 1
    while remaining > 0:
        folder = target / f"copy-{copy}"
        chosen = files[:remaining]
        done = folder / ".done"
        if not done.exists() or done.read_text().strip() != str(len(chosen)):
            # Written aside and renamed when whole: a run cut off (or two runs at once)
            # never leaves a folder that looks complete but is not.
            aside = target / f".copy-{copy}-{os.getpid()}"
            shutil.rmtree(aside, ignore_errors=True)
            aside.mkdir(parents=True)
            for path in chosen:
                number = int(path.stem[1:])
                raw = path.read_bytes().decode("cp1252", "replace")
                out = aside / path.parent.name / f"Q{number + copy * COPY_STEP}.TXT"
                out.parent.mkdir(exist_ok=True)
                out.write_bytes(variant(raw, number, copy).encode("cp1252", "replace"))
            (aside / ".done").write_text(f"{len(chosen)}\n")
            shutil.rmtree(folder, ignore_errors=True)
            os.rename(aside, folder)
        folders.append(str(folder))
        remaining -= len(chosen)
        copy += 1
    return folders


def timed(cmd: list[str]) -> tuple[float, int, subprocess.CompletedProcess]:
    """Wall seconds and peak RSS (bytes, largest process of the command's tree)."""
    start = time.perf_counter()
    result = subprocess.run(
        ["/usr/bin/time", "-f", "%M", *cmd], capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - start
    lines = result.stderr.strip().splitlines()
    peak = int(lines[-1]) * 1024 if lines and lines[-1].isdigit() else 0
    return seconds, peak, result


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def cold(cmd: list[str], runs: int) -> float:
    return median_wall(cmd, runs)[0]


def measure(work: Path, size: int, args, trash: Trash) -> dict:
    root = work / f"ws-{size}"
    ingested = work / f"ws-{size}.ingest.json"  # what the ingest of ``root`` measured
    if args.reuse and ingested.exists() and (root / ".kb" / "index").is_dir():
        row = json.loads(ingested.read_text()) | {"ingest_reused": True}
    else:
        sources = make_sources(work / "src", size)
        trash.discard(root)
        ingested.unlink(missing_ok=True)
        dropped = settle(drop_caches=True)
        ingest_s, ingest_rss, result = timed([KB, "add", "--root", str(root), *sources])
        if result.returncode not in (0, 1):
            raise RuntimeError(result.stderr[-2000:])
        said = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
        row = {
            "size": size,
            "kb_add_said": said,
            "ingest_s": ingest_s,
            "ingest_rss": ingest_rss,
            "index_bytes": du(root / ".kb" / "index"),
            "ingest_caches_dropped": dropped,
        }
        if args.keep:
            ingested.write_text(json.dumps(row) + "\n")
    if args.no_publish:
        row.update(publish_s=None, publish_rss=0, site_bytes=None)
    else:
        trash.discard(root / "public")  # a whole publish, every time
        dropped = settle(drop_caches=True)
        publish_s, publish_rss, result = timed([KB, "publish", "--root", str(root)])
        start = time.perf_counter()
        os.sync()  # what the kernel had yet to write of the site, timed apart
        row["publish_sync_s"] = time.perf_counter() - start
        row.update(publish_s=publish_s, publish_rss=publish_rss, site_bytes=du(root / "public"))
        row["publish_caches_dropped"] = dropped
    settle()  # lookups timed once what ingest or publish wrote is on disk
    lookups = {
        "event": [KB, "event", "9321", "--json", "--root", str(root)],
        "error": [KB, "error", "0x2AFC", "--json", "--root", str(root)],
        "show": [KB, "show", "279415", "--json", "--root", str(root)],
    }
    row["cold"] = {name: cold(cmd, args.runs) for name, cmd in lookups.items()}
    row["cold_whoosh_event"] = cold(
        [sys.executable, "-m", "kb.cli", "event", "9321", "--json", "--root", str(root)],
        max(3, args.runs // 2),
    )
    warm = warm_latencies(root, args.queries)
    row["warm_p50"], row["warm_p99"], row["first_p99"] = warm["p50"], warm["p99"], warm["first_p99"]
    row["peak_rss"] = max(row["ingest_rss"], row["publish_rss"])
    if not args.keep:
        trash.discard(root)
    print(f"# {size:,}: {json.dumps(row)}", flush=True)
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="14000,56000,112000,224000")
    parser.add_argument("--no-publish", action="store_true", help="skip kb publish")
    parser.add_argument("--runs", type=int, default=7, help="cold runs per lookup")
    parser.add_argument("--queries", type=int, default=300, help="warm queries")
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the workspaces")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="a workspace kept by an earlier --keep run is not ingested again: its ingest"
        " figures are that run's (the row says so); publish and lookups are measured anew",
    )
    args = parser.parse_args(argv)
    if not corpus.available():
        print(f"corpus not found at {corpus.CORPUS}", file=sys.stderr)
        return 2
    sizes = [int(s) for s in args.sizes.split(",")]
    work = args.work or Path(tempfile.mkdtemp(prefix="kb-scale-"))
    python = cold([sys.executable, "-c", "pass"], args.runs)
    trash = Trash(work)
    rows = [measure(work, size, args, trash) for size in sizes]
    mb = 1e6
    print(
        f"{'articles':>9} {'ingest s':>9} {'publish s':>10} {'index MB':>9} {'site MB':>8}"
        f" {'peak RSS MB':>12} {'cold event':>11} {'cold error':>11} {'cold show':>10}"
        f" {'whoosh event':>13} {'warm p50 ms':>12} {'warm p99 ms':>12} {'first p99 ms':>13}"
        f"   (cpus={os.cpu_count()}, cold: median of {args.runs}; python -c pass {python:.3f} s)"
    )
    for r in rows:
        publish = f"{r['publish_s']:10.1f}" if r["publish_s"] is not None else f"{'skipped':>10}"
        site = f"{r['site_bytes'] / mb:8.0f}" if r["site_bytes"] is not None else f"{'-':>8}"
        print(
            f"{r['size']:>9,} {r['ingest_s']:8.1f}{'*' if r.get('ingest_reused') else ' '}"
            f" {publish} {r['index_bytes'] / mb:9.0f} {site}"
            f" {r['peak_rss'] / mb:12.0f} {r['cold']['event']:11.3f} {r['cold']['error']:11.3f}"
            f" {r['cold']['show']:10.3f} {r['cold_whoosh_event']:13.3f}"
            f" {r['warm_p50'] * 1e3:12.1f} {r['warm_p99'] * 1e3:12.1f}"
            f" {r['first_p99'] * 1e3:13.1f}"
        )
    dropped = [r.get(k) for r in rows for k in ("ingest_caches_dropped", "publish_caches_dropped")]
    if not all(d for d in dropped if d is not None):
        print("kernel caches not emptied before every timed step (needs root)")
    if any(r.get("ingest_reused") for r in rows):
        print("* ingest measured by the earlier run that kept the workspace (--reuse)")
    by_size = {r["size"]: r for r in rows}
    ref, top = by_size.get(56000), rows[-1]
    summary = {"benchmark": "scale", "python_pass_s": python, "rows": rows}
    if ref and top is not ref:
        ratios = {"ingest": top["ingest_s"] / ref["ingest_s"]}
        if top["publish_s"] and ref["publish_s"]:
            ratios["publish"] = top["publish_s"] / ref["publish_s"]
            ratios["publish + sync"] = (top["publish_s"] + top["publish_sync_s"]) / (
                ref["publish_s"] + ref["publish_sync_s"]
            )
        summary["ratios_vs_56k"] = ratios
        text = ", ".join(f"{k} {v:.2f}x" for k, v in ratios.items())
        print(f"{top['size']:,} vs 56,000: {text} (floor <= {FLOORS['ratio']}x)")
    print(
        f"floors at {top['size']:,}: warm p99 {top['warm_p99'] * 1e3:.1f} ms (<= 25),"
        f" cold {max(top['cold'].values()):.3f} s (<= 0.10),"
        f" peak RSS {top['peak_rss'] / 1e9:.2f} GB (<= 1.5)"
        + ("; publish skipped" if args.no_publish else "")
    )
    print(json.dumps(summary), flush=True)
    trash.empty()  # last: deleting workspaces takes minutes
    if not args.keep and not args.work:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
