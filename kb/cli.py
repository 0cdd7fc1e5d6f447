"""The ``kb`` command: a thin Typer layer over kb.archive, indexer and kb.publish.

Every command takes ``--root`` (or ``KB_ROOT``); commands that print results take
``--json``. Errors are one line on stderr and a non-zero exit status: 1 for "nothing
found" or files that failed, 2 for usage and query errors.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    # --install-completion / --show-completion: under 1 ms of a cold lookup (measured).
    add_completion=True,
    no_args_is_help=True,
    help="Search and publish an archive of Microsoft Knowledge Base articles.",
    pretty_exceptions_enable=False,
)

Root = Annotated[
    Path,
    typer.Option(
        "--root",
        envvar="KB_ROOT",
        help="Workspace folder (holds articles/ and .kb/).",
        file_okay=False,
    ),
]
Json = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
Jobs = Annotated[int, typer.Option("--jobs", "-j", help="Worker processes (default: all cores).")]
Limit = Annotated[int, typer.Option("--limit", "-n", min=1, help="Show at most N articles.")]


def _err(message: str) -> None:
    sys.stderr.write(f"kb: {message}\n")


def _fail(message: str, code: int = 2) -> typer.Exit:
    _err(message)
    return typer.Exit(code)


def _article_number(text: str) -> int:
    """279415, Q279415, KB279415 -> 279415; anything else is a usage error."""
    from kb.model import parse_article_number

    number = parse_article_number(text)
    if number is None:
        raise _fail(f"not an article number: {text!r}")
    return number


def _workspace(root: Path):
    from kb.archive import Workspace

    return Workspace(root)


# ----------------------------------------------------------------- archive commands


@app.command()
def add(
    files: Annotated[
        list[str], typer.Argument(help="Files, folders (recursive), globs or http(s) URLs.")
    ],
    root: Root = Path("."),
    jobs: Jobs = 0,
) -> None:
    """Add archived KB articles (HTML, MHTML, plain-text KB files) to the archive."""
    from kb import archive
    from kb.progress import bar

    ws = _workspace(root)
    with bar("adding") as progress:
        report = archive.add_files(ws, files, jobs=jobs or None, progress=progress, notify=_err)
    _finish(report)


@app.command()
def rebuild(
    root: Root = Path("."),
    jobs: Jobs = 0,
) -> None:
    """Re-derive records and index from articles/ (articles/ itself is never changed)."""
    from kb import archive
    from kb.progress import bar

    ws = _workspace(root)
    with bar("rebuilding") as progress:
        report = archive.rebuild(ws, jobs=jobs or None, progress=progress, notify=_err)
    for path, reason in report.failed:
        _err(f"{path}: {reason}")
    print(
        f"rebuilt {len(report.changed_ids):,} articles from {ws.articles}"
        + (f" \u00b7 failed {len(report.failed):,} (see above)" if report.failed else "")
    )
    if report.failed:
        raise typer.Exit(1)


def _finish(report) -> None:
    """Errors on stderr; per-article lines for small batches; always one summary line."""
    for path, reason in report.failed:
        _err(f"{path}: {reason}")
    handled = len(report.added) + len(report.updated) + len(report.unchanged)
    if handled <= 20:

        def detail(kb: str) -> str:
            text = report.details.get(int(kb[2:]))
            return f" ({text})" if text else ""

        for kb in report.added:
            print(f"added {kb}{detail(kb)}")
        for kb in report.updated:
            print(f"updated {kb}{detail(kb)}")
        for kb in report.unchanged:
            print(f"unchanged {kb} (already archived)")
        for message in report.messages:
            print(message)
    print(report.summary())
    if report.failed:
        raise typer.Exit(1)


@app.command()
def show(
    article: Annotated[str, typer.Argument(help="279415, Q279415, KB279415 ...")],
    root: Root = Path("."),
    as_json: Json = False,
) -> None:
    """Show one article's record."""
    number = _article_number(article)
    record = _workspace(root).load_record(number)
    if record is None:
        raise _fail(f"KB{number} is not in the archive", 1)
    if as_json:
        print(json.dumps(record.to_dict(), ensure_ascii=False, indent=2))
        return
    from kb.output import print_article

    print_article(record)


@app.command()
def export(root: Root = Path(".")) -> None:
    """Print every record as JSON, one object a line."""
    out = sys.stdout
    for record in _workspace(root).iter_records():
        out.write(json.dumps(record.to_dict(), ensure_ascii=False) + "\n")


@app.command()
def history(
    article: Annotated[str, typer.Argument(help="279415, Q279415, KB279415 ...")],
    root: Root = Path("."),
    as_json: Json = False,
) -> None:
    """Every archived capture of an article, newest first, with what changed."""
    from kb.history import history as captures_of

    number = _article_number(article)
    entries = captures_of(_workspace(root), number)
    if not entries:
        raise _fail(f"KB{number} is not in the archive", 1)
    if as_json:
        print(
            json.dumps(
                [{**vars(e.capture), "current": e.current, "changes": e.changes} for e in entries],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    import datetime

    for e in entries:
        c = e.capture
        added = datetime.datetime.fromtimestamp(c.added).strftime("%Y-%m-%d %H:%M")
        mark = "current" if e.current else "older  "
        print(
            f"{mark} {c.path}  {c.format}, revision {c.revision or '-'}, "
            f"{c.modified or 'undated'}, added {added}, sha256 {c.sha256[:12]}"
        )
        if c.origin:
            print(f"        from {c.origin}")
        for line in e.changes:
            print(f"        {line}")


@app.command()
def check(
    root: Root = Path("."),
    fix: Annotated[bool, typer.Option("--repair", help="Make everything agree again.")] = False,
) -> None:
    """Do records, index and site agree with articles/? Exit 1 if not (after --repair: 0)."""
    from kb import check as checking

    ws = _workspace(root)
    report = checking.check(ws)
    for problem in report.problems:
        print(problem)
    if report.ok:
        print("ok: records and index agree with articles/")
        return
    if not fix:
        print(f"{len(report.problems)} problems; 'kb check --repair' fixes them")
        raise typer.Exit(1)
    checking.repair(ws, report)
    after = checking.check(ws)
    for problem in after.problems:
        _err(f"still wrong: {problem}")
    print("repaired" if after.ok else f"{len(after.problems)} problems remain")
    if not after.ok:
        raise typer.Exit(1)


@app.command()
def links(
    paths: Annotated[list[str], typer.Argument(help="Documents or folders (recursive).")],
    root: Root = Path("."),
    as_json: Json = False,
    rewrite: Annotated[
        str | None,
        typer.Option("--rewrite", metavar="BASE_URL", help="Diff: support-site links to BASE_URL."),
    ] = None,
    write: Annotated[
        bool, typer.Option("--write", help="With --rewrite: change the files.")
    ] = False,
) -> None:
    """Find references to KB articles in documents; --rewrite points dead links here."""
    from kb import links as kb_links

    if write and rewrite is None:
        raise _fail("--write needs --rewrite BASE_URL")
    status = kb_links.run(
        paths,
        _workspace(root).records_dir,
        as_json=as_json,
        rewrite_base=rewrite,
        write_files=write,
        out=sys.stdout.write,
        err=_err,
    )
    if status:
        raise typer.Exit(status)


# ------------------------------------------------------------------ search commands


def _searcher(root: Path):
    from indexer.query import NoIndex, Searcher

    ws = _workspace(root)
    try:
        return ws, Searcher(ws.index_dir, load=ws.load_record)
    except NoIndex as exc:
        if not ws.record_numbers():  # an empty archive has no index, by design
            raise _fail(f"no articles in {ws.root} yet: add some with 'kb add FILE'", 2) from None
        raise _fail(str(exc), 2) from None


def _print_result(ws, result, as_json: bool, query: str) -> None:
    from indexer.query import add_snippets

    add_snippets(result, ws.load_record)
    if as_json:
        print(
            json.dumps(
                {
                    "query": query,
                    "total": result.total,
                    "suggestion": result.suggestion,
                    "hits": [vars(h) for h in result.hits],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        from kb.output import print_hits

        print_hits(result, query)
    if not result.hits:
        raise typer.Exit(1)


@app.command()
def event(
    event_id: Annotated[str, typer.Argument(help="9321 or SOURCE:ID, e.g. MSExchangeMTA:9321")],
    source: Annotated[str | None, typer.Option("--source", "-s", help="Event source.")] = None,
    root: Root = Path("."),
    as_json: Json = False,
    limit: Limit = 20,
) -> None:
    """Find articles that mention an event ID (optionally from one event source)."""
    from indexer.query import QueryError

    ws, searcher = _searcher(root)
    with searcher:
        try:
            result = searcher.event(event_id, source, limit)
        except QueryError as exc:
            raise _fail(str(exc)) from None
        _print_result(ws, result, as_json, event_id)


@app.command()
def error(
    code: Annotated[str, typer.Argument(help="11004, 0x2AFC, 0x80004005, -2147467259, L1073 ...")],
    root: Root = Path("."),
    as_json: Json = False,
    limit: Limit = 20,
) -> None:
    """Find articles that print an error code, in any notation."""
    from indexer.query import QueryError

    ws, searcher = _searcher(root)
    with searcher:
        try:
            result = searcher.error(code, limit)
        except QueryError as exc:
            raise _fail(str(exc)) from None
        if not result.hits and not as_json:
            from kb.codes import family_of

            print(f"no article prints {code} ({family_of(code) or 'error code'})")
            raise typer.Exit(1)
        _print_result(ws, result, as_json, code)


@app.command()
def search(
    words: Annotated[list[str], typer.Argument(help='Words, "a phrase", a number ...')],
    product: Annotated[
        str | None, typer.Option("--product", "-p", help="Only these products.")
    ] = None,
    tag: Annotated[
        str | None, typer.Option("--tag", "-t", help="Only this title tag (XCON, PRB ...).")
    ] = None,
    root: Root = Path("."),
    as_json: Json = False,
    limit: Limit = 20,
) -> None:
    """Full-text search; a bare number is also tried as event ID, error code and article.
    A message pasted as one argument, as many words or on standard input (-) is matched
    with your own values, cut off or re-wrapped."""
    from indexer.message import word_count
    from indexer.query import QueryError

    if words == ["-"]:
        text, paste = sys.stdin.read(), True
    elif len(words) == 1:
        # One shell argument with spaces is a pasted message (the exact phrase first).
        text, paste = words[0], bool(re.search(r"\s", words[0].strip())) and '"' not in words[0]
    else:
        text = " ".join(f'"{w}"' if " " in w and '"' not in w else w for w in words)
        # Many words, or words with a message's punctuation (': #'), are a paste too.
        count = word_count(text) if '"' not in text else 0
        paste = count >= 6 or (count >= 3 and bool(re.search(r"[^\w\s'.,/-]", text)))
    if not text.strip():
        raise _fail("empty query")
    ws, searcher = _searcher(root)
    with searcher:
        try:
            result = searcher.search(text, product=product, tag=tag, limit=limit, paste=paste)
        except QueryError as exc:
            raise _fail(str(exc)) from None
        _print_result(ws, result, as_json, text)


@app.command()
def triage(
    logs: Annotated[
        list[str],
        typer.Argument(
            help="Event logs: .evtx, Event Viewer .txt/.csv, wevtutil XML, Get-WinEvent "
            "JSON, pasted event text; - for standard input."
        ),
    ],
    root: Root = Path("."),
    as_json: Json = False,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Articles per event.")] = 3,
) -> None:
    """Each distinct event in Windows event logs: how often, when, and archived articles."""
    from kb import triage as triaging

    ws, searcher = _searcher(root)
    with searcher:
        report = triaging.triage([Path(p) for p in logs], searcher, limit, notify=_err)
    if as_json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        triaging.print_table(report)
    if not report.ok:
        raise typer.Exit(1)


def _negative_codes_last(argv: list[str]) -> list[str]:
    """Let 'kb error -1018 --json' work: a negative number is a code, not an option."""
    if len(argv) < 2 or argv[1] != "error" or "--" in argv:
        return argv
    negatives = [a for a in argv[2:] if re.fullmatch(r"-(?:\d+|0x[0-9a-fA-F]+)", a)]
    if not negatives:
        return argv
    rest = [a for a in argv if a not in negatives]
    return [*rest, "--", *negatives]


# --------------------------------------------------------------------- the site


@app.command()
def publish(
    root: Root = Path("."),
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Output folder (default: ROOT/public).")
    ] = None,
    base_url: Annotated[
        str, typer.Option("--base-url", help="Where the site will be served, e.g. /kb/.")
    ] = "",
    no_search: Annotated[bool, typer.Option("--no-search", help="Skip the search index.")] = False,
    jobs: Jobs = 0,
) -> None:
    """Build the static web site from the records."""
    from kb import publish as site
    from kb.progress import bar

    ws = _workspace(root)
    numbers = ws.record_numbers()
    if not numbers:
        raise _fail("no records to publish; run 'kb add FILE' or 'kb rebuild' first", 1)
    target = out or ws.site_dir
    with bar("publishing") as progress:
        report = site.publish(
            ws.records_dir,
            numbers,
            target,
            workspace_root=ws.root,
            base_url=base_url,
            jobs=jobs or None,
            search=not no_search,
            progress=progress,
        )
    print(
        f"published {report.articles:,} articles, {report.pages:,} pages to {target} "
        f"in {report.seconds_pages:.1f} s"
        + (
            f"; search index {report.search_bytes / 1e6:.1f} MB in {report.seconds_search:.1f} s"
            if not no_search
            else ""
        )
    )


@app.command()
def serve(
    root: Root = Path("."),
    directory: Annotated[
        Path | None, typer.Option("--dir", help="Site folder (default: ROOT/public).")
    ] = None,
    port: Annotated[int, typer.Option("--port", "-p")] = 8000,
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
) -> None:
    """Serve the published site for a local look (Ctrl-C stops)."""
    from kb.serve import serve_forever

    folder = directory or _workspace(root).site_dir
    if not (folder / "index.html").is_file():
        raise _fail(f"no site in {folder}; run 'kb publish' first", 1)
    serve_forever(folder, host, port, announce=print)


def main() -> None:
    import os

    sys.argv = _negative_codes_last(sys.argv)
    try:
        app()
    except KeyboardInterrupt:
        _err("interrupted")
        sys.exit(130)
    except Exception as exc:  # a bug: one line, unless asked for the traceback
        if os.environ.get("KB_DEBUG"):
            raise
        _err(f"internal error: {type(exc).__name__}: {exc} (set KB_DEBUG=1 for details)")
        sys.exit(3)


if __name__ == "__main__":
    main()
