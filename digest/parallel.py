"""Parsing stored mails on every core: parsing is pure and CPU-bound, so processes, not threads."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache

from parsers.mail import parse_mail
from parsers.model import ParsedItem

#: below this many mails a pool costs more than it saves
MIN_FOR_POOL = 16


def workers() -> int:
    configured = os.environ.get("JOBDIGEST_PARSE_WORKERS")
    if configured and configured.isdigit():
        return max(1, int(configured))
    return max(
        1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    )


@lru_cache(maxsize=1)
def _pool(n: int) -> ProcessPoolExecutor:
    """One long-lived pool per process ('fork' keeps start-up cheap on Linux)."""
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    return ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context(method))


def _parse(args: tuple[int, bytes]) -> ParsedItem:
    raw_id, raw = args
    return parse_mail(raw, file=f"message {raw_id}")


def parse_many(raws: dict[int, bytes]) -> dict[int, ParsedItem | BaseException]:
    """Parsed items by raw-message id; a worker crash becomes that message's exception."""
    n = workers()
    if n == 1 or len(raws) < MIN_FOR_POOL:
        out: dict[int, ParsedItem | BaseException] = {}
        for raw_id, raw in raws.items():
            try:
                out[raw_id] = _parse((raw_id, raw))
            except Exception as exc:  # noqa: BLE001 - recorded as this message's failure
                out[raw_id] = exc
        return out
    pool = _pool(n)
    futures = {raw_id: pool.submit(_parse, (raw_id, raw)) for raw_id, raw in raws.items()}
    results: dict[int, ParsedItem | BaseException] = {}
    for raw_id, future in futures.items():
        try:
            results[raw_id] = future.result()
        except Exception as exc:  # noqa: BLE001
            results[raw_id] = exc
    return results
