"""Fault injection with the real dlv: killed mid-call, exiting at startup, or never starting.

Each fault must end every pending call within 2 s with a typed error (``hang_guard(2)``, an
``anyio.fail_after`` that also sees waits in shielded code, is the hang guard), leave the client
closable, and leave no process behind: the ``no_leaks`` fixture checks the last part after every
test, including processes the fake dlv scripts fork.
"""

from __future__ import annotations

import os
import shutil
import signal
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path
from typing import TypeVar

import anyio
import pytest

import dlvclient
from dlvclient import AsyncClient
from tests.support import CoreCase, CoreFactory, Leg, require_leg

from . import procs
from .support import Background, fake_dlv, hang_guard

pytestmark = [pytest.mark.anyio, pytest.mark.needs_dlv]

T = TypeVar("T")


def dlv_pid(client: AsyncClient) -> int:
    assert client._process is not None
    return client._process.process.pid


async def collect(items: AsyncIterator[T]) -> list[T]:
    return [item async for item in items]


async def text_range(client: AsyncClient) -> tuple[int, int]:
    """The executable's whole text segment: disassembling it keeps dlv busy for seconds."""
    text = await client.eval("runtime.firstmoduledata.text")
    etext = await client.eval("runtime.firstmoduledata.etext")
    return int(text.value), int(etext.value)


# --- dlv dies during a session -------------------------------------------------------------------


async def test_sigkill_during_a_long_call(goroutines_case: CoreCase) -> None:
    case = goroutines_case
    async with dlvclient.open_core(case.exe, case.core, dlv=case.leg.dlv) as client:
        start, end = await text_range(client)
        ids = [g.id async for g in client.goroutines()]
        async with anyio.create_task_group() as tg:
            background = Background(tg)
            # Delve serves one call at a time per connection: everything else queues behind.
            background.start(partial(client.disassemble, start, end))
            for gid in ids:
                background.start(partial(client.stacktrace, gid, full=True))
            await anyio.wait_all_tasks_blocked()
            assert client.pending_calls > 0
            os.kill(dlv_pid(client), signal.SIGKILL)
            with hang_guard(2):
                await background.settled()
        failed = [e for e in background.errors if e is not None]
        assert failed
        for error in failed:
            assert isinstance(error, dlvclient.ConnectionClosedError), error
            # Killed while computing, or while writing a reply: either way, said so.
            assert "status -9" in str(error) or "in the middle of a reply" in str(error)
        with hang_guard(2), pytest.raises(dlvclient.ConnectionClosedError):
            await client.eval("1")


async def test_sigkill_while_idle(goroutines_case: CoreCase) -> None:
    case = goroutines_case
    async with dlvclient.open_core(case.exe, case.core, dlv=case.leg.dlv) as client:
        os.kill(dlv_pid(client), signal.SIGKILL)
        with hang_guard(2), pytest.raises(dlvclient.ConnectionClosedError):
            await client.stacktrace(1)


async def test_sigterm_during_calls(goroutines_case: CoreCase) -> None:
    """A polite stop from outside (a supervisor shutting down) is no different, once dlv goes:
    Delve may finish the call at hand first, so the 2 s run from its exit."""
    case = goroutines_case
    async with dlvclient.open_core(case.exe, case.core, dlv=case.leg.dlv) as client:
        start, end = await text_range(client)
        assert client._process is not None
        process = client._process.process
        async with anyio.create_task_group() as tg:
            background = Background(tg)
            background.start(partial(client.disassemble, start, end))
            for i in range(50):
                background.start(partial(client.eval, f"{i}*7"))
            await anyio.wait_all_tasks_blocked()
            os.kill(process.pid, signal.SIGTERM)
            with hang_guard(60):
                await process.wait()
            with hang_guard(2):
                await background.settled()
        for error in background.errors:
            assert error is None or isinstance(error, dlvclient.ConnectionClosedError), error


# --- dlv exits at startup ------------------------------------------------------------------------


def _cut(src: Path, dst: Path, fraction: float) -> Path:
    """A copy of the first ``fraction`` of ``src``."""
    with open(src, "rb") as f:
        dst.write_bytes(f.read(int(src.stat().st_size * fraction)))
    return dst


def _bad_pair(kind: str, case: CoreCase, tmp: Path) -> tuple[Path, Path]:
    """An executable and a core that pass no ELF check, for dlv to meet."""
    text = tmp / "notes.txt"
    text.write_text("this is not an ELF file\n")
    empty = tmp / "empty"
    empty.write_bytes(b"")
    cut = tmp / "cut-core"
    with open(case.core, "rb") as f:
        cut.write_bytes(f.read(100))  # inside the ELF header
    return {
        "text file as core": (case.exe, text),
        "empty core": (case.exe, empty),
        "core cut inside its ELF header": (case.exe, cut),
        "executable as core": (case.exe, case.exe),
        "core as executable": (case.core, case.core),
        "text file as executable": (text, case.core),
        "empty executable": (empty, case.core),
    }[kind]


@pytest.mark.usefixtures("no_elf_checks")
@pytest.mark.parametrize(
    "kind",
    [
        "text file as core",
        "empty core",
        "core cut inside its ELF header",
        "executable as core",
        "core as executable",
        "text file as executable",
        "empty executable",
    ],
)
async def test_dlv_exits_at_startup(
    kind: str, leg: Leg, cores: CoreFactory, tmp_path: Path
) -> None:
    """With the pre-spawn checks off, dlv itself rejects the file and exits: say which file."""
    case = cores(leg, "seed")
    exe, core = _bad_pair(kind, case, tmp_path)
    with hang_guard(2), pytest.raises(dlvclient.InvalidTargetError) as caught:
        async with dlvclient.open_core(exe, core, dlv=leg.dlv):
            pass
    assert caught.value.exit_code == 1
    assert "dlv could not open the executable or the core" in str(caught.value)


@pytest.mark.usefixtures("no_elf_checks")
@pytest.mark.parametrize("kind", ["core of another program", "core truncated in its memory"])
async def test_dlv_serves_a_wrong_core_without_hanging(
    kind: str, leg: Leg, cores: CoreFactory, tmp_path: Path
) -> None:
    """Delve opens these: every call answers or fails typed, none hangs (the checks exist
    because what it answers is garbage)."""
    case = cores(leg, "goroutines")
    core = cores(leg, "nilptr").core
    if kind == "core truncated in its memory":
        core = _cut(case.core, tmp_path / "truncated", 1 / 3)
    async with dlvclient.open_core(case.exe, core, dlv=leg.dlv, timeout=10) as client:
        async with anyio.create_task_group() as tg:
            background = Background(tg)
            background.start(partial(collect, client.goroutines()))
            for gid in range(1, 50):
                background.start(partial(client.stacktrace, gid, full=True))
            for expr in ("main.workers", "runtime.allgs", "1+1"):
                background.start(partial(client.eval, expr))
            with hang_guard(10):
                await background.settled()
        for error in background.errors:
            assert error is None or isinstance(error, dlvclient.DlvError), error
        assert (await client.eval("6*7")).value == "42"


async def test_go_too_new_for_the_delve(cores: CoreFactory) -> None:
    """A Go 1.26 program opened with Delve 1.20.2: dlv refuses it at startup."""
    case = cores(require_leg("current"), "seed")
    old = require_leg("bookworm")
    with hang_guard(2), pytest.raises(dlvclient.GoVersionError) as caught:
        async with dlvclient.open_core(case.exe, case.core, dlv=old.dlv):
            pass
    assert caught.value.delve_version == "1.20.2"
    assert caught.value.go_version.startswith("1.26")


# --- a dlv that never gets going -----------------------------------------------------------------

# Records its pid and the pid of a child it forks, then waits forever: the child is what a
# launcher that signals only its own child would leave behind.
_HANG = """
    echo $$ >> "{pids}"
    sleep 300 &
    echo $! >> "{pids}"
    {announce}
    wait
"""

_VERSION = """
    if [ "$1" = version ]; then
        printf 'Delve Debugger\\nVersion: 1.27.2\\nBuild: $Id: fake $\\n'
        exit 0
    fi
"""


def _recorded(pids: Path) -> list[int]:
    return [int(line) for line in pids.read_text().split()] if pids.exists() else []


@pytest.mark.parametrize("hangs_on", ["every command", "dlv core"])
async def test_dlv_that_never_reports_its_address(
    hangs_on: str, seed: CoreCase, tmp_path: Path
) -> None:
    pids = tmp_path / "pids"
    body = _HANG.format(pids=pids, announce="")
    if hangs_on == "dlv core":
        body = _VERSION + body
    dlv = fake_dlv(tmp_path, body)
    with hang_guard(1 + 2), pytest.raises(dlvclient.DlvTimeoutError, match="within 1"):
        async with dlvclient.open_core(seed.exe, seed.core, dlv=dlv, startup_timeout=1):
            pass
    recorded = _recorded(pids)
    assert len(recorded) == 2

    def alive() -> list[procs.Proc]:
        found = (procs.read_proc(pid) for pid in recorded)
        return [proc for proc in found if proc is not None and proc.state not in "ZX"]

    # The fake and the child it forked are gone: the child was signalled with the fake's
    # process group, and may take a moment to die after the fake was reaped.
    procs.settle(lambda: not alive(), timeout=5)
    assert not alive()


@pytest.mark.parametrize("listen_at", ["unix:{tmp}/nobody-here.sock", "127.0.0.1:1"])
async def test_dlv_reports_an_address_nobody_serves(
    listen_at: str, seed: CoreCase, tmp_path: Path
) -> None:
    address = listen_at.format(tmp=tmp_path)
    pids = tmp_path / "pids"
    announce = f'echo "API server listening at: {address}"'
    body = _VERSION + _HANG.format(pids=pids, announce=announce)
    dlv = fake_dlv(tmp_path, body)
    # A dlv that cannot be reached gets 2 s to exit and explain itself; the error (and the
    # end of that dlv) must come within 2 s of that.
    with hang_guard(2 + 2), pytest.raises(dlvclient.TransportError):
        async with dlvclient.open_core(seed.exe, seed.core, dlv=dlv):
            pass
    assert len(_recorded(pids)) == 2


async def test_dlv_that_exits_after_reporting_its_address(seed: CoreCase, tmp_path: Path) -> None:
    body = (
        _VERSION
        + """
        echo "API server listening at: 127.0.0.1:1"
        echo "could not launch process: something went wrong" >&2
        exit 3
    """
    )
    dlv = fake_dlv(tmp_path, body)
    with hang_guard(2), pytest.raises(dlvclient.LaunchError) as caught:
        async with dlvclient.open_core(seed.exe, seed.core, dlv=dlv):
            pass
    assert caught.value.exit_code == 3
    assert "something went wrong" in str(caught.value)


async def test_dlv_that_is_not_executable(seed: CoreCase, tmp_path: Path) -> None:
    dlv = tmp_path / "dlv"
    shutil.copyfile("/bin/true", dlv)
    dlv.chmod(0o644)
    with hang_guard(2), pytest.raises(dlvclient.DlvNotFoundError):
        async with dlvclient.open_core(seed.exe, seed.core, dlv=dlv):
            pass
