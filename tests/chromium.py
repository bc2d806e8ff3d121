"""A headless Chromium for the tests, driven over the DevTools protocol on a pipe.

``--remote-debugging-pipe`` makes Chromium read protocol commands from its fd 3 and write
replies and events to its fd 4, each message JSON ending in a NUL byte: no port, no websocket
client, no dependency. Every page is opened in one fresh profile that is removed afterwards.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any

from dlvclient._children import signal_group

# Off the network and quiet: the machine has loopback only, and a test must not wait on
# updates, sync or first-run pages.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-pipe",
)
INSTALL_HINT = "apt-get install chromium (scripts/test does it when run as root)"


def find_chromium() -> str | None:
    """The Chromium binary: ``$CHROMIUM``, else ``chromium`` or ``chromium-browser`` on PATH."""
    named = os.environ.get("CHROMIUM")
    if named:
        return shutil.which(named)
    return shutil.which("chromium") or shutil.which("chromium-browser")


class DevToolsError(Exception):
    """Chromium answered a command with an error, or went away."""


class Chromium:
    """One headless Chromium process; :meth:`page` opens a tab to drive."""

    def __init__(self, binary: str, *, timeout: float = 60.0) -> None:
        #: The profile directory, fresh, removed on close.
        self.profile = tempfile.mkdtemp(prefix="dlvclient-chromium-")
        self._timeout = timeout
        commands_read, self._commands = os.pipe()
        self._replies, replies_write = os.pipe()

        def on_fds_3_and_4() -> None:  # runs in the child, before exec
            os.dup2(commands_read, 3)
            os.dup2(replies_write, 4)

        self._process = subprocess.Popen(
            [binary, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(3, 4, commands_read, replies_write),
            preexec_fn=on_fds_3_and_4,
            # Its own process group: renderers and helpers go with it if it must be killed.
            start_new_session=True,
        )
        os.close(commands_read)
        os.close(replies_write)
        self._next_id = 0
        self._buffer = b""
        self.events: list[dict[str, Any]] = []

    def __enter__(self) -> Chromium:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """End Chromium (politely, then by force) and remove its profile."""
        with contextlib.suppress(DevToolsError, OSError):
            self.send("Browser.close")
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            signal_group(self._process.pid, signal.SIGKILL)
            self._process.wait()
        for fd in (self._commands, self._replies):
            with contextlib.suppress(OSError):
                os.close(fd)
        shutil.rmtree(self.profile, ignore_errors=True)

    def send(self, method: str, params: dict[str, Any] | None = None, session: str = "") -> Any:
        """Send one command and return its result, keeping the events that came meanwhile."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._receive()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise DevToolsError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, session: str = "") -> dict[str, Any]:
        """The first event ``method`` (of ``session``), waiting for it if it has not come."""
        while True:
            for event in self.events:
                if event.get("method") == method and event.get("sessionId", "") == session:
                    self.events.remove(event)
                    return event
            self.events.append(self._receive())

    def _receive(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            ready, _, _ = select.select([self._replies], [], [], self._timeout)
            if not ready:
                raise DevToolsError(f"Chromium said nothing for {self._timeout} s")
            chunk = os.read(self._replies, 1 << 16)
            if not chunk:
                raise DevToolsError(f"Chromium exited (status {self._process.poll()})")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        result: dict[str, Any] = json.loads(message)
        return result

    def page(self, path: Path, *, width: int, height: int = 900) -> Page:
        """A new tab of ``width`` x ``height`` CSS pixels showing the file ``path``, loaded."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        page = Page(self, session)
        page.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
        )
        page.send("Page.enable")
        page.send("Runtime.enable")
        page.send("Page.navigate", {"url": path.resolve().as_uri()})
        self.wait_for("Page.loadEventFired", session)
        return page


class Page:
    """One tab: evaluate JavaScript in it, click in it."""

    def __init__(self, browser: Chromium, session: str) -> None:
        self._browser = browser
        self._session = session

    def send(self, method: str, params: dict[str, Any] | None = None) -> Any:
        """A DevTools command to this tab."""
        return self._browser.send(method, params, self._session)

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page."""
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise DevToolsError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def click(self, selector: str, index: int = 0) -> None:
        """A real mouse click (press and release) in the middle of a matching element."""
        box = self.evaluate(
            f"(() => {{ const e = document.querySelectorAll({json.dumps(selector)})[{index}];"
            " e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();"
            " return [r.x + r.width / 2, r.y + r.height / 2]; })()"
        )
        x, y = box
        for kind in ("mousePressed", "mouseReleased"):
            self.send(
                "Input.dispatchMouseEvent",
                {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1},
            )

    def errors(self) -> list[dict[str, Any]]:
        """Exceptions thrown and errors logged in the page so far."""
        return [
            event
            for event in self._browser.events
            if event.get("sessionId") == self._session
            and (
                event.get("method") == "Runtime.exceptionThrown"
                or (
                    event.get("method") == "Runtime.consoleAPICalled"
                    and event["params"].get("type") == "error"
                )
            )
        ]
