"""Rendering pages: Jinja2 templates from the theme (``site/templates`` in the source
tree, shipped in the package as ``kb.theme``) and section Markdown through
markdown-it-py with raw HTML disabled (so nothing in an archived page can run).
"""

from __future__ import annotations

from collections import defaultdict
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from urllib.parse import urlsplit

from kb import codes, fast_markdown
from kb.model import Article, kb_id
from kb.site_model import Site, article_url, code_key, event_source_slug, slug


def _theme() -> Traversable:
    """The theme, found through the package (pyproject maps the kb.theme package to
    site/): the same for an installed wheel and an editable install, never a path
    beside kb/."""
    try:
        return files("kb.theme")
    except NotADirectoryError:
        # setuptools' editable installs put a placeholder beside the folder in the
        # namespace package's path, which importlib.resources refuses: take the folder.
        import kb.theme

        return Path(next(p for p in kb.theme.__path__ if Path(p).is_dir()))


THEME = _theme()
UNUSED_MARKDOWN_RULES = [
    *("blockquote", "code", "hr", "html_block", "lheading", "reference"),
    *("autolink", "html_inline", "image", "link"),
]


def _template_source(name: str) -> str | None:
    template = THEME / "templates" / name
    return template.read_text(encoding="utf-8") if template.is_file() else None


class Renderer:
    """Jinja2 environment and Markdown renderer; one per process."""

    def __init__(self, base_url: str = ""):
        from jinja2 import Environment, FunctionLoader, select_autoescape
        from markdown_it import MarkdownIt

        self.env = Environment(
            loader=FunctionLoader(_template_source),
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
        # Section Markdown comes from kb.blocks, which escapes every character that
        # could open a link, image, HTML, block quote, rule, setext heading, link
        # reference or indented code, so those rules never fire: off, they cost
        # nothing (the same HTML for all 172,941 sections of the corpus, 17% faster).
        self.md.disable(UNUSED_MARKDOWN_RULES)
        self.base_url = base_url

    def markdown(self, text: str) -> str:
        # Most sections are plain paragraphs, lists and fences: written directly
        # (kb.fast_markdown, the same bytes); the rest through markdown-it.
        html = fast_markdown.render(text)
        return html if html is not None else self.md.render(text)

    def page(self, template: str, path: str, root: str | None = None, **context) -> str:
        if root is None:
            depth = path.count("/")
            root = "../" * depth if depth else "./"
        return self.env.get_template(template).render(
            root=root, path=path, base_url=self.base_url, **context
        )

    def site_path(self) -> str:
        """The path the site is served under ('/' unless --base-url says otherwise): what
        404.html's links start with, as a host serves it for any missing address."""
        path = urlsplit(self.base_url).path if self.base_url else "/"
        return path if path.endswith("/") else path + "/"


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
    """Where the original capture is published (beside the article's page): as text, so
    nothing in it runs."""
    if not article.source:
        return None
    return f"{article_url(article.number)}{Path(article.source.path).name}.txt"


def render_article(site: Site, article: Article, renderer: Renderer) -> tuple[str, str]:
    path = article_url(article.number) + "index.html"
    html = renderer.page("article.html", path, **_article_context(site, article, renderer))
    return path, html


# Old support-site addresses of an article, published as small redirect pages:
# kb/279415, kb/Q279415 and kb/279415/en-us (the query shapes, ?kbid=279415 and
# default.aspx?scid=kb;en-us;279415, are resolved by the home page and 404.html).
OLD_ADDRESSES = ("kb/{n}/index.html", "kb/Q{n}/index.html", "kb/{n}/en-us/index.html")
_REDIRECT = (
    '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
    "<title>KB{n} · KB archive</title>"
    '<meta http-equiv="refresh" content="0; url={target}">'
    '<link rel="canonical" href="{canonical}"><meta name="robots" content="noindex">'
    '</head>\n<body><main><h1>KB{n}</h1><p>This old address leads to '
    '<a href="{target}">KB{n}</a>.</p></main>'
    "</body></html>\n"
)


def redirect_pages(number: int, base_url: str = "") -> list[tuple[str, str]]:
    """(path, html) of the redirect pages of an article's old addresses: meta refresh,
    a canonical link and a plain link (so they work without JavaScript)."""
    page = article_url(number) + "index.html"
    canonical_base = base_url.rstrip("/") + "/" if base_url else ""
    pages = []
    for shape in OLD_ADDRESSES:
        path = shape.format(n=number)
        target = "../" * path.count("/") + page
        canonical = canonical_base + article_url(number) if base_url else target
        pages.append((path, _REDIRECT.format(n=number, target=target, canonical=canonical)))
    return pages


def site_pages(site: Site) -> list[str]:
    """Every non-article page of the site, as paths (what an update may rewrite)."""
    pages = [
        "index.html",
        "404.html",
        "not-archived.html",
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
    if path == "404.html":
        return listing("404.html", path, root=renderer.site_path())
    if path == "not-archived.html":
        return listing("not-archived.html", path)
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
            rows=_rows(site, site.codes[key]),
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
            rows=_rows(site, site.products[parts[1]]),
        )
    if parts[0] == "tags":
        tag = next(t for t in site.tags if slug(t) == parts[1])
        return listing(
            "listing.html",
            path,
            heading=f"Articles tagged {tag}",
            notations=None,
            rows=_rows(site, site.tags[tag]),
        )
    raise ValueError(f"no page at {path}")


def _rows(site: Site, numbers: list[int]) -> list[tuple[int, str]]:
    """(number, title) for a listing page."""
    return [(n, site.articles[n].title) for n in numbers]
