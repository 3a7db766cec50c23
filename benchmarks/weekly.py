"""The whole weekly cycle for a synthetic group: import, ingest mail and feeds, tag, send digests.

Default: 1,000 members and 5,000 postings (1,000 forwarded mails + 40 feeds x 100 entries), SQLite,
digests sent over SMTP to a local aiosmtpd. Reports each stage's wall time and rate, the total,
and the process's peak resident memory. Run: python -m benchmarks.weekly [--quick]
"""

from __future__ import annotations

import os
import random
import resource
import sys
import tempfile
from pathlib import Path

from benchmarks.common import print_table, timed
from benchmarks.generate import feed_xml, forward_mail, make_group
from digest.config import parse_config
from digest.delivery.send import send_digests
from digest.ingest.record import process_pending, store_postings
from digest.roster.imports import import_members, import_subgroups, parse_members_csv
from digest.store.db import Database
from digest.store.models import RawMessage, Source
from digest.tagging.rules import parse_subgroups_toml
from digest.tagging.tag import tag_pending
from parsers.feeds import parse_feed_entries
from tests.servers import SmtpServer


def _ingest_feeds(db: Database, rng: random.Random, feeds: int, per_feed: int) -> int:
    n = 0
    for f in range(feeds):
        entries = parse_feed_entries(
            feed_xml(rng, per_feed, f), url=f"https://jobs.example.org/{f}.rss"
        )[1]
        with db.session() as s:
            source = Source(kind="feed", key=f"https://jobs.example.org/{f}.rss")
            s.add(source)
            s.flush()
            n += len(
                store_postings(
                    s,
                    [e.posting for e in entries],
                    source_id=source.id,
                    entry_keys=[e.key for e in entries],
                )
            )
    return n


def run(quick: bool = False) -> dict[str, object]:
    members, mails, feeds = (200, 200, 8) if quick else (1000, 1000, 40)
    rng = random.Random(7)
    os.environ["BENCH_SECRET_KEY"] = "b" * 32
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    stages: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp, SmtpServer() as smtp:
        cfg = parse_config(
            f'[database]\nurl = "sqlite:///{Path(tmp) / "weekly.db"}"\n'
            f'[smtp]\nhost = "{smtp.host}"\nport = {smtp.port}\nsecurity = "none"\n'
            f'from_address = "Leads <leads@bench.example>"\n[web]\nsecret_key_env = "BENCH_SECRET_KEY"\n'
        )
        db = Database(cfg.database_url())
        group = make_group(rng, members)
        with timed() as t, db.session() as s:
            import_subgroups(s, parse_subgroups_toml(group.subgroups_toml))
            # as before inside contacts became opt-in: the digest stage keeps the same work
            import_members(s, parse_members_csv(group.members_csv), inside_contacts_default=True)
        stages["import"] = {"items": members, **t}
        raws = [forward_mail(rng, rng.choice(group.member_emails), i) for i in range(mails)]
        with timed() as t:
            with db.session() as s:
                s.add_all(RawMessage(raw=r) for r in raws)
            process_pending(db.sessions)
        stages["ingest mail"] = {"items": mails, **t}
        with timed() as t:
            entries = _ingest_feeds(db, rng, feeds, 100)
        stages["ingest feeds"] = {"items": entries, **t}
        with timed() as t:
            tagged = tag_pending(db)
        stages["tag"] = {"items": tagged.postings, **t}
        with timed() as t:
            sent = send_digests(db, cfg, retry_delay=0.01)
        stages["compose + send"] = {"items": sent.sent, **t}
        db.dispose()
    peak_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) / 1024
    peak_total_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    total = sum(s["wall"] for s in stages.values())
    rows = [
        (name, f"{s['wall']:.2f} s", f"{s['items'] / s['wall']:.0f} items/s ({int(s['items'])})")
        for name, s in stages.items()
    ]
    rows.append(
        ("whole cycle", f"{total:.2f} s", f"peak RSS {peak_total_mb:.0f} MB (+{peak_mb:.0f} MB)")
    )
    print_table(f"Weekly cycle: {members} members, {mails + feeds * 100} postings in", rows)
    return {
        "members": members,
        "postings": mails + feeds * 100,
        "stages": {
            k: {"seconds": round(v["wall"], 3), "per_s": round(v["items"] / v["wall"], 1)}
            for k, v in stages.items()
        },
        "total_seconds": round(total, 2),
        "peak_rss_growth_mb": round(peak_mb, 1),
        "peak_rss_mb": round(peak_total_mb, 1),
        "digests_sent": sent.sent,
    }


if __name__ == "__main__":
    run(quick="--quick" in sys.argv)
