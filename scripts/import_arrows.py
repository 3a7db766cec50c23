"""Print the import arrows between the stages of digest/ (and schedules/), from the source's
own import statements (ast), counting lazy imports inside functions too.

    python scripts/import_arrows.py            # arrows with counts
    python scripts/import_arrows.py --modules  # module-level detail

tests/test_architecture.py checks the same arrows against the layer order in
docs/architecture.md, so a stage never reaches up.
"""

from __future__ import annotations

import ast
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("digest", "schedules")


def stage_of(module: str) -> str:
    """'digest.inbox.poll' -> 'inbox'; 'digest.config' -> 'config'; 'schedules.x' -> 'schedules'."""
    parts = module.split(".")
    if parts[0] == "schedules":
        return "schedules"
    return parts[1] if len(parts) > 1 else "digest"


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
    return [m for m in found if m.split(".")[0] in PACKAGES]


def arrows() -> Counter[tuple[str, str]]:
    """(importing stage, imported stage) -> number of import statements."""
    counts: Counter[tuple[str, str]] = Counter()
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            source = stage_of(module_name(path))
            for target in imports_of(path):
                dest = stage_of(target)
                if dest != source and dest != "digest":
                    counts[(source, dest)] += 1
    return counts


def main() -> None:
    counts = arrows()
    for (source, dest), n in sorted(counts.items()):
        print(f"{source:>10} -> {dest:<10} {n}")
    print(f"{len(counts)} arrows, {sum(counts.values())} import statements", file=sys.stderr)


if __name__ == "__main__":
    main()
