"""The crash registry: every core triaged, grouped by fingerprint, in one SQLite file.

The schema is versioned with ``PRAGMA user_version`` and brought up to date by the migrations
below when a file is opened; each core is recorded in its own transaction, so an interrupted
run leaves every core either fully recorded or not at all.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, fields
from datetime import datetime, timezone
from pathlib import Path

from pydantic import BaseModel, Field

from ._elf import StrPath
from ._errors import RegistryError
from ._schema import CrashReport

__all__ = ["CoreRecord", "CrashGroup", "CrashRegistry"]

# Each entry brings the schema from version i to i + 1; never edit one that has shipped.
_MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE cores (
        path          TEXT PRIMARY KEY,
        size          INTEGER NOT NULL,
        mtime_ns      INTEGER NOT NULL,
        crashed_at    TEXT NOT NULL,
        recorded_at   TEXT NOT NULL,
        status        TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
        executable    TEXT,
        program       TEXT,
        go_version    TEXT,
        build_id      TEXT,
        delve_version TEXT,
        fingerprint   TEXT,
        reason        TEXT,
        location      TEXT,
        error         TEXT,
        report        TEXT
    );
    CREATE INDEX cores_fingerprint ON cores (fingerprint);
    """,
    # 2: the program's own version (main module version or VCS revision), next to Go's.
    """
    ALTER TABLE cores ADD COLUMN program_version TEXT;
    """,
)
SCHEMA_VERSION = len(_MIGRATIONS)


class CrashGroup(BaseModel):
    """The cores of one bug: every recorded crash with the same fingerprint."""

    fingerprint: str = Field(description="The crash site's fingerprint (see CrashReport).")
    count: int = Field(description="How many cores have it.")
    first_seen: str = Field(description="When the oldest of them was written (ISO 8601, UTC).")
    last_seen: str = Field(description="When the newest of them was written (ISO 8601, UTC).")
    reason: str | None = Field(description="What ended the program, from the newest core.")
    location: str | None = Field(description="The culprit frame (function file:line).")
    programs: list[str] = Field(description="The programs that crashed so.")
    versions: list[str] = Field(
        description="Their versions: main module version, else VCS revision (when known)."
    )
    go_versions: list[str] = Field(description="The Go releases that built them.")
    build_ids: list[str] = Field(description="Their builds.")
    exemplar: str = Field(description="The newest core of the group: the one to open.")


@dataclass(frozen=True)
class CoreRecord:
    """One core's outcome, as the triage run hands it to the registry."""

    path: str
    size: int
    mtime_ns: int
    executable: str | None = None
    program: str | None = None
    program_version: str | None = None
    go_version: str | None = None
    build_id: str | None = None
    delve_version: str | None = None
    fingerprint: str | None = None
    reason: str | None = None
    location: str | None = None
    error: str | None = None
    report: str | None = None


def _iso(ns: int | None = None) -> str:
    when = (
        datetime.now(timezone.utc) if ns is None else datetime.fromtimestamp(ns / 1e9, timezone.utc)
    )
    return when.isoformat(timespec="seconds")


class CrashRegistry(AbstractContextManager["CrashRegistry"]):
    """A crash registry file (created on first use); use it as a context manager."""

    def __init__(self, path: StrPath) -> None:
        self.path = Path(os.fspath(path))
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise RegistryError(
                f"{self.path} is not a dlvclient crash registry ({exc}): pass another --db FILE"
            ) from None
        except OSError as exc:
            raise RegistryError(f"cannot create the registry {self.path}: {exc}") from None

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise RegistryError(
                f"{self.path} has schema version {version}, newer than this dlvclient's "
                f"({SCHEMA_VERSION}): upgrade dlvclient"
            )
        self._db.execute("PRAGMA journal_mode=WAL")
        for number in range(version, SCHEMA_VERSION):
            # executescript commits first; BEGIN makes the step and its version one transaction.
            self._db.executescript(
                f"BEGIN; {_MIGRATIONS[number]} PRAGMA user_version = {number + 1}; COMMIT;"
            )

    def close(self) -> None:
        """Close the file."""
        self._db.close()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def is_recorded(self, path: str, size: int, mtime_ns: int, *, failed_too: bool = True) -> bool:
        """True when this very core (same path, size and mtime) is in the registry already."""
        row = self._db.execute(
            "SELECT status FROM cores WHERE path = ? AND size = ? AND mtime_ns = ?",
            (path, size, mtime_ns),
        ).fetchone()
        return row is not None and (failed_too or row[0] == "ok")

    def record(self, rec: CoreRecord) -> None:
        """Record one core's outcome (replacing an earlier record of the same path)."""
        status = "ok" if rec.error is None else "failed"
        row = {
            **{f.name: getattr(rec, f.name) for f in fields(rec)},
            "crashed_at": _iso(rec.mtime_ns),
            "recorded_at": _iso(),
            "status": status,
        }
        columns = ", ".join(row)
        marks = ", ".join(f":{name}" for name in row)
        self._db.execute(f"INSERT OR REPLACE INTO cores ({columns}) VALUES ({marks})", row)

    def groups(self) -> list[CrashGroup]:
        """Every fingerprint with its cores' count, dates and builds; the largest first."""
        rows = self._db.execute(
            "SELECT fingerprint, COUNT(*), MIN(crashed_at), MAX(crashed_at) FROM cores "
            "WHERE status = 'ok' GROUP BY fingerprint ORDER BY COUNT(*) DESC, MAX(crashed_at) DESC"
        ).fetchall()
        return [self._group(*row) for row in rows]

    def _group(self, fingerprint: str, count: int, first: str, last: str) -> CrashGroup:
        newest = self._db.execute(
            "SELECT path, reason, location FROM cores WHERE status = 'ok' AND fingerprint = ? "
            "ORDER BY crashed_at DESC, path LIMIT 1",
            (fingerprint,),
        ).fetchone()
        return CrashGroup(
            fingerprint=fingerprint,
            count=count,
            first_seen=first,
            last_seen=last,
            reason=newest[1],
            location=newest[2],
            programs=self._distinct("program", fingerprint),
            versions=self._distinct("program_version", fingerprint),
            go_versions=self._distinct("go_version", fingerprint),
            build_ids=self._distinct("build_id", fingerprint),
            exemplar=newest[0],
        )

    def _distinct(self, column: str, fingerprint: str) -> list[str]:
        rows = self._db.execute(
            f"SELECT DISTINCT {column} FROM cores WHERE status = 'ok' AND fingerprint = ? "
            f"AND {column} IS NOT NULL ORDER BY {column}",
            (fingerprint,),
        )
        return [row[0] for row in rows]

    def cores(self, fingerprint: str) -> list[str]:
        """The cores of one group, newest first."""
        rows = self._db.execute(
            "SELECT path FROM cores WHERE status = 'ok' AND fingerprint = ? "
            "ORDER BY crashed_at DESC, path",
            (fingerprint,),
        )
        return [row[0] for row in rows]

    def report(self, core: StrPath) -> CrashReport | None:
        """The crash report recorded for ``core`` (None when it is not recorded or failed)."""
        row = self._db.execute(
            "SELECT report FROM cores WHERE path = ? AND status = 'ok'", (os.fspath(core),)
        ).fetchone()
        return CrashReport.model_validate_json(row[0]) if row and row[0] else None

    def failures(self) -> Iterator[tuple[str, str]]:
        """(core, error) of every core that could not be analysed."""
        yield from self._db.execute(
            "SELECT path, error FROM cores WHERE status = 'failed' ORDER BY path"
        )
