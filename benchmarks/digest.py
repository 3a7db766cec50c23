"""Digest speed and memory: select, rank, render and build each member's message; SMTP client cost.

Run from the repo root: `python -m benchmarks.digest [--quick]`. Synthetic, seeded data in SQLite
(10,000 members and 5,000 postings in the week; --quick: 2,000 members). Targets from the issue:
at most 2 ms per member on one core for select + rank + render (both parts) + MIME (issue #14;
each lead is rendered once per period and variant, see digest/delivery/render.py); peak memory
that does not grow with the member count; at most 0.5 ms client CPU per message sent over a
reused SMTP connection (compared with one connection per message); render time compared with a
bare Jinja2 render of the same leads.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import socket
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from aiosmtpd.controller import Controller
from jinja2 import Environment
from sqlalchemy import insert

from digest.config import Config, parse_config
from digest.delivery.audience import compose_all
from digest.delivery.periods import window
from digest.delivery.relay import Sender
from digest.delivery.render import Links, build_mail, render
from digest.delivery.tokens import Signer
from digest.store.db import Database
from digest.store.models import (
    Base,
    Group,
    Member,
    MemberSubgroup,
    PastEmployer,
    Posting,
    Sighting,
    Subgroup,
    Tag,
)
from parsers.company import normalize_company

PERIOD = "2026-W48"
TARGET_MS_PER_MEMBER = 2.0
TARGET_SMTP_CPU_MS = 0.5
#: Peak memory may grow at most this much from 1,000 to 10,000 members (data, not per member).
TARGET_MEMORY_GROWTH = 1.5
ROLES = ["Marketing Manager", "Brand Manager", "Software Engineer", "Data Engineer", "DevOps Engineer",
         "Product Manager", "Project Manager", "Accountant", "Financial Analyst", "HR Generalist",
         "Recruiter", "Sales Manager", "Account Executive", "UX Designer", "Data Scientist",
         "Nurse", "Operations Manager", "Business Analyst", "Social Media Specialist", "QA Engineer"]  # fmt: skip
WORDS = ["python", "sql", "brand", "social", "cloud", "aws", "excel", "agile", "b2b", "saas", "retail",
         "healthcare", "fintech", "remote", "leadership", "analytics", "kubernetes", "salesforce"]  # fmt: skip
CITIES = [
    "Dallas, TX",
    "Plano, TX",
    "Austin, TX",
    "Houston, TX",
    "Fort Worth, TX",
    "Irving, TX",
    "Remote",
]


def config() -> Config:
    return parse_config(
        '[group]\nname = "North Texas Job Network"\ntimezone = "America/Chicago"\n'
        '[smtp]\nhost = "127.0.0.1"\nsecurity = "none"\nfrom_address = "Leads <leads@group.example.org>"\n'
        '[web]\nbase_url = "https://leads.group.example.org"\n'
    )


# -- synthetic data ------------------------------------------------------------------------------


def seed(db: Database, members: int, postings: int, rng: random.Random) -> None:
    """A group of `members` in 20 sub-groups and a week with `postings` tagged, credited postings."""
    begin, end = window(PERIOD, config().tz)
    start = begin + timedelta(days=7)
    companies = [f"Company {i} {'Inc.' if i % 3 else 'LLC'}" for i in range(800)]
    with db.session() as conn:  # the group's session stamps every row with the group
        conn.execute(insert(Subgroup), [{"id": i + 1, "name": f"{r} group", "description": "", "exclude": [],
                                         "rules_version": 1} for i, r in enumerate(ROLES)])  # fmt: skip
        conn.execute(insert(Member), [_member(i + 1, rng) for i in range(members)])
        conn.execute(insert(MemberSubgroup), [{"member_id": m, "subgroup_id": g} for m in range(1, members + 1)
                                              for g in rng.sample(range(1, 21), rng.choice((1, 1, 2)))])  # fmt: skip
        employers = [rng.choice(companies) for _ in range(members)]
        conn.execute(insert(PastEmployer), [{"member_id": i + 1, "name": c, "company_key": normalize_company(c)}
                                            for i, c in enumerate(employers) if i % 2 == 0])  # fmt: skip
        rows = [_posting(i + 1, rng, rng.choice(companies), start) for i in range(postings)]
        groups = {p["id"]: p.pop("_group") for p in rows}
        conn.execute(insert(Posting), rows)
        conn.execute(insert(Tag), [{"posting_id": p["id"], "subgroup_id": g, "role": ROLES[g - 1],
                                    "score": round(rng.uniform(0.5, 1.0), 3), "why": [f"title matches '{ROLES[g - 1]}'"],
                                    "generation": 1, "current": True}
                                   for p in rows for g in {groups[p["id"]], rng.randint(1, 20)}])  # fmt: skip
        conn.execute(insert(Sighting), [{"posting_id": p["id"], "member_id": rng.randint(1, members),
                                         "sender": "x@members.example", "note": "", "seen_at": p["first_seen"]}
                                        for p in rows for _ in range(rng.choice((1, 1, 2, 3)))])  # fmt: skip


def _member(i: int, rng: random.Random) -> dict[str, object]:
    return {
        "id": i, "email": f"member{i}@members.example", "name": f"Member Number{i}",
        "keywords": rng.sample(WORDS, rng.choice((0, 1, 2))), "location": rng.choice(CITIES),
        "remote_ok": rng.random() < 0.7, "status": "active", "show_name": rng.random() < 0.8,
        "contact_opt_in": rng.random() < 0.7, "thank_opt_in": True, "always_send": False,
        "is_operator": False, "bounce_count": 0, "created_at": datetime(2026, 1, 1),
    }  # fmt: skip


def _posting(i: int, rng: random.Random, company: str, start: datetime) -> dict[str, object]:
    group = rng.randint(1, 20)
    words = " ".join(rng.sample(WORDS, 4))
    return {
        "id": i, "title": f"Senior {ROLES[group - 1]}", "company": company, "company_key": normalize_company(company),
        "location": rng.choice(CITIES), "remote": rng.random() < 0.3, "url": f"https://jobs.example/{i}",
        "canonical_url": f"https://jobs.example/{i}", "fingerprint": f"fp{i}", "posted_at": "2026-11-20",
        "description": f"We are hiring. Skills: {words}. " * 20, "salary": "", "origin": "forward",
        "first_seen": start - timedelta(minutes=rng.randint(1, 7 * 24 * 60)), "status": "active",
        "held": False, "tag_key": "bench", "_group": group,
    }  # fmt: skip


def make_db(folder: Path, members: int, postings: int) -> Database:
    db = Database(f"sqlite:///{folder / f'bench-{members}.db'}")
    Base.metadata.create_all(db.engine)  # the models as they are now, whatever the migrations say
    with db.site().session() as session:  # the one group the migrations would have made
        session.add(Group(id=1, slug="main"))
    seed(db, members, postings, random.Random(42))
    return db


# -- measurements --------------------------------------------------------------------------------


def per_member(db: Database, cfg: Config, signer: Signer, trace: bool = False) -> dict[str, float]:
    """Everything a member costs: select + rank (compose), render both parts, MIME bytes."""
    if trace:
        tracemalloc.start()
    compose = mime = 0.0
    count = size = leads = 0
    started = time.process_time()
    iterator = compose_all(db, cfg, PERIOD)
    week_s = 0.0
    while True:
        t0 = time.process_time()
        digest = next(iterator, None)
        t1 = time.process_time()
        if digest is None:
            break
        if count == 0:
            week_s = t1 - t0  # the first call also loads the week, once
        compose += t1 - t0
        data = build_mail(cfg, digest, Links(cfg, signer, digest.member.id)).data
        mime += time.process_time() - t1
        count += 1
        size += len(data)
        leads += len(digest.leads)
    total = time.process_time() - started
    out = {
        "members": count, "total_s": round(total, 2), "week_load_s": round(week_s, 3),
        "ms_per_member": round(1000 * total / count, 3),
        "compose_ms": round(1000 * (compose - week_s) / count, 3),
        "render_and_mime_ms": round(1000 * mime / count, 3), "avg_leads": round(leads / count, 1),
        "avg_message_kb": round(size / count / 1024, 1),
    }  # fmt: skip
    if trace:
        out["peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        tracemalloc.stop()
    return out


def render_vs_bare(
    db: Database, cfg: Config, signer: Signer, samples: int = 300
) -> dict[str, float]:
    """Our render (sanitizing, signed links, inlining, text part) vs a bare Jinja2 loop: the first
    render of each digest (its leads' fragments still being made), then again with every
    fragment prepared, and the whole message (render + MIME) that way."""
    bare = Environment(autoescape=True).from_string(
        "<html><body>{% for l in leads %}<p><a href='{{ l.posting.link }}'>{{ l.posting.title }}</a>"
        " {{ l.posting.company }} {{ l.posting.location }}</p>{% endfor %}</body></html>"
    )
    digests = []
    for digest in compose_all(db, cfg, PERIOD):
        digests.append(digest)
        if len(digests) == samples:
            break
    t0 = time.process_time()
    for d in digests:
        bare.render(leads=d.leads)
    t1 = time.process_time()
    for d in digests:
        render(cfg, d, Links(cfg, signer, d.member.id))
    t2 = time.process_time()
    for d in digests:  # again: every lead's fragment is prepared now, as for most of a run
        render(cfg, d, Links(cfg, signer, d.member.id))
    t3 = time.process_time()
    for d in digests:
        build_mail(cfg, d, Links(cfg, signer, d.member.id))
    t4 = time.process_time()
    per = 1000 / len(digests)
    bare_ms, ours_ms = per * (t1 - t0), per * (t2 - t1)
    return {
        "bare_jinja_ms": round(bare_ms, 3),
        "render_ms": round(ours_ms, 3),
        "ratio": round(ours_ms / bare_ms, 1),
        "render_prepared_ms": round(per * (t3 - t2), 3),
        "mail_prepared_ms": round(per * (t4 - t3), 3),
    }


class _Sink:
    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802
        return "250 OK"


def _timed_sends(cfg: Config, data: bytes, messages: int) -> dict[str, tuple[float, float]]:
    results = {}
    for name, batch in (("reused", 10_000), ("per_message", 1)):
        cfg.smtp.batch_size = batch
        sender = Sender(cfg)
        t0, w0 = time.thread_time(), time.perf_counter()
        for i in range(messages):
            sender.send(f"member{i}@members.example", data)
        sender.close()
        results[name] = (
            1000 * (time.thread_time() - t0) / messages,
            1000 * (time.perf_counter() - w0) / messages,
        )
    return results


def smtp_cpu(cfg: Config, data: bytes, messages: int, folder: Path) -> dict[str, object]:
    """Client CPU (this thread only; the server runs in another) per message: one reused
    connection vs one per message, on plain SMTP and on STARTTLS + AUTH as in production."""
    cfg.smtp.port = _free_port()
    controller = Controller(
        _Sink(), hostname="127.0.0.1", port=cfg.smtp.port, server_hostname="localhost"
    )
    controller.start()
    try:
        plain = _timed_sends(cfg, data, messages)
    finally:
        controller.stop()
    from tests.servers import SmtpServer, make_test_tls  # the test suite's real server, with TLS

    logging.getLogger("mail.log").setLevel(logging.ERROR)  # aiosmtpd's deprecation notice per AUTH

    tls = make_test_tls(folder)
    with SmtpServer(tls=tls, auth=("mailer@example.org", "smtp-secret")) as server:
        os.environ["BENCH_SMTP_PASSWORD"] = "smtp-secret"
        cfg.smtp.host, cfg.smtp.port, cfg.smtp.security = server.host, server.port, "starttls"
        cfg.smtp.username, cfg.smtp.password_env = "mailer@example.org", "BENCH_SMTP_PASSWORD"
        cfg.smtp.ca_file = str(tls.ca_file)
        secure = _timed_sends(cfg, data, messages)
        server.reset()
    return {
        "message_kb": round(len(data) / 1024, 1),
        "plain": _summary(plain),
        "starttls_auth": _summary(secure),
    }


def _summary(results: dict[str, tuple[float, float]]) -> dict[str, float]:
    return {
        "reused_cpu_ms": round(results["reused"][0], 3), "per_message_cpu_ms": round(results["per_message"][0], 3),
        "reused_wall_ms": round(results["reused"][1], 3), "per_message_wall_ms": round(results["per_message"][1], 3),
        "cpu_ratio": round(results["per_message"][0] / results["reused"][0], 1),
    }  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _sample_message(db: Database, cfg: Config, signer: Signer) -> bytes:
    digest = next(iter(compose_all(db, cfg, PERIOD)))
    return build_mail(cfg, digest, Links(cfg, signer, digest.member.id)).data


def run(quick: bool = False) -> dict[str, object]:
    cfg, signer = config(), Signer("benchmark-secret-0123456789")
    postings = 5_000
    big = 2_000 if quick else 10_000
    results: dict[str, object] = {"postings": postings}
    with tempfile.TemporaryDirectory() as tmp:
        _step(f"seeding {big:,} members and {postings:,} postings")
        db_big = make_db(Path(tmp), big, postings)
        _step("timing every member")
        results["speed"] = per_member(db_big, cfg, signer)
        _step("per member", results["speed"])
        _step("render vs bare Jinja2")
        results["render_vs_bare"] = render_vs_bare(db_big, cfg, signer)
        _step("SMTP client CPU")
        results["smtp"] = smtp_cpu(
            cfg, _sample_message(db_big, cfg, signer), 100 if quick else 500, Path(tmp)
        )
        _step("smtp", results["smtp"])
        _step("peak memory, 1,000 members")
        db_small = make_db(Path(tmp), 1_000, postings)
        small = per_member(db_small, config(), signer, trace=True)
        _step(f"peak memory, {big:,} members")
        large = per_member(db_big, config(), signer, trace=True)
        results["memory"] = {"peak_mb_1000": small["peak_mb"], f"peak_mb_{big}": large["peak_mb"],
                             "growth": round(large["peak_mb"] / small["peak_mb"], 2)}  # fmt: skip
        db_big.dispose()
        db_small.dispose()
    results["targets_met"] = _targets_met(results)
    return results


def _targets_met(results: dict[str, object]) -> dict[str, bool]:
    speed, smtp, memory = results["speed"], results["smtp"], results["memory"]  # type: ignore[misc]
    return {
        "ms_per_member": speed["ms_per_member"] <= TARGET_MS_PER_MEMBER,  # type: ignore[index]
        "smtp_cpu": smtp["starttls_auth"]["reused_cpu_ms"] <= TARGET_SMTP_CPU_MS,  # type: ignore[index]
        "memory_flat": memory["growth"] <= TARGET_MEMORY_GROWTH,  # type: ignore[index]
    }


def _step(text: str, data: object = None) -> None:
    print(
        f"... {text}" + (f": {json.dumps(data)}" if data is not None else ""),
        file=sys.stderr,
        flush=True,
    )


def main(argv: list[str] | None = None, out: Callable[[str], None] = print) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="2,000 members instead of 10,000")
    args = parser.parse_args(argv)
    os.environ.setdefault("JOBDIGEST_SECRET_KEY", "benchmark-secret-0123456789")
    results = run(quick=args.quick)
    out(json.dumps(results, indent=2))
    return 0 if all(results["targets_met"].values()) else 1  # type: ignore[union-attr]


if __name__ == "__main__":
    sys.exit(main())
