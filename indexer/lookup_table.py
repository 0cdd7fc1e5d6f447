"""Exact event and error-code lookups without opening Whoosh: the lookup table.

``kb event 9321`` and ``kb error 0x2AFC`` as new processes spent most of their time
importing Whoosh and opening the index. What they need is small: the posting lists of
one event or code key, and of a few number-like words in titles and symptoms (they
raise the ranking), with each document's weight and field length, plus the index's
statistics. This module keeps exactly that beside the index:

- one SQLite file per Whoosh segment, ``lk-<segment id>.kbl``: every term of the
  ``events`` and ``codes`` fields and every ``title``/``symptoms`` term holding a digit
  or an underscore, each with its document frequency and its postings (document
  numbers, weights, field lengths), plus each document's article number and the
  segment's field-length totals. A segment never changes once written, so neither
  does its table (as with :mod:`indexer.hotlists`).
- ``lookup.json``: the index generation it describes, its segments in order and
  the documents deleted from each (the part of a Whoosh index that does change).

:func:`refresh` runs after every commit (index build, ``kb add``, removal) and writes
the manifest last, atomically. A reader trusts the table only while its generation
is the index's newest; otherwise (a crash between commit and refresh, an old index)
:func:`open_table` answers None and the caller runs the query through Whoosh.

:meth:`Table.event` and :meth:`Table.error` build the same query trees as
:class:`indexer.query.Searcher` and score them with Whoosh's BM25F formula, the same
operations in the same order and the same matcher-tree additions, so scores, order,
matched terms and totals are Whoosh's to the last bit (tests compare the JSON).

This module imports neither Whoosh nor anything that does, except in the writer
functions.
"""

from __future__ import annotations

import heapq
import json
import math
import os
import re
import sqlite3
from array import array
from pathlib import Path

from indexer.hits import Hit, event_key

VERSION = 1
MANIFEST = "lookup.json"
PREFIX = "lk-"
SUFFIX = ".kbl"
INDEX_NAME = "kb"  # indexer.build.INDEX_NAME (not imported: that would load Whoosh)
ALL_TERMS = ("events", "codes")
NUMBER_TERMS = ("title", "symptoms")
FIELDS = ALL_TERMS + NUMBER_TERMS
_NUMBERISH = re.compile(r"[\d_]")
# BM25F as Whoosh's default weighting has it (whoosh.scoring.BM25F()).
B = 0.75
K1 = 1.2


def covered(fieldname: str, word: str) -> bool:
    """Whether the table holds this term's postings when the index has the term."""
    return fieldname in ALL_TERMS or (fieldname in NUMBER_TERMS and bool(_NUMBERISH.search(word)))


def sidecar_path(index_dir: Path, segment_id: str) -> Path:
    return Path(index_dir) / f"{PREFIX}{segment_id}{SUFFIX}"


# --------------------------------------------------------------------------- writing


def write_segment(index_dir: Path, reader) -> Path:
    """Write one segment's table (``reader`` is its SegmentReader)."""
    segment_id = reader.segment().segment_id()
    target = sidecar_path(index_dir, segment_id)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    doc_count = reader.doc_count_all()
    con = sqlite3.connect(tmp)
    try:
        con.execute("PRAGMA journal_mode=OFF")
        con.execute("PRAGMA synchronous=OFF")
        con.execute("CREATE TABLE meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID")
        con.execute(
            "CREATE TABLE postings(field TEXT, term TEXT, df INTEGER, ids BLOB, weights BLOB,"
            " lengths BLOB, PRIMARY KEY(field, term)) WITHOUT ROWID"
        )
        numbers = array("I", [0]) * doc_count
        for docnum, stored in reader.iter_docs():
            numbers[docnum] = stored.get("number", 0)
        meta = {
            "version": VERSION,
            "segment": segment_id,
            "doc_count": doc_count,
            "lengths": {f: reader.field_length(f) for f in FIELDS if f in reader.schema},
        }
        con.execute("INSERT INTO meta VALUES ('info', ?)", (json.dumps(meta),))
        con.execute("INSERT INTO meta VALUES ('numbers', ?)", (numbers.tobytes(),))
        rows = []
        for fieldname in FIELDS:
            if fieldname not in reader.schema:
                continue
            dfl = reader.doc_field_length
            for text, info in reader.iter_field(fieldname):
                word = text.decode("utf-8") if isinstance(text, bytes) else text
                if not covered(fieldname, word):
                    continue
                ids, weights = _postings(reader, fieldname, text)
                lengths = array("I", (dfl(d, fieldname, 1) for d in ids))
                rows.append(
                    (
                        fieldname,
                        word,
                        info.doc_frequency(),
                        ids.tobytes(),
                        weights.tobytes(),
                        lengths.tobytes(),
                    )
                )
        con.executemany("INSERT INTO postings VALUES (?,?,?,?,?,?)", rows)
        con.commit()
    finally:
        con.close()
    os.replace(tmp, target)
    return target


def _postings(reader, fieldname: str, text) -> tuple[array, array]:
    from indexer import hotlists

    ids, weights = hotlists.decode(reader, fieldname, text)
    return array("I", ids), array("f", weights)


def refresh(index_dir: Path) -> int:
    """Write the tables the index's segments lack, then the manifest (atomically), then
    drop the tables of segments merged away. Returns how many tables were written."""
    from whoosh import index

    from kb.atomic import atomic_write

    index_dir = Path(index_dir)
    ix = index.open_dir(index_dir, indexname=INDEX_NAME)
    written = 0
    segments = []
    with ix.reader() as top:
        for reader, _ in top.leaf_readers():
            segment_id = reader.segment().segment_id()
            if _read_info(sidecar_path(index_dir, segment_id)) is None:
                write_segment(index_dir, reader)
                written += 1
            deleted = _deleted(reader)
            segments.append({"id": segment_id, "docs": reader.doc_count_all(), "deleted": deleted})
        generation = ix.latest_generation()
    manifest = {"version": VERSION, "generation": generation, "segments": segments}
    atomic_write(index_dir / MANIFEST, json.dumps(manifest, separators=(",", ":")))
    live = {s["id"] for s in segments}
    for path in index_dir.glob(f"{PREFIX}*{SUFFIX}"):
        if path.name[len(PREFIX) : -len(SUFFIX)] not in live:
            path.unlink(missing_ok=True)
    for leftover in index_dir.glob(f".{PREFIX}*.tmp"):
        leftover.unlink(missing_ok=True)
    return written


def _deleted(reader) -> list[int]:
    if not reader.has_deletions():
        return []
    return [d for d in range(reader.doc_count_all()) if reader.is_deleted(d)]


def _read_info(path: Path) -> dict | None:
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            (value,) = con.execute("SELECT value FROM meta WHERE key='info'").fetchone()
        finally:
            con.close()
        info = json.loads(value)
    except (sqlite3.Error, TypeError, ValueError):
        return None
    return info if info.get("version") == VERSION else None


def problems(index_dir: Path) -> list[str]:
    """What is wrong with the table of this index (for ``kb check``); [] if it is current."""
    from whoosh import index

    index_dir = Path(index_dir)
    found: list[str] = []
    try:
        manifest = json.loads((index_dir / MANIFEST).read_text())
    except (OSError, ValueError):
        return [f"{index_dir / MANIFEST}: missing or damaged (lookups fall back to Whoosh)"]
    ix = index.open_dir(index_dir, indexname=INDEX_NAME)
    with ix.reader() as top:
        actual = [
            {
                "id": r.segment().segment_id(),
                "docs": r.doc_count_all(),
                "deleted": _deleted(r),
            }
            for r, _ in top.leaf_readers()
        ]
    if manifest.get("version") != VERSION or manifest.get("segments") != actual:
        found.append(f"{index_dir / MANIFEST}: does not describe the index (stale)")
    elif manifest.get("generation") != ix.latest_generation():
        found.append(f"{index_dir / MANIFEST}: describes an older generation of the index")
    for segment in actual:
        path = sidecar_path(index_dir, segment["id"])
        info = _read_info(path)
        if info is None or info.get("doc_count") != segment["docs"]:
            found.append(f"{path}: missing or damaged")
    return found


# --------------------------------------------------------------------------- reading


class Found:
    """A document the table found: its number in the index, its article, its score and
    the query words it holds."""

    __slots__ = ("docnum", "number", "score", "terms")

    def __init__(self, docnum: int, number: int, score: float, terms: list[str]):
        self.docnum, self.number, self.score, self.terms = docnum, number, score, terms


class NotCovered(Exception):
    """The query needs a term the table does not hold; run it through Whoosh."""


class _Segment:
    def __init__(self, path: Path, offset: int, docs: int, deleted: list[int]):
        self.con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        self.offset = offset
        self.docs = docs
        self.deleted = frozenset(deleted)
        (value,) = self.con.execute("SELECT value FROM meta WHERE key='info'").fetchone()
        self.info = json.loads(value)
        if self.info.get("version") != VERSION or self.info.get("doc_count") != docs:
            raise ValueError(f"{path}: does not match the index")
        self._numbers: array | None = None
        self._cache: dict[tuple[str, str], tuple[int, dict] | None] = {}

    def postings(self, fieldname: str, word: str) -> tuple[int, dict] | None:
        """(document frequency, {docnum: (weight, length)} without deleted documents)."""
        key = (fieldname, word)
        if key not in self._cache:
            row = self.con.execute(
                "SELECT df, ids, weights, lengths FROM postings WHERE field=? AND term=?", key
            ).fetchone()
            if row is None:
                self._cache[key] = None
            else:
                df, ids_b, weights_b, lengths_b = row
                ids, weights, lengths = array("I"), array("f"), array("I")
                ids.frombytes(ids_b)
                weights.frombytes(weights_b)
                lengths.frombytes(lengths_b)
                deleted = self.deleted
                found = {
                    d: (w, n)
                    for d, w, n in zip(ids, weights, lengths, strict=True)
                    if d not in deleted
                }
                self._cache[key] = (df, found)
        return self._cache[key]

    def number(self, docnum: int) -> int:
        if self._numbers is None:
            (blob,) = self.con.execute("SELECT value FROM meta WHERE key='numbers'").fetchone()
            self._numbers = array("I")
            self._numbers.frombytes(blob)
        return self._numbers[docnum]

    def close(self) -> None:
        self.con.close()


# A query tree, as indexer.query builds it: ("term", field, word), ("or", [nodes]),
# ("andmaybe", required, optional).
Node = tuple


class Table:
    def __init__(self, index_dir: Path, manifest: dict):
        self.index_dir = Path(index_dir)
        self.generation: int | None = manifest.get("generation")
        self.segments: list[_Segment] = []
        offset = 0
        try:
            for s in manifest["segments"]:
                path = sidecar_path(index_dir, s["id"])
                self.segments.append(_Segment(path, offset, s["docs"], s["deleted"]))
                offset += s["docs"]
        except Exception:
            self.close()
            raise
        self.doc_count_all = offset
        self.doc_count = offset - sum(len(s.deleted) for s in self.segments)
        self._df: dict[tuple[str, str], int] = {}

    def close(self) -> None:
        for segment in self.segments:
            segment.close()
        self.segments = []

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------- statistics

    def doc_frequency(self, fieldname: str, word: str) -> int:
        key = (fieldname, word)
        if key not in self._df:
            total = 0
            for segment in self.segments:
                found = segment.postings(fieldname, word)
                if found is not None:
                    total += found[0]
            self._df[key] = total
        return self._df[key]

    def field_length(self, fieldname: str) -> int:
        return sum(s.info["lengths"].get(fieldname, 0) for s in self.segments)

    # ---------------------------------------------------------------- queries

    def event(self, spec: str, source: str | None, limit: int) -> tuple[list[Found], int]:
        """As Searcher.event (raises ValueError where it raises QueryError)."""
        given_source, _, given_id = spec.strip().rpartition(":")
        match = _EVENT_WORD.match(f"{given_source}:{given_id}" if given_source else given_id)
        if not match:
            raise ValueError(spec)
        source = source or match.group("source")
        event_id = int(match.group("id"))
        term = event_key(source, event_id) if source else str(event_id)
        rank = ("or", [("term", "title", str(event_id)), ("term", "symptoms", str(event_id))])
        return self.run(("andmaybe", ("term", "events", term), rank), limit)

    def error(self, code: str, limit: int) -> tuple[list[Found], int]:
        """As Searcher.error (raises ValueError where it raises QueryError)."""
        from kb import codes

        keys = codes.query_keys(code)
        if not keys:
            raise ValueError(code)
        required = ("or", [("term", "codes", k) for k in keys])
        printed = {code.lower()}
        for value in codes.interpret(code):
            printed.update(f.lower() for f in codes.notations(value) if " " not in f)
        rank = ("or", [("term", f, p) for p in sorted(printed) for f in ("title", "symptoms")])
        return self.run(("andmaybe", required, rank), limit)

    def run(self, query: Node, limit: int) -> tuple[list[Found], int]:
        """The top ``limit`` documents, best first (ties: lower document number), and
        the total Whoosh reports for this query."""
        leaves = list(_leaves(query))
        for _, fieldname, word in leaves:
            if not covered(fieldname, word):
                raise NotCovered(f"{fieldname}:{word}")
        scorers = {}
        for leaf in leaves:
            _, fieldname, word = leaf
            if leaf in scorers:
                continue
            idf = math.log(self.doc_count_all / (self.doc_frequency(fieldname, word) + 1)) + 1
            avgfl = self.field_length(fieldname) / (self.doc_count_all or 1) or 1
            scorers[leaf] = (idf, avgfl)
        # Each segment's best ``limit`` (score, -docnum, ...), then the best of those;
        # ties go to the lower document number, as in Whoosh.
        best: list[tuple] = []
        for segment in self.segments:
            lists = {}
            for leaf in leaves:
                got = segment.postings(leaf[1], leaf[2])
                lists[leaf] = got[1] if got else {}
            tree = _resolve(query, segment)
            scores = _scores(tree, lists, scorers)
            top = heapq.nlargest(limit, scores.items(), key=lambda kv: (kv[1], -kv[0]))
            best += [(score, -(segment.offset + d), d, segment, tree, lists) for d, score in top]
        hits = []
        for score, negative, docnum, segment, tree, lists in heapq.nlargest(
            limit, best, key=lambda b: b[:2]
        ):
            order = _leaves(tree)  # TermsCollector's term_matchers() order
            terms = [leaf[2] for leaf in order if docnum in lists[leaf]]
            hits.append(Found(-negative, segment.number(docnum), score, terms))
        total = len(hits) if len(hits) < limit else max(len(hits), self._estimate(query))
        return hits, total

    def _estimate(self, node: Node) -> int:
        """Whoosh's Query.estimate_size (what Results.estimated_length answers)."""
        if node[0] == "term":
            return self.doc_frequency(node[1], node[2])
        children = node[1] if node[0] == "or" else [node[1], node[2]]
        if node[0] == "or" and len(children) == 1:
            return min(self._estimate(children[0]), self.doc_count)
        return min(sum(self._estimate(c) for c in children), self.doc_count)


def _leaves(node: Node):
    if node[0] == "term":
        yield node
    elif node[0] == "or":
        for child in node[1]:
            yield from _leaves(child)
    else:
        yield from _leaves(node[1])
        yield from _leaves(node[2])


def _resolve(node: Node, segment: _Segment) -> Node:
    """The matcher tree Whoosh builds for this query in this segment: an Or of several
    parts is DefaultOr's Huffman-like tree of UnionMatchers, weighted by each part's
    estimated size in the segment (whoosh.util.make_weighted_tree: a stable sort, as
    matchers compare equal on ties, then pairs of the lightest merged and re-inserted
    after the parts of equal weight)."""
    kind = node[0]
    if kind == "term":
        return node
    if kind == "andmaybe":
        return ("andmaybe", _resolve(node[1], segment), _resolve(node[2], segment))
    children = node[1]
    if len(children) == 1:
        return _resolve(children[0], segment)
    weighted = [(_size(c, segment), _resolve(c, segment)) for c in children]
    weighted.sort(key=lambda item: item[0])
    while len(weighted) > 1:
        (wa, a), (wb, b) = weighted.pop(0), weighted.pop(0)
        weight = wa + wb
        place = len(weighted)
        for i, (w, _) in enumerate(weighted):
            if weight < w:
                place = i
                break
        weighted.insert(place, (weight, ("union", a, b)))
    return weighted[0][1]


def _size(node: Node, segment: _Segment) -> int:
    """Query.estimate_size with the segment's reader."""
    if node[0] == "term":
        got = segment.postings(node[1], node[2])
        return got[0] if got else 0
    raise NotCovered("nested query")  # the lookups only put terms inside an Or


def _scores(node: Node, lists: dict, scorers: dict) -> dict[int, float]:
    """Whoosh's matcher-tree score of every document the tree matches (an AndMaybe:
    those its first part matches), a node at a time: the same additions in the same
    order as the matchers make them, document by document."""
    kind = node[0]
    if kind == "term":
        idf, avgfl = scorers[node]
        # whoosh.scoring.bm25, the same operations in the same order
        return {
            d: idf * ((tf * (K1 + 1)) / (tf + K1 * ((1 - B) + B * fl / avgfl)))
            for d, (tf, fl) in lists[node].items()
        }
    a = _scores(node[1], lists, scorers)
    b = _scores(node[2], lists, scorers)
    if kind == "union":  # UnionMatcher.score: a + b where both match
        both = {d: a[d] + s for d, s in b.items() if d in a}
        return a | b | both
    # AndMaybeMatcher.score: the first part, plus the second where it matches
    return {d: s if d not in b else s + b[d] for d, s in a.items()}


_EVENT_WORD = re.compile(r"^(?:(?P<source>.+):)?(?P<id>\d{1,5})$", re.S)


def latest_generation(index_dir: Path) -> int:
    """The newest TOC generation in the folder, as Whoosh finds it (-1: no index)."""
    pattern = re.compile(rf"^_{INDEX_NAME}_(\d+)\.toc$")
    best = -1
    try:
        names = os.listdir(index_dir)
    except OSError:
        return -1
    for name in names:
        m = pattern.match(name)
        if m:
            best = max(best, int(m.group(1)))
    return best


def open_table(index_dir: Path) -> Table | None:
    """The lookup table if it describes the index as it is now, else None."""
    index_dir = Path(index_dir)
    try:
        manifest = json.loads((index_dir / MANIFEST).read_bytes())
    except (OSError, ValueError):
        return None
    if manifest.get("version") != VERSION:
        return None
    if manifest.get("generation") != latest_generation(index_dir):
        return None
    try:
        return Table(index_dir, manifest)
    except (sqlite3.Error, OSError, ValueError, TypeError, KeyError):
        return None


__all__ = ["Found", "Hit", "NotCovered", "Table", "open_table", "problems", "refresh"]
