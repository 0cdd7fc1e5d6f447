"""References to KB articles in other people's documents (``kb links``).

One pattern set, two uses: :func:`find_references` finds every way a text cites a KB
article (support-site addresses in all their historic shapes, ``KB123456``,
``Q123456``, "Knowledge Base article 123456"), with the span of each, so that a reader
can take the numbers for an article's related list and ``kb links`` can report and
rewrite dead support-site links in Markdown, HTML, reStructuredText, text and code.

Files are read as bytes and decoded losslessly (UTF-8, UTF-16 by its BOM, else
Latin-1 byte for byte), so that a rewrite changes nothing but the links it replaces:
line endings, encoding and every other byte stay as they were.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

# ----------------------------------------------------------------- the pattern set

# A locale segment of the support site: /en-us, /EN-US, /de, /zh-cn, /sr-latn-rs.
_LOCALE = r"[a-z]{2}(?:-[a-z]{2,4}){0,2}"
# Where a URL ends: white space, quotes, angle brackets, closing brackets of the markup
# around it (Markdown's "(url)", reST's "<url>`_", BBCode's "[url]...[/url]").
_URL_TAIL = r"[^\s\"'<>()\[\]{}`|\\]*"
_SEP = r"(?:;|%3b)\s?"  # scid=kb;en-us;123 (also URL-encoded, and with a space)
SUPPORT_URL = re.compile(
    r"(?<![\w.-])(?:https?://)?(?:www\.)?support\.microsoft\.com(?::\d+)?"
    rf"(?:/{_LOCALE}(?=/(?:kb|help)/))?"
    r"(?:"
    # /kb/279415, /kb/Q279415, /kb/279415/en-us, /default.aspx/kb/279415
    rf"(?:/default\.aspx)?/kb/q?(?P<kb>\d{{3,7}})\b"
    # /help/279415, /en-us/help/279415/title-slug
    r"|/help/(?P<help>\d{3,7})\b"
    # /?kbid=279415, /default.aspx?kbid=279415, /?id=279415
    r"|/?(?:default\.aspx)?\?(?:[\w.%-]+=[^&\s#]*&(?:amp;)?)*(?:kbid|id)=q?(?P<kbid>\d{3,7})\b"
    # /default.aspx?scid=kb;en-us;279415 and scid=kb;EN-US;Q279415
    rf"|/?(?:default\.aspx)?\?scid=kb{_SEP}(?:{_LOCALE}{_SEP})?q?(?P<scid>\d{{3,7}})\b"
    # 1990s: /support/kb/articles/Q176/1/13.asp is article 176113
    r"|/support/kb/articles/q(?P<old1>\d{1,3})/(?P<old2>\d{1,2})/(?P<old3>\d{2})\.asp\b"
    r")" + _URL_TAIL,
    re.I,
)
# Any other URL: references inside it ("...-kb842532-fullfile-enu.exe", a catalog search)
# are not citations a reader sees, so bare-number patterns skip these spans.
ANY_URL = re.compile(r"(?:\b[a-z][a-z0-9+.-]*://|\bwww\.)[^\s\"'<>`]+", re.I)
# KB123456 / KB 245031 (not "kb842532" inside a file name, not "512 KB 1024").
BARE_KB = re.compile(r"(?<![\w/=.@-])(?<!\d\s)KB[ \u00a0]?#?(?P<n>\d{5,7})(?![\w-]|\.\d)")
# Q123456: the article number of the 1990s, upper-case Q, 5 or 6 digits (not Q3, not
# Q4 2023, not hex like Q12A4F0).
BARE_Q = re.compile(r"(?<![\w/=.@-])Q(?P<n>\d{5,6})(?![\w-]|\.\d)")
# "Knowledge Base article 123456", "KB article 947709", "Microsoft Knowledge-Base
# Article 167629", "MSKB article #123456", "Knowledge Base article [949257](...)".
PHRASE = re.compile(
    r"\b(?:knowledge[\s-]?base|kb|mskb)\s+articles?\s*(?:(?:id|number|no\.?)\s*)?[:#]?\s*\[?"
    r"\s*Q?(?P<n>\d{5,7})\b",
    re.I,
)
# Links that become the archive's pages when rewritten: the support site's own (a copy
# inside a web-archive address still works and is left alone).
_INSIDE_OTHER_URL = re.compile(r"\w+://\S*$")


@dataclass(frozen=True)
class Reference:
    """One citation of a KB article in a text: where it stands and what it says."""

    start: int  # offsets in the text handed to find_references
    end: int
    text: str  # the reference as written (the whole URL for links)
    number: int
    kind: str  # "url", "kb", "q" or "phrase"
    rewritable: bool = False  # a support-site link of its own (not inside another URL)


def find_references(text: str) -> list[Reference]:
    """Every reference to a KB article in ``text``, in order; none overlap."""
    found: list[Reference] = []
    url_spans: list[tuple[int, int]] = []
    for m in SUPPORT_URL.finditer(text):
        end = m.start() + len(_trim_url(m.group(0)))
        if m.group("old1"):
            number = int(m.group("old1") + m.group("old2") + m.group("old3"))
        else:
            number = int(next(g for g in (m["kb"], m["help"], m["kbid"], m["scid"]) if g))
        own = not _INSIDE_OTHER_URL.search(text[max(0, m.start() - 200) : m.start()])
        found.append(Reference(m.start(), end, text[m.start() : end], number, "url", own))
        url_spans.append((m.start(), end))
    url_spans.extend(m.span() for m in ANY_URL.finditer(text))
    url_spans.sort()

    def in_url(pos: int) -> bool:
        return any(a <= pos < b for a, b in url_spans)

    for pattern, kind in ((PHRASE, "phrase"), (BARE_KB, "kb"), (BARE_Q, "q")):
        for m in pattern.finditer(text):
            if in_url(m.start("n")) or _overlaps(found, m.start("n"), m.end("n")):
                continue
            start = m.start() if kind != "phrase" else m.start()
            found.append(Reference(start, m.end(), m.group(0), int(m.group("n")), kind))
    found = [r for r in found if r.number >= 1000]
    found.sort(key=lambda r: r.start)
    return found


def _trim_url(url: str) -> str:
    """A URL without the sentence's punctuation after it ("see .../kb/279415.")."""
    return url.rstrip(".,;:!?*_~")


def _overlaps(found: list[Reference], start: int, end: int) -> bool:
    return any(r.start < end and start < r.end for r in found)


def numbers(text: str) -> list[int]:
    """The article numbers ``text`` cites, each once, in order of first appearance."""
    seen: dict[int, None] = {}
    for ref in find_references(text):
        seen.setdefault(ref.number, None)
    return list(seen)


# ------------------------------------------------------------------- reading files

_SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", ".tox"}
MAX_BYTES = 20 * 2**20


def decode_lossless(data: bytes) -> tuple[str, str]:
    """(text, codec) such that ``text.encode(codec) == data``."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        codec = "utf-16-le" if data.startswith(b"\xff\xfe") else "utf-16-be"
        try:
            text = data.decode(codec)
            if text.encode(codec) == data:
                return text, codec
        except UnicodeError:
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def is_binary(data: bytes) -> bool:
    head = data[:8192]
    return b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff"))


def iter_files(
    paths: Iterable[str], on_error: Callable[[str, str], None]
) -> Iterator[tuple[str, bool]]:
    """(path, named) for every file under ``paths``; folders are walked (hidden and tool
    folders skipped). ``named`` is False for files found in a folder: those are skipped
    quietly when they are binary."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():

            def walk_error(exc: OSError, top: str = raw) -> None:
                on_error(exc.filename or top, f"cannot read: {exc.strerror or exc}")

            for folder, dirs, files in os.walk(path, onerror=walk_error):
                dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
                for name in sorted(files):
                    yield os.path.join(folder, name), False
        elif path.exists() or path.is_symlink():
            yield raw, True
        else:
            on_error(raw, "no such file or folder")


# ----------------------------------------------------------------------- results


@dataclass
class Found:
    file: str
    line: int
    text: str
    number: int
    archived: bool
    title: str | None

    def to_dict(self) -> dict:
        return {
            "file": self.file,
            "line": self.line,
            "text": self.text,
            "number": self.number,
            "archived": self.archived,
            "title": self.title,
        }


class Archive:
    """What the workspace holds, looked up once per article number (a record's file)."""

    def __init__(self, records_dir: Path):
        self.records_dir = records_dir
        self._cache: dict[int, tuple[bool, str | None]] = {}

    def lookup(self, number: int) -> tuple[bool, str | None]:
        if number not in self._cache:
            path = self.records_dir / f"KB{number}.json"
            try:
                title = json.loads(path.read_text(encoding="utf-8")).get("title")
                self._cache[number] = (True, title or None)
            except FileNotFoundError:
                self._cache[number] = (False, None)
            except (OSError, ValueError):
                self._cache[number] = (path.exists(), None)
        return self._cache[number]


@dataclass
class Scanned:
    path: str
    data: bytes
    text: str
    codec: str
    refs: list[tuple[int, Reference]]  # (line number, reference)


def scan_text(text: str) -> list[tuple[int, Reference]]:
    """References with their 1-based line numbers (lines end at "\\n")."""
    out: list[tuple[int, Reference]] = []
    line_no, offset = 1, 0
    for line in text.split("\n"):
        for ref in find_references(line):
            shifted = Reference(
                ref.start + offset,
                ref.end + offset,
                ref.text,
                ref.number,
                ref.kind,
                ref.rewritable,
            )
            out.append((line_no, shifted))
        offset += len(line) + 1
        line_no += 1
    return out


class Unreadable(Exception):
    pass


def scan_file(path: str, named: bool = True) -> Scanned | None:
    """A file's references; None for a binary file found in a folder."""
    try:
        if os.path.getsize(path) > MAX_BYTES:
            raise Unreadable(f"larger than {MAX_BYTES // 2**20} MB")
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise Unreadable(f"cannot read: {exc.strerror or exc}") from None
    if is_binary(data):
        if named:
            raise Unreadable("binary file, not a document")
        return None
    text, codec = decode_lossless(data)
    return Scanned(path, data, text, codec, scan_text(text))


def results(scanned: Scanned, archive: Archive) -> list[Found]:
    out = []
    for line, ref in scanned.refs:
        archived, title = archive.lookup(ref.number)
        out.append(Found(scanned.path, line, ref.text, ref.number, archived, title))
    return out


# ----------------------------------------------------------------------- rewriting


def page_url(base_url: str, number: int) -> str:
    """The published site's page of an article (kb.site_model.article_url under a base)."""
    from kb.site_model import article_url

    return f"{base_url.rstrip('/')}/{article_url(number)}"


def rewrite(
    scanned: Scanned, base_url: str, archive: Archive
) -> tuple[str, list[Reference], list[Reference]]:
    """The text with every support-site link to an archived article pointing at the
    archive's page; also (rewritten, left) references. Links to articles the archive
    does not hold are left as they are: their page would not exist."""
    pieces: list[str] = []
    done: list[Reference] = []
    left: list[Reference] = []
    pos = 0
    for _, ref in scanned.refs:
        if not (ref.kind == "url" and ref.rewritable):
            continue
        if not archive.lookup(ref.number)[0]:
            left.append(ref)
            continue
        pieces.append(scanned.text[pos : ref.start])
        pieces.append(page_url(base_url, ref.number))
        pos = ref.end
        done.append(ref)
    pieces.append(scanned.text[pos:])
    return "".join(pieces), done, left


def unified_diff(path: str, old: str, new: str) -> str:
    before, after = (f"a/{path}", f"b/{path}") if not os.path.isabs(path) else (path, path)
    lines = difflib.unified_diff(old.split("\n"), new.split("\n"), before, after, lineterm="")
    return "".join(line + "\n" for line in lines)


def write_in_place(path: str, data: bytes) -> None:
    """Replace a file's bytes through a temporary file and a rename, keeping its mode."""
    target = Path(path)
    mode = target.stat().st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# ------------------------------------------------------------------------ command


def print_table(found: list[Found], write: Callable[[str], None]) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table("file:line", "reference", "article", "archived", "title")
    for column in table.columns:
        column.overflow = "fold"
    for f in found:
        table.add_row(
            escape(f"{f.file}:{f.line}"),
            escape(f.text),
            f"KB{f.number}",
            "yes" if f.archived else "no",
            escape(f.title or ""),
        )
    Console(highlight=False, soft_wrap=False).print(table)
    archived = sum(1 for f in found if f.archived)
    files = len({f.file for f in found})
    write(f"{len(found):,} references in {files:,} files; {archived:,} to archived articles\n")


def run(
    paths: list[str],
    records_dir: Path,
    *,
    as_json: bool = False,
    rewrite_base: str | None = None,
    write_files: bool = False,
    out: Callable[[str], None],
    err: Callable[[str], None],
) -> int:
    """``kb links``: report (or rewrite) the references in ``paths``; the exit status.

    0 when references were found and every file was read, 1 when none were found or a
    file could not be read (one line on ``err`` for each such file; the rest go on).
    """
    archive = Archive(records_dir)
    failed = 0

    def on_error(path: str, reason: str) -> None:
        nonlocal failed
        failed += 1
        err(f"{path}: {reason}")

    found: list[Found] = []
    rewritten = left = changed_files = 0
    for path, named in iter_files(paths, on_error):
        try:
            scanned = scan_file(path, named)
        except Unreadable as exc:
            on_error(path, str(exc))
            continue
        if scanned is None:
            continue
        found.extend(results(scanned, archive))
        if rewrite_base is None:
            continue
        new_text, done, kept = rewrite(scanned, rewrite_base, archive)
        left += len(kept)
        if not done:
            continue
        rewritten += len(done)
        changed_files += 1
        out(unified_diff(path, scanned.text, new_text))
        if write_files:
            try:
                write_in_place(path, new_text.encode(scanned.codec))
            except OSError as exc:
                on_error(path, f"cannot write: {exc.strerror or exc}")
    if rewrite_base is not None:
        verb = "rewrote" if write_files else "would rewrite"
        err(
            f"{verb} {rewritten:,} links in {changed_files:,} files"
            + (f"; {left:,} links to articles not in the archive left as they are" if left else "")
        )
    elif as_json:
        out(json.dumps([f.to_dict() for f in found], ensure_ascii=False, indent=2) + "\n")
    elif found:
        print_table(found, out)
    else:
        err("no references to KB articles found")
    if failed:
        return 1
    return 0 if found else 1
