"""Bounding a call by CPU time, not by the wall clock: a loaded CI machine cannot make it fail,
a runaway parser (backtracking, a quadratic scan) still does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from digest.ingest.budget import ParseBudget, within_budget

T = TypeVar("T")


def cpu_bounded(seconds: float, fn: Callable[..., T], *args: Any) -> T:
    """fn(*args), failing with ParseBudgetExceeded past `seconds` of this process's CPU time."""
    return within_budget(fn, *args, budget=ParseBudget(seconds=seconds, memory_mb=4096))
