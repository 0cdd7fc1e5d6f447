"""The fast path of ``kb event``, ``kb error`` and ``kb show``: answered from the
lookup table (:mod:`indexer.lookup_table`) and the records, without importing Whoosh
or Typer (nor Rich unless a table or an article is drawn on a terminal).

:func:`run` returns the exit status, or None when this path does not apply: another
command, an option it does not know, a usage error, an index without a current lookup
table, a query needing a term the table does not hold. The caller then runs the
normal Typer command, which gives the same answer (tests compare the two).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

COMMANDS = ("event", "error", "show")
SNIPPET_WIDTH = 180  # indexer.query.add_snippets' default


def parse(argv: list[str]) -> dict | None:
    """The arguments of a lookup command as Typer would read them, or None."""
    if len(argv) < 2 or argv[1] not in COMMANDS:
        return None
    command = argv[1]
    opts = {"command": command, "root": os.environ.get("KB_ROOT") or ".", "json": False}
    opts.update(limit=20, source=None)
    positional: list[str] = []
    rest = argv[2:]
    i = 0
    while i < len(rest):
        arg = rest[i]
        i += 1
        if arg == "--":
            positional.extend(rest[i:])
            break
        name, eq, value = arg.partition("=")
        if name in ("--root", "--limit", "-n") or (
            command == "event" and name in ("--source", "-s")
        ):
            if not eq:
                if i >= len(rest):
                    return None
                value = rest[i]
                i += 1
            key = {"--root": "root", "--limit": "limit", "-n": "limit"}.get(name, "source")
            opts[key] = value
        elif arg == "--json":
            opts["json"] = True
        elif arg.startswith("-") and not (command == "error" and _negative(arg)):
            return None  # --help, an unknown option ...: Typer answers
        else:
            positional.append(arg)
    if len(positional) != 1 or command == "show" and opts["limit"] != 20:
        return None
    try:
        opts["limit"] = int(opts["limit"])
    except ValueError:
        return None
    if opts["limit"] < 1:
        return None
    opts["query"] = positional[0]
    return opts


def _negative(arg: str) -> bool:
    import re

    return re.fullmatch(r"-(?:\d+|0x[0-9a-fA-F]+)", arg) is not None


def run(argv: list[str]) -> int | None:
    opts = parse(argv)
    if opts is None:
        return None
    root = Path(opts["root"])
    if not root.is_dir():
        return None
    if opts["command"] == "show":
        return _show(root, opts)
    return _lookup(root, opts)


def _show(root: Path, opts: dict) -> int | None:
    from kb.model import Article, kb_id, parse_article_number

    number = parse_article_number(opts["query"])
    if number is None:
        return None
    path = root.resolve() / ".kb" / "records" / f"{kb_id(number)}.json"
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None  # not archived, or unreadable: the normal path says so
    record = Article.from_dict(data)
    if opts["json"]:
        sys.stdout.write(json.dumps(record.to_dict(), ensure_ascii=False, indent=2) + "\n")
        return 0
    from kb.output import print_article

    print_article(record)
    return 0


def _lookup(root: Path, opts: dict) -> int | None:
    from indexer import lookup_table

    state = root.resolve() / ".kb"
    table = lookup_table.open_table(state / "index")
    if table is None:
        return None
    try:
        with table:
            if opts["command"] == "event":
                found, total = table.event(opts["query"], opts["source"], opts["limit"])
            else:
                found, total = table.error(opts["query"], opts["limit"])
    except (ValueError, lookup_table.NotCovered):
        return None
    if not found and not opts["json"]:
        return None  # "no article prints ... (the family understood)": kb.cli says it
    label = "event" if opts["command"] == "event" else "error code"
    hits = []
    for f in found:
        record = _record(state, f.number)
        if record is None:
            return None
        snippet = _snippet(record, label, set(f.terms))
        if snippet is None:
            return None  # a text snippet: Whoosh's highlighter makes those
        hits.append(
            lookup_table.Hit(
                id=record["id"],
                number=f.number,
                title=record["title"],
                score=f.score,
                matched=[label],
                terms=list(dict.fromkeys(f.terms)),
                snippet=snippet[: SNIPPET_WIDTH * 2],
            )
        )
    if opts["json"]:
        out = {"query": opts["query"], "total": total, "suggestion": None}
        out["hits"] = [vars(h) for h in hits]
        sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=2) + "\n")
    else:
        from types import SimpleNamespace

        from kb.output import print_hits

        print_hits(SimpleNamespace(hits=hits, total=total, suggestion=None), opts["query"])
    return 0 if hits else 1


def _record(state: Path, number: int) -> dict | None:
    try:
        return json.loads((state / "records" / f"KB{number}.json").read_bytes())
    except (OSError, ValueError):
        return None


def _snippet(record: dict, label: str, terms: set[str]) -> str | None:
    """indexer.query.add_snippets for an event or error-code hit (None: it would fall
    back to a text snippet)."""
    # From the stored record: the article model (kb.model) is not loaded for a snippet.
    if label == "event":
        from indexer.hits import event_snippet

        events = record.get("events") or []
        found = [(e.get("source"), e["event_id"], e.get("message")) for e in events]
        return event_snippet(found, terms) or None
    from indexer.hits import code_snippet
    from kb.plaintext import sections_text

    listed = [(c["code"], c.get("value"), c["text"]) for c in record.get("error_codes") or []]
    sections = [(s["kind"], s["markdown"]) for s in record.get("sections") or []]
    return code_snippet(listed, terms, lambda: sections_text(sections)) or None


def main() -> None:
    """The ``kb`` command: lookups on the fast path when it applies, else kb.cli."""
    code = None
    if len(sys.argv) > 1 and sys.argv[1] in COMMANDS:
        try:
            code = run(sys.argv)
        except BrokenPipeError:
            code = 0
        except Exception:  # noqa: BLE001 - the normal path gives the answer (or the error)
            if os.environ.get("KB_DEBUG"):
                raise
            code = None
    if code is not None:
        sys.stdout.flush()
        sys.exit(code)
    from kb.cli import main as cli_main

    cli_main()
