"""Binary ``.evtx`` logs, read with the ``evtx`` package (Rust).

The parser skips a damaged chunk and goes on; each skipped chunk becomes a warning
naming it. A file cut off inside a chunk is reported too (the parser itself stays
silent about it: it reads the whole chunks and stops).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from kb.eventlogs import LEVELS, EventRow, LogError, Warn, event_id

MAGIC = b"ElfFile\0"
HEADER = 4096
CHUNK = 65536
_CHUNK_ERROR = re.compile(r"chunk number (\d+)", re.I)


def sniff(head: bytes) -> bool:
    return head.startswith(MAGIC)


def read(path: Path, warn: Warn) -> list[EventRow]:
    import evtx

    size = path.stat().st_size
    if size < HEADER:
        raise LogError(f"truncated .evtx: {size:,} bytes, shorter than its 4,096-byte header")
    try:
        parser = evtx.PyEvtxParser(str(path))
    except (OSError, RuntimeError, ValueError) as exc:
        raise LogError(f"damaged .evtx header: {_first_line(exc)}") from None
    rows: list[EventRow] = []
    records = parser.records_json()
    while True:
        try:
            record = next(records)
        except StopIteration:
            break
        except (OSError, RuntimeError, ValueError) as exc:
            message = _first_line(exc)
            found = _CHUNK_ERROR.search(message)
            where = f"chunk {found.group(1)}" if found else "a record"
            warn(f"damaged {where}, skipped: {_reason(message)}")
            continue
        row = _row(record)
        if row is not None:
            rows.append(row)
    whole, cut = divmod(size - HEADER, CHUNK)
    if cut:
        lost = f"chunk {whole} is cut off after {cut:,} of {CHUNK:,} bytes"
        if not rows:
            raise LogError(f"truncated .evtx: {lost}, and no whole chunk holds an event")
        warn(f"truncated: {lost}; its events are lost, the {len(rows):,} before it are read")
    if not rows:
        raise LogError("empty log: no events")
    return rows


def _row(record: dict) -> EventRow | None:
    try:
        event = json.loads(record["data"])["Event"]
    except (KeyError, TypeError, ValueError):
        return None
    system = event.get("System") or {}
    provider = _attributes(system.get("Provider"))
    source = provider.get("Name") or provider.get("EventSourceName") or ""
    raw_id = system.get("EventID")
    number = event_id(raw_id.get("#text") if isinstance(raw_id, dict) else raw_id)
    if number is None:
        return None
    created = _attributes(system.get("TimeCreated")).get("SystemTime")
    level = system.get("Level")
    return EventRow(
        source=source,
        event_id=number,
        time=_iso(created) if created else _iso(record.get("timestamp", "")),
        level=LEVELS.get(level) if isinstance(level, int) else None,
        data=_data(event),
    )


def _attributes(node: object) -> dict:
    if isinstance(node, dict):
        return node.get("#attributes") or {}
    return {}


def _data(event: dict) -> dict[str, str]:
    """EventData (named or positional Data) or UserData (one nested element)."""
    out: dict[str, str] = {}
    payload = event.get("EventData")
    if isinstance(payload, dict):
        data = payload.get("Data")
        if isinstance(data, dict) and "#text" in data:
            values = data["#text"]
            for i, value in enumerate(values if isinstance(values, list) else [values], 1):
                if value not in (None, ""):
                    out[str(i)] = str(value)
        for name, value in payload.items():
            if name in ("Data", "#attributes", "Binary") or value in (None, ""):
                continue
            _flatten(name, value, out)
        return out
    user = event.get("UserData")
    if isinstance(user, dict):
        for name, value in user.items():
            _flatten(name, value, out, top=True)
    return out


def _flatten(name: str, value: object, out: dict[str, str], top: bool = False) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "#attributes":
                continue
            _flatten(key if top or key != "#text" else name, inner, out)
    elif isinstance(value, list):
        out[name] = ", ".join(str(v) for v in value if v not in (None, ""))
    elif value not in (None, ""):
        out[name] = str(value)


def _iso(text: str) -> str:
    """'2017-07-12T17:16:28.214161Z' -> '2017-07-12T17:16:28Z' (seconds are enough)."""
    text = text.replace(" UTC", "").strip()
    found = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)", text)
    return f"{found.group(1)}Z" if found else text


def _reason(message: str) -> str:
    """'Failed to parse chunk number 6: Failed to parse chunk header: Invalid EVTX chunk
    header magic, expected ...' -> 'invalid EVTX chunk header magic'."""
    reason = message.rsplit(": ", 1)[-1] if ": " in message else message
    reason = reason.split(", expected")[0].strip()
    return reason[:1].lower() + reason[1:]


def _first_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200]
