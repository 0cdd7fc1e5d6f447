"""The static site generator: records in, a cross-linked site out (Pelican's generators
and writers, in one module with a Jinja2 theme from ``site/``).

Pages: one per article (and a small one per cited article that is not archived),
event pages by source and ID, error-code pages, product and tag pages, and a home
page. Every link is relative, so the site works from any sub-path and from disk.
Search runs in the browser on a Pagefind index fed records through its Python API.

Nothing from an archived page can execute: section Markdown is rendered by
markdown-it-py with raw HTML disabled, every value is escaped by Jinja2, and original
captures are published as ``.txt`` files.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from kb import codes
from kb.model import Article, kb_id

THEME = Path(__file__).resolve().parent.parent / "site"


# ----------------------------------------------------------------------- slugs


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")[:80] or "unnamed"


def event_source_slug(source: str | None) -> str:
    return slug(source) if source else "unspecified"


def code_key(code: str, value: int | None) -> str:
    """One page per code: '0x00002afc' for every notation of 11004, 'l1073' for L1073."""
    return f"0x{value:08x}" if value is not None else slug(code)


def article_url(number: int) -> str:
    return f"kb/{kb_id(number)}/"


# ---------------------------------------------------------------------- the site


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
                if number not in events[(source, event.event_id)]:
                    events[(source, event.event_id)].append(number)
            for code in article.error_codes:
                key = code_key(code.code, code.value)
                site.code_print.setdefault(key, (code.code, code.value))
                if number not in code_map[key]:
                    code_map[key].append(number)
            for product in article.products:
                key = slug(product)
                site.product_names.setdefault(key, product)
                if number not in products[key]:
                    products[key].append(number)
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


# ------------------------------------------------------------------- rendering


class Renderer:
    """Jinja2 environment and Markdown renderer; one per process."""

    def __init__(self, base_url: str = ""):
        from jinja2 import Environment, FileSystemLoader, select_autoescape
        from markdown_it import MarkdownIt

        self.env = Environment(
            loader=FileSystemLoader(THEME / "templates"),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["slug"] = slug
        self.env.globals.update(
            kb_id=kb_id,
            event_source_slug=event_source_slug,
            code_key=code_key,
            article_url=article_url,
        )
        # Raw HTML off: whatever an archived page held is text, never markup.
        self.md = MarkdownIt("commonmark", {"html": False, "linkify": False})
        self.base_url = base_url

    def markdown(self, text: str) -> str:
        return self.md.render(text)

    def page(self, template: str, path: str, **context) -> str:
        depth = path.count("/")
        root = "../" * depth if depth else "./"
        return self.env.get_template(template).render(root=root, path=path, **context)


def _article_context(site: Site, article: Article, renderer: Renderer) -> dict:
    sections = [s for s in article.sections if s.kind not in ("symptoms", "applies_to")]
    symptoms = next((s for s in article.sections if s.kind == "symptoms"), None)
    return {
        "article": article,
        "symptoms_html": renderer.markdown(symptoms.markdown) if symptoms else None,
        "sections": [(s, renderer.markdown(s.markdown)) for s in sections],
        "cited_by": [
            (n, site.title_of(n), n in site.articles) for n in site.cited_by.get(article.number, [])
        ],
        "related": [
            (r, r.number in site.articles, r.title or site.title_of(r.number))
            for r in article.related
        ],
        "codes": [(c, code_key(c.code, c.value)) for c in article.error_codes],
        "source_file": source_copy_path(article),
        "captures": _captures(site, article),
    }


def _captures(site: Site, article: Article) -> list[dict]:
    if site.workspace_root is None or article.number not in site.several_captures:
        return []
    from kb.history import page_history

    return page_history(site.workspace_root, article)


def source_copy_path(article: Article) -> str | None:
    """Where the original capture is published: as text, so nothing in it runs."""
    if not article.source:
        return None
    return f"sources/{article.id}/{Path(article.source.path).name}.txt"


def render_article(site: Site, article: Article, renderer: Renderer) -> tuple[str, str]:
    path = article_url(article.number) + "index.html"
    html = renderer.page("article.html", path, **_article_context(site, article, renderer))
    return path, html


# ------------------------------------------------------------------ the writer

STATE = ".kbsite.json"  # the summaries a later incremental update starts from


def summary(article: Article) -> Article:
    """What other pages need of an article: everything but its text."""
    return replace(article, sections=[], resolution_steps=[])


_WORKER: dict = {}


def _init_worker(site: Site, base_url: str, out: str, records: str) -> None:
    _WORKER.update(site=site, renderer=Renderer(base_url), out=Path(out), records=Path(records))


def _load(records: Path, number: int) -> Article:
    path = records / f"{kb_id(number)}.json"
    return Article.from_dict(json.loads(path.read_text(encoding="utf-8")))


def _write_articles(numbers: list[int]) -> tuple[int, list[dict]]:
    """Render and write article pages; return their search records too."""
    from kb.search_index import search_record

    site, renderer, out = _WORKER["site"], _WORKER["renderer"], _WORKER["out"]
    search: list[dict] = []
    for number in numbers:
        article = _load(_WORKER["records"], number)
        path, html = render_article(site, article, renderer)
        _write(out / path, html)
        search.append(search_record(article))
    return len(numbers), search


def _write(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


@dataclass
class PublishReport:
    pages: int = 0
    articles: int = 0
    seconds_pages: float = 0.0
    seconds_search: float = 0.0
    search_bytes: int = 0
    written: list[str] = field(default_factory=list)


def publish(
    records_dir: Path,
    summaries: Iterable[Article],
    out: Path,
    *,
    workspace_root: Path | None = None,
    base_url: str = "",
    jobs: int | None = None,
    search: bool = True,
    progress: Callable[[int], Callable[[], None] | None] | None = None,
) -> PublishReport:
    """Build the whole site into ``out`` (built aside, then swapped in).

    ``summaries`` are the records (their text is not needed and may be left out);
    article pages are rendered by workers that read full records from ``records_dir``.
    """
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    report = PublishReport()
    try:
        start = time.perf_counter()
        site = Site.from_records(summary(a) for a in summaries)
        _attach_captures(site, workspace_root)
        report.articles = len(site.articles)
        numbers = sorted(site.articles)
        jobs = jobs or os.cpu_count() or 1
        tick = progress(len(numbers)) if progress else None
        search_records: list[dict] = []
        chunks = [numbers[i : i + 200] for i in range(0, len(numbers), 200)]
        init = (site, base_url, str(tmp), str(records_dir))
        if jobs > 1 and len(numbers) > 400:
            with ProcessPoolExecutor(jobs, initializer=_init_worker, initargs=init) as pool:
                results = pool.map(_write_articles, chunks)
                for done, found in results:
                    report.pages += done
                    search_records += found
                    for _ in range(done if tick else 0):
                        tick()
        else:
            _init_worker(*init)
            for chunk in chunks:
                done, found = _write_articles(chunk)
                report.pages += done
                search_records += found
        renderer = Renderer(base_url)
        report.pages += write_index_pages(site, renderer, tmp, site_pages(site))
        copy_theme(tmp)
        if workspace_root:
            copy_sources(site.articles.values(), workspace_root, tmp)
        save_state(site, tmp)
        report.seconds_pages = time.perf_counter() - start
        if search:
            start = time.perf_counter()
            from kb.search_index import build_search_index

            report.search_bytes = build_search_index(search_records, tmp)
            report.seconds_search = time.perf_counter() - start
        old = out.with_name(out.name + ".old")
        if out.exists():
            os.replace(out, old)
        os.replace(tmp, out)
        shutil.rmtree(old, ignore_errors=True)
        return report
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _attach_captures(site: Site, root: Path | None) -> None:
    """Let article pages show the capture history of articles archived more than once."""
    if root is None:
        return
    from kb.archive import Workspace

    ws = Workspace(root)
    if ws.captures_path.exists():
        with ws.store() as store:
            site.several_captures = store.numbers_with_several()
        site.workspace_root = ws.root


def save_state(site: Site, out: Path) -> None:
    from kb.archive import atomic_write

    data = [a.to_dict() for a in site.articles.values()]
    atomic_write(out / STATE, json.dumps(data, ensure_ascii=False))


def load_state(out: Path) -> Site | None:
    path = out / STATE
    if not path.is_file():
        return None
    return Site.from_records(Article.from_dict(d) for d in json.loads(path.read_text("utf-8")))


def update(
    records_dir: Path,
    out: Path,
    numbers: Iterable[int],
    *,
    workspace_root: Path,
    base_url: str = "",
    search: bool = True,
) -> PublishReport | None:
    """Rewrite only the pages that changed articles touch; None if there is no site yet.

    Touched: each article's page, the pages of what it cites and of what cites it, its
    event, error-code, product and tag pages (before and after the change), the index
    pages and the home page. Its text goes into a small extra Pagefind bundle that the
    search box merges with the main one, so nothing else is re-indexed.
    """
    from kb.archive import atomic_write

    out = Path(out).resolve()
    old_site = load_state(out)
    if old_site is None:
        return None
    start = time.perf_counter()
    report = PublishReport()
    numbers = sorted(set(numbers))
    fresh = {
        n: _load(records_dir, n) for n in numbers if (records_dir / f"{kb_id(n)}.json").exists()
    }
    summaries = dict(old_site.articles)
    for n in numbers:
        summaries.pop(n, None)
        if n in fresh:
            summaries[n] = summary(fresh[n])
    site = Site.from_records(summaries[n] for n in sorted(summaries))
    _attach_captures(site, workspace_root)
    before = [old_site.articles[n] for n in numbers if n in old_site.articles]
    after = [summaries[n] for n in numbers if n in summaries]
    touched_articles: set[int] = set(numbers)
    for article in before + after:
        touched_articles.update(r.number for r in article.related)
        touched_articles.update(site.cited_by.get(article.number, []))
        touched_articles.update(old_site.cited_by.get(article.number, []))
    renderer = Renderer(base_url)
    for n in sorted(touched_articles):
        if n in site.articles:
            article = fresh.get(n) or _load(records_dir, n)
            path, html = render_article(site, article, renderer)
        elif n in site.cited_by:
            path = f"kb/{kb_id(n)}/index.html"
            html = render_page(site, renderer, path)
        else:
            continue
        atomic_write(out / path, html)
        report.written.append(path)
    pages = {
        "index.html",
        "events/index.html",
        "errors/index.html",
        "products/index.html",
        "tags/index.html",
    }
    for article in before + after:
        pages.update(
            f"events/{event_source_slug(e.source)}/{e.event_id}/index.html" for e in article.events
        )
        pages.update(f"errors/{code_key(c.code, c.value)}/index.html" for c in article.error_codes)
        pages.update(f"products/{slug(p)}/index.html" for p in article.products)
        if article.tag:
            pages.add(f"tags/{slug(article.tag)}/index.html")
    existing = set(site_pages(site))
    for path in sorted(pages):
        if path in existing:
            atomic_write(out / path, render_page(site, renderer, path))
            report.written.append(path)
        elif (out / path).exists():
            (out / path).unlink()  # an event/code/product nobody mentions any more
            report.written.append(path)
    copy_sources(fresh.values(), workspace_root, out)
    save_state(site, out)
    report.pages = len(report.written)
    report.articles = len(site.articles)
    report.seconds_pages = time.perf_counter() - start
    if search and fresh:
        from kb.search_index import add_search_bundle, search_record

        start = time.perf_counter()
        report.search_bytes = add_search_bundle([search_record(a) for a in fresh.values()], out)
        report.seconds_search = time.perf_counter() - start
    return report


def site_pages(site: Site) -> list[str]:
    """Every non-article page of the site, as paths (what an update may rewrite)."""
    pages = [
        "index.html",
        "events/index.html",
        "errors/index.html",
        "products/index.html",
        "tags/index.html",
    ]
    pages += [f"kb/{kb_id(n)}/index.html" for n in site.missing_cited()]
    pages += [f"events/{s}/{i}/index.html" for s, i in site.events]
    pages += [f"errors/{k}/index.html" for k in site.codes]
    pages += [f"products/{k}/index.html" for k in site.products]
    pages += [f"tags/{slug(t)}/index.html" for t in site.tags]
    return pages


def render_page(site: Site, renderer: Renderer, path: str) -> str:
    """Render one non-article page by its path."""
    parts = path.split("/")
    listing = renderer.page
    if path == "index.html":
        recent = sorted(site.articles.values(), key=lambda a: a.modified or "", reverse=True)
        return listing(
            "home.html",
            path,
            site=site,
            recent=recent[:20],
            counts={
                "articles": len(site.articles),
                "events": len(site.events),
                "codes": len(site.codes),
                "products": len(site.products),
                "tags": len(site.tags),
            },
        )
    if parts[0] == "kb":
        number = int(parts[1][2:])
        return listing(
            "missing.html",
            path,
            number=number,
            title=site.cited_titles.get(number),
            cited_by=[(n, site.title_of(n)) for n in site.cited_by.get(number, [])],
        )
    if path == "events/index.html":
        groups: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for (source, event_id), numbers in sorted(site.events.items()):
            groups[source].append((event_id, len(numbers)))
        ordered = sorted(groups.items(), key=lambda g: site.event_sources[g[0]].casefold())
        return listing("events.html", path, groups=ordered, names=site.event_sources)
    if parts[0] == "events":
        source, event_id = parts[1], int(parts[2])
        numbers = site.events[(source, event_id)]
        rows = []
        for n in numbers:
            article = site.articles[n]
            messages = [
                e.message
                for e in article.events
                if e.event_id == event_id and event_source_slug(e.source) == source
            ]
            rows.append((n, article.title, next((m for m in messages if m), "")))
        return listing(
            "event.html", path, source=site.event_sources[source], event_id=event_id, rows=rows
        )
    if path == "errors/index.html":
        items = sorted(site.codes.items(), key=lambda kv: kv[0])
        return listing("codes.html", path, items=items, prints=site.code_print)
    if parts[0] == "errors":
        key = parts[1]
        printed, value = site.code_print[key]
        forms = codes.notations(value) if value is not None else [printed]
        forms += list(codes.names_of(value)) if value is not None else []
        return listing(
            "listing.html",
            path,
            heading=f"Error code {printed}",
            notations=forms,
            rows=[(n, site.articles[n].title) for n in site.codes[key]],
        )
    if path in ("products/index.html", "tags/index.html"):
        kind = parts[0]
        if kind == "products":
            items = sorted(
                ((k, site.product_names[k], len(v)) for k, v in site.products.items()),
                key=lambda x: x[1].casefold(),
            )
        else:
            items = sorted((slug(t), t, len(v)) for t, v in site.tags.items())
        return listing("groups.html", path, kind=kind, items=items)
    if parts[0] == "products":
        name = site.product_names[parts[1]]
        return listing(
            "listing.html",
            path,
            heading=name,
            notations=None,
            rows=[(n, site.articles[n].title) for n in site.products[parts[1]]],
        )
    if parts[0] == "tags":
        tag = next(t for t in site.tags if slug(t) == parts[1])
        return listing(
            "listing.html",
            path,
            heading=f"Articles tagged {tag}",
            notations=None,
            rows=[(n, site.articles[n].title) for n in site.tags[tag]],
        )
    raise ValueError(f"no page at {path}")


def write_index_pages(site: Site, renderer: Renderer, out: Path, paths: list[str]) -> int:
    for path in paths:
        target = out / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render_page(site, renderer, path), encoding="utf-8")
    return len(paths)


def copy_theme(out: Path) -> None:
    shutil.copytree(THEME / "static", out / "static", dirs_exist_ok=True)


def copy_sources(articles: Iterable[Article], root: Path, out: Path) -> None:
    """Publish each article's capture as text. A hard link where the site and the archive
    share a file system (the archive never rewrites a file, so the link stays exact), a
    copy where they do not."""
    for article in articles:
        target = source_copy_path(article)
        if not target:
            continue
        source = root / article.source.path
        if source.is_file():
            dest = out / target
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.unlink(missing_ok=True)
            try:
                os.link(source, dest)
            except OSError:
                shutil.copyfile(source, dest)
