"""The site in a real browser: Debian's chromium driven by Playwright over `kb serve`."""

from __future__ import annotations

import os
import re
import shutil
import threading
from pathlib import Path

import pytest

from conftest import KB, ROOT, rebuilt_sample, run_kb

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "tests" / "artifacts"


def _browser_or_skip():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason = "playwright is not installed"
    else:
        if Path(CHROMIUM).exists():
            return sync_playwright
        reason = f"no chromium at {CHROMIUM} (make test installs Debian's chromium as root)"
    if os.environ.get("KB_REQUIRE_BROWSER"):
        pytest.fail(reason + " (KB_REQUIRE_BROWSER is set: CI must run the browser tests)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = rebuilt_sample(tmp_path_factory.mktemp("browser"), publish=True)
    from kb.serve import make_server

    httpd = make_server(root / "public", "127.0.0.1", 0)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/"
    _ROOTS[url] = root / "public"
    yield url
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    sync_playwright = _browser_or_skip()
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def page(browser):
    return browser.new_page()


def test_search_follow_links_and_back(server, page):
    page.goto(server + "index.html")
    assert page.title() == "KB archive"
    page.fill("#q", "9321")
    page.press("#q", "Enter")
    result = page.locator("#search-results a", has_text="KB279415")
    result.first.wait_for(timeout=15000)
    result.first.click()
    page.wait_for_url("**/kb/KB279415/")
    assert "MSEXCHANGEMTA 9321" in page.inner_text("h1")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "KB279415.png"), full_page=True)

    page.click("#related + ul a:has-text('KB283238')")
    page.wait_for_url("**/kb/KB283238/index.html")
    assert "Post-SP4" in page.inner_text("h1")
    page.click("#cited-by + ul a:has-text('KB279415')")
    page.wait_for_url("**/kb/KB279415/index.html")

    page.click("table.events a:has-text('9321')")
    page.wait_for_url("**/events/msexchangemta/9321/index.html")
    assert page.locator("main a", has_text="KB279415").count() == 1


def test_search_by_error_code_and_from_a_sub_page(server, page):
    page.goto(server + "events/index.html")
    page.fill("#q", "0x2AFC")
    page.press("#q", "Enter")
    page.locator("#search-results a", has_text="KB279415").first.wait_for(timeout=15000)


def test_pages_read_without_javascript(server, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server + "kb/KB279415/index.html")
    assert "An RPC communications error occurred" in page.inner_text("main")
    assert page.locator("table.events tbody tr").count() == 3
    context.close()


def test_article_added_after_publish_is_found_by_the_search_box(tmp_path, browser):
    from kb.serve import make_server

    root = tmp_path / "ws"
    shutil.copytree(ROOT / "articles", root / "articles")
    (root / "articles" / "Q279537.TXT").unlink()
    assert run_kb(["rebuild"], root).returncode == 0
    assert run_kb(["publish"], root).returncode == 0
    assert run_kb(["add", str(ROOT / "articles" / "Q279537.TXT")], root).returncode == 0
    httpd = make_server(root / "public", "127.0.0.1", 0)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{httpd.server_address[1]}/index.html")
        page.fill("#q", "bindback")  # a word only the added article uses
        page.press("#q", "Enter")
        page.locator("#search-results a", has_text="KB279537").first.wait_for(timeout=15000)
        page.close()
    finally:
        httpd.shutdown()
        httpd.server_close()


# ------------------------------------------------------------ old KB addresses


@pytest.fixture(scope="module")
def kb_serve(server):
    """The same site served by the real `kb serve` command (404.html for missing paths)."""
    import socket
    import subprocess
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    folder = Path(server_root(server))
    proc = subprocess.Popen(
        [KB, "serve", "--dir", str(folder), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "index.html", timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


_ROOTS: dict[str, Path] = {}


def server_root(url: str) -> Path:
    return _ROOTS[url]


OLD_SHAPES = [
    "kb/279415",
    "kb/Q279415",
    "kb/279415/en-us",
    "en-us/kb/279415",
    "default.aspx/kb/279415",
    # The support site's last years, and the 1990s (Q279/4/15.asp is KB279415).
    "help/279415",
    "en-us/help/279415/xcon-mta-fails-and-logs-event-9321",
    "support/kb/articles/Q279/4/15.asp",
    "?kbid=279415",
    "default.aspx?scid=kb;en-us;279415",
    "default.aspx?scid=kb;EN-US;Q279415",
]


@pytest.mark.parametrize("shape", OLD_SHAPES)
def test_old_address_ends_on_the_article(kb_serve, browser, shape):
    page = browser.new_page()
    page.goto(kb_serve + shape)
    page.wait_for_url("**/kb/KB279415/index.html", timeout=10000)
    assert "MSEXCHANGEMTA 9321" in page.inner_text("h1")
    page.close()


@pytest.mark.parametrize(
    "shape",
    [
        "kb/999999",
        "kb/999999/en-us",
        "en-us/help/999999/a-title",
        "?kbid=999999",
        "default.aspx?scid=kb;EN-US;Q999999",
    ],
)
def test_old_address_of_an_article_not_archived(kb_serve, browser, shape):
    page = browser.new_page()
    page.goto(kb_serve + shape)
    page.wait_for_url("**/not-archived.html?kb=999999*", timeout=10000)
    assert page.inner_text("h1") == "KB999999 is not in this archive"
    # ... and it offers the search, run for the number.
    assert page.locator("form.search #q").input_value() == "999999"
    page.locator("#results-heading", has_text="for “999999”").wait_for(timeout=15000)
    page.close()


def test_old_path_addresses_work_without_javascript(kb_serve, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    for shape in ("kb/279415", "kb/Q279415/", "kb/279415/en-us"):
        page.goto(kb_serve + shape)
        page.wait_for_url("**/kb/KB279415/index.html", timeout=10000)
    context.close()


def test_kb_serve_answers_a_missing_path_with_404_html(kb_serve):
    import urllib.error
    import urllib.request

    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(kb_serve + "default.aspx?scid=kb;en-us;279415", timeout=5)
    assert missing.value.code == 404
    assert "<h1>Page not found</h1>" in missing.value.read().decode("utf-8")


# ------------------------------------------------------------ the search box


def test_results_as_you_type_with_count_and_facets(server, browser):
    page = browser.new_page()
    page.goto(server + "events/index.html")
    page.keyboard.press("/")  # focuses the box from anywhere on the page
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("exchange", delay=30)  # no Enter: results come as you type
    heading = page.locator("#results-heading")
    heading.wait_for(timeout=15000)
    total = int(re.match(r"(\d+) results? for “exchange”", heading.inner_text()).group(1))
    assert total > 3
    assert page.locator("#search-status").inner_text() == heading.inner_text()
    assert "q=exchange" in page.url  # the search is in the address (back, share)
    # Facets with counts: event source, product, tag.
    facets = page.locator(".facets fieldset")
    facets.first.wait_for(timeout=15000)  # the filter index comes after the first results
    assert {f.get_attribute("data-facet") for f in facets.all()} >= {"source", "product", "tag"}
    tag = page.locator(".facets [data-facet=tag] .facet-value").first
    count = int(re.search(r"\((\d+)\)", tag.inner_text()).group(1))
    assert 0 < count < total
    tag.locator("input").check()
    page.wait_for_function(
        f"document.querySelector('#results-heading').textContent.startsWith('{count} result')",
        timeout=15000,
    )
    assert page.locator("ol.results > li").count() == min(count, 20)
    page.close()


def test_excerpts_keep_words_apart(server, browser):
    page = browser.new_page()
    page.goto(server + "index.html?q=9321")
    page.locator("ol.results p.excerpt").first.wait_for(timeout=15000)
    excerpts = " ".join(page.locator("ol.results p.excerpt").all_inner_texts())
    assert "9321 Error Message" in excerpts and "9321. This problem" in excerpts
    assert not re.search(r"9321[A-Za-z]|9321\.[A-Z]", excerpts)
    assert page.locator("ol.results p.excerpt mark", has_text="9321").count() >= 2
    page.close()


# ------------------------------------------------------------ accessibility


A11Y_PAGES = {
    "home": "index.html",
    "article": "kb/KB279415/index.html",
    "event": "events/msexchangemta/9321/index.html",
    "error code": "errors/0x00002afc/index.html",
    "search results": "index.html?q=exchange",
    "not archived": "not-archived.html?kb=999999",
}


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("name", list(A11Y_PAGES))
def test_no_serious_accessibility_violations(server, browser, name, scheme):
    from axe_playwright_python.sync_playwright import Axe

    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    page.goto(server + A11Y_PAGES[name])
    if name == "search results":
        page.locator("ol.results > li").first.wait_for(timeout=15000)
        page.locator(".facets fieldset").first.wait_for(timeout=15000)
    results = Axe().run(page)
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], f"{name} ({scheme}): " + "; ".join(serious)
    context.close()


def test_colour_scheme_follows_the_readers_setting(server, browser):
    colours = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme)
        page = context.new_page()
        page.goto(server + "kb/KB279415/index.html")
        colours[scheme] = page.evaluate(
            "(s => [s.backgroundColor, s.color])(getComputedStyle(document.body))"
        )
        context.close()
    assert colours["light"][0] == "rgb(255, 255, 255)"
    assert colours["dark"][0] == "rgb(21, 23, 26)"
    assert colours["dark"][1] != colours["light"][1]
