"""Delve's own terminal, run on a core with a list of commands: what ``dlv`` itself prints,
to compare dlvclient's output with."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from pathlib import Path

_PROMPT = "(dlv) "
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def dlv_terminal(dlv: Path, exe: Path, core: Path, commands: Sequence[str]) -> list[str]:
    """The output of each command, as ``dlv core EXE CORE`` prints it at its prompt."""
    script = "".join(f"{command}\n" for command in commands) + "exit\n"
    done = subprocess.run(
        [str(dlv), "core", str(exe), str(core), "--allow-non-terminal-interactive=true"],
        input=script,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    text = _ANSI.sub("", done.stdout)
    # Everything after the first prompt: one chunk per command, then exit's empty one.
    chunks = text.split(_PROMPT)[1:]
    if len(chunks) != len(commands) + 1:
        raise AssertionError(f"dlv printed {len(chunks)} prompts:\n{text}\n{done.stderr}")
    return [chunk.rstrip("\n") for chunk in chunks[:-1]]
