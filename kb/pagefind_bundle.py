"""A writer of Pagefind's bundle format (version 1.5), so that the site's search index
is built here, from the search records, on every core, in bounded memory.

Pagefind's own indexer (the CLI or its ``--service``) holds a whole bundle in one
process on one thread: ~6.5 GB for the corpus in one bundle, so the site was split into
several bundles, each costing the browser one more index chunk per query word. This
writer makes one bundle of any size, in two parallel steps:

1. map, per batch of records: split each record's content into words (positions are
   whitespace-separated tokens, as Pagefind's client counts them for excerpts), stem
   them with Snowball's English stemmer (PyStemmer, the algorithm Pagefind's client
   stems queries with), write the record's fragment, and encode its postings as CBOR,
   grouped by the first character of the word;
2. reduce, per first character: join the batches' postings of each word (in page order),
   cut the sorted words into index chunks, compress and write them.

The main process then writes the metadata (pages, chunks, filters), the filter indexes,
the entry file, and Pagefind's own scripts and WebAssembly (taken from the binary once).

What Pagefind's client reads, as observed in the bundles its 1.5 indexer writes (file
names are the client's to look up, not to check: kb names them its own way):
- ``pagefind-entry.json``: version, languages (name of the metadata, page count);
- every other file is gzip of ``b"pagefind_dcd"`` followed by the payload;
- ``pagefind.<name>.pf_meta``: CBOR ``[version, [[page name, word count]...],
  [[from, to, chunk name]...], [[filter, name]...], [sorts], [meta fields]]``;
- ``index/<name>.pf_index``: CBOR ``[[[word, [[page, locs, meta locs]...],
  [[accented form, pages]...]]...]]``. ``locs`` hold positions; a negative number
  ``-(w + 1)`` sets the weight ``w`` (24 for a word, less for a part of a compound
  word: "MSExchangeMTA" gives "msexchangemta" at 24 and "ms", "exchang", "mta" at 8)
  of the positions after it; the first position after it is absolute, the next ones
  are gaps. ``meta locs`` are the same for the meta fields (``-1`` is the title);
- ``fragment/<name>.pf_fragment``: JSON of the url, content, word count, filters, meta;
- ``filter/<name>.pf_filter``: CBOR ``[filter, [[value, [pages]]...]]``.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import multiprocessing
import os
import pickle
import re
import shutil
import string
import tempfile
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from itertools import chain
from pathlib import Path

FORMAT = "1.5."  # the Pagefind versions whose format this writes (pyproject pins it)
PREFIX = b"pagefind_dcd"  # before the payload of every compressed file
WEIGHT = 24  # of a word of the content; parts of a compound word share it
CHUNK_POSITIONS = 8_000  # an index chunk closes once it holds this many positions
BATCH_RECORDS = 1_000  # records per map task
CHUNK_LEVEL = 5  # gzip level of the chunks: 1.3% larger than 6, 1.6x faster (measured)
ASSET_SUFFIXES = (".js", ".css", ".pagefind")  # Pagefind's scripts, styles, WebAssembly

# ---------------------------------------------------------------------------- CBOR


def _uint(major: int, n: int) -> bytes:
    if n < 24:
        return bytes([major | n])
    if n < 0x100:
        return bytes([major | 24, n])
    if n < 0x10000:
        return bytes([major | 25]) + n.to_bytes(2, "big")
    if n < 0x100000000:
        return bytes([major | 26]) + n.to_bytes(4, "big")
    return bytes([major | 27]) + n.to_bytes(8, "big")


_UINTS = [_uint(0, n) for n in range(1 << 16)]


def _int(n: int) -> bytes:
    if 0 <= n < 0x10000:
        return _UINTS[n]
    return _uint(0, n) if n >= 0 else _uint(0x20, -1 - n)


def _array(n: int) -> bytes:
    return _uint(0x80, n)


def _text(s: str) -> bytes:
    data = s.encode("utf-8")
    return _uint(0x60, len(data)) + data


def cbor(value: object) -> bytes:
    """CBOR of ints, strings and lists (all this format holds)."""
    if isinstance(value, int):
        return _int(value)
    if isinstance(value, str):
        return _text(value)
    return _array(len(value)) + b"".join(cbor(v) for v in value)  # type: ignore[arg-type]


def _compressed(payload: bytes, level: int = 6) -> bytes:
    return gzip.compress(PREFIX + payload, compresslevel=level, mtime=0)


def _name(unique: str, data: bytes, digits: int = 6) -> str:
    """A chunk's or filter's name: what makes it unique in its folder (a chunk's first
    letter and rank), then the start of its content's hash, so that a browser does not
    serve a changed file from its cache."""
    return f"{unique}-{hashlib.sha1(data).hexdigest()[:digits]}"


def _write_fragment(folder: Path, data: bytes) -> str:
    """Write a page's fragment under the shortest start of its hash (6 digits or more)
    that no other fragment of the bundle has taken; its name. Every page's name is in
    the metadata a browser loads for its first query (~70% of that query's bytes), so
    they are short: Pagefind takes 7 digits. Taking a name is atomic (O_EXCL), so the
    workers of one bundle never take the same one; an identical page shares its twin's."""
    digest = hashlib.sha1(data).hexdigest()
    payload = _compressed(data)
    for length in range(6, len(digest) + 1):
        path = folder / f"{digest[:length]}.pf_fragment"
        try:
            _write(path, payload, _NEW)
        except FileExistsError:
            with contextlib.suppress(OSError):
                if path.read_bytes() == payload:  # the same page again
                    return digest[:length]
            continue
        return digest[:length]
    raise FileExistsError(f"no free name for a fragment in {folder}")


_REPLACE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL  # FileExistsError if the name is taken


def _write(path: Path | str, data: bytes, flags: int = _REPLACE) -> None:
    fd = os.open(path, flags, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


# ---------------------------------------------------------------------------- words

_NOT_WORD = re.compile(r"\W+")
# Parts of a token, as Pagefind splits them (learnt from the bundles it writes): at
# punctuation and underscores; at camelCase ("MSExchangeMTA": MS, Exchange, MTA); before
# digits after two capitals or more ("IIS6", "KB279415"); and, in a token that
# punctuation splits, between letters and digits ("C:\WINNT\system32": WINNT, system,
# 32). Digits after lower case or one capital stay ("Windows2000", "x86", "0x80070005").
_PIECE = re.compile(r"[^\W_]+")
_PART = re.compile(r"[A-Z]{2,}(?=\d)|[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z\d]+|[A-Z]+|[^\W\d_A-Za-z]+")
_PIECE_PART = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+|[^\W\d_A-Za-z]+")


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    stemmer = Stemmer.Stemmer("english")
    stemmer.maxCacheSize = 0  # its cache made batches slower (measured); tokens are cached
    return stemmer


def _plain(word: str) -> str:
    """The word without its accents (Pagefind's key; the accented form is a variant)."""
    if word.isascii():
        return word
    return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))


def analyse(token: str) -> tuple[tuple[tuple[str, str], int], ...]:
    """The index words of one whitespace-separated token: ((stem, accented form or ""),
    weight). The token whole (punctuation dropped), then its parts when it has several
    (each weighted WEIGHT // count) or one that is not the whole."""
    stem = _stemmer().stemWord
    lower = token.lower()
    whole = _NOT_WORD.sub("", lower)
    if not whole:
        return ()
    plain = _plain(whole)
    words = [((stem(plain), whole if plain != whole else ""), WEIGHT)]
    pieces = _PIECE.findall(token)
    if not token.isascii():  # camelCase and digits: ASCII only; other scripts at punctuation
        parts = [p.lower() for p in pieces]
    elif len(pieces) > 1:
        parts = [p.lower() for piece in pieces for p in _PIECE_PART.findall(piece)]
    else:
        parts = [p.lower() for p in _PART.findall(token)]
    parts = [p for p in parts if len(p) > 1]
    if parts and parts != [whole]:
        weight = WEIGHT // len(parts) or 1
        seen = {words[0][0][0]}
        for part in parts:
            plain_part = _plain(part)
            key = stem(plain_part)
            if key not in seen:
                seen.add(key)
                words.append(((key, part if plain_part != part else ""), weight))
    return tuple(words)


# ---------------------------------------------------------------------------- map


_EMPTY = _array(0)
_ENTRY = _array(3)


_EDGES = "".join(c for c in string.punctuation if c != "_")  # not part of a word


def _simple(token: str) -> str:
    """The word a token is, when it is one as it stands but for punctuation around it
    (ASCII letters in one case or capitalised, or digits: analyse() would give its stem
    alone); "" otherwise."""
    core = token.strip(_EDGES)
    if core.isascii() and (
        core.isdigit() or (core.isalpha() and (core.islower() or core.isupper() or core.istitle()))
    ):
        return core
    return ""


class _Words:
    """The tokens a worker has met and the index words they give, numbered as first met
    and kept from batch to batch (most tokens of a batch were in an earlier one, and
    analysing a token is the costly part); each token's words (word number, weight)
    stored flat, CSR style."""

    LIMIT = 2_000_000  # tokens held; past it, the next batch starts afresh

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.tokens: dict[str, int] = {}
        self.index: dict[tuple[str, str], int] = {}
        self.keys: list[tuple[str, str]] = []  # word number -> (stem, accented form)
        self.start = [0]  # token number -> its words: flat[start[t] : start[t + 1]]
        self.flat_word: list[int] = []
        self.flat_weight: list[int] = []
        self.arrays: tuple | None = None

    def begin_batch(self) -> None:
        if len(self.tokens) > self.LIMIT:
            self.clear()

    def number(self, tokens: list[str]) -> list[int]:
        known = self.tokens
        fresh = list(set(tokens).difference(known))
        for token in fresh:
            known[token] = len(known)
        if fresh:
            self._add(fresh)
        return list(map(known.__getitem__, tokens))

    def _add(self, fresh: list[str]) -> None:
        """Analyse new tokens: the simple ones (most) just stemmed, all together."""
        cores = [_simple(t) for t in fresh]
        stems = iter(_stemmer().stemWords([c.lower() for c in cores if c]))
        index, keys = self.index, self.keys
        flat_word, flat_weight = self.flat_word, self.flat_weight
        for token, core in zip(fresh, cores, strict=True):
            for word, weight in (((next(stems), ""), WEIGHT),) if core else analyse(token):
                number = index.get(word)
                if number is None:
                    number = index[word] = len(keys)
                    keys.append(word)
                flat_word.append(number)
                flat_weight.append(weight)
            self.start.append(len(flat_word))

    def expand(self, tokens, pages, positions):
        """Token occurrences to index-word occurrences: (word, page, weight, position)."""
        import numpy as np

        lists = (self.start, self.flat_word, self.flat_weight)
        if self.arrays is None:
            self.arrays = tuple(np.zeros(0, dtype=np.int64) for _ in lists)
        if len(self.arrays[0]) < len(self.start):  # the entries added since, appended
            self.arrays = tuple(
                np.concatenate([a, np.asarray(b[len(a) :], dtype=np.int64)])
                for a, b in zip(self.arrays, lists, strict=True)
            )
        start, flat_word, flat_weight = self.arrays
        tokens = np.asarray(tokens, dtype=np.int64)
        counts = start[tokens + 1] - start[tokens]
        rows = np.repeat(np.arange(len(tokens)), counts)
        first = np.repeat(np.cumsum(counts) - counts, counts)
        flat = start[tokens][rows] + np.arange(len(rows)) - first
        return flat_word[flat], pages[rows], flat_weight[flat], positions[rows]


_WORDS = _Words()  # a worker's, for all its batches


def _encode(major, value, valid):
    """CBOR heads (major type, value) to bytes, all at once; returns the bytes and the
    byte length of each head (0 where not valid)."""
    import numpy as np

    size = np.where(value < 24, 1, np.where(value < 0x100, 2, np.where(value < 0x10000, 3, 5)))
    size = np.where(valid, size, 0)
    end = np.cumsum(size)
    at = (end - size)[valid]
    v, s = value[valid], size[valid]
    out = np.zeros(int(end[-1]) if len(end) else 0, dtype=np.uint8)
    extra = np.where(s == 1, v, np.where(s == 2, 24, np.where(s == 3, 25, 26)))
    out[at] = (major[valid] << 5) | extra
    for width, shifts in ((2, (0,)), (3, (8, 0)), (5, (24, 16, 8, 0))):
        chosen = s == width
        for i, shift in enumerate(shifts, start=1):
            out[at[chosen] + i] = (v[chosen] >> shift) & 0xFF
    return out, size


def _order(word, page, meta, weight, place):
    """The order of places by word, page, meta, weight, position: one sort of a key
    packing all five when it fits in 63 bits (it does but for huge records)."""
    import numpy as np

    if not len(word):
        return np.arange(0)
    first = int(page.min())
    spans = [int(word.max()) + 1, int(page.max()) - first + 1, 2, 256, int(place.max()) + 1]
    if sum(int(n - 1).bit_length() for n in spans) > 62:
        return np.lexsort((place, weight, meta, page, word))
    key = word
    for column, span in zip((page - first, meta, weight, place), spans[1:], strict=True):
        key = key * span + column
    return np.argsort(key, kind="stable")


def _postings(words: _Words, content: tuple, titles: tuple) -> dict:
    """Each word's postings in this batch: [pages, positions held, CBOR of its
    ``[page, locs, meta locs]`` entries, first page, last page]. Pages after a word's
    first are gaps from its previous one (so is the first, from 0: absolute); in locs,
    a weight mark opens each run of one weight (-1, field 0, in meta locs), whose first
    position is absolute and the next ones gaps."""
    import numpy as np

    w1, p1, g1, x1 = words.expand(*content)
    w2, p2, _, x2 = words.expand(*titles)
    word = np.concatenate([w1, w2])
    page = np.concatenate([p1, p2])
    meta = np.concatenate([np.zeros(len(w1), bool), np.ones(len(w2), bool)])
    weight = np.concatenate([g1, np.zeros(len(w2), np.int64)])
    place = np.concatenate([x1, x2])
    order = _order(word, page, meta, weight, place)
    word, page, meta, weight, place = (a[order] for a in (word, page, meta, weight, place))
    n = len(word)
    if not n:
        return {}

    def changed(a):
        out = np.ones(n, bool)
        out[1:] = a[1:] != a[:-1]
        return out

    new_word = changed(word)
    new_page = new_word | changed(page)
    new_meta = new_page | changed(meta)
    new_run = new_meta | changed(weight)
    group = np.cumsum(new_page) - 1
    last_of_group = np.append(new_page[1:], True)
    # locs items of a group: its places and one mark per run, content and meta apart
    items = 1 + new_run
    content_items = np.bincount(group, weights=items * ~meta).astype(np.int64)
    meta_items = np.bincount(group, weights=items * meta).astype(np.int64)
    previous_page = np.where(new_word, 0, np.concatenate([[0], page[:-1]]))
    gap = np.where(new_run, place, place - np.concatenate([[0], place[:-1]]))
    first_meta = meta & new_meta
    slots = [  # (major type, value, present) of the heads each place writes
        (4, 3, new_page),
        (0, page - previous_page, new_page),
        (4, content_items[group], new_page),
        (4, meta_items[group], first_meta),
        (1, weight, new_run),
        (0, gap, np.ones(n, bool)),
        (4, 0, last_of_group & ~meta),  # an empty meta locs array
    ]
    major = np.stack([np.full(n, m, np.int64) for m, _, _ in slots], axis=1).ravel()
    value = np.stack([np.broadcast_to(v, n) for _, v, _ in slots], axis=1).ravel()
    valid = np.stack([p for _, _, p in slots], axis=1).ravel()
    data, size = _encode(major, value, valid)
    place_end = np.cumsum(size.reshape(n, len(slots)).sum(axis=1))
    starts = np.flatnonzero(new_word)
    ends = np.append(starts[1:], n)
    byte_start = np.concatenate([[0], place_end])[starts]
    byte_end = place_end[ends - 1]
    pages_of = np.add.reduceat(new_page.astype(np.int64), starts)
    held = ends - starts + pages_of
    keys = words.keys
    raw = data.tobytes()
    return {
        keys[w]: [c, h, raw[a:b], fp, lp]
        for w, c, h, a, b, fp, lp in zip(
            word[starts].tolist(),
            pages_of.tolist(),
            held.tolist(),
            byte_start.tolist(),
            byte_end.tolist(),
            page[starts].tolist(),
            page[ends - 1].tolist(),
            strict=True,
        )
    }


def _title(record: dict) -> str:
    return (record.get("meta") or {}).get("title") or ""


def _fragment(record: dict, content: str, word_count: int) -> bytes:
    filters = record.get("filters") or {}
    data = {
        "url": record["url"],
        "content": content,
        "word_count": word_count,
        "filters": {k: filters[k] for k in sorted(filters)},
        "meta": record.get("meta") or {},
        "anchors": [],
    }
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _records(source: list[dict] | str) -> Iterator[dict]:
    if isinstance(source, str):
        with open(source, encoding="utf-8") as f:
            for line in f:
                yield json.loads(line)
    else:
        yield from source


def _map(task: tuple) -> tuple[list[tuple[str, int]], dict, str, dict[str, tuple[int, int]]]:
    """Index a batch: fragments written, postings spilled to one file by first character
    (its byte ranges returned). Returns the pages' (name, word count), the filters'
    pages, the spill file and its ranges."""
    import numpy as np

    sources, first_page, bundle, spill_dir = task
    records = [record for source in sources for record in _records(source)]
    pages: list[tuple[str, int]] = []
    filters: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    fragments = Path(bundle) / "fragment"
    token_lists = []
    for page, record in enumerate(records, start=first_page):
        tokens = record["content"].split()
        token_lists.append(tokens)
        data = _fragment(record, " ".join(tokens), len(tokens))
        name = _write_fragment(fragments, data)
        pages.append((name, len(tokens)))
        for key, values in (record.get("filters") or {}).items():
            for value in values:
                filters[key][value].append(page)
    words = _WORDS
    words.begin_batch()

    def occurrences(lists: list[list[str]]) -> tuple:
        """Token numbers, pages and positions of the batch's token lists."""
        counts = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
        numbers = words.number(list(chain.from_iterable(lists)))
        page = np.repeat(np.arange(first_page, first_page + len(lists)), counts)
        position = np.arange(len(numbers)) - np.repeat(np.cumsum(counts) - counts, counts)
        return numbers, page, position

    content = occurrences(token_lists)
    del token_lists
    titles = occurrences([_title(r).split() for r in records])
    del records
    postings = _postings(words, content, titles)
    groups: dict[str, list] = defaultdict(list)
    for word in sorted(postings):
        count, positions, data, first, last = postings[word]
        groups[word[0][0]].append((word, count, positions, data, first, last))
    postings.clear()
    spill = os.path.join(spill_dir, f"map-{first_page:012d}")
    ranges: dict[str, tuple[int, int]] = {}
    with open(spill, "wb") as f:
        for first in sorted(groups):
            start = f.tell()
            pickle.dump(groups[first], f, protocol=pickle.HIGHEST_PROTOCOL)
            ranges[first] = (start, f.tell() - start)
    return pages, {k: dict(v) for k, v in filters.items()}, spill, ranges


# ---------------------------------------------------------------------------- reduce


def _reduce(task: tuple) -> list[tuple[str, str, str]]:
    """Join one first character's postings from every batch (in page order), cut them
    into chunks and write those; returns each chunk's (first word, last word, name)."""
    parts, bundle = task
    words: dict[tuple[str, str], list] = {}
    for spill, start, length in parts:
        with open(spill, "rb") as f:
            f.seek(start)
            batch = pickle.loads(f.read(length))
        for word, count, positions, data, first, last in batch:
            found = words.get(word)
            if found is None:
                words[word] = [count, positions, [data], last]
            else:  # the batch's first page again as a gap, from the word's last page
                found[0] += count
                found[1] += positions
                found[2].append(_ENTRY + _int(first - found[3]) + data[1 + len(_int(first)) :])
                found[3] = last
    # One entry per stem: its pages, then its accented forms with theirs.
    stems: dict[str, list] = {}
    for key, form in sorted(words):
        count, positions, pieces, _ = words.pop((key, form))
        encoded = _array(count) + b"".join(pieces)
        entry = stems.setdefault(key, [_EMPTY, [], 0])
        if form:
            entry[1].append(_array(2) + _text(form) + encoded)
        else:
            entry[0] = encoded
        entry[2] += positions
    chunks: list[tuple[str, str, str]] = []
    current: list[bytes] = []
    first = last = ""
    held = 0
    out = Path(bundle) / "index"

    def close() -> None:
        payload = _array(1) + _array(len(current)) + b"".join(current)
        name = _name(f"{ord(first[0]):x}.{len(chunks):x}", payload)
        _write(out / f"{name}.pf_index", _compressed(payload, CHUNK_LEVEL))
        chunks.append((first, last, name))

    for key in sorted(stems):
        pages, variants, positions = stems.pop(key)
        if not current:
            first = key
        current.append(_array(3) + _text(key) + pages + _array(len(variants)) + b"".join(variants))
        last = key
        held += positions
        if held >= CHUNK_POSITIONS:
            close()
            current, held = [], 0
    if current:
        close()
    return chunks


def _shortest_bounds(chunks: list[tuple[str, str, str]]) -> list[list[str]]:
    """Chunk bounds cut to the shortest starts that still tell neighbours apart (a
    query word between two chunks then loads the chunk it would sort into)."""
    bounds = [[first, last, name] for first, last, name in chunks]
    for left, right in zip(bounds, bounds[1:], strict=False):
        a, b = left[1], right[0]
        common = 0
        while common < min(len(a), len(b)) and a[common] == b[common]:
            common += 1
        left[1], right[0] = a[: common + 1], b[: common + 1]
    return bounds


# ---------------------------------------------------------------------------- bundle


def _batches(
    sources: list[list[dict] | str], counts: list[int], size: int
) -> Iterator[tuple[list, int]]:
    """Sources grouped into map tasks of about ``size`` records, with their first page."""
    batch: list = []
    held = first = page = 0
    for source, count in zip(sources, counts, strict=True):
        if batch and held + count > size:
            yield batch, first
            batch, held, first = [], 0, page
        batch.append(source)
        held += count
        page += count
    if batch:
        yield batch, first


def _count(source: list[dict] | str) -> int:
    if isinstance(source, str):
        with open(source, "rb") as f:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b""))
    return len(source)


def write_bundle(
    sources: Iterable[list[dict] | str],
    bundle: Path,
    jobs: int | None = None,
    batch: int = BATCH_RECORDS,
) -> int:
    """Write a Pagefind bundle at ``bundle`` of the search records in ``sources`` (lists
    of records, or JSON-lines files of them), pages numbered in that order, on ``jobs``
    processes, ``batch`` records per map task; its bytes."""
    sources = list(sources)
    if len(sources) == 1 and not isinstance(sources[0], str):
        records = sources[0]
        step = min(batch, 200)
        sources = [records[i : i + step] for i in range(0, len(records), step)] or [[]]
    counts = [_count(s) for s in sources]
    jobs = max(1, min(jobs or os.cpu_count() or 1, -(-sum(counts) // batch)))
    if bundle.exists():
        shutil.rmtree(bundle)
    for folder in ("fragment", "index", "filter"):
        (bundle / folder).mkdir(parents=True, exist_ok=True)
    tasks_dir = tempfile.mkdtemp(prefix=".search-", dir=bundle.parent)
    try:
        batches = _batches(sources, counts, batch)
        tasks = [(batch, first, str(bundle), tasks_dir) for batch, first in batches]
        # Workers from a fresh process, not forks of this one: a publish holds the site
        # model (~0.8 GB at 224,000 articles), which forks would count again each.
        context = multiprocessing.get_context("forkserver")
        pool = (
            ProcessPoolExecutor(jobs, mp_context=context) if jobs > 1 and len(tasks) > 1 else None
        )
        try:
            run = pool.map if pool else map
            mapped = list(run(_map, tasks))
            by_first: dict[str, list] = defaultdict(list)
            for _, _, spill, ranges in mapped:
                for first, (start, length) in ranges.items():
                    by_first[first].append((spill, start, length))
            # The largest first characters first: the pool ends together.
            order = sorted(by_first, key=lambda c: -sum(p[2] for p in by_first[c]))
            found = run(_reduce, [(by_first[c], str(bundle)) for c in order])
            reduced = dict(zip(order, found, strict=True))
        finally:
            if pool:
                pool.shutdown()
        chunks = [chunk for first in sorted(reduced) for chunk in reduced[first]]
    finally:
        shutil.rmtree(tasks_dir, ignore_errors=True)
    pages = [page for found, *_ in mapped for page in found]
    filters: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for _, found, *_ in mapped:
        for key, values in found.items():
            for value, numbers in values.items():
                filters[key][value] += numbers
    meta_filters = []
    for rank, key in enumerate(sorted(filters)):
        values = [[value, filters[key][value]] for value in sorted(filters[key])]
        payload = cbor([key, values])
        name = _name(f"{rank:x}", payload)
        _write(bundle / "filter" / f"{name}.pf_filter", _compressed(payload))
        meta_filters.append([key, name])
    version = copy_assets(bundle)
    meta = cbor(
        [
            version,
            [[name, count] for name, count in pages],
            _shortest_bounds(chunks),
            meta_filters,
            [],
            ["title"],
        ]
    )
    meta_name = f"en_{hashlib.sha1(meta).hexdigest()[:10]}"
    _write(bundle / f"pagefind.{meta_name}.pf_meta", _compressed(meta, 9))  # every query
    entry = {
        "version": version,
        "languages": {"en": {"hash": meta_name, "wasm": "en", "page_count": len(pages)}},
        "include_characters": ["_", "‿", "⁀", "⁔", "︳", "︴", "﹍", "﹎", "﹏", "＿"],
    }
    _write(bundle / "pagefind-entry.json", json.dumps(entry, ensure_ascii=False).encode())
    return folder_bytes(bundle)


def folder_bytes(folder: Path | str) -> int:
    """The bytes of the files under ``folder`` (os.scandir: 3x faster than Path.rglob
    over a bundle's 56,000 fragments)."""
    total = 0
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                total += folder_bytes(entry.path)
            else:
                total += entry.stat(follow_symlinks=False).st_size
    return total


# ---------------------------------------------------------------------------- assets


def _assets_dir() -> Path:
    from importlib.metadata import version

    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "kbarchive" / f"pagefind-{version('pagefind')}"


def copy_assets(bundle: Path) -> str:
    """Pagefind's scripts, styles and WebAssembly into the bundle; their version. They
    come from the Pagefind binary (a one-page index written once, kept in the user's
    cache), which must write the format this module writes."""
    assets = _assets_dir()
    if not (assets / "pagefind-entry.json").exists():
        from kb.search_index import pagefind_service_bundle

        assets.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".assets-", dir=assets.parent))
        try:
            one = {"url": "/", "content": "kb", "language": "en", "meta": {}}
            pagefind_service_bundle([one], tmp / "bundle")  # an English one: en WebAssembly
            for path in (tmp / "bundle").iterdir():
                if path.is_file() and path.suffix in ASSET_SUFFIXES:
                    shutil.copyfile(path, tmp / path.name)
            # Last: its presence says the folder is complete.
            shutil.copyfile(tmp / "bundle" / "pagefind-entry.json", tmp / "pagefind-entry.json")
            shutil.rmtree(tmp / "bundle")
            if assets.exists() and not (assets / "pagefind-entry.json").exists():
                shutil.rmtree(assets, ignore_errors=True)  # left incomplete
            with contextlib.suppress(OSError):  # another process got there first
                tmp.rename(assets)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    version = json.loads((assets / "pagefind-entry.json").read_text())["version"]
    if not version.startswith(FORMAT):
        raise RuntimeError(
            f"the pagefind binary is version {version}; kb writes the format of "
            f"{FORMAT}x (pip install 'pagefind[bin]>=1.5,<1.6')"
        )
    for path in assets.iterdir():
        if path.suffix in ASSET_SUFFIXES:
            shutil.copyfile(path, bundle / path.name)
    return version
