"""A call tracer, like `dlv trace`: every call of a function, with its arguments.

go build -gcflags='all=-N -l' -o server .
python call_tracer.py main.handle ./server --port 8080       # launch it and trace
python call_tracer.py main.handle --attach 4242               # trace a running process

Each call prints a line on stdout as it happens; the program's own output goes to stderr.
Ctrl-C stops tracing: a launched program is killed, an attached one detached and left running.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager

import anyio

import dlvclient


def _session(args: argparse.Namespace) -> AbstractAsyncContextManager[dlvclient.LiveClient]:
    if args.attach:
        return dlvclient.attach(args.attach)

    def forward(chunk: dlvclient.OutputChunk) -> None:
        sys.stderr.write(chunk.text)

    return dlvclient.launch(args.program[0], args.program[1:], on_output=forward)


async def trace(client: dlvclient.LiveClient, function: str) -> AsyncIterator[str]:
    """One line per call of ``function``: the goroutine and the arguments it was called with."""
    # A tracepoint that loads the arguments at each hit; the stops carry them.
    await client.create_breakpoint(function, tracepoint=True, load_args=dlvclient.LoadConfig())
    async for state in client.stops():
        if state.exited:
            yield f"exited with status {state.exit_status}"
            return
        info = state.breakpoint_info
        if info is None:  # a panic or fatal error, not our tracepoint
            yield f"stopped: {state.breakpoint.name if state.breakpoint else state.stop_reason}"
            return
        # Named results (`~r0`) are not set yet at the entry: only the parameters matter.
        params = [arg for arg in info.arguments if not arg.name.startswith("~")]
        shown = ", ".join(f"{arg.name}={arg.value}" for arg in params)
        goroutine = info.goroutine.id if info.goroutine else state.current_thread.goroutine_id
        yield f"> goroutine({goroutine}): {function}({shown})"


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("function", help="the function to trace, e.g. main.handle")
    parser.add_argument("program", nargs="*", help="the program to launch, and its arguments")
    parser.add_argument("--attach", type=int, metavar="PID", help="trace a running process")
    parser.add_argument("--max", type=int, default=0, help="stop after this many calls")
    args = parser.parse_args(argv)
    if bool(args.attach) == bool(args.program):
        parser.error("give a program to launch, or --attach PID")
    calls = 0
    async with _session(args) as client:
        async for line in trace(client, args.function):
            print(line, flush=True)
            calls += line.startswith(">")
            if args.max and calls >= args.max:
                break
    print(f"{calls} calls of {args.function}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(anyio.run(main, sys.argv[1:]))
