"""Extraction scored against the 40 hand-labelled articles, in the original plain text
and in other markups (support site, its layout-table years, wiki, a wiki titled by its
path, 1990s HTML in Windows-1252, MHTML, a web clipper's Markdown, loose text).
The floors are the issue's; the scoring is benchmarks/extraction.py's."""

from __future__ import annotations

import pytest

from benchmarks import extraction, markups

VARIANTS = {"kb-text": None, **markups.RENDERERS}


@pytest.fixture(scope="module")
def golds(real_corpus):
    return extraction.load_gold()


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_extraction_meets_the_floors(golds, variant):
    figures, misses = extraction.score(extraction.records_for(golds, VARIANTS[variant]))
    assert figures["articles"] == 40
    shortfalls = {
        k: round(figures[k], 3) for k, floor in extraction.FLOORS.items() if figures[k] < floor
    }
    assert not shortfalls, f"{variant}: below floor {shortfalls}; misses: {misses}"


def test_variant_pages_really_are_other_markups(real_corpus):
    from kb.readers import read_bytes

    data = real_corpus.txt_path(279415).read_bytes()
    formats = {
        name: read_bytes(render(279415, data)).source.format
        for name, render in markups.RENDERERS.items()
    }
    assert formats == {
        "support-site": "archive-html",
        "wiki": "archive-html",
        "html-1990s": "archive-html",
        "mhtml": "mhtml",
        "support-site-tables": "archive-html",
        "wiki-path": "archive-html",
        "web-clip": "markdown",
        "loose-text": "loose-text",
    }
    tables = markups.support_site_tables(279415, data).lower()
    assert b"<h1" not in tables and b"<h2" not in tables  # no heading elements at all
    assert b"<title>microsoft kb archive/279415 - " in markups.wiki_path(279415, data).lower()
    assert b"<LI>" in markups.html_1990s(279415, data)
    assert b"</li>" not in markups.html_1990s(279415, data).lower().replace(b"</ul>", b"")
