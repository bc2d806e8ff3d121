"""What every blocked goroutine waits on, read from the Go runtime's own structures in a core.

One pass over every goroutine's stack (as :meth:`AsyncClient.goroutine_stacks`) sorts the
blocked ones by how they wait; then the runtime's bookkeeping names the object:

* channels and ``select``: ``g.waiting`` is the goroutine's list of sudogs, one per channel
  (``sudog.c``); each channel's ``recvq``/``sendq`` tell which side a select case waits on;
* ``sync.Mutex``, ``RWMutex`` and ``WaitGroup``: their semaphores park sudogs in
  ``runtime.semtable``, treaps keyed by the semaphore's address (``sudog.elem``); which kind
  of object owns the semaphore is told by the ``sync`` frames of the waiter's stack;
* ``sync.Cond``: its ``notifyList`` chains the waiters' sudogs from ``head``.

Layouts differ between Go versions, so field offsets are never assumed: they are learned from
Delve's evaluation of the runtime's own types (one ``Eval`` per type), and the bulk of the
structures (every ``g``, every sudog) is then read as raw memory in large blocks, which costs
a few calls instead of one per goroutine.
"""

from __future__ import annotations

import array
import contextlib
import functools
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import anyio

from ._errors import DelveReplyError
from ._models import Goroutine, GoroutineStatus, LoadConfig, Stackframe, Variable, VariableKind
from ._protocols import ReadClient, versions
from ._schema import WaitChannel, WaitFrame, WaitKind, WaitObject, Waits
from ._version import Version

__all__ = ["WaitsCollector", "waits"]


# "(durable)": the same waits inside a testing/synctest bubble (Go 1.24+).
_CHAN_REASONS = {
    "chan receive": WaitKind.CHAN_RECV,
    "chan send": WaitKind.CHAN_SEND,
    "chan receive (durable)": WaitKind.CHAN_RECV,
    "chan send (durable)": WaitKind.CHAN_SEND,
}
_SEMA_REASONS = frozenset(
    {
        "semacquire",
        "sync.Mutex.Lock",
        "sync.RWMutex.RLock",
        "sync.RWMutex.Lock",
        "sync.WaitGroup.Wait",
        "sync.WaitGroup.Wait (durable)",
    }
)
_NAMED_REASONS = {
    "chan receive (nil chan)": WaitKind.NIL_CHAN,
    "chan send (nil chan)": WaitKind.NIL_CHAN,
    "select (no cases)": WaitKind.SELECT_NO_CASES,
    "sleep": WaitKind.SLEEP,
    "IO wait": WaitKind.IO_WAIT,
    "select": WaitKind.SELECT,
    "select (durable)": WaitKind.SELECT,
    "sync.Cond.Wait": WaitKind.COND,
}
_GC_REASON = re.compile(r"GC|garbage collection|force gc|stopping the world")
# The sync methods whose semaphore a goroutine waits on, innermost first (internal/ stripped).
_MUTEX_FRAMES = frozenset({"sync.(*Mutex).Lock", "sync.(*Mutex).lockSlow"})
_SYNC_ROLES = {
    "sync.(*RWMutex).RLock": "reader",
    "sync.(*RWMutex).Lock": "writer",
    "sync.(*WaitGroup).Wait": "waitgroup",
}


@functools.lru_cache(maxsize=4096)
def _is_app(function: str) -> bool:
    """Whether a function is the program's own or a dependency's (not runtime or stdlib)."""
    slash = function.rfind("/")
    dot = function.find(".", slash + 1)
    package = function[:dot] if dot > 0 else function
    return package == "main" or "." in package.split("/", 1)[0]


def _sema_role(functions: Sequence[str]) -> str:
    """mutex, reader, writer, writer_w (an RWMutex's inner mutex), waitgroup or semaphore."""
    names = [f.removeprefix("internal/") for f in functions]
    for i, name in enumerate(names):
        if name in _MUTEX_FRAMES:
            outer = next((n for n in names[i + 1 :] if n not in _MUTEX_FRAMES), "")
            return "writer_w" if outer == "sync.(*RWMutex).Lock" else "mutex"
        if name in _SYNC_ROLES:
            return _SYNC_ROLES[name]
    return "semaphore"


@dataclass(slots=True)
class _Blocked:
    """A blocked goroutine: what the stack pass keeps of it."""

    id: int
    kind: WaitKind
    reason: str
    functions: tuple[str, ...]
    frame: WaitFrame | None
    app_frames: tuple[int, ...]
    role: str = ""


def _classify(goroutine: Goroutine, reason: str) -> WaitKind | None:
    status = goroutine.status_enum
    if status is GoroutineStatus.SYSCALL:
        return WaitKind.SYSCALL
    if status is not GoroutineStatus.WAITING:
        return None
    if reason in _CHAN_REASONS:
        return _CHAN_REASONS[reason]
    if reason in _SEMA_REASONS:
        return WaitKind.SEMAPHORE  # refined by the stack once the semtable is read
    if reason in _NAMED_REASONS:
        return _NAMED_REASONS[reason]
    if _GC_REASON.search(reason):
        return WaitKind.GC
    return WaitKind.OTHER


class WaitsCollector:
    """Collects blocked goroutines during a stack pass; :meth:`resolve` names their objects.

    Feed it every goroutine (``add``) from a pass the caller makes anyway, such as a crash
    report's, so the stacks are read once.
    """

    def __init__(self, go_version: Version | str | None, *, include_runtime: bool = False):
        self._go_version = go_version
        self._include_runtime = include_runtime
        self._blocked: list[_Blocked] = []
        # Goroutines blocked alike share their names and frame: memory per kind of stack.
        self._names: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._frames: dict[tuple[str, str, int, int], WaitFrame] = {}
        #: Goroutines added so far, and of them running or runnable.
        self.total = 0
        self.active = 0
        # Every goroutine seen, with its first in-app function (or innermost one): whose
        # stacks the hints search, and how they name a goroutine.
        self._where: dict[int, str] = {}

    def add(self, goroutine: Goroutine, frames: Sequence[Stackframe]) -> None:
        """Record one goroutine with its stack (innermost frame first)."""
        self.total += 1
        if self.total == _MAX_SCANNED_STACKS + 1:
            self._where.clear()  # too many for stack hints: where they are serves nothing
        status = goroutine.status_enum
        if status in (GoroutineStatus.RUNNING, GoroutineStatus.RUNNABLE):
            self.active += 1
            if self.total <= _MAX_SCANNED_STACKS:
                self._where[goroutine.id] = self._first_app(frames)
            return
        if goroutine.is_system and not self._include_runtime:
            return  # the runtime's own goroutines (GC workers, finalizers...)
        reason = goroutine.wait_reason_name(self._go_version) if goroutine.wait_reason else ""
        kind = _classify(goroutine, reason)
        if kind is None:
            return
        # Frames past the third in-app one are never looked at: stop reading there.
        functions: list[str] = []
        app: list[int] = []
        for index, f in enumerate(frames):
            name = f.function_name
            functions.append(name)
            if _is_app(name):
                app.append(index)
                if len(app) == 3:
                    break
        frame = None
        if app:
            top = frames[app[0]]
            where = (functions[app[0]], top.file, top.line, app[0])
            frame = self._frames.get(where)
            if frame is None:
                frame = self._frames[where] = WaitFrame(
                    function=where[0], file=where[1], line=where[2], index=where[3]
                )
        names = self._names.setdefault(tuple(functions), tuple(functions))
        if self.total <= _MAX_SCANNED_STACKS:
            self._where[goroutine.id] = functions[app[0]] if app else (functions[:1] or [""])[0]
        blocked = _Blocked(goroutine.id, kind, reason, names, frame, tuple(app))
        if kind is WaitKind.SEMAPHORE:
            blocked.role = _sema_role(functions)
        self._blocked.append(blocked)

    @property
    def blocked(self) -> int:
        """How many of the goroutines added are blocked (the runtime's own left out)."""
        return len(self._blocked)

    @staticmethod
    def _first_app(frames: Sequence[Stackframe]) -> str:
        names = (f.function_name for f in frames)
        first = next(iter(frames), None)
        return next((n for n in names if _is_app(n)), first.function_name if first else "")

    async def resolve(self, client: ReadClient, *, name_objects: int = 32) -> Waits:
        """Read the runtime's structures and group the goroutines by object."""
        return await _Resolver(client, self).run(name_objects)


async def waits(
    client: ReadClient,
    *,
    depth: int = 50,
    name_objects: int = 32,
    include_runtime: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Waits:
    """What every blocked goroutine of the core waits on, grouped by object, largest first.

    ``depth`` bounds the frames read per goroutine (the frame where it blocks must be among
    them); expressions naming the objects are looked for in the ``name_objects`` largest
    groups. The runtime's own goroutines are left out unless ``include_runtime``.
    ``progress`` is called with the count of stacks read so far.
    """
    go_version = (await versions(client)).target_go_version or None
    collector = WaitsCollector(go_version, include_runtime=include_runtime)
    async for goroutine, frames in client.goroutine_stacks(depth=depth):
        collector.add(goroutine, frames)
        if progress is not None:
            progress(collector.total)
    return await collector.resolve(client, name_objects=name_objects)


# --- reading the core ----------------------------------------------------------------------------

# Values only: no pointer is followed, nested structs are seen to three levels (enough to reach
# the field under a wrapper such as Go 1.26's maybeTraceableChan).
_SHAPE = LoadConfig.fields(recurse=3)
_VARS = LoadConfig.fields(recurse=2, follow_pointers=True)
# Delve reports every unsigned integer as UINT whatever its width: the type name tells it.
_SIZES = {"bool": 1, "int8": 1, "uint8": 1, "int16": 2, "uint16": 2, "int32": 4, "uint32": 4}
_BLOCK = 1 << 14
_MAX_RANGE = 1 << 16
_MAX_CHAIN = 1 << 20
_READS_IN_FLIGHT = 4
# Loads of a frame's variables (following pointers: large in real programs) per analysis.
_MAX_HEAVY_LOADS = 24
_EVALS_IN_FLIGHT = 8
_MAX_FD_READS = 1024
_G_BATCH = 4096  # g's read at a time
# Stack hints: every live stack is searched in cores of up to this many goroutines whose
# stacks hold up to _STACK_BYTES.
_MAX_SCANNED_STACKS = 4096
_MAX_STACK = 1 << 20
_STACK_BYTES = 8 << 20
_SCANNED_KINDS = frozenset(
    {
        WaitKind.MUTEX,
        WaitKind.RWMUTEX,
        WaitKind.COND,
        WaitKind.WAITGROUP,
        WaitKind.CHAN_RECV,
        WaitKind.CHAN_SEND,
    }
)


def _find(var: Variable, name: str) -> Variable | None:
    """The first field called ``name`` in ``var``, depth first."""
    for child in var.children:
        if child.name == name:
            return child
        if child.kind is VariableKind.STRUCT:
            found = _find(child, name)
            if found is not None:
                return found
    return None


def _leaf(var: Variable) -> Variable:
    """Under a wrapper struct (Go 1.26's maybeTraceablePtr), the field that holds the value."""
    while var.kind is VariableKind.STRUCT:
        inner = _find(var, "vu")
        if inner is None:
            break
        var = inner
    return var


def _number(var: Variable | None) -> int:
    if var is None or var.unreadable:
        return 0
    match = re.search(r"-?\d+", var.value.rsplit("(", 1)[-1]) if "(" in var.value else None
    text = match.group(0) if match else var.value
    try:
        return int(text)
    except ValueError:
        return 0


@dataclass(frozen=True, slots=True)
class _Field:
    offset: int
    size: int


def _fields(var: Variable, names: Iterable[str]) -> dict[str, _Field]:
    """Offsets and sizes of the named fields of a struct value Delve loaded."""
    out: dict[str, _Field] = {}
    for name in names:
        found = _find(var, name)
        if found is not None:
            leaf = _leaf(found)
            out[name] = _Field(leaf.addr - var.addr, _SIZES.get(leaf.type, 8))
    return out


class _Memory:
    """The core's memory, read in aligned blocks and kept, so chasing pointers costs few calls."""

    def __init__(self, client: ReadClient) -> None:
        self._client = client
        self._blocks: dict[int, bytes] = {}

    async def prefetch(self, addresses: Iterable[int], size: int) -> None:
        """Read every ``[address, address + size)``."""
        await self.prefetch_ranges((address, address + size) for address in addresses)

    async def prefetch_ranges(self, wanted: Iterable[tuple[int, int]]) -> None:
        """Read every ``[start, end)``, joined into reads of up to 64 KiB where they are near."""
        ranges: list[list[int]] = []
        for first, end in sorted(set(wanted)):
            start = first - first % _BLOCK
            if ranges and start <= ranges[-1][1] and end - ranges[-1][0] <= _MAX_RANGE:
                ranges[-1][1] = max(ranges[-1][1], end)
            else:
                ranges.append([start, end])
        limiter = anyio.CapacityLimiter(_READS_IN_FLIGHT)

        async def fetch(start: int, end: int) -> None:
            async with limiter:
                try:
                    data = await self._client.examine_memory(start, end - start)
                except DelveReplyError:
                    return  # unreadable in part: read on demand, block by block
            for offset in range(0, len(data), _BLOCK):
                self._blocks[start + offset] = data[offset : offset + _BLOCK]

        # A few reads in flight, so Delve reads the core while this process decodes a reply.
        async with anyio.create_task_group() as tg:
            for start, end in ranges:
                tg.start_soon(fetch, start, end + -end % _BLOCK)

    def forget(self) -> None:
        """Drop every block read so far (memory is bounded by what one step needs)."""
        self._blocks.clear()

    def get(self, address: int, size: int) -> bytes | None:
        """The bytes at ``address`` if already read, else None (no call is made)."""
        base = address - address % _BLOCK
        offset = address - base
        if offset + size <= _BLOCK:  # the common case: one block
            block = self._blocks.get(base)
            if block is None or len(block) < offset + size:
                return None
            return block[offset : offset + size]
        parts: list[bytes] = []
        for start in range(base, address + size, _BLOCK):
            block = self._blocks.get(start)
            if block is None or (len(block) < _BLOCK and start + len(block) < address + size):
                return None
            parts.append(block)
        return b"".join(parts)[offset : offset + size]

    async def read(self, address: int, size: int) -> bytes:
        """The bytes at ``address`` (``b""`` if unreadable), through the block cache."""
        if address <= 0:
            return b""
        data = self.get(address, size)
        if data is not None:
            return data
        base = address - address % _BLOCK
        if base not in self._blocks:
            try:
                self._blocks[base] = await self._client.examine_memory(base, _BLOCK)
            except DelveReplyError:
                self._blocks[base] = b""
            data = self.get(address, size)
            if data is not None:
                return data
        try:  # across a block's end, or in a block only partly readable
            return await self._client.examine_memory(address, size)
        except DelveReplyError:
            return b""


def _int(data: bytes, field: _Field) -> int:
    return int.from_bytes(data[field.offset : field.offset + field.size], "little")


@dataclass(slots=True)
class _Sudog:
    address: int
    g: int
    chan: int
    elem: int
    is_select: bool
    next: int
    prev: int
    waitlink: int


@dataclass(slots=True)
class _Chan:
    address: int
    info: WaitChannel
    recv: set[int] = field(default_factory=set)  # sudog addresses
    send: set[int] = field(default_factory=set)
    recv_goids: set[int] = field(default_factory=set)
    send_goids: set[int] = field(default_factory=set)


class _Resolver:
    """One resolution: the layouts it learned, the memory it read, the groups it built."""

    def __init__(self, client: ReadClient, collector: WaitsCollector) -> None:
        self.client = client
        self.collector = collector
        self.memory = _Memory(client)
        self.notes: list[str] = []
        self.g_fields: dict[str, _Field] = {}
        self.sudog_fields: dict[str, _Field] = {}
        self.g_goid: dict[int, int] = {}  # g address -> goid
        self.waiting_of: dict[int, int] = {}  # goid -> g.waiting, for channel waiters
        self.stack_of: dict[int, tuple[int, int]] = {}  # goid -> [sp, stack.hi)
        self.objects: list[WaitObject] = []
        self._types: dict[int, str] = {}
        self._types_base: int | None = None
        self._sync: dict[str, Variable | None] = {}
        self._sudogs: dict[int, _Sudog] = {}
        self._hchan: dict[str, _Field] | None = None
        # Expressions that named an object in a function's frame, tried first in its other
        # goroutines; and the type of the variable each starts from.
        self._known: dict[str, list[str]] = {}
        self._owners: dict[tuple[str, str], str | None] = {}
        self._heavy_loads = 0
        self._owner_address: dict[int, int] = {}  # id(WaitObject) -> its expression's base
        self._no_receiver = False
        self._by_id = {b.id: b for b in collector._blocked}
        self.g_size = 0
        self.sudog_size = 0

    # --- layouts and goroutines -----------------------------------------------------------------

    async def _eval(self, expr: str, load: LoadConfig = _SHAPE) -> Variable | None:
        try:
            return await self.client.eval(expr, load=load)
        except DelveReplyError as exc:
            self.notes.append(f"could not evaluate {expr}: {exc}")
            return None

    async def _learn_layouts(self) -> bool:
        g0 = await self._eval("*runtime.allgs[0]")
        if g0 is None:
            return False
        self.g_fields = _fields(g0, ("goid", "waiting", "hi", "sp", "syscallsp"))
        # Any readable address serves to learn a layout; a g is bigger than a sudog.
        sudog = await self._eval(_cast("runtime.sudog", g0.addr))
        if sudog is None:
            return False
        names = ("g", "next", "prev", "elem", "isSelect", "waitlink", "c")
        self.sudog_fields = _fields(sudog, names)
        missing = [n for n in ("goid", "waiting") if n not in self.g_fields]
        missing += [n for n in names if n not in self.sudog_fields]
        if missing:
            self.notes.append(f"this Go's runtime lacks fields the analysis reads: {missing}")
            return False
        self.g_size = max(f.offset + f.size for f in self.g_fields.values())
        self.sudog_size = max(f.offset + f.size for f in self.sudog_fields.values())
        return True

    async def _read_allgs(self, chan_waiters: set[int], stacks: bool) -> None:
        """Every g's goid; ``g.waiting`` of the goroutines in ``chan_waiters``; and, with
        ``stacks``, every stack's bounds. Read in batches, each dropped once digested, so a
        100k-goroutine core never holds all its g's at once."""
        allgs = await self._eval("runtime.allgs")
        if allgs is None or not allgs.base or not allgs.len:
            return
        data = await self.client.examine_memory(allgs.base, 8 * allgs.len)
        gs = sorted({int.from_bytes(data[i : i + 8], "little") for i in range(0, len(data), 8)})
        f = self.g_fields
        for start in range(0, len(gs), _G_BATCH):
            batch = gs[start : start + _G_BATCH]
            await self.memory.prefetch(batch, self.g_size)
            for g in batch:
                raw = self.memory.get(g, self.g_size)
                if raw is None:  # not prefetched (an unreadable range): one read of its own
                    raw = await self.memory.read(g, self.g_size)
                if len(raw) != self.g_size:
                    continue
                goid = _int(raw, f["goid"])
                self.g_goid[g] = goid
                if goid in chan_waiters:
                    self.waiting_of[goid] = _int(raw, f["waiting"])
                if stacks and "hi" in f and "sp" in f:
                    sp = (_int(raw, f["syscallsp"]) if "syscallsp" in f else 0) or _int(
                        raw, f["sp"]
                    )
                    self.stack_of[goid] = (sp, _int(raw, f["hi"]))
            self.memory.forget()

    async def _goid(self, g: int) -> int | None:
        if not g:
            return None
        if g in self.g_goid:
            return self.g_goid[g]
        raw = await self.memory.read(g, self.g_size)
        if len(raw) < self.g_size:
            return None
        self.g_goid[g] = number = _int(raw, self.g_fields["goid"])
        return number

    async def _sudog(self, address: int) -> _Sudog | None:
        known = self._sudogs.get(address)
        if known is not None:
            return known
        size = self.sudog_size
        raw = self.memory.get(address, size)
        if raw is None:
            raw = await self.memory.read(address, size)
        if len(raw) < size:
            return None
        f = self.sudog_fields
        sudog = _Sudog(
            address=address,
            g=_int(raw, f["g"]),
            chan=_int(raw, f["c"]),
            elem=_int(raw, f["elem"]),
            is_select=bool(_int(raw, f["isSelect"])),
            next=_int(raw, f["next"]),
            prev=_int(raw, f["prev"]),
            waitlink=_int(raw, f["waitlink"]),
        )
        self._sudogs[address] = sudog
        return sudog

    async def _chain(self, first: int, link: str) -> list[_Sudog]:
        """The sudogs from ``first`` along ``link`` (next, waitlink)."""
        out: list[_Sudog] = []
        seen: set[int] = set()
        address = first
        while address and address not in seen and len(out) < _MAX_CHAIN:
            seen.add(address)
            sudog = await self._sudog(address)
            if sudog is None:
                break
            out.append(sudog)
            address = getattr(sudog, link)
        return out

    async def _goids(self, sudogs: Iterable[_Sudog]) -> set[int]:
        out: set[int] = set()
        for s in sudogs:
            goid = await self._goid(s.g)
            if goid is not None:
                out.add(goid)
        return out

    # --- the passes -------------------------------------------------------------------------------

    async def run(self, name_objects: int) -> Waits:
        blocked = self.collector._blocked
        by_kind: dict[WaitKind, list[_Blocked]] = defaultdict(list)
        for b in blocked:
            by_kind[b.kind].append(b)
        needs_runtime = (
            any(
                k in by_kind
                for k in (
                    WaitKind.CHAN_RECV,
                    WaitKind.CHAN_SEND,
                    WaitKind.SELECT,
                    WaitKind.SEMAPHORE,
                )
            )
            or WaitKind.COND in by_kind
        )
        if needs_runtime and await self._learn_layouts():
            chans = (WaitKind.CHAN_RECV, WaitKind.CHAN_SEND, WaitKind.SELECT)
            await self._read_allgs(
                {b.id for kind in chans for b in by_kind[kind]},
                stacks=self.collector.total <= _MAX_SCANNED_STACKS,
            )
            await self._channels(
                by_kind[WaitKind.CHAN_RECV] + by_kind[WaitKind.CHAN_SEND] + by_kind[WaitKind.SELECT]
            )
            await self._semaphores(by_kind[WaitKind.SEMAPHORE])
            await self._conds(by_kind[WaitKind.COND])
        else:
            for kind in (
                WaitKind.CHAN_RECV,
                WaitKind.CHAN_SEND,
                WaitKind.SELECT,
                WaitKind.SEMAPHORE,
                WaitKind.COND,
            ):
                self._by_frame(by_kind[kind])
        await self._io_waits(by_kind[WaitKind.IO_WAIT])
        for kind in (
            WaitKind.NIL_CHAN,
            WaitKind.SELECT_NO_CASES,
            WaitKind.SLEEP,
            WaitKind.SYSCALL,
            WaitKind.GC,
            WaitKind.OTHER,
        ):
            self._by_frame(by_kind[kind])
        self.objects.sort(key=lambda o: (-o.waiters, o.address == 0, o.address, o.kind.value))
        for obj in self.objects[:name_objects]:
            await self._name(obj)
        hints = self._hints()
        await self._stack_hints()
        return Waits(
            goroutines=self.collector.total,
            blocked=self.collector.blocked,
            objects=self.objects,
            hints=hints,
            notes=self.notes,
        )

    def _group(
        self, kind: WaitKind, address: int, members: Sequence[_Blocked], **extra: object
    ) -> WaitObject:
        members = sorted(members, key=lambda b: b.id)
        first = members[0]
        obj = WaitObject(
            kind=kind,
            address=address,
            waiters=len(members),
            goroutine_ids=[b.id for b in members],
            frame=first.frame,
            wait_reason=first.reason,
            **extra,
        )
        self.objects.append(obj)
        return obj

    def _by_frame(self, members: Sequence[_Blocked]) -> None:
        """Waits on no object that could be read: one group per kind, reason and frame."""
        groups: dict[tuple[str, str, str, int], list[_Blocked]] = defaultdict(list)
        for b in members:
            if b.frame is not None:
                function, line = b.frame.function, b.frame.line
            else:
                function, line = (b.functions[0] if b.functions else ""), 0
            groups[(b.kind.value, b.reason, function, line)].append(b)
        for group in groups.values():
            self._group(group[0].kind, 0, group)

    # channels ----------------------------------------------------------------------------------

    async def _channels(self, members: list[_Blocked]) -> None:
        if not members:
            return
        cases: dict[int, list[_Sudog]] = {}
        chans: dict[int, _Chan] = {}
        unresolved: list[_Blocked] = []
        for b in members:
            first = self.waiting_of.get(b.id, 0)
            if not first:
                unresolved.append(b)
                continue
            cases[b.id] = await self._chain(first, "waitlink")
            for s in cases[b.id]:
                if s.chan and s.chan not in chans:
                    chans[s.chan] = await self._chan(s.chan)
        self._by_frame(unresolved)
        plain: dict[tuple[int, WaitKind], list[_Blocked]] = defaultdict(list)
        selects: dict[tuple[tuple[int, str], ...], list[_Blocked]] = defaultdict(list)
        for b in members:
            if b.id not in cases:
                continue
            if b.kind is WaitKind.SELECT:
                key = tuple(
                    sorted(
                        (s.chan, "send" if s.address in chans[s.chan].send else "recv")
                        for s in cases[b.id]
                        if s.chan
                    )
                )
                selects[key].append(b)
            elif cases[b.id] and cases[b.id][0].chan:
                plain[(cases[b.id][0].chan, b.kind)].append(b)
        for (address, kind), group in plain.items():
            info = chans[address].info
            self._group(kind, address, group, channel=info, type=_chan_type(info))
        for key, group in selects.items():
            infos = [
                chans[address].info.model_copy(update={"direction": direction})
                for address, direction in key
            ]
            address = key[0][0] if key else 0
            self._group(WaitKind.SELECT, address, group, channels=infos, type="select")

    async def _hchan_layout(self, address: int) -> dict[str, _Field] | None:
        """Offsets of the hchan fields read, learned from Delve's view of one channel."""
        if self._hchan is None:
            hchan = await self._eval(_cast("runtime.hchan", address))
            if hchan is None:
                return None
            fields = _fields(hchan, ("qcount", "dataqsiz", "closed", "elemtype", "timer"))
            for queue in ("recvq", "sendq"):
                found = _find(hchan, queue)
                first = _find(found, "first") if found is not None else None
                if first is not None:
                    fields[queue] = _Field(first.addr - hchan.addr, 8)
            self._hchan = fields
        return self._hchan

    async def _chan(self, address: int) -> _Chan:
        chan = _Chan(address, WaitChannel(address=address))
        layout = await self._hchan_layout(address)
        size = max((f.offset + f.size for f in (layout or {}).values()), default=0)
        raw = await self.memory.read(address, size) if layout else b""
        if layout is None or len(raw) < size or "recvq" not in layout or "sendq" not in layout:
            self.notes.append(f"could not read the channel at {address:#x}")
            return chan

        def value(name: str) -> int:
            return _int(raw, layout[name]) if name in layout else 0

        for name, into, goids in (
            ("recvq", chan.recv, chan.recv_goids),
            ("sendq", chan.send, chan.send_goids),
        ):
            queued = await self._chain(value(name), "next")
            into.update(s.address for s in queued)
            goids.update(await self._goids(queued))
        chan.info = WaitChannel(
            address=address,
            element_type=await self._type_name(value("elemtype")),
            len=value("qcount"),
            cap=value("dataqsiz"),
            closed=value("closed") != 0,
            timer=value("timer") != 0,
            receivers=len(chan.recv),
            senders=len(chan.send),
        )
        return chan

    async def _type_name(self, type_address: int) -> str:
        """The name of a runtime type (``*_type``), from its nameOff in the module's types."""
        if not type_address:
            return ""
        if self._types_base is None:
            self._types_base = _number(await self._eval("runtime.firstmoduledata.types"))
        if type_address in self._types:
            return self._types[type_address]
        typ = await self._eval_quiet(_cast("runtime._type", type_address), -1, 0)
        if typ is None:
            typ = await self._eval(_cast("internal/abi.Type", type_address))
        name = ""
        if typ is not None:
            str_off = _number(_find(typ, "str") or _find(typ, "Str"))
            tflag = _find(typ, "tflag") or _find(typ, "TFlag")
            extra_star = tflag is not None and "extrastar" in tflag.value.lower()
            name = await self._name_at(self._types_base + str_off)
            if extra_star and name.startswith("*"):
                name = name[1:]
        self._types[type_address] = name
        return name

    async def _name_at(self, address: int) -> str:
        """A runtime name: a flags byte, a varint length, the bytes."""
        try:
            head = await self.client.examine_memory(address, 11)
        except DelveReplyError:
            return ""
        length = shift = 0
        i = 1
        while i < len(head):
            byte = head[i]
            length |= (byte & 0x7F) << shift
            i += 1
            if not byte & 0x80:
                break
            shift += 7
        if not 0 < length < 4096:
            return ""
        try:
            data = await self.client.examine_memory(address + i, length)
        except DelveReplyError:
            return ""
        return data.decode(errors="replace")

    # semaphores --------------------------------------------------------------------------------

    async def _semaphores(self, members: list[_Blocked]) -> None:
        if not members:
            return
        sema_of: dict[int, int] = {}  # goid -> semaphore address
        stack = await self._treaps()
        seen: set[int] = set()
        while stack:
            node = await self._sudog(stack.pop())
            if node is None or node.address in seen or len(seen) > _MAX_CHAIN:
                continue
            seen.add(node.address)
            for goid in await self._goids(await self._chain(node.address, "waitlink")):
                sema_of[goid] = node.elem
            stack.extend(child for child in (node.prev, node.next) if child)
        groups: dict[tuple[str, int], list[_Blocked]] = defaultdict(list)
        unresolved: list[_Blocked] = []
        for b in members:
            sema = sema_of.get(b.id)
            if not sema:
                unresolved.append(b)
                continue
            kind_name = {"reader": "rwmutex", "writer": "rwmutex", "writer_w": "rwmutex"}.get(
                b.role, b.role
            )
            address = await self._owner(b.role, sema)
            groups[(kind_name, address)].append(b)
        self._by_frame(unresolved)
        for (kind_name, address), group in groups.items():
            await self._sync_object(kind_name, address, group)

    async def _treaps(self) -> list[int]:
        """The roots of runtime.semtable's treaps, read as one block of memory."""
        table = await self._eval("runtime.semtable")
        first = await self._eval("runtime.semtable[0]")
        second = await self._eval("runtime.semtable[1]")
        if table is None or first is None or second is None or not table.len:
            return []
        treap = _find(first, "treap")
        if treap is None:
            self.notes.append("runtime.semtable has no treap: this Go's layout is not known")
            return []
        stride = second.addr - first.addr
        offset = treap.addr - first.addr
        try:
            data = await self.client.examine_memory(first.addr, stride * table.len)
        except DelveReplyError as exc:
            self.notes.append(f"could not read runtime.semtable: {exc}")
            return []
        roots = (
            int.from_bytes(data[i + offset : i + offset + 8], "little")
            for i in range(0, len(data), stride)
        )
        return [root for root in roots if root]

    async def _sync_layout(self, type_name: str, at: int) -> Variable | None:
        if type_name not in self._sync:
            self._sync[type_name] = await self._eval(_cast(type_name, at))
        return self._sync[type_name]

    async def _offset(self, type_name: str, at: int, *names: str) -> int | None:
        layout = await self._sync_layout(type_name, at)
        if layout is None:
            return None
        for name in names:
            found = _find(layout, name)
            if found is not None:
                return found.addr - layout.addr
        return None

    async def _owner(self, role: str, sema: int) -> int:
        """The address of the sync value a semaphore belongs to (the semaphore's if unknown)."""
        if role == "mutex":
            offset = await self._offset("sync.Mutex", sema, "sema")
        elif role == "reader":
            offset = await self._offset("sync.RWMutex", sema, "readerSem")
        elif role == "writer":
            offset = await self._offset("sync.RWMutex", sema, "writerSem")
        elif role == "writer_w":
            inner = await self._offset("sync.RWMutex", sema, "sema")
            offset = inner
        elif role == "waitgroup":
            offset = await self._offset("sync.WaitGroup", sema, "sema", "state2")
        else:
            return sema
        return sema - offset if offset is not None else sema

    async def _sync_object(self, kind_name: str, address: int, group: list[_Blocked]) -> None:
        if kind_name == "rwmutex":
            readers = sorted(b.id for b in group if b.role == "reader")
            writers = sorted(b.id for b in group if b.role != "reader")
            self._group(
                WaitKind.RWMUTEX,
                address,
                group,
                type="sync.RWMutex",
                readers=readers,
                writers=writers,
            )
        elif kind_name == "mutex":
            self._group(WaitKind.MUTEX, address, group, type="sync.Mutex")
        elif kind_name == "waitgroup":
            wg = await self._eval(_cast("sync.WaitGroup", address))
            counter = None
            if wg is not None:
                state = _find(wg, "state1") or _find(wg, "state")
                if state is not None and state.kind is VariableKind.STRUCT:
                    state = _find(state, "v") or state
                if state is not None:
                    counter = _number(state) >> 32
            self._group(WaitKind.WAITGROUP, address, group, type="sync.WaitGroup", counter=counter)
        else:
            self._group(WaitKind.SEMAPHORE, address, group, type="uint32")

    # conds -------------------------------------------------------------------------------------

    async def _conds(self, members: list[_Blocked]) -> None:
        pending = {b.id: b for b in members}
        resolved: dict[int, list[_Blocked]] = {}
        named: dict[int, tuple[str, int, str | None]] = {}  # what found a cond, in its first
        for b in members:
            if b.id not in pending:
                continue
            for cond, expr, index in await self._cond_candidates(b):
                goids = await self._notify_waiters(cond)
                if b.id in goids:
                    resolved[cond] = [pending.pop(i) for i in sorted(goids) if i in pending]
                    if expr is not None:
                        function = b.functions[index]
                        self._remember(function, expr)
                        if b.id == min(goids):
                            named[cond] = (expr, index, self._owners.get((function, expr)))
                    break
        for address, group in resolved.items():
            if group:
                obj = self._group(WaitKind.COND, address, group, type="sync.Cond")
                if address in named:
                    expr, index, owner = named[address]
                    obj.expression, obj.expression_owner = expr, owner
                    if obj.frame is not None:
                        obj.frame = obj.frame.model_copy(update={"index": index})
        self._by_frame(list(pending.values()))

    async def _cond_candidates(self, b: _Blocked) -> list[tuple[int, str | None, int]]:
        """Where the goroutine may wait: ``(cond address, expression, frame)`` for the
        expressions that found a Cond in the same function before, then Wait's receiver
        (readable in ``-N -l`` builds), then the Conds its in-app frames hold."""
        for index in b.app_frames:
            for expr in self._known.get(b.functions[index], ()):
                address = _address(await self._eval_quiet(expr, b.id, index))
                if address:
                    return [(address, expr, index)]
        names = [f.removeprefix("internal/") for f in b.functions]
        if "sync.(*Cond).Wait" in names and not self._no_receiver:
            index = names.index("sync.(*Cond).Wait")
            address = _address(await self._eval_quiet("c", b.id, index))
            if address:
                return [(address, None, index)]
            self._no_receiver = True  # an optimised build: do not ask again
        out: list[tuple[int, str | None, int]] = []
        for index in b.app_frames:
            if self._heavy_loads >= _MAX_HEAVY_LOADS:
                break
            self._heavy_loads += 1
            for var in await self._frame_vars(b.id, index):
                for expr, found in _walk(var, var.name):
                    if found.type in ("*sync.Cond", "sync.Cond"):
                        out.append((_address(found), expr, index))
                        owner = var.type if expr != var.name else None
                        self._owners[(b.functions[index], expr)] = owner
        return [c for c in out if c[0]]

    async def _notify_waiters(self, cond: int) -> set[int]:
        offset = await self._offset("sync.Cond", cond, "head")
        if offset is None:
            return set()
        raw = await self.memory.read(cond + offset, 8)
        head = int.from_bytes(raw, "little") if len(raw) == 8 else 0
        return await self._goids(await self._chain(head, "next"))

    async def _eval_quiet(self, expr: str, goid: int, frame: int) -> Variable | None:
        try:
            return await self.client.eval(expr, goroutine_id=goid, frame=frame, load=_SHAPE)
        except DelveReplyError:
            return None

    async def _frame_vars(self, goid: int, frame: int) -> list[Variable]:
        out: list[Variable] = []
        for call in (self.client.args, self.client.locals):
            with contextlib.suppress(DelveReplyError):
                out.extend(await call(goroutine_id=goid, frame=frame, load=_VARS))
        return [v for v in out if not v.unreadable]

    # io waits ----------------------------------------------------------------------------------

    async def _io_waits(self, members: list[_Blocked]) -> None:
        """Each goroutine's ``internal/poll.FD`` (its ``Sysfd``), from the FD method's frame;
        one Eval per goroutine, a few in flight, for at most _MAX_FD_READS goroutines."""
        fds: dict[int, Variable] = {}

        async def read(b: _Blocked, index: int) -> None:
            async with limiter:
                fd = await self._eval_quiet("*fd", b.id, index)
            if fd is not None and not fd.unreadable and fd.addr:
                fds[b.id] = fd

        limiter = anyio.CapacityLimiter(_EVALS_IN_FLIGHT)
        async with anyio.create_task_group() as tg:
            for b in members[:_MAX_FD_READS]:
                index = next(
                    (i for i, f in enumerate(b.functions) if f.startswith("internal/poll.(*FD).")),
                    None,
                )
                if index is not None:
                    tg.start_soon(read, b, index)
        groups: dict[int, list[_Blocked]] = defaultdict(list)
        sysfds: dict[int, int | None] = {}
        for b in members:
            fd = fds.get(b.id)
            if fd is None:
                continue
            groups[fd.addr].append(b)
            sysfd = _find(fd, "Sysfd")
            sysfds[fd.addr] = None if sysfd is None or sysfd.unreadable else _number(sysfd)
        for address, group in groups.items():
            self._group(
                WaitKind.IO_WAIT, address, group, type="internal/poll.FD", fd=sysfds[address]
            )
        self._by_frame([b for b in members if b.id not in fds])

    # naming ------------------------------------------------------------------------------------

    def _remember(self, function: str, expr: str) -> None:
        known = self._known.setdefault(function, [])
        if expr not in known:
            known.append(expr)

    async def _name(self, obj: WaitObject) -> None:
        """Find an expression naming the object in its first waiter's in-app frames: first
        those that named an object in the same function before (one cheap Eval each), then by
        loading the frames' variables (a bounded number of times: they can be large)."""
        if not obj.address or obj.kind is WaitKind.IO_WAIT or obj.expression:
            return
        first = self._by_id.get(obj.goroutine_ids[0])
        if first is None:
            return
        targets = {c.address for c in obj.channels} if obj.channels else {obj.address}
        for index in first.app_frames:
            function = first.functions[index]
            for expr in self._known.get(function, ()):
                found = await self._eval_quiet(expr, first.id, index)
                if found is not None and _names(found, targets, obj):
                    self._named(obj, expr, index, found, self._owners.get((function, expr)))
                    return
        for index in first.app_frames:
            if self._heavy_loads >= _MAX_HEAVY_LOADS:
                return
            self._heavy_loads += 1
            for var in await self._frame_vars(first.id, index):
                for expr, found in _walk(var, var.name):
                    if _names(found, targets, obj):
                        owner = var.type if expr != var.name else None
                        self._named(obj, expr, index, found, owner)
                        if owner is not None and _address(var):
                            self._owner_address[id(obj)] = _address(var)
                        self._remember(first.functions[index], expr)
                        self._owners[(first.functions[index], expr)] = owner
                        return

    @staticmethod
    def _named(obj: WaitObject, expr: str, index: int, found: Variable, owner: str | None) -> None:
        obj.expression = expr
        obj.expression_owner = owner
        if obj.frame is not None and obj.frame.index != index:
            obj.frame = obj.frame.model_copy(update={"index": index})
        if obj.kind in (WaitKind.CHAN_RECV, WaitKind.CHAN_SEND) and found.type:
            obj.type = found.type

    # hints -------------------------------------------------------------------------------------

    def _hints(self) -> list[str]:
        hints: list[str] = []
        c = self.collector
        wakers = {WaitKind.SLEEP, WaitKind.IO_WAIT, WaitKind.SYSCALL}
        if c._blocked and c.active == 0:
            if not any(o.kind in wakers for o in self.objects):
                hints.append(
                    "hint: every goroutine is blocked and none is runnable, sleeping, waiting "
                    "for IO or in a system call: nothing left can wake them (a deadlock)"
                )
            else:
                hints.append(
                    "hint: no goroutine is running or runnable; only a timer, IO or a system "
                    "call can wake the others"
                )
        return hints

    async def _stacks(self, goids: Iterable[int]) -> dict[int, bytes]:
        """The live part of each goroutine's stack, ``[sp, stack.hi)``, read in blocks."""
        spans = {
            goid: (sp, hi)
            for goid in goids
            for sp, hi in (self.stack_of.get(goid, (0, 0)),)
            if 0 < sp < hi and hi - sp <= _MAX_STACK
        }
        total = sum(hi - sp for sp, hi in spans.values())
        if total > _STACK_BYTES:
            self.notes.append(
                f"no stack hints: the stacks hold {total >> 20} MiB, more than the "
                f"{_STACK_BYTES >> 20} MiB searched"
            )
            return {}
        await self.memory.prefetch_ranges(spans.values())
        out: dict[int, bytes] = {}
        for goid, (sp, hi) in spans.items():
            data = self.memory.get(sp, hi - sp)
            if data is not None:
                out[goid] = data
        return out

    async def _stack_hints(self) -> None:
        """Which goroutines that do not wait on an object hold a pointer to it (or to the
        variable its expression starts from) on their stacks: who may hold a lock, who may
        still send on a channel. Only for cores of at most _MAX_SCANNED_STACKS goroutines."""
        objects = [o for o in self.objects if o.address and o.kind in _SCANNED_KINDS]
        if not objects or not self.g_goid:
            return
        if self.collector.total > _MAX_SCANNED_STACKS:
            self.notes.append(
                f"no stack hints: {self.collector.total} goroutines are more than the "
                f"{_MAX_SCANNED_STACKS} whose stacks are searched"
            )
            return
        live = list(self.collector._where)
        # The object, or the variable its expression starts from (the struct it is in).
        by_needle: dict[int, list[WaitObject]] = defaultdict(list)
        for obj in objects:
            for needle in {obj.address, self._owner_address.get(id(obj), obj.address)}:
                by_needle[needle].append(obj)
        needles = set(by_needle)
        holders: dict[int, list[int]] = defaultdict(list)  # id(WaitObject) -> goroutines
        for goid, data in (await self._stacks(live)).items():
            words = array.array("Q", data[: len(data) // 8 * 8])
            for needle in needles.intersection(words):
                for obj in by_needle[needle]:
                    if goid not in obj.goroutine_ids and goid not in holders[id(obj)]:
                        holders[id(obj)].append(goid)
        for obj in objects:
            obj.hints += _stack_hint(obj, holders[id(obj)], self.collector._where)


def _stack_hint(obj: WaitObject, holders: Sequence[int], where: dict[int, str]) -> list[str]:
    named = ", ".join(f"{goid} (in {where.get(goid) or '?'})" for goid in holders[:3])
    more = f" and {len(holders) - 3} more" if len(holders) > 3 else ""
    if obj.kind in (WaitKind.CHAN_RECV, WaitKind.CHAN_SEND):
        if holders:
            verb = "send to" if obj.kind is WaitKind.CHAN_RECV else "receive from"
            return [
                f"hint: goroutine {named}{more} has this channel on its stack and does not "
                f"wait on it: it may {verb} it"
            ]
        return [
            "hint: no goroutine but its waiters has this channel on its stack: unless a global "
            "or the heap reaches it, nothing will wake them"
        ]
    if not holders:
        return []
    verb = (
        "hold it" if obj.kind in (WaitKind.MUTEX, WaitKind.RWMUTEX) else "be the one to wake them"
    )
    return [
        f"hint: goroutine {named}{more} has a pointer to it (or to the variable that names it) "
        f"on its stack and does not wait on it: it may {verb}"
    ]


def _walk(var: Variable, expr: str, depth: int = 0) -> Iterable[tuple[str, Variable]]:
    """Every value reachable from ``var`` with the expression that names it."""
    yield expr, var
    if depth > 3:
        return
    if var.kind is VariableKind.PTR:
        for child in var.children[:1]:
            if child.kind is VariableKind.STRUCT:
                yield from _walk_fields(child, expr, depth + 1)
            else:
                yield f"*{expr}", child
    elif var.kind is VariableKind.STRUCT:
        yield from _walk_fields(var, expr, depth + 1)


def _walk_fields(var: Variable, expr: str, depth: int) -> Iterable[tuple[str, Variable]]:
    for child in var.children:
        if child.name and child.name != "_":
            yield from _walk(child, f"{expr}.{child.name}", depth)


def _address(var: Variable | None) -> int:
    """The address a pointer or channel value holds, or a struct value's own."""
    if var is None or var.unreadable:
        return 0
    if var.kind in (VariableKind.PTR, VariableKind.UNSAFE_POINTER):
        if var.value:
            return _number(var)
        return var.children[0].addr if var.children else 0
    if var.kind is VariableKind.CHAN:
        return var.base or (var.children[0].addr if var.children else 0)
    return var.addr


def _names(var: Variable, targets: set[int], obj: WaitObject) -> bool:
    """Whether ``var`` is (or points to) the object: the address, and the type where known."""
    if var.unreadable:
        return False
    if var.kind is VariableKind.CHAN:
        return _address(var) in targets
    wanted = obj.type if obj.kind is not WaitKind.SELECT else ""
    if var.kind is VariableKind.PTR:
        return _address(var) in targets and (not wanted or var.type.endswith(wanted))
    return (
        var.kind is VariableKind.STRUCT
        and var.addr in targets
        and bool(wanted)
        and var.type.endswith(wanted)
    )


def _cast(type_name: str, address: int) -> str:
    """The value of type ``type_name`` at ``address``; quoted, as Delve needs for package paths."""
    return f'*(*"{type_name}")({address:#x})'


def _chan_type(info: WaitChannel) -> str:
    return f"chan {info.element_type}" if info.element_type else "chan"
