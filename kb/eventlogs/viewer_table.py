"""Event Viewer's "Save All Events As": text (tab-separated) and CSV.

Event Viewer (Vista and later) writes a header ``Level, Date and Time, Source, Event ID,
Task Category`` and one more column, unnamed, with the description (quoted when it
spans lines). The Windows 2000/XP/2003 Event Viewer writes no header and the columns
``Date, Time, Type, Source, Category, Event, User, Computer, Description``.
"""

from __future__ import annotations

import csv
import io
import re

from kb.eventlogs import EventRow, Warn, event_id, local_time

_HEADER = re.compile(
    r"^\ufeff?\"?Level\"?([,\t])\"?Date and Time\"?\1\"?Source\"?\1\"?Event ID", re.I
)
_OLD_ROW = re.compile(
    r"^\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}([,\t])[\d:]+(?: ?[AP]M)?\1[^,\t]+\1[^,\t]+\1[^,\t]*\1\d+\1"
)


def sniff(text: str) -> str | None:
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    found = _HEADER.match(first) or _OLD_ROW.match(first)
    if not found:
        return None
    return "Event Viewer text" if found.group(1) == "\t" else "Event Viewer CSV"


def read(text: str, warn: Warn) -> list[EventRow]:
    text = text.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    header = _HEADER.match(first)
    delimiter = (header or _OLD_ROW.match(first)).group(1)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows: list[EventRow] = []
    try:
        _rows(reader, header is not None, rows, warn)
    except csv.Error as exc:  # an unclosed quote runs to the end: what came before stands
        warn(f"line {reader.line_num}: {exc}; the rows before it are read")
    return rows


def _rows(reader, header: bool, rows: list[EventRow], warn: Warn) -> None:
    skipped = 0
    for number, fields in enumerate(reader, 1):
        if header and number == 1:
            continue
        if not any(f.strip() for f in fields):
            continue
        row = _new_row(fields) if header else _old_row(fields)
        if row is None:
            skipped += 1
            if skipped <= 3:
                warn(f"line {reader.line_num} is not an event row, skipped")
            continue
        rows.append(row)
    if skipped > 3:
        warn(f"{skipped:,} rows in all were not event rows and were skipped")


def _new_row(fields: list[str]) -> EventRow | None:
    """Level, Date and Time, Source, Event ID, Task Category[, description]."""
    if len(fields) < 4:
        return None
    number = event_id(fields[3])
    if number is None or not fields[2].strip():
        return None
    return EventRow(
        source=fields[2].strip(),
        event_id=number,
        time=local_time(fields[1]),
        level=fields[0].strip() or None,
        message=_message(fields[5:]),
    )


def _old_row(fields: list[str]) -> EventRow | None:
    """Date, Time, Type, Source, Category, Event, User, Computer, Description."""
    if len(fields) < 6:
        return None
    number = event_id(fields[5])
    if number is None or not fields[3].strip():
        return None
    return EventRow(
        source=fields[3].strip(),
        event_id=number,
        time=local_time(f"{fields[0]} {fields[1]}"),
        level=fields[2].strip() or None,
        message=_message(fields[8:]),
    )


def _message(rest: list[str]) -> str | None:
    text = "\n".join(f for f in rest if f.strip()).strip()
    return text or None
