"""Bytes to text for archived pages of any decade: never fails, never guesses wildly.

Order of evidence: a byte-order mark, a charset the document declares (``<meta>`` or
an HTTP-style header), strict UTF-8, then the two code pages old KB files really use:
Windows-1252 and, for DOS-era files with box drawing or bytes 1252 leaves undefined,
code page 437.
"""

from __future__ import annotations

import codecs
import re

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_DECLARED = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})""", re.IGNORECASE)
_CP1252_UNDEFINED = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")
_BOX_DRAWING_RUN = re.compile(rb"[\xb0-\xdf]{3,}")
_ALIASES = {
    "iso-8859-1": "cp1252",
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "windows-1252": "cp1252",
    "x-user-defined": "cp1252",
}


def declared_encoding(data: bytes) -> str | None:
    """The charset a document declares in its first 4 KB, if Python knows it."""
    head = data[:4096]
    # The pattern ignores case as bytes do (ASCII letters only): a head whose lower case
    # lacks the word holds no declaration, and the pattern need not scan it.
    if b"charset" not in head.lower():
        return None
    match = _DECLARED.search(head)
    if not match:
        return None
    name = match.group(1).decode("ascii", "replace").lower()
    name = _ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def legacy_encoding(data: bytes) -> str:
    """Windows-1252 unless the bytes only make sense as code page 437."""
    if _CP1252_UNDEFINED.search(data) or _BOX_DRAWING_RUN.search(data):
        return "cp437"
    return "cp1252"


def decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Return ``(text, encoding used)``. Undecodable bytes become U+FFFD, never an error."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(name, "replace"), name
    declared = declared or declared_encoding(data)
    if declared and codecs.lookup(declared).name not in ("utf-8", "cp1252"):
        try:
            return data.decode(declared), declared
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if declared == "utf-8":
        # Declared UTF-8 but invalid: keep the valid parts rather than guess a code page.
        return data.decode("utf-8", "replace"), "utf-8"
    name = legacy_encoding(data)
    return data.decode(name, "replace"), name
