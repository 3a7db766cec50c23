"""`jobdigest run` (the in-process worker), `jobdigest worker` and `jobdigest beat` (Celery).

Registered as `jobdigest.commands` entry points (pyproject.toml), so digest/ never imports
schedules/."""

from __future__ import annotations

import sys
import threading
from typing import Any

import click

from digest.cli.base import (
    State,
    _describe,
    err,
    friendly,
    out,
    pass_state,
)
from digest.errors import UserError


def _exit_if_failed(failures: list[tuple[str, BaseException]]) -> None:
    """`run --once` in cron or CI: a failed job must fail the run (2 when every failure is a
    mistake in the config or input, 1 when a server or anything else failed)."""
    if not failures:
        return  # each failure was already reported on stderr as one line
    sys.exit(2 if all(isinstance(exc, UserError) for _n, exc in failures) else 1)


@click.command(short_help="The worker: ingest, and send on schedule.")
@click.option(
    "--once", is_flag=True, help="Run each ingest job once (poll, fetch, retag), then exit."
)
@click.option(
    "--group",
    "group",
    metavar="SLUG",
    envvar="JOBDIGEST_GROUP",
    help="Only this group (default: every group).",
)
@pass_state
@friendly
def run(state: State, once: bool, group: str | None) -> None:
    """The scheduled worker: ingest continuously, send digests on [digest] day and time
    in the group's time zone; every group of the installation (each in its own zone), or the
    one --group names. Stop it with Ctrl-C or SIGTERM."""
    from schedules.runner import Runner

    if group:
        state.group_slug = group

    def report(name: str, result: Any) -> None:
        if isinstance(result, str) and result.startswith("failed: "):
            err.print(f"{name}: {result}", highlight=False, markup=False)
        elif result is not None:  # None: the job has nothing configured to do
            out.print(f"{name}: {_describe(result)}", highlight=False)

    states = [state] if state.group_slug else [state.for_group(slug) for slug in state.slugs()]
    several = len(states) > 1

    def reporter(slug: str) -> Any:
        return (lambda name, result: report(f"{slug}: {name}", result)) if several else report

    runners = [Runner(s.db, s.cfg, report=reporter(s.cfg.group.slug)) for s in states]
    if once:
        for runner in runners:
            runner.run_ingest()
        _exit_if_failed([f for runner in runners for f in runner.failures])
        return
    _run_forever(states, runners)


def _run_forever(states: list[State], runners: list[Any]) -> None:
    """Every group's runner in turn until SIGTERM or Ctrl-C; IDLE on any group's inbox wakes it."""
    import signal

    from digest.inbox.idle import IdleWatcher
    from schedules.runner import forever

    stop, wake = threading.Event(), threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: (stop.set(), wake.set()))
    wait_for_mail = None
    idle = [s.cfg for s in states if s.cfg.inbox.host and s.cfg.inbox.idle]
    for cfg in idle:
        IdleWatcher(cfg, wake, stop).start()
    if idle:

        def wait_for_mail(timeout: float) -> bool:
            mail = wake.wait(timeout)
            wake.clear()
            return mail

    for s in states:
        out.print(
            f"Worker started for {s.cfg.group.name}; digests {s.cfg.digest.day} {s.cfg.digest.time} "
            f"({s.cfg.group.timezone}). Ctrl-C stops it."
        )
    try:
        forever(runners, stop, wait_for_mail)
    except KeyboardInterrupt:
        stop.set()


@click.command(short_help="A Celery worker for [queue] broker_url.")
@click.option(
    "--concurrency", type=click.IntRange(min=1), help="Worker processes (default: cores)."
)
@click.option("--loglevel", default="INFO", show_default=True, help="Celery log level.")
@pass_state
@friendly
def worker(state: State, concurrency: int | None, loglevel: str) -> None:
    """Run a Celery worker that executes the queued jobs (poll, fetch, tag, send). Start as many
    as you like, on as many machines as share a PostgreSQL database and the broker (on SQLite,
    one worker with one process); with no [queue] section, use `jobdigest run` instead."""
    from digest.store.locks import shared_database, sole_worker
    from schedules.tasks import configure

    db = state.site_db  # an old schema stops here, in one line, before anything starts
    app = configure(state.site_cfg)
    _broker_reachable(app)
    argv = ["worker", f"--loglevel={loglevel}", "--without-gossip", "--without-mingle"]
    if not shared_database(db):
        concurrency = 1  # SQLite: one writer; its claims are no claims across processes
    if concurrency:
        argv.append(f"--concurrency={concurrency}")
    with sole_worker(db):
        app.worker_main(argv)


@click.command(short_help="The Celery schedule (run exactly one).")
@click.option("--loglevel", default="INFO", show_default=True, help="Celery log level.")
@pass_state
@friendly
def beat(state: State, loglevel: str) -> None:
    """Queue the ingest jobs every [queue] ingest_seconds and the digest check every minute, in
    the group's time zone. Run exactly one beat per installation; workers do the work."""
    import tempfile
    from pathlib import Path

    from schedules.tasks import configure

    state.site_db.dispose()  # beat plans from the database's state: an old schema stops it here
    app = configure(state.site_cfg)
    _broker_reachable(app)
    schedule = Path(tempfile.gettempdir()) / "jobdigest-beat-schedule"
    app.Beat(loglevel=loglevel, schedule=str(schedule), quiet=True).run()


def _broker_reachable(app: Any) -> None:
    """One clear line instead of Celery's retry loop when the broker is down or misnamed."""
    from digest.errors import ServiceError

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=5)
    except Exception as exc:  # noqa: BLE001 - kombu raises many kinds; all mean "not reachable"
        raise ServiceError(
            f"queue: cannot reach the broker at {app.conf.broker_url}: {exc}"
        ) from None
