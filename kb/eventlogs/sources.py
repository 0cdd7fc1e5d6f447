"""Event source names across the years, from the data file ``sources.tsv`` beside this
module: "Service Control Manager" is also "Microsoft-Windows-Service Control Manager",
"Microsoft-Windows-DistributedCOM" is "DCOM", "Microsoft-Windows-X" is "X"."""

from __future__ import annotations

from functools import cache
from pathlib import Path

TABLE = Path(__file__).with_name("sources.tsv")
PREFIX = "microsoft-windows-"


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


@cache
def _groups() -> dict[str, tuple[str, ...]]:
    groups: dict[str, tuple[str, ...]] = {}
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0]
        names = tuple(n.strip() for n in line.split("\t") if n.strip())
        for name in names:
            groups[_key(name)] = names
    return groups


def _short(key: str) -> str:
    return key[len(PREFIX) :] if key.startswith(PREFIX) else key


def canonical(source: str) -> str:
    """One key for every name of a source (for grouping events)."""
    key = _key(source)
    names = _groups().get(key) or _groups().get(_short(key)) or _groups().get(PREFIX + key)
    return _short(_key(names[0])) if names else _short(key)


def names_for(source: str) -> list[str]:
    """The names to look a source up under: the name itself first, then its others."""
    key = _key(source)
    if not key:
        return []
    names = _groups().get(key) or _groups().get(_short(key)) or _groups().get(PREFIX + key) or ()
    found = [source.strip(), *names]
    found += [n.strip()[len(PREFIX) :] for n in found if _key(n).startswith(PREFIX)]
    seen: dict[str, str] = {}
    for name in found:
        seen.setdefault(_key(name), name)
    return list(seen.values())


__all__ = ["canonical", "names_for"]
