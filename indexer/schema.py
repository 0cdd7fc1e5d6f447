"""The index schema, in one place, with the analyzers it is made of.

The error-code field runs every token through :func:`kb.codes.query_keys`, at index
time and at query time alike, so ``11004``, ``0x2AFC``, ``0x00002afc`` and the HRESULT
``0x80072AFC`` all become the same terms and meet.
"""

from __future__ import annotations

import re
from functools import lru_cache

from whoosh import analysis, fields
from whoosh.lang.porter import stem

from kb import codes


class CodeKeysFilter(analysis.Filter):
    """Replace each printed error code by the normal-form keys of every value it means."""

    def __call__(self, tokens):
        for token in tokens:
            keys = codes.query_keys(token.text) or [token.text.lower()]
            for key in keys:
                token.text = key
                yield token


def code_analyzer() -> analysis.Analyzer:
    return analysis.SpaceSeparatedTokenizer() | CodeKeysFilter()


class StemmingTokenizer(analysis.Tokenizer):
    """Tokenize, lower-case, drop stop words and stem in one pass.

    The same result as ``RegexTokenizer | LowercaseFilter | StopFilter | StemFilter``,
    fused because indexing the whole corpus spends most of its time in these four
    generators: measured on 1/20 of the corpus, 0.94 s fused against 1.74 s chained.
    Word characters plus dotted/hyphened runs, so '0x80004005', 'MSExchangeIS' and
    'exc55' stay whole; stemming lets 'bindings' meet 'binding'.
    """

    def __init__(self, stoplist=analysis.STOP_WORDS, minsize: int = 2, cachesize: int = 100_000):
        self.expression = re.compile(r"\w+(?:[.\-]\w+)*")
        self.stoplist = frozenset(stoplist)
        self.minsize = minsize
        self._stem = lru_cache(maxsize=cachesize)(stem)

    # The schema is pickled into the index; the stem cache is rebuilt on load.
    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k != "_stem"}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._stem = lru_cache(maxsize=100_000)(stem)

    def __eq__(self, other):
        return type(other) is type(self) and other.stoplist == self.stoplist

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kw,
    ):
        token = analysis.Token(positions, chars, removestops=removestops, mode=mode, **kw)
        stoplist, minsize, stem_word = self.stoplist, self.minsize, self._stem
        for pos, match in enumerate(self.expression.finditer(value), start_pos):
            word = match.group().lower()
            stopped = word in stoplist or len(word) < minsize
            if stopped and removestops:
                continue
            token.text = stem_word(word)
            token.original = word
            token.stopped = stopped
            token.boost = 1.0
            if positions:
                token.pos = pos
            if chars:
                token.startchar = start_char + match.start()
                token.endchar = start_char + match.end()
            yield token

    def positions(self, value: str) -> dict[str, list[int]]:
        """Each indexed word's positions, in order of first appearance: what
        ``__call__(value, positions=True)`` yields, gathered in one pass (the writer's
        fast path, indexer.build.KbSegmentWriter, uses it instead of the generator)."""
        stoplist, minsize, stem_word = self.stoplist, self.minsize, self._stem
        found: dict[str, list[int]] = {}
        for pos, match in enumerate(self.expression.finditer(value)):
            word = match.group().lower()
            if word in stoplist or len(word) < minsize:
                continue
            text = stem_word(word)
            places = found.get(text)
            if places is None:
                found[text] = [pos]
            else:
                places.append(pos)
        return found


def text_analyzer() -> analysis.Analyzer:
    return analysis.CompositeAnalyzer(StemmingTokenizer())


def make_schema() -> fields.Schema:
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        number=fields.NUMERIC(stored=True, bits=32, signed=False),
        aliases=fields.KEYWORD(lowercase=True, field_boost=10.0),
        title=fields.TEXT(analyzer=text_analyzer(), stored=True, field_boost=4.0),
        tag=fields.KEYWORD(lowercase=True, stored=True),
        products=fields.TEXT(analyzer=analysis.StandardAnalyzer(stoplist=None), stored=True),
        keywords=fields.KEYWORD(lowercase=True, scorable=True),
        symptoms=fields.TEXT(analyzer=text_analyzer(), field_boost=2.0),
        body=fields.TEXT(analyzer=text_analyzer()),
        events=fields.KEYWORD(lowercase=True, commas=True, scorable=True, field_boost=3.0),
        sources=fields.KEYWORD(lowercase=True, commas=True),
        codes=fields.TEXT(analyzer=code_analyzer(), phrase=False, field_boost=3.0),
        related=fields.KEYWORD(),
        modified=fields.ID(stored=True),
        created=fields.ID(stored=True),
    )
