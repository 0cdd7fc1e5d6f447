"""Windows event logs in the forms admins have them, read into the same event rows.

One module per log form, each with ``sniff(head)`` (is this file mine? decided by
content, never by extension) and ``read(path, data, warn)`` (the rows). Forms:

- :mod:`.evtx_file`: binary ``.evtx`` logs (the Rust-backed ``evtx`` package)
- :mod:`.viewer_table`: Event Viewer "Save as" text (tab-separated) and CSV, new and
  old (Windows XP/2003) column sets
- :mod:`.event_xml`: ``wevtutil qe /f:xml`` and ``/f:RenderedXml`` output
- :mod:`.powershell_json`: ``Get-WinEvent | ConvertTo-Json`` (and ``Get-EventLog``)
- :mod:`.pasted`: copied event blocks ("Event Type: / Event Source: / Event ID: /
  Description:", and the newer "Log Name: / Source: / Event ID:" form)

A file that is none of these, is empty or is cut off before its first event raises
:class:`LogError` (one line: the reason). Damage inside a log that still has events
(a bad chunk, a cut-off end) is reported through ``warn`` and the rest is read.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

Warn = Callable[[str], None]


class LogError(ValueError):
    """This file cannot be triaged; the message is the reason (one line)."""


@dataclass
class EventRow:
    """One event, whatever form it was read from.

    ``time`` is ISO 8601 (``...Z`` when the log says UTC, local time otherwise, or the
    text as written when it cannot be read); ``data`` holds the event's data fields
    (named where the log names them, else ``"1"``, ``"2"`` ...).
    """

    source: str
    event_id: int
    time: str | None = None
    level: str | None = None
    message: str | None = None
    data: dict[str, str] = field(default_factory=dict)


@dataclass
class LogRead:
    form: str
    rows: list[EventRow]


LEVELS = {0: "Information", 1: "Critical", 2: "Error", 3: "Warning", 4: "Information", 5: "Verbose"}


def decode(data: bytes) -> str:
    """Text as Windows tools write it: UTF-16 (PowerShell 5.1, Event Viewer) or UTF-8,
    with or without a byte-order mark; cp1252 as the last resort."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", "replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace")
    head = data[:200]
    if len(head) >= 4 and head[1::2].count(0) > len(head) // 4 and head[0] != 0:
        return data.decode("utf-16-le", "replace")
    if len(head) >= 4 and head[0::2].count(0) > len(head) // 4 and head[1] != 0:
        return data.decode("utf-16-be", "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def read_log(path: Path, warn: Warn) -> LogRead:
    """The events of one log file, its form sniffed from its content."""
    from kb.eventlogs import evtx_file

    if str(path) == "-":
        return _read_stdin(warn)
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except IsADirectoryError:
        raise LogError("is a folder, not an event log") from None
    except FileNotFoundError:
        raise LogError("no such file") from None
    except OSError as exc:
        raise LogError(f"cannot read: {exc.strerror or exc}") from None
    if not head:
        raise LogError("empty file")
    if evtx_file.sniff(head):
        return LogRead("evtx", evtx_file.read(path, warn))
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LogError(f"cannot read: {exc.strerror or exc}") from None
    return read_text(raw, warn)


def _read_stdin(warn: Warn) -> LogRead:
    import sys
    import tempfile

    from kb.eventlogs import evtx_file

    raw = sys.stdin.buffer.read()
    if not raw:
        raise LogError("empty input")
    if evtx_file.sniff(raw[:8]):
        with tempfile.NamedTemporaryFile(suffix=".evtx") as f:
            f.write(raw)
            f.flush()
            return LogRead("evtx", evtx_file.read(Path(f.name), warn))
    return read_text(raw, warn)


def read_text(raw: bytes, warn: Warn) -> LogRead:
    """The text forms: XML, JSON, Event Viewer tables, pasted blocks."""
    from kb.eventlogs import event_xml, pasted, powershell_json, viewer_table

    if b"\0" in raw[:4096] and not _utf16(raw):
        raise LogError("not an event log (binary data, not .evtx)")
    text = decode(raw).replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise LogError("empty file (only white space)")
    for module in (event_xml, powershell_json, viewer_table, pasted):
        form = module.sniff(text)
        if form:
            rows = module.read(text, warn)
            if not rows:
                raise LogError(f"no events in this {form}")
            return LogRead(form, rows)
    raise LogError(
        "not an event log in any form kb reads (.evtx, Event Viewer .txt/.csv, "
        "wevtutil XML, Get-WinEvent JSON, pasted event text)"
    )


def _utf16(raw: bytes) -> bool:
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    head = raw[:200]
    return len(head) >= 4 and (
        head[1::2].count(0) > len(head) // 4 or head[0::2].count(0) > len(head) // 4
    )


def event_id(text: object) -> int | None:
    """'7036', 7036, '1073748860' (qualifiers included) -> the 16-bit event ID."""
    try:
        value = int(str(text).strip())
    except (TypeError, ValueError):
        return None
    if value < 0:
        return None
    return value & 0xFFFF


__all__ = ["EventRow", "LEVELS", "LogError", "LogRead", "decode", "event_id", "read_log"]


_TIME_FORMATS = (
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%d.%m.%Y %H:%M:%S",
    "%d/%m/%Y %H:%M:%S",
    "%m/%d/%Y",
)


def local_time(text: str) -> str | None:
    """A date and time as Event Viewer prints it ('7/12/2017 5:16:28 PM', local time,
    month first in en-US) -> '2017-07-12T17:16:28'; other text is kept as written."""
    import datetime as dt

    text = " ".join(text.replace("\u200e", "").replace("\u200f", "").split())
    if not text:
        return None
    for form in _TIME_FORMATS:
        try:
            return dt.datetime.strptime(text, form).strftime("%Y-%m-%dT%H:%M:%S")
        except ValueError:
            continue
    return text
