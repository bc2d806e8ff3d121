"""Typed models of Delve's JSON-RPC API v2 (``service/api`` and ``service/rpc2`` types).

Conventions shared by every model here:

* One class per Delve type, with the same fields. Python names are snake_case; each field's
  ``alias`` is the exact JSON key Delve uses (``currentLoc``, ``Threads``, ``goroutineID``...).
  Models can be built by Python name or by alias. :meth:`DelveModel.to_wire` produces the dict
  Delve accepts (aliases as keys, enums as integers, ``bytes`` as base64).
* Unknown keys are ignored (a newer Delve may add fields) and every field has a default (an
  older Delve, e.g. 1.20.2, lacks some fields, and ``omitempty`` fields are often absent).
* Go nil slices and maps arrive as JSON ``null``; list and dict fields turn ``null`` into an
  empty container. The one exception is :attr:`Stackframe.locals` / :attr:`Stackframe.arguments`,
  where ``None`` means "not loaded" and ``[]`` means "loaded, there are none".
* Go ``[]byte`` fields (base64 on the wire) are ``bytes``.
* Integer enums stay integers on the wire, but kind/flag fields are typed with the enums below;
  values a future Delve or Go may add become ``UNKNOWN_<n>`` pseudo-members instead of errors.

The ``...Out`` models at the bottom are the rpc2 reply envelopes; they are internal to the client.
"""

from __future__ import annotations

import base64
import enum
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Final, TypeVar

from pydantic import BaseModel, ConfigDict, Field, GetCoreSchemaHandler
from pydantic_core import core_schema

from ._kinds import OpenIntEnum as _OpenIntEnum
from ._kinds import VariableKind
from ._quoting import go_quote
from ._version import Version, parse_delve_version, parse_go_version
from ._waitreason import wait_reason_string

if TYPE_CHECKING:
    from ._origin import FrameOrigin, GoBuildInfo

__all__ = [
    "Ancestor",
    "AsmInstruction",
    "AssemblyFlavour",
    "Breakpoint",
    "BreakpointInfo",
    "DebuggerState",
    "Defer",
    "DelveModel",
    "DiscardedBreakpoint",
    "DumpState",
    "EvalScope",
    "Function",
    "Goroutine",
    "GoroutineField",
    "GoroutineFilter",
    "GoroutineGroup",
    "GoroutineGroupingOptions",
    "GoroutineStatus",
    "Image",
    "LoadConfig",
    "Location",
    "PackageBuildInfo",
    "Register",
    "Stackframe",
    "StacktraceOptions",
    "Target",
    "Thread",
    "TypeInfo",
    "TypeInfoField",
    "TypeInfoMethod",
    "Variable",
    "VariableFlags",
    "VariableKind",
    "VersionInfo",
    "WatchType",
]

# ---------------------------------------------------------------------------------------------
# Enums
# ---------------------------------------------------------------------------------------------


class VariableFlags(enum.IntFlag):
    """Bit flags of ``Variable.flags`` (Delve's ``api.VariableFlags``)."""

    # An explicit zero member lets pydantic-core look 0, by far the most common value, up
    # without calling back into Python.
    NONE = 0
    ESCAPED = 1
    SHADOWED = 2
    CONSTANT = 4
    ARGUMENT = 8
    RETURN_ARGUMENT = 16
    FAKE_ADDRESS = 32
    CPTR = 64
    CPU_REGISTER = 128


class GoroutineStatus(_OpenIntEnum):
    """Go runtime goroutine states (``runtime._G*``), the low bits of ``Goroutine.status``.

    The raw status may carry the ``0x1000`` GC-scan bit; :attr:`Goroutine.status_enum` strips it.
    """

    IDLE = 0
    RUNNABLE = 1
    RUNNING = 2
    SYSCALL = 3
    WAITING = 4
    MORIBUND_UNUSED = 5
    DEAD = 6
    ENQUEUE_UNUSED = 7
    COPYSTACK = 8
    PREEMPTED = 9
    LEAKED = 10
    DEADEXTRA = 11


class GoroutineField(_OpenIntEnum):
    """Goroutine property that ``ListGoroutines`` filters (``Kind``) and groups (``GroupBy``) by."""

    NONE = 0
    CURRENT_LOC = 1
    USER_LOC = 2
    GO_LOC = 3
    START_LOC = 4
    LABEL = 5
    RUNNING = 6
    USER = 7
    WAITING_ON_CHANNEL = 8


class StacktraceOptions(enum.IntFlag):
    """``Stacktrace`` ``Opts`` bits."""

    NONE = 0
    READ_DEFERS = 1
    SIMPLE = 2
    G = 4


class AssemblyFlavour(_OpenIntEnum):
    """Syntax of ``Disassemble`` output."""

    GNU = 0
    INTEL = 1
    GO = 2


class WatchType(enum.IntFlag):
    """Watchpoint kind of ``Breakpoint.watch_type`` (``NONE`` for ordinary breakpoints)."""

    NONE = 0
    READ = 1
    WRITE = 2


# ---------------------------------------------------------------------------------------------
# Field types for Go's wire quirks
# ---------------------------------------------------------------------------------------------

_T = TypeVar("_T")


# default_factory=list would do, but pydantic inspects a factory's signature when it builds
# a validator, and a builtin's signature is parsed from its text (~1 ms each, for ~40 fields
# on the first replies of a session); a function's is read at once.
def _new_list() -> list[Any]:
    return []


def _new_dict() -> dict[Any, Any]:
    return {}


@dataclass(frozen=True)
class _NullAs:
    """``Annotated`` marker: accept JSON ``null`` (a Go nil slice/map) as ``factory()``.

    The container is still validated entirely by pydantic-core; only a trivial Python call
    runs afterwards. A before-validator would force pydantic-core to materialise the whole
    JSON subtree as Python objects first (measured ~50% slower on large stack traces).
    """

    factory: Callable[[], object]

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        factory = self.factory

        def none_to_empty(value: object) -> object:
            return factory() if value is None else value

        return core_schema.no_info_after_validator_function(
            none_to_empty, core_schema.nullable_schema(handler(source))
        )


def _b64decode(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def _b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class _Base64:
    """``Annotated`` marker for Go ``[]byte``: base64 text on the wire, ``bytes`` in Python.

    Raw ``bytes`` passed from Python are kept as they are, so models can be built by hand.
    """

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        # Text must be tried first: in JSON mode a bytes schema would accept the base64
        # string itself without decoding it.
        return core_schema.union_schema(
            [
                core_schema.no_info_after_validator_function(
                    _b64decode, core_schema.str_schema(strict=True)
                ),
                core_schema.bytes_schema(strict=True),
            ],
            mode="left_to_right",
            serialization=core_schema.plain_serializer_function_ser_schema(
                _b64encode, when_used="json"
            ),
        )


_Slice = Annotated[list[_T], _NullAs(list)]
_StrMap = Annotated[dict[str, _T], _NullAs(dict)]
_Base64Bytes = Annotated[bytes, _Base64()]
_Base64OrEmpty = Annotated[bytes, _Base64(), _NullAs(bytes)]


# ---------------------------------------------------------------------------------------------
# Base and request-side models
# ---------------------------------------------------------------------------------------------


class DelveModel(BaseModel):
    """Base class of all Delve models: aliases for JSON keys, unknown keys ignored."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore", frozen=False, defer_build=True)

    def to_wire(self) -> dict[str, Any]:
        """Return the JSON-ready dict Delve accepts (JSON keys, integer enums, base64 bytes)."""
        return self.model_dump(by_alias=True, mode="json")


class LoadConfig(DelveModel):
    """How much of a value Delve loads (``api.LoadConfig``). Immutable, so presets can be shared.

    Presets: :attr:`LONG` (the dlv terminal's ``print``/``locals`` setting, also what the
    server uses for ``Eval`` without a config), :attr:`SHORT` (dlv's ``ShortLoadConfig``) and
    :attr:`FULL` (larger). Unlike Go's zero value, which loads almost nothing, the field
    defaults are those of :attr:`LONG`, so ``LoadConfig(max_string_len=1024)`` tweaks a
    sensible base (as does ``LoadConfig.LONG.model_copy(update=...)``).
    ``max_struct_fields=-1`` means all fields.
    """

    model_config = ConfigDict(frozen=True)

    follow_pointers: bool = Field(True, alias="FollowPointers")
    max_variable_recurse: int = Field(1, alias="MaxVariableRecurse")
    max_string_len: int = Field(64, alias="MaxStringLen")
    max_array_values: int = Field(64, alias="MaxArrayValues")
    max_struct_fields: int = Field(-1, alias="MaxStructFields")

    LONG: ClassVar[LoadConfig]
    """dlv terminal default: ``{FollowPointers: true, MaxVariableRecurse: 1, MaxStringLen: 64,
    MaxArrayValues: 64, MaxStructFields: -1}``."""
    SHORT: ClassVar[LoadConfig]
    """dlv ``ShortLoadConfig``, scalars and short strings only: ``{FollowPointers: false,
    MaxVariableRecurse: 0, MaxStringLen: 64, MaxArrayValues: 0, MaxStructFields: 3}``."""
    FULL: ClassVar[LoadConfig]
    """This SDK's larger choice for post-mortem inspection (not a dlv preset):
    ``{FollowPointers: true, MaxVariableRecurse: 2, MaxStringLen: 1024, MaxArrayValues: 128,
    MaxStructFields: -1}``. Replies grow fast with depth: avoid it for whole stacks."""

    @classmethod
    def fields(cls, *, recurse: int = 0, follow_pointers: bool = False) -> LoadConfig:
        """Every struct field, ``recurse`` levels deep, and no string or array contents: a
        value's layout and scalars (field addresses give its offsets), at little cost."""
        # Unvalidated (the arguments are typed): analysis modules make one at import time.
        return cls.model_construct(
            follow_pointers=follow_pointers,
            max_variable_recurse=recurse,
            max_string_len=0,
            max_array_values=0,
            max_struct_fields=-1,
        )


# Constants built without validation (they are valid): validating one would build
# LoadConfig's validator, and pydantic's first validator costs tens of ms at import time.
LoadConfig.LONG = LoadConfig.model_construct()
LoadConfig.SHORT = LoadConfig.model_construct(
    follow_pointers=False,
    max_variable_recurse=0,
    max_string_len=64,
    max_array_values=0,
    max_struct_fields=3,
)
LoadConfig.FULL = LoadConfig.model_construct(
    max_variable_recurse=2, max_string_len=1024, max_array_values=128
)


class EvalScope(DelveModel):
    """Where an expression is evaluated (``api.EvalScope``).

    ``goroutine_id`` defaults to -1, the selected goroutine (Go's zero value 0 means "the
    current thread when no goroutine is selected"). ``deferred_call`` n > 0 evaluates in the
    n-th deferred call of ``frame``.
    """

    goroutine_id: int = Field(-1, alias="GoroutineID")
    frame: int = Field(0, alias="Frame")
    deferred_call: int = Field(0, alias="DeferredCall")


class GoroutineFilter(DelveModel):
    """One ``ListGoroutines`` filter (``api.ListGoroutinesFilter``).

    Location kinds match ``arg`` as a substring of ``"<file>:<line> in <func>"``; ``LABEL``
    takes ``"key=value"`` or ``"key"``; ``WAITING_ON_CHANNEL`` takes a channel expression.
    """

    kind: GoroutineField = Field(GoroutineField.NONE, alias="Kind")
    negated: bool = Field(False, alias="Negated")
    arg: str = Field("", alias="Arg")

    def __invert__(self) -> GoroutineFilter:
        """``~f``: the goroutines ``f`` does not match."""
        return self.model_copy(update={"negated": not self.negated})

    @classmethod
    def user(cls) -> GoroutineFilter:
        """Goroutines running user code (not the runtime's own); ``~`` for system ones."""
        return cls(kind=GoroutineField.USER)

    @classmethod
    def running(cls) -> GoroutineFilter:
        """Goroutines that were on a thread when the core was taken."""
        return cls(kind=GoroutineField.RUNNING)

    @classmethod
    def current_loc(cls, text: str) -> GoroutineFilter:
        """Goroutines whose top frame's ``"<file>:<line> in <func>"`` contains ``text``."""
        return cls(kind=GoroutineField.CURRENT_LOC, arg=text)

    @classmethod
    def user_loc(cls, text: str) -> GoroutineFilter:
        """Goroutines whose topmost user frame's location contains ``text``."""
        return cls(kind=GoroutineField.USER_LOC, arg=text)

    @classmethod
    def go_loc(cls, text: str) -> GoroutineFilter:
        """Goroutines whose ``go`` statement's location contains ``text``."""
        return cls(kind=GoroutineField.GO_LOC, arg=text)

    @classmethod
    def start_loc(cls, text: str) -> GoroutineFilter:
        """Goroutines whose start function's location contains ``text``."""
        return cls(kind=GoroutineField.START_LOC, arg=text)

    @classmethod
    def label(cls, label: str) -> GoroutineFilter:
        """Goroutines with the pprof label ``"key=value"``, or with any value of ``"key"``."""
        return cls(kind=GoroutineField.LABEL, arg=label)

    @classmethod
    def waiting_on_channel(cls, channel: str) -> GoroutineFilter:
        """Goroutines blocked on the channel the expression ``channel`` evaluates to.

        Delve 1.21.1+; it cannot be negated, and the expression is evaluated in the
        ``scope`` given to :meth:`AsyncClient.goroutines`.
        """
        return cls(kind=GoroutineField.WAITING_ON_CHANNEL, arg=channel)


class GoroutineGroupingOptions(DelveModel):
    """``ListGoroutines`` grouping options (``api.GoroutineGroupingOptions``).

    Sent flattened into the request. Defaults follow the dlv terminal (5 sample members,
    50 groups); ``max_group_members`` must be at least 1 or Delve returns no groups at all,
    ``max_groups=0`` means unlimited.
    """

    group_by: GoroutineField = Field(GoroutineField.NONE, alias="GroupBy")
    group_by_key: str = Field("", alias="GroupByKey")
    max_group_members: int = Field(5, alias="MaxGroupMembers")
    max_groups: int = Field(50, alias="MaxGroups")


# ---------------------------------------------------------------------------------------------
# Locations and stacks
# ---------------------------------------------------------------------------------------------


def _is_user_function(name: str) -> bool:
    # Same test as proc.(*G).UserCurrent, which picks a goroutine's userCurrentLoc: exported
    # runtime functions (runtime.Goexit...) count as user code, private ones do not.
    if "." not in name or name.startswith(("internal/", "runtime/internal", "iter.")):
        return False
    if name.startswith("runtime."):
        first = name[len("runtime.") : len("runtime.") + 1]
        return "A" <= first <= "Z"
    return True


class Function(DelveModel):
    """A function (``api.Function``); ``type`` and ``go_type`` are always 0 in current Delve."""

    name: str = Field("", alias="name")
    value: int = Field(0, alias="value")
    type: int = Field(0, alias="type")
    go_type: int = Field(0, alias="goType")
    optimized: bool = Field(False, alias="optimized")


class _CodePosition(DelveModel):
    """PC, file, line and function: the part ``Location`` and ``Thread`` share."""

    pc: int = Field(0, alias="pc")
    file: str = Field("", alias="file")
    line: int = Field(0, alias="line")
    function: Function | None = Field(None, alias="function")

    @property
    def function_name(self) -> str:
        """Function name, or ``""`` when Delve does not know the function."""
        return self.function.name if self.function is not None else ""

    @property
    def is_runtime(self) -> bool:
        """True where Delve would not stop when looking for a goroutine's user frame.

        That is unexported ``runtime.*`` functions, ``internal/...``, ``runtime/internal/...``
        and ``iter.*``, plus unknown functions. Exported runtime functions (``runtime.Goexit``)
        count as user code, as in Delve.
        """
        return not _is_user_function(self.function_name)

    @property
    def origin(self) -> FrameOrigin:
        """Where this code comes from (runtime, stdlib, dependency, main module, C), judged
        from the function name and file path; :meth:`origin_in` is exact for a build."""
        from ._origin import frame_origin

        return frame_origin(self.function_name, self.file)

    def origin_in(self, build: GoBuildInfo | None) -> FrameOrigin:
        """Where this code comes from in ``build`` (from :meth:`AsyncClient.go_build_info`)."""
        from ._origin import frame_origin

        return frame_origin(self.function_name, self.file, build)


class Location(_CodePosition):
    """A code location (``api.Location``).

    ``FindLocation`` returns logical locations: ``pcs`` may list several PCs (inlining) and
    ``pc`` may be 0 for a non-executable line.
    """

    pcs: _Slice[int] = Field(default_factory=_new_list, alias="pcs")
    pcpids: _Slice[int] = Field(default_factory=_new_list, alias="pcpids")


class Variable(DelveModel):
    """A (possibly partially loaded) value (``api.Variable``); recursive through ``children``.

    ``children`` holds array/slice elements, struct fields, alternating map keys and values,
    the pointee of a pointer, the dynamic value of an interface (named ``data``), the hchan
    fields of a channel, or the ``real``/``imaginary`` parts of a complex number.
    """

    name: str = Field("", alias="name")
    addr: int = Field(0, alias="addr")
    only_addr: bool = Field(False, alias="onlyAddr")
    type: str = Field("", alias="type")
    real_type: str = Field("", alias="realType")
    flags: VariableFlags = Field(VariableFlags.NONE, alias="flags")
    kind: VariableKind = Field(VariableKind.INVALID, alias="kind")
    value: str = Field("", alias="value")
    string_value_bytes: _Base64Bytes | None = Field(None, alias="StringValueBytes")
    len: int = Field(0, alias="len")
    cap: int = Field(0, alias="cap")
    children: _Slice[Variable] = Field(default_factory=_new_list, alias="children")
    base: int = Field(0, alias="base")
    unreadable: str = Field("", alias="unreadable")
    location_expr: str = Field("", alias="LocationExpr")
    decl_line: int = Field(0, alias="DeclLine")

    @property
    def value_bytes(self) -> bytes:
        """The loaded string value as raw bytes (exact even when it is not valid UTF-8)."""
        if self.string_value_bytes:
            return self.string_value_bytes
        return self.value.encode("utf-8", "surrogatepass")

    @property
    def is_nil(self) -> bool:
        """True for a nil pointer, map, slice, chan, func or interface."""
        kind = self.kind
        if kind in (VariableKind.PTR, VariableKind.UNSAFE_POINTER):
            if self.value:
                return self.value == "0"
            return not self.children or self.children[0].addr == 0
        if kind in _NIL_BY_BASE_KINDS:
            return self.base == 0
        if kind is VariableKind.INTERFACE:
            return not self.children or self.children[0].kind is VariableKind.INVALID
        return False

    @property
    def is_truncated(self) -> bool:
        """Whether Delve loaded this value only partially (this node only, not descendants).

        Delve's rules: a string is truncated if ``len`` exceeds the loaded bytes; arrays,
        slices, structs, chans and funcs if ``len > len(children)`` (structs also when
        ``MaxVariableRecurse`` was reached); maps if ``len > len(children) / 2``; pointers and
        interfaces if their only child has ``only_addr`` set.
        """
        kind = self.kind
        if kind is VariableKind.STRING:
            return self.len > len(self.value_bytes)
        if kind in _ELEMENT_KINDS:
            return self.len > len(self.children)
        if kind is VariableKind.MAP:
            return self.len > len(self.children) // 2
        if kind in (VariableKind.PTR, VariableKind.INTERFACE):
            return len(self.children) == 1 and self.children[0].only_addr
        return False

    def format(self, *, multiline: bool = True) -> str:
        """The value as dlv's ``print`` shows it, type included; ``multiline=False`` puts it on
        one line, as dlv's ``locals`` and ``args`` do.

        Strings are quoted as Go's ``%q`` quotes them, from the raw bytes when they are not
        valid UTF-8 (``\\xff``, from ``StringValueBytes``; Delve before 1.26 sends U+FFFD
        instead), and containers break onto lines where Delve breaks them. The layout is
        Delve 1.22+'s: before 1.22 dlv left out the ``(*T)(0xADDR)`` line above a pointer's
        target.
        """
        from ._goprint import variable_text  # that module builds on this one

        return variable_text(self, multiline=multiline)

    def walk(self) -> Iterator[Variable]:
        """Yield this variable and all its descendants, depth first (parents first)."""
        stack = [self]
        while stack:
            var = stack.pop()
            yield var
            stack.extend(reversed(var.children))

    def reload_expr(self, expr: str | None = None) -> str | None:
        """Expression that loads the rest of a truncated value, per Delve's ClientHowto idioms.

        ``None`` if the value is not :attr:`is_truncated`. For an array, slice, string or map
        with some elements loaded it selects the rest, ``(*(*"<type>")(0x<addr>))[<n>:]``, n
        being the loaded elements, bytes or map entries; otherwise it re-reads the whole value,
        ``*(*"<type>")(0x<addr>)``. Evaluate it with a suitable :class:`LoadConfig`, in the same
        scope. Values without a real address (computed results, registers) need ``expr``, an
        expression evaluating to this value; without it ``None`` is returned.
        """
        if not self.is_truncated:
            return None
        has_address = self.addr != 0 and not (
            self.flags & (VariableFlags.FAKE_ADDRESS | VariableFlags.CPU_REGISTER)
        )
        if has_address:
            whole = f"*(*{go_quote(self.type)})({self.addr:#x})"
            target = f"({whole})"
        elif expr is not None:
            whole = expr
            target = f"({expr})"
        else:
            return None
        loaded = self._loaded_count()
        return f"{target}[{loaded}:]" if loaded else whole

    def _loaded_count(self) -> int:
        kind = self.kind
        if kind is VariableKind.STRING:
            return len(self.value_bytes)
        if kind in (VariableKind.ARRAY, VariableKind.SLICE):
            return len(self.children)
        if kind is VariableKind.MAP:
            return len(self.children) // 2
        return 0

    def to_python(self) -> Any:
        """Convert the loaded value to plain Python data.

        bool, int (named constants like ``"Red (0)"`` give their number), float, complex and
        str map directly; a string that is not valid UTF-8 becomes ``bytes``, as do byte arrays
        and slices (``[]byte``, ``[N]uint8``). Other arrays and slices become lists, structs
        dicts of field name to value (a struct Delve formats itself, like ``time.Time``, gives
        that text), maps dicts (unhashable keys: lists become tuples, anything else its
        ``repr``), chans dicts of their runtime fields. Pointers and interfaces give their
        target's data; nil values, unreadable values and values Delve did not load give
        ``None``. Only what Delve loaded is converted: check :attr:`is_truncated`.
        Unparsable scalars are returned as Delve's text.
        """
        if self.unreadable or self.only_addr:
            return None
        converter = _CONVERTERS.get(self.kind)
        return converter(self) if converter is not None else None


_ELEMENT_KINDS: Final = frozenset(
    {
        VariableKind.ARRAY,
        VariableKind.SLICE,
        VariableKind.STRUCT,
        VariableKind.CHAN,
        VariableKind.FUNC,
    }
)
_NIL_BY_BASE_KINDS: Final = frozenset(
    {VariableKind.MAP, VariableKind.SLICE, VariableKind.CHAN, VariableKind.FUNC}
)
# Named constants print as "Name (1)" or, for bit sets, "A|B (3)".
_CONSTANT_RE: Final = re.compile(r"\((-?\d+)\)\Z")
_BYTE_SEQUENCE_RE: Final = re.compile(r"\[\d*\](?:uint8|byte)\Z")


def _int_value(var: Variable) -> Any:
    text = var.value
    if not text:
        return None
    match = _CONSTANT_RE.search(text)
    try:
        return int(match.group(1) if match else text)
    except ValueError:
        return text


def _float_text(text: str) -> Any:
    # float() understands Delve's "+Inf", "-Inf" and "NaN" spellings too.
    if not text or text == "nil":
        return None
    try:
        return float(text)
    except ValueError:
        return text


def _float_value(var: Variable) -> Any:
    return _float_text(var.value)


def _complex_value(var: Variable) -> Any:
    if len(var.children) != 2:
        return None
    real, imag = (_float_text(child.value) for child in var.children)
    if isinstance(real, float) and isinstance(imag, float):
        return complex(real, imag)
    return None


def _bool_value(var: Variable) -> Any:
    return {"true": True, "false": False}.get(var.value)


def _string_value(var: Variable) -> Any:
    return var.string_value_bytes if var.string_value_bytes else var.value


def _sequence_value(var: Variable) -> Any:
    if var.kind is VariableKind.SLICE and var.is_nil:
        return None
    items = [child.to_python() for child in var.children]
    if _BYTE_SEQUENCE_RE.match(var.real_type) and all(isinstance(i, int) for i in items):
        return bytes(items)
    return items


def _hashable(key: Any) -> Any:
    if isinstance(key, list):
        return tuple(_hashable(item) for item in key)
    try:
        hash(key)
    except TypeError:
        return repr(key)
    return key


def _map_value(var: Variable) -> Any:
    if var.is_nil:
        return None
    children = var.children
    return {
        _hashable(children[i].to_python()): children[i + 1].to_python()
        for i in range(0, len(children) - 1, 2)
    }


def _struct_value(var: Variable) -> Any:
    if var.value:
        return var.value
    return {child.name: child.to_python() for child in var.children}


def _chan_value(var: Variable) -> Any:
    if var.is_nil:
        return None
    return {child.name: child.to_python() for child in var.children}


def _target_value(var: Variable) -> Any:
    if var.is_nil:
        return None
    return var.children[0].to_python()


def _func_value(var: Variable) -> Any:
    return None if var.is_nil else var.value


_CONVERTERS: Final[dict[VariableKind, Callable[[Variable], Any]]] = {
    VariableKind.BOOL: _bool_value,
    **dict.fromkeys(
        (
            VariableKind.INT,
            VariableKind.INT8,
            VariableKind.INT16,
            VariableKind.INT32,
            VariableKind.INT64,
            VariableKind.UINT,
            VariableKind.UINT8,
            VariableKind.UINT16,
            VariableKind.UINT32,
            VariableKind.UINT64,
            VariableKind.UINTPTR,
            VariableKind.UNSAFE_POINTER,
        ),
        _int_value,
    ),
    VariableKind.FLOAT32: _float_value,
    VariableKind.FLOAT64: _float_value,
    VariableKind.COMPLEX64: _complex_value,
    VariableKind.COMPLEX128: _complex_value,
    VariableKind.STRING: _string_value,
    VariableKind.ARRAY: _sequence_value,
    VariableKind.SLICE: _sequence_value,
    VariableKind.MAP: _map_value,
    VariableKind.STRUCT: _struct_value,
    VariableKind.CHAN: _chan_value,
    VariableKind.PTR: _target_value,
    VariableKind.INTERFACE: _target_value,
    VariableKind.FUNC: _func_value,
}


class Defer(DelveModel):
    """A deferred call of a frame (``api.Defer``)."""

    deferred_loc: Location = Field(default_factory=Location, alias="DeferredLoc")
    defer_loc: Location = Field(default_factory=Location, alias="DeferLoc")
    sp: int = Field(0, alias="SP")
    unreadable: str = Field("", alias="Unreadable")


class Stackframe(Location):
    """One stack frame (``api.Stackframe``): the Location fields flattened, as on the wire.

    ``locals``/``arguments`` are ``None`` when variables were not requested (no ``Cfg``/
    ``Full``) and a list otherwise. Per-frame unwinding problems are reported in ``err``.
    """

    locals: list[Variable] | None = Field(None, alias="Locals")
    arguments: list[Variable] | None = Field(None, alias="Arguments")
    frame_offset: int = Field(0, alias="FrameOffset")
    frame_pointer_offset: int = Field(0, alias="FramePointerOffset")
    defers: _Slice[Defer] = Field(default_factory=_new_list, alias="Defers")
    bottom: bool = Field(False, alias="Bottom")
    err: str = Field("", alias="Err")

    def var(self, name: str) -> Variable | None:
        """The local or argument called ``name`` (locals first, like Delve's ``Stackframe.Var``)."""
        for variables in (self.locals, self.arguments):
            for variable in variables or ():
                if variable.name == name:
                    return variable
        return None


class Ancestor(DelveModel):
    """A goroutine ancestor (needs ``GODEBUG=tracebackancestors=N`` in the target)."""

    id: int = Field(0, alias="ID")
    stack: _Slice[Stackframe] = Field(default_factory=_new_list, alias="Stack")
    unreadable: str = Field("", alias="Unreadable")


# ---------------------------------------------------------------------------------------------
# Goroutines, threads, breakpoints, state
# ---------------------------------------------------------------------------------------------

_GSCAN: Final = 0x1000
_SYSTEM_START_EXCEPTIONS: Final = frozenset({"runtime.main", "runtime.handleAsyncEvent"})


class Goroutine(DelveModel):
    """A goroutine (``api.Goroutine``).

    ``status`` and ``wait_reason`` are the runtime's raw integers; use :attr:`status_enum`,
    :attr:`status_name` and :meth:`wait_reason_name` for names. Unreadable goroutines come
    back with ``id`` 0, empty locations and the error in ``unreadable``.
    """

    id: int = Field(0, alias="id")
    current_loc: Location = Field(default_factory=Location, alias="currentLoc")
    user_current_loc: Location = Field(default_factory=Location, alias="userCurrentLoc")
    go_statement_loc: Location = Field(default_factory=Location, alias="goStatementLoc")
    start_loc: Location = Field(default_factory=Location, alias="startLoc")
    thread_id: int = Field(0, alias="threadID")
    status: int = Field(0, alias="status")
    wait_since: int = Field(0, alias="waitSince")
    wait_reason: int = Field(0, alias="waitReason")
    unreadable: str = Field("", alias="unreadable")
    labels: _StrMap[str] = Field(default_factory=_new_dict, alias="labels")

    @property
    def status_enum(self) -> GoroutineStatus:
        """``status`` without the GC-scan bit, as a :class:`GoroutineStatus`."""
        return GoroutineStatus(self.status & ~_GSCAN)

    @property
    def status_name(self) -> str:
        """Lower-case state name, e.g. ``"waiting"`` (GC-scan bit ignored)."""
        return self.status_enum.name.lower()

    @property
    def is_running(self) -> bool:
        """Whether the goroutine is on an OS thread (what Delve's ``RUNNING`` filter tests)."""
        return self.thread_id != 0

    @property
    def is_waiting(self) -> bool:
        """Whether the goroutine is blocked (runtime state ``WAITING``)."""
        return self.status_enum is GoroutineStatus.WAITING

    @property
    def is_system(self) -> bool:
        """Whether Delve counts it as a runtime goroutine (the opposite of the ``USER`` filter)."""
        name = self.start_loc.function_name
        return name.startswith("runtime.") and name not in _SYSTEM_START_EXCEPTIONS

    def wait_reason_name(self, go_version: Version | str | None) -> str:
        """Why the goroutine waits, e.g. ``"chan receive"``; ``""`` if it is not waiting.

        The numbering depends on the target's Go version: pass ``client.target_go_version``
        or ``VersionInfo.target_go_version`` (see :func:`wait_reason_string` for ``None``).
        Like ``dlv goroutines``, only goroutines waiting or in a syscall get a reason: the
        runtime leaves stale values behind in other states.
        """
        if self.status_enum not in (GoroutineStatus.WAITING, GoroutineStatus.SYSCALL):
            return ""
        return wait_reason_string(go_version, self.wait_reason)


class GoroutineGroup(DelveModel):
    """A ``ListGoroutines`` group: ``Goroutines[offset:offset+count]`` are sample members."""

    name: str = Field("", alias="Name")
    offset: int = Field(0, alias="Offset")
    count: int = Field(0, alias="Count")
    total: int = Field(0, alias="Total")


class Breakpoint(DelveModel):
    """A breakpoint, tracepoint or watchpoint (``api.Breakpoint``).

    ``tracepoint`` travels as ``"continue"``; ``hit_count`` maps goroutine IDs (as strings,
    like the JSON) to hits.
    """

    id: int = Field(0, alias="id")
    name: str = Field("", alias="name")
    addr: int = Field(0, alias="addr")
    addrs: _Slice[int] = Field(default_factory=_new_list, alias="addrs")
    addrpid: _Slice[int] = Field(default_factory=_new_list, alias="addrpid")
    file: str = Field("", alias="file")
    line: int = Field(0, alias="line")
    function_name: str = Field("", alias="functionName")
    expr_string: str = Field("", alias="ExprString")
    cond: str = Field("", alias="Cond")
    hit_cond: str = Field("", alias="HitCond")
    hit_cond_per_g: bool = Field(False, alias="HitCondPerG")
    tracepoint: bool = Field(False, alias="continue")
    trace_return: bool = Field(False, alias="traceReturn")
    goroutine: bool = Field(False, alias="goroutine")
    stacktrace: int = Field(0, alias="stacktrace")
    variables: _Slice[str] = Field(default_factory=_new_list, alias="variables")
    load_args: LoadConfig | None = Field(None, alias="LoadArgs")
    load_locals: LoadConfig | None = Field(None, alias="LoadLocals")
    custom_commands: _Slice[str] = Field(default_factory=_new_list, alias="customCommands")
    watch_expr: str = Field("", alias="WatchExpr")
    watch_type: WatchType = Field(WatchType.NONE, alias="WatchType")
    verbose_descr: _Slice[str] = Field(default_factory=_new_list, alias="VerboseDescr")
    hit_count: _StrMap[int] = Field(default_factory=_new_dict, alias="hitCount")
    total_hit_count: int = Field(0, alias="totalHitCount")
    disabled: bool = Field(False, alias="disabled")
    root_func_name: str = Field("", alias="RootFuncName")
    trace_follow_calls: int = Field(0, alias="TraceFollowCalls")


class BreakpointInfo(DelveModel):
    """What a breakpoint collected when it was hit (``api.BreakpointInfo``)."""

    stacktrace: _Slice[Stackframe] = Field(default_factory=_new_list, alias="stacktrace")
    goroutine: Goroutine | None = Field(None, alias="goroutine")
    variables: _Slice[Variable] = Field(default_factory=_new_list, alias="variables")
    arguments: _Slice[Variable] = Field(default_factory=_new_list, alias="arguments")
    locals: _Slice[Variable] = Field(default_factory=_new_list, alias="locals")


class Thread(_CodePosition):
    """An OS thread (``api.Thread``); in a core, ``id`` is the thread's TID.

    ``goroutine_id`` is 0 when no goroutine runs on it. ``return_values`` is filled only after
    a step-out or injected call.
    """

    id: int = Field(0, alias="id")
    goroutine_id: int = Field(0, alias="goroutineID")
    breakpoint: Breakpoint | None = Field(None, alias="breakPoint")
    breakpoint_info: BreakpointInfo | None = Field(None, alias="breakPointInfo")
    return_values: _Slice[Variable] = Field(default_factory=_new_list, alias="ReturnValues")
    call_return: bool = Field(False, alias="CallReturn")


class DebuggerState(DelveModel):
    """The debugger's state (``api.DebuggerState``).

    ``current_goroutine`` (JSON ``currentGoroutine``, Go ``SelectedGoroutine``) is the selected
    goroutine and is absent when the current thread runs none. When ``running`` (or
    ``recording``/``core_dumping``) is set by a non-blocking ``State`` call, every other field
    is empty. ``stop_reason`` needs Delve 1.26.1+.
    """

    pid: int = Field(0, alias="Pid")
    target_command_line: str = Field("", alias="TargetCommandLine")
    running: bool = Field(False, alias="Running")
    recording: bool = Field(False, alias="Recording")
    core_dumping: bool = Field(False, alias="CoreDumping")
    current_thread: Thread | None = Field(None, alias="currentThread")
    current_goroutine: Goroutine | None = Field(None, alias="currentGoroutine")
    threads: _Slice[Thread] = Field(default_factory=_new_list, alias="Threads")
    next_in_progress: bool = Field(False, alias="NextInProgress")
    watch_out_of_scope: _Slice[Breakpoint] = Field(
        default_factory=_new_list, alias="WatchOutOfScope"
    )
    exited: bool = Field(False, alias="exited")
    exit_status: int = Field(0, alias="exitStatus")
    when: str = Field("", alias="When")
    stop_reason: str = Field("", alias="stopReason")

    def _stopped_thread(self) -> Thread | None:
        """The thread stopped at a breakpoint: the current one if it is, else the first."""
        threads = [self.current_thread] if self.current_thread is not None else []
        return next((t for t in [*threads, *self.threads] if t.breakpoint is not None), None)

    @property
    def breakpoint(self) -> Breakpoint | None:
        """The breakpoint the target stopped at (the current thread's first), or None."""
        thread = self._stopped_thread()
        return thread.breakpoint if thread is not None else None

    @property
    def breakpoint_info(self) -> BreakpointInfo | None:
        """What that breakpoint collected at this hit (arguments, locals, stack…)."""
        thread = self._stopped_thread()
        return thread.breakpoint_info if thread is not None else None

    @property
    def panicked(self) -> bool:
        """True when the target stopped on an unrecovered panic (about to die of it)."""
        bp = self.breakpoint
        return bp is not None and bp.name == UNRECOVERED_PANIC

    @property
    def fatal_throw(self) -> bool:
        """True when the target stopped on a fatal runtime error (``fatal error: ...``)."""
        bp = self.breakpoint
        return bp is not None and bp.name == FATAL_THROW


# The names of Delve's internal breakpoints (pkg/proc), listed with ``ListBreakpoints{All}``.
UNRECOVERED_PANIC = "unrecovered-panic"
FATAL_THROW = "runtime-fatal-throw"


class DiscardedBreakpoint(DelveModel):
    """A breakpoint a restart could not set again (``api.DiscardedBreakpoint``)."""

    breakpoint: Breakpoint | None = Field(None, alias="Breakpoint")
    reason: str = Field("", alias="Reason")


class Target(DelveModel):
    """A debugged process (``api.Target``, from ``ListTargets``)."""

    pid: int = Field(0, alias="Pid")
    cmd_line: str = Field("", alias="CmdLine")
    current_thread: Thread | None = Field(None, alias="CurrentThread")


# ---------------------------------------------------------------------------------------------
# Registers, disassembly, binary information
# ---------------------------------------------------------------------------------------------


class Register(DelveModel):
    """A CPU register (``api.Register``); ``value`` is Delve's text (``"0x000000000048c3c1"``).

    Use :attr:`int_value` for the number.
    """

    name: str = Field("", alias="Name")
    value: str = Field("", alias="Value")
    dwarf_number: int = Field(0, alias="DwarfNumber")

    @property
    def int_value(self) -> int | None:
        """The value as an integer, or ``None`` if it is not plain hex.

        Flag registers carry a decoded suffix (``"0x...0246\\t[PF ZF IF IOPL=0]"``), which is
        ignored.
        """
        words = self.value.split()
        if not words or not words[0].lower().startswith("0x"):
            return None
        try:
            return int(words[0], 16)
        except ValueError:
            return None


class AsmInstruction(DelveModel):
    """One disassembled instruction (``api.AsmInstruction``); ``dest_loc`` is a CALL/JMP target."""

    loc: Location = Field(default_factory=Location, alias="Loc")
    dest_loc: Location | None = Field(None, alias="DestLoc")
    text: str = Field("", alias="Text")
    bytes: _Base64OrEmpty = Field(b"", alias="Bytes")
    breakpoint: bool = Field(False, alias="Breakpoint")
    at_pc: bool = Field(False, alias="AtPC")


class Image(DelveModel):
    """A loaded shared library (``api.Image``); ``load_error``/``trimpath`` need newer Delve."""

    path: str = Field("", alias="Path")
    address: int = Field(0, alias="Address")
    load_error: str = Field("", alias="LoadError")
    trimpath: bool = Field(False, alias="Trimpath")


class PackageBuildInfo(DelveModel):
    """Delve's best guess of a package's source directory (``api.PackageBuildInfo``)."""

    import_path: str = Field("", alias="ImportPath")
    directory_path: str = Field("", alias="DirectoryPath")
    files: _Slice[str] = Field(default_factory=_new_list, alias="Files")


class TypeInfoField(DelveModel):
    """A struct field of a :class:`TypeInfo`."""

    name: str = Field("", alias="Name")
    type: str = Field("", alias="Type")


class TypeInfoMethod(DelveModel):
    """A method of a :class:`TypeInfo`."""

    name: str = Field("", alias="Name")


class TypeInfo(DelveModel):
    """Layout of a type (``api.TypeInfo``, ``TypeInfo`` call, Delve 1.26.2+)."""

    kind: VariableKind = Field(VariableKind.INVALID, alias="Kind")
    size: int = Field(0, alias="Size")
    real_type: str = Field("", alias="RealType")
    fields: _Slice[TypeInfoField] = Field(default_factory=_new_list, alias="Fields")
    methods: _Slice[TypeInfoMethod] = Field(default_factory=_new_list, alias="Methods")


class DumpState(DelveModel):
    """Progress of a ``DumpStart`` core dump (``api.DumpState``).

    Done when ``dumping`` is false; then check ``err`` and ``all_done`` (false: cancelled).
    """

    dumping: bool = Field(False, alias="Dumping")
    all_done: bool = Field(False, alias="AllDone")
    threads_done: int = Field(0, alias="ThreadsDone")
    threads_total: int = Field(0, alias="ThreadsTotal")
    mem_done: int = Field(0, alias="MemDone")
    mem_total: int = Field(0, alias="MemTotal")
    err: str = Field("", alias="Err")


class VersionInfo(DelveModel):
    """``GetVersion`` reply.

    ``target_go_version`` is the DWARF producer (``"Go cmd/compile go1.26.8"``; empty while the
    target runs); ``min/max_supported_version_of_go`` look like ``"1.25.0"``.
    """

    delve_version: str = Field("", alias="DelveVersion")
    api_version: int = Field(0, alias="APIVersion")
    backend: str = Field("", alias="Backend")
    target_go_version: str = Field("", alias="TargetGoVersion")
    min_supported_version_of_go: str = Field("", alias="MinSupportedVersionOfGo")
    max_supported_version_of_go: str = Field("", alias="MaxSupportedVersionOfGo")

    @property
    def delve(self) -> Version | None:
        """Delve's version, parsed from ``"Version: 1.27.2\\n..."``."""
        return parse_delve_version(self.delve_version)

    @property
    def target_go(self) -> Version | None:
        """The target's Go version, if known."""
        return parse_go_version(self.target_go_version)


# ---------------------------------------------------------------------------------------------
# rpc2 reply envelopes (the ...Out structs of service/rpc2/server.go). Internal to the client:
# not exported; the public API returns their fields. Pointer results (State, Thread, Variable,
# TypeInfo) are never null in a successful reply, so they are not Optional here.
# ---------------------------------------------------------------------------------------------


# Reply of calls whose result the client passes through as plain JSON data.
AnyOut = dict[str, Any]


class EmptyOut(DelveModel):
    """Reply of calls that return ``{}``."""


DetachOut = EmptyOut


class StacktraceOut(DelveModel):
    """``Stacktrace`` reply."""

    locations: _Slice[Stackframe] = Field(default_factory=_new_list, alias="Locations")


class AncestorsOut(DelveModel):
    """``Ancestors`` reply."""

    ancestors: _Slice[Ancestor] = Field(default_factory=_new_list, alias="Ancestors")


class ListGoroutinesOut(DelveModel):
    """``ListGoroutines`` reply; ``nextg`` < 0 means the last page was returned."""

    goroutines: _Slice[Goroutine] = Field(default_factory=_new_list, alias="Goroutines")
    # -1 ("done") rather than Go's 0 so a reply lacking the key cannot make a pager loop.
    nextg: int = Field(-1, alias="Nextg")
    groups: _Slice[GoroutineGroup] = Field(default_factory=_new_list, alias="Groups")
    too_many_groups: bool = Field(False, alias="TooManyGroups")


class StateOut(DelveModel):
    """``State`` reply."""

    state: DebuggerState = Field(default_factory=DebuggerState, alias="State")


class CommandOut(DelveModel):
    """``Command`` reply."""

    state: DebuggerState = Field(default_factory=DebuggerState, alias="State")


class ListThreadsOut(DelveModel):
    """``ListThreads`` reply."""

    threads: _Slice[Thread] = Field(default_factory=_new_list, alias="Threads")


class GetThreadOut(DelveModel):
    """``GetThread`` reply."""

    thread: Thread = Field(default_factory=Thread, alias="Thread")


class ListTargetsOut(DelveModel):
    """``ListTargets`` reply."""

    targets: _Slice[Target] = Field(default_factory=_new_list, alias="Targets")


class EvalOut(DelveModel):
    """``Eval`` reply."""

    variable: Variable = Field(default_factory=Variable, alias="Variable")


class ListLocalVarsOut(DelveModel):
    """``ListLocalVars`` reply."""

    variables: _Slice[Variable] = Field(default_factory=_new_list, alias="Variables")


class ListPackageVarsOut(ListLocalVarsOut):
    """``ListPackageVars`` reply (same shape as ``ListLocalVars``)."""


class ListFunctionArgsOut(DelveModel):
    """``ListFunctionArgs`` reply."""

    args: _Slice[Variable] = Field(default_factory=_new_list, alias="Args")


class ExamineMemoryOut(DelveModel):
    """``ExamineMemory`` reply (Go ``ExaminedMemoryOut``)."""

    mem: _Base64OrEmpty = Field(b"", alias="Mem")
    is_little_endian: bool = Field(True, alias="IsLittleEndian")


class ListRegistersOut(DelveModel):
    """``ListRegisters`` reply: ``registers`` is Delve's pre-formatted text."""

    registers: str = Field("", alias="Registers")
    regs: _Slice[Register] = Field(default_factory=_new_list, alias="Regs")


class DisassembleOut(DelveModel):
    """``Disassemble`` reply."""

    disassemble: _Slice[AsmInstruction] = Field(default_factory=_new_list, alias="Disassemble")


class ListSourcesOut(DelveModel):
    """``ListSources`` reply."""

    sources: _Slice[str] = Field(default_factory=_new_list, alias="Sources")


class ListFunctionsOut(DelveModel):
    """``ListFunctions`` reply."""

    funcs: _Slice[str] = Field(default_factory=_new_list, alias="Funcs")


class ListTypesOut(DelveModel):
    """``ListTypes`` reply."""

    types: _Slice[str] = Field(default_factory=_new_list, alias="Types")


class FindLocationOut(DelveModel):
    """``FindLocation`` reply."""

    locations: _Slice[Location] = Field(default_factory=_new_list, alias="Locations")
    substitute_loc_expr: str = Field("", alias="SubstituteLocExpr")


class ListDynamicLibrariesOut(DelveModel):
    """``ListDynamicLibraries`` reply."""

    list: _Slice[Image] = Field(default_factory=_new_list, alias="List")
    executable_trimpath: bool = Field(False, alias="ExecutableTrimpath")


class ListPackagesBuildInfoOut(DelveModel):
    """``ListPackagesBuildInfo`` reply."""

    list: _Slice[PackageBuildInfo] = Field(default_factory=_new_list, alias="List")


class GuessSubstitutePathOut(DelveModel):
    """``GuessSubstitutePath`` reply: ``[from, to]`` pairs."""

    list: _Slice[tuple[str, str]] = Field(default_factory=_new_list, alias="List")


class DebugInfoDirectoriesOut(DelveModel):
    """``DebugInfoDirectories`` reply."""

    list: _Slice[str] = Field(default_factory=_new_list, alias="List")


class ProcessPidOut(DelveModel):
    """``ProcessPid`` reply."""

    pid: int = Field(0, alias="Pid")


class BuildIDOut(DelveModel):
    """``BuildID`` reply."""

    build_id: str = Field("", alias="BuildID")


class TypeInfoOut(DelveModel):
    """``TypeInfo`` reply."""

    type_info: TypeInfo = Field(default_factory=TypeInfo, alias="TypeInfo")


class DumpStateOut(DelveModel):
    """``DumpStart`` and ``DumpWait`` reply."""

    state: DumpState = Field(default_factory=DumpState, alias="State")


class RestartOut(DelveModel):
    """``Restart`` reply."""

    discarded_breakpoints: _Slice[DiscardedBreakpoint] = Field(
        default_factory=list, alias="DiscardedBreakpoints"
    )


class BreakpointOut(DelveModel):
    """``GetBreakpoint``/``CreateBreakpoint``/``ClearBreakpoint``/``ToggleBreakpoint`` reply."""

    breakpoint: Breakpoint | None = Field(None, alias="Breakpoint")


class ListBreakpointsOut(DelveModel):
    """``ListBreakpoints`` reply."""

    breakpoints: _Slice[Breakpoint] = Field(default_factory=_new_list, alias="Breakpoints")


class IsMulticlientOut(DelveModel):
    """``IsMulticlient`` reply."""

    is_multiclient: bool = Field(False, alias="IsMulticlient")


class RecordedOut(DelveModel):
    """``Recorded`` reply (true for cores, which Delve models as recordings)."""

    recorded: bool = Field(False, alias="Recorded")
    trace_directory: str = Field("", alias="TraceDirectory")


class LastModifiedOut(DelveModel):
    """``LastModified`` reply (modification time of the executable)."""

    time: datetime | None = Field(None, alias="Time")


class AttachedToExistingProcessOut(DelveModel):
    """``AttachedToExistingProcess`` reply."""

    answer: bool = Field(False, alias="Answer")


class FunctionReturnLocationsOut(DelveModel):
    """``FunctionReturnLocations`` reply."""

    addrs: _Slice[int] = Field(default_factory=_new_list, alias="Addrs")


class FollowExecEnabledOut(DelveModel):
    """``FollowExecEnabled`` reply."""

    enabled: bool = Field(False, alias="Enabled")
