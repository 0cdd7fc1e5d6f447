"""What every reader fills in (a Draft), and the one step that turns a Draft into an
Article by running the shared extractors over it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kb import blocks as bl
from kb import extract
from kb.model import Article, IngestError, Related, Section, kb_id

_KINDS = {
    "summary": "summary",
    "introduction": "summary",
    "overview": "summary",
    "symptoms": "symptoms",
    "symptom": "symptoms",
    "cause": "cause",
    "causes": "cause",
    "resolution": "resolution",
    "resolutions": "resolution",
    "solution": "resolution",
    "workaround": "workaround",
    "workarounds": "workaround",
    "status": "status",
    "more information": "more_information",
    "more info": "more_information",
    "references": "references",
    "reference": "references",
    "applies to": "applies_to",
    "the information in this article applies to": "applies_to",
    "this article applies to": "applies_to",
}

# The most a KB page can sensibly weigh; larger files are refused before parsing.
MAX_BYTES = 16 * 1024 * 1024


def section_kind(heading: str) -> str | None:
    """The kind of a top-level heading ('MORE INFORMATION' -> 'more_information'), or None."""
    key = re.sub(r"[\s\u00a0]+", " ", heading).strip(" :.\u2191\u2193").casefold()
    return _KINDS.get(key)


@dataclass
class DraftSection:
    heading: str
    kind: str
    blocks: list[bl.Block] = field(default_factory=list)


@dataclass
class Draft:
    """An article as a reader understood it, before the shared extractors run."""

    format: str
    number: int | None = None
    title: str | None = None
    sections: list[DraftSection] = field(default_factory=list)
    products: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    revision: str | None = None
    created: str | None = None
    modified: str | None = None
    related_hints: list[Related] = field(default_factory=list)


def main_procedure(sections: list[DraftSection]) -> list:
    """The article's numbered steps.

    An article with a Resolution: the numbered steps of its Resolution, every list of
    it (a Resolution that is prose has none). Without one, the first procedure of its
    Workaround, else (a how-to article) its first numbered list wherever it stands,
    with the lists that carry that list's numbering on.
    """
    resolution = [s for s in sections if s.kind == "resolution"]
    if resolution:
        return [step for s in resolution for step in bl.steps_from(s.blocks)]
    for kinds in (("workaround",), ("more_information", "other", "summary")):
        for section in sections:
            if section.kind in kinds:
                steps = bl.first_procedure(section.blocks)
                if steps:
                    return steps
    return []


def finish(draft: Draft) -> Article:
    """Validate a draft and extract events, codes, steps and references from it."""
    if not draft.number:
        raise IngestError("no KB article number found (no 'Article ID', Q-number or /kb/ link)")
    # A capture that prints no title (a note that kept only the text) is still the
    # article; it is named by its number rather than refused.
    title = " ".join((draft.title or "").split()) or kb_id(draft.number)
    sections = [s for s in draft.sections if s.blocks or s.kind != "other"]
    if not any(s.blocks for s in sections):
        raise IngestError("no article text found (no sections with content)")
    texts = [bl.to_text(s.blocks) for s in sections if s.kind != "applies_to"]
    body = "\n\n".join([title, *texts])
    steps = main_procedure(sections)
    products = draft.products or [
        bl.item_text(item)
        for s in sections
        if s.kind == "applies_to"
        for b in s.blocks
        if isinstance(b, bl.ListBlock)
        for item in b.items
    ]
    return Article(
        number=draft.number,
        title=title,
        tag=extract.title_tag(title),
        products=list(dict.fromkeys(p for p in products if p)),
        keywords=list(dict.fromkeys(k for k in draft.keywords if k)),
        revision=draft.revision,
        created=draft.created,
        modified=draft.modified,
        sections=[Section(s.heading, s.kind, bl.to_markdown(s.blocks)) for s in sections],
        events=extract.extract_events(body),
        error_codes=extract.extract_error_codes(body),
        resolution_steps=steps,
        related=extract.extract_related(body, draft.number, draft.related_hints),
    )
