"""The crash registry: groups, reruns, schema versions, files that are not one."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from dlvclient._errors import RegistryError
from dlvclient._registry import _MIGRATIONS, SCHEMA_VERSION, CoreRecord, CrashRegistry

# --- the registry ------------------------------------------------------------------------------

_DAY = 86_400 * 10**9


def _ok(path: str, fingerprint: str, day: int, program: str = "server") -> CoreRecord:
    return CoreRecord(
        path, 1000, day * _DAY, program=program, go_version="1.26.8",
        fingerprint=fingerprint, reason="panic: boom", location="main.f main.go:3",
    )  # fmt: skip


def test_registry_groups_by_fingerprint_largest_first(tmp_path: Path) -> None:
    with CrashRegistry(tmp_path / "r.db") as registry:
        registry.record(_ok("/c/1", "aaa", 1))
        registry.record(_ok("/c/2", "bbb", 2))
        registry.record(_ok("/c/3", "bbb", 5, program="worker"))
        registry.record(CoreRecord("/c/4", 10, 0, error="InvalidTargetError: truncated"))
        groups = registry.groups()
        failures = list(registry.failures())
    assert [(g.fingerprint, g.count) for g in groups] == [("bbb", 2), ("aaa", 1)]
    bbb = groups[0]
    assert bbb.first_seen.startswith("1970-01-03")
    assert bbb.last_seen.startswith("1970-01-06")
    assert bbb.exemplar == "/c/3"
    assert bbb.programs == ["server", "worker"]
    assert failures == [("/c/4", "InvalidTargetError: truncated")]


def test_registry_survives_reopening_and_knows_what_it_recorded(tmp_path: Path) -> None:
    with CrashRegistry(tmp_path / "r.db") as registry:
        registry.record(_ok("/c/1", "aaa", 1))
        registry.record(CoreRecord("/c/2", 10, 7, error="boom"))
    with CrashRegistry(tmp_path / "r.db") as registry:
        assert registry.is_recorded("/c/1", 1000, _DAY)
        assert not registry.is_recorded("/c/1", 1000, 2 * _DAY)  # a new core at the same path
        assert registry.is_recorded("/c/2", 10, 7)
        assert not registry.is_recorded("/c/2", 10, 7, failed_too=False)
        assert [g.count for g in registry.groups()] == [1]


def test_registry_schema_is_versioned(tmp_path: Path) -> None:
    CrashRegistry(tmp_path / "r.db").close()
    with sqlite3.connect(tmp_path / "r.db") as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(RegistryError, match="newer than this dlvclient"):
        CrashRegistry(tmp_path / "r.db")


def test_registry_refuses_a_file_that_is_not_one(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a database\n" * 100)
    with pytest.raises(RegistryError, match="is not a dlvclient crash registry"):
        CrashRegistry(tmp_path / "notes.txt")


def test_a_version_1_registry_is_migrated_in_place(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    with sqlite3.connect(db) as conn:
        conn.executescript(_MIGRATIONS[0] + "PRAGMA user_version = 1;")
        conn.execute(
            "INSERT INTO cores (path, size, mtime_ns, crashed_at, recorded_at, status, program, "
            "fingerprint) VALUES ('/c/old', 1, 0, '1970-01-01T00:00:00+00:00', 'then', 'ok', "
            "'server', 'aaa')"
        )
    conn.close()
    with CrashRegistry(db) as registry:
        registry.record(CoreRecord("/c/new", 2, _DAY, program="server", program_version="v1.2.0",
                                   fingerprint="aaa"))  # fmt: skip
        (group,) = registry.groups()
    assert (group.count, group.versions, group.exemplar) == (2, ["v1.2.0"], "/c/new")
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
    conn.close()
