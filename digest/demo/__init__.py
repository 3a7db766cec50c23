"""`jobdigest demo`: the whole weekly job on a bundled group, with no servers and no network."""

from __future__ import annotations

import os
import secrets
from importlib.resources import files
from pathlib import Path

from rich.console import Console
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from digest.config import load_config
from digest.delivery.send import send_digests
from digest.errors import ServiceError, os_problem
from digest.ingest.record import process_pending
from digest.ingest.verdict import Rules
from digest.roster.imports import (
    import_members,
    import_recruiters,
    import_subgroups,
    parse_members_csv,
    parse_recruiters_csv,
)
from digest.sources.pull import fetch_due_sources, sync_sources
from digest.store.db import Database, upgrade
from digest.store.intros import answer, ask, record_landing
from digest.store.models import (
    IntroRequest,
    Landing,
    Member,
    Posting,
    RawMessage,
    Sighting,
    Source,
    Tag,
)
from digest.store.statuses import MailStatus, SourceKind
from digest.tagging.rules import parse_subgroups_toml
from digest.tagging.tag import tag_pending

DEMO_CONFIG = """\
# The demo group's config, written by `jobdigest demo`. Serve it: cd here, then `jobdigest web`.
[group]
name = "North Texas Job Network (demo)"
timezone = "America/Chicago"
contact = "volunteers@northtexasjobs.example.org"
inside_contacts_default = true    # the demo's made-up members all agreed
inbox_address = "leads@northtexasjobs.example.org"

[database]
url = "sqlite:///demo.db"

[inbox]
# Our receiving server's name in Authentication-Results: an auto-forwarded job alert counts as
# the forwarding member's only with a DKIM pass for the alert's sender recorded by it.
authserv_id = "mx1.northtexasjobs.example.org"

[smtp]
from_address = "North Texas Job Leads <leads@northtexasjobs.example.org>"

[web]
base_url = "http://127.0.0.1:8000"
secret_key_env = "JOBDIGEST_DEMO_SECRET_KEY"
secret_key_file = ".secret_key"   # the demo only: a real group keeps its key in the environment

# demo: URLs name feed files bundled with jobdigest, found wherever it is installed.
[[feeds]]
url = "demo:dallas-marketing-jobs.rss"
name = "dallas-marketing-jobs"
subgroups = ["Marketing"]

[[feeds]]
url = "demo:it-jobs.atom"
name = "it-jobs"
subgroups = ["Information Technology"]
"""
KEY_FILE = ".secret_key"
#: who helps whom in the demo: (asker, contact, posting title, answer or None for open)
DEMO_INTROS = (
    ("alice.moreno@example.org", "dan.whitaker@example.com", "Product Marketing Manager", None),
    ("kevin.brooks@example.net", "sarah.kim@example.org", "Compensation Analyst", True),
)
#: (member, posting title the member landed, keeps helping)
DEMO_LANDING = ("kevin.brooks@example.net", "Compensation Analyst", False)


def demo_data() -> Path:
    return Path(str(files("digest.demo") / "data"))


def _stale_demo_config(path: Path) -> bool:
    """Missing, or written by an older `jobdigest demo` (which named feed files by their
    install path): the demo's own config is rewritten; anyone else's file is left alone."""
    if not path.exists():
        return True
    text = path.read_text(encoding="utf-8", errors="replace")
    return text.startswith(DEMO_CONFIG.splitlines()[0][:40]) and text != DEMO_CONFIG


def _ensure_key(directory: Path) -> None:
    """The demo's own signing key, readable by its owner only, so `jobdigest web` run in the
    demo folder accepts the links in outbox/*.html."""
    path = directory / KEY_FILE
    if path.exists():
        return
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secrets.token_urlsafe(32) + "\n")


def _load_inbox(db: Database, inbox: Path) -> int:
    """Store each demo mail once, keyed by a demo 'source' and its file order as the UID."""
    added = 0
    with db.session() as session:
        source = session.scalar(select(Source).where(Source.key == "demo:inbox"))
        if source is None:
            source = Source(kind=SourceKind.IMAP, key="demo:inbox", name="Demo inbox (files)")
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
    config_path = directory / "jobdigest.toml"
    data = demo_data()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        if _stale_demo_config(config_path):
            config_path.write_text(DEMO_CONFIG, encoding="utf-8")
        _ensure_key(directory)
    except OSError as exc:
        raise ServiceError(
            f"{directory}: cannot create the demo there: {os_problem(exc)}; "
            "choose a folder you can write to (jobdigest demo --dir DIR)"
        ) from None
    cfg = load_config(config_path)
    db = Database(cfg.database_url())
    upgrade(db.engine)  # the demo makes its own database, like `init`
    groups = parse_subgroups_toml((data / "subgroups.toml").read_text("utf-8"))
    with db.session() as session:
        # Sub-groups first, as the README says: their leads are linked when the members arrive.
        import_subgroups(session, groups, replace=True)
        import_members(
            session,
            parse_members_csv((data / "members.csv").read_text("utf-8")),
            inside_contacts_default=cfg.group.inside_contacts_default,
        )
        import_recruiters(
            session, parse_recruiters_csv((data / "recruiters.csv").read_text("utf-8"))
        )
    new_mail = _load_inbox(db, data / "inbox")
    statuses = process_pending(db.sessions, rules=Rules.from_config(cfg))
    with db.session() as session:
        sync_sources(session, cfg)
    feeds = fetch_due_sources(db, cfg)
    entries = sum(r.entries for r in feeds)
    tagged = tag_pending(db, cfg=cfg)
    with db.session() as session:
        intros, landings = _people_helping(session, cfg.group.intro_requests_per_week)
    outbox = directory / "outbox"
    result = send_digests(db, cfg, dry_run=outbox)
    with db.session() as session:
        postings = session.scalar(select(func.count(Posting.id)))
        sightings = session.scalar(select(func.count(Sighting.id)))
        tags = session.scalar(select(func.count(Tag.id)).where(Tag.current))
        held = session.scalar(
            select(func.count(RawMessage.id)).where(RawMessage.status == MailStatus.HELD)
        )
        failed = session.scalar(
            select(func.count(RawMessage.id)).where(RawMessage.status == MailStatus.FAILED)
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
    out.print(f"  people: {intros} introduction requests, {landings} landing to celebrate")
    out.print(
        f"  digests: {len(result.written)} written to {outbox.resolve()}, "
        f"{result.skipped_no_leads} members without leads this week"
    )
    out.print(f"Open {outbox.resolve()}/<member>.html in a browser, or read the .eml files.")
    out.print(
        f"Their links work once the web app runs: cd {directory} && jobdigest web "
        "(sign in with `jobdigest sign-in-link alice.moreno@example.org`)",
        highlight=False,
    )
    out.print(
        "What you change there (target roles, corrections) is re-tagged by the worker: keep "
        "`jobdigest run` going beside it, or run `jobdigest run --once` after a change.",
        highlight=False,
    )


def _people_helping(session: Session, per_week: int) -> tuple[int, int]:
    """The demo's warm intros (one open, one answered) and a landing, made once (idempotent)."""
    people = {m.email: m for m in session.scalars(select(Member))}
    for asker, contact, title, accepted in DEMO_INTROS:
        posting = session.scalar(select(Posting).where(Posting.title == title).limit(1))
        if posting is None or asker not in people or contact not in people:
            continue
        people[contact].intro_opt_in = people[contact].contact_opt_in = True
        made, _problem = ask(session, people[asker], people[contact], posting, per_week)
        if made is not None:
            made.mailed_at = made.mailed_at or made.created_at  # as if mailed (no SMTP in the demo)
        if made is not None and accepted is not None:
            answer(made, accepted)
    member, title, keep = DEMO_LANDING
    posting = session.scalar(select(Posting).where(Posting.title == title).limit(1))
    if posting is not None and member in people:
        record_landing(session, people[member], posting, posting.company, posting.title, True, keep)
    session.flush()
    return (
        session.scalar(select(func.count(IntroRequest.id))) or 0,
        session.scalar(select(func.count(Landing.id))) or 0,
    )
