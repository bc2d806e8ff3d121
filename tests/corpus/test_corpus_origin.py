"""Frame origin on real programs: -trimpath, go install'd, vendored, command-line-arguments."""

from __future__ import annotations

from collections import Counter

import pytest

import dlvclient
from dlvclient import OriginKind
from dlvclient._origin import load_build_info

from .catalogue import (
    CRONFAULT,
    CRONFAULT_FILES,
    CRONFAULT_VENDORED,
    HTTPBIN,
    NATS,
    SIGQUIT,
    CorpusFactory,
    Program,
)

pytestmark = [pytest.mark.needs_dlv, pytest.mark.anyio]


@pytest.mark.parametrize("program", [NATS, HTTPBIN], ids=lambda p: p.name)
async def test_every_frame_of_a_real_server_has_its_origin(
    leg, corpus: CorpusFactory, program: Program
) -> None:
    case = corpus(leg, program, signal=SIGQUIT)
    kinds: Counter[OriginKind] = Counter()
    async with dlvclient.open_core(case.exe, case.core, dlv=leg.dlv) as client:
        build = await client.go_build_info()
        assert build is not None
        assert build.main is not None
        assert (build.main.path, build.main.version) == (program.module, program.version)
        async for _goroutine, frames in client.goroutine_stacks(depth=32):
            for frame in frames:
                origin = frame.origin_in(build)
                kinds[origin.kind] += 1
                name = frame.function_name
                if name.startswith(program.module + "/") or name.startswith("main."):
                    assert origin.kind is OriginKind.MAIN, name
                    assert (origin.module, origin.version) == (program.module, program.version)
                elif origin.kind is OriginKind.DEPENDENCY:
                    dep = next(d for d in build.deps if d.path == origin.module)
                    assert origin.version == dep.version
    assert kinds[OriginKind.MAIN] >= 100  # the per-connection goroutines run the server's code
    assert kinds[OriginKind.RUNTIME]
    assert kinds[OriginKind.STDLIB]
    assert kinds[OriginKind.UNKNOWN] == 0


@pytest.mark.parametrize(
    "program", [CRONFAULT, CRONFAULT_VENDORED, CRONFAULT_FILES], ids=lambda p: p.flavour
)
async def test_fault_in_a_dependency_frames_by_origin(
    leg, corpus: CorpusFactory, program: Program
) -> None:
    case = corpus(leg, program)
    async with dlvclient.open_core(case.exe, case.core, dlv=leg.dlv) as client:
        build = await client.go_build_info()
        crashed = [
            frames
            async for _g, frames in client.goroutine_stacks(depth=40)
            if any("rate.(*Limiter)" in f.function_name for f in frames)
        ]
    assert build is not None
    if program.flavour == "files":
        assert build.path == "command-line-arguments"
    origins = {f.function_name: f.origin_in(build) for f in crashed[0]}
    by_kind = {name: o.kind for name, o in origins.items()}
    rate = origins["golang.org/x/time/rate.(*Limiter).Allow"]
    assert (rate.kind, rate.module, rate.version) == (
        OriginKind.DEPENDENCY,
        "golang.org/x/time",
        "v0.3.0",
    )
    assert by_kind["github.com/robfig/cron/v3.FuncJob.Run"] is OriginKind.DEPENDENCY
    assert by_kind["main.(*service).poll"] is OriginKind.MAIN
    generic = [n for n in by_kind if n.startswith("main.each[")]
    assert generic
    assert by_kind[generic[0]] is OriginKind.MAIN
    # Delve 1.20 shows no inlined frame of sync.(*Mutex).Lock on Go 1.19's build.
    assert by_kind.get("sync.(*Mutex).Lock", OriginKind.STDLIB) is OriginKind.STDLIB
    # The file path alone (no build info) agrees on what matters here.
    for frame in crashed[0]:
        if frame.function_name.startswith(("golang.org/", "github.com/")):
            assert frame.origin.kind is OriginKind.DEPENDENCY, (frame.function_name, frame.file)


@pytest.mark.parametrize(
    ("program", "signal"),
    [(NATS, SIGQUIT), (HTTPBIN, SIGQUIT), (CRONFAULT, None)],
    ids=lambda p: getattr(p, "name", None) or "",
)
async def test_delves_package_list_gives_the_same_origins_as_the_build_info(
    leg, corpus: CorpusFactory, program: Program, signal: int | None
) -> None:
    """Where the executable is not at hand (connect()), Delve's ListPackagesBuildInfo and the
    file of main.main stand in for the embedded build info; on real programs they agree."""
    case = corpus(leg, program, signal=signal)
    async with dlvclient.open_core(case.exe, case.core, dlv=leg.dlv) as client:
        exact = await client.go_build_info()
        guessed = await load_build_info(client, None)
        assert guessed is not None
        assert guessed.source == "delve"
        compared = 0
        async for _goroutine, frames in client.goroutine_stacks(depth=32):
            for frame in frames:
                want, got = frame.origin_in(exact), frame.origin_in(guessed)
                assert got.kind is want.kind, frame.function_name
                if want.kind is OriginKind.DEPENDENCY:
                    assert (got.module, got.version) == (want.module, want.version)
                compared += 1
    assert compared > 50
