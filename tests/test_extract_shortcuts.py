"""The shortcuts that keep reading fast give what the plain patterns give.

Extraction and the KB text reader try their patterns only where a match can begin, skip
texts that cannot hold a match and test cheap facts before patterns; each test here
checks one shortcut against the plain pattern it stands for, on the shapes the shortcut
relies on (case, blanks, non-ASCII text, the first line, the last line) and on real
articles where the corpus is at hand.
"""

from __future__ import annotations

import random
import re
from datetime import datetime

import pytest

from kb import blocks, extract
from kb.readers import kbtext

PIECES = [
    "MSEXCHANGEMTA 9321\nAn RPC communications error occurred.\n",
    "Event ID: 9321 Source: MSExchangeMTA Description: An RPC error",
    "Event Type: Error Event Source: DCOM Event Category: None Event ID: 10000",
    "   Event ID: 7000\n   Source: Service control manager\n",
    "event identifier = 12",
    "ID:\n 5",
    "after logging event ID 321. Events 4018 & 4116 appear.",
    "the following events: 1, 2 and 3",
    "For more information, see the following article in the Microsoft Knowledge Base:",
    "\n   Q123456 XCON: Title Of The Cited Article\n",
    "\n- KB234567: Another cited article title\n",
    "\n345678 A title with only the number before it\n",
    "see article number 456789 and article ID: 567890",
    "ARTICLE-ID: Q99999\nTITLE: Something to read",
    "KB2900773 Q10022 xQ12345 Q1234567890",
    "HTTP Error 500.19 and HTTP 404",
    "ASP 0115 and Msg 823, Level 16, State 1",
    "Run-time error '76': Path not found",
    "%%233 and (ID 104 Details: Access is denied (0x80070005))",
    "Error 1067: The process terminated unexpectedly.",
    "   L1073: File-segment Limit Exceeded",
    "error C2065: 'x' : undeclared identifier",
    "STOP 0x0000000A (0x00000000, 0x00000002)",
    "returns error -1018 (JET_errReadVerifyFailure)",
    "\u0130D: 5 and \u0131dentifier = 7 and ART\u0130CLE 123456",
    "\u017ftatus 5 and \u212aB123456",
    "caf\u00e9 r\u00e9sum\u00e9 \u2022 12345 bullet",
    "   ",
    "",
]


def _texts(count: int = 400) -> list[str]:
    rnd = random.Random(11)
    texts = list(PIECES)
    for _ in range(count):
        parts = [rnd.choice(PIECES) for _ in range(rnd.randrange(1, 6))]
        text = rnd.choice(["\n", "\n\n", " ", "\n  \n"]).join(parts)
        texts.append(rnd.choice([text, text.upper(), text.lower(), text.swapcase()]))
    return texts


def _spans(matches) -> list[tuple[int, int]]:
    return [m.span() for m in matches]


@pytest.mark.parametrize(
    ("pattern", "words", "ignore_case"),
    [
        (extract._EVENT_PROSE, ("event",), True),
        (extract._EVENT_LIST_INTRO, ("following",), True),
        (extract._PHRASE_REF, ("article",), True),
        (extract._ARTICLE_ID_TITLE, ("article-id",), True),
        (extract._Q_REF, ("Q", "KB"), False),
        *[(p, starts, starts[0].islower()) for _, p, starts in extract._FAMILY_CODES],
    ],
)
def test_patterns_tried_where_a_match_begins(pattern, words, ignore_case):
    for text in _texts():
        lower = text if not ignore_case else text.lower() if text.isascii() else None
        found = extract._finditer_at(pattern, text, lower, words)
        assert _spans(found) == _spans(pattern.finditer(text)), text


def test_entry_gate_passes_every_text_with_an_entry():
    for text in _texts():
        entries = [e for b in extract._blocks(text) for e in extract._events_in_block(b)]
        if entries:
            assert extract._may_hold_entries(text), text
    assert not extract._may_hold_entries("Windows 95\nSetup fails.\n\nSee port 1433.")


def test_reference_lines_found_in_one_scan():
    for text in _texts():
        one_by_one = [
            (line, m.groups()) for line in text.split("\n") if (m := extract._LINE_REF.match(line))
        ]
        scanned = [(line, m.groups()) for line, m in extract._line_refs(text)]
        assert scanned == one_by_one, text


def test_item_markers_skipped_only_where_no_pattern_matches():
    shapes = ["1. x", "12) y", "41. z", "a) b", "b.c", "- x", "o note", "\u00b7 y", "\u2022 z"]
    shapes += ["\u0663. x", "x. y", "ab. c", "1 x", "-x", "*  x", "123. x", "1.", "- "]
    for shape in shapes:
        for indent in ("", " ", "    "):
            line = indent + shape
            plain = [p.match(line) for p in (kbtext._NUMBERED, kbtext._LETTERED, kbtext._BULLET)]
            if kbtext._item_match(line) is None and any(plain):
                # Only a numbered marker above 40 is no item although its pattern matches.
                assert kbtext._NUMBERED.match(line) and int(plain[0].group(2)) > 40, line


def test_markdown_escape_as_the_substitution():
    rnd = random.Random(5)
    chars = "\\`*_[]<>|#>+=~-0123456789.) \t\n\u00a0ab\u0660"
    for _ in range(3000):
        text = "".join(rnd.choice(chars) for _ in range(rnd.randrange(12)))
        plain = blocks._MD_SPECIAL.sub(r"\\\1", text)
        plain = blocks._LINE_START_SPECIAL.sub(lambda m: m.group(1) + "\\" + m.group(2), plain)
        assert blocks.md_escape(text) == plain


def _strptime_date(text: str) -> str | None:
    """iso_date as it was, strptime over every format."""
    text = " ".join(text.split()).strip(" .")
    for fmt in extract._DATE_FORMATS:
        try:
            named = "%b" in fmt or "%B" in fmt
            return datetime.strptime(text.title() if named else text, fmt).date().isoformat()
        except ValueError:
            continue
    match = re.search(r"\d{4}-\d{2}-\d{2}", text)
    return match.group(0) if match else None


def test_header_dates_as_strptime_reads_them():
    for day in ("0", "00", "1", "07", "29", "30", "31", "32", "\u0663"):
        for month in ("JAN", "Feb", "apr", "SEPT", "xyz"):
            for year in ("2001", "2004", "0000", "1900", "02001"):
                text = f"{day}-{month}-{year}"
                assert extract.iso_date(text) == _strptime_date(text), text


def test_shortcuts_on_real_articles(real_corpus):
    paths = sorted(real_corpus.txt_dir().rglob("*.TXT"))[::200]
    for path in paths:
        text = path.read_bytes().decode("cp1252", "replace")
        lower = text.lower() if text.isascii() else None
        for pattern, words in (
            (extract._EVENT_PROSE, ("event",)),
            (extract._PHRASE_REF, ("article",)),
        ):
            found = extract._finditer_at(pattern, text, lower, words)
            assert _spans(found) == _spans(pattern.finditer(text)), path
        found = extract._finditer_at(extract._Q_REF, text, text, ("Q", "KB"))
        assert _spans(found) == _spans(extract._Q_REF.finditer(text)), path
        entries = [e for b in extract._blocks(text) for e in extract._events_in_block(b)]
        assert extract._may_hold_entries(text) or not entries, path
