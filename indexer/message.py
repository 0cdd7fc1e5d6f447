"""Pasted messages: what an admin copies off a screen, turned into the words to look for.

A message on a real screen carries the user's own values where the article printed an
example or a placeholder: ``line 14 of PAYROLL.HPJ`` where the article has ``line
<number> of <filename>.HPJ``. So the values (numbers, hex, paths, file, server and
user names in quotes or slashes, GUIDs, addresses, dates, times) and the article's
placeholders (``<number>``, ``%1``, ``xxxx``) are masked out, and what is left are
the message's own words, each with its position in the message (positions count every
token, stop words included, exactly as the index counts them), so that a ranker can
look for them as close-together runs in the same order.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from indexer.schema import text_analyzer

MASK = "kbvaluemask"  # one token standing for one masked value

# Order matters: the longer shapes first (a GUID holds hex runs, a path holds names).
_VALUES = re.compile(
    r"""
      \{?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}?   # GUID
    | \b(?:https?|ftp|file)://\S+                                          # URL
    | [\w.+-]+@[\w-]+(?:\.[\w-]+)+                                         # e-mail
    | \\\\[^\s\\]+(?:\\[^\s\\]*)*                                          # \\server\share
    | \b[a-z]:\\(?:[^\s\\]*\\)*[^\s\\]*                                    # C:\path\file
    | (?:[\w.$~-]*\\)+[\w.$~-]+                                            # dir\file
    | (?<![\w/])(?:/[\w.$~-]+){2,}/?                                       # /unix/path
    | \b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b                                 # IPv4
    | \b\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}\b                                  # dates
    | \b\d{1,2}:\d{2}(?::\d{2})?(?:\s?[ap]\.?m\.?\b)?                      # times
    | <[^<>\n]{1,40}>                                                      # <placeholder>
    | %\d+!?[a-z]*!? | %[-+ #0-9.]*(?:l|h|ll)?[sdiuxXcpfgeS]\b             # %1, %s, %ld
    | \b(?:0x)?[0-9a-f]*\d[0-9a-f]*\b(?=[\s.,;:)\]'"]|$)                   # numbers, hex
    | \b[a-z]*(?:x{3,}|n{3,}|\#{2,}|\?{3,})\b                              # xxxx, nnnn
    | \b[\w$~-]+(?=\.(?-i:[a-z0-9]{1,4}|[A-Z0-9]{1,4})\b(?![.\w]))          # name(.ext)
    """,
    re.I | re.X,
)
# 'failed.The' from a paste that lost its spaces: a sentence break, not a file name.
_JOINED = re.compile(r"(?<=[a-z])\.(?=[A-Z][a-z])")
# A short run of words in quotes names something: 'Payroll', "SERVER1", 'Joe Smith'.
_QUOTED = re.compile(
    r"""(?<!\w)(['"\u2018\u201c])([^'"\u2018\u2019\u201c\u201d\n]{1,40})"""
    r"""(['"\u2019\u201d])(?!\w)"""
)


@dataclass(frozen=True)
class Word:
    text: str  # the indexed form (stemmed, lower case)
    pos: int  # its position in the message, every token counted as the index counts
    soft: bool  # has digits (SRV01, Win32): may be the user's value, weighs little


@dataclass
class Message:
    words: list[Word]  # the message's own words, in order, values masked out
    exact: list[tuple[int, str]]  # every indexed token of the text as given


def mask(text: str) -> str:
    """The text with each value and placeholder replaced by one :data:`MASK` token."""
    text = _JOINED.sub(". ", text)

    def quoted(match: re.Match) -> str:
        inner = match.group(2)
        if len(inner.split()) <= 2:
            return f" {MASK} "
        return f" {inner} "

    text = _QUOTED.sub(quoted, text)
    return _VALUES.sub(f" {MASK} ", text)


def parse(text: str, known: Callable[[str], bool] | None = None) -> Message:
    """``known``: whether an indexed word is a common one (a cut-off fragment is not)."""
    analyzer = text_analyzer()
    exact = [(t.pos, t.text) for t in analyzer(text, positions=True)]
    words: list[Word] = []
    for token in analyzer(mask(text), positions=True):
        if token.original == MASK:
            continue
        soft = any(c.isdigit() for c in token.text)
        words.append(Word(token.text, token.pos, soft))
    last = words[-1] if words else None
    if last and text[-1:].isalnum() and (len(last.text) <= 3 or (known and not known(last.text))):
        # A paste cut inside its last word ('...failed to initialize. Th'): that word
        # may be a fragment, so it only weighs as much as a value.
        words[-1] = Word(last.text, last.pos, True)
        exact = exact[:-1]
    return Message(words=words, exact=exact)


def word_count(text: str) -> int:
    """How many of the message's own words there are (values and stop words left out)."""
    return sum(1 for w in parse(text).words if not w.soft)


def originals(text: str) -> dict[str, str]:
    """Indexed form -> the message's own spelling of it (first seen)."""
    found: dict[str, str] = {}
    for token in text_analyzer()(mask(text)):
        if token.original != MASK:
            found.setdefault(token.text, token.original)
    return found


__all__ = ["MASK", "Message", "Word", "mask", "originals", "parse", "word_count"]
