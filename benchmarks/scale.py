"""The weekly cycle on Celery workers: 1 worker process against 2, on PostgreSQL and Redis.

A synthetic group (default 5,000 members and 2,000 stored forwarded mails; --quick 500 and 400)
goes through the production path of `jobdigest worker`: the ingest planner queues a task per
batch of stored mail (recorded, then tagged by the tag planner's batches), a rule change
re-tags every posting, and the send planner queues a task per batch of members, composed and
sent to a local aiosmtpd. Each stage is timed from queueing its planner to the database showing
the work done; the same cycle runs on a fresh database with 1 and with 2 worker processes.

Reports per-stage rates, each worker process's peak resident memory (VmHWM) and the 2-vs-1
ratio (target >= 1.6x where the machine has two free cores). Run:
    python -m benchmarks.scale [--quick] [--members N] [--mails N] [--workers 1,2]
Many groups (issue #14's "groups") come later: `groups` is the parameter to grow then.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update

from benchmarks.common import print_table
from benchmarks.generate import forward_mail, make_group
from digest.config import load_config
from digest.delivery.audience import unsent_ids
from digest.delivery.periods import period_of
from digest.roster.imports import import_members, import_subgroups, parse_members_csv
from digest.store.db import Database
from digest.store.models import Delivery, RawMessage, Subgroup
from digest.store.statuses import DeliveryStatus, MailStatus
from digest.tagging.rules import parse_subgroups_toml
from digest.tagging.tag import stale_ids
from tests.servers import PostgresServer, RedisServer, SmtpServer

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 1800.0


def _config(folder: Path, db_url: str, redis: RedisServer, smtp: Any) -> Path:
    path = folder / "jobdigest.toml"
    path.write_text(
        f'[group]\nname = "Scale Network"\ntimezone = "America/Chicago"\n'
        f'[database]\nurl = "{db_url}"\n'
        f'[smtp]\nhost = "{smtp.host}"\nport = {smtp.port}\nsecurity = "none"\n'
        'from_address = "Leads <leads@bench.example>"\n'
        '[web]\nsecret_key_env = "BENCH_SECRET_KEY"\n'
        f'[queue]\nbroker_url = "{redis.url}"\n',
        encoding="utf-8",
    )
    return path


def _seed(db: Database, members: int, mails: int, groups: int = 1) -> None:
    """One group's members and sub-groups, and its stored mail waiting to be recorded."""
    rng = random.Random(7)
    for _group in range(groups):
        group = make_group(rng, members)
        with db.session() as s:
            import_subgroups(s, parse_subgroups_toml(group.subgroups_toml))
            import_members(s, parse_members_csv(group.members_csv), inside_contacts_default=True)
        with db.session() as s:
            s.add_all(
                RawMessage(raw=forward_mail(rng, rng.choice(group.member_emails), i))
                for i in range(mails)
            )


class Workers:
    """`jobdigest worker` processes, each with one worker process of its own."""

    def __init__(self, config: Path, count: int) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "BENCH_SECRET_KEY": "b" * 32}
        command = [sys.executable, "-m", "digest.cli", "--config", str(config), "worker"]
        command += ["--concurrency", "1", "--loglevel", "WARNING"]
        self.procs = [
            subprocess.Popen(command, env=env, start_new_session=True, stdout=subprocess.DEVNULL)
            for _ in range(count)
        ]

    def wait_ready(self, app: Any) -> None:
        deadline = time.monotonic() + 120
        while len(app.control.ping(timeout=1.0) or []) < len(self.procs):
            if time.monotonic() > deadline:
                raise SystemExit("workers did not start")

    def peak_rss_mb(self) -> float:
        """The largest peak resident memory of any process of any worker."""
        groups = {p.pid for p in self.procs}
        peak = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[2]) not in groups:
                    continue
                status = (stat.parent / "status").read_text()
            except (OSError, IndexError, ValueError):
                continue
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        return peak / 1024

    def stop(self) -> None:
        for proc in self.procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def _until(done: Callable[[], bool]) -> float:
    began = time.perf_counter()
    while not done():
        if time.perf_counter() - began > TIMEOUT:
            raise SystemExit("a stage did not finish")
        time.sleep(0.1)
    return time.perf_counter() - began


def _new_mail(db: Database) -> int:
    with db.session() as s:
        query = select(func.count()).where(RawMessage.status == MailStatus.NEW)
        return int(s.scalar(query.select_from(RawMessage)) or 0)


def _sent(db: Database, period: str) -> int:
    with db.session() as s:
        query = select(func.count()).where(
            Delivery.period == period, Delivery.status == DeliveryStatus.SENT
        )
        return int(s.scalar(query.select_from(Delivery)) or 0)


def cycle(db_url: str, folder: Path, redis: RedisServer, smtp: Any, workers: int,
          members: int, mails: int) -> dict[str, Any]:  # fmt: skip
    """One weekly cycle on `workers` worker processes: seconds and rate of each stage."""
    from schedules import tasks

    db = Database(db_url)
    _seed(db, members, mails)
    config = _config(folder, db_url, redis, smtp)
    cfg = load_config(config)
    app = tasks.configure(cfg)
    running = Workers(config, workers)
    stages: dict[str, dict[str, float]] = {}
    try:
        running.wait_ready(app)
        tasks.ingest.delay()
        wall = _until(lambda: _new_mail(db) == 0 and not stale_ids(db))
        stages["record + tag"] = {"items": mails, "seconds": wall}
        postings = len(_retag_all(db, cfg))
        tasks.plan_tags.delay()
        stages["re-tag all"] = {
            "items": postings,
            "seconds": _until(lambda: not stale_ids(db)),
        }
        period = period_of(datetime.now(UTC), cfg.tz)
        tasks.plan_sends.delay(period)
        wall = _until(lambda: not unsent_ids(db, cfg, period))
        stages["compose + send"] = {"items": _sent(db, period), "seconds": wall}
        peak = running.peak_rss_mb()
    finally:
        running.stop()
        db.dispose()
    for stage in stages.values():
        stage["per_s"] = stage["items"] / stage["seconds"]
    return {"workers": workers, "stages": stages, "peak_worker_rss_mb": round(peak, 1)}


def _retag_all(db: Database, cfg: Any) -> list[int]:
    """A rule change: every sub-group's rules version moves on, so every posting is stale."""
    with db.session() as s:
        s.execute(update(Subgroup).values(rules_version=Subgroup.rules_version + 1))
    return stale_ids(db)


def _smtp_process(ready: Any, stop: Any) -> None:
    """aiosmtpd in a process of its own: in the benchmark's, its one thread (and the GIL it
    shares with the benchmark's polling) would be what two workers wait for."""
    with SmtpServer() as smtp:
        ready.put((smtp.host, smtp.port))
        stop.wait()


class _Relay:
    """Where the workers send: host and port of the SMTP process."""

    def __init__(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        ready, self._stop = ctx.Queue(), ctx.Event()
        self._proc = ctx.Process(target=_smtp_process, args=(ready, self._stop), daemon=True)
        self._proc.start()
        self.host, self.port = ready.get(timeout=60)

    def close(self) -> None:
        self._stop.set()
        self._proc.join(timeout=10)


def run(quick: bool = False, members: int | None = None, mails: int | None = None,
        worker_counts: tuple[int, ...] = (1, 2)) -> dict[str, Any]:  # fmt: skip
    members = members or (500 if quick else 5000)
    mails = mails or (400 if quick else 2000)
    results = []
    smtp = _Relay()
    try:
        with tempfile.TemporaryDirectory() as tmp, PostgresServer() as pg, RedisServer() as redis:
            for n in worker_counts:
                url = pg.create_database(f"scale_{n}")
                Database(url).dispose()  # migrated before the clock starts
                results.append(cycle(url, Path(tmp), redis, smtp, n, members, mails))
    finally:
        smtp.close()
    _print(results, members, mails)
    return _summary(results, members, mails)


def _summary(results: list[dict[str, Any]], members: int, mails: int) -> dict[str, Any]:
    out: dict[str, Any] = {"members": members, "mails": mails, "runs": results}
    if len(results) >= 2:
        by_count = sorted(results, key=lambda r: r["workers"])  # --workers 2,1 runs 2 first
        one, two = by_count[0]["stages"], by_count[-1]["stages"]
        out["ratio"] = {k: round(one[k]["seconds"] / two[k]["seconds"], 2) for k in one}
        out["ratio"]["cycle"] = round(
            sum(s["seconds"] for s in one.values()) / sum(s["seconds"] for s in two.values()), 2
        )
    return out


def _print(results: list[dict[str, Any]], members: int, mails: int) -> None:
    rows = []
    for r in results:
        for name, s in r["stages"].items():
            rows.append((f"{r['workers']} worker(s): {name}", f"{s['seconds']:.2f} s",
                         f"{s['per_s']:.0f}/s ({int(s['items'])})"))  # fmt: skip
        rows.append(
            (f"{r['workers']} worker(s): peak RSS", f"{r['peak_worker_rss_mb']:.0f} MB", "")
        )
    summary = _summary(results, members, mails)
    for name, ratio in summary.get("ratio", {}).items():
        rows.append((f"2 vs 1: {name}", f"{ratio:.2f}x", "target >= 1.6x"))
    print_table(f"Scale: {members} members, {mails} stored mails, Celery on PostgreSQL", rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scale", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a small group, for a smoke run")
    parser.add_argument("--members", type=int, help="members in the group")
    parser.add_argument("--mails", type=int, help="stored mails to record")
    parser.add_argument("--workers", default="1,2", help="worker process counts to compare")
    args = parser.parse_args(argv)
    counts = tuple(int(n) for n in args.workers.split(","))
    run(args.quick, args.members, args.mails, counts)


if __name__ == "__main__":
    main()
