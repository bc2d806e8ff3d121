"""The seed walk: what a person does by hand in `dlv core`, done from code (async).

go build -gcflags='all=-N -l' -o main ./seed
(ulimit -c unlimited; GOTRACEBACK=crash ./main)   # leaves ./core
python seed_walk.py ./main ./core
"""

from __future__ import annotations

import sys

import anyio

import dlvclient


async def main(executable: str, core: str) -> None:
    async with dlvclient.open_core(executable, core) as client:
        # `goroutines`
        async for goroutine in client.goroutines():
            loc = goroutine.user_current_loc
            print(f"goroutine {goroutine.id}: {loc.function_name} at {loc.file}:{loc.line}")
        # `goroutine 1` + `bt`: the crashed goroutine is the one the core stopped in.
        state = await client.state()
        crashed = state.current_goroutine.id if state.current_goroutine else 1
        frames = await client.stacktrace(crashed)
        for number, frame in enumerate(frames):
            print(f"{number:3} {frame.function_name}\n      at {frame.file}:{frame.line}")
        # `frame N` + `print a`: the first frame outside the runtime is where it broke.
        number, frame = next((n, f) for n, f in enumerate(frames) if not f.is_runtime)
        a = await client.eval("a", goroutine_id=crashed, frame=number)
        print(f"crashed in {frame.function_name} at line {frame.line}; a = {a.to_python()!r}")


if __name__ == "__main__":
    anyio.run(main, *sys.argv[1:3])
