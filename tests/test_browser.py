"""The site in a real browser: Debian's chromium driven by Playwright over `kb serve`."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

from conftest import ROOT, run_kb

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
    root = tmp_path_factory.mktemp("browser")
    shutil.copytree(ROOT / "articles", root / "articles")
    assert run_kb(["rebuild"], root).returncode == 0
    assert run_kb(["publish"], root).returncode == 0
    from kb.serve import make_server

    httpd = make_server(root / "public", "127.0.0.1", 0)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
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
