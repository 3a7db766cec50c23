"""Run every stage's benchmark: python -m benchmarks [--quick] [--only NAME ...] [--json FILE].

Prints each stage's table and writes all results as JSON (default benchmarks/results/latest.json).
Each stage reports its rate and its ratio to a baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

STAGES = ("inbox", "feeds", "boards", "tagging", "digest", "weekly", "scale", "dedup", "realmail")


def _run_stage(name: str, quick: bool) -> dict[str, Any]:
    """Each stage in a process of its own: its memory figures and warm caches are its own."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks._one", name, "1" if quick else "0", str(out)]
        )
        if done.returncode != 0 or not out.exists():
            print(f"benchmark {name} failed (exit code {done.returncode})")
            return {"error": f"exit code {done.returncode}"}
        return json.loads(out.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--only", nargs="*", choices=STAGES, help="run just these stages")
    parser.add_argument(
        "--json", type=Path, default=Path(__file__).parent / "results" / "latest.json"
    )
    args = parser.parse_args(argv)
    results: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {
            "python": platform.python_version(),
            "cpus": __import__("os").cpu_count(),
            "platform": platform.platform(),
        },
        "quick": args.quick,
        "stages": {},
    }
    failed = False
    for name in args.only or STAGES:
        result = _run_stage(name, args.quick)
        failed = failed or "error" in result
        results["stages"][name] = result
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"Results written to {args.json}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
