"""Every capture of one article, newest first, with what changed between them."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from kb.archive import Workspace
from kb.captures import Capture
from kb.model import Article
from kb.plaintext import markdown_plain


@dataclass
class Entry:
    capture: Capture
    article: Article | None
    current: bool
    changes: list[str] = field(default_factory=list)  # against the next older capture


def history(ws: Workspace, number: int) -> list[Entry]:
    from kb.readers import read_file

    captures = ws.captures_of(number)
    record = ws.load_record(number)
    current_sha = record.source.sha256 if record and record.source else None
    entries = []
    for capture in captures:
        try:
            article = read_file(ws.root / capture.path)
        except Exception:  # noqa: BLE001 - a capture we cannot read is still listed
            article = None
        entries.append(Entry(capture, article, capture.sha256 == current_sha))
    for newer, older in zip(entries, entries[1:], strict=False):
        if newer.article and older.article:
            newer.changes = changes(older.article, newer.article)
    return entries


def changes(
    old: Article, new: Article, matcher: difflib.SequenceMatcher | None = None
) -> list[str]:
    """What a reader would notice between two captures, one line each. (``matcher``:
    the word matcher of the two, if the caller has it already.)"""
    lines: list[str] = []
    if old.title != new.title:
        lines.append(f"title: {old.title!r} -> {new.title!r}")
    if old.revision != new.revision:
        lines.append(f"revision: {old.revision or '-'} -> {new.revision or '-'}")
    old_sections = [s.heading.casefold() for s in old.sections]
    new_sections = [s.heading.casefold() for s in new.sections]
    added = [s.heading for s in new.sections if s.heading.casefold() not in old_sections]
    removed = [s.heading for s in old.sections if s.heading.casefold() not in new_sections]
    if added:
        lines.append("sections added: " + ", ".join(added))
    if removed:
        lines.append("sections removed: " + ", ".join(removed))
    old_rel = {r.number for r in old.related}
    new_rel = [r for r in new.related if r.number not in old_rel]
    gone_rel = [r for r in old.related if r.number not in {x.number for x in new.related}]
    if new_rel:
        lines.append("related added: " + ", ".join(r.id for r in new_rel))
    if gone_rel:
        lines.append("related removed: " + ", ".join(r.id for r in gone_rel))
    old_ev = {(e.source or "").casefold() + str(e.event_id) for e in old.events}
    new_ev = [e for e in new.events if (e.source or "").casefold() + str(e.event_id) not in old_ev]
    if new_ev:
        lines.append(
            "events added: " + ", ".join(f"{e.source or ''} {e.event_id}".strip() for e in new_ev)
        )
    if len(old.resolution_steps) != len(new.resolution_steps):
        lines.append(
            f"resolution steps: {len(old.resolution_steps)} -> {len(new.resolution_steps)}"
        )
    ratio = (matcher or word_matcher(old, new)).ratio()
    lines.append(f"text {ratio:.0%} the same")
    return lines


def _words(article: Article) -> list[str]:
    return " ".join(markdown_plain(s.markdown) for s in article.sections).split()


def word_matcher(old: Article, new: Article) -> difflib.SequenceMatcher:
    return difflib.SequenceMatcher(None, _words(old), _words(new), autojunk=False)


def text_diff(
    old: Article, new: Article, matcher: difflib.SequenceMatcher | None = None
) -> list[tuple[str, str]]:
    """A readable word-level diff of two captures: ('same'|'added'|'removed', text)."""
    matcher = matcher or word_matcher(old, new)
    a, b = matcher.a, matcher.b
    parts: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            chunk = a[i1:i2]
            text = " ".join(chunk if len(chunk) <= 24 else [*chunk[:10], "…", *chunk[-10:]])
            parts.append(("same", text))
        else:
            if i2 > i1:
                parts.append(("removed", " ".join(a[i1:i2])))
            if j2 > j1:
                parts.append(("added", " ".join(b[j1:j2])))
    return parts


def page_history(root, article: Article) -> list[dict]:
    """For the article page: every capture, newest first, with a word diff of each older
    capture against the current text."""
    from kb.readers import read_file

    ws = Workspace(root)
    rows = []
    for capture in ws.captures_of(article.number):
        current = article.source is not None and capture.sha256 == article.source.sha256
        row = {"capture": capture, "current": current, "diff": None, "changes": []}
        if not current:
            try:
                older = read_file(ws.root / capture.path)
            except Exception:  # noqa: BLE001 - an unreadable capture is still listed
                older = None
            if older is not None:
                matcher = word_matcher(older, article)  # one diff serves both
                row["diff"] = text_diff(older, article, matcher)
                row["changes"] = changes(older, article, matcher)
        rows.append(row)
    return rows
