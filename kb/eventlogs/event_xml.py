"""``wevtutil qe LOG /f:xml`` and ``/f:RenderedXml`` output: <Event> elements one
after another (no root element unless ``/e:Events`` was given). RenderedXml adds a
<RenderingInfo> with the message as Windows rendered it."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from kb.eventlogs import LEVELS, EventRow, Warn, event_id

_START = re.compile(r"^\s*(?:<\?xml[^>]*\?>\s*)?(?:<Events[^>]*>\s*)?<Event[\s>]")
_EVENT = re.compile(r"<Event[\s>].*?</Event>", re.S)


def sniff(text: str) -> str | None:
    return "wevtutil XML" if _START.match(text[:4096]) else None


def read(text: str, warn: Warn) -> list[EventRow]:
    rows: list[EventRow] = []
    bad = 0
    for number, found in enumerate(_EVENT.finditer(text), 1):
        try:
            element = ET.fromstring(found.group(0))
        except ET.ParseError as exc:
            bad += 1
            if bad <= 3:
                warn(f"event {number} is not well-formed XML, skipped ({exc})")
            continue
        row = _row(element)
        if row is not None:
            rows.append(row)
    if bad > 3:
        warn(f"{bad:,} events in all were not well-formed XML and were skipped")
    return rows


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(parent: ET.Element | None, name: str) -> ET.Element | None:
    if parent is None:
        return None
    for child in parent:
        if _local(child.tag) == name:
            return child
    return None


def _row(event: ET.Element) -> EventRow | None:
    system = _child(event, "System")
    provider = _child(system, "Provider")
    number = event_id(
        (_child(system, "EventID").text or "") if _child(system, "EventID") is not None else ""
    )
    if provider is None or number is None:
        return None
    source = provider.get("Name") or provider.get("EventSourceName") or ""
    created = _child(system, "TimeCreated")
    level_node = _child(system, "Level")
    level = None
    if level_node is not None and (level_node.text or "").strip().isdigit():
        level = LEVELS.get(int(level_node.text))
    rendering = _child(event, "RenderingInfo")
    message = None
    if rendering is not None:
        message_node = _child(rendering, "Message")
        if message_node is not None and (message_node.text or "").strip():
            message = message_node.text.strip()
        rendered_level = _child(rendering, "Level")
        if rendered_level is not None and (rendered_level.text or "").strip():
            level = rendered_level.text.strip()
    return EventRow(
        source=source,
        event_id=number,
        time=_iso(created.get("SystemTime")) if created is not None else None,
        level=level,
        message=message,
        data=_data(event),
    )


def _data(event: ET.Element) -> dict[str, str]:
    out: dict[str, str] = {}
    payload = _child(event, "EventData")
    if payload is not None:
        position = 0
        for item in payload:
            if _local(item.tag) != "Data":
                continue
            position += 1
            value = (item.text or "").strip()
            if value:
                out[item.get("Name") or str(position)] = value
        return out
    user = _child(event, "UserData")
    if user is not None:
        for element in user.iter():
            value = (element.text or "").strip()
            if value and len(element) == 0:
                out[_local(element.tag)] = value
    return out


def _iso(text: str | None) -> str | None:
    if not text:
        return None
    found = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)", text)
    return f"{found.group(1)}Z" if found else text
