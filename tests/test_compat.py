"""Delve 1.20 to 1.27: protocol differences, capability detection and Go version skew."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import pytest

import dlvclient
from dlvclient import Version
from tests.support import CoreCase, CoreFactory, require_leg

pytestmark = [pytest.mark.anyio, pytest.mark.needs_dlv]


async def test_go_too_new_for_delve(cores: CoreFactory) -> None:
    """A Go 1.26 target under Delve 1.20.2: the error names both versions and the way out."""
    new = cores(require_leg("current"), "seed")
    old_dlv = require_leg("bookworm").dlv
    with pytest.raises(dlvclient.GoVersionError) as caught:
        async with dlvclient.open_core(new.exe, new.core, dlv=old_dlv):
            pass
    error = caught.value
    assert error.go_version.startswith("1.26")
    assert error.delve_version == "1.20.2"
    assert error.supported == ("1.18", "1.20")
    message = str(error)
    assert "Go 1.18 to 1.20" in message
    assert "check_go_version=False" in message
    assert "--check-go-version=false" in message
    assert error.exit_code == 1


async def test_go_too_old_for_delve(cores: CoreFactory) -> None:
    """A Go 1.19 target under Delve 1.27: refused, unless asked to try anyway."""
    old = cores(require_leg("bookworm"), "seed")
    new_dlv = require_leg("current").dlv
    with pytest.raises(dlvclient.GoVersionError) as caught:
        async with dlvclient.open_core(old.exe, old.core, dlv=new_dlv):
            pass
    assert caught.value.go_version.startswith("1.19")
    assert caught.value.supported == ("1.25", "1.27")
    assert "Go 1.25 to 1.27" in str(caught.value)
    async with dlvclient.open_core(
        old.exe, old.core, dlv=new_dlv, check_go_version=False
    ) as client:
        assert client.target_go_version is not None
        assert client.target_go_version[:2] == (1, 19)


async def test_listen_fallback(seed_case: CoreCase) -> None:
    """A private unix socket where Delve has one (1.22.1+), loopback TCP before."""
    async with dlvclient.open_core(seed_case.exe, seed_case.core, dlv=seed_case.leg.dlv) as c:
        assert c.server_version is not None
        process = c._process
        assert process is not None
        if c.server_version >= Version(1, 22, 1):
            assert isinstance(process.address, str)
        else:
            assert process.address is not None
            assert process.address[0] == "127.0.0.1"
    if seed_case.leg.name == "bookworm":
        with pytest.raises(dlvclient.InvalidArgumentError, match=r"1\.22\.1"):
            async with dlvclient.open_core(
                seed_case.exe, seed_case.core, dlv=seed_case.leg.dlv, listen="unix"
            ):
                pass


async def test_malformed_request_is_caught(seed_case: CoreCase) -> None:
    """Delve < 1.26.1 stops reading after a bad request: the timeout must catch it."""
    async with dlvclient.open_core(seed_case.exe, seed_case.core, dlv=seed_case.leg.dlv) as c:
        assert c.server_version is not None
        if c.server_version >= Version(1, 26, 1):
            with pytest.raises(dlvclient.DelveReplyError, match="malformed request body"):
                await c.call("Stacktrace", {"Id": "one"})
            assert (await c.eval("1+1")).value == "2"
        else:
            # Without --accept-multiclient, Delve 1.20 then drops the session altogether.
            with anyio.fail_after(2), pytest.raises(dlvclient.ConnectionClosedError):
                await c.call("Stacktrace", {"Id": "one"})


async def test_malformed_request_times_out_on_old_multiclient(cores: CoreFactory) -> None:
    """With --accept-multiclient, Delve 1.20 keeps the process but never answers."""
    case = cores(require_leg("bookworm"), "seed")
    async with headless(case, "--accept-multiclient", "--api-version=2") as address:
        async with dlvclient.connect(address) as client:
            with pytest.raises(dlvclient.DlvTimeoutError, match="malformed request"):
                await client.call("Stacktrace", {"Id": "one"}, timeout=1)
        async with dlvclient.connect(address, detach_on_close=True) as client:
            assert (await client.eval("1+1")).value == "2"


async def test_unknown_method_names_the_release(seed_case: CoreCase) -> None:
    async with dlvclient.open_core(seed_case.exe, seed_case.core, dlv=seed_case.leg.dlv) as c:
        if c.supports("TypeInfo"):
            result = await c.call("TypeInfo", {"Name": "int"})
            assert result["TypeInfo"]["Size"] == 8
        else:
            # The raw escape hatch skips the version check: the "unknown method" reply maps.
            with pytest.raises(dlvclient.UnsupportedFeatureError) as caught:
                await c.call("TypeInfo", {"Name": "int"})
            assert caught.value.since == "1.26.2"
            assert caught.value.delve_version == "1.20.2"
            assert "TypeInfo needs Delve 1.26.2" in str(caught.value)


async def test_never_calls_download_library_debug_info(seed_case: CoreCase) -> None:
    async with dlvclient.open_core(seed_case.exe, seed_case.core, dlv=seed_case.leg.dlv) as c:
        with pytest.raises(dlvclient.InvalidArgumentError, match="crashes Delve"):
            await c.call("DownloadLibraryDebugInfo", {"N": 0})
        assert (await c.version()).api_version == 2


@asynccontextmanager
async def headless(case: CoreCase, *extra: str) -> AsyncIterator[str]:
    """A dlv someone else started (no --api-version flag): yields its address."""
    argv = [str(case.leg.dlv), "core", str(case.exe), str(case.core), "--headless"]
    argv += ["--listen=127.0.0.1:0", *extra]
    async with await anyio.open_process(argv, stderr=subprocess.DEVNULL) as process:
        assert process.stdout is not None
        line = b""
        with anyio.fail_after(20):
            while not line.endswith(b"\n"):
                line += await process.stdout.receive(1)
        try:
            yield line.decode().split("at: ", 1)[1].strip()
        finally:
            with anyio.move_on_after(10, shield=True):
                await process.wait()
            if process.returncode is None:
                process.kill()


async def test_connect_speaks_api_v2_to_any_server(seed_case: CoreCase) -> None:
    """Delve < 1.24 serves API v1 unless told: connect() sets v2 itself."""
    async with (
        headless(seed_case) as address,
        dlvclient.connect(address, detach_on_close=True) as client,
    ):
        assert (await client.version()).api_version == 2
        frames = await client.stacktrace(1, depth=30)
        assert any(f.function_name == "main.Modify" for f in frames)


async def test_connect_does_not_own_the_server(seed_case: CoreCase) -> None:
    async with headless(seed_case, "--accept-multiclient", "--api-version=2") as address:
        async with dlvclient.connect(address) as first:
            await first.version()
        # The server outlived the first client: a second one connects, then shuts it down.
        async with dlvclient.connect(address, detach_on_close=True) as second:
            assert (await second.state()).current_goroutine is not None
