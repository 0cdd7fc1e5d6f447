"""Extractors shared by every reader: event-log entries, error codes, KB references,
title tags and dates, all from the plain text of an article.

The text handed in is the article's plain text with blocks separated by blank lines and
line breaks kept inside blocks (message boxes, Event Viewer details), as
:func:`kb.blocks.to_text` produces it. The patterns follow what real KB articles print;
each one is exercised against the hand-labelled gold articles by
``benchmarks/extraction.py``.
"""

from __future__ import annotations

import re
from datetime import datetime

from kb import codes
from kb.model import ErrorCode, Event, Related, kb_id

# --------------------------------------------------------------------------- events

_EVENT_ID_LINE = re.compile(r"^\s*(?:event\s*id|event\s*identifier|id)\s*[:=]\s*(\d{1,5})\b", re.I)
# Event Viewer fields, one a line or several on one line ("Event ID: 9321 Source: X
# Description: ..."); a field's value ends where the next field name begins.
_FIELD_NAMES = r"(?:description|type|category|event\s*id|event\s*type|id|user|computer|date|time)"
_SOURCE_FIELD = re.compile(
    rf"\b(?:event\s+)?source\s*:\s*(.+?)\s*(?=\s{_FIELD_NAMES}\s*:|$)", re.I | re.M
)
_DESCRIPTION_FIELD = re.compile(r"\bdescription\s*:\s*(.*)", re.I | re.S)
_DETAIL_LINE = re.compile(
    r"^\s*(?:event\s+)?(?:type|category|date|time|user|computer|source|id|event\s*id)\s*:", re.I
)
# "MSEXCHANGEMTA 9321" alone on a line, the way Event Viewer lines are printed.
_SOURCE_ID_LINE = re.compile(r"^\s*([A-Z][A-Za-z0-9_]*[A-Z][A-Za-z0-9_]*)\s+(\d{1,5})\s*$")
_NOT_SOURCES = {
    "STOP",
    "ERROR",
    "EVENT",
    "ID",
    "NOTE",
    "WARNING",
    "VERSION",
    "PORT",
    "BUILD",
    "Q",
    "KB",
    "SP",
    "MS-DOS",
    "DOS",
    "NT",
    "OS",
    "IE",
    "NET",
}
_EVENT_PROSE = re.compile(
    r"\bevents?(?:\s+(?:id|identifier|number|no\.?)s?)?\s*(?:[:=#]\s*|\s)\s*"
    r"(\d{1,5})((?:\s*(?:,|&|\band\b|\bor\b)\s*(?:id\s*)?\d{1,5}\b)*)",
    re.I,
)
_EVENT_LIST_INTRO = re.compile(
    r"\bfollowing\s+events?\s*:\s*((?:\d{1,5}\s*(?:,|\band\b|&)?\s*)+)", re.I
)


def extract_events(text: str) -> list[Event]:
    found: list[Event] = []
    for block in _blocks(text):
        found.extend(_events_in_block(block))
    for match in _EVENT_PROSE.finditer(text):
        for number in [match.group(1), *re.findall(r"\d{1,5}", match.group(2))]:
            found.append(Event(source=None, event_id=int(number)))
    for match in _EVENT_LIST_INTRO.finditer(text):
        for number in re.findall(r"\d{1,5}", match.group(1)):
            found.append(Event(source=None, event_id=int(number)))
    return _merge_events(found)


def _blocks(text: str) -> list[list[str]]:
    return [b.split("\n") for b in re.split(r"\n\s*\n", text) if b.strip()]


def _events_in_block(lines: list[str]) -> list[Event]:
    events: list[Event] = []
    # Event Viewer details: "Event ID: N" with "Source: X" and "Description:" nearby.
    id_rows = [i for i, line in enumerate(lines) if _EVENT_ID_LINE.match(line)]
    for n, row in enumerate(id_rows):
        start = id_rows[n - 1] + 1 if n else 0
        end = id_rows[n + 1] if n + 1 < len(id_rows) else len(lines)
        # The entry's own lines: from the line after the previous entry to the next ID.
        window = lines[start:end]
        event_id = int(_EVENT_ID_LINE.match(lines[row]).group(1))
        joined = "\n".join(window)
        source_match = _SOURCE_FIELD.search(joined)
        source = source_match.group(1).strip() if source_match else None
        events.append(Event(source=source, event_id=event_id, message=_description(lines[row:end])))
    # Event-log lines: "MSEXCHANGEMTA 9321" followed by its message.
    for i, line in enumerate(lines):
        m = _SOURCE_ID_LINE.match(line)
        if not m or m.group(1).upper() in _NOT_SOURCES or i + 1 >= len(lines):
            continue
        if not any(c.isupper() for c in m.group(1)[1:]) and not m.group(1).isupper():
            continue
        message_lines: list[str] = []
        for follow in lines[i + 1 :]:
            if _SOURCE_ID_LINE.match(follow):
                break
            message_lines.append(follow.strip())
        message = " ".join(message_lines).strip()
        if message:
            events.append(Event(source=m.group(1), event_id=int(m.group(2)), message=message))
    return events


def _description(lines: list[str]) -> str | None:
    joined = "\n".join(lines)
    match = _DESCRIPTION_FIELD.search(joined)
    if match:
        return " ".join(match.group(1).split()) or None
    body = [x.strip() for x in lines[1:] if x.strip() and not _DETAIL_LINE.match(x)]
    return " ".join(body) or None


def _merge_events(events: list[Event]) -> list[Event]:
    """One entry per (source, id); an ID known with a source drops its source-less twin."""
    sourced_ids = {e.event_id for e in events if e.source}
    merged: dict[tuple[str | None, int], Event] = {}
    for event in events:
        if event.source is None and event.event_id in sourced_ids:
            continue
        key = (event.source.casefold() if event.source else None, event.event_id)
        if key not in merged:
            merged[key] = event
        elif not merged[key].message and event.message:
            merged[key].message = event.message
    return list(merged.values())


# ---------------------------------------------------------------------- error codes

_HEX = r"0x[0-9a-f]{1,8}\b"
_HEX8 = r"\b[0-9a-f]{8}\b"
_DEC = r"-?\d{1,10}\b"
_CUE = (
    r"(?:error(?:\s+(?:code|number|value|status))?|status(?:\s+code)?|return(?:ed)?\s+(?:code|value)"
    r"|exit\s+code|hresult|nt\s+error|stop(?:\s+code|\s+error)?|bug\s*check(?:\s+code)?"
    r"|exception(?:\s+(?:code|number))?|win32\s+error|winerror|err)"
)
_CUED_CODE = re.compile(
    rf"\b{_CUE}\s*(?:[:=#]\s*|\s+(?:is|was|of|number|code|no\.?)\s+|\s*\(|\s+)"
    rf"(?P<code>{_HEX}|{_HEX8}|{_DEC}|[A-Z]{{1,3}}\d{{4}}\b)",
    re.I,
)
# "a 2140 error message", "the 1067 error"
_NUMBER_THEN_ERROR = re.compile(r"\b(?:a|an|the)\s+(?P<code>\d{2,10})\s+(?:error|status)\b", re.I)
# "Error 1067: The process terminated" at the start of a line.
_ERROR_PREFIX = re.compile(r"^\s*(?:system\s+)?error\s+(?P<code>-?\d{1,10}):", re.I | re.M)
# Linker and compiler messages: "L1073: File-segment Limit Exceeded", "error C2065:".
_TOOL_CODE = re.compile(r"^\s*(?:fatal\s+)?(?:error\s+)?(?P<code>[A-Z]{1,3}\d{4})\s*:", re.M)
# HRESULT/NTSTATUS-looking constants stand on their own.
_FAILURE_HEX = re.compile(r"(?<![\w])(?P<code>0x[89ac][0-9a-f]{7})\b", re.I)
# Disassembly lines ("0040123a  mov eax,[0x80000002]"): their operands are not codes.
_ASSEMBLY = re.compile(
    r"^\s*(?:[0-9a-f`:]{4,}\s+)*(?:[0-9a-f]{2,}\s+)*"
    r"(?:mov|push|pop|call|cmp|jmp|jne|je|jz|jnz|lea|test|and|or|xor|add|sub|ret|int|inc|dec)\s"
    r"|\b(?:e?[abcd]x|e?[sd]i|e?[sb]p)\s*,",
    re.I,
)
_NOT_CODE_BEFORE = re.compile(
    r"(?:address|addr|at|offset|version|port|build|line|parameter)\s*:?\s*$", re.I
)


def extract_error_codes(text: str) -> list[ErrorCode]:
    found: dict[str, ErrorCode] = {}
    for pattern in (_CUED_CODE, _NUMBER_THEN_ERROR, _ERROR_PREFIX, _TOOL_CODE, _FAILURE_HEX):
        for match in pattern.finditer(text):
            printed = match.group("code")
            line = _line_of(text, match.start("code"))
            before = text[max(0, match.start("code") - 12) : match.start("code")]
            if _ASSEMBLY.search(line) or _NOT_CODE_BEFORE.search(before):
                continue
            if pattern is _CUED_CODE and not _plausible_cued(printed, match.group(0)):
                continue
            code, value = codes.canonical(printed)
            if value is None and not codes.symbolic_key(code):
                continue
            key = str(value) if value is not None else code.lower()
            existing = found.get(key)
            snippet = " ".join(match.group(0).split())
            if existing is None:
                found[key] = ErrorCode(code=code, value=value, text=snippet)
            elif len(code) > len(existing.code) and code.startswith("0x"):
                # "Stop 0xA" in a title, "0x0000000A" in the body: keep the full print.
                existing.code = code
    return list(found.values())


def _plausible_cued(printed: str, matched: str) -> bool:
    if printed.lower().startswith("0x") or re.fullmatch(r"[A-Z]{1,3}\d{4}", printed, re.I):
        return True
    if re.fullmatch(r"[0-9a-f]{8}", printed, re.I) and not printed.isdigit():
        return True
    if printed.isdigit() and len(printed) == 8 and printed[0] in "8c":
        return True
    # Bare decimals need the cue right before: "error 1067", "NT Error: 11004".
    return bool(
        re.search(r"(?:error|status|code|hresult|value)\s*[:=#]?\s*\(?-?\d+$", matched, re.I)
    )


def _line_of(text: str, pos: int) -> str:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return text[start : end if end >= 0 else len(text)]


# ------------------------------------------------------------------ related articles

_Q_REF = re.compile(r"(?<![\w/=-])(?:Q|KB)(\d{4,7})(?![\w]|\.[A-Za-z0-9])")
_PHRASE_REF = re.compile(r"\barticles?\s+(?:numbers?|ids?)?\s*:?\s*(\d{5,7})\b", re.I)
_LINE_REF = re.compile(r"^\s*(?:[-*\u2022]\s*)?(?:Q|KB)?(\d{5,7})\b[ \t]*[-:]?[ \t]*(\S.*)?$")
_ARTICLE_ID_TITLE = re.compile(r"ARTICLE-ID\s*:\s*Q(\d+)\s*\n\s*TITLE\s*:\s*(.+)", re.I)


def extract_related(
    text: str, own_number: int, hints: list[Related] | None = None
) -> list[Related]:
    """Every other KB article the text cites, in order of first appearance, with titles."""
    order: list[tuple[int, int]] = []  # (position, number)
    titles: dict[int, str] = {}
    for match in _Q_REF.finditer(text):
        order.append((match.start(), int(match.group(1))))
    for match in _PHRASE_REF.finditer(text):
        order.append((match.start(1), int(match.group(1))))
    for block in re.split(r"\n\s*\n", text):
        for line in block.split("\n"):
            m = _LINE_REF.match(line)
            if not m:
                continue
            is_explicit = bool(re.match(r"^\s*(?:[-*\u2022]\s*)?(?:Q|KB)\d", line))
            if not is_explicit and not _introduced_as_article(text, text.find(line)):
                continue
            number = int(m.group(1))
            if not is_explicit:
                order.append((text.find(line), number))
            title = _clean_title(m.group(2))
            if title:
                titles.setdefault(number, title)
    for match in _ARTICLE_ID_TITLE.finditer(text):
        titles.setdefault(int(match.group(1)), _clean_title(match.group(2)) or "")
    for hint in hints or []:
        order.append(
            (text.find(str(hint.number)) if str(hint.number) in text else len(text), hint.number)
        )
        if hint.title:
            titles.setdefault(hint.number, hint.title)
    seen: dict[int, Related] = {}
    for _, number in sorted(order, key=lambda x: x[0]):
        if number == own_number or number in seen or number < 1000:
            continue
        seen[number] = Related(id=kb_id(number), number=number, title=titles.get(number) or None)
    return list(seen.values())


def _introduced_as_article(text: str, pos: int) -> bool:
    before = text[max(0, pos - 300) : pos].lower()
    return "article" in before and ("knowledge base" in before or "number" in before)


def _clean_title(title: str | None) -> str | None:
    if not title:
        return None
    title = " ".join(title.split()).strip(" .")
    if len(title) < 8 or not re.search(r"[A-Za-z]{3}", title):
        return None
    return title


# --------------------------------------------------------------------- tags and dates

_TAG = re.compile(r"^([A-Z][A-Z0-9]{1,9}(?:/[A-Z0-9]{1,9})?)\s*:\s+\S")


def title_tag(title: str) -> str | None:
    """'XCON: MTA ...' -> 'XCON'; titles without an upper-case prefix -> None."""
    match = _TAG.match(title)
    return match.group(1) if match else None


_DATE_FORMATS = (
    "%d-%b-%Y",
    "%m/%d/%Y",
    "%Y-%m-%d",
    "%B %d, %Y",
    "%d %B %Y",
    "%b %d, %Y",
    "%A, %B %d, %Y",
    "%m/%d/%y",
    "%d-%b-%y",
)


def iso_date(text: str | None) -> str | None:
    """Dates as printed in KB pages (11-JUL-2001, 10/28/2006, ...) to ISO 8601."""
    if not text:
        return None
    text = " ".join(text.replace("\u00a0", " ").split()).strip(" .")
    for fmt in _DATE_FORMATS:
        try:
            return (
                datetime.strptime(text.title() if "%b" in fmt or "%B" in fmt else text, fmt)
                .date()
                .isoformat()
            )
        except ValueError:
            continue
    m = re.search(r"\d{4}-\d{2}-\d{2}", text)
    return m.group(0) if m else None
