"""The corpus programs leave real cores under load, and dlvclient opens them."""

from __future__ import annotations

import pytest

import dlvclient

from .catalogue import CRONFAULT, HTTPBIN, NATS, SIGQUIT, CorpusFactory

pytestmark = [pytest.mark.needs_dlv, pytest.mark.anyio]


@pytest.mark.parametrize("program", [NATS, HTTPBIN], ids=lambda p: p.name)
async def test_server_dumped_under_load_has_hundreds_of_goroutines(
    leg, corpus: CorpusFactory, program
) -> None:
    case = corpus(leg, program, signal=SIGQUIT)
    async with dlvclient.open_core(case.exe, case.core, dlv=leg.dlv) as client:
        count = 0
        async for _stack in client.goroutine_stacks(depth=8):
            count += 1
    assert count >= 200, f"{program.name} had only {count} goroutines"
    assert "SIGQUIT: quit" in case.output.read_text(errors="replace")


async def test_cronfault_crashes_in_a_dependency(leg, corpus: CorpusFactory) -> None:
    case = corpus(leg, CRONFAULT)
    text = case.output.read_text(errors="replace")
    assert "panic: runtime error: invalid memory address or nil pointer dereference" in text
    assert "golang.org/x/time/rate.(*Limiter)" in text
