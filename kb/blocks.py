"""The small document model readers build section bodies from.

Readers turn whatever markup they get into these blocks; from the blocks come the
section Markdown (for the site), the plain text (for extraction and the index) and the
numbered steps. Keeping one model means every format is extracted the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kb.model import Step


@dataclass
class Para:
    """A paragraph: one or more lines (lines are hard breaks, as ``<br>`` or a message)."""

    lines: list[str]
    md_lines: list[str] | None = None  # inline Markdown (emphasis) where the reader has it


@dataclass
class Code:
    """A preformatted block: a message box, an Event Viewer entry, a listing."""

    text: str


@dataclass
class Heading:
    """A sub-heading inside a section (top-level headings start sections instead)."""

    text: str


@dataclass
class ListBlock:
    ordered: bool
    items: list[list[Block]] = field(default_factory=list)
    start: int = 1


Block = Para | Code | Heading | ListBlock

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")
_MD_ESCAPED = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|"})  # each, backslashed
_LINE_START_SPECIAL = re.compile(r"^(\s*)([#>+=~-]|\d+[.)])")


def md_escape(text: str) -> str:
    """Escape text so Markdown renders it literally."""
    if _MD_SPECIAL.search(text):  # most lines have nothing to escape
        text = text.translate(_MD_ESCAPED)
    # The pattern is anchored at the start (no MULTILINE), so it replaces one match at most.
    start = _LINE_START_SPECIAL.match(text)
    if start:
        text = start.group(1) + "\\" + start.group(2) + text[start.end() :]
    return text


def to_markdown(blocks: list[Block], indent: str = "") -> str:
    parts = [_block_markdown(block, indent) for block in blocks]
    return "\n\n".join([p for p in parts if p.strip()])


def _block_markdown(block: Block, indent: str) -> str:
    if isinstance(block, Para):
        lines = (
            block.md_lines if block.md_lines is not None else [md_escape(x) for x in block.lines]
        )
        stripped = [line.strip() for line in lines]
        if indent:
            return "\\\n".join([indent + line for line in stripped if line])
        return "\\\n".join([line for line in stripped if line])
    if isinstance(block, Code):
        fence = "```"
        while fence in block.text:
            fence += "`"
        body = (
            "\n".join([indent + line for line in block.text.split("\n")]) if indent else block.text
        )
        return f"{indent}{fence}\n{body}\n{indent}{fence}"
    if isinstance(block, Heading):
        return f"{indent}#### {md_escape(block.text)}"
    items: list[str] = []
    for offset, item in enumerate(block.items):
        marker = f"{block.start + offset}. " if block.ordered else "- "
        inner = to_markdown(item, indent + " " * len(marker))
        first = inner[len(indent) + len(marker) :] if inner.startswith(indent) else inner.lstrip()
        items.append(f"{indent}{marker}{first}" if inner else f"{indent}{marker.rstrip()}")
    return "\n".join(items)


def to_text(blocks: list[Block]) -> str:
    """Plain text, blocks separated by blank lines; lines inside a block kept."""
    parts: list[str] = []
    for block in blocks:
        if isinstance(block, Para):
            parts.append("\n".join(line.strip() for line in block.lines))
        elif isinstance(block, (Code, Heading)):
            parts.append(block.text)
        else:
            for offset, item in enumerate(block.items):
                marker = f"{block.start + offset}. " if block.ordered else "- "
                parts.append(marker + to_text(item))
    return "\n\n".join(p for p in parts if p.strip())


def item_text(item: list[Block]) -> str:
    """The text of a list item without its nested lists, on one line."""
    own = [b for b in item if not isinstance(b, ListBlock)]
    return " ".join(to_text(own).split())  # as re.sub(r"\s+", " ", ...).strip()


def steps_from(blocks: list[Block]) -> list[Step]:
    """Every item of every top-level numbered list, with nested list items as sub-steps."""
    steps: list[Step] = []
    for block in blocks:
        if isinstance(block, ListBlock) and block.ordered:
            steps.extend(_item_step(item) for item in block.items)
    return steps


def first_procedure(blocks: list[Block]) -> list[Step]:
    """The steps of the first numbered list in ``blocks`` (one nested in a bulleted
    item counts too), with the lists after it that carry its numbering on ("4." after
    a note that interrupted "1." to "3.")."""
    steps: list[Step] = []
    for block in blocks:
        if not isinstance(block, ListBlock):
            continue
        if steps:
            if block.ordered and block.start == len(steps) + 1:
                steps.extend(_item_step(item) for item in block.items)
            continue
        if block.ordered:
            steps = [_item_step(item) for item in block.items]
            continue
        for item in block.items:
            steps = first_procedure(item)
            if steps:
                return steps
    return steps


def _item_step(item: list[Block]) -> Step:
    substeps = [_item_step(sub) for b in item if isinstance(b, ListBlock) for sub in b.items]
    return Step(text=item_text(item), substeps=substeps)
