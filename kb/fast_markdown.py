"""HTML for the plain shapes of section Markdown, without markdown-it's token stream.

Section Markdown is written by :mod:`kb.blocks`: paragraphs of escaped text whose lines
end in hard breaks, fenced blocks, ``####`` sub-headings, and lists. Most sections use
nothing else, and for those this module writes the HTML markdown-it-py's CommonMark
renderer writes, byte for byte, about ten times faster (page rendering spent half its
time in the Markdown parser). Anything outside these shapes - emphasis, code spans,
entities, a list item holding more than one paragraph, two lists in a row - returns
None and the caller uses markdown-it. ``tests/test_fast_markdown.py`` compares the two
on corpus sections and on edge cases.
"""

from __future__ import annotations

import re

# Backslash escapes CommonMark honours: any ASCII punctuation.
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")
# Inline syntax the plain shapes never hold unescaped (emphasis, code spans, entities,
# a backslash before something that is not punctuation is kept, so it is fine).
_INLINE = re.compile(r"[*_`<\[\]]|&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# Line starts that open a block (list item, heading, fence ...) in CommonMark.
_BLOCK_START = re.compile(r"[#>+=~*_|`-]|\d{1,9}[.)](?:[ \t]|$)")
_ITEM = re.compile(r"(?:(\d{1,9})\. |- )")
_FENCE = re.compile(r"^(`{3,})$")
_HEADING = re.compile(r"^#### (.*)$")


def _html_escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def _inline(line: str) -> str | None:
    """One line of escaped text as HTML, or None where it holds inline syntax."""
    if "\\" in line:
        if _INLINE.search(_ESCAPED.sub("", line)):
            return None
        line = _ESCAPED.sub(_unescape, line)
    elif _INLINE.search(line):
        return None
    return _html_escape(line)


def _unescape(match: re.Match[str]) -> str:
    return match.group(1)


def _paragraph_lines(lines: list[str]) -> str | None:
    """Lines joined by hard breaks (each but the last ends in a backslash)."""
    out = []
    for i, line in enumerate(lines):
        last = i == len(lines) - 1
        if not last:
            if not line.endswith("\\") or line.endswith("\\\\"):
                return None
            line = line[:-1]
        if line != line.strip() or not line or _BLOCK_START.match(line):
            return None
        html = _inline(line)
        if html is None:
            return None
        out.append(html)
    return "<br />\n".join(out)


def render(text: str) -> str | None:
    """The HTML markdown-it (commonmark, html off) gives ``text``, or None."""
    if "\r" in text or "\0" in text:
        return None  # the parser normalises these
    lines = text.split("\n")
    out: list[str] = []
    i, n = 0, len(lines)
    previous = ""  # kind of the block before: two lists in a row merge in CommonMark
    while i < n:
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        fence = _FENCE.match(line)
        if fence:
            end = next((j for j in range(i + 1, n) if lines[j] == fence.group(1)), None)
            if end is None:
                return None
            body = lines[i + 1 : end]
            if any(
                b.lstrip(" ").startswith("```") and len(b) - len(b.lstrip(" ")) < 4 for b in body
            ):
                return None  # a line that might close the fence: leave it to the parser
            out.append(
                "<pre><code>" + "".join(_html_escape(b) + "\n" for b in body) + "</code></pre>\n"
            )
            i, previous = end + 1, "code"
            continue
        # The block runs to the next blank line.
        j = i
        while j < n and lines[j].strip():
            j += 1
        block = lines[i:j]
        i = j
        heading = _HEADING.match(block[0])
        if heading:
            content = heading.group(1)
            if len(block) > 1 or content != content.strip() or not content or content.endswith("#"):
                return None
            html = _inline(content)
            if html is None:
                return None
            out.append(f"<h4>{html}</h4>\n")
            previous = "heading"
            continue
        item = _ITEM.match(block[0])
        if item:
            if previous == "list":
                return None
            html = _list(block)
            if html is None:
                return None
            out.append(html)
            previous = "list"
            continue
        html = _paragraph_lines(block)
        if html is None:
            return None
        out.append(f"<p>{html}</p>\n")
        previous = "paragraph"
    return "".join(out)


def _list(block: list[str]) -> str | None:
    """A tight list whose items are one paragraph each (continuation lines indented by
    the marker's width), all with the same kind of marker."""
    first = _ITEM.match(block[0])
    ordered = first.group(1) is not None
    items: list[list[str]] = []
    width = 0
    for line in block:
        item = _ITEM.match(line)
        if item and (item.group(1) is not None) == ordered:
            width = item.end()
            items.append([line[width:]])
        elif item or not items:
            return None  # another kind of marker: another list
        else:
            indent = " " * width
            if not line.startswith(indent) or line[width : width + 1] == " ":
                return None
            items[-1].append(line[width:])
    if ordered:
        numbers = [int(_ITEM.match(line).group(1)) for line in block if _ITEM.match(line)]
        start = numbers[0]
        head = "<ol>\n" if start == 1 else f'<ol start="{start}">\n'
    else:
        head = "<ul>\n"
    parts = [head]
    for lines in items:
        html = _paragraph_lines(lines)
        if html is None:
            return None
        parts.append(f"<li>{html}</li>\n")
    parts.append("</ol>\n" if ordered else "</ul>\n")
    return "".join(parts)
