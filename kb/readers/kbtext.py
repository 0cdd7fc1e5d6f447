"""Reader for the original plain-text KB format (Microsoft's FTP archive, about 2002).

    DOCUMENT:Q279415  11-JUL-2001  [exchange]
    TITLE   :XCON: MSEXCHANGEMTA 9321 Err Msg When Attempting to Start MTA
    ...
    SYMPTOMS
    ========

The body is laid out with spaces: headings underlined with ``=``, sub-headings with
``-``, numbered steps whose continuation lines are indented, indented message blocks.
The kbarchive web site's variant (``Article: Q219025`` / ``Product(s):`` header) is
read here too, with the title supplied by the page around it.
"""

from __future__ import annotations

import re

from kb import blocks as bl
from kb import extract
from kb.decode import decode
from kb.readers.base import Draft, DraftSection, section_kind

FORMAT = "kb-text"

_HEADER = re.compile(
    r"^(DOCUMENT|TITLE|PRODUCT|PROD/VER|OPER/SYS|KEYWORDS|Article|Product\(s\)|Version\(s\)"
    r"|Operating System\(s\)|Keyword\(s\)|Last Modified)\s*:(.*)$"
)
_SNIFF = re.compile(r"^\s*(DOCUMENT\s*:\s*Q\d+|Article\s*:\s*Q\d+)", re.M)
_SEPARATOR = re.compile(r"^\s*={20,}\s*$")
_DASH_RULE = re.compile(r"^\s*-{20,}\s*$")
_NUMBERED = re.compile(r"^( *)(\d{1,2})[.)]( +)(\S.*)$")
_LETTERED = re.compile(r"^( *)([a-z])[.)]( +)(\S.*)$")
_BULLET = re.compile(r"^( *)([-*\u00b7\u2022o])( +)(\S.*)$")
_TRAILER = re.compile(r"^(Keywords|Technology|Version|Issue type|Platform)\s*:(.*)$")
_Q_NUMBER = re.compile(r"Q(\d+)")
_DATE = re.compile(r"\d{1,2}-[A-Z]{3}-\d{4}", re.I)
_APPLIES_TO = re.compile(r"information in this article applies to", re.I)
_APPLIES_TO_ITEM = re.compile(r"^\s*[-*\u00b7]\s+(.*\S)")


def sniff(text: str) -> bool:
    return bool(_SNIFF.search(text[:2000]))


def read(data: bytes) -> Draft:
    text, _ = decode(data)
    return parse(text)


def parse(text: str, title: str | None = None, fmt: str = FORMAT) -> Draft:
    text = text.replace("\r\n", "\n").replace("\r", "\n").expandtabs(8)
    # A no-break space becomes a space; both are blanks to rstrip, so doing it first
    # leaves every line as replacing it after the rstrip would.
    if "\u00a0" in text:
        text = text.replace("\u00a0", " ")
    lines = [line.rstrip() for line in text.split("\n")]
    draft = Draft(format=fmt)
    body_start = _read_header(lines, draft)
    if title:
        draft.title = title
    body = lines[body_start:]
    body, trailer = _split_trailer(body)
    _read_trailer(trailer, draft)
    body = _drop_applies_to(body, draft)
    draft.sections = _sections(body)
    return draft


def _read_header(lines: list[str], draft: Draft) -> int:
    index = 0
    for index, line in enumerate(lines[:40]):
        match = _HEADER.match(line.strip())
        if not match:
            if line.strip() and index > 0 and not line.startswith(" "):
                break
            continue
        key, value = match.group(1), match.group(2).strip()
        if key in ("DOCUMENT", "Article"):
            number = _Q_NUMBER.search(value)
            draft.number = int(number.group(1)) if number else None
            date = _DATE.search(value)
            if date:
                draft.modified = extract.iso_date(date.group(0))
        elif key == "TITLE":
            draft.title = value
        elif key in ("PRODUCT", "Product(s)") and value:
            draft.products = [value]
        elif key in ("KEYWORDS", "Keyword(s)"):
            draft.keywords += value.replace(",", " ").split()
        elif key == "Last Modified":
            draft.modified = extract.iso_date(value) or draft.modified
    else:
        index += 1
    return index


def _split_trailer(body: list[str]) -> tuple[list[str], list[str]]:
    """Cut the body at the ===== line before the Keywords/Technology block."""
    seps = [i for i, line in enumerate(body) if "=" * 20 in line and _SEPARATOR.match(line)]
    for i in reversed(seps):
        after = [line for line in body[i + 1 : i + 8] if line.strip()]
        if after and _TRAILER.match(after[0].strip()):
            return body[:i], body[i + 1 :]
    # No trailer block: still drop the legal disclaimer after the last separator.
    for i in reversed(seps):
        if any("INFORMATION PROVIDED IN THE MICROSOFT KNOWLEDGE BASE" in x for x in body[i:]):
            return body[:i], []
    return body, []


def _read_trailer(trailer: list[str], draft: Draft) -> None:
    for line in trailer:
        match = _TRAILER.match(line.strip())
        if match and match.group(1) == "Issue type":
            draft.keywords += match.group(2).split()


def _drop_applies_to(body: list[str], draft: Draft) -> list[str]:
    """Take the 'The information in this article applies to:' block out as products."""
    head = body[:60]
    # The phrase has no line break in it: the head as one text holds it only if a line does.
    if not _APPLIES_TO.search("\n".join(head)):
        return body
    for i, line in enumerate(head):
        if _APPLIES_TO.search(line):
            end = i + 1
            products: list[str] = []
            while end < len(body) and not _DASH_RULE.match(body[end]):
                item = _APPLIES_TO_ITEM.match(body[end])
                if item:
                    products.append(item.group(1))
                elif products and body[end].strip() and body[end].startswith("   "):
                    products[-1] += " " + body[end].strip()
                elif body[end].strip() == "" and end > i + 1 and not products:
                    pass
                end += 1
                if end - i > 80:
                    break
            if products:
                draft.products = products
            start = i - 1 if i > 0 and _DASH_RULE.match(body[i - 1]) else i
            return body[:start] + body[end + 1 :]
    return body


def _is_heading(lines: list[str], i: int) -> bool:
    line = lines[i]
    if not line.strip() or line.startswith(" ") or len(line) > 60:
        return False
    nxt = lines[i + 1] if i + 1 < len(lines) else ""
    under = nxt.strip()
    if _is_rule(under, "=", 1) and abs(len(under) - len(line.strip())) <= 3:
        return not line.rstrip().endswith((".", ","))
    prev = lines[i - 1] if i > 0 else ""
    return (
        line.strip().isupper() and not under and not prev.strip() and section_kind(line) is not None
    )


def _is_rule(stripped: str, char: str, least: int) -> bool:
    """Whether ``stripped`` is ``char`` repeated at least ``least`` times (as the
    pattern ``=+`` or ``-{3,}`` matches a whole line)."""
    return len(stripped) >= least and not stripped.strip(char)


def _sections(body: list[str]) -> list[DraftSection]:
    sections: list[DraftSection] = []
    current: list[str] = []
    heading: str | None = None
    i = 0
    count = len(body)
    while i < count:
        line = body[i]
        # A heading is a line of at most 60 characters at the margin (checked first here:
        # most lines are not).
        if line and len(line) <= 60 and line[0] != " " and _is_heading(body, i):
            _close(sections, heading, current)
            heading, current = line.strip(), []
            i += 2 if i + 1 < count and body[i + 1].strip().startswith("=") else 1
            continue
        if heading is None and not sections and _SEPARATOR.match(line):
            i += 1
            continue
        current.append(line)
        i += 1
    _close(sections, heading, current)
    return sections


def _close(sections: list[DraftSection], heading: str | None, lines: list[str]) -> None:
    blocks = text_blocks(lines)
    if heading is None:
        if blocks:
            sections.append(DraftSection("Article", "other", blocks))
        return
    sections.append(DraftSection(heading, section_kind(heading) or "other", blocks))


# ------------------------------------------------------------------ body -> blocks


def _item_match(line: str) -> tuple[int, int, bool, bool, str] | None:
    """(marker indent, content indent, ordered, numeric, text) if the line starts an item."""
    # Every item marker is followed by "." or ")" (after one or two characters) or by a
    # space: lines with neither there (most lines) start no item.
    rest = line.lstrip(" ")
    if rest[1:2] not in _AFTER_MARKER and rest[2:3] not in _AFTER_NUMBER:
        return None
    for pattern, ordered, numeric in (
        (_NUMBERED, True, True),
        (_LETTERED, False, False),
        (_BULLET, False, False),
    ):
        m = pattern.match(line)
        if m:
            marker_indent = len(m.group(1))
            content = marker_indent + len(m.group(2)) + 1 + len(m.group(3))
            text = m.group(4) if numeric or pattern is _BULLET else f"{m.group(2)}. {m.group(4)}"
            if pattern is _NUMBERED and int(m.group(2)) > 40:
                return None
            return marker_indent, content, ordered, numeric, text
    return None


_AFTER_MARKER = (".", ")", " ")
_AFTER_NUMBER = (".", ")")


def text_blocks(lines: list[str]) -> list[bl.Block]:
    """Turn space-laid-out KB text into blocks: paragraphs, lists, message blocks."""
    root: list[bl.Block] = []
    # Open lists: (list block, marker indent, content indent, ordered).
    stack: list[tuple[bl.ListBlock, int, int, bool]] = []
    groups = _groups(lines)
    for group in groups:
        for chunk, item in _chunks(group):
            first = chunk[0]
            if _is_subheading(chunk):
                stack.clear()
                root.append(bl.Heading(chunk[0].strip()))
                if len(chunk) > 2:
                    root.extend(text_blocks(chunk[2:]))
                continue
            if item:
                marker, content, ordered, numeric, text = item
                continuation = [x.strip() for x in chunk[1:]]
                own = bl.Para([" ".join([text, *continuation]).strip()])
                while stack and (
                    stack[-1][1] > marker or (stack[-1][1] == marker and stack[-1][3] != ordered)
                ):
                    stack.pop()
                if (
                    stack
                    and stack[-1][1] == marker
                    and stack[-1][3] == ordered
                    and not (numeric and text and _restarts(stack[-1][0], first))
                ):
                    stack[-1][0].items.append([own])
                    stack[-1] = (stack[-1][0], marker, content, ordered)
                    continue
                new_list = bl.ListBlock(ordered=ordered, items=[[own]], start=_start(first))
                if stack and marker > stack[-1][1]:
                    stack[-1][0].items[-1].append(new_list)
                else:
                    stack.clear()
                    root.append(new_list)
                stack.append((new_list, marker, content, ordered))
                continue
            indent = _least_indent(chunk)
            while stack and indent < stack[-1][2] - 1:
                stack.pop()
            base = stack[-1][2] if stack else 0
            target = stack[-1][0].items[-1] if stack else root
            if indent >= base + 2:
                if target and isinstance(target[-1], bl.Code):
                    # Blank lines inside one listing or message sequence: one block.
                    target[-1] = bl.Code(target[-1].text + "\n\n" + _dedent(chunk, indent))
                else:
                    target.append(bl.Code(_dedent(chunk, indent)))
            else:
                target.append(_paragraph(chunk))
    return root


_FIELD_LINE = re.compile(r"^\s*[A-Za-z][\w /()-]{0,30}\s*[:=]\s*\S")


def _paragraph(chunk: list[str]) -> bl.Para:
    """Lines of prose are one paragraph; 'Field: value' lines (an Event Viewer entry
    printed at paragraph indent) keep their line breaks."""
    if len(chunk) > 1 and _field_lines(chunk) >= 2:
        return bl.Para([x.strip() for x in chunk])
    return bl.Para([" ".join([x.strip() for x in chunk])])


def _field_lines(chunk: list[str]) -> int:
    """How many lines of ``chunk`` are 'Field: value' lines (only one with a ":" or "="
    can be)."""
    return sum(1 for x in chunk if ("=" in x or ":" in x) and _FIELD_LINE.match(x))


def _restarts(current: bl.ListBlock, line: str) -> bool:
    """A '1.' after items already in the list starts a new list."""
    return _start(line) == 1 and len(current.items) > 0


def _start(line: str) -> int:
    m = _NUMBERED.match(line)
    return int(m.group(2)) if m else 1


def _groups(lines: list[str]) -> list[list[str]]:
    groups: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        if line.strip():
            current.append(line)
        elif current:
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return groups


_Item = tuple[int, int, bool, bool, str]


def _chunks(group: list[str]) -> list[tuple[list[str], _Item | None]]:
    """Split a blank-line group where a new list item starts on a line of its own; each
    chunk with the item its first line starts (None for a sub-heading's group, which is
    read as one)."""
    if _is_subheading(group):
        return [(group, None)]
    first_item = _item_match(group[0])
    if not first_item and all(x.startswith("  ") for x in group):
        return [(group, first_item)]  # an indented message block stays whole
    items = [first_item, *map(_item_match, group[1:])]
    if not any(items):
        return [(group, None)]  # no line starts an item: nowhere to split
    chunks: list[tuple[list[str], _Item | None]] = []
    for line, item in zip(group, items, strict=True):
        if chunks and (
            item
            and (first_item is None or item[0] <= first_item[1])
            or not item
            and not line.startswith(" ")
            and chunks[-1][1]  # the item of the line the last chunk starts with
        ):
            chunks.append(([line], item))
        elif chunks:
            chunks[-1][0].append(line)
        else:
            chunks.append(([line], item))
    return chunks


def _is_subheading(chunk: list[str]) -> bool:
    if len(chunk) < 2 or "---" not in chunk[1]:  # an underline is three dashes or more
        return False
    under = chunk[1].strip()
    return _is_rule(under, "-", 3) and abs(len(under) - len(chunk[0].strip())) <= 3


def _least_indent(chunk: list[str]) -> int:
    """The smallest indent of a chunk's lines (never blank: _groups leaves those out)."""
    return min([len(x) - len(x.lstrip(" ")) for x in chunk])


def _dedent(chunk: list[str], indent: int) -> str:
    """The chunk's lines without their common ``indent``, one text."""
    return "\n".join([x[indent:] for x in chunk])
