"""``Variable.format`` against Delve's own terminal: on real cores, what ``dlv print``,
``args`` and ``locals`` print."""

from __future__ import annotations

import pytest

import dlvclient
from tests.dlv_terminal import dlv_terminal
from tests.support import CoreFactory, Leg

pytestmark = pytest.mark.needs_dlv

IN_INSPECT = ["bad", "names", "count", "m"]
PACKAGE_VARS = ["main.labels", "main.invalid", "main.nested"]


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
    assert [value.format() for value in values] == printed[: len(values)]
    listed = "\n".join(printed[len(values) :]).splitlines()
    assert [f"{v.name} = {v.format(multiline=False)}" for v in variables] == listed
    if leg.name == "current":  # Delve 1.26+ sends the raw bytes
        assert values[0].format() == '"\\xff\\xfeab"'
