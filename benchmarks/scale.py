"""The weekly cycle of many groups on Celery workers: 1 worker process against 2, on PostgreSQL
and Redis, with every group's inbox on Dovecot and its feed on a local HTTP server.

The installation (benchmarks/scale_setup.py) is made the way an operator makes one: `jobdigest
groups add` per group, its groups/<slug>.toml filled in (own time zone, inbox, SMTP, digest day
and time, feed), sub-groups and members imported per group (every tenth member also in the
group before). Full size: 200 groups x 500 members = 100,000 memberships; --quick: 4 x 100.

The cycle goes through the production path of `jobdigest worker`, queued as `jobdigest beat`
queues it: the ingest planner (one task per group: poll its inbox over IMAP, which stores and
records its mail, fetch its feed, plan its tag batches), then the digest check, which plans each
group's sends for its own period (a task per batch of members) once its digest time has passed.
Each milestone is timed from queueing the planner to the database showing it done (mail stored,
mail recorded, feeds fetched, no stale tags, every member's delivery row finished); the same
cycle runs on a fresh database with 1 and with 2 worker processes.

Reports per-stage rates, each worker process's peak resident memory (VmHWM), the whole cycle
against the 15-minute target, the 2-vs-1 ratio against 1.6x, and the load average at start and
end (other work shares the machine's cores). Run:
    python -m benchmarks.scale [--quick] [--groups N] [--members N] [--mails N] [--workers 1,2]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from benchmarks.common import print_table
from benchmarks.scale_setup import (
    IMAP_PASSWORD,
    PASSWORD_ENV,
    FeedServer,
    Installation,
    Plan,
    build,
)
from digest.config import load_config
from digest.store.db import Database
from digest.store.models import Delivery, Member, Posting, RawMessage, Source
from digest.store.statuses import DeliveryStatus, MailStatus, MemberStatus
from digest.tagging.tag import stale_ids
from tests.servers import DovecotServer, PostgresServer, RedisServer, SmtpServer

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 3600.0
#: delivery statuses that finish a member's period (unsent_ids looks for none of them)
FINISHED = (DeliveryStatus.SENT, DeliveryStatus.SKIPPED, DeliveryStatus.BOUNCED)


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

    def peak_rss_mb(self) -> list[float]:
        """The peak resident memory (VmHWM) of each process of each worker, largest first."""
        groups = {p.pid for p in self.procs}
        peaks = []
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
                    peaks.append(round(int(line.split()[1]) / 1024, 1))
        return sorted(peaks, reverse=True)

    def stop(self) -> None:
        for proc in self.procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def _count(db: Database, query: Any) -> int:
    with db.session() as s:
        return int(s.scalar(query) or 0)


class Progress:
    """What the database shows done, site-wide (one query each, cheap enough to poll)."""

    def __init__(self, site: Database, install: Installation) -> None:
        self.site, self.install = site, install
        self.untagged = list(install.slugs)

    def stored(self) -> bool:
        return _count(self.site, select(func.count()).select_from(RawMessage)) >= self.install.mails

    def recorded(self) -> bool:
        new = select(func.count()).where(RawMessage.status == MailStatus.NEW)
        return self.stored() and _count(self.site, new.select_from(RawMessage)) == 0

    def fetched(self) -> bool:
        query = select(func.count()).where(Source.kind == "feed", Source.last_attempt.is_not(None))
        return _count(self.site, query.select_from(Source)) >= self.install.feeds

    def tagged(self, groups: dict[str, Database]) -> bool:
        """No group has a stale posting (checked after the stages that make postings)."""
        if not (self.recorded() and self.fetched()):
            return False
        self.untagged = [slug for slug in self.untagged if stale_ids(groups[slug])]
        return not self.untagged

    def finished(self) -> tuple[int, int]:
        """(members with a finished delivery row or a failed one, members owed one)."""
        done = select(func.count()).where(Delivery.status.in_([*FINISHED, DeliveryStatus.FAILED]))
        owed = select(func.count()).where(Member.status == MemberStatus.ACTIVE)
        return (_count(self.site, done.select_from(Delivery)),
                _count(self.site, owed.select_from(Member)))  # fmt: skip


def _until(done: Callable[[], bool], every: float = 0.2) -> float:
    """Seconds until `done()` (measured from the caller's start)."""
    while not done():
        time.sleep(every)
    return time.perf_counter()


def _ingest(app: Any, progress: Progress, groups: dict[str, Database]) -> dict[str, float]:
    """Queue the ingest planner as the beat does (no group: one planner per group) and time
    each milestone from the queueing."""
    from schedules import tasks

    began = time.perf_counter()
    deadline = began + TIMEOUT
    tasks.ingest.delay()
    marks: dict[str, float] = {}
    while len(marks) < 4:
        if time.perf_counter() > deadline:
            raise SystemExit(f"ingest did not finish: {sorted(marks)} done")
        for name, done in (("stored", progress.stored), ("recorded", progress.recorded),
                           ("fetched", progress.fetched)):  # fmt: skip
            if name not in marks and done():
                marks[name] = time.perf_counter() - began
        if "tagged" not in marks and progress.tagged(groups):
            marks["tagged"] = time.perf_counter() - began
        time.sleep(0.2)
    return marks


def _sends(progress: Progress) -> tuple[float, int]:
    """Queue the digest check as the beat does (every group's, each for its own period) and
    wait for every member's delivery row; (seconds, members owed)."""
    from schedules import tasks

    began = time.perf_counter()
    tasks.send_if_due.delay()
    while True:
        done, owed = progress.finished()
        if done >= owed:
            return time.perf_counter() - began, owed
        if time.perf_counter() - began > TIMEOUT:
            raise SystemExit(f"sends did not finish: {done} of {owed} members")
        time.sleep(0.25)


def _outcome(site: Database) -> dict[str, int]:
    with site.session() as s:
        deliveries = dict(
            s.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all()
        )
        postings = int(s.scalar(select(func.count()).select_from(Posting)) or 0)
        mail = dict(
            s.execute(select(RawMessage.status, func.count()).group_by(RawMessage.status)).all()
        )
    return {"postings": postings, **{f"mail {k}": v for k, v in mail.items()},
            **{f"digests {k}": v for k, v in deliveries.items()}}  # fmt: skip


def cycle(install: Installation, redis: RedisServer, workers: int) -> dict[str, Any]:
    """One weekly cycle of every group on `workers` worker processes."""
    from schedules import tasks

    cfg = load_config(install.config)
    app = tasks.configure(cfg)
    site = Database(cfg.database_url()).site()
    groups = {slug: _group_db(site, install, slug) for slug in install.slugs}
    progress = Progress(site, install)
    running = Workers(install.config, workers)
    load = [os.getloadavg()[0]]
    try:
        running.wait_ready(app)
        marks = _ingest(app, progress, groups)
        send_seconds, owed = _sends(progress)
        peaks = running.peak_rss_mb()
    finally:
        running.stop()
    load.append(os.getloadavg()[0])
    outcome = _outcome(site)
    site.dispose()
    ingest = max(marks.values())
    stages = {
        f"poll + record {install.mails} mails of {len(install.slugs)} inboxes": (
            install.mails, marks["recorded"]),
        f"fetch {install.feeds} feeds": (install.feeds, marks["fetched"]),
        f"tag {outcome['postings']} postings (ingest done)": (outcome["postings"], ingest),
        f"compose + send, {owed} members": (owed, send_seconds),
    }  # fmt: skip
    return {
        "workers": workers,
        "stages": {
            k: {"items": n, "seconds": round(t, 2), "per_s": round(n / t, 1)}
            for k, (n, t) in stages.items()
        },  # fmt: skip
        "marks": {k: round(v, 2) for k, v in marks.items()},
        "cycle_seconds": round(ingest + send_seconds, 1),
        "peak_rss_mb": peaks,
        "load": [round(x, 2) for x in load],
        "outcome": outcome,
    }


def _group_db(site: Database, install: Installation, slug: str) -> Database:
    """The database bound to one group (its row made by `groups add` or the first import)."""
    from digest.store.groups import resolve_group

    with site.session() as s:
        return site.for_group(resolve_group(s, slug))


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


def plan_for(quick: bool = False, groups: int | None = None, members: int | None = None,
             mails: int = 15, entries: int = 20) -> Plan:  # fmt: skip
    """Full size 200 groups x 500 members (100,000); quick 4 x 100."""
    return Plan(groups or (4 if quick else 200), members or (100 if quick else 500), mails, entries)


def run(plan: Plan | None = None, worker_counts: tuple[int, ...] = (1, 2),
        quick: bool = False) -> dict[str, Any]:  # fmt: skip
    """The cycle once per worker count, each on a fresh database (`python -m benchmarks`
    calls run(quick=...))."""
    plan = plan or plan_for(quick)
    os.environ.setdefault("BENCH_SECRET_KEY", "b" * 32)
    os.environ[PASSWORD_ENV] = IMAP_PASSWORD
    results, setup = [], []
    smtp, feeds = _Relay(), FeedServer()
    try:
        with (tempfile.TemporaryDirectory() as tmp, PostgresServer() as pg, RedisServer() as redis,
              DovecotServer() as imap):  # fmt: skip
            for n in worker_counts:
                folder = Path(tmp) / f"run{n}"
                folder.mkdir()
                url = pg.create_database(f"scale_{n}")
                install = build(folder, url, redis.url, plan, f"r{n}", imap, smtp, feeds)
                setup.append(install)
                results.append(cycle(install, redis, n))
                _print([results[-1]], plan, install)
    finally:
        smtp.close()
        feeds.close()
    summary = _summary(results, plan, setup[0] if setup else None)
    _print(results, plan, setup[0]) if len(results) > 1 else None
    print(json.dumps(summary, indent=1))
    return summary


def _summary(
    results: list[dict[str, Any]], plan: Plan, install: Installation | None
) -> dict[str, Any]:
    out: dict[str, Any] = {"plan": plan.__dict__, "runs": results}
    if install is not None:
        out["people"], out["memberships"] = install.people, install.memberships
        out["setup_seconds"] = round(install.setup_seconds, 1)
    if len(results) >= 2:
        by_count = sorted(results, key=lambda r: r["workers"])  # --workers 2,1 runs 2 first
        one, two = by_count[0], by_count[-1]
        out["ratio"] = {k: round(one["stages"][k]["seconds"] / two["stages"][k]["seconds"], 2)
                        for k in one["stages"]}  # fmt: skip
        out["ratio"]["cycle"] = round(one["cycle_seconds"] / two["cycle_seconds"], 2)
    return out


def _print(results: list[dict[str, Any]], plan: Plan, install: Installation) -> None:
    rows = []
    for r in results:
        w = f"{r['workers']} worker(s)"
        for name, s in r["stages"].items():
            rows.append((f"{w}: {name}", f"{s['seconds']:.1f} s", f"{s['per_s']:.1f}/s"))
        minutes = r["cycle_seconds"] / 60
        rows.append((f"{w}: whole cycle", f"{minutes:.1f} min", "target <= 15 min"))
        rows.append((f"{w}: peak RSS per process", f"{max(r['peak_rss_mb'], default=0):.0f} MB",
                     " ".join(f"{p:.0f}" for p in r["peak_rss_mb"])))  # fmt: skip
        rows.append((f"{w}: load avg start / end", "{:.2f} / {:.2f}".format(*r["load"]), ""))
    summary = _summary(results, plan, install)
    for name, ratio in summary.get("ratio", {}).items():
        rows.append((f"2 vs 1: {name}", f"{ratio:.2f}x", "target >= 1.6x"))
    title = (f"Scale: {plan.groups} groups x {plan.members} members ({install.people} people), "
             f"{install.mails} mails, {install.feeds} feeds x {plan.entries}; Celery on PostgreSQL")  # fmt: skip
    print_table(title, rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scale", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="4 groups x 100 members")
    parser.add_argument("--groups", type=int, help="groups (default 200; --quick 4)")
    parser.add_argument("--members", type=int, help="members per group (default 500; --quick 100)")
    parser.add_argument("--mails", type=int, default=15, help="forwarded mails per group inbox")
    parser.add_argument("--entries", type=int, default=20, help="entries in each group's feed")
    parser.add_argument("--workers", default="1,2", help="worker process counts to compare")
    args = parser.parse_args(argv)
    plan = plan_for(args.quick, args.groups, args.members, args.mails, args.entries)
    run(plan, tuple(int(n) for n in args.workers.split(",")))


if __name__ == "__main__":
    main()
