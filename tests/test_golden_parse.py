"""Every parser fixture in tests/data has a golden file of what `jobdigest parse` prints for it.

The goldens (tests/golden/parse/<path under tests/data>.json) make any change in what a parser
finds visible in review: a better forward reader, a new alert layout or a changed date shows as
a diff of the expected output. A fixture without its golden file fails. After an intended
change: `JOBDIGEST_UPDATE_GOLDEN=1 python -m pytest tests/test_golden_parse.py`, then review
`git diff tests/golden/parse`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support import golden

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data"
GOLDEN = golden.GOLDEN / "parse"
KINDS = ("mail", "forwards", "alerts", "pages", "feeds", "boards")
#: Files beside the fixtures that describe them rather than being parsed.
NOT_FIXTURES = frozenset({"README.md", "LICENSE", "expected.json", "NOTICE"})
REGENERATE = f"{golden.UPDATE_ENV}=1 python -m pytest tests/test_golden_parse.py"


def fixtures() -> list[Path]:
    """Every parser input under tests/data, relative to the repository root, in a fixed order."""
    found = [
        path.relative_to(ROOT)
        for kind in KINDS
        for path in (DATA / kind).rglob("*")
        if path.is_file() and path.name not in NOT_FIXTURES and not path.name.startswith(".")
    ]
    return sorted(found)


def golden_path(fixture: Path) -> Path:
    return GOLDEN / fixture.relative_to(DATA.relative_to(ROOT)).with_name(fixture.name + ".json")


def normalize(item: dict[str, Any]) -> dict[str, Any]:
    """Only what changes between runs or machines: nothing in parse output does today, but the
    path is written with forward slashes so the goldens read the same on every system."""
    item["file"] = str(item["file"]).replace(os.sep, "/")
    return item


@pytest.fixture(scope="module")
def outputs() -> dict[str, dict[str, Any]]:
    """One `jobdigest parse` run over every fixture, keyed by the file it names."""
    files = [str(p) for p in fixtures()]
    done = subprocess.run(
        [sys.executable, "-m", "digest.cli", "parse", *files],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=600,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    items = [normalize(json.loads(line)) for line in done.stdout.splitlines() if line.strip()]
    assert [item["file"] for item in items] == [f.replace(os.sep, "/") for f in files]
    return {item["file"]: item for item in items}


@pytest.mark.parametrize("fixture", fixtures(), ids=str)
def test_parse_output_matches_golden(fixture: Path, outputs: dict[str, dict[str, Any]]) -> None:
    item = outputs[str(fixture).replace(os.sep, "/")]
    text = json.dumps(item, ensure_ascii=False, indent=2) + "\n"
    golden.check_golden(golden_path(fixture), text, REGENERATE)


def test_no_golden_file_without_its_fixture() -> None:
    """A fixture renamed or removed leaves no stale golden behind."""
    wanted = {golden_path(f) for f in fixtures()}
    stale = sorted(p for p in GOLDEN.rglob("*.json") if p not in wanted) if GOLDEN.exists() else []
    assert not stale, f"golden files without a fixture (delete them): {stale[:5]}"
