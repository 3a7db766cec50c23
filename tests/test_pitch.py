"""The member's pitch as a personal target, leads a sharer meant for someone, and recruiters
named beside their leads: selection, explanations in the member's own words, a golden digest."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from digest.config import Config, parse_config
from digest.delivery.audience import compose_all
from digest.delivery.compose import MEANT_SECTION, PITCH_SECTION, MemberDigest
from digest.delivery.render import build_mail
from digest.errors import UserError
from digest.ingest.meant import Recipients
from digest.roster.imports import (
    import_members,
    import_recruiters,
    parse_members_csv,
    parse_recruiters_csv,
)
from digest.store.db import Database
from digest.store.models import IntendedRecipient, Member, Posting, Recruiter, Sighting
from digest.tagging.pitch import pitch_phrases
from parsers.addressee import named_in_note
from parsers.company import normalize_company
from tests.digest_seed import PERIOD, WEEK_START, Seeded, seed_group
from tests.support.db import migrated_db
from tests.test_render import CONFIG, NOW, check_golden, links, normalize

CAROL_PITCH = (
    "I have global experience in high tech products, looking to pursue a career in social "
    "media marketing"
)


def test_pitch_phrases_are_what_the_member_wants_not_their_background() -> None:
    assert pitch_phrases(CAROL_PITCH) == ["social media marketing"]
    assert pitch_phrases(
        "Looking for a role as engineering manager or technical program manager."
    ) == [
        "engineering manager",
        "technical program manager",
    ]
    assert pitch_phrases("Interested in FP&A and treasury roles") == ["fp&a", "treasury"]
    assert pitch_phrases("Twenty years in retail banking.") == []


def test_notes_name_members_by_address_vocative_or_for() -> None:
    assert [n.text for n in named_in_note("Sarah, this one is for you")] == ["Sarah"]
    assert [(n.first, n.rest) for n in named_in_note("Saw this, for Sarah K.")] == [("sarah", "k")]
    assert [n.address for n in named_in_note("thought of carol@members.example")] == [
        "carol@members.example"
    ]
    assert named_in_note("Great lead, apply soon") == []
    assert named_in_note("this is for you all") == []


def add_world(db: Database, seeded: Seeded) -> None:
    """Carol (IT) pitches social media marketing; a posting that fits only her pitch, sent by a
    recruiter; Alice shares a posting 'Carol, this one is for you'; a note names 'Sarah'
    while two members are called Sarah."""
    with db.session() as s:
        carol = s.get_one(Member, seeded.members["carol"])
        carol.pitch = CAROL_PITCH
        s.add_all([Member(email="sarah.kim@members.example", name="Sarah Kim"),
                   Member(email="sarah.lee@members.example", name="Sarah Lee")])  # fmt: skip
        social = Posting(
            title="Social Media Marketing Manager", company="Initrode",
            company_key=normalize_company("Initrode"), location="Austin, TX",
            url="https://initrode.example/jobs/31", first_seen=WEEK_START - timedelta(hours=6),
        )  # fmt: skip
        sales = Posting(
            title="Account Executive", company="Vandelay Industries",
            company_key=normalize_company("Vandelay Industries"), location="Dallas, TX",
            url="https://vandelay.example/jobs/2", first_seen=WEEK_START - timedelta(hours=4),
        )  # fmt: skip
        s.add_all([social, sales])
        s.flush()
        s.add(Recruiter(address="jane.roe@acmestaffing.example", name="Jane Roe",
                        agency="Acme Staffing", specialties=["marketing", "sales"]))  # fmt: skip
        s.add(Sighting(posting=social, sender="Jane.Roe@acmestaffing.example",
                       seen_at=WEEK_START - timedelta(hours=6)))  # fmt: skip
        alice = seeded.members["alice"]
        for note in ("Carol, this one is for you", "for Sarah: worth a look"):
            sighting = Sighting(posting=sales, member_id=alice, sender="alice@members.example",
                                note=note, seen_at=WEEK_START - timedelta(hours=4))  # fmt: skip
            s.add(sighting)
            s.flush()
            recipients = Recipients(s)
            recipients.stage([SimpleNamespace(id=sales.id)], 0, alice, note)
            for rows, _raw, sharer, text, meant in recipients.staged:
                for m in meant:
                    s.add(IntendedRecipient(posting_id=rows[0].id, sighting_id=sighting.id,
                                            sharer_id=sharer, member_id=m.member_id, named=m.named,
                                            candidates=list(m.candidates), note=text))  # fmt: skip


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Config, Database, dict[str, MemberDigest]]]:
    db = migrated_db(f"sqlite:///{tmp_path_factory.mktemp('pitch') / 'pitch.db'}")
    add_world(db, seed_group(db))
    cfg = parse_config(CONFIG)
    yield cfg, db, {d.member.email.split("@")[0]: d for d in compose_all(db, cfg, PERIOD)}
    db.dispose()


def test_pitch_brings_a_posting_no_tag_or_keyword_would_with_its_words(world) -> None:  # type: ignore[no-untyped-def]
    _cfg, _db, digests = world
    carol = digests["carol"]
    pitch = next(s for s in carol.sections if s.subgroup == PITCH_SECTION)
    lead = next(x for x in pitch.leads if x.posting.title == "Social Media Marketing Manager")
    assert lead.why == ["fits your pitch: 'social media marketing'"]
    assert lead.recruiter == "Jane Roe, Acme Staffing — marketing, sales"
    # nobody else pitched it, and it has no tag: nobody else gets it
    assert all(
        "Social Media Marketing Manager" not in [x.posting.title for x in d.leads]
        for k, d in digests.items()
        if k != "carol"
    )


def test_a_lead_meant_for_a_member_tops_their_digest_with_the_sharers_words(world) -> None:  # type: ignore[no-untyped-def]
    _cfg, _db, digests = world
    carol = digests["carol"]
    assert carol.sections[0].subgroup == MEANT_SECTION
    lead = carol.sections[0].leads[0]
    assert lead.posting.title == "Account Executive"  # tagged for nobody
    assert lead.meant == "Alice Moreno thought of you: \u201cCarol, this one is for you\u201d"
    assert "Account Executive" not in [x.posting.title for x in digests["dan"].leads]


def test_an_ambiguous_name_is_stored_for_the_lead_not_guessed(world) -> None:  # type: ignore[no-untyped-def]
    _cfg, db, digests = world
    with db.session() as s:
        row = s.scalar(select(IntendedRecipient).where(IntendedRecipient.named == "Sarah"))
        assert row is not None and row.member_id is None and len(row.candidates) == 2
    for who in ("sarah.kim", "sarah.lee"):
        assert who not in digests or all(s.subgroup != MEANT_SECTION for s in digests[who].sections)


def test_pitch_digest_matches_golden(world) -> None:  # type: ignore[no-untyped-def]
    cfg, _db, digests = world
    digest = digests["carol"]
    raw = build_mail(cfg, digest, links(cfg, digest), now=NOW).data
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    check_golden("digest_pitch.txt", normalize(text))
    check_golden("digest_pitch.html", normalize(html))
    assert "Alice Moreno thought of you:" in text
    assert "fits your pitch: 'social media marketing'" in text
    assert "recruiter: Jane Roe, Acme Staffing — marketing, sales" in text


# -- members.csv and recruiters.csv ---------------------------------------------------------------


def _pitch(db: Database, text: str) -> str:
    with db.session() as session:
        import_members(session, parse_members_csv(text))
    with db.session() as session:
        member = session.scalar(select(Member).where(Member.email == "ana@example.org"))
        assert member is not None
        return member.pitch


def test_members_csv_pitch_column(tmp_path: Path) -> None:
    db = migrated_db(f"sqlite:///{tmp_path / 'm.db'}")
    assert _pitch(
        db, 'email,pitch\nana@example.org,"Looking for a career in brand marketing"\n'
    ) == ("Looking for a career in brand marketing")
    assert (
        _pitch(db, "email,name\nana@example.org,Ana\n") == "Looking for a career in brand marketing"
    )
    assert _pitch(db, "email,pitch\nana@example.org,\n") == ""
    with pytest.raises(UserError, match=r"line 2, column pitch: 301 characters, at most 300"):
        parse_members_csv("email,pitch\nana@example.org," + "x" * 301 + "\n")
    db.dispose()


def test_recruiters_csv(tmp_path: Path) -> None:
    db = migrated_db(f"sqlite:///{tmp_path / 'r.db'}")
    text = "name,address,agency,specialties\nJane Roe,Jane.Roe@acmestaffing.example,Acme Staffing,marketing;sales\n"
    with db.session() as session:
        report = import_recruiters(session, parse_recruiters_csv(text))
    assert report.created == 1
    with db.session() as session:
        again = import_recruiters(session, parse_recruiters_csv(text))
        assert again.unchanged == 1
        r = session.scalar(select(Recruiter))
        assert r is not None and r.address == "jane.roe@acmestaffing.example"
        assert r.specialties == ["marketing", "sales"]
    with pytest.raises(UserError, match=r"line 2, column address: not an email address"):
        parse_recruiters_csv("name,address\nJane,nobody\n")
    db.dispose()


def test_semantic_pitch_matching_is_gated_and_explained_as_close(tmp_path: Path) -> None:
    """With [tagging] pitch_semantic on, the shipped static model (no download) adds titles
    sharing no word with the pitch, explained differently from a rules fit."""
    from digest.delivery.compose import Week, pitch_semantic_of
    from digest.delivery.periods import window
    from digest.tagging.pitch_semantic import semantic_fits

    close = semantic_fits(("brand manager",), ["Brand Strategist", "Forklift Operator"], 0.5)
    assert list(close) == [0]
    assert pitch_semantic_of(parse_config(CONFIG)) is None
    cfg = parse_config(
        CONFIG + "\n[tagging]\npitch_semantic = true\npitch_semantic_threshold = 0.5\n"
    )
    assert pitch_semantic_of(cfg) == 0.5
    db = migrated_db(f"sqlite:///{tmp_path / 's.db'}")
    seed_group(db)
    with db.session() as s:
        s.add(Posting(title="Brand Strategist, Snacks", company="Frito-Lay", url="https://f.example/1",
                      first_seen=WEEK_START - timedelta(hours=3)))  # fmt: skip
        s.flush()
        begin, end = window(PERIOD, cfg.tz)
        rules_only = Week(s, PERIOD, begin, end).pitch_matches(
            "Looking for a role as brand manager"
        )
        both = Week(s, PERIOD, begin, end, 0.5).pitch_matches("Looking for a role as brand manager")
    db.dispose()
    titles_rules = set(rules_only.values())
    assert "close to your pitch: 'brand manager'" not in titles_rules
    assert "close to your pitch: 'brand manager'" in set(both.values())


def test_a_recruiters_mail_is_accepted_unless_its_authentication_failed() -> None:
    from dataclasses import replace

    from digest.ingest.verdict import judge
    from parsers.mail import parse_mail
    from tests.support.mails import mail

    item = parse_mail(
        mail(
            "Jane Roe <jane.roe@acmestaffing.example>",
            "Social Media Marketing Manager at Initrode",
            "Initrode is hiring a Social Media Marketing Manager in Austin, TX.\n"
            "Details: https://acmestaffing.example/jobs/initrode-smm-77\n",
        )
    )
    known = {"jane.roe@acmestaffing.example"}.__contains__
    nobody = judge(item, None, lambda _a: None)
    assert (nobody.status, nobody.held) == ("held", True)
    accepted = judge(item, None, lambda _a: None, is_recruiter=known)
    assert (accepted.status, accepted.held, accepted.member_id) == ("processed", False, None)
    spoofed = replace(item, auth={"dmarc": "fail"})
    refused = judge(spoofed, None, lambda _a: None, is_recruiter=known)
    assert refused.held and "DMARC" in refused.reason
