"""Readers, one module per archive format, chosen by what the bytes are (never the name).

Each module has ``sniff`` and ``read``. :func:`read_file` and :func:`read_bytes` are the
only entry points the rest of the project uses; they turn every failure into an
:class:`~kb.model.IngestError` naming the reason, so one bad file never stops a batch.
"""

from __future__ import annotations

import hashlib
import os
import re

from kb.model import Article, IngestError, Source
from kb.readers import html, kbtext, markdown, mhtml
from kb.readers.base import MAX_BYTES, finish

_BINARY_MAGIC = {
    b"\x1f\x8b": "a gzip file",
    b"PK\x03\x04": "a zip archive",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"MZ": "a Windows executable",
    b"\x7fELF": "an ELF executable",
    b"\xd0\xcf\x11\xe0": "an OLE document (Word/Excel)",
    b"BZh": "a bzip2 file",
    b"\xfd7zXZ": "an xz file",
    b"7z\xbc\xaf": "a 7-Zip archive",
    b"Rar!": "a RAR archive",
}


_HTML_PAGE = re.compile(r"<(?:!doctype\s+html|html|head|body)\b", re.I)


def detect(data: bytes) -> str:
    """The format name of ``data``; raises IngestError for what no reader takes."""
    if not data.strip():
        raise IngestError("empty file")
    for magic, what in _BINARY_MAGIC.items():
        if data.startswith(magic):
            raise IngestError(f"not a KB article: {what}")
    head = data[:4096]
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise IngestError("not a KB article: binary data")
    if mhtml.sniff(head):
        return mhtml.FORMAT
    text_head = head.decode("latin-1").lstrip("\ufeff\xef\xbb\xbf \t\r\n")
    # A KB text file that talks about HTML tags is still a KB text file.
    if kbtext.sniff(text_head[:200]) and not text_head.startswith("<"):
        return kbtext.FORMAT
    if re.match(r"[{\[]\s*[\"{\[]", text_head):
        raise IngestError("not a KB article: JSON data")
    if text_head.startswith("<") or _HTML_PAGE.search(text_head):
        return html.FORMAT
    # Markdown may hold raw HTML: it is Markdown when it does not begin as a page.
    text = data[:65536].decode("utf-8", "replace")
    if markdown.sniff(text):
        return markdown.FORMAT
    if html.sniff(text_head):
        return html.FORMAT
    if kbtext.sniff(text_head):
        return kbtext.FORMAT
    if markdown.sniff_text(text):
        return markdown.TEXT_FORMAT
    raise IngestError(
        "not a KB article: no article number printed as a KB article prints it "
        "(Article ID, Q-number, Original KB number) in HTML, Markdown or text"
    )


def read_bytes(data: bytes, name: str = "<bytes>") -> Article:
    """Parse one archived file's bytes into an Article (``source.path`` set to ``name``)."""
    try:
        fmt = detect(data)
        if fmt == mhtml.FORMAT:
            draft = mhtml.read(data)
        elif fmt == html.FORMAT:
            draft = html.read(data)
        elif fmt in (markdown.FORMAT, markdown.TEXT_FORMAT):
            draft = markdown.read(data, fmt)
        else:
            draft = kbtext.read(data)
        article = finish(draft)
    except IngestError:
        raise
    except RecursionError:
        raise IngestError("markup nested too deeply to read") from None
    except Exception as exc:  # a reader bug must not stop a batch: report it as this file's
        raise IngestError(f"could not be read ({type(exc).__name__}: {exc})") from exc
    article.source = Source(path=name, format=draft.format, sha256=sha256(data))
    return article


def read_file(path: str | os.PathLike[str]) -> Article:
    return read_bytes(load(path), str(path))


def load(path: str | os.PathLike[str]) -> bytes:
    """Read a file's bytes, refusing what is not a regular file or is too large."""
    try:
        if os.path.isdir(path):
            raise IngestError("is a directory")
        size = os.path.getsize(path)
        if size > MAX_BYTES:
            raise IngestError(
                f"file is {size / 2**20:.1f} MB; one KB article is at most {MAX_BYTES // 2**20} MB"
            )
        with open(path, "rb") as handle:
            # At most MAX_BYTES + 1 bytes, as one read of that size gives, without asking
            # for a buffer of that size for every small file.
            data = handle.read(size + 1)
            if len(data) > size:  # it grew since
                data += handle.read(MAX_BYTES + 1 - len(data))
            return data
    except OSError as exc:
        raise IngestError(f"cannot read: {exc.strerror or exc}") from None


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def safe_name(name: str) -> str:
    """A file name that is safe to store: no directories, no control characters."""
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", os.path.basename(name)).strip("._") or "article"
    return base[:100]
