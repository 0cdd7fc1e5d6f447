"""Exact top-N ranking of plain-word queries, scored a whole posting list at a time.

A plain-word query (``mta bindings``) asks for the articles whose text holds every
word, ranked by BM25F over the body plus what the words add in the title and the
symptoms: exactly what Whoosh computes for ``AndMaybe(And(body terms), Or(title and
symptoms terms))``. Whoosh walks such a query one posting at a time in Python, and
its top-N shortcut (matcher replacement) drops real results: for 'windows version'
9 of the true top 20 were missing (whoosh-community/whoosh#122). Here the lists are
read whole (frequent ones from :mod:`indexer.hotlists`), intersected as sets, and
scored with Whoosh's own BM25F formula and statistics, so the scores are Whoosh's
and the top N is exact.
"""

from __future__ import annotations

import heapq
import itertools
import pickle
import sys
import zlib
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from indexer import hotlists
from indexer.schema import text_analyzer

BODY = "body"
DECODED_LISTS = 4000  # rarer words' decoded posting lists kept by an open searcher
BOOSTS = ("title", "symptoms")
VECTOR_MIN = 1000  # postings: when the shortest list is this long, scored with NumPy,
VECTOR_LOADED = 100  # or this long once NumPy is loaded (importing it takes ~0.15 s)
SEARCH_RATIO = 16  # a list this many times longer than the candidates is searched


@dataclass
class Ranked:
    docnum: int  # in the whole index
    score: float
    terms: list[tuple[str, str]]  # (field, word) pairs that matched


class Segments:
    """The sidecars of an open index's segments, opened once per searcher."""

    def __init__(self, index_dir: Path):
        self.index_dir = Path(index_dir)
        self._open: dict[str, hotlists.Sidecar | None] = {}
        self._chains: dict[tuple[str, str], _Chain | None] = {}
        self._decoded: dict[tuple, tuple] = {}
        self._lengths: dict[tuple[str, str], array | _FieldLengths] = {}
        self._scratch: dict[str, tuple] = {}

    def sidecar(self, reader) -> hotlists.Sidecar | None:
        segment_id = reader.segment().segment_id()
        if segment_id not in self._open:
            found = None
            if reader.doc_count_all() >= hotlists.MIN_SEGMENT_DOCS:
                found = hotlists.open_sidecar(self.index_dir, segment_id, reader.doc_count_all())
            self._open[segment_id] = found
        return self._open[segment_id]

    def postings(
        self, reader, sidecar: hotlists.Sidecar | None, word: str, field: str = BODY
    ) -> tuple:
        """A word's postings (document numbers, weights) in one field of one segment;
        lists not in the sidecar are decoded once and kept (the most recent few
        thousand)."""
        stored = sidecar.postings(field, word) if sidecar is not None else None
        if stored is not None:
            return stored
        key = (reader.segment().segment_id(), field, word)
        found = self._decoded.pop(key, None)
        if found is None:
            found = hotlists.decode(reader, field, word)
            if len(self._decoded) >= DECODED_LISTS:
                del self._decoded[next(iter(self._decoded))]  # the least recently used
        self._decoded[key] = found
        return found

    def lengths(self, reader, sidecar: hotlists.Sidecar | None, field: str):
        """A segment's field lengths by document: its sidecar's array (read once and
        kept), else read from Whoosh one document at a time."""
        key = (reader.segment().segment_id(), field)
        if key not in self._lengths:
            stored = sidecar.lengths(field) if sidecar is not None else None
            self._lengths[key] = stored if stored is not None else _FieldLengths(reader, field)
        return self._lengths[key]

    def chain(self, reader, word: str) -> _Chain | None:
        """Where the blocks of a word's body postings lie (cached), or None."""
        key = (reader.segment().segment_id(), word)
        if key not in self._chains:
            if len(self._chains) > 50_000:
                self._chains.clear()
            matcher = reader.postings(BODY, word)
            ok = type(matcher).__name__ == "W3LeafMatcher" and hasattr(matcher, "_nextoffset")
            self._chains[key] = _Chain(matcher) if ok else None
        return self._chains[key]

    def scratch(self, reader) -> tuple:
        """Two arrays as long as the segment, made once: one of -1s, one counting
        from 0 (NumPy: a fresh array of this size costs more than the search). Used
        and restored within one query: like the other caches here, not for two
        threads at once."""
        import numpy as np

        key = reader.segment().segment_id()
        if key not in self._scratch:
            size = reader.doc_count_all()
            self._scratch[key] = (np.full(size, -1, np.intp), np.arange(size, dtype=np.intp))
        return self._scratch[key]

    def close(self) -> None:
        self._scratch.clear()
        for sidecar in self._open.values():
            if sidecar is not None:
                sidecar.close()
        self._open.clear()


def supported(searcher) -> bool:
    """Only BM25F (Whoosh's default weighting) is reproduced here."""
    from whoosh import scoring

    return type(searcher.weighting) is scoring.BM25F and all(
        f in searcher.schema for f in (BODY, *BOOSTS)
    )


def top(
    searcher,
    segments: Segments,
    words: list[str],
    limit: int,
    allowed: set[int] | None = None,
) -> tuple[list[Ranked], int]:
    """The ``limit`` best documents holding every word in the body (and, when
    ``allowed`` is given, among those document numbers), best first; and how many
    documents match in all."""
    candidates: list[tuple[float, int, int, list]] = []  # score, -docnum, local, lists
    total = 0
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        sidecar = segments.sidecar(reader)
        body = [segments.postings(reader, sidecar, w) for w in words]
        if not all(ids for ids, _ in body):
            continue
        keep = None
        if allowed is not None:
            end = offset + reader.doc_count_all()
            keep = {d - offset for d in allowed if offset <= d < end}
        score = _score_arrays if _vectorised(min(len(ids) for ids, _ in body)) else _score_sets
        count, best, lists = score(searcher, segments, reader, sidecar, words, body, keep, limit)
        total += count
        candidates += [(s, -(d + offset), d, lists) for d, s in best]
    ranked = []
    # Ties go to the lower document number, as in Whoosh.
    for score, negative, local, lists in heapq.nlargest(limit, candidates, key=lambda c: c[:2]):
        terms = [(field, word) for field, word, ids in lists if _holds(ids, local)]
        ranked.append(Ranked(docnum=-negative, score=score, terms=terms))
    return ranked, total


def _vectorised(shortest: int) -> bool:
    """Whether to score with NumPy: it is faster from ~100 candidates on, but a cold
    ``kb search`` would spend more on importing it than it saves below ~1,000."""
    return shortest >= VECTOR_MIN or (shortest >= VECTOR_LOADED and "numpy" in sys.modules)


def _score_sets(searcher, segments, reader, sidecar, words, body, keep, limit):
    """One segment scored document by document: (matching documents, the ``limit``
    best as (local docnum, score), the lists that matched as (field, word, ids))."""
    weighting = searcher.weighting
    k1 = weighting.K1
    shortest, *others = sorted((ids for ids, _ in body), key=len)
    docs = list(shortest)
    for ids in others:  # (a set of a frequent word's list would cost its whole length)
        docs = _within(docs, ids)
    if reader.has_deletions():
        deleted = _deleted(reader)
        docs = [d for d in docs if d not in deleted]
    if keep is not None:
        docs = [d for d in docs if d in keep]
    if not docs:
        return 0, [], []
    scores = dict.fromkeys(docs, 0.0)
    lists: list[tuple[str, str, array]] = []
    for field in (BODY, *BOOSTS):
        b = weighting._field_B.get(field, weighting.B)
        avgfl = searcher.avg_field_length(field) or 1
        lengths = segments.lengths(reader, sidecar, field)
        for i, word in enumerate(words):
            found = body[i] if field == BODY else segments.postings(reader, sidecar, word, field)
            ids, weights = found
            if not ids:
                continue
            lists.append((field, word, ids))
            idf = searcher.idf(field, word)
            place = 0
            for d in docs:  # (ascending: each search starts where the last ended)
                place = bisect_left(ids, d, place)
                if place == len(ids):
                    break
                if ids[place] != d:
                    continue
                tf = weights[place]
                # Whoosh's bm25(), written out with the same operations in the same
                # order, so each term's score is Whoosh's to the last bit.
                scores[d] += idf * (
                    (tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * lengths[d] / avgfl))
                )
    best = heapq.nlargest(limit, scores.items(), key=lambda kv: (kv[1], -kv[0]))
    return len(docs), best, lists


def _within(docs: list[int], ids) -> list[int]:
    """The ``docs`` (ascending) that are in ``ids`` (ascending): a binary search each,
    every search starting where the last ended."""
    kept: list[int] = []
    place, end = 0, len(ids)
    for d in docs:
        place = bisect_left(ids, d, place)
        if place == end:
            break
        if ids[place] == d:
            kept.append(d)
    return kept


def _score_arrays(searcher, segments, reader, sidecar, words, body, keep, limit):
    """:func:`_score_sets` with NumPy, for long lists: the same operations in the same
    order on float64 arrays (IEEE doubles, as Python's floats), so the same bits.
    Each list is looked up for the candidates only (:func:`_found`): a frequent word
    met with a rare one costs the rare one's count, not its own length."""
    import numpy as np

    weighting = searcher.weighting
    k1 = weighting.K1
    scratch = segments.scratch(reader)
    arrays = [(np.asarray(ids), np.asarray(weights)) for ids, weights in body]
    shortest, *others = sorted(arrays, key=lambda pair: len(pair[0]))
    docs = shortest[0].astype(np.intp)
    for ids, _ in others:
        docs = docs[_found(ids, docs, scratch)[1]]
    if reader.has_deletions():
        docs = docs[~np.isin(docs, np.fromiter(_deleted(reader), np.int64))]
    if keep is not None:
        docs = docs[np.isin(docs, np.fromiter(keep, np.int64))]
    if not len(docs):
        return 0, [], []
    scores = np.zeros(len(docs))
    lists: list[tuple[str, str, array]] = []
    for field in (BODY, *BOOSTS):
        b = weighting._field_B.get(field, weighting.B)
        avgfl = searcher.avg_field_length(field) or 1
        for i, word in enumerate(words):
            found = body[i] if field == BODY else segments.postings(reader, sidecar, word, field)
            if not found[0]:
                continue
            lists.append((field, word, found[0]))
            idf = searcher.idf(field, word)
            ids, weights = arrays[i] if field == BODY else map(np.asarray, found)
            place, held = _found(ids, docs, scratch)
            where = np.flatnonzero(held)  # (every candidate, for a body word)
            tf = weights[place[where]].astype(np.float64)
            length = _length_array(segments, reader, sidecar, field, docs[where])
            scores[where] += idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * length / avgfl)))
    # The best ``limit``, ties included, then ordered as Whoosh orders them.
    if len(scores) > limit:
        floor = np.partition(scores, len(scores) - limit)[len(scores) - limit]
        chosen = np.flatnonzero(scores >= floor)
    else:
        chosen = np.arange(len(scores))
    order = chosen[np.lexsort((docs[chosen], -scores[chosen]))][:limit]
    best = [(int(d), float(s)) for d, s in zip(docs[order], scores[order], strict=True)]
    return len(docs), best, lists


def _found(ids, docs, scratch):
    """Where each of ``docs`` sits in the ascending ``ids`` (NumPy arrays), and
    whether it is there. Few candidates in a long list are searched for; many are
    looked up in a map of the list's positions by document, made in ``scratch``
    (:meth:`Segments.scratch`) and cleared again."""
    import numpy as np

    if len(docs) * SEARCH_RATIO < len(ids):
        place = np.searchsorted(ids, docs.astype(ids.dtype))
        np.minimum(place, len(ids) - 1, out=place)
        return place, ids[place] == docs
    where, count = scratch
    ids = ids.astype(np.intp)
    where[ids] = count[: len(ids)]
    place = where[docs]
    where[ids] = -1
    held = place >= 0
    place[~held] = 0
    return place, held


def _length_array(segments: Segments, reader, sidecar, field: str, docs):
    """The field lengths of ``docs`` (a NumPy array of local document numbers)."""
    import numpy as np

    stored = segments.lengths(reader, sidecar, field)
    if isinstance(stored, array):
        return np.asarray(stored)[docs].astype(np.float64)  # (a view of the array)
    return np.array([stored[int(d)] or 0 for d in docs], np.float64)


def _deleted(reader) -> frozenset[int]:
    cached = getattr(reader, "deleted_docs_set", None)  # SegmentReader keeps this set
    if cached is not None:
        return cached
    return frozenset(d for d in range(reader.doc_count_all()) if reader.is_deleted(d))


class _FieldLengths:
    """Per-document field lengths read one at a time from Whoosh (small segments)."""

    def __init__(self, reader, field: str):
        self.reader, self.field = reader, field

    def __getitem__(self, docnum: int) -> int:
        return self.reader.doc_field_length(docnum, self.field, 1)


# ---------------------------------------------------------------- pasted messages


@dataclass
class MessageRanked:
    docnum: int  # in the whole index
    score: float
    exact: bool  # the message's tokens all there, in order, at the same distances
    words: list[str]  # the message words the article holds (indexed forms)
    runs: int  # how many of the message's neighbouring word pairs it holds as neighbours


RARE_SHARE = 0.04  # words in more than this share of articles only score candidates
GATHER = 4  # at least this many of a message's words gather candidates
POOL = 150  # candidates scored by BM25 over every message word
NEAR = 16  # of those, the best read for word positions (runs, exact phrase)
SLACK = 3  # extra tokens allowed between neighbours (a placeholder became a path)
COORD = 2  # the share of the message held, to this power, scales the score
SOFT_WEIGHT = 0.3  # a word with digits may be the user's own value
BLOCK_BUDGET = 60  # posting blocks read for word positions, per search
SHORT_LIST = 512  # postings: a list this short is read for every document first
RUN_WEIGHT = 2.0  # what the message's word runs add
TITLE_WEIGHT = 1.0  # what the message's words in the article's title add


def message_top(
    searcher,
    segments: Segments,
    words: list,
    exact: list[tuple[int, str]],
    limit: int,
    allowed: set[int] | None = None,
) -> tuple[list[MessageRanked], int]:
    """Articles that print a pasted message, best first, and how many hold any of its
    rarer words. ``words`` are :class:`indexer.message.Word` (values masked out);
    ``exact`` every token of the message as given.

    The message's rarer words (at least the :data:`GATHER` rarest) gather the articles
    holding them; the :data:`POOL` holding most of them are scored by BM25 over all the
    message's own words (a disjunction: the user's values and a cut-off word need not
    be there; words with digits count a little), scaled by the share of the message's
    rarity they hold. The best :data:`NEAR` are then raised by the neighbouring message
    words they hold as neighbours, in the same order (runs of the message, weighted by
    rarity), and by the message's words in their title. An article holding every token
    of the message at the same distances (the exact phrase) comes first.
    """
    weighting = searcher.weighting
    k1 = weighting.K1
    b = weighting._field_B.get(BODY, weighting.B)
    avgfl = searcher.avg_field_length(BODY) or 1
    doc_count = searcher.doc_count_all() or 1
    stems = list(dict.fromkeys(w.text for w in words if not w.soft))
    soft = [s for s in dict.fromkeys(w.text for w in words if w.soft) if s not in stems]
    idf = {s: searcher.idf(BODY, s) for s in stems + soft}
    mass = sum(idf[s] for s in stems) or 1.0
    numbers = [t for t in dict.fromkeys(t for _, t in exact) if t not in idf]
    idf |= {t: searcher.idf(BODY, t) for t in numbers}
    lists_by_reader: dict[int, dict] = {}
    pooled: list[tuple] = []  # score, -docnum, local, segment reader, words held
    total = 0
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        sidecar = segments.sidecar(reader)
        lists = {s: segments.postings(reader, sidecar, s) for s in stems + soft + numbers}
        lists_by_reader[id(reader)] = lists
        present = [s for s in stems if lists[s][0]]
        if not present:
            continue
        # The rare words gather the candidates; at least the GATHER rarest do.
        by_rarity = sorted(present, key=lambda s: len(lists[s][0]))
        rare = [s for s in by_rarity if searcher.doc_frequency(BODY, s) <= RARE_SHARE * doc_count]
        rare = by_rarity[: max(len(rare), GATHER)]
        lengths = segments.lengths(reader, sidecar, BODY)
        deleted = _deleted(reader) if reader.has_deletions() else frozenset()
        # How many of the rare words each article holds (counted in C).
        gathered = Counter(itertools.chain.from_iterable(lists[s][0] for s in rare))
        if deleted:
            for d in deleted.intersection(gathered):
                del gathered[d]
        if allowed is not None:
            end = offset + reader.doc_count_all()
            keep = {d - offset for d in allowed if offset <= d < end}
            gathered = {d: v for d, v in gathered.items() if d in keep}
        total += len(gathered)
        # The pool: the articles holding most of the rare words (shorter ones first).
        top = max(gathered.values(), default=0.0) * 0.5  # (fewer keys for the heap)
        near_top = [d for d, v in gathered.items() if v >= top]
        best = heapq.nlargest(POOL, near_top, key=lambda d: (gathered[d], -lengths[d], -d))
        values = [s for s in soft + numbers if lists[s][0]]  # may be the user's own
        for d in best:
            held = []
            score = 0.0
            norm = k1 * ((1 - b) + b * lengths[d] / avgfl)
            for s in present + values:
                ids, weights = lists[s]
                i = bisect_left(ids, d)
                if i < len(ids) and ids[i] == d:
                    tf = weights[i]
                    share = idf[s] * ((tf * (k1 + 1)) / (tf + norm))
                    if s in values:
                        score += share * SOFT_WEIGHT
                    else:
                        score += share
                        held.append(s)
            cover = sum(idf[s] for s in held) / mass
            pooled.append((score * cover**COORD, -(d + offset), d, reader, held))
    near = heapq.nlargest(NEAR, pooled, key=lambda c: c[:2])
    ranked = []
    by_reader: dict[int, list] = {}
    for score, negative, local, reader, held in near:
        by_reader.setdefault(id(reader), []).append((local, reader, -negative, score, held))
    weights_by_word = {w.text: idf.get(w.text, 0.0) for w in words}
    analyzer = text_analyzer()
    for group in by_reader.values():
        reader = group[0][1]
        # Posting blocks to read for positions: each segment its share of the budget.
        budget = [round(BLOCK_BUDGET * len(group) / len(near))]
        locals_ = [local for local, *_ in group]
        lists = lists_by_reader[id(reader)]
        # Rare words first: their blocks are few and shared, and say the most.
        needed = sorted(
            {w.text for w in words} | {t for _, t in exact},
            key=lambda s: len(lists[s][0]) if s in lists else 0,
        )
        positions = _positions(segments, reader, lists, needed, locals_, budget)
        for local, _, docnum, score, held in group:
            found = positions.get(local, {})
            runs, run_score = _runs(words, found, weights_by_word)
            is_exact = bool(exact) and _exact(exact, found)
            title = {t.text for t in analyzer(searcher.stored_fields(docnum).get("title") or "")}
            final = (
                score
                + RUN_WEIGHT * run_score
                + TITLE_WEIGHT * sum(idf[s] for s in held if s in title)
            )
            ranked.append(MessageRanked(docnum, final, is_exact, held, runs))
    ranked += [
        MessageRanked(-negative, score, False, held, 0)
        for score, negative, _, _, held in heapq.nlargest(
            limit + NEAR, pooled, key=lambda c: c[:2]
        )[NEAR:]
    ]
    ranked.sort(key=lambda r: (not r.exact, -r.score, r.docnum))
    return ranked[:limit], total


def _positions(
    segments: Segments, reader, lists: dict, stems: list[str], docs: list[int], budget: list
) -> dict[int, dict[str, set[int]]]:
    """doc -> stem -> the positions of that stem in the body, for documents of one
    segment (best first), reading no more posting blocks than ``budget[0]``: first the
    short lists (a block or a few serve every document), then the long ones document
    by document, so that the best documents are read whole. What the budget leaves out
    is not found."""
    found: dict[int, dict[str, set[int]]] = {d: {} for d in docs}
    tasks: list[tuple[str, int, int]] = []  # stem, document, its place in the list
    long: list[tuple[str, int, int]] = []
    for stem in stems:
        ids = lists[stem][0] if stem in lists else ()
        for d in docs:
            i = bisect_left(ids, d)
            if i < len(ids) and ids[i] == d:
                (tasks if len(ids) <= SHORT_LIST else long).append((stem, d, i))
    rank = {d: n for n, d in enumerate(docs)}
    tasks += sorted(long, key=lambda t: rank[t[1]])  # (stable: rarer stems first)
    blocks: dict[tuple[str, int], tuple] = {}
    for stem, d, i in tasks:
        chain = segments.chain(reader, stem)
        if chain is None:  # not a Whoosh 3 posting list: through a matcher
            m = reader.postings(BODY, stem)
            m.skip_to(d)
            if m.is_active() and m.id() == d:
                found[d][stem] = set(m.value_as("positions"))
            continue
        k = bisect_right(chain.starts, i) - 1
        if (stem, k) not in blocks:
            if budget[0] <= 0:
                continue
            budget[0] -= 1
            blocks[stem, k] = chain.values(k)
        found[d][stem] = set(chain.positions(blocks[stem, k][i - chain.starts[k]]))
    return found


class _Chain:
    """Where each block of one term's posting list lies in the postings file (Whoosh 3
    codec), so that the block holding the n-th posting is read without walking the
    blocks before it."""

    def __init__(self, matcher):
        self.postfile = matcher._postfile
        self.format = matcher.format
        self.starts: list[int] = []
        self.places: list[tuple[int, int, int]] = []
        count = 0
        while True:
            self.starts.append(count)
            self.places.append((matcher._dataoffset, matcher._nextoffset, matcher._compression))
            count += matcher._blocklength
            if matcher._lastblock:
                break
            matcher._next_block()

    def values(self, k: int) -> tuple:
        start, end, compression = self.places[k]
        data = self.postfile.get(start, end - start)
        if compression:
            data = zlib.decompress(data)
        return pickle.loads(data)[2]

    def positions(self, value: bytes) -> list[int]:
        return self.format.decode_positions(value)


def _runs(words: list, found: dict[str, set[int]], weight: dict[str, float]):
    """Neighbouring message words (or words one apart, where a word between them is
    missing) that the article holds in the same order within a few tokens: how many,
    and their summed rarity."""
    count, score = 0, 0.0
    for i, first in enumerate(words):
        here = found.get(first.text)
        if not here:
            continue
        for second in words[i + 1 : i + 3]:
            there = found.get(second.text)
            if not there:
                continue
            reach = second.pos - first.pos + SLACK
            if any(p + step in there for p in here for step in range(1, reach + 1)):
                count += 1
                score += min(weight[first.text], weight[second.text])
                break
    return count, score


def _exact(exact: list[tuple[int, str]], found: dict[str, set[int]]) -> bool:
    """Every token at the same distance from the first as in the message."""
    start, first = exact[0]
    if first not in found:
        return False
    for p in found[first]:
        if all(t in found and p + (pos - start) in found[t] for pos, t in exact[1:]):
            return True
    return False


def _holds(ids, d: int) -> bool:
    i = bisect_left(ids, d)
    return i < len(ids) and ids[i] == d


__all__ = ["MessageRanked", "Ranked", "Segments", "message_top", "supported", "top"]
