"""Reader for KB articles saved as HTML, whatever the site or decade.

Nothing here depends on one site's class names. The article is found by content cues:
section headings by their text (Symptoms, Cause, Resolution, ...), whether they are
``<h3>``, ``<H2>``, a bold paragraph or a wiki heading; the article number from
"Article ID", "previously published under Q...", canonical links and the title; the
title from the heading that agrees with ``<title>``. Navigation, notices, scripts,
forms, "Back to the top" links and web-archive toolbars are dropped.

Pages that wrap the plain-text KB format in ``<pre>`` (the kbarchive site) are handed
to :mod:`kb.readers.kbtext`.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from kb import blocks as bl
from kb import extract
from kb.decode import decode
from kb.model import Related, kb_id
from kb.readers import kbtext
from kb.readers.base import Draft, DraftSection, section_kind

FORMAT = "archive-html"
PRE_FORMAT = "kbarchive-html"

_SNIFF = re.compile(r"<(?:!doctype\s+html|html|head|body|title|h[1-6]|p|div|table|pre)\b", re.I)
_DROP = {
    "script",
    "style",
    "noscript",
    "iframe",
    "frame",
    "frameset",
    "form",
    "nav",
    "footer",
    "button",
    "input",
    "select",
    "textarea",
    "object",
    "embed",
    "svg",
    "canvas",
    "template",
    "link",
    "meta",
    "map",
    "area",
    "applet",
    "audio",
    "video",
    "head",
    "img",
}
_BLOCK = {
    "p",
    "div",
    "section",
    "article",
    "main",
    "aside",
    "blockquote",
    "center",
    "address",
    "dl",
    "dt",
    "dd",
    "figure",
    "figcaption",
    "tr",
    "tbody",
    "thead",
    "tfoot",
    "body",
    "html",
    "fieldset",
    "header",
    "hr",
    "caption",
    "td",
    "th",
    "xmp",
    "listing",
    "details",
    "summary",
}
_LISTS = {"ul", "ol", "dir", "menu"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_EMPHASIS = {
    "b": "**",
    "strong": "**",
    "i": "*",
    "em": "*",
    "cite": "*",
    "var": "*",
    "code": "`",
    "tt": "`",
    "kbd": "`",
    "samp": "`",
}
_STOP_HEADINGS = re.compile(
    r"^(article info|properties|article properties|keywords|"
    r"give feedback|was this information helpful|related links)\b",
    re.I,
)
_BACK_TO_TOP = re.compile(r"^\W*back to (the )?top\W*$", re.I)
_WAYBACK = re.compile(
    r"<!--\s*BEGIN WAYBACK TOOLBAR INSERT\s*-->.*?"
    r"<!--\s*END WAYBACK TOOLBAR INSERT\s*-->",
    re.I | re.S,
)
_KB_HREF = re.compile(
    r"(?:/kb/(?:Q)?(\d{4,7})\b|[?&;](?:kbid|id|articleid)=(?:kb;[a-z-]+;)?Q?(\d{4,7})\b"
    r"|scid=kb;[a-z-]+;Q?(\d{4,7})\b)",
    re.I,
)
_META_LINE = re.compile(
    r"^\s*(article\s*id|revision|created\s*on|created|published\s*on|last\s*review|"
    r"last\s*modified|last\s*updated|keywords|exists\s*online|views|kb\s*article\s*id)\s*:",
    re.I,
)
_PREVIOUSLY = re.compile(r"^\W*this article was previously published under Q\d+\W*$", re.I)


def sniff(head: str) -> bool:
    return bool(_SNIFF.search(head))


def read(data: bytes, declared: str | None = None) -> Draft:
    text, _ = decode(data, declared)
    return parse(text)


def parse(text: str) -> Draft:
    text = _WAYBACK.sub("", text)
    soup = BeautifulSoup(text, "lxml")
    title_tag = _clean(soup.title.get_text()) if soup.title else ""
    pre_draft = _kb_text_in_pre(soup, title_tag)
    if pre_draft:
        return pre_draft
    draft = Draft(format=FORMAT)
    headings = [_clean(h.get_text()) for h in soup.find_all(list(_HEADINGS))]
    draft.title = _choose_title(headings, title_tag)
    canonical = " ".join(
        str(tag.get("href") or tag.get("content") or "")
        for tag in soup.find_all(["link", "meta"])
        if "canonical" in str(tag.get("rel") or "") or tag.get("property") == "og:url"
    )
    for node in soup.find_all(string=lambda s: isinstance(s, Comment)):
        node.extract()
    body = soup.body or soup
    walker = _Walker(draft)
    walker.walk(body)
    draft.sections = walker.sections
    visible = body.get_text(" ")
    draft.number = _article_number(visible, canonical, title_tag, headings, walker.keyword_ids)
    draft.keywords = [
        k for k in walker.keywords if not re.fullmatch(rf"(?:KB|Q){draft.number}", k, re.I)
    ]
    draft.related_hints = [Related(kb_id(n), n) for n in walker.links if n != draft.number]
    return draft


# ----------------------------------------------------------------- title and number


def _clean(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split())


def _strip_number_prefix(title: str) -> str:
    return re.sub(r"^(?:KB|Q)\d{3,7}\s*[:\-\u2013]\s*", "", title).strip()


def _choose_title(headings: list[str], title_tag: str) -> str | None:
    tag_title = (
        _strip_number_prefix(re.split(r"\s+[|\u2013\u2014]\s+|\s+-\s+(?=[^-]*$)", title_tag)[0])
        if title_tag
        else ""
    )
    candidates = [_strip_number_prefix(h) for h in headings if h and not section_kind(h)]
    for heading in candidates:
        if (
            tag_title
            and (
                heading.casefold() in title_tag.casefold()
                or tag_title.casefold() in heading.casefold()
            )
            and len(heading) > 8
        ):
            return heading
    generic = not tag_title or re.search(r"knowledge\s*base|\b(?:KB|Q)\d{4,7}\b", tag_title, re.I)
    if candidates and generic:
        return candidates[0]
    return tag_title or (candidates[0] if candidates else None)


def _article_number(
    visible: str, canonical: str, title_tag: str, headings: list[str], keyword_ids: list[int]
) -> int | None:
    patterns = [
        (visible, r"\barticle\s*id\s*:?\s*(?:KB|Q)?(\d{3,7})\b"),
        (visible, r"previously\s+published\s+under\s+Q(\d{3,7})\b"),
        (canonical, _KB_HREF.pattern),
        (title_tag, r"\b(?:KB|Q)(\d{4,7})\b"),
        (" ".join(headings), r"^(?:KB|Q)(\d{4,7})\b"),
        (
            visible,
            r"\b(?:KB|Knowledge Base)\s+article\s*(?:number|no\.?)?\s*:?\s*(?:Q|KB)?(\d{4,7})",
        ),
    ]
    for haystack, pattern in patterns:
        match = re.search(pattern, haystack, re.I)
        if match:
            return int(next(g for g in match.groups() if g))
    return keyword_ids[0] if keyword_ids else None


def _kb_text_in_pre(soup: BeautifulSoup, title_tag: str) -> Draft | None:
    for pre in soup.find_all("pre"):
        text = pre.get_text()
        if kbtext.sniff(text):
            heading = next(
                (
                    h.get_text()
                    for h in soup.find_all(["h1", "h2"])
                    if re.match(r"\s*Q\d+\s*:", h.get_text())
                ),
                None,
            )
            title = _strip_number_prefix(_clean(heading or title_tag.split(" | ")[0]))
            draft = kbtext.parse(text, title=None, fmt=PRE_FORMAT)
            draft.title = draft.title or title or None
            return draft
    return None


# ------------------------------------------------------------------- DOM -> blocks


class _Paragraph:
    """Collects inline text (and its Markdown) until a block boundary."""

    def __init__(self) -> None:
        self.lines: list[str] = [""]
        self.md: list[str] = [""]

    def add(self, text: str, md: str) -> None:
        self.lines[-1] += text
        self.md[-1] += md

    def br(self) -> None:
        self.lines.append("")
        self.md.append("")

    def take(self) -> bl.Para | None:
        pairs = [(_clean(t), m.strip()) for t, m in zip(self.lines, self.md, strict=True)]
        pairs = [(t, re.sub(r"\s+", " ", m)) for t, m in pairs if t]
        self.lines, self.md = [""], [""]
        if not pairs:
            return None
        return bl.Para([t for t, _ in pairs], [m for _, m in pairs])


class _Walker:
    def __init__(self, draft: Draft) -> None:
        self.draft = draft
        self.sections: list[DraftSection] = []
        self.target: list[bl.Block] = []  # content before the first section: not kept
        self.keywords: list[str] = []
        self.keyword_ids: list[int] = []
        self.links: list[int] = []
        self.para = _Paragraph()

    def walk(self, node: Tag) -> None:
        self._children(node, None)
        self._flush(None)

    # `out` is the block list being filled; None means the current section (top level).
    def _out(self, out: list[bl.Block] | None) -> list[bl.Block]:
        return self.target if out is None else out

    def _flush(self, out: list[bl.Block] | None) -> None:
        para = self.para.take()
        if para is None:
            return
        kept_lines, kept_md = [], []
        for line, md in zip(para.lines, para.md_lines or para.lines, strict=True):
            if self._metadata(line) or _PREVIOUSLY.match(line) or _BACK_TO_TOP.match(line):
                continue
            kept_lines.append(line)
            kept_md.append(md)
        if kept_lines:
            self._out(out).append(bl.Para(kept_lines, kept_md))

    def _metadata(self, line: str) -> bool:
        """Article-info lines ('Revision : 6', 'Keywords: kbprb'): record them, drop them."""
        parts = re.split(r"\s+[-\u2013|]\s+(?=[A-Z][\w ]{2,20}\s*:)", line)
        if not _META_LINE.match(parts[0]):
            return False
        for part in parts:
            key, _, value = part.partition(":")
            self._meta(key, value.strip())
        return True

    def _meta(self, key: str, value: str) -> None:
        key = re.sub(r"\s+", " ", key).strip().casefold()
        draft = self.draft
        if key == "revision":
            number = re.match(r"\d+", value)
            draft.revision = str(int(number.group(0))) if number else value or None
        elif key in ("created on", "created"):
            draft.created = extract.iso_date(value) or draft.created
        elif key in ("published on", "last review", "last modified", "last updated"):
            draft.modified = extract.iso_date(value) or draft.modified
        elif key == "keywords":
            for word in re.split(r"[,;\s]+", value):
                if not word:
                    continue
                match = re.fullmatch(r"(?:KB|Q)(\d{4,7})", word, re.I)
                if match:
                    self.keyword_ids.append(int(match.group(1)))
                self.keywords.append(word)

    def _children(self, node: Tag, out: list[bl.Block] | None) -> None:
        for child in list(node.children):
            if isinstance(child, Comment):
                continue
            if isinstance(child, NavigableString):
                text = str(child)
                if text.strip() or self.para.lines[-1]:
                    plain = re.sub(r"\s+", " ", text)
                    self.para.add(plain, bl.md_escape(plain))
                continue
            if isinstance(child, Tag):
                self._element(child, out)

    def _element(self, tag: Tag, out: list[bl.Block] | None) -> None:
        name = (tag.name or "").lower()
        if name in _DROP:
            return
        if name == "br":
            self.para.br()
            return
        text = _clean(tag.get_text(" "))
        if name == "a":
            href = str(tag.get("href") or "")
            if _BACK_TO_TOP.match(text) or href == "#top":
                return
            match = _KB_HREF.search(href)
            if match:
                self.links.append(int(next(g for g in match.groups() if g)))
        if name in _HEADINGS or self._is_pseudo_heading(tag, name, text):
            self._heading(text, out)
            return
        if name == "pre":
            self._flush(out)
            code = tag.get_text().strip("\n")
            if code.strip():
                self._out(out).append(bl.Code(code))
            return
        if name in _LISTS:
            self._flush(out)
            self._list(tag, out, ordered=name == "ol")
            return
        if name == "table":
            self._flush(out)
            self._table(tag, out)
            return
        if name in _BLOCK or name == "li":
            self._flush(out)
            if out is not None and name in ("div", "blockquote", "dd"):
                self._indented_lines(tag, out)
            else:
                self._children(tag, out)
            self._flush(out)
            return
        marker = _EMPHASIS.get(name)
        if marker and text and not tag.find("br"):
            self._emphasis(tag, out, marker)
            return
        self._children(tag, out)

    def _emphasis(self, tag: Tag, out: list[bl.Block] | None, marker: str) -> None:
        """Wrap the tag's Markdown in ``marker``, keeping its outer spaces outside."""
        lines_before = len(self.para.md)
        start = len(self.para.md[-1])
        self._children(tag, out)
        if len(self.para.md) != lines_before:
            return  # a block boundary inside: leave the text plain
        line = self.para.md[-1]
        inner = line[start:]
        if not inner.strip():
            return
        lead = inner[: len(inner) - len(inner.lstrip())]
        trail = inner[len(inner.rstrip()) :]
        self.para.md[-1] = f"{line[:start]}{lead}{marker}{inner.strip()}{marker}{trail}"

    def _is_pseudo_heading(self, tag: Tag, name: str, text: str) -> bool:
        """'<p><b>SYMPTOMS</b></p>' and '<B>Resolution</B><BR>' in old pages."""
        if not text or len(text) > 40 or section_kind(text) is None:
            return False
        if tag.find(["p", "div", "ul", "ol", "table", "pre", "li"]):
            return False
        if name in _BLOCK:
            return True
        return name in ("b", "strong", "font", "u", "span") and _alone(tag)

    def _heading(self, text: str, out: list[bl.Block] | None) -> None:
        self._flush(out)
        heading = re.sub(r"\s*\[\s*edit\s*\]\s*$", "", text).strip()
        kind = section_kind(heading)
        if out is None and kind:
            section = DraftSection(heading, kind)
            self.sections.append(section)
            self.target = section.blocks
        elif out is None and _STOP_HEADINGS.match(heading):
            self.target = []  # article info, feedback boxes: not article text
        elif heading and self.sections:
            self._out(out).append(bl.Heading(heading))

    def _list(self, tag: Tag, out: list[bl.Block] | None, ordered: bool) -> None:
        block = bl.ListBlock(ordered=ordered)
        start = tag.get("start")
        if ordered and start and str(start).isdigit():
            block.start = int(str(start))
        for child in tag.children:
            item: list[bl.Block] = []
            if isinstance(child, Tag) and child.name == "li":
                self._children(child, item)
                self._flush(item)
            elif isinstance(child, Tag) and child.name in _LISTS and block.items:
                self._list(child, block.items[-1], ordered=child.name == "ol")
                continue
            elif isinstance(child, Tag) and child.name not in _DROP:
                self._element(child, item)
                self._flush(item)
            if item:
                block.items.append(item)
        if block.items:
            self._out(out).append(block)

    def _indented_lines(self, tag: Tag, out: list[bl.Block]) -> None:
        """Inside a list item, an indented block of short lines is a sub-list."""
        inner: list[bl.Block] = []
        self._children(tag, inner)
        self._flush(inner)
        if len(inner) == 1 and isinstance(inner[0], bl.Para) and len(inner[0].lines) > 1:
            para = inner[0]
            md = para.md_lines or para.lines
            out.append(
                bl.ListBlock(
                    False, [[bl.Para([t], [m])] for t, m in zip(para.lines, md, strict=True)]
                )
            )
        else:
            out.extend(inner)

    def _table(self, tag: Tag, out: list[bl.Block] | None) -> None:
        for row in tag.find_all("tr"):
            cells = [_clean(c.get_text(" ")) for c in row.find_all(["td", "th"])]
            cells = [c for c in cells if c]
            if not cells:
                continue
            if (
                len(cells) == 2
                and cells[0].endswith(":")
                and self._metadata(f"{cells[0].rstrip(': ')}: {cells[1]}")
            ):
                continue
            line = " | ".join(cells)
            self.para.add(line, bl.md_escape(line))
            self._flush(out)


def _alone(tag: Tag) -> bool:
    """True if the tag is the only thing with text in its block-level parent."""
    parent = tag.parent
    while parent is not None and parent.name not in _BLOCK and parent.name != "li":
        parent = parent.parent
    if parent is None:
        return True
    siblings_text = _clean(parent.get_text(" "))
    return siblings_text == _clean(tag.get_text(" ")) or _followed_by_break(tag)


def _followed_by_break(tag: Tag) -> bool:
    nxt = tag.next_sibling
    while isinstance(nxt, NavigableString) and not nxt.strip():
        nxt = nxt.next_sibling
    prev = tag.previous_sibling
    while isinstance(prev, NavigableString) and not prev.strip():
        prev = prev.previous_sibling
    starts_line = prev is None or (isinstance(prev, Tag) and prev.name in ("br", "p", "hr"))
    return starts_line and isinstance(nxt, Tag) and nxt.name in ("br", "p", "hr")
