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
from dataclasses import dataclass

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from kb import blocks as bl
from kb import extract
from kb.decode import decode
from kb.model import IngestError, Related, kb_id
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
    r"give feedback|was this (?:information|page|article) helpful|related links|feedback|"
    r"additional resources|in this article|need more help|(?:table of )?contents$|"
    r"navigation menu|submit and view feedback|ask the community|contact (?:us|support)|"
    r"help us improve|comments?$|leave a (?:reply|comment)|share this|"
    r"get (?:help|support) (?:from|with)|community solutions content disclaimer)\b",
    re.I,
)
_BACK_TO_TOP = re.compile(r"^\W*back to (the )?top\W*$", re.I)
_WAYBACK = re.compile(
    r"<!--\s*BEGIN WAYBACK TOOLBAR INSERT\s*-->.*?"
    r"<!--\s*END WAYBACK TOOLBAR INSERT\s*-->",
    re.I | re.S,
)
_KB_HREF = re.compile(
    r"(?:/(?:kb|help)/(?:Q|KB)?(\d{4,7})\b|[?&;](?:kbid|id|articleid)=(?:kb;[a-z-]+;)?Q?(\d{4,7})\b"
    r"|scid=kb;[a-z-]+;Q?(\d{4,7})\b)",
    re.I,
)
_META_LINE = re.compile(
    r"^[\s_*]*(article\s*id|revision|created\s*on|created|published\s*on|last\s*review|"
    r"last\s*modified|last\s*updated|keywords|exists\s*online|views|kb\s*article\s*id|"
    r"original\s+kb\s+number|original\s+product\s+version|applies\s+to)[\s_*]*:",
    re.I,
)
_OWN_NUMBER = re.compile(
    r"\b(?:article\s*id|original\s+kb\s+number)[\s_*:]*(?:KB|Q)?(\d{3,7})\b"
    r"|previously\s+published\s+under\s+Q(\d{3,7})\b",
    re.I,
)
# The article's own number line: "Article ID: 279415", "_Original KB number:_ 2900773".
_NUMBER_LINE = re.compile(
    r"^[\s_*]*(?:(?:kb\s*)?article\s*id|original\s+kb\s+number)[\s_*]*:?[\s_*]*(?:KB|Q)?\d{3,7}\b",
    re.I,
)
_PREVIOUSLY = re.compile(r"^\W*this article was previously published under Q\d+\W*$", re.I)


def sniff(head: str) -> bool:
    return bool(_SNIFF.search(head))


def read(data: bytes, declared: str | None = None) -> Draft:
    text, _ = decode(data, declared)
    return parse(text)


def parse(text: str, fmt: str = FORMAT, hint_title: str | None = None) -> Draft:
    """Read an HTML document. ``hint_title`` is a title the container gave (the front
    matter of a Markdown file), used where the document prints none of its own."""
    text = _WAYBACK.sub("", text)
    soup = BeautifulSoup(text, "lxml")
    title_tag = _clean(soup.title.get_text()) if soup.title else ""
    pre_draft = _kb_text_in_pre(soup, title_tag)
    if pre_draft:
        return pre_draft
    draft = Draft(format=fmt)
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
    stream = walker.stream
    headings = [item.text for item in stream if isinstance(item, _Head)]
    title_at, draft.title = _choose_title(stream, title_tag, hint_title)
    draft.sections = _sectionize(stream, title_at)
    visible = body.get_text(" ")
    draft.number, strong = _article_number(
        visible, canonical, title_tag, headings, walker.keyword_ids, walker.self_links
    )
    structured = any(s.kind != "other" for s in draft.sections)
    if draft.number and not strong and not structured:
        # Only a passing mention ("see KB article 123456") and no article structure:
        # a page that cites an article is not the article.
        draft.number = None
    own_numbers = {int(a or b) for a, b in _OWN_NUMBER.findall(visible)}
    if len(own_numbers) > 2:
        raise IngestError(
            f"holds {len(own_numbers)} articles' number lines (Article ID / Original KB "
            "number): a list or digest of articles, not one article"
        )
    header = any(isinstance(item, _Cue) for item in stream)  # a number line of its own
    if draft.number and not draft.title and not structured and not header:
        raise IngestError("no article title and no article sections found")
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


# A heading that names a page rather than an article: a wiki path ("Microsoft KB
# Archive/279415"), a bare article number, a site or section name.
_NOT_A_TITLE = re.compile(
    r"^(?:.*/\s*(?:KB|Q)?\d{3,7}|(?:KB|Q)?\s*\d{3,7}|.*\bknowledge\s*base\b.{0,20}"
    r"|(?:microsoft\s+)?(?:help\s+and\s+support|support)(?:\s+online)?|contents|navigation"
    r"|article|summary)$",
    re.I,
)


def _title_like(text: str) -> bool:
    text = _strip_number_prefix(text)
    return (
        4 <= len(text) <= 250
        and not section_kind(text)
        and not _NOT_A_TITLE.match(text)
        and not _STOP_HEADINGS.match(text)
        and not _META_LINE.match(text)
        and not text.lower().startswith(("http://", "https://", "www."))
    )


def _choose_title(
    stream: list, title_tag: str, hint_title: str | None
) -> tuple[int | None, str | None]:
    """The article's title and its place in the stream (None if it is not a heading
    there). The title is the heading or short line that stands by the article's own
    "Article ID" / "previously published" / "Original KB number" line; else the
    heading that agrees with ``<title>``; else the first heading that names an article.
    """
    cue = next((i for i, item in enumerate(stream) if isinstance(item, _Cue)), None)
    if cue is not None:
        # Nearest heading before the cue (skipping the page's own path-like headings),
        # or the short line right before it.
        for i in range(cue - 1, max(-1, cue - 6), -1):
            item = stream[i]
            if isinstance(item, _Head) and _title_like(item.text):
                return i, _strip_number_prefix(item.text)
            if isinstance(item, bl.Para) and len(item.lines) == 1 and i == cue - 1:
                line = _line_title(item.lines[0])
                if line:
                    return i, line
            if isinstance(item, (_Head, bl.ListBlock, bl.Code)):
                break
        # A browser copy prints the title right after "Article ID: ... Revision: ...".
        after = stream[cue + 1] if cue + 1 < len(stream) else None
        if isinstance(after, bl.Para) and len(after.lines) == 1 and _line_title(after.lines[0]):
            return cue + 1, _line_title(after.lines[0])
    tag_title = (
        _strip_number_prefix(re.split(r"\s+[|\u2013\u2014]\s+|\s+-\s+(?=[^-]*$)", title_tag)[0])
        if title_tag
        else ""
    )
    heads = [(i, item) for i, item in enumerate(stream) if isinstance(item, _Head)]
    candidates = [(i, _strip_number_prefix(h.text)) for i, h in heads if _title_like(h.text)]
    if tag_title:
        for i, heading in candidates:
            if len(heading) > 8 and (
                heading.casefold() in title_tag.casefold()
                or tag_title.casefold() in heading.casefold()
            ):
                return i, heading
    generic = (
        not tag_title
        or not _title_like(tag_title)
        or re.search(r"knowledge\s*base|\b(?:KB|Q)\d{4,7}\b", tag_title, re.I)
    )
    if candidates and (generic or hint_title):
        top = min(h.level for _, h in heads if _title_like(h.text))
        first = next((i, t) for i, t in candidates if stream[i].level == top)
        # A document's first-level heading is its title; a front-matter title only
        # where the document prints no title heading of its own.
        if not hint_title or top == 1:
            return first
    if hint_title and _title_like(hint_title):
        return None, _clean(hint_title)
    if tag_title and _title_like(tag_title):
        return None, tag_title
    return candidates[0] if candidates else (None, None)


def _line_title(line: str) -> str | None:
    line = _clean(line).lstrip("> ").strip()
    if not _title_like(line) or len(line) > 200 or line.endswith((".", ":", ",")):
        return None
    return _strip_number_prefix(line)


def _article_number(
    visible: str,
    canonical: str,
    title_tag: str,
    headings: list[str],
    keyword_ids: list[int],
    self_links: list[int],
) -> tuple[int | None, bool]:
    """The article's own number, and whether a strong cue gave it (a cue only the
    article itself prints, not one that a page citing the article could print too)."""
    strong = [
        (visible, r"\b(?:article\s*id|original\s+kb\s+number)\s*:?\s*(?:KB|Q)?(\d{3,7})\b"),
        (visible, r"previously\s+published\s+under\s+Q(\d{3,7})\b"),
        (canonical, _KB_HREF.pattern),
        (title_tag, r"^\s*(?:KB|Q)(\d{4,7})\b"),
        (" ".join(headings[:1]), r"^(?:KB|Q)(\d{4,7})\b"),
    ]
    weak = [
        (title_tag, r"\b(?:KB|Q)(\d{4,7})\b"),
        (" ".join(headings), r"^(?:KB|Q)(\d{4,7})\b"),
        (
            visible,
            r"\b(?:KB|Knowledge Base)\s+article\s*(?:number|no\.?)?\s*:?\s*(?:Q|KB)?(\d{4,7})",
        ),
    ]
    for haystack, pattern in strong:
        match = re.search(pattern, haystack, re.I)
        if match:
            return int(next(g for g in match.groups() if g)), True
    if self_links:
        return self_links[0], True
    if keyword_ids:
        return keyword_ids[-1], True
    for haystack, pattern in weak:
        match = re.search(pattern, haystack, re.I)
        if match:
            return int(next(g for g in match.groups() if g)), False
    return None, False


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


# --------------------------------------------------------------- stream -> sections


@dataclass
class _Head:
    """A heading met at the top level of the page; level 0 for a bold-line heading."""

    text: str
    level: int


@dataclass
class _Cue:
    """Where the article's own number line stood (for the title beside it)."""


@dataclass
class _Stop:
    """A heading after which the page's furniture starts (article info, feedback)."""


def _sectionize(stream: list, title_at: int | None) -> list[DraftSection]:
    """Group the page's top-level blocks into sections.

    Headings that name a known section (Symptoms, Resolution, ...) start sections; so
    do other headings at the level those stand at (or, where none does, at the highest
    level below the title), as sections of kind "other", so that no text of a how-to or
    free-form article is lost. Deeper headings stay inside their section. Text between
    the title and the first section is the article's introduction; what comes before
    the title, and after a furniture heading, is the page's, not the article's.
    """
    start = title_at + 1 if title_at is not None else 0
    head = stream[title_at] if title_at is not None else None
    title = head.text if isinstance(head, _Head) else None
    heads = [item for item in stream[start:] if isinstance(item, _Head) and item.text != title]
    known = [h.level for h in heads if section_kind(h.text) and h.level]
    free = [h.level for h in heads if h.level]
    level = min(known) if known else (min(free) if free else 0)
    sections: list[DraftSection] = []
    keep_intro = title_at is not None or not known
    target: list[bl.Block] | None = [] if keep_intro else None
    intro = target
    for item in stream[start:]:
        if isinstance(item, _Cue):
            continue
        if isinstance(item, _Stop):
            target = None
            continue
        if isinstance(item, _Head):
            if item.text == title:
                continue
            kind = section_kind(item.text)
            if kind or (item.level and item.level <= level):
                section = DraftSection(item.text, kind or "other")
                sections.append(section)
                target = section.blocks
            elif target is not None and item.text:
                target.append(bl.Heading(item.text))
            continue
        if target is not None and not (target is intro and isinstance(item, _LinkPara)):
            target.append(item)
    if intro:
        sections.insert(0, DraftSection("Article", "other", intro))
    return sections


# ------------------------------------------------------------------- DOM -> blocks


class _Paragraph:
    """Collects inline text (and its Markdown) until a block boundary."""

    def __init__(self) -> None:
        self.lines: list[str] = [""]
        self.md: list[str] = [""]
        self.own = False  # any text outside links (else it is a line of navigation)

    def add(self, text: str, md: str) -> None:
        self.lines[-1] += text
        self.md[-1] += md

    def br(self) -> None:
        self.lines.append("")
        self.md.append("")

    def take(self) -> bl.Para | None:
        pairs = [(_clean(t), m.strip()) for t, m in zip(self.lines, self.md, strict=True)]
        pairs = [(t, re.sub(r"\s+", " ", m)) for t, m in pairs if t]
        own, self.own = self.own, False
        self.lines, self.md = [""], [""]
        if not pairs:
            return None
        return (bl.Para if own else _LinkPara)([t for t, _ in pairs], [m for _, m in pairs])


class _LinkPara(bl.Para):
    """A paragraph that is nothing but links: navigation where it stands outside the
    article's sections ("View products that this article applies to")."""


class _Walker:
    def __init__(self, draft: Draft) -> None:
        self.draft = draft
        # The page's top-level blocks in order, with headings and cues as markers.
        self.stream: list = []
        self.keywords: list[str] = []
        self.keyword_ids: list[int] = []
        self.links: list[int] = []
        self.self_links: list[int] = []  # "Back to the top" links to the article itself
        self.link_depth = 0
        self.para = _Paragraph()

    def walk(self, node: Tag) -> None:
        self._children(node, None)
        self._flush(None)

    # `out` is the block list being filled; None means the current section (top level).
    def _out(self, out: list[bl.Block] | None) -> list:
        return self.stream if out is None else out

    def _flush(self, out: list[bl.Block] | None) -> None:
        para = self.para.take()
        if para is None:
            return
        kept_lines, kept_md = [], []
        cue_at = None  # lines kept before the article's own number line
        for line, md in zip(para.lines, para.md_lines or para.lines, strict=True):
            if cue_at is None and (_PREVIOUSLY.match(line) or _NUMBER_LINE.match(line)):
                cue_at = len(kept_lines)
            if self._metadata(line) or _PREVIOUSLY.match(line) or _BACK_TO_TOP.match(line):
                continue
            kept_lines.append(line)
            kept_md.append(md)
        if cue_at is not None and out is None:
            if cue_at:
                self.stream.append(type(para)(kept_lines[:cue_at], kept_md[:cue_at]))
            self.stream.append(_Cue())
            kept_lines, kept_md = kept_lines[cue_at:], kept_md[cue_at:]
        if kept_lines:
            self._out(out).append(type(para)(kept_lines, kept_md))

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
        key = re.sub(r"\s+", " ", key).strip(" _*").casefold()
        draft = self.draft
        if key in ("original product version", "applies to") and value:
            products = [p.strip(" .") for p in re.split(r",\s*|\s+and\s+(?=Windows)", value)]
            draft.products = draft.products or [p for p in products if p]
        elif key == "revision":
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
                    self.para.own = self.para.own or (not self.link_depth and bool(text.strip()))
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
            match = _KB_HREF.search(href)
            if match and href.endswith("#top"):
                self.self_links.append(int(next(g for g in match.groups() if g)))
            elif match:
                self.links.append(int(next(g for g in match.groups() if g)))
            elif re.fullmatch(r"(?:KB|Q)?\d{5,7}", text):
                self.links.append(int(text.lstrip("KBQ")))  # "[951607](/troubleshoot/...)"
            if _BACK_TO_TOP.match(text) or href.endswith("#top"):
                return
            if name == "a" and not tag.find(list(_HEADINGS)):
                self.link_depth += 1
                try:
                    self._children(tag, out)
                finally:
                    self.link_depth -= 1
                return
        if name in _HEADINGS or self._is_pseudo_heading(tag, name, text):
            self._heading(text, out, int(name[1]) if name in _HEADINGS else 0)
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
            if _is_layout(tag):
                for cell in _cells(tag):
                    self._children(cell, out)
                    self._flush(out)
            else:
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

    def _heading(self, text: str, out: list[bl.Block] | None, level: int) -> None:
        self._flush(out)
        heading = re.sub(r"\s*\[\s*edit\s*\]\s*$", "", text).strip(" #")
        if out is not None:
            if heading:
                out.append(bl.Heading(heading))
        elif _STOP_HEADINGS.match(heading):
            self.stream.append(_Stop())  # article info, feedback boxes: not article text
        elif heading:
            self.stream.append(_Head(heading, level))

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
            pair = [c for c in cells if c != ":"]
            line = " | ".join(cells)
            if len(pair) == 2 and _META_LINE.match(f"{pair[0].rstrip(': ')}:"):
                line = f"{pair[0].rstrip(': ')}: {pair[1]}"  # "Article ID | : | 279415"
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


def _is_layout(table: Tag) -> bool:
    """A table that lays out a page (the support site of 2003-2010 put whole articles
    in table cells) rather than one that holds data: it holds headings, lists,
    paragraphs of prose, preformatted text or other tables."""
    if table.find(["table", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "pre", "blockquote"]):
        return True
    rows = [row for row in table.find_all("tr") if row.find_parent("table") is table]
    if rows and all(len(row.find_all(["td", "th"], recursive=False)) <= 1 for row in rows):
        return True  # one column: a box around text, not a grid of data
    for cell in table.find_all(["td", "th"]):
        if len(cell.find_all(["p", "div", "br"])) >= 3 or len(cell.get_text(" ")) > 400:
            return True
    return False


def _cells(table: Tag) -> list[Tag]:
    """The table's own cells (not those of nested tables), in reading order."""
    return [cell for cell in table.find_all(["td", "th"]) if cell.find_parent("table") is table]
