"""Publish the whole corpus as a site, beside Hugo and Pagefind on the same bodies.

    python -m benchmarks.site_build [--runs 3] [--root WORKSPACE]

Baseline, in the same run: Debian's ``hugo`` building the same article bodies (the
records' section Markdown) as Markdown pages with a minimal theme, once as pages only
and once with the three old addresses of each article as Hugo aliases (kb writes those
redirect pages too, so that run is page for page the same output), then the Pagefind
CLI indexing Hugo's output. Measured: ``kb publish`` as users run it, its two phases
timed by publish itself: all pages on both cores (whose workers also write the search
records) and the search index kb writes from those records in Pagefind's format
(kb/pagefind_bundle.py); the bytes a
browser fetches for a first query; then ``kb add`` of one article into the full site
(pages rewritten, time). Hugo (both ways), the Pagefind CLI and ``kb publish`` take
turns ``--runs`` times, in the other order each run, each into new folders with the
disk settled before it and nothing deleted until the end; medians are compared, and
the median of each run's own ratio too (the machine's speed drifts over a long run).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import corpus
from benchmarks.timing import settle

KB = str(Path(sys.executable).parent / "kb")

HUGO_SINGLE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{{ .Title }}</title></head><body><main><h1>{{ .Title }}</h1>{{ .Content }}</main>
</body></html>"""
HUGO_LIST = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}
</title></head><body><main><h1>{{ .Title }}</h1></main></body></html>"""


def hugo_site(records_dir: Path, work: Path, aliases: bool = False) -> Path:
    """Hugo's input: one Markdown page per record, a minimal theme; with ``aliases``,
    each page also lists the three old support-site addresses kb publishes as redirect
    pages (kb/279415, kb/Q279415, kb/279415/en-us), which Hugo writes as alias pages:
    the same output, page for page."""
    site = work / ("hugo-aliases" if aliases else "hugo")
    (site / "layouts" / "_default").mkdir(parents=True)
    (site / "layouts" / "_default" / "single.html").write_text(HUGO_SINGLE)
    (site / "layouts" / "_default" / "list.html").write_text(HUGO_LIST)
    (site / "config.toml").write_text(
        'baseURL = "http://example.org/"\ntitle = "kb"\n'
        'disableKinds = ["taxonomy", "term", "RSS", "sitemap"]\n'
        "[markup.goldmark.renderer]\nunsafe = false\n"
    )
    content = site / "content" / "kb"
    content.mkdir(parents=True)
    for path in records_dir.glob("KB*.json"):
        record = json.loads(path.read_text(encoding="utf-8"))
        body = "\n\n".join(f"## {s['heading']}\n\n{s['markdown']}" for s in record["sections"])
        title = json.dumps(record["title"])
        n = record["number"]
        extra = f"aliases: [/kb/{n}/, /kb/Q{n}/, /kb/{n}/en-us/]\n" if aliases else ""
        (content / f"{record['id']}.md").write_text(
            f"---\ntitle: {title}\n{extra}---\n\n{body}\n", encoding="utf-8"
        )
    return site


def timed(cmd: list[str], **kwargs) -> float:
    settle()
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, **kwargs)
    return time.perf_counter() - start


def folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def first_query_bytes(bundle: Path) -> int:
    """What a browser fetches to answer one query: the loader, the wasm, the metadata,
    one index chunk (the largest, to be safe) and ten result fragments (the largest)."""
    fixed = ["pagefind.js", "pagefind-entry.json"]
    size = sum((bundle / f).stat().st_size for f in fixed if (bundle / f).exists())
    size += max((p.stat().st_size for p in bundle.glob("wasm.*.pagefind")), default=0)
    size += sum(p.stat().st_size for p in bundle.glob("pagefind.*.pf_meta"))
    size += max((p.stat().st_size for p in (bundle / "index").glob("*")), default=0)
    fragments = sorted((p.stat().st_size for p in (bundle / "fragment").glob("*")), reverse=True)
    return size + sum(fragments[:10])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--root", type=Path, default=None, help="an existing corpus workspace")
    args = parser.parse_args(argv)
    if not corpus.available():
        print(f"corpus not found at {corpus.CORPUS}", file=sys.stderr)
        return 2
    if not shutil.which("hugo"):
        print("hugo not found (apt-get install hugo)", file=sys.stderr)
        return 2
    root = args.root.resolve() if args.root else corpus.full_workspace()
    records = root / ".kb" / "records"
    articles = len(list(records.glob("KB*.json")))
    work = Path(tempfile.mkdtemp(prefix="site-bench-"))
    try:
        from kb import publish
        from kb.archive import Workspace

        ws = Workspace(root)
        hugo_in = hugo_site(records, work)
        hugo_aliases_in = hugo_site(records, work, aliases=True)
        hugo_runs: list[float] = []
        alias_runs: list[float] = []
        page_runs: list[float] = []
        pagefind_runs: list[float] = []
        search_runs: list[float] = []
        reports: list[publish.PublishReport] = []
        # Nothing is deleted until every run is done: on this disk (ext4 mounted with
        # ``discard``) removing a site of 224,000 folders slows the file system for
        # minutes after rm returns, so whichever build came next was timed on a slower
        # disk (seen: kb's pages 114 s right after such a delete, 34-52 s without one).
        # Each run writes new folders, and the order turns from run to run.

        def hugo_both(run: int) -> None:
            alias_out, hugo_out = work / f"hugo-aliases-out-{run}", work / f"hugo-out-{run}"
            alias_runs.append(
                timed(["hugo", "--quiet", "-s", str(hugo_aliases_in), "-d", str(alias_out)])
            )
            hugo_runs.append(timed(["hugo", "--quiet", "-s", str(hugo_in), "-d", str(hugo_out)]))
            pagefind_bin = [sys.executable, "-m", "pagefind", "--site", str(hugo_out)]
            pagefind_runs.append(timed(pagefind_bin))

        def kb_publish(run: int) -> None:
            # kb publish as users run it: pages (their workers also write the search
            # records) then the search index, each phase timed by publish itself.
            settle()
            report = publish.publish(
                ws.records_dir,
                ws.record_numbers(),
                work / f"kb-out-{run}",
                workspace_root=ws.root,
                search=True,
            )
            page_runs.append(report.seconds_pages)
            search_runs.append(report.seconds_search)
            reports.append(report)

        for run in range(args.runs):
            for step in (hugo_both, kb_publish) if run % 2 == 0 else (kb_publish, hugo_both):
                step(run)
        hugo_out, out = work / f"hugo-out-{args.runs - 1}", work / f"kb-out-{args.runs - 1}"
        report = reports[-1]
        search_bytes = report.search_bytes
        hugo_s, pages_s = statistics.median(hugo_runs), statistics.median(page_runs)
        pagefind_s, search_s = statistics.median(pagefind_runs), statistics.median(search_runs)
        # Each run's ratios too: robust to the machine slowing down or speeding up.
        pair_ratio = statistics.median(p / h for p, h in zip(page_runs, hugo_runs, strict=True))
        alias_s = statistics.median(alias_runs)
        alias_pair = statistics.median(p / h for p, h in zip(page_runs, alias_runs, strict=True))
        search_pair = statistics.median(
            k / p for k, p in zip(search_runs, pagefind_runs, strict=True)
        )
        site_bytes = folder_bytes(out)
        # The search box loads every bundle listed beside the main one (none after a
        # full publish; kb add lists one per addition).
        listing = out / "static" / "bundles.json"
        extra = json.loads(listing.read_text()) if listing.exists() else []
        first = sum(first_query_bytes(out / b) for b in ["pagefind", *extra])
        first_pf = first_ratio = None
        first_rows: list[dict] = []
        from benchmarks import first_query

        if first_query.available():  # measured in chromium, beside Pagefind over Hugo
            first_rows = first_query.measure(out, hugo_out)
            by = {(r["query"], r["site"]): r["bytes"] for r in first_rows}
            first = statistics.median(by[(q, "kb")] for q in first_query.QUERIES)
            first_pf = statistics.median(by[(q, "pagefind")] for q in first_query.QUERIES)
            first_ratio = statistics.median(
                by[(q, "kb")] / by[(q, "pagefind")] for q in first_query.QUERIES
            )

        # One more article into the full site, in a hard-linked copy of the workspace
        # (kb writes new files and renames them, so the cached original is untouched;
        # only the SQLite capture list is written in place, so it is really copied).
        copy = work / "ws"
        subprocess.run(["cp", "-al", str(root), str(copy)], check=True)
        for db in (copy / ".kb").glob("captures.sqlite*"):  # SQLite writes in place: copy it
            db.unlink()
            shutil.copy2(root / ".kb" / db.name, db)
        shutil.move(str(out), str(copy / "public"))
        # A new article (not in the corpus) that cites KB279415.
        new_article = corpus.ROOT / "tests" / "fixtures" / "hostile" / "KB999001.html"
        settle()
        start = time.perf_counter()
        added = subprocess.run(
            [KB, "add", "--root", str(copy), str(new_article)],
            capture_output=True,
            text=True,
            check=True,
        )
        add_s = time.perf_counter() - start
        line = next((x for x in added.stdout.splitlines() if x.startswith("site:")), "")
        rewritten = int(line.split()[1]) if line else -1
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    first_note = (
        f"first query {first / 1e3:,.0f} kB vs {first_pf / 1e3:,.0f} kB for pagefind over "
        f"hugo ({first_ratio:.2f}x; medians of {len(first_query.QUERIES)} queries, chromium)"
        if first_pf
        else f"first query {first / 1e3:,.0f} kB (estimated: no chromium)"
    )
    rows = [
        ("hugo, same bodies, minimal theme", hugo_s, "pages only"),
        (
            "hugo, same + old addresses as aliases",
            alias_s,
            "3 alias pages per article, as kb writes",
        ),
        (
            "kb publish: pages (2 cores)",
            pages_s,
            f"{report.pages / pages_s:,.0f} pages/s; "
            f"{pages_s / alias_s:.2f}x hugo with aliases (run by run {alias_pair:.2f}x), "
            f"{pages_s / hugo_s:.2f}x hugo pages only (run by run {pair_ratio:.2f}x); "
            f"site {site_bytes / 1e6:,.0f} MB",
        ),
        ("pagefind CLI over hugo's output", pagefind_s, ""),
        (
            "kb publish: search index (kb's writer)",
            search_s,
            f"{search_s / pagefind_s:.2f}x pagefind CLI (floor <= 0.60; run by run "
            f"{search_pair:.2f}x); bundle {search_bytes / 1e6:,.0f} MB; {first_note}",
        ),
        (
            "kb add of one article into the full site",
            add_s,
            f"{rewritten} pages rewritten (target < 5 s)",
        ),
    ]
    print(
        f"{'measure':<44}{'seconds':>10}  notes   ({articles:,} articles, cpus={os.cpu_count()},"
        f" medians of {args.runs} runs in turns)"
    )
    for name, seconds, note in rows:
        print(f"{name:<44}{seconds:>10.1f}  {note}")
    print(
        json.dumps(
            {
                "benchmark": "site_build",
                "articles": articles,
                "pages": report.pages,
                "hugo_s": hugo_s,
                "hugo_runs_s": hugo_runs,
                "hugo_aliases_s": alias_s,
                "hugo_aliases_runs_s": alias_runs,
                "pages_ratio_vs_aliases": pages_s / alias_s,
                "pages_ratio_vs_aliases_run_by_run": alias_pair,
                "kb_pages_s": pages_s,
                "kb_pages_runs_s": page_runs,
                "pages_ratio": pages_s / hugo_s,
                "pages_ratio_run_by_run": pair_ratio,
                "pagefind_cli_s": pagefind_s,
                "pagefind_cli_runs_s": pagefind_runs,
                "kb_search_s": search_s,
                "kb_search_runs_s": search_runs,
                "search_ratio": search_s / pagefind_s,
                "search_ratio_run_by_run": search_pair,
                "search_bytes": search_bytes,
                "first_query_bytes": first,
                "first_query_bytes_pagefind": first_pf,
                "first_query_ratio": first_ratio,
                "first_query_rows": first_rows,
                "site_bytes": site_bytes,
                "incremental_add_s": add_s,
                "pages_rewritten": rewritten,
            }
        )
    )
    sys.stdout.flush()
    shutil.rmtree(work, ignore_errors=True)  # last: it takes minutes
    return 0


if __name__ == "__main__":
    sys.exit(main())
