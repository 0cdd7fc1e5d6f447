"""Frequent terms' posting lists, decoded once when a segment is written.

Whoosh stores a posting block's document numbers, term weights and word positions in
one pickled, compressed blob, so reading the weights of a word found in 20,000
articles means unpickling 20,000 position lists too: ~40 ms for a query such as
'windows version', most of its time. For each large segment, this module writes the
lists of its frequent terms (in the fields plain-word queries score) as plain arrays
of document numbers and weights, plus every document's field lengths, to a sidecar
file ``hot-<segment id>.kbh`` beside the segment. Reading one is a slice of a
memory map.

A Whoosh segment never changes once written (deletions are kept apart, and are
applied by the reader), so a sidecar stays valid for as long as its segment exists.
:func:`refresh` writes the missing ones and removes those of merged-away segments;
a segment without one is read through Whoosh's matchers, which is only slower.
"""

from __future__ import annotations

import json
import mmap
import struct
from array import array
from pathlib import Path

from kb.atomic import atomic_write

MAGIC = b"KBHOT\x00\x01\x00"
FIELDS = ("body", "title", "symptoms")
HOT_DF = 1000  # lists at least this long are stored decoded
MIN_SEGMENT_DOCS = 2000  # smaller segments only have short lists
SUFFIX = ".kbh"


def sidecar_path(index_dir: Path, segment_id: str) -> Path:
    return Path(index_dir) / f"hot-{segment_id}{SUFFIX}"


def decode(reader, field: str, word: str | bytes) -> tuple[array, array]:
    """A term's whole posting list (deleted documents left out): document numbers and
    weights."""
    ids, weights = array("I"), array("f")
    if (field, word) not in reader:
        return ids, weights
    matcher = reader.postings(field, word)
    if _whole_blocks(matcher, ids, weights):
        return ids, weights
    while matcher.is_active():  # Whoosh's public matcher interface, one posting at a time
        ids.append(matcher.id())
        weights.append(matcher.weight())
        matcher.next()
    return ids, weights


def _whole_blocks(matcher, ids: array, weights: array) -> bool:
    """Copy a Whoosh 3 posting list a block at a time (5x faster than a posting at a
    time). Relies on W3LeafMatcher's block reader; False if this is not one."""
    try:
        from whoosh.codec.whoosh3 import W3LeafMatcher
    except ImportError:  # pragma: no cover - another Whoosh codec
        return False
    if type(matcher) is not W3LeafMatcher or not hasattr(matcher, "_read_weights"):
        return False
    while matcher.is_active():
        matcher._read_ids()
        matcher._read_weights()
        ids.extend(matcher._ids)
        weights.extend(matcher._weights)
        matcher._next_block()
    return True


def write(index_dir: Path, reader) -> Path:
    """Write the sidecar of one segment (``reader`` is its SegmentReader)."""
    doc_count = reader.doc_count_all()
    header: dict = {"doc_count": doc_count, "lists": {}, "lengths": {}}
    chunks: list[bytes] = []
    offset = 0

    def put(data: array) -> list:
        nonlocal offset
        raw = data.tobytes()
        chunks.append(raw)
        place = [offset, len(data), data.typecode]
        offset += len(raw)
        return place

    for field in FIELDS:
        if field not in reader.schema:
            continue
        # (Whoosh answers None for a document with nothing in the field; such a
        # document has no postings in it, so its length is never read.)
        length = reader.doc_field_length
        lengths = array("I", (length(d, field, 1) or 0 for d in range(doc_count)))
        header["lengths"][field] = put(lengths)
        lists: dict[str, list] = {}
        for text, info in reader.iter_field(field):
            if info.doc_frequency() < HOT_DF:
                continue
            ids, weights = decode(reader, field, text)
            word = text.decode("utf-8") if isinstance(text, bytes) else text
            lists[word] = [put(_narrow(ids)), put(_narrow(weights))]
        header["lists"][field] = lists
    header["size"] = offset
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    target = sidecar_path(index_dir, reader.segment().segment_id())
    atomic_write(target, b"".join([MAGIC, struct.pack("<I", len(head)), head, *chunks]))
    return target


def _narrow(data: array) -> array:
    """The same numbers in the smallest type that holds them exactly (document numbers
    of a segment under 65,536 documents, and weights that are small whole numbers, fit
    in two bytes)."""
    for typecode in ("B", "H"):
        try:
            narrow = array(typecode, map(int, data))
        except OverflowError:
            continue
        if narrow == data:
            return narrow
    return data


def missing(index_dir: Path) -> list[str]:
    """The large segments whose sidecar is absent or damaged."""
    return _missing(index_dir, _segments(index_dir))


def _missing(index_dir: Path, live: dict[str, int]) -> list[str]:
    return [
        segment_id
        for segment_id, docs in live.items()
        if docs >= MIN_SEGMENT_DOCS and not _valid(index_dir, segment_id, docs)
    ]


def refresh(index_dir: Path, procs: int = 1) -> int:
    """Write the sidecars :func:`missing` lists (one process per segment, up to
    ``procs``); drop those of segments the index no longer has. Returns how many were
    written."""
    index_dir = Path(index_dir)
    live = _segments(index_dir)  # writing sidecars does not change the segments
    todo = _missing(index_dir, live)
    if procs > 1 and len(todo) > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(min(procs, len(todo))) as pool:
            list(pool.map(_write_segment, [index_dir] * len(todo), todo))
    else:
        for segment_id in todo:
            _write_segment(index_dir, segment_id)
    for path in index_dir.glob(f"hot-*{SUFFIX}"):
        segment_id = path.name[len("hot-") :].split(".")[0]
        if segment_id not in live:
            path.unlink(missing_ok=True)
    for leftover in index_dir.glob(f".hot-*{SUFFIX}.*.tmp"):  # from a killed write
        leftover.unlink(missing_ok=True)
    return len(todo)


def _segments(index_dir: Path) -> dict[str, int]:
    """Segment ID -> documents in it (deleted ones included)."""
    with _open_reader(Path(index_dir)) as top:
        return {r.segment().segment_id(): r.doc_count_all() for r, _ in top.leaf_readers()}


def _valid(index_dir: Path, segment_id: str, doc_count: int) -> bool:
    sidecar = open_sidecar(index_dir, segment_id, doc_count)
    if sidecar is None:
        return False
    sidecar.close()
    return True


def _open_reader(index_dir: Path):
    from whoosh import index

    from indexer.build import INDEX_NAME

    return index.open_dir(index_dir, indexname=INDEX_NAME).reader()


def _write_segment(index_dir: Path, segment_id: str) -> None:
    with _open_reader(index_dir) as top:
        for reader, _ in top.leaf_readers():
            if reader.segment().segment_id() == segment_id:
                write(index_dir, reader)


class Sidecar:
    """One segment's decoded lists, memory-mapped; arrays are made on demand."""

    def __init__(self, path: Path):
        with open(path, "rb") as f:
            self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        if self._map[: len(MAGIC)] != MAGIC:
            raise ValueError(f"{path}: not a kbarchive sidecar")
        (size,) = struct.unpack_from("<I", self._map, len(MAGIC))
        start = len(MAGIC) + 4
        self._header = json.loads(self._map[start : start + size])
        self._base = start + size
        self.doc_count: int = self._header["doc_count"]
        if len(self._map) - self._base != self._header["size"]:
            raise ValueError(f"{path}: truncated")

    def _array(self, place: list) -> array:
        offset, count, typecode = place
        data = array(typecode)
        start = self._base + offset
        data.frombytes(self._map[start : start + count * data.itemsize])
        return data

    def lengths(self, field: str) -> array | None:
        place = self._header["lengths"].get(field)
        return self._array(place) if place else None

    def postings(self, field: str, word: str) -> tuple[array, array] | None:
        """The stored list, or None when the term is not frequent in this segment."""
        places = self._header["lists"].get(field, {}).get(word)
        if places is None:
            return None
        return self._array(places[0]), self._array(places[1])

    def close(self) -> None:
        self._map.close()


def open_sidecar(index_dir: Path, segment_id: str, doc_count: int) -> Sidecar | None:
    """The segment's sidecar if it exists and matches the segment, else None."""
    path = sidecar_path(index_dir, segment_id)
    try:
        sidecar = Sidecar(path)
    except (OSError, ValueError, KeyError, struct.error):
        return None
    if sidecar.doc_count != doc_count:
        sidecar.close()
        return None
    return sidecar
