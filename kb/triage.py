"""``kb triage``: which archived articles speak to the events in a log.

Events are grouped by (source, event ID); each group is looked up in the existing index
through :class:`indexer.query.Searcher`, in this order, until ``limit`` articles are
found:

1. the event ID with its source, under every name the source has had
   (:mod:`kb.eventlogs.sources`);
2. the message where the log carries one: the phrases of its first sentence between
   the values that differ on every machine, all required;
3. the error codes in the event data or message (``errorCode: 0x80248007``, the
   ``%%2147942414`` insertion strings of classic events), through the code index.

No hit in any step is a plain answer: "no archived article".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from kb import codes
from kb.eventlogs import EventRow, LogError, read_log
from kb.eventlogs.sources import canonical, names_for

SEVERITY = {"critical": 0, "error": 1, "audit failure": 1, "failure audit": 1, "warning": 2}


@dataclass
class ArticleHit:
    id: str
    number: int
    title: str
    matched: str  # "event ID + source", "message", "error code 0x80070005"


@dataclass
class Finding:
    source: str
    event_id: int
    count: int = 0
    first: str | None = None
    last: str | None = None
    level: str | None = None
    example: str = ""
    codes: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    articles: list[ArticleHit] = field(default_factory=list)
    _message: str | None = None  # the first message seen, for the lookup


@dataclass
class LogReport:
    path: str
    form: str | None = None
    events: int = 0
    warnings: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class Report:
    findings: list[Finding]
    logs: list[LogReport]

    @property
    def ok(self) -> bool:
        return all(log.error is None and not log.warnings for log in self.logs)

    def to_dict(self) -> dict:
        return {
            "logs": [vars(log) for log in self.logs],
            "events": sum(log.events for log in self.logs),
            "findings": [
                {k: v for k, v in vars(f).items() if not k.startswith("_")}
                | {"articles": [vars(a) for a in f.articles]}
                for f in self.findings
            ],
        }


def read_logs(paths: Iterable[Path], notify: Callable[[str], None] | None = None):
    """(reports, rows): each file read on its own; a bad one never stops the rest."""
    logs: list[LogReport] = []
    rows: list[tuple[str, EventRow]] = []
    for path in paths:
        log = LogReport(str(path))
        logs.append(log)

        def warn(message: str, log: LogReport = log) -> None:
            log.warnings.append(message)
            if notify:
                notify(f"{log.path}: warning: {message}")

        try:
            read = read_log(Path(path), warn)
        except LogError as exc:
            log.error = str(exc)
        except Exception as exc:  # a reader's bug must not cost the other logs
            log.error = f"cannot read this log ({type(exc).__name__}: {exc})"
        if log.error is not None:
            if notify:
                notify(f"{log.path}: {log.error}")
            continue
        log.form = read.form
        log.events = len(read.rows)
        rows.extend((log.path, row) for row in read.rows)
    return logs, rows


def group(rows: Iterable[tuple[str, EventRow]]) -> list[Finding]:
    found: dict[tuple[str, int], Finding] = {}
    for path, row in rows:
        key = (canonical(row.source), row.event_id)
        finding = found.get(key)
        if finding is None:
            finding = found[key] = Finding(row.source, row.event_id, level=row.level)
        finding.count += 1
        if row.time:
            if finding.first is None or row.time < finding.first:
                finding.first = row.time
            if finding.last is None or row.time > finding.last:
                finding.last = row.time
        if path not in finding.files:
            finding.files.append(path)
        if _severity(row.level) < _severity(finding.level):
            finding.level = row.level
        message = _real_message(row.message)
        if not finding.example or (message and not finding._message):
            finding.example = _example(row)
            finding._message = message
        for code in event_codes(row):
            if code not in finding.codes:
                finding.codes.append(code)
    return sorted(
        found.values(), key=lambda f: (_severity(f.level), -f.count, f.source, f.event_id)
    )


def look_up(findings: list[Finding], searcher, limit: int = 3) -> None:
    """Fill each finding's articles from the index (see the module docstring)."""
    for finding in findings:
        hits: dict[int, ArticleHit] = {}

        def take(result, label: str, hits: dict[int, ArticleHit] = hits) -> None:
            for hit in result.hits:
                if len(hits) >= limit:
                    return
                hits.setdefault(hit.number, ArticleHit(hit.id, hit.number, hit.title, label))

        for name in names_for(finding.source):
            if len(hits) >= limit:
                break
            take(
                searcher.event(str(finding.event_id), source=name, limit=limit), "event ID + source"
            )
        phrases = message_query(finding._message)
        if phrases and len(hits) < limit:
            take(searcher.search(phrases, limit=limit), "message")
        for code in finding.codes:
            if len(hits) >= limit:
                break
            take(searcher.error(code, limit=limit), f"error code {code}")
        finding.articles = list(hits.values())


def triage(
    paths: Iterable[Path], searcher, limit: int = 3, notify: Callable[[str], None] | None = None
) -> Report:
    logs, rows = read_logs(paths, notify)
    findings = group(rows)
    look_up(findings, searcher, limit)
    return Report(findings, logs)


# ------------------------------------------------------------------ the pieces


_CODE_FIELD = re.compile(
    r"^(?:error ?code|errorcode|error|status|hresult|hr|result ?code|return ?code|"
    r"final ?status|exit ?code|win32 ?error)$",
    re.I,
)
# 'with error 0x80248007', 'failed ... status 0xC0000365' (not 'Reason Code: 0x80020003')
_HEX_AFTER_ERROR = re.compile(
    r"\b(?:error|status|hresult|failed|failure)\b[^.\n]{0,40}?\b(0x[0-9a-f]{8})\b", re.I
)
_INSERT = re.compile(r"^%%(\d{1,10})$")


def event_codes(row: EventRow) -> list[str]:
    """Error codes worth a lookup: values of code-named fields, the system-message
    insertions (``%%50``) of classic events, and HRESULT/NTSTATUS-shaped hex numbers
    (high bit set) after "error", "status" or "failed" in the message."""
    found: list[str] = []
    for name, value in row.data.items():
        value = value.strip()
        insert = _INSERT.match(value)
        if insert and int(insert.group(1)) > 1:  # %%1: "Incorrect function." (no news)
            found.append(_notation(int(insert.group(1))))
        elif _CODE_FIELD.match(name.strip()):
            number = _number(value)
            if number:
                found.append(_notation(number))
    for hexa in _HEX_AFTER_ERROR.findall(row.message or ""):
        if int(hexa, 16) >= 0x80000000:
            found.append(_notation(int(hexa, 16)))
    return [c for c in dict.fromkeys(found) if codes.query_keys(c)]


def _number(text: str) -> int | None:
    try:
        value = int(text, 16) if text.lower().startswith("0x") else int(text)
    except ValueError:
        return None
    return value & 0xFFFFFFFF if value else None


def _notation(value: int) -> str:
    return f"0x{value:08X}" if value > 0xFFFF else str(value)


def message_query(message: str | None, most: int = 16) -> str | None:
    """The first sentence of a message as exact phrases, one between each two of this
    machine's own values (names with dots, paths, numbers, GUIDs, addresses), all of
    them required: '"name resolution for the name" "timed out after none of ..."'.
    None when no phrase has four words: too little to mean this event."""
    if not message:
        return None
    first = re.split(r"(?<=[.!?])\s|\n", message.strip(), maxsplit=1)[0]
    phrases: list[list[str]] = [[]]
    for token in first.split():
        if token.endswith(":") and sum(len(p) for p in phrases) >= 4:
            break  # 'failed with error 0x80248007: <the update's title>': a value follows
        if re.search(r"[\\/{}<>@=%_:]|\d|\w\.\w", token.rstrip(".,;:!?")):
            phrases.append([])  # a value: the phrase ends here
            continue
        for part in re.findall(r"[\w'-]+", token):
            phrases[-1].append(part)
        if re.search(r"[,;:!?()\"]", token) or token.endswith("."):
            phrases.append([])  # punctuation: the words around it need not meet
    phrases = [p for p in phrases if len(p) >= 2]
    if not phrases or max(len(p) for p in phrases) < 4:
        return None  # 'Microsoft (R) Windows (R) 10.00. 15063': nothing of the event's own
    out, count = [], 0
    for phrase in phrases:
        if count >= most:
            break
        out.append('"' + " ".join(phrase[: most - count]) + '"')
        count += len(phrase)
    return " ".join(out)


_NO_DESCRIPTION = re.compile(
    r"^\s*The description for Event ID \(?\s*\d+\s*\)? (?:from|in) source .{0,120}?"
    r"(?:cannot|could not) be found",
    re.I | re.S,
)
_INCLUDED = re.compile(r"The following information was included with the event:?\s*", re.I)


def _real_message(message: str | None) -> str | None:
    """None for Event Viewer's "The description for Event ID 27 from source e1iexpress
    cannot be found ..." (the message file was missing where the log was saved): it
    says nothing about the event, and articles about that text are no answer."""
    if not message or _NO_DESCRIPTION.match(message):
        return None
    return message


def _example(row: EventRow) -> str:
    if row.message and _NO_DESCRIPTION.match(row.message):
        included = _INCLUDED.split(row.message, maxsplit=1)
        return " ".join(included[1].split()) if len(included) > 1 else ""
    if row.message:
        return " ".join(row.message.split())
    return "; ".join(f"{k}={v}" if not k.isdigit() else v for k, v in row.data.items())


def _severity(level: str | None) -> int:
    return SEVERITY.get((level or "").lower(), 3)


# ------------------------------------------------------------------ on a terminal


def print_table(report: Report) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(highlight=False)
    table = Table("event", "level", "count", "first / last", "example", "archived articles")
    table.columns[0].max_width = 28
    table.columns[3].no_wrap = True
    for f in report.findings:
        level = (f.level or "-").replace("Information", "Info")
        style = {"Critical": "bold red", "Error": "red", "Warning": "yellow"}.get(f.level or "")
        when = _short_time(f.first)
        if f.last and f.last != f.first:
            when += "\n" + _short_time(f.last)
        example = f.example if len(f.example) <= 80 else f.example[:77] + "..."
        if f.articles:
            articles = "\n".join(
                f"[bold]{a.id}[/] {escape(_cut(a.title, 60))} "
                f"[dim]({escape(a.matched.replace('event ID + source', 'event'))})[/]"
                for a in f.articles
            )
        else:
            articles = "[dim]no archived article[/]"
        table.add_row(
            f"{escape(f.source.removeprefix('Microsoft-Windows-') or '(no source)')} "
            f"[bold]{f.event_id}[/]",
            f"[{style}]{level}[/]" if style else level,
            f"{f.count:,}",
            when,
            escape(example),
            articles,
        )
    console.print(table)
    events = sum(log.events for log in report.logs)
    with_articles = sum(1 for f in report.findings if f.articles)
    read = sum(1 for log in report.logs if log.error is None)
    console.print(
        f"{events:,} events in {read} log{'' if read == 1 else 's'}; "
        f"{len(report.findings):,} distinct (source, event ID); "
        f"{with_articles:,} with archived articles"
    )


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def _short_time(time: str | None) -> str:
    """'2017-07-12T17:16:28Z' -> '2017-07-12 17:16Z'."""
    if not time:
        return "-"
    return time[:16].replace("T", " ") + ("Z" if time.endswith("Z") else "")
