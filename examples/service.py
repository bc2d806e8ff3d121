"""A crash-analysis HTTP service: upload a Go executable and its core, get the crash report.

    pip install 'dlvclient[service]' uvicorn    # Starlette and python-multipart, and a server
    python service.py --port 8000               # or: uvicorn service:app
    curl -F executable=@./main -F core=@./core http://127.0.0.1:8000/analyse

``POST /analyse`` takes a multipart form with two files, ``executable`` and ``core``, and
answers with the crash report as JSON (the schema of ``dlvclient report --json``). Uploads are
streamed to a private temporary directory, removed after the answer. At most ``max_sessions``
analyses run at once (each is a dlv process holding the core's metadata in memory); others wait
their turn. ``timeout`` bounds the wait plus the analysis.

Errors are JSON ``{"error": "<exception class>", "message": "..."}``: 400 for a malformed
request, 413 for an upload over ``max_upload_bytes``, 422 for files Delve cannot use (not an
executable, a core of another build, a Go release this Delve does not support...), 504 when the
analysis took too long, 500 when the service itself is broken (no dlv installed).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import anyio
from python_multipart import FormParser
from python_multipart.multipart import File, parse_options_header
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import dlvclient

FIELDS = ("executable", "core")


@dataclass(frozen=True)
class Settings:
    max_sessions: int = 2
    timeout: float = 600.0
    max_upload_bytes: int = 16 << 30
    dlv: str | None = None  # default: $DLV, then PATH


class BadRequest(Exception):
    """The request is unusable; the message says why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def error(status: int, kind: str, message: str) -> JSONResponse:
    return JSONResponse({"error": kind, "message": message}, status_code=status)


def status_of(exc: dlvclient.DlvError) -> int:
    if isinstance(exc, dlvclient.DlvNotFoundError):
        return 500
    if isinstance(exc, (dlvclient.LaunchError, dlvclient.UsageError)):
        # InvalidTargetError and GoVersionError are LaunchErrors: dlv refused the uploaded files.
        return 422
    if isinstance(exc, dlvclient.DlvTimeoutError):
        return 504
    return 500


async def receive_files(request: Request, folder: Path, limit: int) -> dict[str, Path]:
    """Stream the multipart body's files into ``folder``; return the path of each field.

    Starlette's ``request.form()`` would first spool every part to an anonymous temporary file
    and check sizes only afterwards: a multi-gigabyte core would be written twice and could
    fill the disk. Parsing the stream here writes each byte once and stops at ``limit``.
    """
    kind, options = parse_options_header(request.headers.get("content-type", ""))
    if kind != b"multipart/form-data" or b"boundary" not in options:
        raise BadRequest(400, "send a multipart/form-data body with files 'executable' and 'core'")
    received_files: list[File] = []
    parser = FormParser(
        "multipart/form-data",
        on_field=None,
        on_file=received_files.append,
        boundary=options[b"boundary"],
        # Every part goes straight to disk in the request's own folder, and stays there.
        config={"UPLOAD_DIR": str(folder), "MAX_MEMORY_FILE_SIZE": 0, "UPLOAD_DELETE_TMP": False},
    )
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise BadRequest(413, f"the upload is larger than {limit} bytes")
            # The parser writes to disk: keep that file I/O off the event loop.
            await anyio.to_thread.run_sync(parser.write, chunk)
        parser.finalize()
    except ValueError as exc:  # python-multipart's parse errors are ValueErrors
        raise BadRequest(400, f"malformed multipart body: {exc}") from None
    finally:
        for file in received_files:
            file.close()
    files = {(file.field_name or b"").decode("latin-1"): file for file in received_files}
    paths: dict[str, Path] = {}
    for field in FIELDS:
        upload = files.get(field)
        if upload is None or upload.actual_file_name is None:  # absent, or empty (not on disk)
            raise BadRequest(400, f"the form has no non-empty file field {field!r}")
        # Named after the field, so error messages about the files say which one is meant.
        paths[field] = folder / field
        await anyio.Path(os.fsdecode(upload.actual_file_name)).rename(paths[field])
    return paths


async def analyse(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    limiter: anyio.CapacityLimiter = request.app.state.limiter
    folder = Path(await anyio.to_thread.run_sync(tempfile.mkdtemp, "", "dlvclient-service-"))
    try:
        paths = await receive_files(request, folder, settings.max_upload_bytes)
        with anyio.fail_after(settings.timeout):
            async with (
                limiter,
                dlvclient.open_core(paths["executable"], paths["core"], dlv=settings.dlv) as client,
            ):
                report = await client.crash_report()
    except BadRequest as exc:
        return error(exc.status, "BadRequest", str(exc))
    except dlvclient.DlvError as exc:
        return error(status_of(exc), type(exc).__name__, str(exc))
    except TimeoutError:
        message = f"no report within {settings.timeout:g} s"
        return error(504, "TimeoutError", message)
    finally:
        await anyio.to_thread.run_sync(shutil.rmtree, folder, True)
    return Response(report.model_dump_json(), media_type="application/json")


async def health(request: Request) -> Response:
    limiter: anyio.CapacityLimiter = request.app.state.limiter
    return JSONResponse({"sessions": limiter.borrowed_tokens, "max_sessions": limiter.total_tokens})


def create_app(settings: Settings | None = None) -> Starlette:
    """The service as an ASGI app; one per process (the session limit is per app)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Made here, inside the server's event loop, which the limiter belongs to.
        app.state.limiter = anyio.CapacityLimiter(settings.max_sessions)
        yield

    app = Starlette(
        routes=[Route("/analyse", analyse, methods=["POST"]), Route("/healthz", health)],
        lifespan=lifespan,
    )
    app.state.settings = settings
    return app


app = create_app()


def main() -> None:
    import uvicorn  # only for serving from the command line; the app itself does not need it

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--max-sessions", type=int, default=Settings.max_sessions)
    parser.add_argument("--timeout", type=float, default=Settings.timeout)
    args = parser.parse_args()
    settings = Settings(max_sessions=args.max_sessions, timeout=args.timeout)
    uvicorn.run(create_app(settings), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
