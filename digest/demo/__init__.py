"""`jobdigest demo`: the whole weekly job on a bundled group, with no servers and no network."""

from __future__ import annotations

import os
import secrets
from importlib.resources import files
from pathlib import Path

from rich.console import Console
from sqlalchemy import func, select

from digest.config import load_config
from digest.delivery.send import send_digests
from digest.ingest.record import process_pending
from digest.sources.pull import fetch_due_sources, sync_sources
from digest.store.db import Database
from digest.store.imports import import_members, import_subgroups, parse_members_csv
from digest.store.models import Posting, RawMessage, Sighting, Source, Tag
from digest.tagging.rules import parse_subgroups_toml
from digest.tagging.tag import tag_pending

DEMO_CONFIG = """\
# The demo group's config, written by `jobdigest demo`.
[group]
name = "North Texas Job Network (demo)"
timezone = "America/Chicago"
contact = "volunteers@northtexasjobs.example.org"
inbox_address = "leads@northtexasjobs.example.org"

[database]
url = "sqlite:///demo.db"

[smtp]
from_address = "North Texas Job Leads <leads@northtexasjobs.example.org>"

[web]
base_url = "http://127.0.0.1:8000"
secret_key_env = "JOBDIGEST_DEMO_SECRET_KEY"

[fetch]
allow_file = true                 # the demo's feeds are files shipped with the package
"""


def _feeds_toml(folder: Path) -> str:
    subgroups = {"dallas-marketing-jobs.rss": "Marketing", "it-jobs.atom": "Information Technology"}
    return "".join(
        f'\n[[feeds]]\nurl = "{path.as_uri()}"\nname = "{path.stem}"\nsubgroups = ["{subgroups.get(path.name, "")}"]\n'
        for path in sorted(folder.iterdir())
    )


def demo_data() -> Path:
    return Path(str(files("digest.demo") / "data"))


def _load_inbox(db: Database, inbox: Path) -> int:
    """Store each demo mail once, keyed by a demo 'source' and its file order as the UID."""
    added = 0
    with db.session() as session:
        source = session.scalar(select(Source).where(Source.key == "demo:inbox"))
        if source is None:
            source = Source(kind="imap", key="demo:inbox", name="Demo inbox (files)")
            session.add(source)
            session.flush()
        known = set(
            session.scalars(select(RawMessage.uid).where(RawMessage.source_id == source.id))
        )
        for uid, path in enumerate(sorted(inbox.glob("*.eml")), start=1):
            if uid in known:
                continue
            session.add(
                RawMessage(source_id=source.id, uidvalidity=1, uid=uid, raw=path.read_bytes())
            )
            added += 1
    return added


def run_demo(directory: Path, out: Console) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    config_path = directory / "jobdigest.toml"
    data = demo_data()
    if not config_path.exists():
        config_path.write_text(DEMO_CONFIG + _feeds_toml(data / "feeds"), encoding="utf-8")
    cfg = load_config(config_path)
    # Demo links are signed with a throwaway key: there is no web app to verify them here.
    os.environ.setdefault(cfg.web.secret_key_env, secrets.token_urlsafe(32))
    db = Database(cfg.database_url())
    groups = parse_subgroups_toml((data / "subgroups.toml").read_text("utf-8"))
    with db.session() as session:
        import_subgroups(session, groups)
        import_members(session, parse_members_csv((data / "members.csv").read_text("utf-8")))
        import_subgroups(session, groups)  # again: the leads exist as members only now
    new_mail = _load_inbox(db, data / "inbox")
    statuses = process_pending(db.sessions)
    with db.session() as session:
        sync_sources(session, cfg)
    feeds = fetch_due_sources(db, cfg)
    entries = sum(r.entries for r in feeds)
    tagged = tag_pending(db)
    outbox = directory / "outbox"
    result = send_digests(db, cfg, dry_run=outbox)
    with db.session() as session:
        postings = session.scalar(select(func.count(Posting.id)))
        sightings = session.scalar(select(func.count(Sighting.id)))
        tags = session.scalar(select(func.count(Tag.id)).where(Tag.current))
        held = session.scalar(select(func.count(RawMessage.id)).where(RawMessage.status == "held"))
        failed = session.scalar(
            select(func.count(RawMessage.id)).where(RawMessage.status == "failed")
        )
    db.dispose()
    out.print(f"[bold]Job Lead Digest demo[/] in {directory.resolve()}")
    out.print(
        f"  inbox: {new_mail} new mails stored ({', '.join(f'{n} {k}' for k, n in sorted(statuses.items())) or 'all seen before'}); "
        f"{held} held from non-members, {failed} kept as failed"
    )
    out.print(
        f"  feeds: {len(feeds)} fetched, {entries} entries read"
        + "".join(f"; {r.key}: {r.error}" for r in feeds if r.error)
    )
    out.print(
        f"  postings: {postings} ({sightings} sightings), {tags} current tags ({tagged.postings} postings tagged now)"
    )
    out.print(
        f"  digests: {len(result.written)} written to {outbox.resolve()}, "
        f"{result.skipped_no_leads} members without leads this week"
    )
    out.print(f"Open {outbox.resolve()}/<member>.html in a browser, or read the .eml files.")
