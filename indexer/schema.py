"""The index schema, in one place, with the analyzers it is made of.

The error-code field runs every token through :func:`kb.codes.query_keys`, at index
time and at query time alike, so ``11004``, ``0x2AFC``, ``0x00002afc`` and the HRESULT
``0x80072AFC`` all become the same terms and meet.
"""

from __future__ import annotations

from whoosh import analysis, fields

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


def text_analyzer() -> analysis.Analyzer:
    # Word characters plus dotted/hyphened runs, so '0x80004005', 'MSExchangeIS' and
    # 'exc55' stay whole; stemming lets 'bindings' meet 'binding'.
    return analysis.StemmingAnalyzer(expression=r"\w+(?:[.\-]\w+)*", stoplist=None, minsize=1)


def event_key(source: str | None, event_id: int) -> str:
    """'MSExchangeMTA', 9321 -> 'msexchangemta:9321' (None source -> just the ID)."""
    if not source:
        return str(event_id)
    return f"{normal_source(source)}:{event_id}"


def normal_source(source: str) -> str:
    return " ".join(source.split()).casefold().replace(",", " ")


def make_schema() -> fields.Schema:
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        number=fields.NUMERIC(stored=True, bits=32, signed=False),
        aliases=fields.KEYWORD(lowercase=True, field_boost=10.0),
        title=fields.TEXT(analyzer=text_analyzer(), stored=True, field_boost=4.0, spelling=True),
        tag=fields.KEYWORD(lowercase=True, stored=True),
        products=fields.TEXT(analyzer=analysis.StandardAnalyzer(stoplist=None), stored=True),
        keywords=fields.KEYWORD(lowercase=True, scorable=True),
        symptoms=fields.TEXT(analyzer=text_analyzer(), field_boost=2.0),
        body=fields.TEXT(analyzer=text_analyzer(), spelling=True),
        events=fields.KEYWORD(lowercase=True, commas=True, scorable=True, field_boost=3.0),
        sources=fields.KEYWORD(lowercase=True, commas=True),
        codes=fields.TEXT(analyzer=code_analyzer(), phrase=False, field_boost=3.0),
        related=fields.KEYWORD(),
        modified=fields.ID(stored=True),
        created=fields.ID(stored=True),
    )
