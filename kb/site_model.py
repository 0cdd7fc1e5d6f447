"""What the site knows about the archive as a whole: the article summaries and the
maps built from them (who cites whom, events, codes, products, tags), and the slugs
pages are named by."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from kb.model import Article, kb_id


@lru_cache(maxsize=65536)
def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")[:80] or "unnamed"


def event_source_slug(source: str | None) -> str:
    return slug(source) if source else "unspecified"


def code_key(code: str, value: int | None) -> str:
    """One page per code: '0x00002afc' for every notation of 11004, 'l1073' for L1073."""
    return f"0x{value:08x}" if value is not None else slug(code)


def article_url(number: int) -> str:
    return f"kb/{kb_id(number)}/"


def summary(article: Article) -> Article:
    """What other pages need of an article: everything but its text."""
    return replace(article, sections=[], resolution_steps=[])


@dataclass
class Site:
    """Everything the pages need, computed once from all records."""

    articles: dict[int, Article]
    cited_by: dict[int, list[int]] = field(default_factory=dict)
    cited_titles: dict[int, str] = field(default_factory=dict)
    events: dict[tuple[str, int], list[int]] = field(default_factory=dict)
    event_sources: dict[str, str] = field(default_factory=dict)  # slug -> printed name
    codes: dict[str, list[int]] = field(default_factory=dict)
    code_print: dict[str, tuple[str, int | None]] = field(default_factory=dict)
    products: dict[str, list[int]] = field(default_factory=dict)
    product_names: dict[str, str] = field(default_factory=dict)
    tags: dict[str, list[int]] = field(default_factory=dict)
    several_captures: set[int] = field(default_factory=set)
    workspace_root: Path | None = None

    @classmethod
    def from_records(cls, records: Iterable[Article]) -> Site:
        site = cls(articles={a.number: a for a in records})
        cited_by: dict[int, list[int]] = defaultdict(list)
        events: dict[tuple[str, int], list[int]] = defaultdict(list)
        code_map: dict[str, list[int]] = defaultdict(list)
        products: dict[str, list[int]] = defaultdict(list)
        tags: dict[str, list[int]] = defaultdict(list)
        for number in sorted(site.articles):
            article = site.articles[number]
            for ref in article.related:
                cited_by[ref.number].append(number)
                if ref.title and ref.number not in site.cited_titles:
                    site.cited_titles[ref.number] = ref.title
            for event in article.events:
                source = event_source_slug(event.source)
                site.event_sources.setdefault(source, event.source or "(no source given)")
                _add(events[(source, event.event_id)], number)
            for code in article.error_codes:
                key = code_key(code.code, code.value)
                site.code_print.setdefault(key, (code.code, code.value))
                _add(code_map[key], number)
            for product in article.products:
                key = slug(product)
                site.product_names.setdefault(key, product)
                _add(products[key], number)
            if article.tag:
                tags[article.tag].append(number)
        site.cited_by, site.events, site.codes = dict(cited_by), dict(events), dict(code_map)
        site.products, site.tags = dict(products), dict(tags)
        return site

    def missing_cited(self) -> list[int]:
        return sorted(n for n in self.cited_by if n not in self.articles)

    def title_of(self, number: int) -> str:
        article = self.articles.get(number)
        if article:
            return article.title
        return self.cited_titles.get(number, "(not in this archive)")


def _add(numbers: list[int], number: int) -> None:
    """Append ``number`` once: articles come in ascending order, so a repeat within one
    article can only be the last entry (no scan of lists thousands long)."""
    if not numbers or numbers[-1] != number:
        numbers.append(number)
