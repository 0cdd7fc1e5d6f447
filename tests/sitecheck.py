"""A link checker for a built site: every relative href/src must name a file (and every
root-absolute one, as 404.html has, a file of the site served at /)."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "link" and "canonical" in (dict(attrs).get("rel") or ""):
            return  # where the page will live, not a link to follow
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


def broken_links(site: Path, base_path: str = "/") -> list[tuple[str, str]]:
    """(page, link) for every internal link whose target is missing; root-absolute links
    (404.html's) are read as served under ``base_path``."""
    broken = []
    for page in site.rglob("*.html"):
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        for link in parser.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith("#"):
                continue
            if parts.path.startswith("/"):
                if not parts.path.startswith(base_path):
                    broken.append((str(page.relative_to(site)), link))
                    continue
                target = (site / unquote(parts.path)[len(base_path) :]).resolve()
            else:
                target = (page.parent / unquote(parts.path)).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file() or not target.is_relative_to(site.resolve()):
                broken.append((str(page.relative_to(site)), link))
    return broken
