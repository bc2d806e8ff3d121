"""Frame origin from function names, file paths and the executable's module info (no dlv)."""

from __future__ import annotations

import pytest

from dlvclient import FrameOrigin, GoBuildInfo, OriginKind, PackageBuildInfo, Stackframe
from dlvclient._models import Function
from dlvclient._origin import frame_origin, package_of

MODINFO = """\
path\texample.com/app/cmd/app
mod\texample.com/app\t(devel)\t
dep\tgithub.com/robfig/cron/v3\tv3.0.1\th1:abc=
dep\tgolang.org/x/time\tv0.3.0\th1:def=
=>\tgithub.com/fork/time\tv0.3.1\th1:ghi=
dep\tgopkg.in/yaml.v3\tv3.0.1\th1:jkl=
dep\texample.com/app/nested\tv1.0.0\th1:mno=
build\t-trimpath=true
build\tGOOS=linux
"""


@pytest.fixture
def build() -> GoBuildInfo:
    return GoBuildInfo.from_modinfo(MODINFO, go_version="go1.26.8")


def test_from_modinfo_reads_main_module_deps_replacements_and_settings(build: GoBuildInfo) -> None:
    assert build.path == "example.com/app/cmd/app"
    assert build.main is not None
    assert build.main.path == "example.com/app"
    assert [d.path for d in build.deps][:2] == ["github.com/robfig/cron/v3", "golang.org/x/time"]
    time = build.deps[1]
    assert (time.replaced_by, time.effective_version) == ("github.com/fork/time", "v0.3.1")
    assert build.trimpath
    assert build.settings["GOOS"] == "linux"


@pytest.mark.parametrize(
    ("function", "package"),
    [
        ("main.main", "main"),
        ("main.(*service).poll.func1", "main"),
        ("github.com/a/b.(*T).M", "github.com/a/b"),
        ("github.com/a/b.Map[go.shape.*github.com/x/y.T]", "github.com/a/b"),
        ("github.com/a/b.(*List[go.shape.int]).Push", "github.com/a/b"),
        ("type:.eq.github.com/a/b.T", "github.com/a/b"),
        ("internal/poll.(*FD).Read", "internal/poll"),
    ],
)
def test_package_of_strips_receivers_closures_and_type_arguments(
    function: str, package: str
) -> None:
    assert package_of(function) == package


@pytest.mark.parametrize(
    ("function", "file", "kind", "module", "version"),
    [
        ("runtime.gopark", "runtime/proc.go", "runtime", None, None),
        ("internal/runtime/maps.fatal", "", "runtime", None, None),
        ("runtime/internal/atomic.Load", "", "runtime", None, None),
        ("sync.(*Mutex).Lock", "/usr/lib/go/src/sync/mutex.go", "stdlib", None, None),
        ("vendor/golang.org/x/net/http2/hpack.(*Decoder).Write", "", "stdlib", None, None),
        ("main.main", "/src/app/main.go", "main", "example.com/app", "(devel)"),
        ("example.com/app/internal/db.Open", "example.com/app/internal/db/db.go", "main",
         "example.com/app", "(devel)"),
        ("example.com/app/nested.F", "", "dependency", "example.com/app/nested", "v1.0.0"),
        ("github.com/robfig/cron/v3.FuncJob.Run", "", "dependency", "github.com/robfig/cron/v3",
         "v3.0.1"),
        ("golang.org/x/time/rate.(*Limiter).Allow", "", "dependency", "golang.org/x/time",
         "v0.3.1"),
        ("gopkg.in/yaml.v3.(*parser).parse", "", "dependency", "gopkg.in/yaml.v3", "v3.0.1"),
        ("example.com/app/util.Map[go.shape.int]", "", "main", "example.com/app", "(devel)"),
        ("crosscall2", "runtime/cgo/asm_amd64.s", "c", None, None),
        ("C.sqlite3_step", "sqlite3.c", "c", None, None),
        ("", "?", "unknown", None, None),
    ],
)  # fmt: skip
def test_frame_origin_with_build_info(
    build: GoBuildInfo, function: str, file: str, kind: str, module: str | None, version: str | None
) -> None:
    origin = build.origin(function, file)
    assert (origin.kind.value, origin.module, origin.version) == (kind, module, version)
    assert origin.in_app is (kind == "main")


@pytest.mark.parametrize(
    ("function", "file", "kind", "module", "version"),
    [
        ("github.com/a/b.F", "/root/go/pkg/mod/github.com/a/b@v1.2.3/f.go", "dependency",
         "github.com/a/b", "v1.2.3"),
        ("github.com/a/b/c.F", "github.com/a/b@v1.2.3/c/f.go", "dependency", "github.com/a/b",
         "v1.2.3"),
        ("github.com/BurntSushi/toml.Decode", "/m/github.com/!burnt!sushi/toml@v1.2.0/d.go",
         "dependency", "github.com/BurntSushi/toml", "v1.2.0"),
        ("gopkg.in/yaml.v3.F", "/root/go/pkg/mod/gopkg.in/yaml.v3@v3.0.1/y.go", "dependency",
         "gopkg.in/yaml.v3", "v3.0.1"),
        ("github.com/a/b.F", "/src/app/vendor/github.com/a/b/f.go", "dependency", None, None),
        ("github.com/me/app/server.Run", "/src/app/server/run.go", "main", None, None),
        ("main.main", "main.go", "main", None, None),
    ],
)  # fmt: skip
def test_frame_origin_without_build_info_reads_the_file_path(
    function: str, file: str, kind: str, module: str | None, version: str | None
) -> None:
    origin = frame_origin(function, file)
    assert (origin.kind.value, origin.module, origin.version) == (kind, module, version)


def test_stackframe_origin_property_and_origin_in(build: GoBuildInfo) -> None:
    frame = Stackframe(function=Function(name="example.com/app/internal/db.Open"), file="/x/db.go")
    assert frame.origin.kind is OriginKind.MAIN
    assert frame.origin_in(build) == FrameOrigin(
        kind=OriginKind.MAIN, package="example.com/app/internal/db", module="example.com/app",
        version="(devel)",
    )  # fmt: skip


def test_from_packages_infers_modules_from_delve_directories() -> None:
    packages = [
        PackageBuildInfo(import_path="runtime", directory_path="/usr/local/go/src/runtime"),
        PackageBuildInfo(import_path="fmt", directory_path="/usr/local/go/src/fmt"),
        PackageBuildInfo(
            import_path="golang.org/x/time/rate",
            directory_path="/root/go/pkg/mod/golang.org/x/time@v0.3.0/rate",
        ),
        PackageBuildInfo(import_path="main", directory_path="/src/app"),
        PackageBuildInfo(import_path="app/store", directory_path="/src/app/store"),
    ]
    build = GoBuildInfo.from_packages(packages)
    assert build.source == "delve"
    assert build.origin("app/store.Get").kind is OriginKind.MAIN  # no dot, yet not stdlib
    assert build.origin("fmt.Println").kind is OriginKind.STDLIB
    rate = build.origin("golang.org/x/time/rate.(*Limiter).Allow")
    assert (rate.kind, rate.module, rate.version) == (
        OriginKind.DEPENDENCY, "golang.org/x/time", "v0.3.0",
    )  # fmt: skip
