# shellcheck shell=bash
# Sourced by scripts/test and scripts/demo: prepares the project's .venv and its pinned Delve,
# and leaves the caller in the repository root with .tools/bin first on PATH.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 1

# The pinned Delve has one home, dlvclient/_version.py: PINNED_DELVE = Version(1, 27, 2).
DLV_VERSION="$(sed -n 's/^PINNED_DELVE = Version(\([0-9]*\), \([0-9]*\), \([0-9]*\)).*/\1.\2.\3/p' \
    dlvclient/_version.py)"
if [[ -z "$DLV_VERSION" ]]; then
    echo "error: no PINNED_DELVE line in dlvclient/_version.py" >&2
    exit 1
fi

# go.dev/doc/install puts Go in /usr/local/go, which is not always on PATH.
if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
    export PATH="/usr/local/go/bin:$PATH"
fi
if ! command -v go >/dev/null 2>&1; then
    cat >&2 <<'MSG'
error: Go is not on PATH; it is needed to install Delve and to build the Go programs under test.
Install a recent Go (1.22 or newer) from https://go.dev/doc/install, or with your package manager
(apt-get install golang), and put it on PATH.
MSG
    exit 1
fi

if [[ ! -x .venv/bin/python ]]; then
    echo "setup: creating .venv" >&2
    python3 -m venv .venv
fi
stamp=.venv/.dlvclient-installed
if [[ ! -f "$stamp" ]] || ! cmp -s pyproject.toml "$stamp"; then
    echo "setup: installing dlvclient[test] into .venv" >&2
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
    cp pyproject.toml "$stamp"
fi

# Delve >= 1.24 starts a Go telemetry sidecar process unless telemetry is off.
if [[ "$(go telemetry 2>/dev/null || echo off)" != off ]]; then
    go telemetry off
fi

dlv="$ROOT/.tools/bin/dlv"
if [[ "$("$dlv" version 2>/dev/null || true)" != *"Version: $DLV_VERSION"* ]]; then
    echo "setup: installing Delve $DLV_VERSION into .tools/bin" >&2
    GOBIN="$ROOT/.tools/bin" GOTOOLCHAIN=local \
        go install "github.com/go-delve/delve/cmd/dlv@v$DLV_VERSION"
fi
export PATH="$ROOT/.tools/bin:$PATH"
