"""The published site: pages, cross-links both ways, indexes, safety, no broken links."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import FIXTURES, ROOT, rebuilt_sample, run_kb
from sitecheck import broken_links


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("site")
    shutil.copytree(ROOT / "articles", root / "articles")
    shutil.copy(FIXTURES / "hostile" / "KB999001.html", root / "articles" / "KB999001.html")
    assert run_kb(["rebuild"], root).returncode == 0
    result = run_kb(["publish"], root)
    assert result.returncode == 0, result.stderr
    return root / "public"


def soup(site: Path, path: str) -> BeautifulSoup:
    return BeautifulSoup((site / path).read_text(encoding="utf-8"), "html.parser")


def test_article_page(site):
    page = soup(site, "kb/KB279415/index.html")
    assert page.html["lang"] == "en"
    assert len(page.find_all("h1")) == 1
    assert page.h1.get_text() == (
        "XCON: MSEXCHANGEMTA 9321 Error Message Occurs When You Try "
        "to Start the Message Transfer Agent"
    )
    headings = [h.get_text() for h in page.find_all("h2")]
    assert headings[:3] == ["Symptoms", "Event log", "Error codes"]
    assert headings.index("Resolution") < headings.index("More information")
    assert {"Related articles", "Cited by", "Provenance"} <= set(headings)
    rows = page.select("table.events tbody tr")
    assert [r.find_all("td")[1].get_text() for r in rows] == ["9321", "9266", "9406"]
    assert rows[0].a["href"] == "../../events/msexchangemta/9321/index.html"
    steps = page.select("section.section-resolution > ol > li")
    assert len(steps) == 10 and len(steps[7].select("ul > li")) == 3
    related = {a.get_text(): a["href"] for a in page.find(id="related").parent.find_all("a")}
    assert related == {
        "KB283238": "../../kb/KB283238/index.html",
        "KB285350": "../../kb/KB285350/index.html",
    }
    cited_by = [a.get_text() for a in page.find(id="cited-by").parent.find_all("a")]
    assert "KB279537" in cited_by
    provenance = page.find(id="provenance").parent
    assert provenance.a["href"] == "../../kb/KB279415/KB279415.html.txt"
    assert (site / "kb/KB279415/KB279415.html.txt").read_bytes() == (
        ROOT / "articles/KB279415.html"
    ).read_bytes()


def test_cited_by_links_back(site):
    page = soup(site, "kb/KB283238/index.html")
    cited_by = [a.get_text() for a in page.find(id="cited-by").parent.find_all("a")]
    assert "KB279415" in cited_by


def test_missing_cited_article_gets_its_own_page(site):
    page = soup(site, "kb/KB285350/index.html")
    assert "not in this archive" in page.get_text()
    assert (
        "XCON: MTA Does Not Completely Start After You Receive Windows NT Error 11004"
        in page.h1.get_text()
    )
    links = {a.get_text(): a["href"] for a in page.main.find_all("a")}
    assert links == {"285350": "../../index.html?q=285350", "KB279415": links["KB279415"]}


def test_event_error_product_tag_pages(site):
    event = soup(site, "events/msexchangemta/9321/index.html")
    assert "KB279415" in [a.get_text() for a in event.main.find_all("a")]
    events = soup(site, "events/index.html")
    assert any(
        "MSEXCHANGEMTA" in h.get_text() or "MSExchangeMTA" in h.get_text()
        for h in events.find_all("h2")
    )
    code = soup(site, "errors/0x00002afc/index.html")
    text = code.get_text()
    assert "0x2AFC" in text and "11004" in text and "0x80072AFC" in text
    assert "WSANO_DATA" in text
    assert "KB279415" in text
    assert "KB279415" in soup(site, "tags/xcon/index.html").get_text()
    product = soup(site, "products/microsoft-exchange-server-5-5-standard-edition/index.html")
    assert "KB279415" in product.get_text()
    home = soup(site, "index.html")
    assert home.find("input", id="q") is not None and "articles" in home.get_text()


def test_no_broken_internal_links_or_missing_assets(site):
    assert broken_links(site) == []
    assert (site / "pagefind" / "pagefind.js").is_file()
    assert (site / "static" / "style.css").is_file()


def test_every_page_has_one_h1_and_lang(site):
    for page in site.rglob("*.html"):
        if "pagefind" in page.parts:
            continue
        doc = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        assert doc.html.get("lang") == "en", page
        assert len(doc.find_all("h1")) == 1, page


def test_hostile_page_cannot_execute_anything(site):
    html = (site / "kb/KB999001/index.html").read_text(encoding="utf-8")
    doc = BeautifulSoup(html, "html.parser")
    scripts = doc.find_all("script")
    assert [s.get("src") for s in scripts] == ["../../static/search.js"]
    assert not doc.find_all(["iframe", "object", "embed", "svg", "style"])
    assert [f.get("class") for f in doc.find_all("form")] == [["search"]]
    for tag in doc.find_all(True):
        assert not [a for a in tag.attrs if a.lower().startswith("on")], tag
        for attr in ("href", "src", "action"):
            assert not str(tag.get(attr, "")).lower().startswith("javascript:"), tag
    assert "PWNED" in doc.get_text()  # the text is kept, escaped, as text
    assert "<script>window.PWNED_TEXT" not in html
    assert re.search(r"&lt;script&gt;window\.PWNED_TEXT", html)
    # The original capture is published only as text.
    assert (site / "kb/KB999001/KB999001.html.txt").exists()
    assert not list((site / "sources").rglob("*.html"))


def test_capture_history_and_diff_on_the_article_page(site):
    page = soup(site, "kb/KB279415/index.html")
    history = page.find(id="captures").parent
    text = history.get_text(" ", strip=True)
    assert "articles/KB279415.html" in text and "articles/Q279415.TXT" in text
    assert "related added: KB283238, KB285350" in text
    assert history.select(".diff ins") and history.select(".diff del")
    assert "ensure" in [d.get_text() for d in history.select(".diff del")]


def test_out_and_base_url_options(tmp_path):
    root = rebuilt_sample(tmp_path / "ws")
    out = tmp_path / "www" / "kb"
    result = run_kb(["publish", "--out", str(out), "--base-url", "/kb/", "--no-search"], root)
    assert result.returncode == 0, result.stderr
    page = soup(out, "kb/KB279415/index.html")
    assert page.find("link", rel="canonical")["href"] == "/kb/kb/KB279415/"
    assert not (root / "public").exists() and not (out / "pagefind").exists()
    assert broken_links(out, base_path="/kb/") == []
    # 404.html is served at any depth: its links start at the site's path.
    assert soup(out, "404.html").find("a", string="home page")["href"] == "/kb/index.html"
    assert soup(out, "kb/279415/index.html").find("link", rel="canonical")["href"] == (
        "/kb/kb/KB279415/"
    )


def test_old_addresses_are_redirect_pages_that_work_without_javascript(site):
    articles = [p.parent.name for p in site.glob("kb/KB*/index.html")]
    for old, up in (
        ("kb/279415", "../../"),
        ("kb/Q279415", "../../"),
        ("kb/279415/en-us", "../../../"),
    ):
        page = soup(site, old + "/index.html")
        target = up + "kb/KB279415/index.html"
        assert page.find("meta", attrs={"http-equiv": "refresh"})["content"] == f"0; url={target}"
        assert page.find("link", rel="canonical")["href"] == target
        assert page.main.a["href"] == target and page.find("script") is None
    # one set per archived article, none for the cited ones that are not archived
    archived = {
        n
        for n in articles
        if "not in this archive" not in soup(site, f"kb/{n}/index.html").get_text()
    }
    assert {f"KB{p.name}" for p in site.glob("kb/[0-9]*") if p.is_dir()} == archived
    assert not (site / "kb/285350").exists()  # cited, not archived: 404.html resolves it


def test_404_and_not_archived_pages(site):
    missing = soup(site, "404.html")
    assert missing.h1.get_text() == "Page not found"
    assert missing.find("link", rel="stylesheet")["href"] == "/static/style.css"  # any depth
    script = missing.find("script", src=None).get_text()
    assert "kbid" in script and "scid" in script and "location.replace" in script
    home = soup(site, "index.html").find("script", src=None).get_text()
    assert home == script  # the home page resolves the query shapes the same way
    page = soup(site, "not-archived.html")
    assert "not in this archive" in page.h1.get_text()


def test_search_records_go_from_the_page_workers_files_into_one_bundle(tmp_path):
    """Publish hands the search index the records the page workers wrote to files (none
    left in the site); the whole site is one bundle, and the search box's list of extra
    bundles is empty."""
    import json

    from kb import publish
    from kb.archive import Workspace

    root = rebuilt_sample(tmp_path)
    ws = Workspace(root)
    numbers = ws.record_numbers()
    out = tmp_path / "public"
    report = publish.publish(ws.records_dir, numbers, out, workspace_root=root, jobs=2)
    assert report.search_bytes > 0
    assert not any(".search" in part for p in out.rglob("*") for part in p.parts)
    assert json.loads((out / "static" / "bundles.json").read_text()) == []
    entry = json.loads((out / "pagefind" / "pagefind-entry.json").read_text())
    assert entry["languages"]["en"]["page_count"] == len(numbers)
    assert len(list((out / "pagefind" / "fragment").iterdir())) == len(numbers)


def test_bundle_pages_splits_the_site_into_bundles_the_search_box_merges(tmp_path, monkeypatch):
    import json

    from kb import publish, search_index
    from kb.archive import Workspace

    root = rebuilt_sample(tmp_path)
    ws = Workspace(root)
    numbers = ws.record_numbers()
    monkeypatch.setattr(search_index, "BUNDLE_PAGES", 2)
    out = tmp_path / "public"
    publish.publish(ws.records_dir, numbers, out, workspace_root=root, jobs=1)
    extra = json.loads((out / "static" / "bundles.json").read_text())
    assert len(extra) == -(-len(numbers) // 2) - 1
    indexed = []
    for bundle in ["pagefind/", *extra]:
        entry = json.loads((out / bundle / "pagefind-entry.json").read_text())
        indexed.append(sum(lang["page_count"] for lang in entry["languages"].values()))
    assert sum(indexed) == len(numbers) and max(indexed) <= 2
