"""Parsing stored mails on every core: parsing is pure and CPU-bound, so processes, not threads."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from parsers.mail import parse_mail
from parsers.model import ParsedItem

#: below this many mails a pool costs more than it saves
MIN_FOR_POOL = 16
#: mails per task: fewer round trips to the workers, yet results arrive early enough to record
TASK_SIZE = 4

Result = ParsedItem | BaseException


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
        _POOLS[n] = ProcessPoolExecutor(max_workers=n, mp_context=context)
    return _POOLS[n]


def shutdown() -> None:
    """Stop the workers (a broken pool, a benchmark counting their CPU); the next parse forks anew."""
    while _POOLS:
        _POOLS.popitem()[1].shutdown(wait=True, cancel_futures=True)


def _parse_one(raw_id: int, raw: bytes) -> Result:
    try:
        return parse_mail(raw, file=f"message {raw_id}")
    except Exception as exc:  # noqa: BLE001 - recorded as this message's failure
        return exc


def _parse_task(task: list[tuple[int, bytes]]) -> list[Result]:
    return [_parse_one(raw_id, raw) for raw_id, raw in task]


def parse_stream(raws: dict[int, bytes]) -> Iterator[tuple[int, Result]]:
    """(raw-message id, parsed item or the exception it raised), in the order of `raws`.

    With a pool the mails are handed to the workers at once, before the first result is asked
    for: the caller can fetch or record other mails meanwhile, and record these as they come.
    Never raises: a worker that died becomes the exception of the mails it had.
    """
    n = workers()
    if n == 1 or len(raws) < MIN_FOR_POOL:
        return ((raw_id, _parse_one(raw_id, raw)) for raw_id, raw in raws.items())
    pool = _pool(n)
    items = list(raws.items())
    tasks: list[tuple[list[int], Future[list[Result]] | BaseException]] = []
    for start in range(0, len(items), TASK_SIZE):
        task = items[start : start + TASK_SIZE]
        ids = [raw_id for raw_id, _ in task]
        try:
            tasks.append((ids, pool.submit(_parse_task, task)))
        except (BrokenProcessPool, RuntimeError) as exc:
            shutdown()
            tasks.append((ids, exc))
    return _collect(tasks)


def _collect(
    tasks: list[tuple[list[int], Future[list[Result]] | BaseException]],
) -> Iterator[tuple[int, Result]]:
    for ids, future in tasks:
        yield from zip(ids, _results(future, len(ids)), strict=True)


def _results(future: Future[list[Result]] | BaseException, n: int) -> list[Result]:
    if isinstance(future, BaseException):
        return [future] * n
    try:
        return future.result()
    except BrokenProcessPool as exc:
        shutdown()  # the next batch gets a fresh pool
        return [exc] * n
    except Exception as exc:  # noqa: BLE001 - e.g. a result that could not be pickled
        return [exc] * n


def parse_alone(raw_id: int, raw: bytes) -> Result:
    """One mail in a fresh worker process of its own, for a mail that already crashed a parse:
    whatever it does (kills its worker, runs out of time or memory) it cannot take this process
    or other mails with it. Never raises: a dead worker becomes the mail's exception.

    In a Celery worker process (which may not fork) the mail is parsed in place: if it kills
    that process, Celery redelivers the task, and the attempts counted before each try set the
    mail aside after the third."""
    if in_worker_process():
        return _parse_one(raw_id, raw)
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context(method))
    try:
        return pool.submit(_parse_task, [(raw_id, raw)]).result()[0]
    except Exception as exc:  # noqa: BLE001 - BrokenProcessPool, unpicklable results, ...
        return exc
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
