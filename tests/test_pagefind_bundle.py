"""kb's writer of Pagefind bundles (kb.pagefind_bundle) beside Pagefind's own indexer
(``pagefind --service``) on the same real records: the files decode alike, and
Pagefind's own search code in chromium answers queries alike from both."""

from __future__ import annotations

import gzip
import json
import threading
from pathlib import Path

import pytest
from test_browser import CHROMIUM, _browser_or_skip  # noqa: F401 - shared browser setup

cbor2 = pytest.importorskip("cbor2", reason="cbor2 decodes the bundles (make test installs it)")


def _payload(path: Path):
    data = gzip.decompress(path.read_bytes())
    assert data.startswith(b"pagefind_dcd"), path
    return data[len(b"pagefind_dcd") :]


def decode(bundle: Path) -> dict:
    """A bundle's contents: pages (word count and fragment), words, filters."""
    (meta_file,) = bundle.glob("pagefind.*.pf_meta")
    version, pages, chunks, filters, _sorts, fields = cbor2.loads(_payload(meta_file))
    entry = json.loads((bundle / "pagefind-entry.json").read_text())
    assert entry["languages"]["en"]["hash"] == meta_file.name.split(".")[1]
    assert entry["languages"]["en"]["page_count"] == len(pages)
    words: dict[str, list] = {}
    bounds = []
    for first, last, name in chunks:
        chunk = cbor2.loads(_payload(bundle / "index" / f"{name}.pf_index"))[0]
        assert chunk, name
        assert first <= chunk[0][0] and chunk[-1][0][: len(last)] <= last
        bounds.append((chunk[0][0], chunk[-1][0]))
        for word, postings, variants in chunk:
            words[word] = [_absolute(postings), [[f, _absolute(p)] for f, p in variants]]
    assert bounds == sorted(bounds)
    assert all(a[1] < b[0] for a, b in zip(bounds, bounds[1:], strict=False))
    fragments = [
        json.loads(_payload(bundle / "fragment" / f"{name}.pf_fragment")) for name, _ in pages
    ]
    return {
        "version": version,
        "fields": fields,
        "word_counts": [count for _, count in pages],
        "fragments": fragments,
        "words": words,
        "filters": {
            name: {v: p for v, p in cbor2.loads(_payload(bundle / "filter" / f"{h}.pf_filter"))[1]}
            for name, h in filters
        },
    }


def _absolute(postings: list) -> list:
    """Page numbers from their gaps."""
    page, out = 0, []
    for gap, locs, meta in postings:
        page += gap
        out.append([page, locs, meta])
    return out


def _records(root: Path, numbers=None) -> list[dict]:
    from kb.archive import Workspace
    from kb.search_index import search_record

    ws = Workspace(root)
    chosen = numbers if numbers is not None else ws.record_numbers()
    return [search_record(ws.load_record(n)) for n in sorted(chosen)]


@pytest.fixture(scope="module")
def sample_bundles(sample_workspace, tmp_path_factory):
    from kb.pagefind_bundle import write_bundle
    from kb.search_index import pagefind_service_bundle

    records = _records(sample_workspace)
    out = tmp_path_factory.mktemp("bundles")
    pagefind_service_bundle(records, out / "theirs")
    write_bundle([records], out / "ours", jobs=1)
    return records, out


def test_the_bundle_decodes_like_pagefinds_own(sample_bundles):
    records, out = sample_bundles
    ours, theirs = decode(out / "ours"), decode(out / "theirs")
    assert ours["version"] == theirs["version"] and ours["fields"] == theirs["fields"]
    assert ours["word_counts"] == theirs["word_counts"]
    assert len(ours["word_counts"]) == len(records)
    assert ours["fragments"] == theirs["fragments"]
    assert ours["filters"] == theirs["filters"]
    # The words: Pagefind splits compound words by rules of its own (kb: at punctuation
    # and camelCase, as it does for most); nearly every word is in both, with the same
    # pages, positions, weights and title positions.
    both = ours["words"].keys() & theirs["words"].keys()
    union = ours["words"].keys() | theirs["words"].keys()
    same = [w for w in both if ours["words"][w] == theirs["words"][w]]
    assert len(both) >= 0.97 * len(union), sorted(union - both)[:20]
    assert len(same) >= 0.97 * len(both)
    for word in ("9321", "0x2afc", "msexchangemta", "mta", "exchang", "rpc"):
        assert ours["words"][word] == theirs["words"][word], word


def test_batches_and_processes_write_the_same_bundle(sample_bundles, tmp_path):
    """Postings joined across map batches (the page gaps re-based) and chunks cut by
    first letter on two processes: the same words, pages and places as one batch."""
    from kb.pagefind_bundle import write_bundle

    records, out = sample_bundles
    write_bundle([records], tmp_path / "split", jobs=2, batch=3)
    split, whole = decode(tmp_path / "split"), decode(out / "ours")
    assert split["words"] == whole["words"]
    assert split["fragments"] == whole["fragments"] and split["filters"] == whole["filters"]


QUERIES = [
    "exchange",
    "9321",
    "smtp",
    "message transfer agent",
    "restart",
    "MSExchangeMTA",
    "outlook",
    "rpc error",
    "windows nt",
    "fails to start",
    "0x80004005",
    "access denied",
    "printer",
    "SQL Server",
    "visual basic",
    "internet explorer",
    "setup",
    "network",
    "dhcp",
    "excel macro",
]

ANSWERS = """async ([bundle, queries]) => {
  const pagefind = await import(bundle + "pagefind.js");
  await pagefind.init();
  const out = {};
  for (const query of queries) {
    const search = await pagefind.search(query);
    const top = await Promise.all(search.results.slice(0, 5).map((r) => r.data()));
    out[query] = { count: search.results.length, top: top.map((d) => d.url) };
  }
  return out;
}"""


def test_pagefinds_search_answers_alike_from_both_bundles(real_corpus, tmp_path):
    """1,500 corpus articles indexed both ways; Pagefind's own JS and WebAssembly
    answer each query in chromium from each bundle: the same count and top five for
    nearly every query. (A term found nowhere is left out: Pagefind then matches the
    longest word of the loaded chunk that starts it, and chunks are cut differently.)"""
    from kb.archive import Workspace
    from kb.pagefind_bundle import write_bundle
    from kb.search_index import pagefind_service_bundle
    from kb.serve import make_server

    sync_playwright = _browser_or_skip()
    root = real_corpus.full_workspace()
    numbers = sorted(Workspace(root).record_numbers())[::37][:1500]
    records = _records(root, numbers)
    pagefind_service_bundle(records, tmp_path / "theirs")
    write_bundle([records], tmp_path / "ours", jobs=2)
    (tmp_path / "index.html").write_text("<!DOCTYPE html><title>t</title>")
    httpd = make_server(tmp_path, "127.0.0.1", 0)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            answers = {}
            for name in ("ours", "theirs"):
                page = browser.new_page()
                page.goto(url + "index.html")
                answers[name] = page.evaluate(ANSWERS, [f"{url}{name}/", QUERIES])
                page.close()
            browser.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
    ours, theirs = answers["ours"], answers["theirs"]
    for query in QUERIES:
        assert ours[query]["count"] > 0, query
        # Counts within 10% (compound words split a little differently: "fails to
        # start" 67 and 73 here), the same best result or most of the same top five.
        assert abs(ours[query]["count"] - theirs[query]["count"]) <= max(
            2, 0.1 * theirs[query]["count"]
        ), (query, ours[query], theirs[query])
        common = set(ours[query]["top"]) & set(theirs[query]["top"])
        assert ours[query]["top"][0] == theirs[query]["top"][0] or len(common) >= 3, (
            query,
            ours[query],
            theirs[query],
        )
    identical = sum(ours[q] == theirs[q] for q in QUERIES)
    assert identical >= 0.8 * len(QUERIES), (identical, ours, theirs)  # 19 of 20 here


def test_a_pagefind_of_another_format_is_refused(tmp_path, monkeypatch):
    """The WebAssembly reads the format of its own version: kb writes 1.5's and says so
    rather than publish a search box that cannot read its index."""
    from importlib.metadata import version

    from kb.pagefind_bundle import write_bundle

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assets = tmp_path / "kbarchive" / f"pagefind-{version('pagefind')}"
    assets.mkdir(parents=True)
    (assets / "pagefind-entry.json").write_text('{"version": "1.4.0"}')
    with pytest.raises(RuntimeError, match=r"version 1\.4\.0.*1\.5\.x"):
        write_bundle([[{"url": "/a/", "content": "hello"}]], tmp_path / "bundle")


def test_fragment_names_are_short_and_never_shared_by_different_pages(tmp_path):
    """Names are the first 6 digits of the fragment's hash, longer where another page
    took them; the same page twice shares one file."""
    import hashlib

    from kb.pagefind_bundle import _write_fragment

    folder = tmp_path / "fragment"
    folder.mkdir()
    data = [f"page {i}".encode() for i in range(3000)]
    # Two different pages whose hashes start alike: found among random ones.
    by_start: dict[str, bytes] = {}
    for i in range(200_000):
        page = f"other {i}".encode()
        start = hashlib.sha1(page).hexdigest()[:6]
        if start in by_start:
            data += [by_start[start], page]
            break
        by_start[start] = page
    names = [_write_fragment(folder, d) for d in data]
    assert len(set(names)) == len(names) and min(map(len, names)) == 6
    assert len(names[-1]) == 7 and names[-1].startswith(names[-2])
    assert _write_fragment(folder, data[0]) == names[0]
    for name, page in zip(names, data, strict=True):
        assert _payload(folder / f"{name}.pf_fragment") == page
