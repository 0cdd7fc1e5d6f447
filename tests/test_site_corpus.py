"""The site generator on real records: the parallel build writes exactly what the
one-process build writes, and the trimmed Markdown parser renders corpus sections
exactly as the full CommonMark parser does."""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

from markdown_it import MarkdownIt

from kb import publish
from kb.archive import Workspace
from kb.pages import Renderer
from kb.site_model import summary
from sitecheck import broken_links


def _tree(folder: Path) -> dict[str, str]:
    skip = {publish.STATE}
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name not in skip
    }


def test_parallel_build_equals_serial_build(real_corpus, tmp_path, monkeypatch):
    monkeypatch.setattr(publish, "SUMMARY_BATCH", 64)  # the saved state in 10 parts
    ws = Workspace(real_corpus.full_workspace())
    numbers = random.Random(3).sample(ws.record_numbers(), 600)
    kwargs = {"workspace_root": ws.root, "search": False}
    serial = publish.publish(ws.records_dir, numbers, tmp_path / "one", jobs=1, **kwargs)
    parallel = publish.publish(ws.records_dir, numbers, tmp_path / "two", jobs=2, **kwargs)
    assert serial.pages == parallel.pages > 600
    one, two = _tree(tmp_path / "one"), _tree(tmp_path / "two")
    assert one == two
    assert sum(p.startswith("kb/") and p.endswith(".txt") for p in one) == 600
    state = (tmp_path / "two" / publish.STATE).read_text("utf-8")
    assert state == (tmp_path / "one" / publish.STATE).read_text("utf-8")
    lines = state.rstrip("\n").split("\n")
    assert [json.loads(line)["number"] for line in lines] == sorted(numbers)
    assert publish.load_state(tmp_path / "two") == {
        n: (summary(ws.load_record(n)), line + "\n")
        for n, line in zip(sorted(numbers), lines, strict=True)
    }
    assert broken_links(tmp_path / "two") == []


def test_trimmed_markdown_parser_renders_like_commonmark(real_corpus):
    ws = Workspace(real_corpus.full_workspace())
    full = MarkdownIt("commonmark", {"html": False, "linkify": False})
    trimmed = Renderer().md
    checked = 0
    for number in random.Random(5).sample(ws.record_numbers(), 3000):
        for section in ws.load_record(number).sections:
            assert trimmed.render(section.markdown) == full.render(section.markdown), number
            checked += 1
    assert checked > 6000


def test_fast_markdown_renders_corpus_sections_like_commonmark(real_corpus):
    """kb.fast_markdown writes the plain shapes itself: the same bytes as the full
    parser for every section it takes, and it takes most of them (else it is no use)."""
    from kb import fast_markdown

    ws = Workspace(real_corpus.full_workspace())
    full = MarkdownIt("commonmark", {"html": False, "linkify": False})
    taken = total = 0
    for number in random.Random(7).sample(ws.record_numbers(), 3000):
        for section in ws.load_record(number).sections:
            total += 1
            html = fast_markdown.render(section.markdown)
            if html is not None:
                taken += 1
                assert html == full.render(section.markdown), number
    assert total > 6000 and taken / total > 0.8, (taken, total)
