"""Fixtures of the live-session tests: the live program for the leg under test."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.live_support import LivePrograms
from tests.support import Leg


@pytest.fixture
def exe(leg: Leg, live_programs: LivePrograms) -> Path:
    """tests/programs/live built by the leg's Go."""
    return live_programs(leg)
