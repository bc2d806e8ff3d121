"""Private by default: Delve's server has no authentication, so reaching it means reading the core.

dlv must listen only where this user can reach it (a unix socket in a 0700 directory, or
loopback TCP with Delve's --only-same-user check left on); anything else needs an explicit
``allow_remote=True``. User strings reach dlv as single argv elements, never through a shell,
and a file name can never become a dlv flag.
"""

from __future__ import annotations

import ast
import logging
import os
import stat
from pathlib import Path

import anyio
import pytest

import dlvclient
from dlvclient import AsyncClient, Version
from dlvclient._transport import parse_address
from tests.support import CoreCase

from . import procs
from .support import fake_dlv, hang_guard

pytestmark = [pytest.mark.anyio, pytest.mark.needs_dlv]

PACKAGE = Path(dlvclient.__file__).resolve().parent


def dlv_argv(client: AsyncClient) -> list[str]:
    assert client._process is not None
    return procs.argv_of(client._process.process.pid)


def _is_loopback(host: str) -> bool:
    return host in ("127.0.0.1", "::1", "localhost")


async def test_dlv_listens_where_only_this_user_can_reach_it(seed_case: CoreCase) -> None:
    async with dlvclient.open_core(seed_case.exe, seed_case.core, dlv=seed_case.leg.dlv) as c:
        argv = dlv_argv(c)
        [listen] = [a.removeprefix("--listen=") for a in argv if a.startswith("--listen=")]
        assert c._process is not None
        address = c._process.address
        assert c.server_version is not None
        if c.server_version >= Version(1, 22, 1):
            # A socket in a directory made for it, 0700 and ours: nobody else can connect.
            assert listen.startswith("unix:")
            assert isinstance(address, str)
            socket_dir = Path(address).parent
            assert listen == f"unix:{address}"
            info = socket_dir.stat()
            assert stat.S_IMODE(info.st_mode) == 0o700
            assert info.st_uid == os.geteuid()
        else:
            # Loopback only; Delve's --only-same-user (on by default) refuses other users.
            assert listen == "127.0.0.1:0"
            assert isinstance(address, tuple)
            assert _is_loopback(address[0])
        # Delve's defaults are the private ones: neither is ever passed.
        assert not [a for a in argv if a.startswith("--only-same-user")]
        assert "--accept-multiclient" not in argv
    if isinstance(address, str):
        assert not socket_dir.exists()


@pytest.mark.parametrize(
    "listen", ["0.0.0.0:0", "[::]:0", ":0", "192.0.2.1:4000", "example.com:4000"]
)
async def test_non_loopback_listen_needs_an_explicit_opt_in(
    listen: str, seed: CoreCase, tmp_path: Path
) -> None:
    """``":0"`` is the subtle one: to a listener an empty host means every interface."""
    record = tmp_path / "invocations"
    dlv = fake_dlv(tmp_path, f'echo "$*" >> "{record}"\nexec "{seed.leg.dlv}" "$@"\n')
    with hang_guard(10), pytest.raises(dlvclient.InvalidArgumentError, match="allow_remote"):
        async with dlvclient.open_core(seed.exe, seed.core, dlv=dlv, listen=listen):
            pass
    # Refused before dlv was started on the core (only `dlv version` ran).
    assert record.read_text().split("\n")[:-1] == ["version"]


async def test_remote_listen_with_opt_in_is_logged(
    seed_case: CoreCase, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # The test must not open a debugger to the network itself: this dlv records the address
    # it was asked for, then listens on loopback instead.
    record = tmp_path / "listen"
    dlv = fake_dlv(
        tmp_path,
        f"""
        args=()
        for a in "$@"; do
            case "$a" in
                --listen=*) echo "$a" > "{record}"; args+=(--listen=127.0.0.1:0) ;;
                *) args+=("$a") ;;
            esac
        done
        exec "{seed_case.leg.dlv}" "${{args[@]}}"
        """,
    )
    caplog.set_level(logging.WARNING, logger="dlvclient")
    async with dlvclient.open_core(
        seed_case.exe, seed_case.core, dlv=dlv, listen="0.0.0.0:0", allow_remote=True
    ) as client:
        assert (await client.eval("1+1")).value == "2"
    assert record.read_text().strip() == "--listen=0.0.0.0:0"
    warnings = [r for r in caplog.records if r.name == "dlvclient" and r.levelname == "WARNING"]
    assert any("0.0.0.0:0" in r.getMessage() for r in warnings), caplog.text


# Names a shell or dlv's flag parser would take for something else. Exe and core are copies and
# links of a real pair, so open_core must work with every one of them.
NASTY_NAMES = [
    pytest.param("a b", "-x core", id="space-and-leading-dash"),
    pytest.param("a\nb", "--listen=0.0.0.0:4000", id="newline-and-listen-flag"),
    pytest.param("$(touch pwned)", "`touch pwned`;|&", id="shell-syntax"),
    pytest.param("-h", "--headless=false", id="help-and-headless-flags"),
    pytest.param("--check-go-version=false", "-", id="flag-and-dash"),
]


@pytest.mark.parametrize(("exe_name", "core_name"), NASTY_NAMES)
async def test_file_names_are_never_flags_or_shell(
    exe_name: str,
    core_name: str,
    seed_case: CoreCase,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    exe, core = tmp_path / exe_name, tmp_path / core_name
    os.link(seed_case.exe, exe)
    core.symlink_to(seed_case.core)
    # Relative names: what a user types, and what would start with "-".
    monkeypatch.chdir(tmp_path)
    async with dlvclient.open_core(exe_name, core_name, dlv=seed_case.leg.dlv) as client:
        argv = dlv_argv(client)
        # Each name is exactly one argv element, absolute, in the executable's and core's places.
        assert argv[1:4] == ["core", str(exe), str(core)]
        assert argv.count("--headless") == 1
        [listen] = [a for a in argv if a.startswith("--listen=")]
        assert "0.0.0.0" not in listen
        frames = await client.stacktrace(1)
        assert any(f.function_name == "main.Modify" for f in frames)
    # A shell would have run `touch pwned` in the working directory.
    assert "pwned" not in os.listdir(tmp_path)


_SHELLS = {
    ("os", "system"),
    ("os", "popen"),
    ("subprocess", "getoutput"),
    ("subprocess", "getstatusoutput"),
    ("asyncio", "create_subprocess_shell"),
}


def test_no_shell_anywhere_in_the_package() -> None:
    """Processes are started from argv lists only: no shell=True, os.system or popen."""
    for source in PACKAGE.rglob("*.py"):
        tree = ast.parse(source.read_text(), str(source))
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "shell":
                assert isinstance(node.value, ast.Constant), f"{source}:{node.lineno}"
                assert node.value.value is False, f"shell=True at {source}:{node.lineno}"
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and (node.value.id, node.attr) in _SHELLS
            ):
                raise AssertionError(f"{node.value.id}.{node.attr} at {source}:{node.lineno}")


async def test_address_dlv_reports_is_parsed_not_executed() -> None:
    """The listening line is data: an address with shell syntax is just an odd path."""
    assert parse_address("unix:/tmp/$(reboot)/dlv.sock") == "/tmp/$(reboot)/dlv.sock"
    with anyio.fail_after(2), pytest.raises(dlvclient.ConnectError):
        async with dlvclient.connect("unix:/nonexistent/$(reboot).sock"):
            pass
