"""The baseline: a minimal Delve client made of a socket and :mod:`json`, nothing else.

It is what any client has to pay at least: start ``dlv core --headless``, page through
``ListGoroutines``, ask for one ``Stacktrace`` per goroutine, and parse every reply with
``json.loads``. Requests are pipelined with a window, like ``AsyncClient.goroutine_stacks``
does, so Delve (which serves one connection's requests one after another) never waits for
this process. No validation, no error types, no timeouts: it is a yardstick, not a client.

Only the standard library is imported, so the interpreter's start-up is the only Python
overhead in a measurement of it.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["RawDelve"]

_LISTENING = b"API server listening at: "
_LIST = -1  # marks a pending ListGoroutines among the pending Stacktrace calls


class RawDelve:
    """A headless ``dlv core`` and one unix-socket connection to it."""

    def __init__(
        self, dlv: str | os.PathLike[str], exe: Path, core: Path, *, multiclient: bool = False
    ) -> None:
        self._dir = tempfile.mkdtemp(prefix="dlvbench-")
        sock_path = self.address = os.path.join(self._dir, "dlv.sock")
        # The same transport dlvclient picks for this Delve, so the comparison is like for like.
        argv = [str(dlv), "core", str(exe), str(core), "--headless", "--api-version=2"]
        argv.append(f"--listen=unix:{sock_path}")
        self._multiclient = multiclient
        if multiclient:
            argv.append("--accept-multiclient")
        env = {**os.environ, "GO_TELEMETRY_CHILD": "2"}
        self.process = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, env=env
        )
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith(_LISTENING):
                break
        else:
            raise RuntimeError(f"dlv exited with status {self.process.wait()} before listening")
        # The pipe stays open, unread: headless dlv writes nothing more to stdout, and closing
        # it would turn a stray write into a SIGPIPE that kills dlv.
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(sock_path)
        self._reader = self.sock.makefile("rb", buffering=1 << 20)
        self._next_id = 0

    def _request(self, method: str, params: dict[str, Any]) -> tuple[int, bytes]:
        self._next_id += 1
        body = {"method": f"RPCServer.{method}", "params": [params], "id": self._next_id}
        return self._next_id, json.dumps(body, separators=(",", ":")).encode() + b"\n"

    def _reply(self) -> dict[str, Any]:
        line = self._reader.readline()
        if not line:
            raise ConnectionError("dlv closed the connection")
        reply: dict[str, Any] = json.loads(line)
        if reply.get("error") is not None:
            raise RuntimeError(f"dlv: {reply['error']}")
        return reply

    def call(self, method: str, params: dict[str, Any] | None = None) -> Any:
        """One call, waiting for its reply."""
        _, data = self._request(method, params or {})
        self.sock.sendall(data)
        return self._reply()["result"]

    def stacks(
        self, *, depth: int = 50, window: int = 64, page_size: int = 1000
    ) -> Iterator[tuple[int, list[dict[str, Any]]]]:
        """Yield ``(goroutine id, frames)`` for every goroutine, pipelined ``window`` deep.

        The next ``ListGoroutines`` page is asked for as soon as a page arrives, so Delve
        lists it while the client still sends the stack requests of the current one.
        """
        pending: dict[int, int] = {}  # request id -> goroutine id, or _LIST
        queue: deque[int] = deque()  # goroutines whose stack is still to be asked for
        request_id, data = self._request("ListGoroutines", {"Start": 0, "Count": page_size})
        pending[request_id] = _LIST
        self.sock.sendall(data)
        while pending or queue:
            # All requests that fit in the window go out in one write.
            batch: list[bytes] = []
            while queue and len(pending) < window:
                goroutine = queue.popleft()
                params = {"Id": goroutine, "Depth": depth, "Full": False, "Defers": False}
                request_id, data = self._request("Stacktrace", params)
                pending[request_id] = goroutine
                batch.append(data)
            if batch:
                self.sock.sendall(b"".join(batch))
            reply = self._reply()
            what = pending.pop(reply["id"])
            result = reply["result"]
            if what == _LIST:
                queue.extend(g["id"] for g in result["Goroutines"])
                if result["Nextg"] >= 0:
                    request_id, data = self._request(
                        "ListGoroutines", {"Start": result["Nextg"], "Count": page_size}
                    )
                    pending[request_id] = _LIST
                    self.sock.sendall(data)
            else:
                yield what, result["Locations"]

    def close(self) -> None:
        """Disconnect; a non-multiclient dlv exits when its client goes, others are told to."""
        if self._multiclient and self.process.poll() is None:
            self.call("Detach", {"Kill": False})
        self._reader.close()
        self.sock.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> RawDelve:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
