"""Parse time of each hostile input class at several sizes: python -m benchmarks.hostile.

    python -m benchmarks.hostile                       # this checkout, 100 kB / 500 kB / 1 MB
    python -m benchmarks.hostile --before f3653ff      # also the parsers of an older commit

Each measurement parses one mail (tests/support/hostile.py builds it) in a fresh process and
reports its CPU seconds; a parse still running after `--cap` CPU seconds is stopped and shown
as "> cap". Once a class hits the cap at one size, its larger sizes are not tried (they would
only take longer). `--before REV` extracts that commit's `parsers/` with `git archive` into a
temporary folder and runs the same mails against it, for a before/after table.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from rich.table import Table

from benchmarks.common import console
from tests.support.hostile import MAIL_CLASSES

ROOT = Path(__file__).resolve().parent.parent
SIZES = (100_000, 500_000, 1_000_000)

#: Runs in the child: parse the mail in argv[1] under a CPU-time cap, print CPU seconds.
_CHILD = """
import signal, sys, time
class Cap(BaseException):
    pass
def stop(*_):
    raise Cap
raw = open(sys.argv[1], "rb").read()
from parsers.mail import parse_mail
from parsers.mime import bounce_recipients
signal.signal(signal.SIGPROF, stop)
signal.setitimer(signal.ITIMER_PROF, float(sys.argv[2]))
start = time.process_time()
try:
    parse_mail(raw)
    bounce_recipients(raw)
except Cap:
    print("cap")
else:
    print(time.process_time() - start)
"""


def measure(raw: bytes, cap: float, path: list[str]) -> float | None:
    """CPU seconds to parse `raw` with the parsers found on `path`; None when over `cap`."""
    with tempfile.NamedTemporaryFile(suffix=".eml") as handle:
        handle.write(raw)
        handle.flush()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, handle.name, str(cap)],
            env=env,
            cwd=path[0],  # `python -c` puts the working folder first on sys.path
            capture_output=True,
            text=True,
            timeout=cap * 20 + 60,
        )
    out = done.stdout.strip().splitlines()
    if done.returncode != 0 or not out:
        raise RuntimeError(f"measurement failed: {done.stderr.strip()[-500:]}")
    return None if out[-1] == "cap" else float(out[-1])


def _tree(rev: str, folder: Path) -> Path:
    """`parsers/` of commit `rev`, extracted (read-only use of the repository)."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "parsers"], capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder


def _series(name: str, sizes: list[int], cap: float, path: list[str]) -> list[float | None]:
    """One class at each size; after a capped size the larger ones count as capped too."""
    results: list[float | None] = []
    for size in sizes:
        if results and results[-1] is None:
            results.append(None)
            continue
        results.append(measure(MAIL_CLASSES[name](size), cap, path))
    return results


def _cell(value: float | None, cap: float) -> str:
    return f"> {cap:g} s" if value is None else f"{value:.2f} s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.hostile", description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument(
        "--cap", type=float, default=15.0, help="CPU seconds before a parse is stopped"
    )
    parser.add_argument("--before", metavar="REV", help="also measure the parsers of this commit")
    parser.add_argument("--only", nargs="+", choices=sorted(MAIL_CLASSES), metavar="CLASS")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table too")
    args = parser.parse_args(argv)
    names = args.only or list(MAIL_CLASSES)
    table = Table(title=f"Hostile input: CPU seconds to parse one mail (cap {args.cap:g} s)")
    table.add_column("input class")
    for size in args.sizes:
        if args.before:
            table.add_column(f"{size // 1000} kB before", justify="right")
        table.add_column(f"{size // 1000} kB" + (" after" if args.before else ""), justify="right")
    rows: list[list[str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        old_path = [str(_tree(args.before, Path(tmp))), str(ROOT)] if args.before else []
        for name in names:
            after = _series(name, args.sizes, args.cap, [str(ROOT)])
            before = _series(name, args.sizes, args.cap, old_path) if args.before else []
            cells: list[str] = []
            for i in range(len(args.sizes)):
                if args.before:
                    cells.append(_cell(before[i], args.cap))
                cells.append(_cell(after[i], args.cap))
            table.add_row(name, *cells)
            rows.append([name, *cells])
            console.print(f"  {name}: " + " | ".join(cells))
    console.print(table)
    if args.markdown:
        header = ["input class", *[str(c.header) for c in table.columns[1:]]]
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for row in rows:
            print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
