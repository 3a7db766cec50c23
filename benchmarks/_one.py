"""Run one stage's benchmark in this (fresh) process and write its result as JSON.

`python -m benchmarks` runs every stage this way, so each stage's peak memory and caches are its
own: usage: python -m benchmarks._one STAGE QUICK(0|1) OUT.json
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path


def main() -> None:
    name, quick, out = sys.argv[1], sys.argv[2] == "1", Path(sys.argv[3])
    result = importlib.import_module(f"benchmarks.{name}").run(quick=quick)
    out.write_text(json.dumps(result, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
