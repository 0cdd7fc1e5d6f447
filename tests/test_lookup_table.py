"""The lookup table answers event and error-code lookups exactly as Whoosh does.

Every event key and error code of the sample archive (and of a corpus sample when the
corpus is present) is looked up both ways; the JSON must be identical, scores to the
last bit, order, matched terms and totals included.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from indexer import build, lookup_table
from kb import lookup
from kb.archive import Workspace, add_files

ROOT = Path(__file__).resolve().parent.parent
KB = str(Path(sys.executable).parent / "kb")


def whoosh_json(ws: Workspace, command: str, query: str, limit: int = 20) -> str:
    """What `kb event/error QUERY --json` prints on the Whoosh path."""
    from indexer.query import Searcher, add_snippets

    with Searcher(ws.index_dir, load=ws.load_record, table=False) as searcher:
        result = getattr(searcher, command)(query, limit=limit)
    add_snippets(result, ws.load_record)
    out = {
        "query": query,
        "total": result.total,
        "suggestion": result.suggestion,
        "hits": [vars(h) for h in result.hits],
    }
    return json.dumps(out, ensure_ascii=False, indent=2) + "\n"


def fast_json(ws: Workspace, command: str, query: str, limit: int = 20) -> str | None:
    out = io.StringIO()
    argv = ["kb", command, "--root", str(ws.root), "--json", "--limit", str(limit), "--", query]
    with contextlib.redirect_stdout(out):
        code = lookup.run(argv)
    return None if code is None else out.getvalue()


def queries(ws: Workspace, sample: int | None = None, seed: int = 3) -> list[tuple[str, str]]:
    found: dict[tuple[str, str], None] = {}
    for record in ws.iter_records():
        for e in record.events:
            found[("event", str(e.event_id))] = None
            if e.source:
                found[("event", f"{e.source}:{e.event_id}")] = None
        for c in record.error_codes:
            found[("error", c.code)] = None
    items = list(found)
    if sample is not None and len(items) > sample:
        items = random.Random(seed).sample(items, sample)
    return items


def compare(ws: Workspace, items: list[tuple[str, str]], limit: int = 20) -> tuple[int, int]:
    """(answered by the fast path, fallen back); fails on the first difference."""
    fast = fallback = 0
    for command, query in items:
        got = fast_json(ws, command, query, limit)
        if got is None:
            fallback += 1
            continue
        fast += 1
        assert got == whoosh_json(ws, command, query, limit), (command, query)
    return fast, fallback


@pytest.fixture(scope="module")
def sample_ws(tmp_path_factory) -> Workspace:
    ws = Workspace(tmp_path_factory.mktemp("lookup") / "ws")
    add_files(ws, [str(ROOT / "articles")])
    return ws


def test_sample_archive_identical(sample_ws):
    items = queries(sample_ws)
    assert len(items) > 5
    fast, fallback = compare(sample_ws, items)
    assert fast >= len(items) - fallback and fast > len(items) // 2
    compare(sample_ws, items, limit=1)  # totals estimated the way Whoosh does


def test_seed_lookups_take_the_fast_path(sample_ws):
    for command, query in [("event", "9321"), ("error", "0x2AFC"), ("error", "11004")]:
        assert fast_json(sample_ws, command, query) == whoosh_json(sample_ws, command, query)


def test_table_follows_updates_and_removals(sample_ws, tmp_path):
    ws = Workspace(tmp_path / "ws")
    shutil.copytree(sample_ws.root, ws.root)
    table = lookup_table.open_table(ws.index_dir)
    assert table is not None
    table.close()
    # An update deletes the old document from its segment and adds a new one.
    record = ws.load_record(279415)
    build.update(ws.index_dir, [record])
    assert lookup_table.problems(ws.index_dir) == []
    compare(ws, queries(ws))
    build.remove(ws.index_dir, [279415])
    assert lookup_table.problems(ws.index_dir) == []
    assert fast_json(ws, "event", "MSExchangeMTA:9321") == whoosh_json(
        ws, "event", "MSExchangeMTA:9321"
    )


def test_stale_table_is_not_used(sample_ws, tmp_path):
    ws = Workspace(tmp_path / "ws")
    shutil.copytree(sample_ws.root, ws.root)
    manifest = ws.index_dir / lookup_table.MANIFEST
    saved = manifest.read_text()
    build.update(ws.index_dir, [ws.load_record(279415)])
    fresh = manifest.read_text()
    manifest.write_text(saved)  # as if kb died between the commit and the refresh
    assert lookup_table.open_table(ws.index_dir) is None
    assert fast_json(ws, "event", "9321") is None
    assert lookup_table.problems(ws.index_dir)
    manifest.unlink()
    assert lookup_table.open_table(ws.index_dir) is None
    lookup_table.refresh(ws.index_dir)
    assert manifest.read_text() == fresh
    assert lookup_table.problems(ws.index_dir) == []


def test_kb_check_finds_and_repairs_a_missing_table(sample_ws, tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(sample_ws.root, root)
    for path in (root / ".kb" / "index").glob("lk-*.kbl"):
        path.unlink()
    env = {**os.environ, "KB_ROOT": str(root)}
    check = subprocess.run([KB, "check"], capture_output=True, text=True, env=env)
    assert check.returncode == 1 and "lk-" in check.stdout
    repair = subprocess.run([KB, "check", "--repair"], capture_output=True, text=True, env=env)
    assert repair.returncode == 0, repair.stdout + repair.stderr
    assert lookup_table.problems(root / ".kb" / "index") == []


def test_cli_fast_path_matches_typer_path(sample_ws):
    """The real command, both ways: same stdout and exit status, table output too."""
    env = {**os.environ, "KB_ROOT": str(sample_ws.root)}
    for args in (
        ["event", "9321", "--json"],
        ["event", "MSExchangeMTA:9321"],
        ["event", "9321", "--source", "msexchangemta", "--json"],
        ["error", "0x2AFC", "--json"],
        ["error", "-2147467259", "--json"],
        ["error", "11004"],
        ["show", "279415", "--json"],
        ["show", "Q279415"],
        ["event", "65000", "--json"],  # no hits: exit 1
        ["show", "1"],  # not archived: the Typer path says so
        ["error", "zzz"],  # usage error
    ):
        fast = subprocess.run([KB, *args], capture_output=True, text=True, env=env)
        slow = subprocess.run(
            [sys.executable, "-m", "kb.cli", *args], capture_output=True, text=True, env=env
        )
        assert (fast.returncode, fast.stdout, fast.stderr) == (
            slow.returncode,
            slow.stdout,
            slow.stderr,
        ), args


def test_fast_path_imports_neither_whoosh_nor_typer_nor_rich(sample_ws):
    code = (
        "import sys; from kb import lookup; "
        f"sys.argv = ['kb', 'event', '9321', '--json', '--root', {str(sample_ws.root)!r}]; "
        "import io, contextlib\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert lookup.run(sys.argv) == 0\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('whoosh', 'typer', 'rich')]\n"
        "assert not bad, bad\n"
        # An event lookup does not need the article model (nor dataclasses, typing and
        # the code catalog it brings): its snippet comes from the stored record.
        "heavy = {'kb.model', 'kb.codes', 'dataclasses', 'typing'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
        # An error-code lookup needs the code catalog, still not the article model.
        "sys.argv[1:3] = ['error', '0x2AFC']\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert lookup.run(sys.argv) == 0\n"
        "heavy = {'kb.model', 'dataclasses', 'typing'} & set(sys.modules)\n"
        "assert 'kb.codes' in sys.modules and not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_searcher_answers_lookups_from_the_table_as_whoosh_does(sample_ws):
    from indexer.query import Searcher

    items = queries(sample_ws)
    with (
        Searcher(sample_ws.index_dir) as fast,
        Searcher(sample_ws.index_dir, table=False) as slow,
    ):
        assert fast._lookup_table() is not None
        for command, query in items:
            for limit in (20, 1):
                got = getattr(fast, command)(query, limit=limit)
                want = getattr(slow, command)(query, limit=limit)
                assert got.total == want.total, (command, query)
                assert [vars(h) for h in got.hits] == [vars(h) for h in want.hits], query


def test_parse_falls_back_on_what_it_does_not_know():
    assert lookup.parse(["kb", "event", "9321", "--help"]) is None
    assert lookup.parse(["kb", "search", "x"]) is None
    assert lookup.parse(["kb", "event"]) is None
    assert lookup.parse(["kb", "event", "1", "2"]) is None
    assert lookup.parse(["kb", "event", "1", "--limit", "0"]) is None
    opts = lookup.parse(["kb", "error", "-1018", "--json", "-n", "3", "--root=/x"])
    assert opts and opts["query"] == "-1018" and opts["limit"] == 3 and opts["root"] == "/x"


def test_corpus_sample_identical(real_corpus):
    # The whole corpus, ingested once per version of the code (shared with the
    # relevance tests; KB_LOOKUP_CORPUS_WS names another workspace to check).
    chosen = os.environ.get("KB_LOOKUP_CORPUS_WS")
    ws = Workspace(Path(chosen) if chosen else real_corpus.full_workspace())
    items = queries(ws, sample=400)
    fast, fallback = compare(ws, items)
    # Every answer the table gives is Whoosh's, and nearly every lookup is answered
    # by it (399 of these 400 on the corpus; a code hit that matched a name in the text
    # has the name as its snippet on both paths).
    assert fast >= 0.95 * len(items)
