"""The seed walk with the blocking API: the same steps as seed_walk.py, no async.

python seed_walk_sync.py ./main ./core
"""

from __future__ import annotations

import sys

import dlvclient.sync


def main(executable: str, core: str) -> None:
    with dlvclient.sync.open_core(executable, core) as client:
        for goroutine in client.goroutines():
            loc = goroutine.user_current_loc
            print(f"goroutine {goroutine.id}: {loc.function_name} at {loc.file}:{loc.line}")
        state = client.state()
        crashed = state.current_goroutine.id if state.current_goroutine else 1
        frames = client.stacktrace(crashed)
        for number, frame in enumerate(frames):
            print(f"{number:3} {frame.function_name}\n      at {frame.file}:{frame.line}")
        number, frame = next((n, f) for n, f in enumerate(frames) if not f.is_runtime)
        a = client.eval("a", goroutine_id=crashed, frame=number)
        print(f"crashed in {frame.function_name} at line {frame.line}; a = {a.to_python()!r}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
