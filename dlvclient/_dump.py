"""Goroutine dumps: cores left by a signal someone sent (``kill -QUIT``), not by a fault.

After printing its traceback the runtime re-raises SIGABRT to die (``runtime.crash``), so the
core's own siginfo says SIGABRT whatever started it. The signal that did is still in the core:
``runtime.sigtrampgo``, the Go entry of the signal handler, keeps ``sig`` and ``info`` (the
kernel's ``siginfo_t``) readable in the frame below ``runtime.sighandler``, whose own arguments
are lost at that pc in optimised builds. ``si_code`` says who sent it: a value <= 0 comes from
a process (``kill``, ``tgkill``, ``sigqueue``), whose pid and uid follow in ``si_pid``/``si_uid``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass

from ._errors import DlvError
from ._models import LoadConfig, Stackframe
from ._protocols import ReadClient

__all__ = ["SentSignal", "original_signal", "read_sent_signal"]

# The kernel's si_code values for signals sent by a process (include/uapi/asm-generic/siginfo.h).
SI_USER, SI_QUEUE, SI_TKILL, SI_KERNEL = 0, -1, -6, 0x80
# Signals that a fault raises: only when sent by a process (si_code <= 0) are they a dump.
_FAULT_SIGNALS = frozenset({4, 5, 7, 8, 11})
_WITH_SENDER = frozenset({SI_USER, SI_QUEUE, SI_TKILL})
_LOAD = LoadConfig(follow_pointers=False, max_variable_recurse=0, max_string_len=0)


@dataclass(frozen=True)
class SentSignal:
    """The signal the runtime's handler was called for, as the handler saw it."""

    number: int
    #: ``si_code``: <= 0 when a process sent it, 0x80 (SI_KERNEL) from the kernel (a tty's ^\\).
    code: int | None
    sender_pid: int | None
    sender_uid: int | None

    @property
    def sent(self) -> bool:
        """Whether the signal was sent (a goroutine dump) rather than raised by a fault."""
        if self.number in _FAULT_SIGNALS:
            return self.code is not None and self.code <= 0
        return True


def handler_frame(frames: Sequence[Stackframe], index: int) -> int | None:
    """The number of the ``runtime.sigtrampgo`` frame that called the handler at ``index``."""
    return next(
        (
            n
            for n in range(index + 1, min(len(frames), index + 4))
            if frames[n].function_name == "runtime.sigtrampgo"
        ),
        None,
    )


async def read_sent_signal(
    client: ReadClient, scope: int, frames: Sequence[Stackframe], index: int
) -> SentSignal | None:
    """Read ``sig`` and ``*info`` in the sigtrampgo frame under ``frames[index]`` (the
    ``runtime.sighandler`` marker); None when that frame or ``sig`` cannot be read."""
    number = handler_frame(frames, index)
    if number is None:
        return None
    values: dict[str, int] = {}
    for expr in ("sig", "info.si_code", "info.si_addr"):
        try:
            value = (
                await client.eval(expr, goroutine_id=scope, frame=number, load=_LOAD)
            ).to_python()
        except DlvError:
            continue
        if isinstance(value, int):
            values[expr] = value
    sig = values.get("sig")
    if sig is None or not 0 < sig <= 64:
        return None
    code = values.get("info.si_code")
    pid = uid = None
    addr = values.get("info.si_addr")
    if code in _WITH_SENDER and addr is not None:
        # si_addr overlays the union where the kernel puts si_pid (int32) then si_uid (uint32).
        pid, uid = addr & 0xFFFFFFFF, addr >> 32
    return SentSignal(number=sig, code=code, sender_pid=pid, sender_uid=uid)


def _rank(sent: SentSignal, pid: int | None) -> tuple[bool, bool]:
    """Sort key, best first: sent by another process, then not the runtime's SIGQUIT relay."""
    by_self = pid is not None and sent.sender_pid == pid
    return (by_self, by_self and sent.number == 3)


async def original_signal(
    client: ReadClient, first: SentSignal, *, pid: int | None, thread_id: int | None
) -> SentSignal:
    """The signal that started the dump, when the current thread's is the runtime's relay.

    With ``GOTRACEBACK=crash`` the Go 1.19 runtime relays SIGQUIT to the process itself
    (``raiseproc``) until every thread has printed its stack, and the last thread to get it is
    the one that aborts: its handler shows SIGQUIT from its own pid. The thread that got the
    sent signal still sleeps in its handler; each thread's handler frames are read to find it
    (the current thread is restored after).
    """
    if pid is None or first.sender_pid != pid or thread_id is None:
        return first
    found = [first]
    try:
        for thread in await client.threads():
            if thread.id == thread_id:
                continue
            await client.switch_thread(thread.id)
            frames = await client.stacktrace(-1, depth=16)
            marker = next(
                (i for i, f in enumerate(frames) if f.function_name == "runtime.sighandler"), None
            )
            if marker is not None:
                sent = await read_sent_signal(client, -1, frames, marker)
                if sent is not None and sent.sent:
                    found.append(sent)
    except DlvError:
        pass
    finally:
        with contextlib.suppress(DlvError):
            await client.switch_thread(thread_id)
    return min(found, key=lambda s: _rank(s, pid))
