"""The site's search records and what the search box fetches for a query."""

from __future__ import annotations

import json
import shutil
import threading

import pytest
from test_browser import CHROMIUM, _browser_or_skip  # noqa: F401 - shared browser setup

from conftest import ROOT, run_kb


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
    root = tmp_path_factory.mktemp("search")
    shutil.copytree(ROOT / "articles", root / "articles")
    assert run_kb(["rebuild"], root).returncode == 0
    assert run_kb(["publish"], root).returncode == 0
    return root / "public"


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
