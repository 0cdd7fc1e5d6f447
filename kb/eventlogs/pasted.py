"""Events copied as text: the "Copy" button of the Windows 2000/XP/2003 event
properties (and the blocks KB articles quote) and Vista's "Copy details as text".

    Event Type:     Error                   Log Name:      System
    Event Source:   Service Control Manager Source:        Service Control Manager
    Event Category: None                    Date:          7/12/2017 10:16:29 AM
    Event ID:       7000                    Event ID:      7036
    Date:           5/26/2005               Level:         Information
    Time:           10:24:33 AM             Description:
    Description:                            The ... service entered the running state.
    The ... service failed to start ...     Event Xml:
    Data:                                   <Event xmlns=...
"""

from __future__ import annotations

import re

from kb.eventlogs import EventRow, Warn, event_id, local_time

_FIELD = re.compile(
    r"^\s*(Event Type|Event Source|Source|Event Category|Task Category|Category|Event ID|"
    r"Date|Time|User|Computer|Level|Log Name|Keywords|Opcode|Type|Description)\s*:[ \t]*(.*)$",
    re.I,
)
_STARTS = ("event type", "log name")
_ENDS = re.compile(
    r"^\s*(?:Data:|Event Xml:|<Event\b|For more information, see Help and Support)", re.I
)


def sniff(text: str) -> str | None:
    head = text[:20000]
    if re.search(r"^\s*Event ID\s*:\s*\d+", head, re.M | re.I) and re.search(
        r"^\s*(?:Event )?Source\s*:\s*\S", head, re.M | re.I
    ):
        return "pasted event text"
    return None


def read(text: str, warn: Warn) -> list[EventRow]:
    blocks: list[dict] = []
    block: dict | None = None
    reading = False  # inside a description
    for line in text.split("\n"):
        found = _FIELD.match(line)
        name = found.group(1).lower() if found else None
        # Description text, even where a line happens to start like a field name.
        if (
            reading
            and (not found or name in ("date", "time", "type", "category", "user"))
            and (not found or not _looks_like_field(line))
        ):
            if _ENDS.match(line):
                reading = False
            else:
                block["message"].append(line.strip())
            continue
        if not found:
            continue
        if (
            block is None
            or name in _STARTS
            or (name in _SOURCE and _SOURCE & block.keys())
            or (name == "event id" and name in block)
        ):
            block = {"message": []}
            blocks.append(block)
        reading = name == "description"
        if reading:
            block["message"] = [found.group(2).strip()]
        else:
            block[name] = found.group(2).strip()
    rows: list[EventRow] = []
    for block in blocks:
        source = block.get("event source") or block.get("source")
        number = event_id(block.get("event id", ""))
        if not source or number is None:
            warn(f"an event block without {'an event ID' if source else 'a source'}, skipped")
            continue
        when = " ".join(v for v in (block.get("date"), block.get("time")) if v)
        message = " ".join(" ".join(block["message"]).split()).strip().strip('"')
        rows.append(
            EventRow(
                source=source,
                event_id=number,
                time=local_time(when) if when else None,
                level=block.get("event type") or block.get("level") or block.get("type"),
                message=message or None,
            )
        )
    return rows


_SOURCE = {"event source", "source"}


def _looks_like_field(line: str) -> bool:
    """'Date:  5/26/2005' is a field; 'Time: the service ...' inside a message is not."""
    return bool(re.match(r"^\s*(?:Date|Time|User|Type|Category)\s*:\s*\S{1,40}\s*$", line))
