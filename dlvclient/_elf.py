"""Checks on the executable and the core made before dlv starts, so mistakes get a precise error.

Delve's own messages for a wrong, stripped, truncated or mismatched file are vague or come late;
everything found here is raised as :class:`~dlvclient.InvalidTargetError` instead. Cores are often
gigabytes, so only the ELF headers, the notes and a page of memory are ever read.
"""

from __future__ import annotations

import os
import stat
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal, TypeAlias

from ._errors import InvalidTargetError
from ._signals import FAULT_SIGNALS, signal_name

__all__ = [
    "BuildId",
    "CoreInfo",
    "ElfInfo",
    "FileMapping",
    "LoadSegment",
    "check_core",
    "check_executable",
    "check_inputs",
    "check_match",
    "core_build_ids",
    "executable_build_ids",
    "is_core_file",
]

StrPath: TypeAlias = "str | os.PathLike[str]"

_ELF_MAGIC = b"\x7fELF"
_ET_NAMES = {0: "ET_NONE", 1: "ET_REL", 2: "ET_EXEC", 3: "ET_DYN", 4: "ET_CORE"}
_ET_REL, _ET_EXEC, _ET_DYN, _ET_CORE = 1, 2, 3, 4
_MACHINES = {62: "amd64", 183: "arm64"}
_OTHER_MACHINES = {
    3: "386 (32-bit x86)",
    8: "MIPS",
    20: "PowerPC",
    21: "ppc64",
    22: "s390x",
    40: "32-bit ARM",
    243: "RISC-V",
    258: "LoongArch",
}
_SUPPORTED = "Delve reads only linux/amd64 and linux/arm64 cores"

_PT_LOAD, _PT_NOTE = 1, 4
_PN_XNUM = 0xFFFF
_SHN_XINDEX = 0xFFFF
_SHT_NOBITS = 8
_SHF_COMPRESSED = 0x800

_NT_PRSTATUS, _NT_PRPSINFO, _NT_AUXV = 1, 3, 6
_NT_SIGINFO = 0x53494749
_NT_FILE = 0x46494C45
_NT_GNU_BUILD_ID, _NT_GO_BUILDID = 3, 4
_AT_NULL, _AT_ENTRY = 0, 9

_EHDR = struct.Struct("<16sHHIQQQIHHHHHH")
_PHDR = struct.Struct("<IIQQQQQQ")
_SHDR = struct.Struct("<IIQQQQIIQQ")
_NHDR = struct.Struct("<III")

# Bounds on what a malformed header can make us allocate; real files stay far below them.
_MAX_SECTION_READ = 64 << 20
_MAX_NOTE_DESC = 64 << 20
_MAX_BUILDINFO = 1 << 20
# Where Delve looks for split-off debug info by default.
_DEBUG_DIRS = (Path("/usr/lib/debug"),)
# The kernel dumps the first page of each ELF mapping (coredump_filter bit 4); look no further.
_PAGE = 4096

# (magic, format, decompressor) of the formats systemd-coredump and friends store cores in.
_COMPRESSED = (
    (b"\x28\xb5\x2f\xfd", "zstd", "zstd"),
    (b"\xfd7zXZ\x00", "xz", "xz"),
    (b"\x04\x22\x4d\x18", "lz4", "lz4"),
    (b"\x1f\x8b", "gzip", "gzip"),
)

_EXE = "executable"
_CORE = "core file"
_EXE_ADVICE = "pass the path of the Go program that produced the core"
_CORE_ADVICE = (
    "pass the core file the kernel wrote (/proc/sys/kernel/core_pattern says where it goes)"
)
_SAME_BUILD = "pass the exact binary that crashed (same build)"
_ULIMIT = (
    "run `ulimit -c unlimited` in the shell that starts the program, before it crashes, "
    "and reproduce the crash"
)


@dataclass(frozen=True)
class BuildId:
    """A build-id note of the executable: Go's or the GNU one."""

    kind: Literal["go", "gnu"]
    #: Go's id as text, or the GNU id in hex.
    value: str
    #: File offset and size of the whole note (header, name and descriptor).
    offset: int
    size: int
    #: Where the linker placed the note (its section's address).
    address: int
    #: The note's bytes, which the core's copy of the first text page should hold too.
    note: bytes


@dataclass(frozen=True)
class ElfInfo:
    """What :func:`check_executable` learned about the executable."""

    path: Path
    size: int
    machine: str
    pie: bool
    entry: int
    #: Names of the DWARF sections present (``.debug_*`` and ``.zdebug_*``).
    debug_sections: tuple[str, ...]
    debug_info_compressed: bool
    #: The separate file holding the DWARF, when the executable has none (split debug info).
    debug_file: Path | None
    go_build_id: BuildId | None
    gnu_build_id: BuildId | None
    #: The Go release that built it (``go1.26.8``), from ``.go.buildinfo`` when present.
    go_version: str | None
    #: The module information ``go version -m`` prints (path, mod, dep, build lines), from
    #: ``.go.buildinfo`` when present; see :mod:`dlvclient._origin`.
    modinfo: str | None = None


@dataclass(frozen=True)
class LoadSegment:
    """A PT_LOAD segment: ``filesz`` bytes of the memory at ``vaddr`` are at file ``offset``."""

    vaddr: int
    offset: int
    filesz: int
    memsz: int
    flags: int


@dataclass(frozen=True)
class FileMapping:
    """A file mapped into the crashed process (from NT_FILE); ``file_offset`` is in bytes."""

    start: int
    end: int
    file_offset: int
    path: str


@dataclass(frozen=True)
class CoreInfo:
    """What :func:`check_core` learned about the core."""

    path: Path
    size: int
    #: The size the program headers say the file has (never more than ``size`` once checked).
    expected_size: int
    machine: str
    loads: tuple[LoadSegment, ...]
    #: (offset, size) of each PT_NOTE segment.
    notes: tuple[tuple[int, int], ...]
    threads: int
    #: The signal that killed the process (pr_cursig of the first thread, or NT_SIGINFO).
    signal: int | None
    signal_name: str | None
    signal_code: int | None
    fault_address: int | None
    pid: int | None
    #: pr_fname and pr_psargs of NT_PRPSINFO (the kernel cuts them at 15 and 80 bytes).
    program: str | None
    args: str | None
    page_size: int | None
    files: tuple[FileMapping, ...]
    #: AT_ENTRY from NT_AUXV: where the main executable's entry point was mapped.
    entry: int | None


def check_inputs(executable: StrPath, core: StrPath) -> tuple[ElfInfo, CoreInfo]:
    """Check both files and that the core came from the executable; raise InvalidTargetError."""
    exe_info = check_executable(executable)
    core_info = check_core(core)
    check_match(exe_info, core_info)
    return exe_info, core_info


def check_executable(path: StrPath) -> ElfInfo:
    """Check that ``path`` is a linux/amd64 or arm64 ELF executable with DWARF; describe it."""
    p = Path(os.fspath(path))
    _check_file(p, _EXE, _EXE_ADVICE)
    with _reading(p, _EXE, "is a malformed or truncated ELF file") as r:
        return _parse_executable(p, r)


def check_core(path: StrPath) -> CoreInfo:
    """Check that ``path`` is a complete linux/amd64 or arm64 core file; describe it."""
    p = Path(os.fspath(path))
    _check_file(p, _CORE, _CORE_ADVICE)
    with _reading(p, _CORE, "is a malformed ELF core") as r:
        return _parse_core(p, r)


def check_match(exe: ElfInfo, core: CoreInfo) -> None:
    """Raise InvalidTargetError when the core provably came from another program.

    Go's linker puts the build-id note in the first page of the text segment, and the kernel's
    default coredump_filter dumps the first page of every ELF mapping, so the core usually holds a
    copy of the note of the program that crashed. When nothing can be compared, this is silent.
    """
    if exe.machine != core.machine:
        raise InvalidTargetError(
            f"the core was not produced by this executable: core file {core.path} is from an "
            f"{core.machine} process, but executable {exe.path} is built for {exe.machine}; "
            f"{_SAME_BUILD}"
        )
    note = exe.go_build_id or exe.gnu_build_id
    if note is None:
        return
    candidates = _candidates(exe, core, note)
    if not candidates:
        return
    end = note.offset + note.size
    mismatch: tuple[int, str | None, bytes] | None = None
    with _reading(core.path, _CORE, "is a malformed ELF core") as reader:
        for base, limit, origin, strict in candidates:
            window = _read_memory(reader, core, base, min(max(end, _PAGE), limit))
            if len(window) < end or not window.startswith(_ELF_MAGIC):
                continue  # not dumped: nothing to compare here
            if window[note.offset : end] == note.note or _scan(window, note.kind) == note.value:
                return
            if (strict or _scan(window, note.kind) is not None) and mismatch is None:
                mismatch = (base + note.offset, origin, window)
    if mismatch is None:
        return
    address, origin, window = mismatch
    theirs = _scan(window, note.kind)
    label = "Go build id" if note.kind == "go" else "GNU build id"
    if theirs is None:
        said = (
            f"the core's memory at {address:#x} holds no {label}, "
            f"the executable's {label} is {note.value}"
        )
    else:
        said = f"the core's {label} is {theirs}, the executable's is {note.value}"
    raise InvalidTargetError(
        f"the core was not produced by this executable: {said}; "
        f"{_origin(exe, core, origin)}{_SAME_BUILD}"
    )


def is_core_file(path: StrPath) -> bool:
    """True when ``path`` starts like a linux/amd64 or arm64 ELF core (only 20 bytes are read)."""
    try:
        with open(path, "rb") as f:
            head = f.read(20)
    except OSError:
        return False
    if len(head) < 20 or not head.startswith(_ELF_MAGIC) or head[4:6] != b"\2\1":
        return False
    e_type, e_machine = struct.unpack_from("<HH", head, 16)
    return e_type == _ET_CORE and e_machine in _MACHINES


def executable_build_ids(path: StrPath) -> tuple[str | None, str | None] | None:
    """The (Go, GNU) build ids of an ELF executable, or None when ``path`` is not one.

    Only the headers and the two notes are read, and nothing is checked beyond that, so a build
    store can be indexed quickly (stripped and foreign files are simply not executables here).
    """
    p = Path(os.fspath(path))
    try:
        with open(p, "rb") as f:
            r = _Reader(f, os.fstat(f.fileno()).st_size)
            head = f.read(_EHDR.size)
            if len(head) < _EHDR.size or not head.startswith(_ELF_MAGIC) or head[4:6] != b"\2\1":
                return None
            (e_type,) = struct.unpack_from("<H", head, 16)
            if e_type not in (_ET_EXEC, _ET_DYN):
                return None
            _entry, _phoff, shoff, _phnum, shnum, shstrndx = _elf_header(r)
            sections = _sections(r, shoff, shnum, shstrndx)
            go = _build_id(r, sections, ".note.go.buildid", "go")
            gnu = _build_id(r, sections, ".note.gnu.build-id", "gnu")
    except (OSError, _Bad, struct.error, IndexError, ValueError, OverflowError):
        return None
    return (go.value if go else None, gnu.value if gnu else None)


def core_build_ids(core: CoreInfo) -> tuple[str | None, str | None, str | None]:
    """(Go build id, GNU build id, path) of the program that crashed, as the core records them.

    The kernel dumps the first page of every ELF mapping and the linkers put the build-id notes
    there; AT_ENTRY says which mapping is the main executable, and NT_FILE its path. None for
    what the core does not say (no NT_FILE or AT_ENTRY, or a coredump_filter that left the page
    out).
    """
    head = _main_head(core)
    if not isinstance(head, FileMapping):
        return None, None, None
    with _reading(core.path, _CORE, "is a malformed ELF core") as reader:
        window = _read_memory(reader, core, head.start, min(2 * _PAGE, head.end - head.start))
    if not window.startswith(_ELF_MAGIC):
        return None, None, head.path
    return _scan(window, "go"), _scan(window, "gnu"), head.path


# --- file access ---------------------------------------------------------------------------------


class _Bad(Exception):
    """A structural defect in a file; the public functions turn it into InvalidTargetError."""


class _Truncated(_Bad):
    """The file ends before a header or segment it declares."""

    def __init__(self, expected: int, size: int) -> None:
        super().__init__(f"its headers describe {expected} bytes, but the file has {size}")
        self.expected = expected


class _Reader:
    """Bounded reads at absolute offsets."""

    def __init__(self, f: BinaryIO, size: int) -> None:
        self.f = f
        self.size = size

    def read(self, offset: int, n: int, what: str) -> bytes:
        if offset < 0 or n < 0:
            raise _Bad(f"{what} has a negative offset or size")
        if offset + n > self.size:
            raise _Truncated(offset + n, self.size)
        self.f.seek(offset)
        data = self.f.read(n)
        if len(data) != n:
            # The file shrank while we read it; report it like any other short file.
            raise _Truncated(offset + n, offset + len(data))
        return data


@contextmanager
def _reading(path: Path, role: str, defect: str) -> Iterator[_Reader]:
    """Open ``path`` and turn every failure to parse it into InvalidTargetError naming it."""
    subject = f"{role} {path}"
    try:
        with open(path, "rb") as f:
            yield _Reader(f, os.fstat(f.fileno()).st_size)
    except PermissionError as exc:
        raise InvalidTargetError(_unreadable(subject, path)) from exc
    except OSError as exc:
        raise InvalidTargetError(f"{subject} could not be read: {exc.strerror or exc}") from exc
    except (_Bad, struct.error, IndexError, ValueError, OverflowError) as exc:
        detail = str(exc) or type(exc).__name__
        raise InvalidTargetError(f"{subject} {defect} ({detail})") from exc


def _unreadable(subject: str, path: Path) -> str:
    return (
        f"{subject} is not readable by this user (permission denied): run as its owner or "
        f'make it readable, e.g. sudo chown "$USER" {path}'
    )


def _check_file(p: Path, role: str, advice: str) -> None:
    subject = f"{role} {p}"
    try:
        st = os.stat(p)
    except (FileNotFoundError, NotADirectoryError):
        if os.path.islink(p):
            raise InvalidTargetError(
                f"{subject} is a dangling symlink (to {os.readlink(p)}): {advice}"
            ) from None
        raise InvalidTargetError(f"{subject} does not exist: {advice}") from None
    except PermissionError:
        raise InvalidTargetError(
            f"{subject} cannot be reached: permission denied on a directory above it"
        ) from None
    except OSError as exc:
        raise InvalidTargetError(f"{subject} cannot be accessed: {exc.strerror or exc}") from None
    if stat.S_ISDIR(st.st_mode):
        raise InvalidTargetError(f"{subject} is a directory, not a file: {advice}")
    if not stat.S_ISREG(st.st_mode):
        # dlv needs to seek in and map the file; a pipe or device will not do.
        raise InvalidTargetError(
            f"{subject} is not a regular file (a device, pipe or socket): {advice}"
        )
    if not os.access(p, os.R_OK):
        raise InvalidTargetError(_unreadable(subject, p))


def _what_it_is(head: bytes) -> str:
    """Say what a non-ELF file looks like, for the error message."""
    for magic, fmt, _tool in _COMPRESSED:
        if head.startswith(magic):
            return f" (it is {fmt}-compressed)"
    if head[:4] in (b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe"):
        return " (it is a macOS Mach-O binary)"
    if head.startswith(b"MZ"):
        return " (it is a Windows PE binary)"
    if head.startswith(b"#!"):
        return " (it is a script)"
    if head and all(b in b"\t\n\r" or 0x20 <= b < 0x7F for b in head[:64]):
        return " (it looks like a text file)"
    return ""


def _ident(p: Path, role: str, head: bytes) -> tuple[str, int]:
    """Check the class, byte order and machine; return the GOARCH and e_type."""
    subject = f"{role} {p}"
    if len(head) < 20:
        raise _Bad(f"the file ends inside the ELF header, after {len(head)} bytes")
    little = head[5] == 1
    e_type, e_machine = struct.unpack_from("<HH" if little else ">HH", head, 16)
    if head[4] == 1:
        problem = "is a 32-bit ELF file"
    elif head[4] != 2:
        problem = f"has an invalid ELF class ({head[4]})"
    elif head[5] == 2:
        problem = "is a big-endian ELF file"
    elif not little:
        problem = f"has an invalid ELF byte order ({head[5]})"
    elif e_machine not in _MACHINES:
        name = _OTHER_MACHINES.get(e_machine, f"e_machine {e_machine}")
        problem = f"is built for {name}"
    else:
        return _MACHINES[e_machine], e_type
    # A swapped pair is the likelier mistake: say that rather than complain about the machine.
    _check_swapped(subject, role, e_type)
    raise InvalidTargetError(f"{subject} {problem}: {_SUPPORTED}")


def _check_swapped(subject: str, role: str, e_type: int) -> None:
    if role == _EXE and e_type == _ET_CORE:
        raise InvalidTargetError(
            f"{subject} looks like a core file: pass the executable first and the core second"
        )
    if role == _CORE and e_type in (_ET_EXEC, _ET_DYN):
        raise InvalidTargetError(
            f"{subject} is an executable, not a core: pass the executable first and the core second"
        )


def _elf_header(r: _Reader) -> tuple[int, int, int, int, int, int]:
    """Return e_entry, e_phoff, e_shoff, and the program header, section and name-table counts."""
    fields = _EHDR.unpack(r.read(0, _EHDR.size, "the ELF header"))
    entry, phoff, shoff = fields[4], fields[5], fields[6]
    phentsize, phnum, shentsize, shnum, shstrndx = fields[9:14]
    if phnum and phentsize != _PHDR.size:
        raise _Bad(f"program headers are {phentsize} bytes, not {_PHDR.size}")
    if shnum and shentsize != _SHDR.size:
        raise _Bad(f"section headers are {shentsize} bytes, not {_SHDR.size}")
    # Files with more than 65534 segments or sections keep the real counts in section header 0.
    if shoff and (phnum == _PN_XNUM or shnum == 0 or shstrndx == _SHN_XINDEX):
        zero = _SHDR.unpack(r.read(shoff, _SHDR.size, "section header 0"))
        phnum = zero[7] if phnum == _PN_XNUM else phnum
        shnum = zero[5] if shnum == 0 else shnum
        shstrndx = zero[6] if shstrndx == _SHN_XINDEX else shstrndx
    return entry, phoff, shoff, phnum, shnum, shstrndx


def _notes(data: bytes, base: int, align: int) -> Iterator[tuple[bytes, int, int, int, int]]:
    """Yield (name, type, descriptor start, descriptor size, record start) of a note list."""
    pos = 0
    while pos + _NHDR.size <= len(data):
        namesz, descsz, ntype = _NHDR.unpack_from(data, pos)
        desc = pos + _NHDR.size + _align(namesz, align)
        end = desc + descsz
        if end > len(data):
            raise _Bad(f"the note at offset {base + pos:#x} overruns its section")
        name = data[pos + _NHDR.size : pos + _NHDR.size + namesz].rstrip(b"\0")
        yield name, ntype, desc, descsz, pos
        pos = desc + _align(descsz, align)


def _align(n: int, to: int) -> int:
    return (n + to - 1) // to * to


# --- the executable ------------------------------------------------------------------------------


def _parse_executable(p: Path, r: _Reader) -> ElfInfo:
    subject = f"{_EXE} {p}"
    head = r.f.read(64)
    if r.size == 0:
        raise InvalidTargetError(f"{subject} is empty (0 bytes): {_EXE_ADVICE}")
    if not head.startswith(_ELF_MAGIC):
        raise InvalidTargetError(
            f"{subject} is not an ELF executable{_what_it_is(head)}; "
            "pass the Go program that produced the core"
        )
    machine, e_type = _ident(p, _EXE, head)
    _check_swapped(subject, _EXE, e_type)
    if e_type == _ET_REL:
        raise InvalidTargetError(
            f"{subject} is an object file (ET_REL), not a linked executable: "
            "pass the program `go build` produced"
        )
    if e_type not in (_ET_EXEC, _ET_DYN):
        raise InvalidTargetError(
            f"{subject} has ELF type {_ET_NAMES.get(e_type, e_type)}, not an executable "
            "(ET_EXEC or ET_DYN): pass the program `go build` produced"
        )
    entry, _phoff, shoff, _phnum, shnum, shstrndx = _elf_header(r)
    sections = _sections(r, shoff, shnum, shstrndx)

    debug = tuple(
        name
        for name, (sh_type, _f, _a, _o, size, _al) in sections.items()
        if name.startswith((".debug_", ".zdebug_")) and sh_type != _SHT_NOBITS and size > 0
    )
    info = next((n for n in (".debug_info", ".zdebug_info") if n in debug), None)
    gnu_build_id = _build_id(r, sections, ".note.gnu.build-id", "gnu")
    debug_file = None
    if info is None:
        debug_file = _separate_debug_file(r, p, sections, gnu_build_id)
        if debug_file is None:
            raise InvalidTargetError(
                f"{subject} was built without debug info (it has no .debug_info section: it was "
                "linked with -ldflags='-s -w' or stripped): rebuild it without -s -w and without "
                "stripping, or pass an unstripped copy of the exact binary that crashed"
            )
    compressed = info is not None and (
        info.startswith(".zdebug") or bool(sections[info][1] & _SHF_COMPRESSED)
    )

    return ElfInfo(
        path=p,
        size=r.size,
        machine=machine,
        pie=e_type == _ET_DYN,
        entry=entry,
        debug_sections=debug,
        debug_info_compressed=compressed,
        debug_file=debug_file,
        go_build_id=_build_id(r, sections, ".note.go.buildid", "go"),
        gnu_build_id=gnu_build_id,
        **_go_buildinfo(r, sections),
    )


# (sh_type, sh_flags, sh_addr, sh_offset, sh_size, sh_addralign)
_Section: TypeAlias = "tuple[int, int, int, int, int, int]"


def _sections(r: _Reader, shoff: int, shnum: int, shstrndx: int) -> dict[str, _Section]:
    """Map section names to (type, flags, addr, offset, size, addralign)."""
    if shoff == 0 or shnum == 0:
        return {}  # section headers stripped (sstrip): no DWARF can be found either
    table = r.read(shoff, shnum * _SHDR.size, "the section header table")
    headers = [_SHDR.unpack_from(table, i * _SHDR.size) for i in range(shnum)]
    if not 0 < shstrndx < shnum:
        raise _Bad(f"the section name table index {shstrndx} is out of range")
    names_hdr = headers[shstrndx]
    if names_hdr[5] > _MAX_SECTION_READ:
        raise _Bad(f"the section name table is implausibly large ({names_hdr[5]} bytes)")
    names = r.read(names_hdr[4], names_hdr[5], "the section name table")
    out: dict[str, _Section] = {}
    for sh_name, sh_type, flags, addr, offset, size, _link, _info, align, _ent in headers[1:]:
        end = names.find(b"\0", sh_name)
        if sh_name >= len(names) or end < 0:
            raise _Bad(f"a section name offset ({sh_name}) is outside the section name table")
        name = names[sh_name:end].decode("utf-8", "replace")
        out.setdefault(name, (sh_type, flags, addr, offset, size, align))
    return out


def _build_id(
    r: _Reader, sections: dict[str, _Section], name: str, kind: Literal["go", "gnu"]
) -> BuildId | None:
    section = sections.get(name)
    if section is None or section[0] == _SHT_NOBITS:
        return None
    _type, _flags, addr, offset, size, align = section
    if size > _MAX_SECTION_READ:
        raise _Bad(f"section {name} is implausibly large ({size} bytes)")
    data = r.read(offset, size, f"section {name}")
    owner, wanted = (b"Go", _NT_GO_BUILDID) if kind == "go" else (b"GNU", _NT_GNU_BUILD_ID)
    for note_name, ntype, desc, descsz, start in _notes(data, offset, 8 if align == 8 else 4):
        if note_name == owner and ntype == wanted:
            raw = data[desc : desc + descsz]
            value = raw.rstrip(b"\0").decode("ascii", "replace") if kind == "go" else raw.hex()
            return BuildId(
                kind=kind,
                value=value,
                offset=offset + start,
                size=desc + descsz - start,
                address=addr + start,
                note=data[start : desc + descsz],
            )
    return None


def _separate_debug_file(
    r: _Reader, p: Path, sections: dict[str, _Section], build_id: BuildId | None
) -> Path | None:
    """Find split-off DWARF where Delve looks for it: by GNU build id, then .gnu_debuglink."""
    places: list[Path] = []
    if build_id is not None and len(build_id.value) > 2:
        hexid = build_id.value
        places += [d / ".build-id" / hexid[:2] / f"{hexid[2:]}.debug" for d in _DEBUG_DIRS]
    link = sections.get(".gnu_debuglink")
    if link is not None and link[0] != _SHT_NOBITS and 0 < link[4] <= 4096:
        name = os.fsdecode(r.read(link[3], link[4], ".gnu_debuglink").split(b"\0", 1)[0])
        if name and "/" not in name:
            folder = p.absolute().parent
            places += [folder / name, folder / ".debug" / name]
            places += [d / folder.relative_to(folder.anchor) / name for d in _DEBUG_DIRS]
    places += [d / f"{p.name}.debug" for d in _DEBUG_DIRS]  # Delve's older fallback
    return next((place for place in places if place.is_file()), None)


def _go_buildinfo(r: _Reader, sections: dict[str, _Section]) -> dict[str, str | None]:
    """Read the Go version and module info inlined in .go.buildinfo (Go 1.18 and later)."""
    none: dict[str, str | None] = {"go_version": None, "modinfo": None}
    section = sections.get(".go.buildinfo")
    if section is None or section[0] == _SHT_NOBITS:
        return none
    offset, size = section[3], section[4]
    try:
        data = r.read(offset, min(size, _MAX_BUILDINFO), ".go.buildinfo")
    except _Bad:
        return none
    if not data.startswith(b"\xff Go buildinf:") or len(data) < 33 or not data[15] & 2:
        return none  # older layout: the strings sit behind pointers; not worth chasing
    version, pos = _varint_string(data, 32)
    if not version:
        return none
    modinfo, _ = _varint_string(data, pos)
    # cmd/go wraps the text in two 16-byte sentinels.
    text = modinfo[16:-16] if len(modinfo) > 32 else b""
    return {
        "go_version": version.decode("utf-8", "replace"),
        "modinfo": text.decode("utf-8", "replace") or None,
    }


def _varint_string(data: bytes, pos: int) -> tuple[bytes, int]:
    """The uvarint-prefixed string at ``pos`` and the offset after it (b"" if cut short)."""
    length, shift = 0, 0
    while pos < len(data):
        byte = data[pos]
        pos += 1
        length |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            break
    text = data[pos : pos + length]
    return (text, pos + length) if len(text) == length else (b"", pos)


# --- the core ------------------------------------------------------------------------------------


def _parse_core(p: Path, r: _Reader) -> CoreInfo:
    subject = f"{_CORE} {p}"
    head = r.f.read(64)
    if r.size == 0:
        raise InvalidTargetError(
            f"{subject} is empty (0 bytes): the kernel wrote nothing, usually because the core "
            f"size limit is 0; {_ULIMIT}"
        )
    if not head.startswith(_ELF_MAGIC):
        for magic, fmt, tool in _COMPRESSED:
            if head.startswith(magic):
                raise InvalidTargetError(
                    f"{subject} is a core compressed with {fmt}, as systemd-coredump stores them: "
                    f"decompress it first, with `coredumpctl dump -o FILE` or "
                    f"`{tool} -dc {p} > FILE`, and pass FILE"
                )
        raise InvalidTargetError(
            f"{subject} is not a core file{_what_it_is(head)}: pass the core dump the kernel "
            "wrote when the program crashed"
        )
    if len(head) < _EHDR.size:
        raise InvalidTargetError(_truncated(subject, _EHDR.size, r.size))
    machine, e_type = _ident(p, _CORE, head)
    _check_swapped(subject, _CORE, e_type)
    if e_type != _ET_CORE:
        raise InvalidTargetError(
            f"{subject} is an ELF file of type {_ET_NAMES.get(e_type, e_type)}, not a core "
            f"(ET_CORE): {_CORE_ADVICE}"
        )
    try:
        _entry, phoff, _shoff, phnum, _shnum, _strndx = _elf_header(r)
        table = r.read(phoff, phnum * _PHDR.size, "the program header table")
    except _Truncated as exc:
        raise InvalidTargetError(_truncated(subject, exc.expected, r.size)) from None

    loads: list[LoadSegment] = []
    notes: list[tuple[int, int]] = []
    expected = phoff + phnum * _PHDR.size
    for i in range(phnum):
        p_type, flags, offset, vaddr, _paddr, filesz, memsz, _al = _PHDR.unpack_from(
            table, i * _PHDR.size
        )
        if p_type == _PT_LOAD:
            loads.append(LoadSegment(vaddr, offset, filesz, memsz, flags))
        elif p_type == _PT_NOTE:
            notes.append((offset, filesz))
        else:
            continue
        if filesz:
            expected = max(expected, offset + filesz)
    if r.size < expected:
        raise InvalidTargetError(_truncated(subject, expected, r.size))

    facts = _CoreNotes()
    for offset, filesz in notes:
        facts.read(r, offset, filesz)
    signal = facts.signal
    return CoreInfo(
        path=p,
        size=r.size,
        expected_size=expected,
        machine=machine,
        loads=tuple(sorted(loads, key=lambda s: s.vaddr)),
        notes=tuple(notes),
        threads=facts.threads,
        signal=signal,
        signal_name=None if signal is None else signal_name(signal),
        signal_code=facts.signal_code,
        fault_address=facts.fault_address,
        pid=facts.pid,
        program=facts.program,
        args=facts.args,
        page_size=facts.page_size,
        files=tuple(facts.files),
        entry=facts.entry,
    )


def _truncated(subject: str, expected: int, size: int) -> str:
    return (
        f"{subject} is truncated (expected {expected} bytes, the file has {size}): the core "
        f"size limit (RLIMIT_CORE) stopped the kernel part way; {_ULIMIT} (under "
        "systemd-coredump, also raise ProcessSizeMax= and ExternalSizeMax= in coredump.conf)"
    )


class _CoreNotes:
    """What the notes of a core say, gathered while streaming through them."""

    def __init__(self) -> None:
        self.threads = 0
        self.signal: int | None = None
        self.signal_code: int | None = None
        self.fault_address: int | None = None
        self.pid: int | None = None
        self.program: str | None = None
        self.args: str | None = None
        self.page_size: int | None = None
        self.files: list[FileMapping] = []
        self.entry: int | None = None

    def read(self, r: _Reader, offset: int, size: int) -> None:
        # Stream rather than read the segment whole: one NT_X86_XSTATE note per thread adds up.
        pos, end = offset, offset + size
        while pos + _NHDR.size <= end:
            namesz, descsz, ntype = _NHDR.unpack(r.read(pos, _NHDR.size, "a note header"))
            desc = pos + _NHDR.size + _align(namesz, 4)
            nxt = desc + _align(descsz, 4)
            if desc + descsz > end:
                raise _Bad(f"the note at offset {pos:#x} overruns its PT_NOTE segment")
            if namesz == 5 and r.read(pos + _NHDR.size, 5, "a note name") == b"CORE\0":
                self._note(r, ntype, desc, descsz)
            pos = nxt

    def _note(self, r: _Reader, ntype: int, desc: int, descsz: int) -> None:
        if ntype == _NT_PRSTATUS:
            self.threads += 1
            # elf_prstatus: elf_siginfo (12 bytes), short pr_cursig, ..., pid_t pr_pid at 32;
            # the kernel writes the thread that took the signal first.
            if self.threads == 1 and descsz >= 36:
                data = r.read(desc, 36, "NT_PRSTATUS")
                (cursig,) = struct.unpack_from("<h", data, 12)
                if 0 < cursig <= 64:  # anything else is not a signal: leave it unknown
                    self.signal = cursig
                if self.pid is None:
                    (self.pid,) = struct.unpack_from("<i", data, 32)
        elif ntype == _NT_PRPSINFO and descsz >= 136:
            # elf_prpsinfo: pid_t pr_pid at 24, char pr_fname[16] at 40, pr_psargs[80] at 56.
            data = r.read(desc, 136, "NT_PRPSINFO")
            (self.pid,) = struct.unpack_from("<i", data, 24)
            self.program = os.fsdecode(data[40:56].split(b"\0", 1)[0]) or None
            self.args = os.fsdecode(data[56:136].split(b"\0", 1)[0]).rstrip() or None
        elif ntype == _NT_SIGINFO and descsz >= 24:
            signo, _errno, code, _pad, addr = struct.unpack_from(
                "<iiiiQ", r.read(desc, 24, "NT_SIGINFO")
            )
            self.signal_code = code
            if self.signal is None and 0 < signo <= 64:
                self.signal = signo
            if signo in FAULT_SIGNALS and code > 0:  # code <= 0: sent by a process, no address
                self.fault_address = addr
        elif ntype == _NT_AUXV and descsz <= _MAX_NOTE_DESC:
            data = r.read(desc, descsz - descsz % 16, "NT_AUXV")
            for key, value in struct.iter_unpack("<QQ", data):
                if key == _AT_NULL:
                    break
                if key == _AT_ENTRY:
                    self.entry = value
        elif ntype == _NT_FILE and descsz >= 16:
            if descsz > _MAX_NOTE_DESC:
                raise _Bad(f"the NT_FILE note is implausibly large ({descsz} bytes)")
            self._files(r.read(desc, descsz, "NT_FILE"))

    def _files(self, data: bytes) -> None:
        # long count, long page_size, count x (start, end, file_ofs in pages), then the paths.
        count, page_size = struct.unpack_from("<QQ", data, 0)
        if 16 + count * 24 > len(data):
            raise _Bad(f"the NT_FILE note lists {count} mappings but is only {len(data)} bytes")
        paths = data[16 + count * 24 :].split(b"\0")
        if len(paths) < count:
            raise _Bad(f"the NT_FILE note names {len(paths)} files for {count} mappings")
        self.page_size = page_size
        for i in range(count):
            start, end, pages = struct.unpack_from("<QQQ", data, 16 + i * 24)
            self.files.append(FileMapping(start, end, pages * page_size, os.fsdecode(paths[i])))


# --- matching ------------------------------------------------------------------------------------


def _main_head(core: CoreInfo) -> FileMapping | Literal[False] | None:
    """The mapping of the main executable's first page (AT_ENTRY says which file it is).

    None when the core does not say which file is the executable; False when it does but that
    file's first page was not mapped (nothing to compare).
    """
    if core.entry is None:
        return None
    main = next((m for m in core.files if m.start <= core.entry < m.end), None)
    if main is None:
        return None
    first = [m for m in core.files if m.path == main.path and m.file_offset == 0]
    if not first:
        return False
    head: FileMapping = min(first, key=lambda m: m.start)
    return head


def _candidates(
    exe: ElfInfo, core: CoreInfo, note: BuildId
) -> list[tuple[int, int, str | None, bool]]:
    """List (address of file offset 0, bytes mapped there, path, strict) of places to compare.

    A strict place must hold the executable's note if the core came from it; elsewhere only a
    different note of the same kind proves a mismatch (it may be a shared library).
    """
    head = _main_head(core)
    if head is False:
        return []
    if head is not None:
        # AT_ENTRY names the main executable: compare there and nowhere else.
        return [(head.start, head.end - head.start, head.path, True)]
    out: list[tuple[int, int, str | None, bool]] = []
    if not exe.pie:
        # A fixed-address executable can only have been mapped at its link address.
        base = note.address - note.offset
        path = next((m.path for m in core.files if m.start <= note.address < m.end), None)
        out.append((base, _PAGE + note.offset + note.size, path, True))
    seen = {c[0] for c in out}
    for m in core.files:
        if m.file_offset == 0 and m.start not in seen:
            seen.add(m.start)
            out.append((m.start, m.end - m.start, m.path, False))
    return out


def _read_memory(r: _Reader, core: CoreInfo, address: int, n: int) -> bytes:
    """Read up to ``n`` bytes of the process's memory at ``address``; fewer if not dumped."""
    for seg in core.loads:
        if seg.vaddr <= address < seg.vaddr + seg.filesz:
            n = min(n, seg.vaddr + seg.filesz - address)
            return r.read(seg.offset + address - seg.vaddr, n, "a PT_LOAD segment")
    return b""


def _scan(window: bytes, kind: Literal["go", "gnu"]) -> str | None:
    """Find a build-id note of ``kind`` in a page of the core's memory; return its id."""
    marker = b"\x04\x00\x00\x00Go\x00\x00" if kind == "go" else b"\x03\x00\x00\x00GNU\x00"
    at = window.find(marker, 8)
    while at >= 0:
        namesz, descsz = struct.unpack_from("<II", window, at - 8)
        raw = window[at + len(marker) : at + len(marker) + descsz]
        if namesz == len(marker) - 4 and 0 < descsz == len(raw):
            return raw.rstrip(b"\0").decode("ascii", "replace") if kind == "go" else raw.hex()
        at = window.find(marker, at + 1)
    return None


def _origin(exe: ElfInfo, core: CoreInfo, path: str | None) -> str:
    """Say which program the core says it came from, if it says."""
    parts = []
    if path:
        parts.append(path)
    if core.program and (not path or os.path.basename(path)[:15] != core.program):
        parts.append(f"process name {core.program!r}")
    if core.pid:
        parts.append(f"pid {core.pid}")
    if not parts:
        return ""
    said = f"the core came from {', '.join(parts)}"
    # The kernel marks a file replaced while the process ran as "PATH (deleted)".
    if path and os.path.realpath(path.removesuffix(" (deleted)")) == os.path.realpath(exe.path):
        # Same path, different build id: the program was rebuilt after it crashed.
        said += ", and that file has been rebuilt since the crash"
    return said + "; "
