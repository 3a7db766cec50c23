"""Golden files: expected output kept in tests/golden/, compared byte for byte.

A missing golden file fails the test; nothing is written unless asked. After an intended change,
regenerate with `JOBDIGEST_UPDATE_GOLDEN=1 python -m pytest <test file>` and review the diff
(`git diff tests/golden`) before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
UPDATE_ENV = "JOBDIGEST_UPDATE_GOLDEN"


def updating() -> bool:
    """Whether this run rewrites golden files (JOBDIGEST_UPDATE_GOLDEN=1)."""
    return os.environ.get(UPDATE_ENV, "") not in ("", "0")


def check_golden(path: Path, actual: str, how: str = "") -> None:
    """`actual` must equal the golden file at `path`; with JOBDIGEST_UPDATE_GOLDEN=1 it is
    written instead. `how` names the command that regenerates it, for the failure message."""
    regenerate = how or f"{UPDATE_ENV}=1 python -m pytest tests/"
    shown = (
        path.relative_to(GOLDEN.parent.parent)
        if path.is_relative_to(GOLDEN.parent.parent)
        else path
    )
    if updating():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    if not path.exists():
        pytest.fail(f"golden file {shown} is missing; create it with: {regenerate}", pytrace=False)
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{shown} differs; if the change is intended: {regenerate}"
