"""What a lookup returns, and the index keys and snippets it is built from.

Nothing here imports Whoosh: the Whoosh searcher (:mod:`indexer.query`) and the lookup
table that answers exact lookups without it (:mod:`indexer.lookup_table`,
:mod:`kb.lookup`) share these, so that both paths print the same thing.
"""

from __future__ import annotations

from collections.abc import Callable

TYPE_CHECKING = False  # (not typing's: an exact lookup loads neither typing nor kb.model)
if TYPE_CHECKING:
    from kb.model import Article


class Hit:
    """One article a query found; ``vars(hit)`` is its JSON form."""

    def __init__(
        self,
        id: str,
        number: int,
        title: str,
        score: float,
        matched: list[str] | None = None,
        terms: list[str] | None = None,
        snippet: str = "",
        words: list[str] | None = None,  # a pasted message's words it holds
    ):
        self.id = id
        self.number = number
        self.title = title
        self.score = score
        self.matched = matched if matched is not None else []
        self.terms = terms if terms is not None else []
        self.snippet = snippet
        self.words = words if words is not None else []

    def __eq__(self, other: object) -> bool:
        return type(other) is Hit and vars(self) == vars(other)

    def __repr__(self) -> str:
        return f"Hit({', '.join(f'{k}={v!r}' for k, v in vars(self).items())})"


def event_key(source: str | None, event_id: int) -> str:
    """'MSExchangeMTA', 9321 -> 'msexchangemta:9321' (None source -> just the ID)."""
    if not source:
        return str(event_id)
    return f"{normal_source(source)}:{event_id}"


def normal_source(source: str) -> str:
    return " ".join(source.split()).casefold().replace(",", " ")


def event_snippet(events, terms: set[str]) -> str:
    """The first of ``events`` ((source, event ID, message) triples) that a hit's
    ``terms`` name, as its snippet ("" if none)."""
    for source, event_id, message in events:
        if {str(event_id), event_key(source, event_id)} & terms:
            label = f"{source or 'event'} {event_id}"
            return f"**{label}**: {message or ''}".strip()
    return ""


def code_snippet(error_codes, terms: set[str], text: Callable[[], str]) -> str:
    """The first of ``error_codes`` ((code, value, printed text) triples) that a hit's
    ``terms`` name, as its snippet; else a code's name met in the article's ``text()``
    (WSANO_DATA for 11004); "" if neither."""
    from kb import codes

    for code, value, printed in error_codes:
        if set(codes.index_keys(code, value)) & terms:
            return f"**{printed}**"
    name = codes.name_matching(text(), terms)
    return f"**{name}**" if name else ""


def record_snippet(article: Article, matched: list[str], terms: set[str]) -> str:
    """The event or error code of ``article`` that a hit matched, as its snippet
    ("" where the hit needs a text snippet instead)."""
    if "event" in matched:
        found = event_snippet(((e.source, e.event_id, e.message) for e in article.events), terms)
        if found:
            return found
    if "error code" in matched:
        listed = ((c.code, c.value, c.text) for c in article.error_codes)
        return code_snippet(listed, terms, article.plain_text)
    return ""
