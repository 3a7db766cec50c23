"""The installation benchmarks/scale.py runs on: many groups made the way an operator makes
them, each with its own inbox (a Dovecot user holding its forwarded mail) and feed (a local
HTTP server), time zone, digest time, sub-groups and members (some in two groups).

Groups are added with `jobdigest groups add`, their groups/<slug>.toml then edited (inbox,
SMTP, digest time, feed) as the operator would, and sub-groups and members imported with
`jobdigest subgroups|members import FILE --group SLUG`, all through the CLI in this process
(no subprocess per command, so 200 groups take a minute, not ten).
"""

from __future__ import annotations

import contextlib
import io
import random
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from benchmarks.generate import feed_xml, forward_mail, make_group
from tests.servers import DovecotServer

#: the groups' time zones, round robin: digests fall due at different UTC times
ZONES = (
    "America/Chicago",
    "America/New_York",
    "America/Denver",
    "America/Los_Angeles",
    "Europe/London",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Australia/Sydney",
    "America/Sao_Paulo",
    "Africa/Johannesburg",
)
IMAP_PASSWORD = "bench-imap-secret"
PASSWORD_ENV = "BENCH_IMAP_PASSWORD"
#: every SHARED-th member of a group is also a member of the group before it
SHARED = 10


@dataclass
class Plan:
    """The sizes of one installation."""

    groups: int
    members: int  # per group
    mails: int  # forwarded mails in each group's inbox
    entries: int  # entries in each group's feed


@dataclass
class Installation:
    """What the benchmark needs to know about the installation it built."""

    config: Path
    slugs: list[str]
    mails: int = 0
    feeds: int = 0
    people: int = 0  # distinct member addresses
    memberships: int = 0
    setup_seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


def slug_of(index: int) -> str:
    return f"g{index + 1:03d}"


class FeedServer:
    """Each group's RSS at /<slug>.rss, from a thread of this process (stdlib http.server)."""

    def __init__(self) -> None:
        self.feeds: dict[str, bytes] = {}
        feeds = self.feeds

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                body = feeds.get(self.path.lstrip("/"))
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *_args: Any) -> None:
                """Quiet: thousands of requests."""

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/{name}"

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def jobdigest(config: Path, *args: str) -> None:
    """One `jobdigest` command in this process, its output swallowed; its engine disposed
    (PostgreSQL allows 50 connections, and 600 commands would each keep one)."""
    from digest.cli import cli

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as e:
        try:
            with cli.make_context("jobdigest", ["--config", str(config), *args]) as ctx:
                cli.invoke(ctx)
        except SystemExit as exc:
            if exc.code:
                raise SystemExit(f"jobdigest {' '.join(args)}: {e.getvalue().strip()}") from None
        finally:
            site = getattr(ctx.obj, "_site", None) if "ctx" in locals() else None
            if site is not None:
                site.dispose()


def site_config(folder: Path, db_url: str, broker: str) -> Path:
    """jobdigest.toml: the site-wide sections (its own group's are added by group_sections)."""
    path = folder / "jobdigest.toml"
    path.write_text(
        f'[database]\nurl = "{db_url}"\n'
        '[web]\nsecret_key_env = "BENCH_SECRET_KEY"\n'
        "[fetch]\nallow_private = true\ntimeout_seconds = 30.0\n"  # the feeds are on loopback
        f'[queue]\nbroker_url = "{broker}"\n',
        encoding="utf-8",
    )
    return path


def digest_when(zone: str, minutes_ago: int, now: datetime) -> tuple[str, str]:
    """A digest day and time that passed `minutes_ago` minutes ago in `zone`: due now."""
    local = (now - timedelta(minutes=minutes_ago)).astimezone(ZoneInfo(zone))
    return local.strftime("%A").lower(), local.strftime("%H:%M")


def group_sections(index: int, plan_id: str, imap: DovecotServer, smtp: Any, feed: str,
                   now: datetime) -> str:  # fmt: skip
    """A group's own sections, as its operator fills them in: name, zone, inbox, SMTP, digest
    day and time (each group's a few minutes apart, all due), and its feed."""
    slug, zone = slug_of(index), ZONES[index % len(ZONES)]
    day, time = digest_when(zone, 5 + index % 50, now)
    return (
        f'[group]\nslug = "{slug}"\nname = "Network {index + 1}"\ntimezone = "{zone}"\n'
        f'inbox_address = "{slug}-leads@bench.example"\ninside_contacts_default = true\n'
        f'[inbox]\nhost = "{imap.host}"\nport = {imap.port}\nsecurity = "none"\n'
        f'username = "{plan_id}-{slug}"\npassword_env = "{PASSWORD_ENV}"\nidle = false\n'
        f'[smtp]\nhost = "{smtp.host}"\nport = {smtp.port}\nsecurity = "none"\n'
        f'from_address = "Leads {index + 1} <{slug}-leads@bench.example>"\n'
        f'[digest]\nday = "{day}"\ntime = "{time}"\n'
        f'[[feeds]]\nurl = "{feed}"\nname = "Jobs of {slug}"\n'
    )


def _members(rng: random.Random, plan: Plan, previous: list[str] | None) -> list[str]:
    """The group's member CSV rows; every SHARED-th row is the previous group's same person."""
    rows = make_group(rng, plan.members).members_csv.splitlines()
    if previous is not None:
        for i in range(3, len(rows), SHARED):
            rows[i] = previous[i]
    return rows


def build(folder: Path, db_url: str, broker: str, plan: Plan, plan_id: str,
          imap: DovecotServer, smtp: Any, feeds: FeedServer) -> Installation:  # fmt: skip
    """Every group of the plan: files, rows, roster, inbox mail and feed."""
    import time as _time

    began = _time.perf_counter()
    rng, now = random.Random(7), datetime.now(UTC)
    config = site_config(folder, db_url, broker)
    jobdigest(config, "db", "upgrade")
    install = Installation(config, [slug_of(i) for i in range(plan.groups)])
    subgroups = folder / "subgroups.toml"
    subgroups.write_text(make_group(rng, 0).subgroups_toml, encoding="utf-8")
    previous: list[str] | None = None
    people: set[str] = set()
    for index, slug in enumerate(install.slugs):
        feeds.feeds[f"{plan_id}-{slug}.rss"] = feed_xml(rng, plan.entries, index)
        sections = group_sections(
            index, plan_id, imap, smtp, feeds.url(f"{plan_id}-{slug}.rss"), now
        )
        if index == 0:  # jobdigest.toml's own group
            with config.open("a", encoding="utf-8") as handle:
                handle.write(sections)
        else:
            zone = ZONES[index % len(ZONES)]
            jobdigest(config, "groups", "add", slug, "--name", f"Network {index + 1}",
                      "--timezone", zone)  # fmt: skip
            path = folder / "groups" / f"{slug}.toml"
            path.write_text(sections.replace(f'slug = "{slug}"\n', ""), encoding="utf-8")
        rows = _members(rng, plan, previous)
        previous = rows
        csv = folder / f"members-{slug}.csv"
        csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
        jobdigest(config, "subgroups", "import", str(subgroups), "--group", slug)
        jobdigest(config, "members", "import", str(csv), "--group", slug)
        emails = [row.split(",", 1)[0] for row in rows[1:]]
        people.update(emails)
        install.memberships += len(emails)
        _fill_inbox(imap, f"{plan_id}-{slug}", rng, emails, plan.mails, index)
        install.mails += plan.mails
        install.feeds += 1
    install.people = len(people)
    install.setup_seconds = _time.perf_counter() - began
    return install


def _fill_inbox(imap: DovecotServer, user: str, rng: random.Random, emails: list[str],
                mails: int, index: int) -> None:  # fmt: skip
    """The group's inbox: `mails` postings forwarded by its members."""
    imap.add_user(user, IMAP_PASSWORD)
    with imap.connect(username=user) as client:
        for n in range(mails):
            client.append("INBOX", forward_mail(rng, rng.choice(emails), index * 10_000 + n))
