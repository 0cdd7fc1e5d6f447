"""What the lookup commands print for people: Rich tables and a rendered article on a
terminal (:mod:`kb.terminal`), plain lines anywhere else.

Piped or redirected, ``kb event 9321`` prints a header line, then one hit per line,
tab-separated (article, title, what matched, snippet), so that ``grep``, ``cut`` and
``awk`` work on it, and the answer does not wait for Rich to load (a third of a cold
lookup's time).
The "N of about M" footer goes to standard error there, out of the data. This module
imports nothing heavy; ``--json`` stays the form for programs.
"""

from __future__ import annotations

import sys

FIELDS = ("article", "title", "matched", "snippet")


def to_terminal() -> bool:
    return sys.stdout.isatty()


def _one_line(text: str) -> str:
    return " ".join(text.replace("**", "").split())


def print_hits(result, query: str) -> None:
    """A search result (``hits``, ``total``, ``suggestion``)."""
    if to_terminal():
        from kb.terminal import hits_table

        hits_table(result, query)
        return
    out = sys.stdout
    if not result.hits:
        out.write(f"no articles match {query}\n")
        if result.suggestion:
            out.write(f"did you mean: {result.suggestion}\n")
        return
    out.write("\t".join(FIELDS) + "\n")
    for hit in result.hits:
        row = (hit.id, hit.title, ", ".join(hit.matched), hit.snippet)
        out.write("\t".join(_one_line(v) for v in row) + "\n")
    shown = len(result.hits)
    if result.total > shown:
        out.flush()
        sys.stderr.write(f"{shown} of about {result.total} articles; --limit N shows more\n")


def facts(article) -> list[tuple[str, str]]:
    """(name, value) of the facts shown above an article, those it has."""
    source = article.source
    found = [
        ("aliases", ", ".join(article.aliases)),
        ("tag", article.tag or ""),
        ("products", "; ".join(article.products)),
        ("keywords", " ".join(article.keywords)),
        ("revision", article.revision or ""),
        ("created", article.created or ""),
        ("modified", article.modified or ""),
        ("source", f"{source.path} ({source.format})" if source else ""),
    ]
    return [(name, value) for name, value in found if value]


def print_article(article) -> None:
    """One record: its facts, event log, codes, sections (as plain text), related."""
    if to_terminal():
        from kb.terminal import show_article

        show_article(article)
        return
    lines = [f"{article.id}  {article.title}"]
    lines += [f"{name:>9} {value}" for name, value in facts(article)]
    if article.events:
        lines += ["", "Event log"]
        lines += [f"  {e.source or '-'}\t{e.event_id}\t{e.message or ''}" for e in article.events]
    if article.error_codes:
        lines += ["", "error codes: " + ", ".join(c.code for c in article.error_codes)]
    from kb.plaintext import markdown_plain

    for section in article.sections:
        lines += ["", f"## {section.heading}", "", markdown_plain(section.markdown).rstrip()]
    if article.related:
        lines += ["", "## Related articles", ""]
        lines += [f"{r.id}  {r.title or ''}".rstrip() for r in article.related]
    sys.stdout.write("\n".join(lines) + "\n")
