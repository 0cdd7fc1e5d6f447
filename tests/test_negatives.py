"""Issue 9 part 4, no false accepts: real documents from public repositories that are not
KB articles (READMEs, docs pages, blog posts, forum threads, link lists, an index of KB
titles), many of them citing KB articles heavily, are refused one by one and by kb add.

This is the guard-rail for widening the readers (Markdown, loose text, any HTML): a
reader that starts taking these in fails here, file by file."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, run_kb
from kb.model import IngestError
from kb.readers import read_bytes

NEGATIVES = FIXTURES / "negatives"
DOCUMENTS = sorted(p for p in NEGATIVES.iterdir() if p.name != "SOURCES.md")


def test_the_set_is_real_and_large_enough():
    assert len(DOCUMENTS) >= 20
    suffixes = {p.suffix for p in DOCUMENTS}
    assert {".md", ".html", ".txt"} <= suffixes
    sources = (NEGATIVES / "SOURCES.md").read_text(encoding="utf-8")
    assert all(p.name in sources for p in DOCUMENTS), "provenance for every document"
    # The hard cases are there: documents that cite KB articles, many of them.
    from kb.links import find_references

    citing = [p for p in DOCUMENTS if find_references(p.read_text(encoding="utf-8"))]
    assert len(citing) >= 12


@pytest.mark.parametrize("path", DOCUMENTS, ids=[p.name for p in DOCUMENTS])
def test_each_document_is_refused_with_one_clear_reason(path: Path):
    with pytest.raises(IngestError) as caught:
        read_bytes(path.read_bytes(), str(path))
    reason = str(caught.value)
    assert reason and "\n" not in reason and len(reason) < 300
    assert "Traceback" not in reason and "could not be read" not in reason


def test_kb_add_of_the_folder_adds_none_and_exits_1(workspace: Path):
    result = run_kb(["add", "--jobs", "1", str(NEGATIVES)], workspace)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "added 0" in result.stdout and "updated" not in result.stdout
    every_file = len(list(NEGATIVES.iterdir()))  # SOURCES.md is no article either
    assert f"failed {every_file}" in result.stdout
    errors = [line for line in result.stderr.splitlines() if line.startswith("kb: ")]
    named = {Path(line[4:].split(": ", 1)[0]).name for line in errors}
    assert {p.name for p in DOCUMENTS} <= named
    assert not list(workspace.glob("articles/KB*"))
