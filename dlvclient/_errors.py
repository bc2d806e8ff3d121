"""The exception tree: every failure dlvclient reports is a :class:`DlvError`.

``DlvError`` is anything dlvclient raises; ``DelveReplyError`` is one kind of it, Delve itself
answering a call with an error (its text verbatim in ``message``)::

    DlvError
    ├── LaunchError                 dlv could not be started, or died before serving
    │   ├── DlvNotFoundError        no dlv binary (the message says how to install one)
    │   ├── InvalidTargetError      the executable or core cannot be used
    │   │   └── ExecutableNotFoundError  no build with the core's build id was found
    │   ├── GoVersionError          the target's Go is outside this Delve's range
    │   │   └── NoSuitableDelveError  no Delve found supports it (release, command)
    │   └── AttachError             Delve may not attach to the process (``reason`` says why)
    ├── DelveInstallError           installing a Delve failed (no Go, no network, the build)
    ├── RegistryError               the crash registry file cannot be used
    ├── CaptureError                building or running a program to crash it failed
    │   └── NoCoreError             it ran, but no core came of it
    ├── TransportError              the connection failed
    │   ├── ConnectError            the server could not be reached
    │   ├── ConnectionClosedError   the connection closed (or dlv died) with calls pending
    │   └── ProtocolError           the server sent something that is not JSON-RPC
    ├── DlvTimeoutError             a call or startup took too long (also a TimeoutError)
    ├── DumpError                   a core of a live process could not be written
    ├── ResponseValidationError     a reply did not have the shape of that method's result
    ├── UsageError                  the client was used in a way it does not support
    │   ├── ClientClosedError       a call on a closed client
    │   ├── InvalidArgumentError    an argument out of range (also a ValueError)
    │   └── TargetRunningError      the call needs the live target stopped
    ├── UnsupportedFeatureError     the server's Delve is too old for the call
    └── DelveReplyError             Delve answered with an error
        ├── SymbolNotFoundError     a name not in scope, optimized away or unknown
        ├── UnknownGoroutineError   no goroutine with that id
        ├── UnknownThreadError      no thread with that id
        ├── UnknownFrameError       no such frame (or deferred call)
        ├── ExpressionError         the expression did not parse or evaluate
        ├── NotPossibleOnCoreError  the operation needs a live process
        ├── LocationNotFoundError   a location spec matched nothing
        ├── MemoryReadError         memory that is not in the core
        ├── ProcessExitedError      the live target has exited
        ├── CallError               a function call in the target was refused or failed
        └── InternalDebuggerError   Delve panicked serving the call

Every message says what is wrong and what to do about it; the install advice is built here,
from the pinned Delve in :mod:`dlvclient._version`, and nowhere else.
"""

from __future__ import annotations

import re

from ._version import PINNED_DELVE, Version, delve_for_go, install_command

__all__ = [
    "INSTALL_HINT",
    "AttachError",
    "CallError",
    "CaptureError",
    "ClientClosedError",
    "ConnectError",
    "ConnectionClosedError",
    "DelveInstallError",
    "DelveReplyError",
    "DlvError",
    "DlvNotFoundError",
    "DlvTimeoutError",
    "DumpError",
    "ExecutableNotFoundError",
    "ExpressionError",
    "GoVersionError",
    "InternalDebuggerError",
    "InvalidArgumentError",
    "InvalidTargetError",
    "LaunchError",
    "LocationNotFoundError",
    "MemoryReadError",
    "NoCoreError",
    "NoSuitableDelveError",
    "NotPossibleOnCoreError",
    "ProcessExitedError",
    "ProtocolError",
    "RegistryError",
    "ResponseValidationError",
    "SymbolNotFoundError",
    "TargetRunningError",
    "TransportError",
    "UnknownFrameError",
    "UnknownGoroutineError",
    "UnknownThreadError",
    "UnsupportedFeatureError",
    "UsageError",
    "install_advice",
]


class DlvError(Exception):
    """Base class of every error raised by dlvclient."""


def install_advice(go: Version | None = None) -> str:
    """How to install the Delve that debugs programs built by Go ``go`` (None: the pinned one)."""
    version = delve_for_go(go) if go is not None else f"v{PINNED_DELVE}"
    if version == "latest":
        return (
            f"no Delve release known to this dlvclient supports Go {go}: install the newest "
            f"with `{install_command('latest')}` and set $DLV to it"
        )
    return (
        f"install Delve {version[1:]} with `dlvclient delve install {version[1:]}` (or "
        f"`{install_command(version)}` and put it on PATH), or pass dlv=PATH / set $DLV"
    )


#: What to do when no usable dlv is found.
INSTALL_HINT = install_advice()


# --- launching -----------------------------------------------------------------------------------


class LaunchError(DlvError):
    """dlv could not be started, or exited before it served the core.

    ``exit_code`` and ``stderr`` carry what the process left behind, when it ran at all.
    """

    def __init__(self, message: str, *, exit_code: int | None = None, stderr: str = "") -> None:
        super().__init__(message)
        self.exit_code = exit_code
        self.stderr = stderr


class DlvNotFoundError(LaunchError):
    """No ``dlv`` binary could be found."""


class InvalidTargetError(LaunchError):
    """The executable or the core file cannot be used (missing, unreadable, not ELF, mismatched)."""


class GoVersionError(LaunchError):
    """The target was built by a Go release the installed Delve does not support."""

    def __init__(
        self,
        message: str,
        *,
        go_version: str,
        delve_version: str,
        supported: tuple[str, str] | None = None,
        exit_code: int | None = None,
        stderr: str = "",
    ) -> None:
        super().__init__(message, exit_code=exit_code, stderr=stderr)
        self.go_version = go_version
        self.delve_version = delve_version
        self.supported = supported


class AttachError(LaunchError):
    """Delve could not attach to the process; ``reason`` says why, for a program to act on.

    ``reason`` is ``"no-such-process"``, ``"ptrace-scope"`` (Yama forbids it),
    ``"traced"`` (another debugger or tracer holds it; ``tracer_pid`` says which),
    ``"other-user"`` (it runs as another user) or ``"refused"`` (any other refusal).
    """

    def __init__(
        self,
        message: str,
        *,
        reason: str,
        pid: int,
        tracer_pid: int | None = None,
        exit_code: int | None = None,
        stderr: str = "",
    ) -> None:
        super().__init__(message, exit_code=exit_code, stderr=stderr)
        self.reason = reason
        self.pid = pid
        self.tracer_pid = tracer_pid


class CaptureError(DlvError):
    """Building a Go program, running it, or finding its core file failed.

    ``output`` holds what the failing command printed (the compiler's messages, the program's
    stderr), when there is any.
    """

    def __init__(self, message: str, *, output: str = "") -> None:
        super().__init__(f"{message}\n{output}".rstrip() if output else message)
        self.output = output


class NoCoreError(CaptureError):
    """The program ran but no core came of it: it exited, hung, or the kernel wrote none."""


# --- transport -----------------------------------------------------------------------------------


class TransportError(DlvError):
    """The connection to the Delve server failed."""


class ConnectError(TransportError):
    """The Delve server could not be reached."""


class ConnectionClosedError(TransportError):
    """The connection closed, or the dlv process died, while calls were pending."""


class ProtocolError(TransportError):
    """The server sent something that is not a valid JSON-RPC reply."""


class DlvTimeoutError(DlvError, TimeoutError):
    """A call, or startup, took longer than its timeout."""


class ResponseValidationError(DlvError):
    """A reply did not match the shape dlvclient expects of that method."""

    def __init__(self, message: str, *, method: str) -> None:
        super().__init__(message)
        self.method = method


class UsageError(DlvError):
    """The client was used in a way it does not support."""


class ClientClosedError(UsageError):
    """A call was made on a client that is closed."""


class InvalidArgumentError(UsageError, ValueError):
    """An argument is out of range (caught before anything is sent to Delve)."""


class TargetRunningError(UsageError):
    """The call needs the target stopped, but it runs (or a core dump is being written).

    Raised at once, before anything is sent: Delve would hold the call, and every call after
    it on the connection, until the target stops.
    """


class DumpError(DlvError):
    """Delve could not write a core of the live process, or the dump was cancelled."""

    def __init__(self, message: str, state: object = None) -> None:
        super().__init__(message)
        #: The dump's final :class:`DumpState`.
        self.state = state


class UnsupportedFeatureError(DlvError):
    """The running Delve lacks a feature; ``since`` names the first Delve version that has it."""

    def __init__(self, feature: str, *, since: str | None, delve_version: str) -> None:
        needs = f"needs Delve {since} or newer" if since else "is not supported"
        super().__init__(
            f"{feature} {needs}, but the server runs Delve {delve_version}; install a newer "
            f"Delve ({install_command()})"
        )
        self.feature = feature
        self.since = since
        self.delve_version = delve_version


# --- errors Delve returned -----------------------------------------------------------------------


class DelveReplyError(DlvError):
    """Delve answered a call with an error; ``message`` is Delve's text verbatim."""

    hint = ""

    def __init__(self, message: str, *, method: str) -> None:
        text = f"{method}: {message}"
        if self.hint:
            text = f"{text} ({self.hint})"
        super().__init__(text)
        self.message = message
        self.method = method


class SymbolNotFoundError(DelveReplyError):
    """A name in an expression is not in scope, was optimized away, or does not exist."""

    hint = (
        "check the spelling, the goroutine and the frame; optimized builds drop variables: "
        "build with -gcflags=all=-N -l"
    )


class UnknownGoroutineError(DelveReplyError):
    """No goroutine has that id."""

    hint = "list the goroutines to find valid ids"


class UnknownThreadError(DelveReplyError):
    """No thread has that id."""

    hint = "list the threads to find valid ids"


class UnknownFrameError(DelveReplyError):
    """The frame (or deferred call) does not exist in that goroutine's stack."""

    hint = "fetch the stack trace to see how many frames it has"


class ExpressionError(DelveReplyError):
    """The expression could not be parsed or evaluated."""

    hint = "expressions follow Go syntax; function calls are not possible on a core"


class NotPossibleOnCoreError(DelveReplyError):
    """The operation needs a live process; a core file is read-only."""

    hint = "a core file can only be read"


class LocationNotFoundError(DelveReplyError):
    """A location spec matched nothing."""

    hint = "use file:line, a function name, or /regexp/"


class MemoryReadError(DelveReplyError):
    """Memory at that address is not in the core (unmapped, or the core is truncated)."""

    hint = "the address is outside the core's mappings, or the core was truncated (ulimit -c)"


class ProcessExitedError(DelveReplyError):
    """The target has exited: it can only be restarted (launched ones) or the session closed."""

    hint = "call restart() to run a launched program again"


class CallError(DelveReplyError):
    """Delve refused or could not complete a function call in the target."""

    hint = (
        "stop the goroutine in Go code first (a breakpoint, not a halt in the runtime or a "
        "syscall), pass arguments that do not point into the stack (or unsafe=True), and "
        "build without optimizations"
    )


class InternalDebuggerError(DelveReplyError):
    """Delve itself panicked while serving the call."""

    hint = "this is a Delve bug; try a newer Delve"


# Ordered: the first match wins.
_DELVE_ERRORS: tuple[tuple[re.Pattern[str], type[DelveReplyError]], ...] = tuple(
    (re.compile(pattern), cls)
    for pattern, cls in (
        (r"^could not find symbol value for |^package \S+ has no function ", SymbolNotFoundError),
        (r"^unknown goroutine ", UnknownGoroutineError),
        # GetThread says the first, ListRegisters the second.
        (r"^no thread with id |^couldn't find thread ", UnknownThreadError),
        (r"^Frame -?\d+ does not exist|^Frame -?\d+ only has \d+ deferred", UnknownFrameError),
        (r"^location \".*\" not found|^location .* not found", LocationNotFoundError),
        (
            r"^can not continue execution of core process|^can not write to core process"
            r"|^cannot write a breakpoint to a core file|^core dumping not supported",
            NotPossibleOnCoreError,
        ),
        (
            r"error while reading spliced memory|exceeded readable area|could not read memory"
            # An address beyond every mapping of the core.
            r"|^offset \d+ did not match any regions",
            MemoryReadError,
        ),
        (r"^Internal debugger error", InternalDebuggerError),
        (r"^Process \d+ has exited with status", ProcessExitedError),
        (
            r"escaping pointer|not at safe point|call not at safe point|from within the Go "
            r"runtime|^function calls not supported|backend does not support function calls"
            r"|another function call is already in progress|^not enough stack space"
            r"|^too many arguments|^not enough arguments|^not a Go function"
            r"|^can not call optimized function|^selected goroutine not running"
            r"|^no goroutine selected|^can not call function",
            CallError,
        ),
        (
            r"^\d+:\d+: |^function calls not allowed|^invalid expression|^could not evaluate",
            ExpressionError,
        ),
    )
)


def delve_error(method: str, message: str) -> DelveReplyError:
    """Map Delve's error string to the most specific :class:`DelveReplyError` subclass."""
    for pattern, cls in _DELVE_ERRORS:
        if pattern.search(message):
            return cls(message, method=method)
    return DelveReplyError(message, method=method)


# --- fleets: choosing Delve, finding executables, the crash registry -----------------------------


class NoSuitableDelveError(GoVersionError):
    """No Delve found on this machine supports the Go release that built the target.

    ``release`` is the Delve release to install (None when no known release supports it) and
    ``command`` the command that installs it.
    """

    def __init__(
        self,
        message: str,
        *,
        go_version: str,
        delve_version: str,
        release: str | None,
        command: str,
        supported: tuple[str, str] | None = None,
    ) -> None:
        super().__init__(
            message, go_version=go_version, delve_version=delve_version, supported=supported
        )
        self.release = release
        self.command = command


class DelveInstallError(DlvError):
    """Installing a Delve release failed: no Go toolchain, no network, or the build failed."""


class ExecutableNotFoundError(InvalidTargetError):
    """No executable with the core's build id was found in the build store or on debuginfod."""

    def __init__(self, message: str, *, build_ids: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.build_ids = build_ids


class RegistryError(DlvError):
    """The crash registry file cannot be opened, or was written by a newer dlvclient."""
