"""Error-code normalisation, shared by extraction, indexing and querying.

Symbolic names (``WSANO_DATA``, ``E_FAIL``, ``ERROR_ACCESS_DENIED``) come from
``kb/data/winerror.tsv``, generated from the winerror.h of Debian's mingw-w64-common
by ``scripts/gen_winerror.py``.

One code is printed many ways: ``11004``, ``0x2AFC``, ``0x00002afc``, ``2AFC`` (as a
hex code), and its HRESULT ``0x80072AFC``. Everything here reduces a notation to
*values* (unsigned 32-bit integers) so that all notations of one code meet. Codes that
are not numbers at all (the linker's ``L1073``, the compiler's ``C2065``) keep their
printed form, lower-cased, as their key.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

MASK32 = 0xFFFFFFFF
_WIN32_FACILITY = 0x80070000

_DECIMAL = re.compile(r"^[-+]?\d+$")
_HEX_0X = re.compile(r"^[-+]?0x([0-9a-f]+)$", re.IGNORECASE)
_BARE_HEX = re.compile(r"^[0-9a-f]+$", re.IGNORECASE)
_SYMBOLIC = re.compile(r"^[A-Z]{1,4}\d{3,5}$", re.IGNORECASE)


def to_unsigned(value: int) -> int | None:
    """Map a signed or unsigned 32-bit integer to its unsigned form; None if out of range."""
    if -(1 << 31) <= value <= MASK32:
        return value & MASK32
    return None


def to_signed(value: int) -> int:
    value &= MASK32
    return value - (1 << 32) if value & 0x80000000 else value


def related_values(value: int) -> set[int]:
    """The value itself plus the Win32 code <-> HRESULT_FROM_WIN32 counterpart."""
    values = {value}
    if 0 < value <= 0xFFFF:
        values.add(_WIN32_FACILITY | value)
    elif value & 0xFFFF0000 == _WIN32_FACILITY:
        values.add(value & 0xFFFF)
    return values


def interpret(text: str) -> set[int]:
    """Every value a user could mean by ``text`` (empty if it is not a numeric code).

    A run of exactly eight digits is read both as decimal and as hexadecimal, because
    KB articles print HRESULTs such as ``80004005`` without the ``0x``.
    """
    text = text.strip().rstrip(".,:;)").lstrip("(")
    values: set[int] = set()
    hex_match = _HEX_0X.match(text)
    if hex_match:
        value = int(hex_match.group(1), 16)
        if text.startswith("-"):
            value = -value
        unsigned = to_unsigned(value)
        if unsigned is not None:
            values.add(unsigned)
        return values
    if _DECIMAL.match(text):
        unsigned = to_unsigned(int(text))
        if unsigned is not None:
            values.add(unsigned)
        digits = text.lstrip("+-")
        if len(digits) == 8 and not text.startswith("-"):
            values.add(int(digits, 16))
        return values
    if _BARE_HEX.match(text) and len(text) <= 8 and re.search(r"[a-f]", text, re.IGNORECASE):
        values.add(int(text, 16))
    return values


@lru_cache(maxsize=1)
def _catalog() -> tuple[dict[str, int], dict[int, tuple[str, ...]]]:
    by_name: dict[str, int] = {}
    by_value: dict[int, list[str]] = {}
    path = Path(__file__).parent / "data" / "winerror.tsv"
    for line in path.read_text(encoding="ascii").splitlines():
        if line.startswith("#") or "\t" not in line:
            continue
        name, value = line.split("\t")
        by_name[name] = int(value, 16)
        by_value.setdefault(int(value, 16), []).append(name)
    return by_name, {v: tuple(n) for v, n in by_value.items()}


def value_of_name(name: str) -> int | None:
    """WSANO_DATA -> 11004 (case-insensitive); None for names winerror.h lacks."""
    return _catalog()[0].get(name.strip().upper())


def names_of(value: int) -> tuple[str, ...]:
    """11004 -> ('WSANO_DATA',); the Win32 code and its HRESULT share names."""
    by_value = _catalog()[1]
    return tuple(
        dict.fromkeys(n for v in sorted(related_values(value)) for n in by_value.get(v, ()))
    )


_NAME_IN_TEXT = re.compile(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]{2,}\b")


def names_in_text(text: str) -> dict[str, int]:
    """Symbolic error names a text mentions, with their values (0, success, left out)."""
    by_name = _catalog()[0]
    found = {}
    for name in set(_NAME_IN_TEXT.findall(text)):
        value = by_name.get(name)
        if value:
            found[name] = value
    return found


def symbolic_key(text: str) -> str | None:
    """Key of a non-numeric code like ``L1073`` or ``C2065``, else None."""
    text = text.strip()
    return text.lower() if _SYMBOLIC.match(text) else None


def index_keys(code: str, value: int | None) -> list[str]:
    """Terms stored in the index for one extracted code: one per value it can meet."""
    if value is None:
        key = symbolic_key(code) or code.lower()
        return [key]
    return sorted(str(v) for v in related_values(value))


def query_keys(text: str) -> list[str]:
    """Terms to look up for what a user typed; the same space as :func:`index_keys`."""
    keys: set[str] = set()
    values = interpret(text)
    named = value_of_name(text) if not values else None
    if named is not None:
        values = {named}
    for value in values:
        keys.update(str(v) for v in related_values(value))
    symbolic = symbolic_key(text)
    if symbolic:
        keys.add(symbolic)
    return sorted(keys)


def notations(value: int) -> list[str]:
    """Every usual printed form of a value, for display and for full-text matching."""
    forms = [str(value)]
    signed = to_signed(value)
    if signed != value:
        forms.append(str(signed))
    forms += [f"0x{value:X}", f"0x{value:08X}"]
    if value > 0xFFFF:
        forms.append(f"{value:08X}")
    if 0 < value <= 0xFFFF:
        forms.append(f"0x{_WIN32_FACILITY | value:08X} (HRESULT)")
    return list(dict.fromkeys(forms))


def canonical(printed: str) -> tuple[str, int | None]:
    """The canonical code string and value for a code as printed in an article.

    Hex prints become lower-case ``0x`` + the printed digits (leading zeros kept, as
    the gold labels do); decimals stay decimal; symbolic codes stay as printed.
    """
    text = printed.strip()
    hex_match = _HEX_0X.match(text)
    if hex_match:
        digits = hex_match.group(1).lower()
        return f"0x{digits}", to_unsigned(int(digits, 16))
    if _DECIMAL.match(text):
        return str(int(text)), to_unsigned(int(text))
    if _BARE_HEX.match(text) and len(text) == 8:
        return f"0x{text.lower()}", int(text, 16)
    return text, None
