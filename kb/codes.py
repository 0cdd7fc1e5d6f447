"""Error-code normalisation, shared by extraction, indexing and querying.

One code is printed many ways: ``11004``, ``0x2AFC``, ``0x00002afc``, ``2AFC`` (as a
hex code), and its HRESULT ``0x80072AFC``. Everything here reduces a notation to
*values* (unsigned 32-bit integers) so that all notations of one code meet. Codes that
are not numbers at all keep their printed form, lower-cased, as their key.

The families understood, each with the notations that meet:

- Win32, HRESULT, NTSTATUS and LAN Manager codes: ``11004``, ``0x80004005``,
  ``-2147467259``, ``c0000005``, ``2140``, ``%%233`` (an unexpanded message insert).
- Bug-check (STOP) codes: ``STOP 0x0000001E``, ``Stop: 0x1E``, ``0x1E`` and the name
  ``KMODE_EXCEPTION_NOT_HANDLED`` (by value: a bug check shares its number with the
  Win32 code of that number, as ``kb error 30`` cannot tell which was meant).
- Compiler, linker and tool diagnostics: ``C2065``, ``error LNK2001``, ``fatal error
  C1083``, ``BC30451``, ``CS0246``, ``RC2135``, ``MIDL2025`` (key: the code, lower-case).
- Product-prefixed numbers: ``ASP 0115`` (key ``asp0115``), SQL Server ``Msg 823``,
  Jet/ESE ``-1018``, Visual Basic ``Run-time error '76'`` (their number), HTTP statuses
  ``HTTP 500`` (its number) and ``HTTP Error 500.19`` (key ``http500.19``).
- Symbolic names from real catalogs, generated from the headers of Debian's
  mingw-w64-common by ``scripts/gen_winerror.py`` and ``scripts/gen_catalogs.py``:
  winerror.h, ntstatus.h, lmerr.h (NERR_*), bugcodes.h, esent.h (JET_err*) and
  mapicode.h (MAPI_E_*). They are read lazily, on the first name looked up.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from pathlib import Path

MASK32 = 0xFFFFFFFF
_WIN32_FACILITY = 0x80070000

_DECIMAL = re.compile(r"^[-+]?\d+$")
_HEX_0X = re.compile(r"^[-+]?0x([0-9a-f]+)$", re.IGNORECASE)
_BARE_HEX = re.compile(r"^[0-9a-f]+$", re.IGNORECASE)
_SYMBOLIC = re.compile(r"^[A-Z]{1,4}\d{3,5}$", re.IGNORECASE)
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]+")

# Catalogs in the order their names are shown, with the family each one names.
CATALOGS = {
    "winerror": "Win32 error / HRESULT",
    "ntstatus": "NTSTATUS",
    "lmerr": "LAN Manager (NERR) error",
    "bugcodes": "bug-check (STOP) code",
    "esent": "Jet/ESE error",
    "mapicode": "MAPI error",
}
# Prefixes of the diagnostics of Microsoft's compilers, linkers and build tools.
TOOL_PREFIXES = frozenset(
    [
        "C",
        "LNK",
        "L",
        "A",
        "U",
        "D",
        "F",
        "R",
        "M",
        "BC",
        "CS",
        "RC",
        "MIDL",
        "CVT",
        "CVTRES",
        "CXX",
        "CV",
        "RW",
        "HC",
        "PRJ",
        "MSB",
        "BK",
        "AL",
        "JS",
        "VJS",
        "NMAKE",
        "LIB",
        "DX",
        "SYS",
        "NET",
    ]
)

FAMILY_NAMES = {
    "numeric": "Win32 error / HRESULT / NTSTATUS code",
    "bugcheck": "bug-check (STOP) code",
    "tool": "compiler, linker or tool diagnostic",
    "asp": "ASP error",
    "sql": "SQL Server error",
    "jet": "Jet/ESE error",
    "vb": "Visual Basic run-time error",
    "http": "HTTP status",
    "product": "product message ID",
}


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
    KB articles print HRESULTs such as ``80004005`` without the ``0x``. Family notations
    (``STOP 0x1E``, ``Msg 823``, ``%%233``) are read as their number.
    """
    parsed = _parse(text)
    if parsed is None:
        return set()
    return set(parsed[1])


def _plain_values(text: str) -> set[int]:
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
    if (
        _BARE_HEX.match(text)
        and len(text) <= 8
        and re.search(r"[a-f]", text, re.IGNORECASE)
        and not _SYMBOLIC.match(text)  # C2065, A2009, BC30451 are diagnostics, not hex
    ):
        values.add(int(text, 16))
    return values


# ------------------------------------------------------------------- family notations

_Q = "['\"\u2018\u2019\u201c\u201d]?"
_NOTATIONS: list[tuple[str, re.Pattern[str]]] = [
    (
        "bugcheck",
        re.compile(
            r"^(?:stop|bug\s*check)(?:\s+(?:error|code))?\s*[:#]?\s*(?:0x)?(?P<hex>[0-9a-f]{1,8})$",
            re.I,
        ),
    ),
    (
        "http",
        re.compile(
            r"^http(?:/1\.[01])?(?:\s+(?:error|status(?:\s+code)?))?\s*:?\s*"
            r"(?P<status>[1-5]\d\d)(?:\.(?P<sub>\d{1,3}))?$",
            re.I,
        ),
    ),
    ("http", re.compile(r"^(?P<status>[45]\d\d)\.(?P<sub>\d{1,3})$")),
    ("asp", re.compile(rf"^{_Q}asp\s*(?:error\s*)?(?P<num>\d{{4}}){_Q}$", re.I)),
    (
        "sql",
        re.compile(
            r"^(?:(?:err(?:or)?\s+)?msg|sql(?:\s+server)?\s+(?:error|msg))\s*:?\s*(?P<dec>-?\d{1,6})$",
            re.I,
        ),
    ),
    (
        "jet",
        re.compile(r"^(?:jet|ese|esent)(?:\s+error)?\s*:?\s*(?P<dec>-\d{1,6})$", re.I),
    ),
    (
        "vb",
        re.compile(rf"^run-?\s?time\s+error\s*:?\s*{_Q}(?P<dec>-?\d{{1,10}}){_Q}$", re.I),
    ),
    ("numeric", re.compile(r"^%%(?P<dec>\d{1,10})$")),
    (
        "tool",
        re.compile(
            r"^(?:(?:fatal\s+)?(?:compiler\s+|linker\s+)?(?:error|warning)(?:\s*:\s*|\s+))"
            r"(?P<sym>[A-Z]{1,6}\d{3,5})$",
            re.I,
        ),
    ),
    (
        "generic",
        re.compile(
            r"^(?:error(?:\s+(?:code|number))?|hresult|nt\s+error|win32\s+error|status"
            r"(?:\s+code)?|exception(?:\s+code)?|return\s+code|exit\s+code)(?:\s*[:#=]\s*|\s+)(?P<rest>\S+)$",
            re.I,
        ),
    ),
]


@lru_cache(maxsize=4096)
def _parse(text: str) -> tuple[str, tuple[int, ...], str | None] | None:
    """(family, values, symbolic key) for a printed or typed code; None if not a code."""
    text = " ".join(text.split()).strip(".,;)(").strip()
    if not text:
        return None
    for family, pattern in _NOTATIONS:
        match = pattern.match(text)
        if not match:
            continue
        groups = match.groupdict()
        if groups.get("hex"):
            return family, (int(groups["hex"], 16),), None
        if groups.get("status"):
            if groups.get("sub"):
                return family, (), f"http{groups['status']}.{int(groups['sub'])}"
            return family, (int(groups["status"]),), None
        if groups.get("num"):
            return family, (), f"asp{groups['num']}"
        if groups.get("dec"):
            value = to_unsigned(int(groups["dec"]))
            return (family, (value,), None) if value is not None else None
        if groups.get("sym"):
            return family, (), groups["sym"].lower()
        if groups.get("rest"):
            inner = _parse(groups["rest"])
            return inner
    if _SYMBOLIC.match(text):
        prefix = re.match(r"[A-Za-z]+", text).group(0).upper()
        family = "asp" if prefix == "ASP" else "tool" if prefix in TOOL_PREFIXES else "product"
        return family, (), text.lower()
    values = _plain_values(text)
    if values:
        return "numeric", tuple(sorted(values)), None
    if _NAME.fullmatch(text):
        found = _name_lookup(text)
        if found is not None:
            catalog, value = found
            family = {"bugcodes": "bugcheck", "esent": "jet"}.get(catalog, "numeric")
            return family, (value,), None
    return None


# ---------------------------------------------------------------------------- catalogs


@cache
def _catalog(name: str = "winerror") -> tuple[dict[str, int], dict[int, tuple[str, ...]]]:
    """One generated catalog: upper-cased name -> value, value -> names as printed."""
    by_name: dict[str, int] = {}
    by_value: dict[int, list[str]] = {}
    path = Path(__file__).parent / "data" / f"{name}.tsv"
    for line in path.read_text(encoding="ascii").splitlines():
        if line.startswith("#") or "\t" not in line:
            continue
        symbol, value = line.split("\t")
        by_name.setdefault(symbol.upper(), int(value, 16))
        by_value.setdefault(int(value, 16), []).append(symbol)
    return by_name, {v: tuple(n) for v, n in by_value.items()}


def _catalogs_for(name: str) -> tuple[str, ...]:
    """The catalogs worth reading for a name (by its prefix), most likely first."""
    upper = name.upper()
    if upper.startswith("JET_"):
        return ("esent",)
    if upper.startswith("NERR_"):
        return ("lmerr",)
    if upper.startswith("MAPI_"):
        return ("mapicode", "winerror")
    if upper.startswith("STATUS_"):
        return ("ntstatus", "winerror", "bugcodes")
    return tuple(CATALOGS)


@cache
def _catalog_text(name: str) -> str:
    """A catalog file upper-cased, each line after a newline: a few names are found in
    it faster than the dictionaries are built (a cold ``kb error`` needs one or two)."""
    path = Path(__file__).parent / "data" / f"{name}.tsv"
    return "\n" + path.read_text(encoding="ascii").upper()


_SCANS_BEFORE_LOADING = 32
_scans = 0


def _name_lookup(name: str) -> tuple[str, int] | None:
    global _scans
    upper = name.strip().upper()
    for catalog in _catalogs_for(upper):
        if _scans < _SCANS_BEFORE_LOADING and "\t" not in upper and "\n" not in upper:
            _scans += 1
            text = _catalog_text(catalog)
            start = text.find(f"\n{upper}\t")  # the first line of a name, as setdefault
            if start < 0:
                continue
            start += len(upper) + 2
            end = text.find("\n", start)
            return catalog, int(text[start : end if end >= 0 else len(text)], 16)
        value = _catalog(catalog)[0].get(upper)
        if value is not None:
            return catalog, value
    return None


def value_of_name(name: str) -> int | None:
    """WSANO_DATA -> 11004, KMODE_EXCEPTION_NOT_HANDLED -> 0x1E (case-insensitive);
    None for names no catalog has."""
    found = _name_lookup(name)
    return found[1] if found else None


def named_values(value: int) -> list[tuple[str, str]]:
    """(family, name) of every catalog name of ``value`` (and its Win32/HRESULT twin)."""
    found: list[tuple[str, str]] = []
    for catalog, family in CATALOGS.items():
        by_value = _catalog(catalog)[1]
        for v in sorted(related_values(value)):
            found += [(family, n) for n in by_value.get(v, ())]
    return list(dict.fromkeys(found))


def names_of(value: int) -> tuple[str, ...]:
    """11004 -> ('WSANO_DATA',); the Win32 code and its HRESULT share names. Names come
    from every catalog, winerror.h first (0x1E: ERROR_READ_FAULT, then the bug check
    KMODE_EXCEPTION_NOT_HANDLED)."""
    return tuple(dict.fromkeys(name for _, name in named_values(value)))


_NAME_IN_TEXT = re.compile(
    r"\b(?:[A-Z][A-Z0-9]*_[A-Z0-9_]{2,}|JET_(?:err|wrn)[A-Za-z0-9_]+|NERR_[A-Za-z0-9_]+)\b"
)


def names_in_text(text: str) -> dict[str, int]:
    """Symbolic error names a text mentions, with their values (0, success, left out)."""
    found = {}
    for name in set(_NAME_IN_TEXT.findall(text)):
        value = value_of_name(name)
        if value:
            found[name] = value
    return found


def name_matching(text: str, keys: set[str]) -> str | None:
    """The first symbolic name in ``text`` whose value has one of the index ``keys``
    (the snippet of a code hit that matched by name: "WSANO_DATA" for 11004)."""
    for match in _NAME_IN_TEXT.finditer(text):
        value = value_of_name(match.group(0))
        if value and set(index_keys(match.group(0), value)) & keys:
            return match.group(0)
    return None


# ------------------------------------------------------------------ keys and notations


def symbolic_key(text: str) -> str | None:
    """Key of a non-numeric code like ``L1073``, ``C2065`` or ``ASP 0115``, else None."""
    parsed = _parse(text)
    return parsed[2] if parsed else None


def family_of(text: str) -> str | None:
    """What a code means, in words, for messages: ``STOP 0x1E`` -> 'bug-check (STOP)
    code KMODE_EXCEPTION_NOT_HANDLED', ``C4700`` -> 'compiler, linker or tool
    diagnostic'; None if ``text`` is no code."""
    parsed = _parse(text)
    if parsed is None:
        return None
    family, values, _ = parsed
    if _NAME.fullmatch(text.strip()):
        catalog, _value = _name_lookup(text) or ("winerror", 0)
        return f"{CATALOGS[catalog]} {text.strip()}"
    named = [pair for v in values for pair in named_values(v)]
    if family == "bugcheck":
        named = [p for p in named if p[0] == CATALOGS["bugcodes"]]
    if family in ("bugcheck", "jet", "numeric") and named:
        return "; ".join(f"{fam} {name}" for fam, name in named[:3])
    if family == "numeric" and values:
        value = values[-1] if len(values) > 1 else values[0]
        if value >= 0xC0000000:
            return "NTSTATUS / HRESULT code"
    return FAMILY_NAMES[family if family != "generic" else "numeric"]


def index_keys(code: str, value: int | None) -> list[str]:
    """Terms stored in the index for one extracted code: one per value it can meet."""
    if value is None:
        return query_keys(code) or [code.lower()]
    return sorted(str(v) for v in related_values(value))


def query_keys(text: str) -> list[str]:
    """Terms to look up for what a user typed; the same space as :func:`index_keys`."""
    parsed = _parse(text)
    if parsed is None:
        return []
    _, values, symbolic = parsed
    keys: set[str] = set()
    for value in values:
        keys.update(str(v) for v in related_values(value))
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
    the gold labels do; ``STOP 0x0000001E`` -> ``0x0000001e``); decimals stay decimal
    (``Msg 823`` -> ``823``, ``Run-time error '76'`` -> ``76``); diagnostics stay as
    printed (``fatal error C1083`` -> ``C1083``); ``ASP 0115`` -> ``ASP0115`` and
    ``HTTP Error 500.19`` -> ``500.19`` (no value: they are not Win32 numbers).
    """
    text = " ".join(printed.split())
    if _NAME.fullmatch(text):
        return text, value_of_name(text)
    hex_match = _HEX_0X.match(text)
    if hex_match:
        digits = hex_match.group(1).lower()
        return f"0x{digits}", to_unsigned(int(digits, 16))
    if _DECIMAL.match(text):
        return str(int(text)), to_unsigned(int(text))
    if _BARE_HEX.match(text) and len(text) == 8:
        return f"0x{text.lower()}", int(text, 16)
    generic = _NOTATIONS[-1][1].match(text)
    if generic:
        return canonical(generic.group("rest"))
    parsed = _parse(text)
    if parsed is None:
        return text, None
    family, values, symbolic = parsed
    if family == "bugcheck":
        digits = re.search(r"(?:0x)?([0-9a-f]{1,8})\W*$", text, re.I).group(1).lower()
        return f"0x{digits}", values[0]
    if family == "http":
        status = re.search(r"[1-5]\d\d(?:\.\d{1,3})?", text).group(0)
        return status, None
    if family == "asp":
        return f"ASP{symbolic[3:]}", None
    if symbolic:
        return re.search(r"[A-Za-z]{1,6}\d{3,5}\W*$", text).group(0).rstrip("'\"").upper(), None
    if text.startswith("%%"):
        return text, values[0]
    number = re.search(r"-?\d+(?=\W*$)", text)
    if number and values:
        return str(int(number.group(0))), values[0]
    return text, values[0] if values else None
