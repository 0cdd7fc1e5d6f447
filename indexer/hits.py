"""What a lookup returns, and the index keys and snippets it is built from.

Nothing here imports Whoosh: the Whoosh searcher (:mod:`indexer.query`) and the lookup
table that answers exact lookups without it (:mod:`indexer.lookup_table`,
:mod:`kb.lookup`) share these, so that both paths print the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kb import codes
from kb.model import Article


@dataclass
class Hit:
    id: str
    number: int
    title: str
    score: float
    matched: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    snippet: str = ""
    words: list[str] = field(default_factory=list)  # a pasted message's words it holds


def event_key(source: str | None, event_id: int) -> str:
    """'MSExchangeMTA', 9321 -> 'msexchangemta:9321' (None source -> just the ID)."""
    if not source:
        return str(event_id)
    return f"{normal_source(source)}:{event_id}"


def normal_source(source: str) -> str:
    return " ".join(source.split()).casefold().replace(",", " ")


def record_snippet(article: Article, matched: list[str], terms: set[str]) -> str:
    """The event or error code of ``article`` that a hit matched, as its snippet
    ("" where the hit needs a text snippet instead)."""
    if "event" in matched:
        for event in article.events:
            if {str(event.event_id), event_key(event.source, event.event_id)} & terms:
                label = f"{event.source or 'event'} {event.event_id}"
                return f"**{label}**: {event.message or ''}".strip()
    if "error code" in matched:
        for code in article.error_codes:
            if set(codes.index_keys(code.code, code.value)) & terms:
                return f"**{code.text}**"
        # A code met by its name in the text (WSANO_DATA for 11004).
        name = codes.name_matching(article.plain_text(), terms)
        if name:
            return f"**{name}**"
    return ""
