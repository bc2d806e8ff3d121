"""Fleets on real cores: the Delve each core needs, executables by build id (a build folder and
a real debuginfod server), ``dlvclient triage`` into the registry, and the Ray engine.

One fleet serves every test: a Go 1.26 crash (linked with a GNU build id, as debuginfod needs),
a Go 1.19 crash and a Go 1.27.3 one (its toolchain fetched through GOTOOLCHAIN), their builds
kept apart from their cores, and a truncated core.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import dlvclient
from dlvclient._capture import build_go_program, run_and_capture
from dlvclient._cli import main
from dlvclient._delve import choose_delve, install_delve
from dlvclient._elf import executable_build_ids
from dlvclient._errors import DelveInstallError, NoSuitableDelveError
from tests.support import PROGRAMS, Leg, in_ci, require_leg

pytestmark = pytest.mark.needs_dlv

# The Delve a Go 1.26 core needs: what the cache is filled with (scripts/_setup.sh pins it too).
CACHED_DELVE = "1.27.2"
# Only Debian's Delve 1.20.2 is on this PATH; Go is given to `delve install` by path.
BARE_PATH = "/usr/bin:/bin"
# A Go release newer than the current leg's, which Delve CACHED_DELVE reads too.
NEWEST_GO = "go1.27.3"


@dataclass(frozen=True)
class Fleet:
    builds: Path
    cores: Path
    new_exe: Path  # Go 1.26, with a GNU build id
    new_core: Path
    old_exe: Path  # Go 1.19
    old_core: Path
    broken_core: Path
    home: Path  # a $DLVCLIENT_HOME whose cache holds Delve CACHED_DELVE
    go: Path  # the current leg's Go


def _crash(
    leg: Leg,
    program: str,
    builds: Path,
    scene: Path,
    flags: tuple[str, ...] = (),
    toolchain: str = "local",
) -> None:
    exe = build_go_program(
        PROGRAMS / program,
        builds / (leg.name if toolchain == "local" else toolchain) / program,
        go=str(leg.go),
        extra_flags=flags,
        env={**os.environ, "GOTOOLCHAIN": toolchain},
    )
    scene.mkdir(parents=True)
    capture = run_and_capture([str(exe)], cwd=scene, timeout=60)
    assert capture.core is not None, capture.reason


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Fleet:
    current, bookworm = require_leg("current"), require_leg("bookworm")
    root = tmp_path_factory.mktemp("fleet")
    ran, cores = root / "ran", root / "cores"
    # -B gobuildid: the GNU build id debuginfod indexes, derived from Go's own.
    _crash(current, "nilptr", ran, cores / "api", ("-ldflags=-B=gobuildid",))
    _crash(bookworm, "nilmap", ran, cores / "legacy")
    # A third Go release, fetched by the go command itself (GOTOOLCHAIN).
    _crash(current, "panicerr", ran, cores / "edge", toolchain=NEWEST_GO)
    # Builds go to a store, as a pipeline keeps them: the paths the cores name are gone.
    builds = root / "builds"
    ran.rename(builds)
    new_exe, old_exe = builds / "current" / "nilptr", builds / "bookworm" / "nilmap"
    broken = cores / "broken" / "core"
    broken.parent.mkdir()
    data = (cores / "api" / "core").read_bytes()
    broken.write_bytes(data[: len(data) // 2])
    home = root / "home"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DLVCLIENT_HOME", str(home))
        install_delve(CACHED_DELVE, go=str(current.go))
    return Fleet(
        builds, cores, new_exe, cores / "api" / "core", old_exe, cores / "legacy" / "core",
        broken, home, current.go,
    )  # fmt: skip


@pytest.fixture
def bare_machine(fleet: Fleet, monkeypatch: pytest.MonkeyPatch) -> Fleet:
    """No dlv named: only PATH (Debian's Delve 1.20.2) and the cache to choose from."""
    monkeypatch.delenv("DLV", raising=False)
    monkeypatch.delenv("DEBUGINFOD_URLS", raising=False)
    monkeypatch.setenv("PATH", BARE_PATH)
    monkeypatch.setenv("DLVCLIENT_HOME", str(fleet.home))
    return fleet


def cli_json(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> dict:  # type: ignore[type-arg]
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)  # type: ignore[no-any-return]


# --- the Delve for each core -------------------------------------------------------------------


def test_choose_delve_takes_the_newest_that_supports_the_target(bare_machine: Fleet) -> None:
    assert str(choose_delve(bare_machine.new_exe).version) == CACHED_DELVE
    assert str(choose_delve(bare_machine.old_exe).version) == "1.20.2"


def test_no_delve_that_fits_names_the_release_and_the_command(
    bare_machine: Fleet, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DLVCLIENT_HOME", str(tmp_path / "empty"))
    with pytest.raises(NoSuitableDelveError) as caught:
        choose_delve(bare_machine.new_exe)
    assert caught.value.release == CACHED_DELVE
    assert caught.value.command == f"dlvclient delve install {CACHED_DELVE}"
    assert "/usr/bin/dlv (Delve 1.20.2, Go 1.18–1.20)" in str(caught.value)


def test_an_explicit_dlv_is_used_as_given_with_a_warning(
    bare_machine: Fleet, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="dlvclient"):
        chosen = choose_delve(bare_machine.new_exe, "/usr/bin/dlv")
    assert chosen.path == Path("/usr/bin/dlv")
    assert chosen.origin == "argument"
    assert "does not support Go 1.26" in caplog.text


def test_delve_list_and_install_for_an_executable(
    bare_machine: Fleet, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    listed = cli_json(capsys, "delve", "list", "--json")
    assert {(d["version"], d["origin"]) for d in listed} >= {
        (CACHED_DELVE, "cache"),
        ("1.20.2", "PATH"),
    }
    assert next(d for d in listed if d["origin"] == "cache")["go"] == ["1.25", "1.27"]
    # Already installed: go install only checks it (the Go on PATH is gone, so name it).
    monkeypatch.setenv("PATH", f"{bare_machine.go.parent}:{BARE_PATH}")
    installed = cli_json(capsys, "delve", "install", "--for", bare_machine.new_exe, "--json")
    assert installed["version"] == CACHED_DELVE


# --- executables by build id -------------------------------------------------------------------


def test_report_finds_the_executable_in_a_build_folder(
    bare_machine: Fleet, capsys: pytest.CaptureFixture[str]
) -> None:
    for core, delve in ((bare_machine.new_core, CACHED_DELVE), (bare_machine.old_core, "1.20.2")):
        report = cli_json(capsys, "report", core, "--exe-dir", bare_machine.builds, "--json")
        assert report["delve_version"] == delve
        assert report["reason"]["kind"] == "panic"


def test_an_executable_still_where_it_ran_is_found_without_a_store(
    bare_machine: Fleet,
) -> None:
    ran = bare_machine.builds.parent / "ran" / "current" / "nilptr"
    ran.parent.mkdir(parents=True)
    shutil.copy2(bare_machine.new_exe, ran)
    try:
        assert dlvclient.find_executable(bare_machine.new_core) == ran
        assert dlvclient.CoreBuildIds.of(bare_machine.new_core).path == str(ran)
    finally:
        shutil.rmtree(ran.parent.parent)
    with pytest.raises(dlvclient.ExecutableNotFoundError, match="no executable with the Go build"):
        dlvclient.find_executable(bare_machine.new_core)


@pytest.fixture
def debuginfod(fleet: Fleet, tmp_path: Path) -> Iterator[str]:
    """A real debuginfod serving the folder of builds on loopback."""
    if shutil.which("debuginfod") is None:
        if in_ci():
            pytest.fail("debuginfod is not installed (apt-get install debuginfod)")
        pytest.skip("debuginfod is not installed (apt-get install debuginfod)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    argv = ["debuginfod", "-F", "-p", str(port), "-d", str(tmp_path / "debuginfod.sqlite")]
    argv += ["-t", "0", "-g", "0", "--disable-source-scan", str(fleet.builds)]
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # until the first scan has indexed both builds
            try:
                metrics = urllib.request.urlopen(f"{url}/metrics", timeout=5).read().decode()
            except OSError:
                metrics = ""
            if 'thread_work_pending{role="scan"} 0' in metrics and "scanned_files_total" in metrics:
                break
            time.sleep(0.1)
        else:
            pytest.fail("debuginfod did not finish scanning the builds within 60 s")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_report_fetches_the_executable_from_debuginfod(
    bare_machine: Fleet,
    debuginfod: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ids = executable_build_ids(bare_machine.new_exe)
    assert ids is not None
    assert ids[1] is not None
    report = cli_json(capsys, "report", bare_machine.new_core, "--debuginfod", debuginfod, "--json")
    assert report["delve_version"] == CACHED_DELVE
    fetched = bare_machine.home / "debuginfod" / ids[1] / "executable"
    assert fetched.read_bytes() == bare_machine.new_exe.read_bytes()
    # $DEBUGINFOD_URLS alone, with nothing cached: asked again.
    shutil.rmtree(fetched.parent)
    monkeypatch.setenv("DEBUGINFOD_URLS", debuginfod)
    again = cli_json(capsys, "report", bare_machine.new_core, "--json")
    assert again["fingerprint"] == report["fingerprint"]
    assert fetched.is_file()


# --- triage ------------------------------------------------------------------------------------


def _recorded(db: Path) -> dict[str, tuple[str, str | None]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT path, status, delve_version FROM cores").fetchall()
    return {Path(path).parent.name: (status, delve) for path, status, delve in rows}


def test_triage_of_three_go_releases_then_a_rerun_that_analyses_nothing(
    bare_machine: Fleet, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    db = tmp_path / "crashes.db"
    argv = ["triage", bare_machine.cores, "--exe-dir", bare_machine.builds, "--db", db, "--json"]
    first = cli_json(capsys, *argv)
    assert (first["processed"], first["skipped"], first["failed"]) == (4, 0, 1)
    assert sorted(g["count"] for g in first["groups"]) == [1, 1, 1]
    versions = sorted(v[:4] for g in first["groups"] for v in g["go_versions"])
    assert versions == ["1.19", "1.26", "1.27"]
    assert "InvalidTargetError" in first["failures"][0]["error"]
    # Read back: each core with the Delve that read it, the broken one with its error.
    assert _recorded(db) == {
        "api": ("ok", CACHED_DELVE),
        "legacy": ("ok", "1.20.2"),
        "edge": ("ok", CACHED_DELVE),
        "broken": ("failed", None),
    }
    second = cli_json(capsys, *argv)
    assert (second["processed"], second["skipped"], second["failed"]) == (0, 4, 0)
    assert second["groups"] == first["groups"]
    # Without --json: the counts, then each group with its culprit and an exemplar core.
    assert main([str(a) for a in argv[:-1]]) == 0
    text = capsys.readouterr().out
    assert text.startswith("0 analysed, 4 skipped, 0 failed\n")
    for group in first["groups"]:
        assert f"     1  {group['fingerprint']}  {group['reason']}" in text
        assert f"e.g. {group['exemplar']}" in text
    assert "failed: " not in text  # the failure was recorded by the first run, not this one


@pytest.mark.anyio
async def test_triage_api_reads_the_registry_back(bare_machine: Fleet, tmp_path: Path) -> None:
    """The API on both backends: a registry read back as CrashGroups, the failure recorded."""
    db = tmp_path / "api.db"
    result = await dlvclient.triage([bare_machine.cores], db=db, exe_dirs=[bare_machine.builds])
    assert (result.processed, result.failed) == (4, 1)
    with dlvclient.CrashRegistry(db) as registry:
        groups = registry.groups()
        failures = list(registry.failures())
        exemplars = [registry.report(g.exemplar) for g in groups]
        members = [registry.cores(g.fingerprint) for g in groups]
        assert registry.report(bare_machine.broken_core) is None
    assert [r.fingerprint if r else None for r in exemplars] == [g.fingerprint for g in groups]
    assert members == [[g.exemplar] for g in groups]
    assert groups == result.groups
    assert [g.count for g in groups] == [1, 1, 1]
    assert {Path(g.exemplar).parent.name for g in groups} == {"api", "legacy", "edge"}
    assert [Path(core).parent.name for core, _ in failures] == ["broken"]


def test_blocking_triage_is_the_same_run(bare_machine: Fleet, tmp_path: Path) -> None:
    from dlvclient.sync import triage

    result = triage([bare_machine.cores], db=tmp_path / "sync.db", exe_dirs=[bare_machine.builds])
    assert (result.processed, result.skipped, result.failed) == (4, 0, 1)
    assert sorted(g.count for g in result.groups) == [1, 1, 1]


def test_triage_on_a_local_ray_instance(
    bare_machine: Fleet, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    pytest.importorskip("ray", reason="the ray extra: pip install 'dlvclient[ray]'")
    local = cli_json(
        capsys, "triage", bare_machine.cores, "--exe-dir", bare_machine.builds,
        "--db", tmp_path / "local.db", "--json",
    )  # fmt: skip
    on_ray = cli_json(
        capsys, "triage", bare_machine.cores, "--exe-dir", bare_machine.builds,
        "--db", tmp_path / "ray.db", "--engine", "ray", "--json",
    )  # fmt: skip
    assert (on_ray["processed"], on_ray["failed"]) == (4, 1)
    fingerprints = sorted(g["fingerprint"] for g in on_ray["groups"])
    assert fingerprints == sorted(g["fingerprint"] for g in local["groups"])


def _dlv_processes_on(folder: Path) -> list[int]:
    """Pids of processes whose command line names a file under ``folder``."""
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if entry.name.isdigit() and str(folder).encode() in cmdline:
            pids.append(int(entry.name))
    return pids


def test_ctrl_c_leaves_the_registry_consistent_and_no_dlv_behind(
    bare_machine: Fleet, tmp_path: Path
) -> None:
    many = tmp_path / "many"
    many.mkdir()
    for i in range(12):
        shutil.copy(bare_machine.new_core, many / f"core.{i}")
    db = tmp_path / "crashes.db"
    argv = [sys.executable, "-m", "dlvclient", "triage", str(many), "--jobs", "1"]
    argv += ["--exe-dir", str(bare_machine.builds), "--db", str(db)]
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            if db.exists() and len(_recorded_rows(db)) >= 2:
                break
            time.sleep(0.02)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == 130, err.decode()
    rows = _recorded_rows(db)
    assert 2 <= len(rows) < 12
    assert all(status == "ok" and fingerprint and report for status, fingerprint, report in rows)
    assert _dlv_processes_on(many) == []
    # The next run analyses only the rest.
    done = subprocess.run([*argv, "--json"], capture_output=True, text=True, timeout=300)
    summary = json.loads(done.stdout)
    assert (summary["skipped"], summary["processed"]) == (len(rows), 12 - len(rows))
    assert summary["groups"][0]["count"] == 12


def _recorded_rows(db: Path) -> list[tuple[str, str | None, str | None]]:
    with sqlite3.connect(db, timeout=30) as conn:
        try:
            return conn.execute("SELECT status, fingerprint, report FROM cores").fetchall()
        except sqlite3.OperationalError:  # the schema is not there yet
            return []


def test_delve_install_without_network_says_so(fleet: Fleet, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DLVCLIENT_HOME": str(tmp_path / "home"),
        "GOMODCACHE": str(tmp_path / "modcache"),  # nothing cached: the proxy must be asked
        "GOPROXY": "http://127.0.0.1:9",
        "GOFLAGS": "-modcacherw",
    }
    with pytest.raises(DelveInstallError, match="could not be reached"):
        install_delve(CACHED_DELVE, go=str(fleet.go), env=env, timeout=120)
