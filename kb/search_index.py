"""The site's in-browser search: a Pagefind index fed one record per article through
Pagefind's Python API (no re-parsing of the rendered pages).

Each record carries the article's text plus filters for event ID, event source, error
code, product and tag, so typing ``9321`` or ``0x2AFC`` in the search box finds the
article, and the filters narrow results without a server.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from kb import codes

if TYPE_CHECKING:
    from kb.model import Article

BUNDLE = "pagefind"


def search_record(article: Article) -> dict:
    """The Pagefind custom record for one article (URL relative to the site root)."""
    from kb.publish import article_url

    code_words: list[str] = []
    for code in article.error_codes:
        code_words.append(code.code)
        if code.value is not None:
            code_words += [f for f in codes.notations(code.value) if " " not in f]
    events = [f"{e.source or ''} {e.event_id}".strip() for e in article.events]
    content = "\n".join(
        [
            article.title,
            " ".join(article.aliases),
            " ".join(events),
            " ".join(dict.fromkeys(code_words)),
            article.plain_text(),
        ]
    )
    filters = {
        "event": sorted({str(e.event_id) for e in article.events}),
        "source": sorted({e.source for e in article.events if e.source}),
        "code": sorted({c.code for c in article.error_codes}),
        "product": list(dict.fromkeys(article.products)),
        "tag": [article.tag] if article.tag else [],
    }
    return {
        "url": article_url(article.number),
        "content": content,
        "language": "en",
        "meta": {"title": f"{article.id}: {article.title}"},
        "filters": {k: v for k, v in filters.items() if v},
    }


async def _build(records: list[dict], bundle: Path) -> None:
    from pagefind.index import IndexConfig, PagefindIndex

    config = IndexConfig(output_path=str(bundle), force_language="en")
    async with PagefindIndex(config=config) as index:
        batch = 200
        for start in range(0, len(records), batch):
            await asyncio.gather(
                *(index.add_custom_record(**r) for r in records[start : start + batch])
            )


def build_search_index(records: list[dict], out: Path, name: str = BUNDLE) -> int:
    """Write a Pagefind bundle of these search records under ``out/name``; its bytes."""
    bundle = out / name
    asyncio.run(_build(sorted(records, key=lambda r: r["url"]), bundle))
    return sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file())


EXTRA = "pagefind-added"
EXTRA_LIST = "static/bundles.json"


def add_search_bundle(records: list[dict], out: Path) -> int:
    """Index just these records as one more bundle, listed for the search box to merge."""
    import json
    import time

    name = f"{EXTRA}/{time.strftime('%Y%m%d%H%M%S')}-{len(records)}"
    size = build_search_index(records, out, name)
    listing = out / EXTRA_LIST
    bundles = json.loads(listing.read_text()) if listing.exists() else []
    bundles.append(name + "/")
    from kb.archive import atomic_write

    atomic_write(listing, json.dumps(bundles))
    return size
