"""The bytes a browser fetches for a first query: kb's site beside Pagefind over Hugo.

    python -m benchmarks.first_query [--articles N] [--query Q ...] [--work DIR]

Both sites are built from the same records: ``kb publish`` (its pages and its search
bundles), and Hugo over the records' section Markdown (benchmarks.site_build) indexed by
the Pagefind CLI. Each is served by Python's http.server (no compression: Pagefind's
index files are gzipped already) and driven by Debian's chromium through Playwright.

For each query, in a fresh browser context (an empty cache), the page loads first; then
every response from typing the query until the results are on screen is counted (body
and headers, as chromium reports them):

* kb: the home page's search box (site/static/search.js), which shows the first 20
  results with their excerpts; the facets' filter index it loads after the results are
  shown is reported apart ("then facets").
* Pagefind over Hugo: a page beside Hugo's output calling Pagefind's own JS API the way
  its documentation shows: ``import("/pagefind/pagefind.js")``, ``search(query)``, then
  ``data()`` of the same number of results kb shows (20), each rendered with its title
  and excerpt. Hugo's pages carry no filters, so Pagefind loads none.

Prints a table and one JSON line. ``--work DIR`` keeps (and reuses) both built sites.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from benchmarks.timing import Trash, settle

QUERIES = ["9321", "0x2AFC", "MTA", "RPC communications error", "outlook"]
SHOWN = 20  # results kb's search box shows (site/static/search.js)
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

PAGEFIND_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Pagefind search</title></head>
<body><form id="f"><input id="q" type="search"><button>Search</button></form>
<p id="status"></p><ol id="results"></ol>
<script type="module">
let pagefind = null;
document.getElementById("f").addEventListener("submit", async (event) => {
  event.preventDefault();
  const query = document.getElementById("q").value;
  pagefind = pagefind || await import("/pagefind/pagefind.js");
  const search = await pagefind.search(query);
  const shown = await Promise.all(search.results.slice(0, SHOWN).map((r) => r.data()));
  const list = document.getElementById("results");
  list.replaceChildren(...shown.map((d) => {
    const item = document.createElement("li");
    item.innerHTML = `<a href="${d.url}">${d.meta.title}</a><p>${d.excerpt}</p>`;
    return item;
  }));
  document.getElementById("status").textContent = `${search.results.length} results`;
  document.body.dataset.done = query;
});
</script></body></html>
""".replace("SHOWN", str(SHOWN))


def build_kb(root: Path, numbers: list[int], out: Path) -> float:
    """``kb publish`` of these records into ``out``; its search index seconds."""
    from kb import publish
    from kb.archive import Workspace

    ws = Workspace(root)
    report = publish.publish(ws.records_dir, numbers, out, workspace_root=ws.root)
    return report.seconds_search


def build_hugo(records_dir: Path, numbers: list[int], work: Path) -> tuple[Path, float]:
    """Hugo's site over these records, indexed by the Pagefind CLI; its seconds."""
    from benchmarks.site_build import hugo_site
    from kb.model import kb_id

    chosen = work / "records"
    chosen.mkdir(parents=True)
    for number in numbers:
        name = f"{kb_id(number)}.json"
        (chosen / name).symlink_to(records_dir / name)
    site = hugo_site(chosen, work)
    out = work / "hugo-out"
    subprocess.run(["hugo", "--quiet", "-s", str(site), "-d", str(out)], check=True)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pagefind", "--site", str(out)], check=True, capture_output=True
    )
    seconds = time.perf_counter() - start
    (out / "first-query.html").write_text(PAGEFIND_PAGE, encoding="utf-8")
    return out, seconds


def serve(folder: Path):
    from kb.serve import make_server

    httpd = make_server(folder, "127.0.0.1", 0)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}/"


def _bytes(response) -> int:
    sizes = response.request.sizes()
    return max(sizes["responseBodySize"], 0) + max(sizes["responseHeadersSize"], 0)


SHOWN_AT = """(selector) => new Promise((resolve) => {
  const seen = () => document.querySelector(selector);
  if (seen()) return resolve(performance.timeOrigin + performance.now());
  new MutationObserver((_, observer) => {
    if (!seen()) return;
    observer.disconnect();
    window.__shownAt = performance.timeOrigin + performance.now();
  }).observe(document.body, { subtree: true, childList: true, attributes: true });
  resolve(null);
})"""


def first_query(browser, url: str, query: str, kind: str) -> dict:
    """Load the search page, type the query, count what is fetched until the results
    show (and, on kb, then until the facets show).

    The page notes the moment the results are in the document (a MutationObserver);
    a request counts if it started before that moment. (kb's search box asks for the
    facets' filter index right after drawing the results, so waiting from Python and
    counting the responses seen so far would count some of that too, or not.)
    """
    context = browser.new_context()
    page = context.new_page()
    page.goto(url + ("index.html" if kind == "kb" else "first-query.html"))
    page.wait_for_load_state("networkidle")
    responses: list = []
    page.on("response", lambda r: responses.append(r))
    # kb: the results, or the box's message that search failed.
    selector = "#search-results > *" if kind == "kb" else "body[data-done]"
    page.evaluate(SHOWN_AT, selector)
    page.fill("#q", query)
    start = time.perf_counter()
    page.press("#q", "Enter")
    page.wait_for_function("window.__shownAt", timeout=300_000)
    seconds = time.perf_counter() - start
    if kind == "kb" and not page.locator("#results-heading").count():
        raise RuntimeError(f"kb's search box: {page.inner_text('#search-results')!r}")
    shown_at = page.evaluate("window.__shownAt")
    shown = page.locator("ol.results > li" if kind == "kb" else "#results > li").count()
    if kind == "kb":
        page.locator(".facets fieldset").first.wait_for(timeout=300_000)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(500)
    before = [r for r in responses if r.request.timing["startTime"] <= shown_at]
    after = [r for r in responses if r.request.timing["startTime"] > shown_at]
    files = [(urlsplit(r.url).path, _bytes(r)) for r in before]
    result = {
        "query": query,
        "site": kind,
        "results_shown": shown,
        "bytes": sum(b for _, b in files),
        "requests": len(files),
        "facet_bytes": sum(_bytes(r) for r in after),
        "seconds": seconds,
        "fetched": _summary(files),
    }
    context.close()
    return result


def _summary(files: list[tuple[str, int]]) -> dict[str, list[int]]:
    """Requests by kind: [count, bytes]."""
    kinds = {
        "pagefind.js": "loader",
        "pagefind-entry.json": "entry",
        "bundles.json": "bundle list",
        ".pagefind": "wasm",
        ".pf_meta": "meta",
        ".pf_index": "index chunks",
        ".pf_filter": "filters",
        ".pf_fragment": "fragments",
    }
    out: dict[str, list[int]] = {}
    for path, size in files:
        kind = next((k for suffix, k in kinds.items() if path.endswith(suffix)), "other")
        entry = out.setdefault(kind, [0, 0])
        entry[0] += 1
        entry[1] += size
    return out


def index_in_turns(
    root: Path, numbers: list[int], hugo_out: Path, work: Path, parts: list[int], runs: int
) -> dict:
    """The Pagefind CLI over Hugo's output and kb's search index (``parts`` bundles
    each), taking turns ``runs`` times; kb's bundles are kept in work/bundles-P."""
    from kb import search_index
    from kb.archive import Workspace
    from kb.search_index import build_search_index, search_record

    chosen = set(numbers)
    records = [search_record(a) for a in Workspace(root).iter_records() if a.number in chosen]
    cli: list[float] = []
    kb: dict[int, list[float]] = {p: [] for p in parts}
    trash = Trash(work)  # deleted at the end: a delete slows the disk for minutes
    for _ in range(runs):
        trash.discard(hugo_out / "pagefind")
        settle()
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "pagefind", "--site", str(hugo_out)],
            check=True,
            capture_output=True,
        )
        cli.append(time.perf_counter() - start)
        for p in parts:
            out = work / f"bundles-{p}"
            trash.discard(out)
            (out / "static").mkdir(parents=True)
            settle()
            start = time.perf_counter()
            search_index.BUNDLE_PAGES = None if p == 1 else -(-len(records) // p)
            build_search_index([records], out)
            kb[p].append(time.perf_counter() - start)
    trash.empty()
    search_index.BUNDLE_PAGES = None
    (hugo_out / "first-query.html").write_text(PAGEFIND_PAGE, encoding="utf-8")
    return {"cli_runs_s": cli, "kb_runs_s": kb}


def use_bundles(kb_out: Path, bundles: Path) -> None:
    """Point kb's site at the search bundles built in ``bundles``."""
    for name in ("pagefind", "pagefind-added"):
        target = kb_out / name
        if target.is_symlink() or target.is_file():
            target.unlink()
        else:
            shutil.rmtree(target, ignore_errors=True)
        if (bundles / name).exists():
            target.symlink_to((bundles / name).resolve())
    listing = kb_out / "static" / "bundles.json"
    listing.unlink(missing_ok=True)
    if (bundles / "static" / "bundles.json").exists():
        shutil.copy(bundles / "static" / "bundles.json", listing)


def available() -> bool:
    import importlib.util

    return bool(
        importlib.util.find_spec("playwright") and Path(CHROMIUM).exists() and shutil.which("hugo")
    )


def measure(
    kb_out: Path,
    hugo_out: Path,
    queries: list[str] = QUERIES,
    variants: list[tuple[str, Path]] | None = None,
) -> list[dict]:
    """First queries on kb's built site (or on each variant of its search bundles) and
    on Hugo's output indexed by the Pagefind CLI; one row per query and site."""
    from playwright.sync_api import sync_playwright

    (hugo_out / "first-query.html").write_text(PAGEFIND_PAGE, encoding="utf-8")
    rows = []
    servers = [serve(kb_out), serve(hugo_out)]
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM,
                headless=True,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            )
            for name, bundles in variants or [("kb", None)]:
                if bundles is not None:
                    use_bundles(kb_out, bundles)
                for query in queries:
                    rows.append({**first_query(browser, servers[0][1], query, "kb"), "site": name})
            for query in queries:
                rows.append(first_query(browser, servers[1][1], query, "pagefind"))
            browser.close()
    finally:
        for httpd, _ in servers:
            httpd.shutdown()
            httpd.server_close()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=0, help="the first N (default all)")
    parser.add_argument("--query", action="append", help="instead of the default queries")
    parser.add_argument("--workspace", type=Path, help="default: the cached corpus workspace")
    parser.add_argument("--work", type=Path, help="keep the built sites here (reused)")
    parser.add_argument(
        "--parts",
        help="also build kb's index in these numbers of bundles (e.g. 1,2,4), timed in "
        "turns with the Pagefind CLI, and measure each one's first queries",
    )
    parser.add_argument("--runs", type=int, default=1, help="turns of the timing (--parts)")
    args = parser.parse_args(argv)
    if not available():
        print(f"needs playwright, chromium ({CHROMIUM}) and hugo", file=sys.stderr)
        return 2
    from benchmarks import corpus
    from kb.archive import Workspace

    if args.workspace is None and not corpus.available():
        print(f"corpus not found at {corpus.CORPUS}", file=sys.stderr)
        return 2
    root = args.workspace or corpus.full_workspace()
    numbers = sorted(Workspace(root).record_numbers())
    numbers = numbers[: args.articles] if args.articles else numbers
    work = args.work or Path(tempfile.mkdtemp(prefix="first-query-"))
    queries = args.query or QUERIES
    parts = [int(p) for p in args.parts.split(",")] if args.parts else []
    build: dict = {}
    rows: list[dict] = []
    try:
        kb_out = work / "kb-out"
        if not (kb_out / "index.html").exists():
            build["kb_search_s"] = build_kb(root, numbers, kb_out)
        hugo_out = work / "hugo-out"
        if not (hugo_out / "pagefind" / "pagefind.js").exists():
            shutil.rmtree(work / "hugo", ignore_errors=True)
            shutil.rmtree(work / "records", ignore_errors=True)
            _, build["pagefind_cli_s"] = build_hugo(Workspace(root).records_dir, numbers, work)
        if parts:
            build.update(index_in_turns(root, numbers, hugo_out, work, parts, args.runs))
            _report_index(build)  # before the browser: a failure there keeps these
        variants = [(f"kb, {p} bundle{'s' if p > 1 else ''}", work / f"bundles-{p}") for p in parts]
        rows = measure(kb_out, hugo_out, queries, variants)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    _report(rows, queries, len(numbers), build)
    return 0


def _report_index(build: dict) -> None:
    cli = build["cli_runs_s"]
    print(f"{'search index build':<28}{'median s':>10}{'ratio':>8}  run by run (loaded)")
    print(f"{'pagefind CLI over hugo':<28}{statistics.median(cli):>10.1f}")
    for p, runs in build["kb_runs_s"].items():
        pairs = [k / c for k, c in zip(runs, cli, strict=True)]
        build.setdefault("ratios", {})[p] = statistics.median(pairs)
        print(
            f"{'kb, ' + str(p) + ' bundle(s)':<28}{statistics.median(runs):>10.1f}"
            f"{statistics.median(runs) / statistics.median(cli):>8.2f}  "
            + " ".join(f"{r:.2f}" for r in pairs)
        )
    print(flush=True)


def _report(rows: list[dict], queries: list[str], articles: int, build: dict) -> None:
    by = {(r["query"], r["site"]): r for r in rows}
    kinds = list(dict.fromkeys(r["site"] for r in rows if r["site"] != "pagefind"))
    print(f"first query, kB fetched until the results show ({articles:,} articles, cold cache)")
    print(f"{'query':<28}{'pagefind':>10}" + "".join(f"{k:>16}" for k in kinds))
    summary: dict = {}
    for q in queries:
        pf = by[(q, "pagefind")]
        cells = []
        for k in kinds:
            ratio = by[(q, k)]["bytes"] / pf["bytes"]
            summary.setdefault(k, []).append(ratio)
            cells.append(f"{by[(q, k)]['bytes'] / 1e3:>9,.0f} {ratio:>5.2f}x")
        print(f"{q:<28}{pf['bytes'] / 1e3:>10,.0f}" + "".join(f"{c:>16}" for c in cells))
    for k in kinds:
        facets = statistics.median(by[(q, k)]["facet_bytes"] for q in queries)
        print(f"  {k}: then the facets' filter index, {facets / 1e3:,.0f} kB")
    print("what each fetched until the results show (requests/kB), by kind:")
    for q in queries:
        for site in ["pagefind", *kinds]:
            parts = ", ".join(
                f"{k} {n}/{b / 1e3:,.0f}" for k, (n, b) in sorted(by[(q, site)]["fetched"].items())
            )
            shown = by[(q, site)]["results_shown"]
            print(f"  {q:<26} {site:<14} {shown:>2} shown: {parts}")
    print(
        json.dumps(
            {
                "benchmark": "first_query",
                "articles": articles,
                "shown": SHOWN,
                "ratio_median": {k: statistics.median(v) for k, v in summary.items()},
                "ratio_max": {k: max(v) for k, v in summary.items()},
                **build,
                "rows": rows,
            }
        )
    )


if __name__ == "__main__":
    sys.exit(main())
