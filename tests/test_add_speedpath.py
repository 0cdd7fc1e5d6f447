"""kb add's faster indexing writes the same index as Whoosh's own writer.

indexer.build.KbSegmentWriter analyses the stemmed text fields in one pass and reads a
posting's field length from a list; KbMpWriter's processes write their segment's
lookup table themselves; updates ask Whoosh's searcher for an old document only when
the index has its id. Each must leave the index exactly as Whoosh's path would.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from whoosh import analysis, index
from whoosh.writing import SegmentWriter

from indexer import build, lookup_table
from indexer.schema import StemmingTokenizer, make_schema
from kb.archive import Workspace, add_files

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "articles"


def _sample_docs(tmp_path: Path) -> list[dict]:
    ws = Workspace(tmp_path / "sample-ws")
    report = add_files(ws, [str(SAMPLE)], jobs=1)
    assert not report.failed
    docs = [build.document(a) for a in ws.iter_records()]
    assert len(docs) >= 15
    return docs


def _edge_docs() -> list[dict]:
    """Empty fields, stop words only, boosts and a stored-value override, non-ASCII."""
    return [
        {"id": "KB1", "number": 1, "title": "", "body": "", "symptoms": ""},
        {"id": "KB2", "number": 2, "title": "the and of", "body": "a an the is it"},
        {
            "id": "KB3",
            "number": 3,
            "title": "Error 0x80004005 in MSExchangeIS",
            "body": "Bindings binding BINDING x y exc55 foo-bar.baz " * 30,
            "_boost": 2.0,
            "_body_boost": 3.0,
            "_stored_title": "stored instead",
        },
        {
            "id": "KB4",
            "number": 4,
            "body": "\u00fcber caf\u00e9 na\u00efve \u4e2d\u6587 stra\u00dfe",
        },
    ]


def _segment_files(index_dir: Path) -> dict[str, str]:
    """Each segment file's digest, named without the (random) segment id."""
    out = {}
    for path in sorted(index_dir.iterdir()):
        if path.suffix in (".pst", ".trm", ".col"):
            out[path.name.split(".", 1)[1]] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def _write(tmp: Path, cls, docs: list[dict], pool_limit: int | None = None) -> dict[str, str]:
    tmp.mkdir()
    ix = index.create_in(tmp, make_schema(), indexname=build.INDEX_NAME)
    writer = cls(ix, limitmb=64, compound=False)
    if pool_limit is not None:
        writer.pool.limit = pool_limit  # spill sorted runs to disk every few postings
    for doc in docs:
        writer.add_document(**doc)
    writer.commit()
    return _segment_files(tmp)


@pytest.mark.parametrize("pool_limit", [None, 20_000])
def test_kb_writer_writes_whooshs_bytes(tmp_path: Path, pool_limit):
    docs = _sample_docs(tmp_path) + _edge_docs()
    stock = _write(tmp_path / "stock", SegmentWriter, docs, pool_limit)
    ours = _write(tmp_path / "ours", build.KbSegmentWriter, docs, pool_limit)
    assert len(stock) >= 10
    assert ours == stock


def test_kb_writer_writes_whooshs_bytes_on_the_corpus(tmp_path: Path, real_corpus):
    # Terms in more than one posting block (128 documents) and the corpus's variety.
    from kb.readers import read_file

    files = sorted(real_corpus.txt_dir().rglob("*.TXT"))[::140][:400]
    docs = [build.document(read_file(path)) for path in files]
    stock = _write(tmp_path / "stock", SegmentWriter, docs)
    ours = _write(tmp_path / "ours", build.KbSegmentWriter, docs)
    assert ours == stock


def test_positions_match_the_token_stream():
    tokenizer = StemmingTokenizer()
    texts = [
        "",
        "the a of",
        "Bindings binding BINDING: the server's bindings were reset.",
        "0x80004005 MSExchangeIS exc55 foo-bar.baz a-b-c 1.2.3 x",
        "\u00fcber caf\u00e9 \u4e2d\u6587 " * 3,
    ]
    for text in texts:
        expected: dict[str, list[int]] = {}
        stream = analysis.CompositeAnalyzer(tokenizer)(text, positions=True, mode="index")
        for token in stream:
            expected.setdefault(token.text, []).append(token.pos)
        assert tokenizer.positions(text) == expected
        assert list(tokenizer.positions(text)) == list(expected)


def canonical(index_dir: Path) -> list:
    """Everything a query can see, independent of how documents fall into segments:
    stored fields, each term's statistics and postings (by article id), field lengths."""
    ix = index.open_dir(index_dir, indexname=build.INDEX_NAME)
    out: list = []
    with ix.reader() as reader:
        ids = {}
        docs = []
        for docnum, stored in reader.iter_docs():
            ids[docnum] = stored["id"]
            docs.append((stored["id"], sorted(stored.items())))
        out.extend(sorted(docs))
        out.append(("counts", reader.doc_count(), reader.doc_count_all()))
        for field in reader.schema.names():
            out.append(("length", field, reader.field_length(field)))
        for field, text in reader.all_terms():
            postings = []
            matcher = reader.postings(field, text)
            while matcher.is_active():
                docnum = matcher.id()
                length = reader.doc_field_length(docnum, field)
                postings.append((ids[docnum], matcher.weight(), matcher.value(), length))
                matcher.next()
            out.append(
                (
                    field,
                    text,
                    reader.doc_frequency(field, text),
                    reader.frequency(field, text),
                    sorted(postings),
                )
            )
    return out


def _stock_index(target: Path, ws: Workspace) -> Path:
    """The workspace's records indexed by Whoosh's plain writer, one process."""
    target.mkdir()
    ix = index.create_in(target, make_schema(), indexname=build.INDEX_NAME)
    writer = ix.writer(compound=False)
    for article in ws.iter_records():
        writer.add_document(**build.document(article))
    writer.commit()
    return target


def test_multiprocess_add_matches_plain_whoosh(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(build, "MP_MIN_DOCS", 2)  # the multi-process path for a few files
    monkeypatch.setattr(build, "MP_BATCH", 2)  # ... with work for both processes
    # Split by article, so that the second batch only adds (a replaced document stays
    # in its segment as deleted until a merge, which depends on how segments fell);
    # an article with two captures has both in one batch.
    articles = sorted({_number(p) for p in SAMPLE.iterdir() if p.is_file()})
    first_half = set(articles[: len(articles) // 2])
    files = sorted(SAMPLE.iterdir())
    first = [str(p) for p in files if _number(p) in first_half]
    second = [str(p) for p in files if _number(p) not in first_half]
    ws = Workspace(tmp_path / "ws")

    add_files(ws, first, jobs=2)  # into an empty archive: a new index
    segments = _segment_ids(ws.index_dir)
    assert len(segments) == 2
    assert canonical(ws.index_dir) == canonical(_stock_index(tmp_path / "stock1", ws))

    add_files(ws, second, jobs=2)  # into an existing index
    assert canonical(ws.index_dir) == canonical(_stock_index(tmp_path / "stock2", ws))

    # The writer processes wrote their segments' lookup tables; the table is current.
    for segment_id in _segment_ids(ws.index_dir):
        assert lookup_table.sidecar_path(ws.index_dir, segment_id).exists()
    assert lookup_table.problems(ws.index_dir) == []
    assert not list(ws.index_dir.glob(".lk-*.tmp"))


def _segment_ids(index_dir: Path) -> list[str]:
    ix = index.open_dir(index_dir, indexname=build.INDEX_NAME)
    return [s.segment_id() for s in ix._segments()]


def test_replacing_skips_the_search_only_when_nothing_is_there(tmp_path: Path):
    docs = _sample_docs(tmp_path)
    half = len(docs) // 2
    changed = [dict(d, title=d["title"] + " revised") for d in docs[half - 3 : half + 3]]
    results = []
    for name, replace in (("stock", None), ("ours", build._replace)):
        target = tmp_path / name
        target.mkdir()
        ix = index.create_in(target, make_schema(), indexname=build.INDEX_NAME)
        writer = build.KbSegmentWriter(ix, compound=False)
        for doc in docs[:half]:
            writer.add_document(**doc)
        writer.commit()
        writer = build.KbSegmentWriter(ix, compound=False)
        if replace is None:
            for doc in changed:
                writer.update_document(**doc)
        else:
            replace(writer, iter(changed))
        writer.commit(merge=False)
        ix = index.open_dir(target, indexname=build.INDEX_NAME)
        with ix.reader() as reader:
            assert reader.doc_count() == half + 3
            assert reader.doc_count_all() == half + 6  # three replaced, kept as deleted
        results.append(canonical(target))
    assert results[0] == results[1]


def test_cancelled_multiprocess_writer_stops_its_processes(tmp_path: Path):
    ix = index.create_in(tmp_path, make_schema(), indexname=build.INDEX_NAME)
    writer = build.KbMpWriter(ix, procs=2, limitmb=32, compound=False, batchsize=1)
    for doc in _edge_docs():
        writer.add_document(**doc)
    tasks = list(writer.tasks)
    assert tasks
    writer.cancel()
    assert all(not task.is_alive() for task in tasks)
    assert build.exists(tmp_path) and index.open_dir(tmp_path, indexname="kb").doc_count() == 0
    shutil.rmtree(tmp_path, ignore_errors=True)


def _number(path: Path) -> str:
    return "".join(ch for ch in path.stem if ch.isdigit())


def test_rebuild_of_nothing_leaves_no_index(tmp_path: Path):
    # (A repair after a kill early in `kb add` rebuilds from no records at all; the
    # sidecars and `kb check` cannot describe an index without segments.)
    target = tmp_path / "index"
    assert build.rebuild(target, []) == 0
    assert not target.exists() and not build.exists(target)
    assert list(tmp_path.iterdir()) == []
