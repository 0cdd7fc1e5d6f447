"""Reader for KB articles kept as Markdown, and for loose plain text copied out of a
browser or a mail.

Markdown comes in many flavours: Microsoft's current support articles (YAML front
matter, ``_Original KB number:_``, ``> [!NOTE]`` alerts, ``:::image:::`` lines),
web-clipper and note-taking exports of support-site pages (navigation and feedback
boxes still around the article, raw HTML inside), blog reprints with front matter.
markdown-it-py parses every one of them into HTML, and the HTML reader's walker turns
that into the same blocks and sections as any saved page, so that sections, steps and
extraction stay one code path.

Loose text (an article without the DOCUMENT:/TITLE: header of the original KB files)
is read the same way: paragraphs, numbered lists and capitalised headings standing
alone on a line are what both share.

Line breaks inside a paragraph are kept (``breaks``): Event Viewer entries and error
messages are printed one field a line, and the extractors read them by line.
"""

from __future__ import annotations

import html as html_lib
import re

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.token import Token
from mdit_py_plugins.front_matter import front_matter_plugin

from kb import extract
from kb.decode import decode
from kb.readers import html
from kb.readers.base import Draft

FORMAT = "markdown"
TEXT_FORMAT = "loose-text"

# Cues that only Markdown prints: front matter, ATX headings, links, emphasis lines.
_MARKDOWN_CUES = re.compile(
    r"\A(?:\ufeff)?---[ \t]*\r?\n(?:[\w.-]+[ \t]*:.*\r?\n)+"  # YAML front matter
    r"|^#{1,6}[ \t]+\S"  # ATX heading
    r"|^\s*(?:[-*+]|\d{1,2}\.)[ \t]+.*\]\([^)\s]+\)"  # list item with a link
    r"|\[[^\]\n]{1,200}\]\((?:https?://|/)[^)\s]*\)"  # inline link
    r"|^\s*_[A-Z][\w ]{2,40}:_"  # _Original KB number:_
    r"|^\*\*[^*\n]{2,80}\*\*\s*$",  # bold line used as a heading
    re.M,
)
# Cues that a text is one KB article, printed by the article itself.
_ARTICLE_CUES = re.compile(
    r"^[\s>_*]*(?:article\s*id|original\s+kb\s+number)[\s_*]*:?[\s_*]*(?:KB|Q)?\d{3,7}\b"
    r"|previously\s+published\s+under\s+Q\d{3,7}"
    r"|original\s+kb\s+number[\s_*]*:",
    re.I | re.M,
)
_IMAGE = re.compile(r"^\s*:::image\b(?P<attrs>.*?):::\s*$")
_ATTR = re.compile(r'([\w-]+)\s*=\s*"([^"]*)"')
_ALERT = re.compile(r"^\[!(NOTE|TIP|IMPORTANT|CAUTION|WARNING)\]\s*", re.I)


def sniff(text: str) -> bool:
    """Markdown of any flavour (the caller has ruled out HTML pages)."""
    return bool(_MARKDOWN_CUES.search(text[:20000]))


def sniff_text(text: str) -> bool:
    """Loose text that names itself as one KB article."""
    return bool(_ARTICLE_CUES.search(text[:20000]))


def read(data: bytes, fmt: str = FORMAT) -> Draft:
    text, _ = decode(data)
    return parse(text, fmt)


def parse(text: str, fmt: str = FORMAT) -> Draft:
    md = _parser()
    env: dict = {}
    tokens = md.parse(text.replace("\r\n", "\n").replace("\r", "\n"), env)
    front = next((t.content for t in tokens if t.type == "front_matter"), "")
    meta = _front_matter(front)
    body = md.renderer.render(tokens, md.options, env)
    draft = html.parse(f"<html><body>{body}</body></html>", fmt=fmt, hint_title=meta.get("title"))
    date = meta.get("ms.date") or meta.get("date")
    if date and not draft.modified:
        draft.modified = extract.iso_date(date.split()[0])
    return draft


_PARSER: MarkdownIt | None = None


def _parser() -> MarkdownIt:
    global _PARSER
    if _PARSER is None:
        md = MarkdownIt("commonmark", {"html": True, "breaks": True})
        md.enable(["table", "strikethrough"])
        md.use(front_matter_plugin)
        md.block.ruler.before("paragraph", "docs_image", _docs_image)
        md.core.ruler.push("docs_alert", _docs_alert)
        _PARSER = md
    return _PARSER


def _docs_image(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """``:::image type="content" source="x.png" alt-text="...":::`` (Microsoft's docs):
    the picture is not kept, its description is (error dialogs are often pictures)."""
    line = state.src[state.bMarks[start] + state.tShift[start] : state.eMarks[start]]
    match = _IMAGE.match(line)
    if not match:
        return False
    if silent:
        return True
    attrs = dict(_ATTR.findall(match.group("attrs")))
    alt = attrs.get("alt-text") or attrs.get("alt") or ""
    token = state.push("html_block", "", 0)
    token.content = f"<p>[Image: {html_lib.escape(alt)}]</p>\n" if alt.strip() else ""
    token.map = [start, start + 1]
    state.line = start + 1
    return True


def _docs_alert(state) -> None:
    """``> [!NOTE]`` opens an alert: keep its label as a word, not as link syntax."""
    tokens: list[Token] = state.tokens
    for token in tokens:
        if token.type != "inline" or not token.children:
            continue
        first = token.children[0]
        if first.type == "text" and _ALERT.match(first.content):
            label = _ALERT.match(first.content).group(1).capitalize()
            first.content = _ALERT.sub(f"{label}: ", first.content, count=1)
            if first.content.strip() == f"{label}:" and len(token.children) > 1:
                token.children[1].type = "text"  # the break after the label
                token.children[1].content = " "


def _front_matter(text: str) -> dict[str, str]:
    """Top-level ``key: value`` scalars of YAML front matter (all this reader needs)."""
    meta: dict[str, str] = {}
    for line in text.splitlines():
        match = re.match(r"^([\w.-]+)\s*:\s*(.*?)\s*$", line)
        if match and match.group(2):
            meta[match.group(1).lower()] = match.group(2).strip("'\"")
    return meta
