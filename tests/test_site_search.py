"""The site's search records and what the search box fetches for a query."""

from __future__ import annotations

import json
import threading
from urllib.parse import quote

import pytest
from test_browser import CHROMIUM, _browser_or_skip  # noqa: F401 - shared browser setup

from conftest import rebuilt_sample


def test_search_record_finds_events_and_codes_by_text_and_keeps_only_facet_filters(
    sample_workspace,
):
    from kb.archive import Workspace
    from kb.search_index import search_record

    record = search_record(Workspace(sample_workspace).load_record(279415))
    words = record["content"].split()
    for word in ("9321", "MSEXCHANGEMTA", "11004", "0x2AFC", "0x00002AFC"):
        assert word in words
    # Only the filters the search box shows as facets: the browser loads every filter
    # of a bundle to count them.
    assert set(record["filters"]) <= {"source", "product", "tag"}
    assert record["filters"]["source"] == ["MSEXCHANGEMTA"]
    assert record["filters"]["tag"] == ["XCON"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return rebuilt_sample(tmp_path_factory.mktemp("search"), publish=True) / "public"


def test_a_single_bundle_site_lists_no_extra_bundles(site):
    # The search box asks for the list on every site: an empty one, not the 404 page.
    assert json.loads((site / "static" / "bundles.json").read_text()) == []
    assert not (site / "pagefind-added").exists()


def test_first_query_fetches_the_shown_results_only_and_facets_after(site):
    from kb.serve import make_server

    sync_playwright = _browser_or_skip()
    httpd = make_server(site, "127.0.0.1", 0)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{httpd.server_address[1]}/index.html")
            requested: list[str] = []
            page.on("request", lambda r: requested.append(r.url))
            page.fill("#q", "exchange")
            page.press("#q", "Enter")
            page.locator(".facets fieldset").first.wait_for(timeout=15000)
            page.wait_for_load_state("networkidle")
            shown = page.locator("ol.results > li").count()
            assert 0 < shown <= 20
            # One fragment per shown result (not a reserve of 40), and the facets'
            # filter index once, for the facets shown.
            assert sum(u.endswith(".pf_fragment") for u in requested) == shown
            filters = [u for u in requested if u.endswith(".pf_filter")]
            assert filters and len(filters) == len(set(filters))
            browser.close()
    finally:
        httpd.shutdown()
        httpd.server_close()


# ------------------------------------------------ a site split into many bundles

# Queries drawn from the sample's titles, events and codes, whole words and prefixes.
# In a bundle without a word that starts with a query term, Pagefind falls back to the
# longest word that starts the term ("0" for "0x2afc"): merged as they were, 8 bundles
# gave KB279415 plus 3 stray articles for 0x2AFC, 15 results for KB279415.
SPLIT_QUERIES = [
    "0x2AFC",
    "9321",
    "MTA",
    "RPC communications error",
    "outlook",
    "listen over RPC",
    "KB279415",
    "stop 0x0000001E",
    "errors",  # stemmed: matches "error" (not a fallback)
    "outl",  # a word being typed: matches "outlook"
    "2051",
    "event 2143",
    "0xc0000005",
    "bindback",
    "public folder permissions",
    "chinese outlook",
    "message transfer agent",
    "restar",
    "exchangx",  # found nowhere: the fallback of one bundle is kept
]


@pytest.fixture(scope="module")
def split_site(site):
    """The same site with its search records split 2 per bundle (8 bundles)."""
    from kb import publish, search_index
    from kb.archive import Workspace

    workspace = Workspace(site.parent)
    out = site.parent / "public-split"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(search_index, "BUNDLE_PAGES", 2)
        publish.publish(
            workspace.records_dir,
            workspace.record_numbers(),
            out,
            workspace_root=workspace.root,
            jobs=1,
        )
    assert len(json.loads((out / "static" / "bundles.json").read_text())) == 7
    return out


def _served(folder):
    from kb.serve import make_server

    httpd = make_server(folder, "127.0.0.1", 0)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}/"


def _answer(page, url, query):
    """What the search box shows for a query: heading, articles (as a set: scores
    differ between bundles), and the facets with their counts."""
    page.goto(f"{url}index.html?q={quote(query)}")
    page.locator("#results-heading").wait_for(timeout=15000)
    if page.locator("ol.results > li").count():
        page.locator(".facets fieldset").first.wait_for(timeout=15000)
    page.wait_for_load_state("networkidle")
    links = page.locator("ol.results > li > a").all_inner_texts()
    facets = page.locator(".facets .facet-value").all_inner_texts()
    return page.inner_text("#results-heading"), sorted(links), sorted(facets)


def test_a_site_split_into_bundles_finds_what_one_bundle_finds(site, split_site):
    sync_playwright = _browser_or_skip()
    one, one_url = _served(site)
    many, many_url = _served(split_site)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            page = browser.new_page()
            for query in SPLIT_QUERIES:
                expected = _answer(page, one_url, query)
                assert _answer(page, many_url, query) == expected, query
            assert _answer(page, many_url, "0x2AFC")[1] == [
                "KB279415: XCON: MSEXCHANGEMTA 9321 Error Message Occurs When You Try "
                "to Start the Message Transfer Agent"
            ]
            # A facet chosen: the stray articles must not come back.
            page.goto(f"{many_url}index.html?q=0x2AFC")
            page.locator(".facets fieldset").first.wait_for(timeout=15000)
            page.locator(".facets [data-facet=tag] input[value=XCON]").check()
            # The results are drawn anew, the box checked in the new panel.
            page.locator(".facets [data-facet=tag] input[value=XCON]:checked").wait_for(
                timeout=15000
            )
            page.wait_for_load_state("networkidle")
            assert page.inner_text("#results-heading") == "1 result for “0x2AFC”"
            # As you type: each prefix on the way is searched, the last answer stays.
            page.goto(f"{many_url}index.html")
            page.keyboard.press("/")
            page.keyboard.type("0x2AFC", delay=40)
            page.locator("#results-heading", has_text="for “0x2AFC”").wait_for(timeout=15000)
            page.wait_for_load_state("networkidle")
            assert page.inner_text("#results-heading") == "1 result for “0x2AFC”"
            assert page.locator("ol.results > li").all_inner_texts()[0].startswith("KB279415")
            browser.close()
    finally:
        for httpd in (one, many):
            httpd.shutdown()
            httpd.server_close()
