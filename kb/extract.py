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
from collections.abc import Iterator
from datetime import date, datetime

from kb import codes, links
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
_CATEGORY_FIELD = re.compile(r"^\W*(?:event\s+)?category\s*:\s*(\S.*?)\s*$", re.I | re.M)
# "MSExchangeMTA  Field Engineering", "MSExchangeMTA - Interface": a source and the
# category Exchange prints after it (two spaces or a dash between).
_SOURCE_CATEGORY = re.compile(r"^(?P<source>\S.*?)(?:\s{2,}|\s+-\s+)(?P<category>\S.*)$")


def _source_and_category(value: str | None) -> tuple[str | None, str | None]:
    if not value or not value.strip():
        return None, None
    value = value.strip()
    match = _SOURCE_CATEGORY.match(value)
    if match:
        return match.group("source"), match.group("category")
    return value, None


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


# A line that cites another article by number and title (a related-articles list).
_CITATION_LINE = re.compile(r"^\s*(?:[-*\u2022]\s*)?(?:KB|Q)?\d{5,7}\b[ \t]*[-:]?[ \t]*[A-Za-z]")


_DIGITS = re.compile(r"\d{1,5}")


def extract_events(text: str) -> list[Event]:
    found: list[Event] = []
    if _may_hold_entries(text):
        for block in _blocks(text):
            found.extend(_events_in_block(block))
    lower = text.lower()
    if "event" in lower:  # both prose patterns hold the word (no other letters match it)
        ascii_lower = lower if text.isascii() else None
        for match in _finditer_at(_EVENT_PROSE, text, ascii_lower, ("event",)):
            if _CITATION_LINE.match(_line_of(text, match.start())):
                continue  # "983385 Event ID 17 is logged ...": a cited article's title
            for number in [match.group(1), *_DIGITS.findall(match.group(2))]:
                found.append(Event(source=None, event_id=int(number)))
        for match in _finditer_at(_EVENT_LIST_INTRO, text, ascii_lower, ("following",)):
            for number in _DIGITS.findall(match.group(1)):
                found.append(Event(source=None, event_id=int(number)))
    return _merge_events(found)


def _finditer_at(
    pattern: re.Pattern[str], text: str, lower: str | None, words: tuple[str, ...]
) -> list[re.Match[str]]:
    """``pattern.finditer(text)`` for a pattern whose every match begins with one of
    ``words`` (as lower-case ASCII): the pattern is only tried where a word begins.
    ``lower`` is ``text.lower()`` when the text is ASCII (so that its offsets are the
    text's and its letters are the ones the pattern's IGNORECASE matches), else None,
    and then the whole text is scanned."""
    if lower is None:
        return list(pattern.finditer(text))
    starts: list[int] = []
    for word in words:
        starts.extend(_places(lower, word))
    if len(words) > 1:
        starts.sort()
    found: list[re.Match[str]] = []
    end = 0
    for at in starts:
        if at < end:
            continue  # inside the last match: finditer resumes after it
        match = pattern.match(text, at)
        if match:
            found.append(match)
            end = match.end()
    return found


_BLANK_LINES = re.compile(r"\n\s*\n")


# What every line _events_in_block reads an entry from holds: an "ID: 9321" field (also
# one that _split_fields cuts out of a longer line: any field is a piece of a line) or a
# whole "SOURCE 9321" line. Looked for from a literal character (the field's ":" or "=",
# the line's newline), which is quicker than a pattern scanning the text for either.
_FIELD_VALUES = (re.compile(r":\s*\d"), re.compile(r"=\s*\d"))
_ID_NAME_END = re.compile(r"(?:id|identifier)\Z", re.I)
_SOURCE_ID_AFTER_NEWLINE = re.compile(
    r"\n[^\S\n]*[A-Z][A-Za-z0-9_]*[A-Z][A-Za-z0-9_]*[^\S\n]+\d{1,5}[^\S\n]*(?=\n|\Z)"
)


def _may_hold_entries(text: str) -> bool:
    """False when no block of ``text`` has an Event Viewer entry or event-log line."""
    for pattern in _FIELD_VALUES:
        for match in pattern.finditer(text):
            name_end = match.start()  # where an "id" or "identifier" would end
            while name_end and text[name_end - 1].isspace():
                name_end -= 1
            if _ID_NAME_END.search(text, max(0, name_end - 10), name_end):
                return True
    return bool(_SOURCE_ID_AFTER_NEWLINE.search(text) or _SOURCE_ID_LINE.match(_line_of(text, 0)))


def _blocks(text: str) -> list[list[str]]:
    return [_split_fields(b.split("\n")) for b in _BLANK_LINES.split(text) if b.strip()]


# Event Viewer fields run together on one line ("Event Type:Error Event Source:DCOM
# Event Category:None Event ID:10000 ..."): one field a line, up to the Description.
_RUN_FIELD = re.compile(
    r"(?<=\S)\s+(?=(?:event\s+)?(?:type|source|category|id|date|time|user|computer|description)\s*:)",
    re.I,
)
_FIELD_START = re.compile(r"^\W*(?:error\s+)?(?:event\s+)?(?:type|source|category|id)\s*:", re.I)


def _split_fields(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        if not _FIELD_START.match(line):
            out.append(line)
            continue
        described = _DESCRIPTION_AT.search(line)
        head = line[: described.start()] if described else line
        out.extend(part for part in _RUN_FIELD.split(head) if part.strip())
        if described:
            out.append(line[described.start() :])
    return out


_DESCRIPTION_AT = re.compile(r"\bdescription\s*:", re.I)


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
        source, category = _source_and_category(source_match.group(1) if source_match else None)
        if category is None:
            category_match = _CATEGORY_FIELD.search(joined)
            category = category_match.group(1).strip() if category_match else None
            if category and category.casefold() in ("none", "(0)", "n/a"):
                category = None
        events.append(
            Event(
                source=source,
                event_id=event_id,
                message=_description(lines[row:end]),
                category=category,
            )
        )
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
_DEC = r"-?\d{1,10}\b(?!\.\d)"  # not a version or an HTTP sub-status (500.19)
_TOOL = r"[A-Z]{1,4}\d{4,5}\b"  # C2065, LNK2001, BC30451, MIDL2025 (case as printed)
_CUE = (
    r"(?:error(?:\s+(?:code|number|value|status))?|status(?:\s+code)?|return(?:ed)?\s+(?:code|value)"
    r"|exit\s+code|hresult|nt\s+error|stop(?:\s+code|\s+error)?|bug\s*check(?:\s+code)?"
    r"|exception(?:\s+(?:code|number))?|win32\s+error|winerror|err)"
)
_CUED_CODE = re.compile(
    rf"\b{_CUE}\s*(?:[:=#]\s*|\s+(?:is|was|of|number|code|no\.?)\s+\(?|\s*\(|\s+)"
    rf"(?P<code>{_HEX}|{_HEX8}|{_DEC}|(?-i:{_TOOL}))",
    re.I,
)
# "a 2140 error message", "the 1067 error"
_NUMBER_THEN_ERROR = re.compile(r"\b(?:a|an|the)\s+(?P<code>\d{2,10})\s+(?:error|status)\b", re.I)
# "Error 1067: The process terminated" at the start of a line.
_ERROR_PREFIX = re.compile(r"^\s*(?:system\s+)?error\s+(?P<code>-?\d{1,10}):", re.I | re.M)
# Diagnostics printed at the start of a line: "L1073: File-segment Limit Exceeded",
# "error C2065:", "NET3651: There is no protocol loaded." (checked by _diagnostic_line).
_TOOL_CODE = re.compile(
    r"^[ \t>*-]*(?P<cue>(?:fatal\s+)?(?:error|warning)\s+)?"
    r"(?P<code>[A-Z]{1,4}\d{4,5})[ \t]*:[ \t]*(?P<rest>.*)",
    re.M,
)
# "warning C4700", "linker error LNK2001" ...
_TOOL_AFTER_CUE = re.compile(
    rf"\b(?:warning|(?:compiler|linker)\s+(?:error|warning))\s*:?\s*(?P<code>(?-i:{_TOOL}))", re.I
)
# ... and "C2065 error", "LNK2001 errors".
_TOOL_BEFORE_CUE = re.compile(
    r"\b(?P<code>(?:C|LNK|BC|CS|RC|MIDL|CVT|PRJ|MSB|CXX|L|A|U)\d{4,5})\s+"
    r"(?i:(?:compiler\s+|linker\s+|build\s+)?(?:error|warning)s?)\b"
)
# HRESULT/NTSTATUS-looking constants stand on their own.
_FAILURE_HEX = re.compile(r"0[xX](?P<code>[89acAC][0-9a-fA-F]{7})\b")
# '"0x0000003B" Stop error', "0x80070005 error".
_HEX_THEN_ERROR = re.compile(
    r"0[xX](?P<code>[0-9a-fA-F]{1,8})['\"\u201d]?\s+(?i:stop\s+(?:error|code)|bug\s*check|error\b)"
)
# Product-prefixed numbers, each in the form its product prints it, with the words
# (in lower case) that a text must hold for the pattern to be tried at all and the
# text every match begins with (lower case: in any case; else as printed).
_FAMILY_CODES = (
    (
        ("http",),
        re.compile(
            r"\b(?P<code>HTTP(?:/1\.[01])?\s+(?:error\s+|status\s+(?:code\s+)?)?:?\s*"
            r"[45]\d\d(?:\.\d{1,3})?)\b(?!\.\d)",
            re.I,
        ),
        ("http",),
    ),
    (("asp",), re.compile(r"\b(?P<code>ASP\s?0\d{3})\b"), ("ASP",)),
    (("msg",), re.compile(r"\b(?P<code>Msg\s+\d{1,6})(?=,\s*Level\s+\d)"), ("Msg",)),
    (
        ("time error",),
        re.compile(
            r"\b(?P<code>run-?\s?time\s+error\s*:?\s*['\"\u2018\u2019\u201c]?-?\d{1,10})\b", re.I
        ),
        ("run",),
    ),
    (("%%",), re.compile(r"(?<!%)(?P<code>%%\d{2,10})\b"), ("%%",)),
    # DPM's messages: "(ID 104 Details: Access is denied (0x80070005))".
    (("(id ",), re.compile(r"\(ID\s+(?P<code>\d{1,6})\s+Details\s*:"), ("(ID",)),
)
# A number beside its catalog name: "code 10(ERROR_BAD_ENVIRONMENT)",
# "-1018 (JET_errReadVerifyFailure)", "JET_errInvalidObject (-1316)".
_PAREN_NAME_OR_NUMBER = re.compile(
    r"\(\s*\**(?:(?P<name>[A-Za-z][A-Za-z0-9]*_\w+?)\**\s*\)|(?P<code>0x[0-9a-f]{1,8}|-?\d{1,10})\s*\))",
    re.I,
)
_NUMBER_BEFORE = re.compile(r"(?<![\w.])(0x[0-9a-f]{1,8}|-?\d{1,10})\s*$", re.I)
_NAME_BEFORE = re.compile(r"\b([A-Za-z][A-Za-z0-9]*_\w+)\s*$")
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
# "RFC2632: S/MIME ...", "TN3270: Manual startup": standards and protocols, not messages.
_NOT_DIAGNOSTIC_PREFIXES = frozenset({"RFC", "TN", "KB", "Q", "MS", "ISO", "IEEE", "ID", "SP"})

# Where each cued pattern can match: the cue words (lower case) it starts or ends with,
# and how far before and after such a word its match can reach. Scanning only around
# the cues is what keeps extraction as fast as one pass of the old patterns.
_CUE_WORDS = ("err", "stat", "stop", "bug", "excep", "hresult", "return", "exit", "winerror")
_ANCHORED = (
    (_CUED_CODE, _CUE_WORDS, 0, 48),
    (_NUMBER_THEN_ERROR, ("error", "status"), 20, 6),
    (_TOOL_AFTER_CUE, ("warning", "compiler", "linker"), 0, 40),
    (_TOOL_BEFORE_CUE, ("error", "warning"), 14, 30),
)
_DIGIT = re.compile(r"\d")
_HEX8_RUN = re.compile(r"[0-9a-fA-F]{8}")  # as [0-9a-f] under IGNORECASE: no other letter
# Patterns that start at a line: tried on the lines that hold their word.
_LINE_ANCHORED = ((_ERROR_PREFIX, "error"), (_TOOL_CODE, ":"))


def _candidates(text: str) -> list[tuple[re.Pattern[str], re.Match[str]]]:
    lower = text.lower()
    size = len(text)
    out: list[tuple[re.Pattern[str], re.Match[str]]] = []
    for pattern, words, before, after in _ANCHORED:
        seen: set[int] = set()
        for word in words:
            for at in _places(lower, word):
                start, end = max(0, at - before), min(size, at + len(word) + after)
                # Whole words at both ends: a window never cuts "500.19" to "500".
                while start > 0 and not text[start - 1].isspace():
                    start -= 1
                while end < size and not text[end].isspace():
                    end += 1
                # Every code these patterns take has a digit, but for _HEX8 (eight hex
                # digits, maybe all letters): a window with neither holds no match.
                if _DIGIT.search(text, start, end) or (
                    pattern is _CUED_CODE and _HEX8_RUN.search(text, start, end)
                ):
                    for match in pattern.finditer(text, start, end):
                        if match.start() not in seen:
                            seen.add(match.start())
                            out.append((pattern, match))
    aligned = len(lower) == size  # the lower-case text has the text's offsets
    for pattern, word in _LINE_ANCHORED:
        lines: set[int] = set()
        for at in _places(lower, word):
            if pattern is _TOOL_CODE and aligned and not _after_code(text, at):
                continue  # the line is tried at a colon that can end its code, if any
            line_start = text.rfind("\n", 0, at) + 1
            if line_start not in lines:
                lines.add(line_start)
                line_end = text.find("\n", at)
                match = pattern.match(text, line_start, line_end if line_end >= 0 else size)
                if match:
                    out.append((pattern, match))
    for pattern in (_FAILURE_HEX, _HEX_THEN_ERROR):
        for match in pattern.finditer(text):
            previous = text[match.start() - 1] if match.start() else " "
            if not (previous.isalnum() or previous == "_"):
                out.append((pattern, match))
    ascii_lower = lower if text.isascii() else None
    for words, pattern, starts in _FAMILY_CODES:
        if any(map(lower.__contains__, words)):
            if starts[0].islower():  # case-insensitive: the words as lower case shows them
                out.extend((pattern, m) for m in _finditer_at(pattern, text, ascii_lower, starts))
            else:
                out.extend((pattern, m) for m in _finditer_at(pattern, text, text, starts))
    for match in _PAREN_NAME_OR_NUMBER.finditer(text):
        out.append((_PAREN_NAME_OR_NUMBER, match))
    return out


def _after_code(text: str, colon: int) -> bool:
    """Whether the colon at ``colon`` can be the one after a _TOOL_CODE code (which ends
    in a digit, blanks or tabs between)."""
    return colon > 0 and (text[colon - 1] in " \t" or text[colon - 1].isdecimal())


def _places(lower: str, word: str) -> Iterator[int]:
    """Where ``word`` occurs in ``lower``, in order."""
    at = lower.find(word)
    while at >= 0:
        yield at
        at = lower.find(word, at + 1)


def extract_error_codes(text: str) -> list[ErrorCode]:
    """Every error code the text prints, once each, in order of first appearance."""
    found: dict[str, ErrorCode] = {}
    first: dict[str, int] = {}
    for pattern, match in _candidates(text):
        if pattern is _PAREN_NAME_OR_NUMBER:
            pair = _number_beside_name(text, match)
            if pair is None:
                continue
            printed, start = pair
        else:
            printed, start = match.group("code"), match.start("code")
            if pattern is _FAILURE_HEX or pattern is _HEX_THEN_ERROR:
                printed, start = "0x" + printed, start - 2
        line = _line_of(text, start)
        before = text[max(0, start - 12) : start]
        if _ASSEMBLY.search(line) or _NOT_CODE_BEFORE.search(before):
            continue
        if pattern is _CUED_CODE and not _plausible_cued(printed, match.group(0)):
            continue
        if pattern is _TOOL_CODE and not _diagnostic_line(match):
            continue
        code, value = codes.canonical(printed)
        if value == 0 or (value is None and not codes.query_keys(code)):
            continue  # 0 is success ("a status code of 0"), never an error
        key = str(value) if value is not None else code.lower()
        existing = found.get(key)
        snippet = " ".join(match.group(0).split())
        if existing is None:
            found[key] = ErrorCode(code=code, value=value, text=snippet)
            first[key] = start
        else:
            first[key] = min(first[key], start)
            if len(code) > len(existing.code) and code.startswith("0x"):
                # "Stop 0xA" in a title, "0x0000000A" in the body: keep the full print.
                existing.code = code
    return sorted(
        found.values(), key=lambda c: first[str(c.value) if c.value is not None else c.code.lower()]
    )


def _number_beside_name(text: str, match: re.Match[str]) -> tuple[str, int] | None:
    """'10(ERROR_BAD_ENVIRONMENT)' or 'JET_errInvalidObject (-1316)': the number and
    where it starts, when the name is a catalog name of that very number."""
    window = text[max(0, match.start() - 60) : match.start()]
    if match.group("name"):
        number = _NUMBER_BEFORE.search(window[-14:])
        if not number:
            return None
        printed, name = number.group(1), match.group("name")
        start = match.start() - len(window[-14:]) + number.start(1)
    else:
        named = _NAME_BEFORE.search(window)
        if not named:
            return None
        printed, name = match.group("code"), named.group(1)
        start = match.start("code")
    value = codes.value_of_name(name)
    if value is None or not codes.interpret(printed) & codes.related_values(value):
        return None
    return printed, start


def _diagnostic_line(match: re.Match[str]) -> bool:
    """ "C2065: 'x' : undeclared identifier" is a diagnostic; an application-note list
    ("FW1003: RESOURCE KIT", "RFC2632: S/MIME Version 3 ...") is not."""
    if match.group("cue"):
        return True
    prefix = re.match(r"[A-Z]+", match.group("code")).group(0)
    if prefix in _NOT_DIAGNOSTIC_PREFIXES:
        return False
    words = re.findall(r"[A-Za-z][A-Za-z'/-]*", match.group("rest"))
    if not words:
        return prefix in codes.TOOL_PREFIXES
    if all(w.isupper() for w in words if len(w) > 1):
        return False  # an upper-case title
    if prefix in codes.TOOL_PREFIXES:
        return True  # "L1073: File-segment Limit Exceeded": old tools print titles
    capitalised = [w for w in words[:8] if len(w) > 3]
    return not (len(capitalised) >= 3 and all(w[0].isupper() for w in capitalised))


def _plausible_cued(printed: str, matched: str) -> bool:
    if printed.lower().startswith("0x"):
        return True
    tool = re.fullmatch(r"([A-Z]{1,4})\d{4,5}", printed)
    if tool:
        return tool.group(1) not in _NOT_DIAGNOSTIC_PREFIXES
    if re.fullmatch(r"[0-9a-f]{8}", printed, re.I) and not printed.isdigit():
        return True
    if printed.isdigit() and len(printed) == 8 and printed[0] in "8c":
        return True
    # Bare decimals need the cue right before: "error 1067", "NT Error: 11004".
    return bool(
        re.search(
            r"(?:error|status|code|hresult|value)(?:\s+(?:is|was|of))?\s*[:=#]?\s*\(?-?\d+$",
            matched,
            re.I,
        )
    )


def _line_of(text: str, pos: int) -> str:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return text[start : end if end >= 0 else len(text)]


# ------------------------------------------------------------------ related articles

_Q_REF = re.compile(r"(?<![\w/=-])(?:Q|KB)(\d{4,7})(?![\w]|\.[A-Za-z0-9])")
_PHRASE_REF = re.compile(r"\barticles?\s+(?:numbers?|ids?)?\s*:?\s*(\d{5,7})\b", re.I)
_ARTICLE_ID_TITLE = re.compile(r"ARTICLE-ID\s*:\s*Q(\d+)\s*\n\s*TITLE\s*:\s*(.+)", re.I)
# A line that starts with an article number (and maybe its title); and the same after a
# newline, to find every such line of a text in one scan (blanks stay on their line).
_LINE_REF = re.compile(r"^\s*(?:[-*\u2022]\s*)?(?:Q|KB)?(\d{5,7})\b[ \t]*[-:]?[ \t]*(\S.*)?$")
_LINE_REF_AFTER_NEWLINE = re.compile(
    r"\n[^\S\n]*(?:[-*\u2022][^\S\n]*)?(?:Q|KB)?(\d{5,7})\b[ \t]*[-:]?[ \t]*(\S.*)?$", re.M
)
_EXPLICIT_REF_LINE = re.compile(r"^\s*(?:[-*\u2022]\s*)?(?:Q|KB)\d")


def extract_related(
    text: str, own_number: int, hints: list[Related] | None = None
) -> list[Related]:
    """Every other KB article the text cites, in order of first appearance, with titles."""
    order: list[tuple[int, int]] = []  # (position, number)
    titles: dict[int, str] = {}
    # _Q_REF matches begin at a "Q" or a "KB" (case as printed: the pattern has no flags).
    for match in _finditer_at(_Q_REF, text, text, ("Q", "KB")):
        order.append((match.start(), int(match.group(1))))
    # Support-site addresses printed in the text, by the pattern set kb links uses (the
    # numbered shapes above are read already; addresses are rare, the guard is cheap).
    if "support.microsoft.com" in text or "SUPPORT.MICROSOFT.COM" in text:
        for ref in links.find_references(text):
            order.append((ref.start, ref.number))
    ascii_lower = text.lower() if text.isascii() else None
    for match in _finditer_at(_PHRASE_REF, text, ascii_lower, ("article",)):
        order.append((match.start(1), int(match.group(1))))
    for line, m in _line_refs(text):
        is_explicit = bool(_EXPLICIT_REF_LINE.match(line))
        if not is_explicit and not _introduced_as_article(text, text.find(line)):
            continue
        number = int(m.group(1))
        if not is_explicit:
            order.append((text.find(line), number))
        title = _clean_title(m.group(2))
        if title:
            titles.setdefault(number, title)
    for match in _finditer_at(_ARTICLE_ID_TITLE, text, ascii_lower, ("article-id",)):
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


def _line_refs(text: str) -> Iterator[tuple[str, re.Match[str]]]:
    """Each line of ``text`` that _LINE_REF matches, with the match, in order."""
    first = _line_of(text, 0)
    match = _LINE_REF.match(first)
    if match:
        yield first, match
    for match in _LINE_REF_AFTER_NEWLINE.finditer(text):
        yield _line_of(text, match.start() + 1), match


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


# The first format, the plain-text KB header's (11-JUL-2001), read without strptime when
# its digits are ASCII: what strptime takes of it, for a date that exists.
_DAY_MONTH_YEAR = re.compile(r"([0-9]{1,2})-([A-Za-z]{3})-([0-9]{4})")
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}


def iso_date(text: str | None) -> str | None:
    """Dates as printed in KB pages (11-JUL-2001, 10/28/2006, ...) to ISO 8601."""
    if not text:
        return None
    text = " ".join(text.replace("\u00a0", " ").split()).strip(" .")
    quick = _DAY_MONTH_YEAR.fullmatch(text)
    if quick and quick.group(2).lower() in _MONTHS:
        try:
            day = date(int(quick.group(3)), _MONTHS[quick.group(2).lower()], int(quick.group(1)))
            return day.isoformat()
        except ValueError:
            pass  # no such day (or day 0): the formats below decide, as they always did
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
