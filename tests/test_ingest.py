"""Recording postings: one posting per job however often it is seen, every sighting credited once.

Runs on SQLite and PostgreSQL (the `db_url` fixture), through the same code the inbox uses.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from digest.ingest import parallel
from digest.ingest.record import process_pending, store_postings
from digest.store.db import Database
from digest.store.models import Member, Posting, RawMessage, Sighting, Source
from parsers.model import Posting as Parsed
from tests.support.db import migrated_db
from tests.support.mails import gmail_forward

ALICE = "Alice <alice@members.example>"
BOB = "Bob <bob@members.example>"
STRANGER = "Mallory <mallory@elsewhere.example>"
ALERT = Path(__file__).parent / "data" / "alerts" / "linkedin_alert.eml"


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    with database.session() as s:
        s.add_all([Member(email="alice@members.example"), Member(email="bob@members.example")])
    yield database
    database.dispose()


def lever_forward(sender: str, n: int, tracking: str = "email") -> bytes:
    url = f"https://jobs.lever.co/initech/00000000-0000-4000-8000-{n:012d}?lever-source={tracking}"
    return gmail_forward(
        sender,
        f"Lead number {n}",
        "Rita <rita@hr.example>",
        f"Data Engineer {n} at Initech",
        f"Apply: {url}\n",
    )


def two_links(sender: str) -> bytes:
    """One job behind two links (its ATS and a board): one posting, one credit for the mail."""
    return gmail_forward(
        sender,
        "Two links",
        "Rita <rita@hr.example>",
        "Data Engineer 1 at Initech",
        "Apply: https://jobs.lever.co/initech/00000000-0000-4000-8000-000000000001\n"
        "Or here: https://boards.greenhouse.io/initech/jobs/4000001\n",
    )


def retitled(sender: str) -> bytes:
    """Job 1 again under another title: only its URL says it is the same job."""
    return gmail_forward(
        sender,
        "Same job?",
        "Rita <rita@hr.example>",
        "Sr. Data Engineer (1) - Initech",
        "Apply: https://jobs.lever.co/initech/00000000-0000-4000-8000-000000000001?src=x\n",
    )


def store_raw(db: Database, *mails: bytes) -> list[int]:
    with db.session() as s:
        rows = [RawMessage(raw=raw) for raw in mails]
        s.add_all(rows)
        s.flush()
        return [row.id for row in rows]


def counts(db: Database) -> tuple[int, int]:
    with db.session() as s:
        postings = s.scalar(select(func.count(Posting.id))) or 0
        return postings, s.scalar(select(func.count(Sighting.id))) or 0


def credits(db: Database) -> set[tuple[str, str, str]]:
    """(posting title, canonical URL, crediting sender) of every sighting."""
    with db.session() as s:
        rows = s.execute(
            select(Posting.title, Posting.canonical_url, Sighting.sender).join(Sighting.posting)
        ).all()
    return {(title, url or "", sender) for title, url, sender in rows}


def statuses(db: Database) -> dict[int, str]:
    with db.session() as s:
        return dict(s.execute(select(RawMessage.id, RawMessage.status)).all())  # type: ignore[arg-type]


def test_same_job_from_two_members_is_one_posting_with_both_credits(db: Database) -> None:
    store_raw(db, lever_forward(ALICE, 1, "email"), lever_forward(BOB, 1, "linkedin"))
    assert process_pending(db.sessions) == {"processed": 2}
    assert counts(db) == (1, 2)
    senders = {sender for _title, _url, sender in credits(db)}
    assert senders == {"alice@members.example", "bob@members.example"}


def test_fingerprint_dedup_merges_and_fills_what_was_missing(db: Database) -> None:
    first = Parsed(title="Staff Accountant", company="Frontier Freight", location="Dallas, TX")
    second = Parsed(
        title="Staff Accountant",
        company="Frontier Freight",
        location="Dallas, TX",
        url="https://jobs.example.org/frontier/123",
        canonical_url="https://jobs.example.org/frontier/123",
        salary="$70K - $80K",
    )
    with db.session() as s:
        one = store_postings(s, [first], sender="alice@members.example")
    with db.session() as s:
        two = store_postings(s, [second], sender="bob@members.example")
    assert one == two
    with db.session() as s:
        posting = s.get_one(Posting, one[0])
        assert posting.salary == "$70K - $80K"
        assert posting.canonical_url == "https://jobs.example.org/frontier/123"
        assert [x.sender for x in posting.sightings] == [
            "alice@members.example",
            "bob@members.example",
        ]


def test_merge_never_overwrites_what_the_first_sighting_knew(db: Database) -> None:
    url = "https://jobs.example.org/acme/9"
    with db.session() as s:
        store_postings(
            s, [Parsed(title="Brand Manager", company="Acme", url=url, canonical_url=url)]
        )
    with db.session() as s:
        store_postings(
            s,
            [
                Parsed(
                    title="Brand Mgr",
                    company="ACME Inc",
                    location="Plano, TX",
                    url=url,
                    canonical_url=url,
                )
            ],
        )
    with db.session() as s:
        posting = s.scalars(select(Posting)).one()
        assert (posting.title, posting.company, posting.location) == (
            "Brand Manager",
            "Acme",
            "Plano, TX",
        )


def test_fuzzy_title_match_at_the_same_company_without_any_link(db: Database) -> None:
    with db.session() as s:
        a = store_postings(s, [Parsed(title="Senior Data Engineer Platform", company="Initech")])
        b = store_postings(
            s, [Parsed(title="Senior Data Engineer, Platform Team", company="Initech Inc.")]
        )
        c = store_postings(s, [Parsed(title="Payroll Clerk", company="Initech")])
    assert a == b and c != a
    assert counts(db) == (2, 3)


def test_fuzzy_match_finds_a_posting_first_seen_in_the_same_call(db: Database) -> None:
    with db.session() as s:
        ids = store_postings(
            s,
            [
                Parsed(title="Senior Data Engineer Platform", company="Initech"),
                Parsed(title="Senior Data Engineer, Platform Team", company="Initech"),
            ],
        )
    assert ids[0] == ids[1] and counts(db)[0] == 1


def test_a_mail_naming_a_job_twice_credits_it_once(db: Database) -> None:
    store_raw(db, two_links(ALICE), retitled(BOB))
    assert process_pending(db.sessions) == {"processed": 2}
    assert counts(db) == (1, 2)


def test_recording_a_message_again_adds_nothing(db: Database) -> None:
    ids = store_raw(db, lever_forward(ALICE, 1), lever_forward(BOB, 2), ALERT.read_bytes())
    first = process_pending(db.sessions)
    before = counts(db), credits(db)
    again = process_pending(db.sessions, ids, force=True)
    assert again == first
    assert (counts(db), credits(db)) == before


def test_feed_entries_are_credited_once_per_source_and_key(db: Database) -> None:
    with db.session() as s:
        source = Source(kind="feed", key="https://jobs.example.org/feed.xml")
        s.add(source)
        s.flush()
        source_id = source.id
    entry = Parsed(title="IT Manager", company="Hooli", url="https://jobs.example.org/7")
    for _ in range(2):
        with db.session() as s:
            store_postings(s, [entry, entry], source_id=source_id, entry_keys=["e7", "e7"])
    assert counts(db) == (1, 1)


def test_stranger_postings_are_held_until_a_member_sends_them(db: Database) -> None:
    store_raw(db, lever_forward(STRANGER, 5))
    assert process_pending(db.sessions) == {"held": 1}
    with db.session() as s:
        assert s.scalars(select(Posting.held)).all() == [True]
    store_raw(db, lever_forward(ALICE, 5))
    assert process_pending(db.sessions) == {"processed": 1}
    with db.session() as s:
        assert s.scalars(select(Posting.held)).all() == [False]
    assert counts(db) == (1, 2)


def test_a_big_batch_records_exactly_what_one_by_one_recording_does(
    db: Database, tmp_path: Path
) -> None:
    # Overlapping jobs inside one batch: the same job from several members, an alert twice.
    mails = [lever_forward((ALICE, BOB)[n % 2], n % 7, f"t{n}") for n in range(24)]
    mails += [two_links(BOB), retitled(ALICE), two_links(ALICE)]
    mails += [ALERT.read_bytes(), ALERT.read_bytes().replace(b"Message-ID: <", b"Message-ID: <x")]
    store_raw(db, *mails)
    batched = process_pending(db.sessions)  # >= MIN_FOR_POOL: parsed by the worker pool

    single = migrated_db(f"sqlite:///{tmp_path / 'single.db'}")
    with single.session() as s:
        s.add_all([Member(email="alice@members.example"), Member(email="bob@members.example")])
    one_by_one: dict[str, int] = {}
    for raw_id in store_raw(single, *mails):
        for status, n in process_pending(single.sessions, [raw_id]).items():
            one_by_one[status] = one_by_one.get(status, 0) + n
    try:
        assert batched == one_by_one
        assert counts(db) == counts(single)
        assert credits(db) == credits(single)
    finally:
        single.dispose()


@pytest.fixture
def fresh_pool() -> Iterator[None]:
    """Workers forked after the test's monkeypatching, and none left behind with it."""
    parallel.shutdown()
    yield
    parallel.shutdown()


def test_a_parser_crash_in_a_pooled_batch_fails_only_that_message(
    db: Database, monkeypatch: pytest.MonkeyPatch, fresh_pool: None
) -> None:
    real = parallel.parse_mail

    def flaky(raw: bytes, file: str = ""):  # type: ignore[no-untyped-def]
        if b"Lead number 3\n" in raw:
            raise RuntimeError("parser bug")
        return real(raw, file)

    monkeypatch.setattr(parallel, "parse_mail", flaky)
    monkeypatch.setattr(parallel, "MIN_FOR_POOL", 2)
    monkeypatch.setenv("JOBDIGEST_PARSE_WORKERS", "2")
    store_raw(db, *[lever_forward(ALICE, n) for n in range(20)])
    assert process_pending(db.sessions) == {"processed": 19, "failed": 1}
    with db.session() as s:
        reason = s.scalar(select(RawMessage.reason).where(RawMessage.status == "failed"))
    assert reason == "internal error: RuntimeError: parser bug"
    assert counts(db) == (19, 19)


def test_a_crash_while_recording_one_message_costs_the_others_nothing(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    import digest.ingest.record as ingest

    real = ingest.resolve_relative_dates

    def fragile(postings, reference):  # type: ignore[no-untyped-def]
        if any(p.title.endswith("Engineer 3") for p in postings):
            raise ValueError("bad date")
        return real(postings, reference)

    monkeypatch.setattr(ingest, "resolve_relative_dates", fragile)
    ids = store_raw(db, *[lever_forward(BOB, n) for n in range(20)])
    assert process_pending(db.sessions) == {"processed": 19, "failed": 1}
    assert counts(db) == (19, 19)  # the rolled-back batch left nothing behind, nothing twice
    failed = [raw_id for raw_id, status in statuses(db).items() if status == "failed"]
    assert failed == [ids[3]]


def test_auto_forwarded_alert_is_credited_to_the_member_in_the_routing_headers(db_url: str) -> None:
    from digest.ingest.record import process_message
    from digest.ingest.verdict import Rules

    alert = ALERT.read_bytes()
    routed = (
        b"Authentication-Results: mx.group.example.org; dkim=pass header.d=linkedin.com\r\n"
        b"X-Forwarded-For: marcus@members.example leads@group.example.org\r\n" + alert
    )
    rules = Rules(authserv_id="mx.group.example.org")
    forged = (
        b"From: Spammer <noreply@spam.example>\r\nX-Forwarded-For: marcus@members.example\r\n"
        b"Subject: cheap jobs\r\nMessage-ID: <forged@spam.example>\r\n\r\n"
        b"Great job: https://boards.greenhouse.io/scam/jobs/1\r\n"
    )
    db = Database(db_url)
    with db.session() as s:
        s.add(Member(email="marcus@members.example", name="Marcus"))
        a, b = RawMessage(raw=routed), RawMessage(raw=forged)
        s.add_all([a, b])
        s.flush()
        process_message(s, a, rules=rules)
        process_message(s, b, rules=rules)
        assert (a.status, a.sender) == ("processed", "marcus@members.example") and a.member_id
        assert b.status == "held" and b.member_id is None
    db.dispose()
