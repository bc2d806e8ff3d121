"""Where a frame's code comes from: the runtime, the standard library, a dependency, the program.

Crash tools call the program's own frames *in-app*; a person reading a crash wants those first.
The answer comes from two facts Go leaves in every executable:

* the function's name, whose package path survives ``-trimpath``, vendoring and generics
  (``github.com/nats-io/nats-server/v2/server.(*client).readLoop``,
  ``example.com/m/pkg.Map[go.shape.int]``);
* the module information ``go version -m`` prints (``path``/``mod``/``dep`` lines, read from the
  executable's ``.go.buildinfo`` before dlv starts), which says which module paths are the main
  module and which are dependencies, at which version (``=>`` replacements included). Without it
  (a session by :func:`~dlvclient.connect`, whose executable is not at hand), Delve's
  ``ListPackagesBuildInfo`` directories stand in: ``…/module@version/…`` is a dependency.

With neither, the frame's file path still says most of it: a module-cache path
(``…/pkg/mod/github.com/x/y@v1.2.3/…``, or ``github.com/x/y@v1.2.3/…`` after ``-trimpath``) is a
dependency, a ``/vendor/`` path a vendored dependency, anything else the program's own tree.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import anyio
from pydantic import BaseModel, ConfigDict, Field

from ._elf import check_executable
from ._errors import DlvError

__all__ = [
    "FrameOrigin",
    "GoBuildInfo",
    "GoModule",
    "OriginKind",
    "culprit_index",
    "frame_origin",
    "load_build_info",
    "package_of",
    "read_build_info",
]


class OriginKind(str, Enum):
    """Whose code a frame runs."""

    #: The Go runtime (``runtime``, ``runtime/...``, ``internal/runtime/...``).
    RUNTIME = "runtime"
    #: The rest of the standard library (``sync``, ``net/http``, ``internal/poll``...).
    STDLIB = "stdlib"
    #: A module the program depends on (vendored or from the module cache).
    DEPENDENCY = "dependency"
    #: The program's own code: the main module (``package main`` included): *in-app*.
    MAIN = "main"
    #: C code (cgo, libc): a function without a Go package.
    C = "c"
    #: Delve does not know the function.
    UNKNOWN = "unknown"


class FrameOrigin(BaseModel):
    """Where a frame's code comes from (see :func:`frame_origin`)."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    kind: OriginKind = Field(
        description="'runtime', 'stdlib', 'dependency', 'main', 'c' or 'unknown'."
    )
    package: str = Field(
        "", description="Import path of the function's package ('main' for package main)."
    )
    module: str | None = Field(
        None, description="Module path, for 'main' and 'dependency' frames when known."
    )
    version: str | None = Field(
        None,
        description="Module version ('v1.2.3', '(devel)' for a main module built from its "
        "tree), when known.",
    )

    @property
    def in_app(self) -> bool:
        """Whether the frame is the program's own code (the main module)."""
        return self.kind is OriginKind.MAIN


@dataclass(frozen=True)
class GoModule:
    """A module of the build: its path and version, and what replaced it, if anything."""

    path: str
    version: str = ""
    #: ``=> path version`` of a replace directive (a directory has no version).
    replaced_by: str | None = None
    replaced_version: str = ""

    @property
    def effective_version(self) -> str | None:
        """The version whose code was built: the replacement's when there is one."""
        if self.replaced_by is not None:
            return self.replaced_version or None
        return self.version or None


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one per executable
class GoBuildInfo:
    """What the executable says about its build (``go version -m``), for :func:`frame_origin`.

    ``path`` is the main package's import path (``command-line-arguments`` for ``go run
    file.go``); ``main`` the main module (None outside module mode); ``main_packages`` lists
    import paths known to belong to the main module when the module path is not known (the
    ``ListPackagesBuildInfo`` fallback).
    """

    go_version: str | None = None
    path: str = ""
    main: GoModule | None = None
    deps: tuple[GoModule, ...] = ()
    settings: dict[str, str] = field(default_factory=dict)
    main_packages: frozenset[str] = frozenset()
    #: Where the facts came from: "executable" (.go.buildinfo) or "delve" (package dirs).
    source: str = "executable"

    @classmethod
    def from_modinfo(cls, text: str, *, go_version: str | None = None) -> GoBuildInfo:
        """Parse the module info text the go command embeds (as ``go version -m`` prints it)."""
        path = ""
        modules: list[GoModule] = []  # the main module first, when there is one
        has_main = False
        settings: dict[str, str] = {}
        for raw in text.splitlines():
            tag, _, rest = raw.partition("\t")
            cols = rest.split("\t")
            if tag == "path":
                path = cols[0]
            elif tag in ("mod", "dep") and cols[0]:
                has_main = has_main or tag == "mod"
                modules.append(GoModule(cols[0], cols[1] if len(cols) > 1 else ""))
            elif tag == "=>" and modules and cols[0]:
                last = modules[-1]
                version = cols[1] if len(cols) > 1 else ""
                modules[-1] = GoModule(last.path, last.version, cols[0], version)
            elif tag == "build" and "=" in cols[0]:
                key, _, value = cols[0].partition("=")
                settings[key] = value
        main = modules[0] if has_main else None
        deps = modules[1:] if has_main else modules
        return cls(go_version=go_version, path=path, main=main, deps=tuple(deps), settings=settings)

    @classmethod
    def from_packages(
        cls,
        packages: Iterable[PackageDir],
        *,
        go_version: str | None = None,
        main_file: str = "",
    ) -> GoBuildInfo:
        """Infer the modules from Delve's ``ListPackagesBuildInfo`` (import path → directory).

        A directory in the module cache (``module@version``) is a dependency; a package whose
        directory is not ``…/src/IMPORT_PATH`` (GOROOT's layout) belongs to the main module.
        Delve lists no package ``main``: ``main_file``, the file of ``main.main``, tells which
        cached module is the program's own when it was built by ``go install pkg@version``.
        """
        packages = list(packages)
        deps: dict[str, GoModule] = {}
        main_packages: set[str] = set()
        # GOROOT/src is where the runtime package is; without it, guess from each layout.
        runtime = next((p.directory_path for p in packages if p.import_path == "runtime"), "")
        goroot = runtime.removesuffix("runtime") if runtime.endswith("/runtime") else None
        for package in packages:
            directory = package.directory_path
            found = _module_in_path(directory, package.import_path)
            if found is not None:
                deps.setdefault(found[0], GoModule(found[0], found[1]))
            elif "/vendor/" in directory:
                continue
            elif (goroot is not None and not directory.startswith(goroot)) or (
                goroot is None and not _is_goroot_dir(package)
            ):
                main_packages.add(package.import_path)
        # `go install pkg@version` builds the main module from the module cache too: the
        # directory of package main says which of the cached modules is the program's own.
        main_dir = next((p.directory_path for p in packages if p.import_path == "main"), "")
        main = _cached_module(main_file or main_dir)
        if main is not None:
            deps.pop(main.path, None)
        return cls(
            go_version=go_version,
            main=main,
            deps=tuple(deps.values()),
            main_packages=frozenset(main_packages),
            source="delve",
        )

    @property
    def trimpath(self) -> bool:
        """Whether it was built with ``-trimpath`` (file paths are then module-relative)."""
        return self.settings.get("-trimpath") == "true"

    def origin(self, function: str, file: str = "") -> FrameOrigin:
        """Where ``function`` (with its ``file``, optional) comes from in this build."""
        return frame_origin(function, file, self)

    def _modules(self) -> tuple[tuple[str, GoModule, bool], ...]:
        # Longest path first, so a nested module wins over the one around it.
        mods = [(m.path, m, False) for m in self.deps]
        if self.main is not None and self.main.path:
            mods.append((self.main.path, self.main, True))
        return tuple(sorted(mods, key=lambda item: -len(item[0])))


class PackageDir(Protocol):
    """What :meth:`GoBuildInfo.from_packages` reads of Delve's ``PackageBuildInfo``."""

    @property
    def import_path(self) -> str: ...
    @property
    def directory_path(self) -> str: ...


class BuildInfoSource(Protocol):
    """The client call :func:`load_build_info` needs when the executable is not at hand."""

    async def build_info(
        self, filter: str = "", *, include_files: bool = False, timeout: float | None = None
    ) -> Sequence[PackageDir]: ...

    async def find_location(
        self,
        location: str,
        *,
        goroutine_id: int = -1,
        frame: int = 0,
        include_non_executable_lines: bool = False,
        substitute_path_rules: Sequence[tuple[str, str]] = (),
        timeout: float | None = None,
    ) -> Sequence[SourceFile]: ...


class SourceFile(Protocol):
    """What :func:`load_build_info` reads of a location: its file."""

    @property
    def file(self) -> str: ...


_RUNTIME_PREFIXES = ("runtime/", "internal/runtime/")
_C_SUFFIXES = (".c", ".h", ".cc", ".cpp", ".cxx", ".m")
# Compiler-generated wrappers name the package after a prefix: type:.eq.main.T, type..hash.x.T
_GENERATED = re.compile(r"^(?:type[:.]\.(?:eq|hash)\.|go:)")
# A module-cache directory: .../pkg/mod/MODULE@VERSION/..., or MODULE@VERSION/... (-trimpath);
# the module is the longest tail of the part before "@" that prefixes the package.
_MODULE_AT = re.compile(r"((?:[^/@]+/)*[^/@]+)@(v[^/]+)(?:/|$)")


def package_of(function: str) -> str:
    """The import path of ``function``'s package, from its name alone.

    Generic type arguments are cut first (they may hold dots and slashes). A package whose last
    element holds a dot (``gopkg.in/yaml.v3``) cannot be told from its name; :func:`frame_origin`
    resolves those against the build's module paths.
    """
    name = _GENERATED.sub("", function).split("[", 1)[0]
    slash = name.rfind("/")
    head, tail = name[: slash + 1], name[slash + 1 :]
    return head + tail.split(".", 1)[0]


def frame_origin(function: str, file: str = "", build: GoBuildInfo | None = None) -> FrameOrigin:
    """Classify a frame by its function name and source file, refined by ``build`` when given.

    The order: C (no package, or a C source file), the runtime, the main module and the
    dependencies of ``build`` (longest module path matching the function's name), package
    ``main``, the rest of the standard library (a first path element without a dot), then the
    file path (module cache or vendor directory: a dependency; elsewhere: the main module).
    """
    return _origin(function, file, build)


@lru_cache(maxsize=8192)
def _origin(function: str, file: str, build: GoBuildInfo | None) -> FrameOrigin:
    if not function:
        return FrameOrigin(kind=OriginKind.UNKNOWN)
    name = _GENERATED.sub("", function)
    if "." not in name or file.endswith(_C_SUFFIXES):
        return FrameOrigin(kind=OriginKind.C, package="")
    package = package_of(name)
    if package == "runtime" or package.startswith(_RUNTIME_PREFIXES):
        return FrameOrigin(kind=OriginKind.RUNTIME, package=package)
    main_module = build.main if build is not None else None
    if build is not None:
        for path, module, is_main in build._modules():
            if name.startswith((path + ".", path + "/")) or name == path:
                if name[len(path) : len(path) + 1] == ".":
                    package = path
                kind = OriginKind.MAIN if is_main else OriginKind.DEPENDENCY
                return FrameOrigin(
                    kind=kind, package=package, module=path, version=module.effective_version
                )
        if package in build.main_packages:
            return FrameOrigin(kind=OriginKind.MAIN, package=package)
    if package == "main":
        return _main(package, main_module)
    if "." not in package.split("/", 1)[0]:
        return FrameOrigin(kind=OriginKind.STDLIB, package=package)
    found = _module_in_path(file, package, name)
    if found is not None:
        if name.startswith(found[0] + "."):  # a module whose last element has a dot
            package = found[0]
        return FrameOrigin(
            kind=OriginKind.DEPENDENCY, package=package, module=found[0], version=found[1]
        )
    if "/vendor/" in file or file.startswith("vendor/"):
        return FrameOrigin(kind=OriginKind.DEPENDENCY, package=package)
    return _main(package, main_module)


def _main(package: str, module: GoModule | None) -> FrameOrigin:
    return FrameOrigin(
        kind=OriginKind.MAIN,
        package=package,
        module=module.path if module else None,
        version=module.effective_version if module else None,
    )


def _module_in_path(path: str, package: str, name: str = "") -> tuple[str, str] | None:
    """(module, version) when ``path`` lies in the module cache (or is -trimpath's
    ``module@version/...``) and the module is ``package`` or a prefix of it (or of ``name``)."""
    for match in _MODULE_AT.finditer(path):
        parts = _unescape(match.group(1)).split("/")
        # The part before "@" may start with the cache's root: keep the longest tail that is
        # the package's module (its prefix, or the function name's for a dotted last element).
        for start in range(len(parts)):
            module = "/".join(parts[start:])
            if (
                package == module
                or package.startswith(module + "/")
                or name.startswith(module + ".")
            ):
                return module, match.group(2)
    return None


def _cached_module(directory: str) -> GoModule | None:
    """The module a module-cache (or -trimpath ``module@version/``) directory belongs to."""
    match = _MODULE_AT.search(directory)
    if match is None:
        return None
    module = match.group(1)
    if "pkg/mod/" in module:
        module = module.split("pkg/mod/", 1)[1]
    return GoModule(_unescape(module), match.group(2))


def _unescape(path: str) -> str:
    """Undo the module cache's case escaping (``!b`` is ``B``)."""
    return re.sub(r"!([a-z])", lambda m: m.group(1).upper(), path)


def _is_goroot_dir(package: PackageDir) -> bool:
    directory = package.directory_path.rstrip("/")
    suffix = "/src/" + package.import_path
    first = package.import_path.split("/", 1)[0]
    return directory.endswith(suffix) or (directory == package.import_path and "." not in first)


# The culprit's preference, best first.
_PREFERENCE = (OriginKind.MAIN, OriginKind.DEPENDENCY, OriginKind.STDLIB)


class OriginFrame(Protocol):
    """A report frame: a function and where it comes from."""

    @property
    def function(self) -> str: ...
    @property
    def file(self) -> str: ...
    @property
    def origin(self) -> FrameOrigin | None: ...


def origin_kind(frame: OriginFrame) -> OriginKind:
    # A compiler-made wrapper (method value, interface shim) has no line to read.
    if frame.origin is None or frame.file == "<autogenerated>":
        return OriginKind.UNKNOWN
    return frame.origin.kind


def culprit_index(frames: Sequence[OriginFrame]) -> int | None:
    """The index of the culprit: the first in-app frame, else dependency, else stdlib."""
    for kind in _PREFERENCE:
        found = next((i for i, f in enumerate(frames) if origin_kind(f) is kind), None)
        if found is not None:
            return found
    return None


def read_build_info(executable: str | os.PathLike[str]) -> GoBuildInfo | None:
    """The embedded build info of a Go executable (Go 1.18+), or None when it has none."""
    info = check_executable(Path(os.fspath(executable)))
    if info.modinfo is None:
        return None if info.go_version is None else GoBuildInfo(go_version=info.go_version)
    return GoBuildInfo.from_modinfo(info.modinfo, go_version=info.go_version)


async def load_build_info(
    client: BuildInfoSource, executable: str | os.PathLike[str] | None
) -> GoBuildInfo | None:
    """The build info from ``executable`` when given, else from Delve's package list."""
    if executable is not None:
        found = await anyio.to_thread.run_sync(read_build_info, executable)
        if found is not None and (found.main is not None or found.deps):
            return found
    try:
        packages: Sequence[PackageDir] = await client.build_info()
    except DlvError:
        return None
    try:
        found_main = await client.find_location("main.main")
    except DlvError:
        found_main = []
    main_file = found_main[0].file if found_main else ""
    return GoBuildInfo.from_packages(packages, main_file=main_file)
