"""Parsing one mail under a CPU-time and a memory limit, so one hostile mail cannot stop ingest.

The parsers are linear on every input class we know of, but "we know of" is the weak point: a
mail that still finds a slow path must cost its own parse, never the inbox. So each parse runs
under a budget (`[inbox] parse_seconds`, `parse_memory_mb`) and a mail that exceeds it comes
back as `ParseBudgetExceeded("parse exceeded 10 s of CPU time")`, a reason to record, while
the next mail parses as usual.

How the limits are enforced:
- CPU time: `setitimer(ITIMER_PROF)` delivers SIGPROF after `seconds` of CPU; its handler
  raises `_OverBudget`, a BaseException, so no parser's `except Exception` can swallow it. The
  regex engine checks for signals while it backtracks, so a runaway pattern stops there too.
- Memory: `RLIMIT_AS` is lowered to the address space in use plus `memory_mb`; an allocation
  past it raises MemoryError (the parser reports it, we turn it into the budget reason).
- Backstop: `RLIMIT_CPU` a little above the budget, so C code that never returns to Python is
  ended by the kernel (SIGXCPU); the caller sees the worker die and reports the mail.

Limits that change process-wide state (RLIMIT_AS, SIGPROF) are only set in a process that does
nothing but parse: a pool worker (`worker_init`) or a child forked for one mail
(`run_isolated`). The service's own process never has its address space capped.

Interface:
    ParseBudget(seconds=10.0, memory_mb=512), ParseBudget.from_config(cfg.inbox)
    ParseBudgetExceeded(reason)                       # an Exception; str() is the reason
    parse_mail_within(raw, file, budget) -> ParsedItem   # raises ParseBudgetExceeded
    run_isolated(fn, *args, budget=...) -> result        # fn in a forked child, any thread
    within_budget(fn, *args, budget=...) -> result       # fn in this (dedicated) process
"""

from __future__ import annotations

import math
import multiprocessing
import os
import resource
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from parsers.mail import parse_mail
from parsers.model import ParsedItem

T = TypeVar("T")

#: Wall-clock grace of an isolated child beyond its CPU budget: on a loaded machine a child
#: gets a fraction of a core; this only catches a child that is stuck without using CPU.
WALL_FACTOR = 10
WALL_GRACE = 30.0


@dataclass(frozen=True, slots=True)
class ParseBudget:
    """CPU seconds and megabytes one mail's parse may use (beyond what the process holds)."""

    seconds: float = 10.0
    memory_mb: int = 512

    @classmethod
    def from_config(cls, inbox: Any) -> ParseBudget:
        """From `[inbox] parse_seconds` and `parse_memory_mb` (digest.config.InboxConfig)."""
        return cls(
            seconds=float(getattr(inbox, "parse_seconds", cls.seconds)),
            memory_mb=int(getattr(inbox, "parse_memory_mb", cls.memory_mb)),
        )

    def time_reason(self) -> str:
        return f"parse exceeded {self.seconds:g} s of CPU time"

    def memory_reason(self) -> str:
        return f"parse exceeded {self.memory_mb} MB of memory"


class ParseBudgetExceeded(Exception):
    """A parse used more CPU time or memory than its budget; `reason` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _OverBudget(BaseException):
    """Raised by the SIGPROF handler; a BaseException so that `except Exception` lets it by."""


_dedicated = False  # True in a process that only parses (pool worker, isolated child)


def worker_init() -> None:
    """Initializer of parse pool workers: they may cap their own address space."""
    global _dedicated
    _dedicated = True


def _on_sigprof(signum: int, frame: Any) -> None:
    raise _OverBudget


@contextmanager
def _cpu_limit(seconds: float) -> Iterator[None]:
    """SIGPROF after `seconds` of this process's CPU time; only from the main thread."""
    previous = signal.signal(signal.SIGPROF, _on_sigprof)
    signal.setitimer(signal.ITIMER_PROF, max(seconds, 0.001))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def _address_space() -> int:
    """Bytes of virtual memory this process has mapped now (0 if unknown)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


@contextmanager
def _memory_limit(megabytes: int) -> Iterator[None]:
    """RLIMIT_AS at the current address space plus `megabytes`, restored afterwards."""
    in_use = _address_space()
    old = resource.getrlimit(resource.RLIMIT_AS)
    if not in_use:
        yield
        return
    wanted = in_use + megabytes * 1024 * 1024
    if old[1] != resource.RLIM_INFINITY:
        wanted = min(wanted, old[1])
    resource.setrlimit(resource.RLIMIT_AS, (wanted, old[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, old)


@contextmanager
def _cpu_backstop(seconds: float) -> Iterator[None]:
    """RLIMIT_CPU soft limit a little above the budget: the kernel ends code that ignores
    SIGPROF (C code that never returns). The limit counts the process's whole CPU time."""
    old = resource.getrlimit(resource.RLIMIT_CPU)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = usage.ru_utime + usage.ru_stime
    soft = math.ceil(used + 2 * seconds + 2)
    if old[1] != resource.RLIM_INFINITY:
        soft = min(soft, old[1])
    resource.setrlimit(resource.RLIMIT_CPU, (soft, old[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_CPU, old)


def within_budget(fn: Callable[..., T], *args: Any, budget: ParseBudget) -> T:
    """fn(*args) in this process under `budget`; raises ParseBudgetExceeded.

    Must run in the main thread (signals). The memory cap and the kernel backstop are set only
    in a dedicated parse process; elsewhere only the CPU time is limited.
    """
    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError("within_budget needs the main thread; use run_isolated")
    try:
        if _dedicated:
            with (
                _cpu_backstop(budget.seconds),
                _memory_limit(budget.memory_mb),
                _cpu_limit(budget.seconds),
            ):
                return fn(*args)
        with _cpu_limit(budget.seconds):
            return fn(*args)
    except _OverBudget:
        raise ParseBudgetExceeded(budget.time_reason()) from None
    except MemoryError:
        raise ParseBudgetExceeded(budget.memory_reason()) from None


Parse = Callable[[bytes, str], ParsedItem]


def _parse_checked(parse: Parse, raw: bytes, file: str) -> ParsedItem:
    """parse(raw, file), whose MemoryError (caught inside, as an error text) counts as one."""
    item = parse(raw, file)
    if item.error and "MemoryError" in item.error:
        raise MemoryError(item.error)
    return item


def parse_mail_within(
    raw: bytes, file: str = "", budget: ParseBudget | None = None, parse: Parse = parse_mail
) -> ParsedItem:
    """parse_mail under `budget` in this process (see within_budget); raises ParseBudgetExceeded."""
    return within_budget(_parse_checked, parse, raw, file, budget=budget or ParseBudget())


def _child(conn: Any, fn: Callable[..., Any], args: tuple[Any, ...], budget: ParseBudget) -> None:
    """Entry point of an isolated child: run under budget, send ("ok", value) or ("over", why)."""
    worker_init()
    try:
        message: tuple[str, Any] = ("ok", within_budget(fn, *args, budget=budget))
    except ParseBudgetExceeded as exc:
        message = ("over", exc.reason)
    except Exception as exc:  # noqa: BLE001 - handed to the parent as the call's failure
        message = ("error", exc)
    try:
        conn.send(message)
    except Exception as exc:  # noqa: BLE001 - e.g. a result that cannot be pickled
        conn.send(("error", RuntimeError(f"result could not be sent: {exc}")))
    conn.close()


def _died(exitcode: int | None, budget: ParseBudget) -> ParseBudgetExceeded:
    """What a child's death means: out of CPU (SIGXCPU), killed (memory, OOM) or crashed."""
    if exitcode == -signal.SIGXCPU:
        return ParseBudgetExceeded(budget.time_reason())
    if exitcode == -signal.SIGKILL:
        return ParseBudgetExceeded(f"{budget.memory_reason()} (the parse was killed)")
    return ParseBudgetExceeded(f"parse crashed (exit code {exitcode})")


def run_isolated(fn: Callable[..., T], *args: Any, budget: ParseBudget) -> T:
    """fn(*args) in a child forked for this one call, under `budget`; works from any thread.

    Raises ParseBudgetExceeded when the child runs out of time or memory, dies, or hangs past
    the wall-clock grace; re-raises the exception fn raised. Without fork (Windows), runs
    in this process with the CPU limit only (or no limit outside the main thread).
    """
    if "fork" not in multiprocessing.get_all_start_methods():
        if threading.current_thread() is threading.main_thread():
            return within_budget(fn, *args, budget=budget)
        return fn(*args)
    context = multiprocessing.get_context("fork")
    reader, writer = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(writer, fn, args, budget), daemon=True)
    child.start()
    writer.close()
    try:
        if not reader.poll(budget.seconds * WALL_FACTOR + WALL_GRACE):
            child.kill()
            raise ParseBudgetExceeded(f"{budget.time_reason()} (no answer; the parse was killed)")
        try:
            status, value = reader.recv()
        except (EOFError, OSError):
            child.join()
            raise _died(child.exitcode, budget) from None
    finally:
        reader.close()
        child.join(timeout=5)
        if child.is_alive():
            child.kill()
            child.join()
    if status == "over":
        raise ParseBudgetExceeded(value)
    if status == "error":
        raise value
    return value


def parse_mail_isolated(
    raw: bytes, file: str = "", budget: ParseBudget | None = None, parse: Parse = parse_mail
) -> ParsedItem:
    """parse_mail in a child process of its own under `budget`; raises ParseBudgetExceeded."""
    return run_isolated(_parse_checked, parse, raw, file, budget=budget or ParseBudget())
