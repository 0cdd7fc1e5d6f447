"""Building the index from records, and keeping it in step when records change.

A full build writes a fresh index beside the old one and swaps it in with a rename, so
a crash mid-build leaves the previous index intact. Updates go through Whoosh's own
writer (its segments are committed atomically by a rename of the TOC file). After
either, large new segments get their decoded frequent-term lists (indexer.hotlists)
and every new segment its part of the lookup table (indexer.lookup_table).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from whoosh import index

from indexer import hotlists, lookup_table
from indexer.hits import event_key, normal_source
from indexer.schema import make_schema
from kb import codes
from kb.atomic import built_aside
from kb.model import Article

INDEX_NAME = "kb"


def document(article: Article) -> dict:
    """The fields Whoosh stores and indexes for one article."""
    number = article.number
    event_terms: list[str] = []
    for event in article.events:
        event_terms.append(str(event.event_id))
        if event.source:
            event_terms.append(event_key(event.source, event.event_id))
    return {
        "id": article.id,
        "number": number,
        "aliases": " ".join([str(number), *article.aliases]),
        "title": article.title,
        "tag": article.tag or "",
        "products": " ; ".join(article.products),
        "keywords": " ".join(article.keywords),
        "symptoms": article.plain_text(("symptoms",)),
        # The title is part of the body, so plain-word queries match on one field.
        "body": article.title + "\n\n" + article.plain_text(),
        "events": ",".join(dict.fromkeys(event_terms)),
        "sources": ",".join({normal_source(e.source) for e in article.events if e.source}),
        "codes": " ".join(_code_terms(article)),
        "related": " ".join(str(r.number) for r in article.related),
        "modified": article.modified or "",
        "created": article.created or "",
    }


def _code_terms(article: Article) -> list[str]:
    """The printed codes, plus the value of every winerror.h name the text mentions:
    an article that only says RPC_E_CALL_REJECTED is found by 0x80010001 too."""
    terms = [c.code if c.value is None else codes.canonical(c.code)[0] for c in article.error_codes]
    text = article.plain_text()
    terms += [f"0x{value:08x}" for value in codes.names_in_text(text).values()]
    return list(dict.fromkeys(terms))


def rebuild(
    index_dir: Path, articles: Iterable[Article], procs: int = 1, limitmb: int = 256
) -> int:
    """Build a complete new index from ``articles`` and swap it into ``index_dir``."""
    index_dir = Path(index_dir)
    with built_aside(index_dir, prefix=".index-") as tmp:
        ix = index.create_in(tmp, make_schema(), indexname=INDEX_NAME)
        # Separate files, not one compound file per segment: whoosh copies a compound
        # segment's parts into memory on open, which costs a cold lookup ~0.15 s.
        kwargs = {"limitmb": limitmb, "compound": False}
        if procs > 1:
            kwargs.update(procs=procs, multisegment=True)
        writer = ix.writer(**kwargs)
        count = 0
        for article in articles:
            writer.add_document(**document(article))
            count += 1
        writer.commit()
        hotlists.refresh(tmp, procs)
        lookup_table.refresh(tmp)
    return count


def exists(index_dir: Path) -> bool:
    return index.exists_in(index_dir, indexname=INDEX_NAME)


MP_MIN_DOCS = 200  # below this, starting the writer processes costs more than it saves


def update(index_dir: Path, articles: Iterable[Article | None], procs: int = 1) -> int:
    """Add or replace these articles' documents in the index (creating it if absent).

    With ``procs`` > 1 and at least MP_MIN_DOCS articles, Whoosh's multi-process writer
    analyses and writes them on that many cores, each into a segment of its own (left
    unmerged: the next small update's merge policy folds small segments together)."""
    index_dir = Path(index_dir)
    items = [a for a in articles if a is not None]
    if not exists(index_dir):
        return rebuild(index_dir, items, procs=procs)
    ix = index.open_dir(index_dir, indexname=INDEX_NAME)
    kwargs = {"limitmb": 128, "compound": False}
    if procs > 1 and len(items) >= MP_MIN_DOCS:
        kwargs.update(procs=procs, multisegment=True)
    writer = ix.writer(**kwargs)
    for article in items:
        writer.update_document(**document(article))
    writer.commit()
    hotlists.refresh(index_dir)
    lookup_table.refresh(index_dir)
    return len(items)


def indexed_numbers(index_dir: Path) -> set[int]:
    """The article numbers the index holds (live documents only)."""
    ix = index.open_dir(index_dir, indexname=INDEX_NAME)
    with ix.searcher() as searcher:
        return {fields["number"] for fields in searcher.all_stored_fields()}


def remove(index_dir: Path, numbers: Iterable[int]) -> None:
    ix = index.open_dir(index_dir, indexname=INDEX_NAME)
    writer = ix.writer()
    for number in numbers:
        writer.delete_by_term("id", f"KB{number}")
    writer.commit()
    hotlists.refresh(index_dir)
    lookup_table.refresh(index_dir)
