"""Small shared pieces of the benchmarks: timing, peak memory, printing a table."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.table import Table

console = Console()


@contextmanager
def timed() -> Iterator[dict[str, float]]:
    """Wall and CPU seconds of the block, in the yielded dict once it ends."""
    box: dict[str, float] = {}
    wall, cpu = time.perf_counter(), time.process_time()
    yield box
    box["wall"] = time.perf_counter() - wall
    box["cpu"] = time.process_time() - cpu


def peak_memory(fn: Callable[[], Any]) -> tuple[Any, int]:
    """(result, peak bytes allocated by Python while fn ran)."""
    tracemalloc.start()
    try:
        result = fn()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


def print_table(title: str, rows: list[tuple[str, str, str]]) -> None:
    """rows: (measure, value, target or baseline note)."""
    table = Table(title=title)
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("target / baseline")
    for row in rows:
        table.add_row(*row)
    console.print(table)


def print_values(title: str, values: dict[str, object], target: str) -> None:
    """A stage's measures, one per line, and the target they are judged against."""
    print(f"{title:<42} {'value':>24}")
    for key, value in values.items():
        print(f"{key:<42} {value!s:>24}")
    print(f"target: {target}")
