"""The Article record: what every reader produces and every other part consumes.

A record is plain data (dataclasses of strings, numbers and lists) so that it can be
written as JSON, read back, indexed and rendered without knowing which reader made it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from kb.plaintext import sections_text

SECTION_KINDS = (
    "summary",
    "symptoms",
    "cause",
    "resolution",
    "workaround",
    "status",
    "more_information",
    "references",
    "applies_to",
    "other",
)


class IngestError(Exception):
    """A file that cannot become a record. The message is the reason, for one line."""

    def __init__(self, reason: str, path: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.path = path

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}" if self.path else self.reason


@dataclass
class Section:
    heading: str
    kind: str
    markdown: str


@dataclass
class Event:
    source: str | None
    event_id: int
    message: str | None = None
    # The category some sources print after their name ("MSExchangeMTA  Field
    # Engineering"); left out of the record's JSON when there is none.
    category: str | None = None


@dataclass
class ErrorCode:
    code: str
    value: int | None
    text: str


@dataclass
class Step:
    text: str
    substeps: list[Step] = field(default_factory=list)


@dataclass
class Related:
    id: str
    number: int
    title: str | None = None


@dataclass
class Source:
    path: str
    format: str
    sha256: str


@dataclass
class Article:
    number: int
    title: str
    tag: str | None = None
    products: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    revision: str | None = None
    created: str | None = None
    modified: str | None = None
    sections: list[Section] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    error_codes: list[ErrorCode] = field(default_factory=list)
    resolution_steps: list[Step] = field(default_factory=list)
    related: list[Related] = field(default_factory=list)
    source: Source | None = None

    @property
    def id(self) -> str:
        return kb_id(self.number)

    @property
    def aliases(self) -> list[str]:
        return [f"Q{self.number}", kb_id(self.number)]

    @property
    def symptoms(self) -> str | None:
        for section in self.sections:
            if section.kind == "symptoms":
                return section.markdown
        return None

    def plain_text(self, kinds: tuple[str, ...] | None = None) -> str:
        """The sections' text without Markdown syntax (optionally only some kinds)."""
        return sections_text(((s.kind, s.markdown) for s in self.sections), kinds)

    def to_dict(self) -> dict[str, Any]:
        # Field by field rather than dataclasses.asdict (which deep-copies every value:
        # 3x slower, and the site's state holds 56,000 of these).
        data = {
            "products": list(self.products),
            "keywords": list(self.keywords),
            "sections": [dict(vars(s)) for s in self.sections],
            "events": [_event_to_dict(e) for e in self.events],
            "error_codes": [dict(vars(c)) for c in self.error_codes],
            "resolution_steps": [_step_to_dict(s) for s in self.resolution_steps],
            "related": [dict(vars(r)) for r in self.related],
            "source": dict(vars(self.source)) if self.source else None,
        }
        ordered: dict[str, Any] = {
            "id": self.id,
            "number": self.number,
            "aliases": self.aliases,
            "title": self.title,
            "tag": self.tag,
            "products": data["products"],
            "keywords": data["keywords"],
            "revision": self.revision,
            "created": self.created,
            "modified": self.modified,
            "sections": data["sections"],
            "symptoms": self.symptoms,
            "events": data["events"],
            "error_codes": data["error_codes"],
            "resolution_steps": data["resolution_steps"],
            "related": data["related"],
            "source": data["source"],
        }
        return ordered

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Article:
        source = data.get("source")
        return cls(
            number=int(data["number"]),
            title=data["title"],
            tag=data.get("tag"),
            products=list(data.get("products") or []),
            keywords=list(data.get("keywords") or []),
            revision=data.get("revision"),
            created=data.get("created"),
            modified=data.get("modified"),
            sections=[Section(**s) for s in data.get("sections") or []],
            events=[Event(**e) for e in data.get("events") or []],
            error_codes=[ErrorCode(**e) for e in data.get("error_codes") or []],
            resolution_steps=[_step_from_dict(s) for s in data.get("resolution_steps") or []],
            related=[Related(**r) for r in data.get("related") or []],
            source=Source(**source) if source else None,
        )


def _event_to_dict(event: Event) -> dict[str, Any]:
    data = {"source": event.source, "event_id": event.event_id, "message": event.message}
    if event.category is not None:
        data["category"] = event.category
    return data


def _step_to_dict(step: Step) -> dict[str, Any]:
    return {"text": step.text, "substeps": [_step_to_dict(s) for s in step.substeps]}


def _step_from_dict(data: dict[str, Any]) -> Step:
    return Step(text=data["text"], substeps=[_step_from_dict(s) for s in data.get("substeps", [])])


def kb_id(number: int) -> str:
    return f"KB{number}"


_ARTICLE_REF = re.compile(r"^\s*(?:kb|q)?\s*0*(\d{1,7})\s*$", re.IGNORECASE)


def parse_article_number(text: str) -> int | None:
    """'279415', 'Q279415', 'KB279415', 'kb279415' -> 279415; anything else -> None."""
    match = _ARTICLE_REF.match(text)
    if not match:
        return None
    number = int(match.group(1))
    return number or None
