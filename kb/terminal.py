"""Terminal rendering (Rich) of records and search hits for the CLI."""

from __future__ import annotations

import re

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from kb.model import Article
from kb.output import facts


def _console() -> Console:
    return Console(highlight=False, soft_wrap=False)


def show_article(article: Article) -> None:
    from rich.markdown import Markdown

    console = _console()
    console.print(f"[bold]{escape(article.id)}[/]  {escape(article.title)}")
    for name, value in facts(article):
        console.print(f"[dim]{name:>9}[/] {escape(value)}")
    if article.events:
        table = Table("source", "event ID", "message", title="Event log", title_justify="left")
        for e in article.events:
            table.add_row(escape(e.source or "-"), str(e.event_id), escape(e.message or ""))
        console.print(table)
    if article.error_codes:
        console.print(
            "[dim]error codes[/] " + ", ".join(escape(c.code) for c in article.error_codes)
        )
    for section in article.sections:
        console.rule(f"[bold]{escape(section.heading)}")
        console.print(Markdown(section.markdown))
    if article.related:
        console.rule("[bold]Related articles")
        for r in article.related:
            console.print(f"{r.id}  {escape(r.title or '')}")


def _marked(snippet: str) -> str:
    """'**word**' marks from the indexer -> Rich bold yellow."""
    parts = re.split(r"\*\*(.+?)\*\*", snippet)
    return "".join(
        escape(p) if i % 2 == 0 else f"[bold yellow]{escape(p)}[/]" for i, p in enumerate(parts)
    )


def hits_table(result, query: str) -> None:
    console = _console()
    if not result.hits:
        console.print(f"no articles match {escape(query)!s}", style="red")
        if result.suggestion:
            console.print(f"did you mean: [bold]{escape(result.suggestion)}[/]")
        return
    table = Table("article", "title", "matched", "snippet", show_lines=False, expand=False)
    for hit in result.hits:
        table.add_row(hit.id, escape(hit.title), ", ".join(hit.matched), _marked(hit.snippet))
    console.print(table)
    shown = len(result.hits)
    if result.total > shown:
        console.print(f"[dim]{shown} of about {result.total} articles; --limit N shows more[/]")
