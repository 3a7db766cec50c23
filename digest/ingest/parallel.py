"""Parsing stored mails on every core: parsing is pure and CPU-bound, so processes, not threads.

Every mail is parsed under a ParseBudget (CPU seconds, megabytes; digest.ingest.budget): a mail
that exceeds it comes back as ParseBudgetExceeded, its reason, and the others parse as usual.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from digest.ingest.budget import (
    ParseBudget,
    ParseBudgetExceeded,
    parse_mail_isolated,
    parse_mail_within,
    worker_init,
)
from parsers.mail import parse_mail
from parsers.model import ParsedItem

#: below this many mails a pool costs more than it saves
MIN_FOR_POOL = 16
#: mails per task: fewer round trips to the workers, yet results arrive early enough to record
TASK_SIZE = 4

Result = ParsedItem | BaseException

__all__ = ["ParseBudget", "ParseBudgetExceeded", "parse_stream", "shutdown", "workers"]


def in_worker_process() -> bool:
    """True inside a Celery (or any daemonic) worker process: it may not start processes of its
    own, and needs none, since the parallelism is the workers themselves."""
    return multiprocessing.current_process().daemon


def workers() -> int:
    if in_worker_process():
        return 1
    configured = os.environ.get("JOBDIGEST_PARSE_WORKERS")
    if configured and configured.isdigit():
        return max(1, int(configured))
    return max(
        1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    )


_POOLS: dict[int, ProcessPoolExecutor] = {}


def _pool(n: int) -> ProcessPoolExecutor:
    """One long-lived pool per process ('fork' keeps start-up cheap on Linux)."""
    if n not in _POOLS:
        shutdown()
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
        context = multiprocessing.get_context(method)
        _POOLS[n] = ProcessPoolExecutor(max_workers=n, mp_context=context, initializer=worker_init)
    return _POOLS[n]


def shutdown() -> None:
    """Stop the workers (a broken pool, a benchmark counting their CPU); the next parse forks anew."""
    while _POOLS:
        _POOLS.popitem()[1].shutdown(wait=True, cancel_futures=True)


def _parse_one(raw_id: int, raw: bytes, budget: ParseBudget) -> Result:
    """In a pool worker: the budget is enforced in this (dedicated) process."""
    try:
        return parse_mail_within(raw, f"message {raw_id}", budget, parse_mail)
    except Exception as exc:  # noqa: BLE001 - recorded as this message's failure
        return exc


def _parse_alone(raw_id: int, raw: bytes, budget: ParseBudget) -> Result:
    """In the service's process: the mail is parsed in a child of its own, under the budget.

    In a Celery worker process (which may not fork) it is parsed in place under the same budget:
    if it kills that process, Celery redelivers the task, and the attempts counted before each
    try set the mail aside after the third."""
    if in_worker_process():
        return _parse_one(raw_id, raw, budget)
    try:
        return parse_mail_isolated(raw, f"message {raw_id}", budget, parse_mail)
    except Exception as exc:  # noqa: BLE001 - recorded as this message's failure
        return exc


def _parse_task(task: list[tuple[int, bytes]], budget: ParseBudget) -> list[Result]:
    return [_parse_one(raw_id, raw, budget) for raw_id, raw in task]


Task = list[tuple[int, bytes]]


def parse_stream(
    raws: dict[int, bytes], budget: ParseBudget | None = None
) -> Iterator[tuple[int, Result]]:
    """(raw-message id, parsed item or the exception it raised), in the order of `raws`.

    With a pool the mails are handed to the workers at once, before the first result is asked
    for: the caller can fetch or record other mails meanwhile, and record these as they come.
    Never raises: a mail over `budget` becomes ParseBudgetExceeded; when a worker dies, the
    mails it had are parsed again one by one, so only the mail that killed it fails.
    """
    budget = budget or ParseBudget()
    n = workers()
    if n == 1 or len(raws) < MIN_FOR_POOL:
        return ((raw_id, _parse_alone(raw_id, raw, budget)) for raw_id, raw in raws.items())
    pool = _pool(n)
    items = list(raws.items())
    tasks: list[tuple[Task, Future[list[Result]] | BaseException]] = []
    for start in range(0, len(items), TASK_SIZE):
        task = items[start : start + TASK_SIZE]
        try:
            tasks.append((task, pool.submit(_parse_task, task, budget)))
        except (BrokenProcessPool, RuntimeError) as exc:
            shutdown()
            tasks.append((task, exc))
    return _collect(tasks, budget)


def _collect(
    tasks: list[tuple[Task, Future[list[Result]] | BaseException]], budget: ParseBudget
) -> Iterator[tuple[int, Result]]:
    for task, future in tasks:
        ids = [raw_id for raw_id, _ in task]
        yield from zip(ids, _results(future, task, budget), strict=True)


def _results(
    future: Future[list[Result]] | BaseException, task: Task, budget: ParseBudget
) -> list[Result]:
    if isinstance(future, BaseException):
        return _one_by_one(task, budget)
    try:
        return future.result()
    except BrokenProcessPool:
        shutdown()  # the next batch gets a fresh pool
        return _one_by_one(task, budget)
    except Exception as exc:  # noqa: BLE001 - e.g. a result that could not be pickled
        return [exc] * len(task)


def _one_by_one(task: Task, budget: ParseBudget) -> list[Result]:
    """A task whose worker died (out of CPU past the backstop, out of memory, a crash in C):
    each of its mails again in a child of its own, so the others are not lost with it."""
    return [_parse_alone(raw_id, raw, budget) for raw_id, raw in task]


def parse_alone(raw_id: int, raw: bytes, budget: ParseBudget | None = None) -> Result:
    """One mail in a fresh child process of its own, under the budget, for a mail that already
    crashed a parse: whatever it does (kills its worker, runs out of time or memory) it cannot
    take this process or other mails with it. Never raises."""
    return _parse_alone(raw_id, raw, budget or ParseBudget())
