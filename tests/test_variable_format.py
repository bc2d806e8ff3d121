"""``Variable.format`` against Delve's own terminal: on real cores, what ``dlv print``,
``args`` and ``locals`` print."""

from __future__ import annotations

import re

import pytest

import dlvclient
from tests.dlv_terminal import dlv_terminal
from tests.support import CoreFactory, Leg

pytestmark = pytest.mark.needs_dlv

IN_INSPECT = ["bad", "names", "count", "m"]
PACKAGE_VARS = [
    "main.labels",
    "main.invalid",
    "main.nested",
    "main.pointer",
    "main.boxed",
    "main.words",
    "main.numbers",
    "main.queue",
    "main.array",
    "main.cplx",
]


CHANNEL_WAITERS = "\n\nGoroutines waiting on this channel:"
POINTER_HEADER = re.compile(r"\A\(\*[^\n]*\)\(0x[0-9a-f]+\)\n")


def as_printed_by(leg: Leg, text: str) -> str:
    """The text as the leg's dlv prints it: format() follows Delve 1.22+, which puts a
    pointer's address on a line above its target's value; 1.20 and 1.21 do not."""
    return POINTER_HEADER.sub("", text) if leg.name == "bookworm" else text


@pytest.mark.anyio
async def test_format_is_what_dlv_print_shows(leg: Leg, cores: CoreFactory) -> None:
    case = cores(leg, "display")
    async with dlvclient.open_core(case.exe, case.core, dlv=leg.dlv) as client:
        frames = await client.stacktrace(1, depth=30)
        frame = next(i for i, f in enumerate(frames) if f.function_name == "main.inspect")
        values = [
            await client.eval(expr, goroutine_id=1, frame=frame)
            for expr in [*IN_INSPECT, *PACKAGE_VARS]
        ]
        variables = [
            *await client.args(goroutine_id=1, frame=frame),
            *await client.locals(goroutine_id=1, frame=frame),
        ]
    commands = [f"goroutine 1 frame {frame} print {expr}" for expr in [*IN_INSPECT, *PACKAGE_VARS]]
    commands += [f"goroutine 1 frame {frame} args", f"goroutine 1 frame {frame} locals"]
    printed = dlv_terminal(leg.dlv, case.exe, case.core, commands)
    # The terminal lists a channel's waiting goroutines after it: not the value's text.
    shown = [text.split(CHANNEL_WAITERS, 1)[0] for text in printed[: len(values)]]
    assert [as_printed_by(leg, value.format()) for value in values] == shown
    listed = "\n".join(printed[len(values) :]).splitlines()
    assert [f"{v.name} = {v.format(multiline=False)}" for v in variables] == listed
    if leg.name == "current":  # Delve 1.26+ sends the raw bytes
        assert values[0].format() == '"\\xff\\xfeab"'
