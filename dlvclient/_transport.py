"""Where a Delve server listens and how to reach it: addresses, sockets, loopback checks,
and splitting a byte stream into lines.

Nothing here knows about processes: :func:`dlvclient.connect` reaches a server someone else
started with this module alone, and the launcher uses it to read the address dlv prints.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import socket
from typing import Any

import anyio

from ._errors import ConnectError, InvalidArgumentError

__all__ = ["Address", "LineBuffer", "connect_socket", "is_loopback", "parse_address"]

#: A parsed address: ``(host, port)`` for TCP, the socket's path for a unix socket.
Address = tuple[str, int] | str


def parse_address(address: str) -> Address:
    """``host:port`` → ``(host, port)``; ``unix:/path`` or ``/path`` → the socket path."""
    if address.startswith("unix:"):
        return address[len("unix:") :]
    if address.startswith("/"):
        return address
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit():
        raise InvalidArgumentError(
            f"address {address!r} is neither host:port nor a unix socket path (unix:/path)"
        )
    return host.strip("[]") or "127.0.0.1", int(port)


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback IP addresses (a name that must be resolved is not)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def connect_socket(address: Address) -> socket.socket:
    """Open a non-blocking socket connected to a Delve server at a parsed address."""
    try:
        if isinstance(address, str):
            return await _connect(socket.AF_UNIX, address)
        host, port = address
        error: OSError = OSError(f"no address found for {host!r}")
        for family, _, _, _, sockaddr in await anyio.getaddrinfo(
            host, port, type=socket.SOCK_STREAM
        ):
            try:
                sock = await _connect(family, sockaddr)
            except OSError as exc:
                error = exc
                continue
            # Requests are small and each is awaited: Nagle's delay would be pure latency.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return sock
        raise error
    except OSError as exc:
        reason = exc.strerror or exc
        raise ConnectError(f"could not connect to dlv at {address!r}: {reason}") from None


# How often (10 ms apart) a full unix socket queue is tried again before giving up.
_CONNECT_RETRIES = 500


async def _connect(family: int, sockaddr: Any) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setblocking(False)
        for _ in range(_CONNECT_RETRIES):
            try:
                sock.connect(sockaddr)
            except BlockingIOError as exc:
                if exc.errno != errno.EAGAIN:
                    break  # a TCP connection under way: wait for its outcome below
                # A unix socket whose listener's queue is full: try again shortly.
                await anyio.sleep(0.01)
                continue
            return sock
        else:
            raise OSError(errno.EAGAIN, "the server accepts no connections")
        await anyio.wait_writable(sock)
        failure = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if failure:
            raise OSError(failure, os.strerror(failure))
        return sock
    except BaseException:
        sock.close()
        raise


class LineBuffer:
    """Splits a byte stream into lines, with no limit on a line's length."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._size = 0

    @property
    def buffered(self) -> int:
        """Bytes received of a line that is not complete yet."""
        return self._size

    def feed(self, data: bytes) -> list[bytes]:
        """Add ``data`` and return the lines it completes, without their ``\\n``."""
        lines: list[bytes] = []
        start = 0
        end = data.find(b"\n")
        while end >= 0:
            if self._parts:
                self._parts.append(data[start:end])
                lines.append(b"".join(self._parts))
                self._parts.clear()
                self._size = 0
            else:
                lines.append(data[start:end])
            start = end + 1
            end = data.find(b"\n", start)
        if start < len(data):
            self._parts.append(data[start:] if start else data)
            self._size += len(data) - start
        return lines
