"""The tree reads like the pipeline: each stage imports only the stages below it.

The layer order is the one docs/architecture.md draws; scripts/import_arrows.py prints the arrows.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Bottom to top. A stage may import any stage listed before it, never one after it.
LAYERS = [
    "clock",
    "errors",
    "config",
    "formatting",
    "starter",
    "store",
    "ingest",
    "inbox",
    "sources",
    "tagging",
    "roster",
    "delivery",
    "reports",
    "units",
    "web",
    "demo",
    "cli",
    "schedules",
]


def _arrows() -> dict[tuple[str, str], int]:
    spec = importlib.util.spec_from_file_location(
        "import_arrows", ROOT / "scripts" / "import_arrows.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return dict(module.arrows())


def test_every_stage_is_a_known_layer() -> None:
    stages = {s for arrow in _arrows() for s in arrow}
    assert stages <= set(LAYERS), f"add {sorted(stages - set(LAYERS))} to LAYERS and the docs"


def test_no_stage_imports_a_stage_above_it() -> None:
    upward = [
        f"{source} -> {dest} ({n} imports)"
        for (source, dest), n in sorted(_arrows().items())
        if LAYERS.index(dest) > LAYERS.index(source)
    ]
    assert upward == []


def test_digest_never_imports_schedules() -> None:
    assert not [a for a in _arrows() if a[1] == "schedules" and a[0] != "schedules"]


def test_architecture_doc_names_every_stage() -> None:
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = [s for s in LAYERS if f"`{s}" not in doc]
    assert missing == []


def test_pure_tests_import_no_browser_stack() -> None:
    """The fixtures and the parser and matcher tests load without Playwright (fast, and runnable
    where no browser is installed)."""
    import subprocess
    import sys

    code = (
        "import sys, tests.conftest, tests.test_matcher, tests.test_parse_mail;"
        "sys.exit('playwright' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0
