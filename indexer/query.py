"""The lookups behind ``kb event``, ``kb error`` and ``kb search``.

Every lookup returns :class:`Hit` objects: the article, what matched (event, error
code, article, title, text) and the matched terms, so the CLI only formats them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from whoosh import collectors, index
from whoosh import query as q
from whoosh.query import qcore

from indexer import lookup_table, message, ranking
from indexer.build import INDEX_NAME
from indexer.hits import Hit, event_key, record_snippet
from indexer.schema import text_analyzer
from kb import codes
from kb.model import Article


class QueryError(ValueError):
    """What the user typed cannot be a query of this kind (exit status 2)."""


class NoIndex(RuntimeError):
    """There is no index in this workspace yet."""


@dataclass
class Result:
    hits: list[Hit]
    total: int
    suggestion: str | None = None


_FIELD_LABELS = {
    "events": "event",
    "codes": "error code",
    "aliases": "article",
    "title": "title",
    "symptoms": "text",
    "body": "text",
    "tag": "tag",
    "products": "product",
    "keywords": "keyword",
}
MESSAGE_MIN_WORDS = 3  # a paste with fewer words of its own is searched as a phrase
_EVENT_WORD = re.compile(r"^(?:(?P<source>.+):)?(?P<id>\d{1,5})$", re.S)


class Searcher:
    """One open index; cheap to keep and reuse for many queries."""

    def __init__(
        self,
        index_dir: Path,
        load: Callable[[int], Article | None] | None = None,
        table: bool = True,
    ):
        """``load`` fetches a record by number (for snippets and spelling suggestions);
        ``table``: answer event and error-code lookups from the lookup table when it
        describes this index (the same answers, scored without Whoosh's matchers)."""
        if not index.exists_in(index_dir, indexname=INDEX_NAME):
            raise NoIndex(f"no index in {index_dir}; run 'kb rebuild' or 'kb add FILE'")
        self.load = load
        self.index_dir = Path(index_dir)
        self.ix = index.open_dir(index_dir, indexname=INDEX_NAME)
        self.searcher = self.ix.searcher()
        self.segments = ranking.Segments(index_dir)
        self._ranked = ranking.supported(self.searcher)
        self._text_parser = None  # whoosh.qparser.MultifieldParser, made on first use
        self._table: lookup_table.Table | None | bool = table  # opened on first use

    def close(self) -> None:
        self.segments.close()
        if isinstance(self._table, lookup_table.Table):
            self._table.close()
        self.searcher.close()

    def __enter__(self) -> Searcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- lookups

    def event(self, spec: str, source: str | None = None, limit: int = 20) -> Result:
        """``9321``, ``MSExchangeMTA:9321`` or ``9321`` with ``source``."""
        given_source, _, given_id = spec.strip().rpartition(":")
        match = _EVENT_WORD.match(f"{given_source}:{given_id}" if given_source else given_id)
        if not match:
            raise QueryError(
                f"not an event ID: {spec!r} (expected a number such as 9321 "
                "or SOURCE:ID such as MSExchangeMTA:9321)"
            )
        source = source or match.group("source")
        event_id = int(match.group("id"))
        term = event_key(source, event_id) if source else str(event_id)
        # Required: the event. Ranking: articles that name it in title or symptoms first.
        rank = q.Or([q.Term("title", str(event_id)), q.Term("symptoms", str(event_id))])
        query = q.AndMaybe(q.Term("events", term), rank)
        return self._exact(query, limit, ["event"], "event", spec, source)

    def error(self, code: str, limit: int = 20) -> Result:
        keys = codes.query_keys(code)
        if not keys:
            raise QueryError(f"not an error code: {code!r} (try 0x80004005, 11004, -1018, L1073)")
        required = q.Or([q.Term("codes", k) for k in keys])
        # Ranking: articles that print the code (in any notation) in title or symptoms.
        printed = {code.lower()}
        for value in codes.interpret(code):
            printed.update(f.lower() for f in codes.notations(value) if " " not in f)
        rank = q.Or([q.Term(field, p) for p in sorted(printed) for field in ("title", "symptoms")])
        return self._exact(q.AndMaybe(required, rank), limit, ["error code"], "error", code)

    def search(
        self,
        text: str,
        product: str | None = None,
        tag: str | None = None,
        limit: int = 20,
        paste: bool = False,
    ) -> Result:
        """``paste``: the text is a message copied off a screen (see :meth:`message`);
        one too short to be one is searched as a phrase."""
        text = text.strip()
        if not text and not product and not tag:
            raise QueryError("empty query")
        filters: list[q.Query] = []
        if product:
            words = [w for w in re.findall(r"\w+", product.lower())]
            filters.append(q.And([q.Term("products", w) for w in words]))
        if tag:
            filters.append(q.Term("tag", tag.lower()))
        if paste and self._ranked:
            reader = self.searcher.reader()
            parsed = message.parse(text, lambda w: reader.doc_frequency("body", w) >= 100)
            if sum(not w.soft for w in parsed.words) >= MESSAGE_MIN_WORDS:
                return self._run_message(parsed, text, limit, filters)
            if '"' not in text and len(text.split()) > 1:
                text = f'"{text}"'  # a short paste is a phrase, as it always was
        numbers = self._number_queries(text) if text else []
        words = _plain_words(text) if self._ranked and not numbers else None
        if words:
            result = self._run_ranked(words, limit, filters)
        else:
            parts: list[q.Query] = []
            if text:
                parts.append(self._text_query(text))
                parts.extend(numbers)
            main: q.Query = q.Or(parts) if len(parts) > 1 else (parts[0] if parts else q.Every())
            result = self._run(q.And([main, *filters]) if filters else main, limit, None)
        if not result.hits and text:
            result.suggestion = self._suggest(text)
        return result

    # --------------------------------------------------------------- helpers

    def _text_query(self, text: str) -> q.Query:
        words = _plain_words(text)
        if words:
            return _plain_words_query(words)
        if self._text_parser is None:
            from whoosh import qparser  # only text searches pay for the parser

            parser = qparser.MultifieldParser(
                ["title", "symptoms", "body"],
                self.ix.schema,
                group=qparser.AndGroup,
            )
            parser.remove_plugin_class(qparser.WildcardPlugin)
            parser.add_plugin(qparser.WildcardPlugin())
            self._text_parser = parser
        try:
            parsed = self._text_parser.parse(text)
        except Exception as exc:  # whoosh raises assorted errors on odd syntax
            raise QueryError(f"cannot parse query {text!r}: {exc}") from None
        return _allow_stopword_gaps(parsed, text)

    def _number_queries(self, text: str) -> list[q.Query]:
        """A bare number (or code) is also an event ID, an error code and an article."""
        word = text.strip().strip('"')
        if " " in word:
            return []
        extra: list[q.Query] = []
        if re.fullmatch(r"(?:kb|q)?\d{1,7}", word, re.I):
            extra.append(q.Term("aliases", word.lower()))
        if re.fullmatch(r"\d{1,5}", word):
            extra.append(q.Term("events", word))
        keys = codes.query_keys(word)
        if keys:
            extra.append(q.Or([q.Term("codes", k) for k in keys]))
        return extra

    def _suggest(self, text: str) -> str | None:
        """'bindng order' -> 'binding order': each unknown word by its nearest indexed word."""
        words = re.findall(r"[A-Za-z][\w'-]*", text)
        if not words:
            return None
        reader = self.searcher.reader()
        corrected = text
        changed = False
        for word in words:
            stemmed = [t.text for t in text_analyzer()(word.lower())]
            if all(reader.doc_frequency("body", t) for t in stemmed):
                continue
            options = self.searcher.suggest("body", word.lower(), limit=8, maxdist=2)
            words = [w for stem in options for w in self._words_with_stem(stem)]
            if not words:
                continue
            best = min(words, key=lambda o: (_distance(word.lower(), o), words.index(o)))
            corrected = re.sub(rf"\b{re.escape(word)}\b", best, corrected, count=1)
            changed = True
        if not changed:
            return None
        words = _plain_words(corrected)
        if words and self._ranked:
            found = ranking.top(self.searcher, self.segments, words, 1)[1]
        else:
            found = len(self.searcher.search(self._text_query(corrected), limit=1))
        return corrected if found else None

    def _words_with_stem(self, stem: str, sample: int = 3) -> list[str]:
        """The index holds stems ('bind'); find the words behind one in a few articles."""
        if self.load is None:
            return [stem]
        found: dict[str, int] = {}
        analyzer = text_analyzer()
        for hit in self.searcher.search(q.Term("body", stem), limit=sample):
            article = self.load(hit["number"])
            if article is None:
                continue
            for token in analyzer(article.plain_text(), mode="index"):
                if token.text == stem:
                    found[token.original] = found.get(token.original, 0) + 1
        return sorted(found, key=lambda w: -found[w]) or [stem]

    def _exact(self, query: q.Query, limit: int, fixed: list[str], kind: str, *args) -> Result:
        """An event or error-code lookup: from the lookup table when it holds every
        term the query needs (:mod:`indexer.lookup_table` scores as Whoosh does, to the
        last bit), else through Whoosh."""
        table = self._lookup_table()
        if table is not None:
            try:
                if kind == "event":
                    found, total = table.event(*args, limit)
                else:
                    found, total = table.error(*args, limit)
            except (ValueError, lookup_table.NotCovered):
                pass
            else:
                hits = [
                    self._hit(f.docnum, f.score, [("", word) for word in f.terms], fixed)
                    for f in found
                ]
                return Result(hits=hits, total=total)
        return self._run(query, limit, fixed)

    def _lookup_table(self) -> lookup_table.Table | None:
        if self._table is True:
            found = lookup_table.open_table(self.index_dir)
            generation = self.searcher.reader().generation()
            if found is not None and found.generation != generation:
                found.close()  # the index changed between opening the two
                found = None
            self._table = found
        return self._table or None

    def _run(self, query: q.Query, limit: int, fixed: list[str] | None) -> Result:
        # Whoosh's default top-N collector replaces matchers on the fly and can drop
        # real results (whoosh-community/whoosh#122); replace=0 keeps it exact.
        collector = collectors.TermsCollector(collectors.TopCollector(limit=limit, replace=0))
        try:
            self.searcher.search_with_collector(query, collector)
        except qcore.QueryError as exc:
            raise QueryError(f"cannot run this query: {exc}") from None
        results = collector.results()
        hits = []
        for hit in results:
            matched = [(f, _text(t)) for f, t in hit.matched_terms()]
            hits.append(self._hit(hit.docnum, hit.score, matched, fixed))
        # Whoosh only estimates the total of some queries; below the limit it is exact.
        total = len(hits) if len(hits) < limit else max(len(hits), results.estimated_length())
        return Result(hits=hits, total=total)

    def _run_ranked(self, words: list[str], limit: int, filters: list[q.Query]) -> Result:
        allowed = None
        if filters:
            allowed = set(self.searcher.docs_for_query(q.And(filters)))
        ranked, total = ranking.top(self.searcher, self.segments, words, limit, allowed)
        hits = [self._hit(r.docnum, r.score, r.terms, None) for r in ranked]
        return Result(hits=hits, total=total)

    def _run_message(
        self, parsed: message.Message, text: str, limit: int, filters: list[q.Query]
    ) -> Result:
        allowed = None
        if filters:
            allowed = set(self.searcher.docs_for_query(q.And(filters)))
        ranked, total = ranking.message_top(
            self.searcher, self.segments, parsed.words, parsed.exact, limit, allowed
        )
        originals = message.originals(text)
        hits = []
        for r in ranked:
            hit = self._hit(r.docnum, r.score, [("body", w) for w in r.words], None)
            hit.matched = ["exact phrase" if r.exact else "message"]
            hit.words = list(dict.fromkeys(originals[w] for w in r.words if w in originals))
            hits.append(hit)
        result = Result(hits=hits, total=total)
        if not hits:
            result.suggestion = self._suggest(text)
        return result

    def _hit(
        self, docnum: int, score: float, matched: list[tuple[str, str]], fixed: list[str] | None
    ) -> Hit:
        stored = self.searcher.stored_fields(docnum)
        labels: list[str] = []
        terms: list[str] = []
        for fieldname, word in matched:
            label = _FIELD_LABELS.get(fieldname, fieldname)
            if label not in labels:
                labels.append(label)
            if word not in terms:
                terms.append(word)
        return Hit(
            id=stored["id"],
            number=stored["number"],
            title=stored["title"],
            score=score,
            matched=fixed or _order(labels),
            terms=terms,
        )


def add_snippets(result: Result, load: Callable[[int], Article | None], width: int = 180) -> None:
    """Fill each hit's snippet from its record: the matching event or code, else text."""
    from whoosh import highlight  # only needed when there are hits to show

    class MarkFormatter(highlight.Formatter):
        """Matched words wrapped in ``**`` (the CLI turns them into colour)."""

        between = " ... "

        def format_token(self, text, token, replace=False):
            return f"**{highlight.get_text(text, token, replace)}**"

    analyzer = text_analyzer()
    fragmenter = highlight.ContextFragmenter(maxchars=width, surround=60)
    formatter = MarkFormatter()
    for hit in result.hits:
        article = load(hit.number)
        if article is None:
            continue
        terms = set(hit.terms)
        snippet = record_snippet(article, hit.matched, terms)
        if not snippet:
            text = " ".join(article.plain_text().split())
            words = frozenset(t for t in terms if not t.isdigit() or len(t) > 2)
            snippet = highlight.highlight(text, words, analyzer, fragmenter, formatter, top=1)
            if not snippet:
                snippet = text[:width] + ("..." if len(text) > width else "")
        hit.snippet = snippet[: width * 2]


_PLAIN = re.compile(r"[\w\s'.,/-]+")
_OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}


def _plain_words(text: str) -> list[str] | None:
    """The indexed forms of a query of plain words (no quotes, operators or field
    names), or None if it is not one."""
    if not _PLAIN.fullmatch(text) or set(text.split()) & _OPERATORS:
        return None
    return list(dict.fromkeys(t.text for t in text_analyzer()(text))) or None


def _plain_words_query(words: list[str]) -> q.Query:
    """Every word must be in the body (which holds the title too); title and symptoms
    matches only raise the score. :mod:`indexer.ranking` computes the same ranking
    faster; this form serves where Whoosh runs the query (with a bare number)."""
    required = q.And([q.Term("body", w) for w in words])
    boost = q.Or([q.Term(field, w) for w in words for field in ("title", "symptoms")])
    return q.AndMaybe(required, boost)


def _allow_stopword_gaps(query: q.Query, text: str) -> q.Query:
    """Stop words are not indexed, so '"attempt to listen"' must allow one word
    between 'attempt' and 'listen': widen each phrase's slop by its stop words."""
    analyzer = text_analyzer()
    slops: dict[tuple[str, ...], int] = {}
    for phrase in re.findall(r'"([^"]+)"', text):
        # (Whoosh reuses one Token object: copy what we need while iterating.)
        tokens = [(t.text, t.stopped) for t in analyzer(phrase, removestops=False)]
        words = tuple(text for text, stopped in tokens if not stopped)
        slops[words] = 1 + sum(stopped for _, stopped in tokens)

    def widen(node: q.Query) -> q.Query:
        if isinstance(node, q.Phrase) and slops.get(tuple(node.words), 1) > 1:
            return q.Phrase(
                node.fieldname, node.words, slop=slops[tuple(node.words)], boost=node.boost
            )
        return node

    return query.accept(widen)


def _text(term: bytes | str) -> str:
    return term.decode("utf-8", "replace") if isinstance(term, bytes) else str(term)


def _distance(a: str, b: str) -> int:
    """Levenshtein distance (for ranking spelling suggestions)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _order(labels: list[str]) -> list[str]:
    rank = ["article", "event", "error code", "title", "text", "tag", "product", "keyword"]
    return sorted(labels, key=lambda x: rank.index(x) if x in rank else len(rank))


__all__ = ["Hit", "NoIndex", "QueryError", "Result", "Searcher", "add_snippets"]
