"""The capture list: every archived file, its hash, and the article it holds.

An SQLite table in ``.kb/captures.sqlite``: adding one capture to an archive of 58,000
costs a row, not a rewrite of the whole list, and a batch's rows become visible in one
transaction, committed only after the files they name are on disk.
"""

from __future__ import annotations

import sqlite3
from dataclasses import astuple, dataclass, fields
from pathlib import Path


@dataclass
class Capture:
    """One archived file of an article."""

    path: str  # relative to the workspace root, under articles/
    sha256: str
    number: int
    format: str
    revision: str | None = None
    modified: str | None = None
    added: float = 0.0
    origin: str | None = None  # where it came from (a path or URL and fetch time)

    def order_key(self) -> tuple:
        """Newest capture last: by revision number, then modified date, then time added."""
        try:
            revision = float(self.revision or "")
        except ValueError:
            revision = -1.0
        return (revision, self.modified or "", self.added)


_COLUMNS = [f.name for f in fields(Capture)]
_SCHEMA = """
CREATE TABLE IF NOT EXISTS captures (
    path TEXT PRIMARY KEY, sha256 TEXT NOT NULL, number INTEGER NOT NULL, format TEXT,
    revision TEXT, modified TEXT, added REAL, origin TEXT);
CREATE INDEX IF NOT EXISTS captures_sha ON captures (sha256);
CREATE INDEX IF NOT EXISTS captures_number ON captures (number);
"""


class CaptureStore:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, timeout=60)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(_SCHEMA)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> CaptureStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _rows(self, where: str = "", args: tuple = ()) -> list[Capture]:
        sql = f"SELECT {', '.join(_COLUMNS)} FROM captures {where}"
        return [Capture(*row) for row in self.db.execute(sql, args)]

    def all(self) -> dict[str, Capture]:
        return {c.path: c for c in self._rows()}

    def shas(self) -> frozenset[str]:
        return frozenset(row[0] for row in self.db.execute("SELECT sha256 FROM captures"))

    def by_sha(self, sha: str) -> Capture | None:
        found = self._rows("WHERE sha256 = ? LIMIT 1", (sha,))
        return found[0] if found else None

    def of(self, number: int) -> list[Capture]:
        """An article's captures, newest first."""
        return sorted(
            self._rows("WHERE number = ?", (number,)), key=Capture.order_key, reverse=True
        )

    def numbers_with_several(self) -> set[int]:
        """Articles archived in more than one capture."""
        sql = "SELECT number FROM captures GROUP BY number HAVING count(*) > 1"
        return {row[0] for row in self.db.execute(sql)}

    def add(self, capture: Capture) -> None:
        marks = ", ".join("?" for _ in _COLUMNS)
        self.db.execute(f"INSERT OR REPLACE INTO captures VALUES ({marks})", astuple(capture))

    def remove(self, path: str) -> None:
        self.db.execute("DELETE FROM captures WHERE path = ?", (path,))

    def clear(self) -> None:
        self.db.execute("DELETE FROM captures")

    def commit(self) -> None:
        self.db.commit()
