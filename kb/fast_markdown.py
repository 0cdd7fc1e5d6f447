"""HTML for the plain shapes of section Markdown, without markdown-it's token stream.

Section Markdown is written by :mod:`kb.blocks`: paragraphs of escaped text whose lines
end in hard breaks, fenced blocks, ``####`` sub-headings, and lists whose items hold
any of these (blocks apart by a blank line). For those this module writes the HTML
markdown-it-py's CommonMark renderer writes, byte for byte, several times faster (page
rendering spent half its time in the Markdown parser). Anything else - emphasis, code
spans, entities, lazy continuation lines, two lists in a row, a blank line between
items - returns None and the caller uses markdown-it. ``tests/test_fast_markdown.py``
compares the two on corpus sections, edge cases and generated block trees.
"""

from __future__ import annotations

import re

# Backslash escapes CommonMark honours: any ASCII punctuation.
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
# Inline syntax the plain shapes never hold unescaped: emphasis, code spans, brackets,
# angle brackets, entity references.
_INLINE = re.compile(r"[*_`<\[\]]|&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# Line starts that open a block (list item, heading, fence ...) in CommonMark.
_BLOCK_START = re.compile(r"[#>+=~*_|`-]|\d{1,9}[.)](?:[ \t]|$)")
_ITEM = re.compile(r"(?:(\d{1,9})\. |- )")
_FENCE = re.compile(r"^(`{3,})$")
_HEADING = re.compile(r"^#### (.*)$")
_CLOSING = re.compile(r"^ {0,3}```", re.M)


class _Decline(Exception):
    """Not one of the plain shapes: markdown-it renders it."""


def _html_escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _unescape(match: re.Match[str]) -> str:
    return match.group(1)


def _inline(text: str) -> str:
    """Escaped text (no inline syntax) as HTML."""
    if "\\" in text:
        if _INLINE.search(_ESCAPED.sub("", text)):
            raise _Decline
        text = _ESCAPED.sub(_unescape, text)
    elif _INLINE.search(text):
        raise _Decline
    return _html_escape(text)


def _paragraph(lines: list[str]) -> str:
    """The inline HTML of a paragraph whose lines but the last end in a hard break."""
    last = len(lines) - 1
    for i, line in enumerate(lines):
        if not line or line[0] in " \t" or line[-1] in " \t" or _BLOCK_START.match(line):
            raise _Decline
        if i < last:
            if line[-1] != "\\" or line.endswith("\\\\") or len(line) == 1:
                raise _Decline
            lines[i] = line[:-1]
    if last and any(not x or x[-1] in " \t" or x != x.strip() for x in lines[:-1]):
        raise _Decline
    if lines[-1] != lines[-1].strip():
        raise _Decline
    return _inline("\n".join(lines)).replace("\n", "<br />\n")


def render(text: str) -> str | None:
    """The HTML markdown-it (commonmark, html off) gives ``text``, or None."""
    if "\r" in text or "\0" in text:
        return None  # the parser normalises these
    try:
        blocks = _blocks(text.split("\n"))
    except _Decline:
        return None
    return "".join(f"<p>{html}</p>\n" if kind == "paragraph" else html for kind, html in blocks)


def _blank(line: str) -> bool:
    return not line.strip(" ")


def _blocks(lines: list[str]) -> list[tuple[str, str]]:
    """(kind, html) of each block of these lines (a container's, dedented)."""
    out: list[tuple[str, str]] = []
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        if _blank(line):
            i += 1
            continue
        if out and not _blank(lines[i - 1]):
            raise _Decline  # blocks the writer never sets apart without a blank line
        fence = _FENCE.match(line)
        if fence:
            try:
                end = lines.index(fence.group(1), i + 1)
            except ValueError:
                raise _Decline from None
            code = "\n".join(lines[i + 1 : end]) + "\n" if end > i + 1 else ""
            if _CLOSING.search(code):
                raise _Decline  # a line that might close the fence
            out.append(("code", f"<pre><code>{_html_escape(code)}</code></pre>\n"))
            i = end + 1
            continue
        item = _ITEM.match(line)
        if item:
            if out and out[-1][0] == "list":
                raise _Decline  # two lists in a row may merge into one
            i, html = _list(lines, i)
            out.append(("list", html))
            continue
        j = i + 1
        while j < n and not _blank(lines[j]):
            j += 1
        block = lines[i:j]
        i = j
        heading = _HEADING.match(block[0])
        if heading:
            content = heading.group(1)
            if len(block) > 1 or content != content.strip() or not content or content[-1] == "#":
                raise _Decline
            out.append(("heading", f"<h4>{_inline(content)}</h4>\n"))
            continue
        out.append(("paragraph", _paragraph(block)))
    return out


def _list(lines: list[str], i: int) -> tuple[int, str]:
    """The list starting at line ``i``: where it ends, its HTML. Items hold blocks
    indented by their marker's width; a list is loose when an item holds several."""
    ordered = _ITEM.match(lines[i]).group(1) is not None
    items: list[list[tuple[str, str]]] = []
    start = 1
    n = len(lines)
    while i < n:
        item = _ITEM.match(lines[i])
        if not item:
            break
        if (item.group(1) is not None) != ordered:
            raise _Decline  # another kind of marker right after: another list
        if not items and ordered:
            start = int(item.group(1))
        width = item.end()
        indent = " " * width
        body = [lines[i][width:]]
        i += 1
        while i < n and (_blank(lines[i]) or lines[i].startswith(indent)):
            inner = lines[i][width:] if lines[i].startswith(indent) else ""
            if inner.lstrip(" ").startswith("\t"):
                raise _Decline  # tab stops inside an item: the parser's business
            body.append(inner)
            i += 1
        while len(body) > 1 and _blank(body[-1]):
            body.pop()
            i -= 1  # trailing blank lines end the list, not this item
        if i < n and not _blank(lines[i]) and not _ITEM.match(lines[i]):
            raise _Decline  # a lazy continuation line
        if i < n and _blank(lines[i]) and i + 1 < n and _ITEM.match(lines[i + 1]):
            raise _Decline  # a blank line between items: loose in a way we do not write
        if not body[0] or body[0][0] == " ":
            raise _Decline
        items.append(_blocks(body))
    loose = any(len(children) > 1 for children in items)
    parts = ["<ol>\n" if start == 1 else f'<ol start="{start}">\n'] if ordered else ["<ul>\n"]
    for children in items:
        if not children:
            raise _Decline
        if not loose and children[0][0] == "paragraph":
            parts.append(f"<li>{children[0][1]}</li>\n")
            continue
        inner = "".join(
            f"<p>{html}</p>\n" if kind == "paragraph" else html for kind, html in children
        )
        parts.append(f"<li>\n{inner}</li>\n")
    parts.append("</ol>\n" if ordered else "</ul>\n")
    return i, "".join(parts)
