"""Linux signals: numbers, names and the descriptions Go's runtime prints.

Linux numbers signals the same way on amd64 and arm64, the two architectures Delve reads
cores of, so one table serves the ELF notes, the crash report and the capture of a crash.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "CORE_SIGNALS",
    "FAULT_SIGNALS",
    "go_signal_name",
    "go_signal_text",
    "signal_name",
]

# Number: (name, description as Go's runtime sigtable gives it).
_SIGNALS: Final[dict[int, tuple[str, str]]] = {
    1: ("SIGHUP", "terminal line hangup"),
    2: ("SIGINT", "interrupt"),
    3: ("SIGQUIT", "quit"),
    4: ("SIGILL", "illegal instruction"),
    5: ("SIGTRAP", "trace trap"),
    6: ("SIGABRT", "abort"),
    7: ("SIGBUS", "bus error"),
    8: ("SIGFPE", "floating-point exception"),
    9: ("SIGKILL", "kill"),
    10: ("SIGUSR1", "user-defined signal 1"),
    11: ("SIGSEGV", "segmentation violation"),
    12: ("SIGUSR2", "user-defined signal 2"),
    13: ("SIGPIPE", "write to broken pipe"),
    14: ("SIGALRM", "alarm clock"),
    15: ("SIGTERM", "termination"),
    16: ("SIGSTKFLT", "stack fault"),
    17: ("SIGCHLD", "child status has changed"),
    18: ("SIGCONT", "continue"),
    19: ("SIGSTOP", "stop, unblockable"),
    20: ("SIGTSTP", "keyboard stop"),
    21: ("SIGTTIN", "background read from tty"),
    22: ("SIGTTOU", "background write to tty"),
    23: ("SIGURG", "urgent condition on socket"),
    24: ("SIGXCPU", "cpu limit exceeded"),
    25: ("SIGXFSZ", "file size limit exceeded"),
    26: ("SIGVTALRM", "virtual alarm clock"),
    27: ("SIGPROF", "profiling alarm clock"),
    28: ("SIGWINCH", "window size change"),
    29: ("SIGIO", "i/o now possible"),
    30: ("SIGPWR", "power failure restart"),
    31: ("SIGSYS", "bad system call"),
}
# glibc's real-time signals (the kernel's 32 and 33 are taken by the C library).
_RTMIN, _RTMAX = 34, 64

#: Signals whose default action is to dump core (signal(7)).
CORE_SIGNALS: Final[frozenset[int]] = frozenset({3, 4, 5, 6, 7, 8, 11, 24, 25, 31})
#: Signals the kernel raises on a fault, whose siginfo carries the faulting address.
FAULT_SIGNALS: Final[frozenset[int]] = frozenset({4, 5, 7, 8, 11})


def signal_name(number: int) -> str:
    """The name ``kill -l`` gives: ``SIGSEGV``, ``SIGRTMIN+3``; ``signal N`` past them all."""
    if number in _SIGNALS:
        return _SIGNALS[number][0]
    if number == _RTMIN:
        return "SIGRTMIN"
    if number == _RTMAX:
        return "SIGRTMAX"
    if _RTMIN < number < _RTMAX:
        return f"SIGRTMIN+{number - _RTMIN}"
    return f"signal {number}"


def go_signal_text(number: int) -> str:
    """The signal as Go's traceback names it: ``SIGSEGV: segmentation violation``.

    Go has no names for the real-time signals: it prints ``signal 34``.
    """
    if number in _SIGNALS:
        name, description = _SIGNALS[number]
        return f"{name}: {description}"
    return f"signal {number}"


def go_signal_name(number: int) -> str:
    """The name in Go's ``[signal ...]`` line: ``SIGSEGV``, or ``signal 34``."""
    return go_signal_text(number).split(":")[0]
