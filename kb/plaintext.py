"""Section Markdown (as readers write it) back to plain text, for snippets, code-name
matching and terminals; no article model needed, so an exact lookup can use it on a
stored record."""

from __future__ import annotations

import re
from collections.abc import Iterable

_FENCE = re.compile(r"^\s*`{3,}\s*$", re.M)
_ESCAPE = re.compile(r"\\([\\`*_\[\]<>|#>+=~.)-])")


def markdown_plain(markdown: str | None) -> str:
    """Section Markdown (as readers write it) back to plain text."""
    if not markdown:
        return ""
    text = _FENCE.sub("", markdown)
    text = text.replace("\\\n", "\n").replace("**", "")
    return _ESCAPE.sub(r"\1", text)


def sections_text(sections: Iterable[tuple[str, str]], kinds: tuple[str, ...] | None = None) -> str:
    """An article's text from its (kind, Markdown) sections, optionally only some kinds
    (never the applies-to list)."""
    return "\n\n".join(
        markdown_plain(markdown)
        for kind, markdown in sections
        if (kinds is None or kind in kinds) and kind != "applies_to"
    )
