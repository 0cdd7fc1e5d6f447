"""``Get-WinEvent | ConvertTo-Json`` (and ``Get-EventLog | ConvertTo-Json``) output.

Windows PowerShell 5.1 writes ``"TimeCreated": "\\/Date(1595374458918)\\/"`` and, past
the default depth of 2, ``"Properties"`` as type names; PowerShell 7 writes ISO dates
and, with ``-Depth 3`` or more, ``"Properties": [{"Value": ...}]``. One event is an
object, several are an array.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from kb.eventlogs import LEVELS, EventRow, Warn, event_id

_MS_DATE = re.compile(r"/Date\((-?\d+)(?:[+-]\d{4})?\)/")


def sniff(text: str) -> str | None:
    head = text.lstrip()[:4096]
    if head[:1] not in "[{" or not re.search(r'"(?:ProviderName|EventID|Id)"\s*:', head):
        return None
    return "Get-WinEvent JSON"


def read(text: str, warn: Warn) -> list[EventRow]:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:
        warn(f"not valid JSON ({exc}); reading the events before the damage")
        value = _salvage(text)
    items = value if isinstance(value, list) else [value]
    rows = []
    for item in items:
        if isinstance(item, dict):
            row = _row(item)
            if row is not None:
                rows.append(row)
    return rows


def _salvage(text: str) -> list[dict]:
    """The whole objects of a cut-off array."""
    decoder = json.JSONDecoder()
    items: list[dict] = []
    position = text.find("{")
    while position != -1:
        try:
            item, end = decoder.raw_decode(text, position)
        except (ValueError, RecursionError):
            break
        items.append(item)
        position = text.find("{", end)
    return items


def _row(item: dict) -> EventRow | None:
    source = item.get("ProviderName") or item.get("Source")
    number = event_id(item.get("Id") if "Id" in item else item.get("EventID"))
    if not source or number is None:
        return None
    level = item.get("LevelDisplayName") or item.get("EntryType")
    if isinstance(level, int):  # Get-EventLog's EntryType without -Depth: an enum value
        level = {1: "Error", 2: "Warning", 4: "Information"}.get(level)
    if not level and isinstance(item.get("Level"), int):
        level = LEVELS.get(item["Level"])
    data: dict[str, str] = {}
    props = item.get("Properties") or item.get("ReplacementStrings") or []
    for i, prop in enumerate(props if isinstance(props, list) else [], 1):
        value = prop.get("Value") if isinstance(prop, dict) else prop
        if value in (None, "") or str(value).startswith("System.Diagnostics.Eventing."):
            continue
        data[str(i)] = str(value)
    message = item.get("Message")
    return EventRow(
        source=str(source),
        event_id=number,
        time=_time(item.get("TimeCreated") or item.get("TimeGenerated")),
        level=str(level) if level else None,
        message=message.strip() if isinstance(message, str) and message.strip() else None,
        data=data,
    )


def _time(value: object) -> str | None:
    try:
        return _parse_time(value)
    except (ValueError, OverflowError, OSError):
        return str(value)


def _parse_time(value: object) -> str | None:
    if isinstance(value, dict):  # ConvertTo-Json of a DateTime with -Depth: {"value": ...}
        value = value.get("value") or value.get("DateTime")
    if not isinstance(value, str) or not value:
        return None
    found = _MS_DATE.search(value)
    if found:
        moment = dt.datetime.fromtimestamp(int(found.group(1)) / 1000, dt.UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    found = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.\d+)?(Z|[+-]\d\d:\d\d)?", value)
    if not found:
        return value
    if found.group(2) and found.group(2) != "Z":
        moment = dt.datetime.fromisoformat(found.group(1) + found.group(2)).astimezone(dt.UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return found.group(1) + (found.group(2) or "")
