"""Selection and ranking: who sees which posting, in which order, with which credits and contacts."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from digest.config import Config, parse_config
from digest.delivery.audience import compose_all
from digest.delivery.compose import (
    LOOKALIKE_PENALTY,
    Lead,
    MemberDigest,
    PostingView,
    Section,
    Week,
    build_digest,
)
from digest.delivery.periods import window
from digest.store.db import Database
from digest.store.models import Delivery, Feedback, Member, Posting, Tag
from tests.digest_seed import PERIOD, WEEK_START, Seeded, seed_group


@pytest.fixture
def group(db_url: str) -> tuple[Database, Config, Seeded]:
    db = Database(db_url)
    seeded = seed_group(db)
    cfg = parse_config('[group]\nname = "Test Network"\ntimezone = "America/Chicago"\n')
    yield db, cfg, seeded
    db.dispose()


def digests(db: Database, cfg: Config) -> dict[str, MemberDigest]:
    return {d.member.email.split("@")[0]: d for d in compose_all(db, cfg, PERIOD)}


def titles(digest: MemberDigest) -> list[str]:
    return [lead.posting.title for lead in digest.leads]


def test_selection_follows_subgroups_and_skips_hidden_held_and_old(group) -> None:  # type: ignore[no-untyped-def]
    db, cfg, _ = group
    dan = digests(db, cfg)["dan"]
    got = titles(dan)
    assert got[0] == "Senior Brand Manager"
    assert "Marketing Manager" in got  # Acme; the held Shady Co one is left out
    assert sum(t == "Marketing Manager" for t in got) == 1
    assert "Brand Strategist" not in got  # hidden
    assert "Brand Manager (reposted)" not in got  # first seen before the period's window
    assert "DevOps Engineer" not in got  # another sub-group's posting


def test_one_company_cannot_flood_and_cap_counts_the_rest(group) -> None:  # type: ignore[no-untyped-def]
    db, cfg, _ = group
    dan = digests(db, cfg)["dan"]
    assert sum(lead.posting.company == "Globex" for lead in dan.leads) == 3
    with db.session() as s:
        member = s.scalar(
            select(Member)
            .where(Member.name == "Dan Whitaker")
            .options(selectinload(Member.subgroups))
        )
        week = Week(s, PERIOD, *window(PERIOD, cfg.tz))
        capped = build_digest(week, member, cap=2)
    assert len(capped.leads) == 2 and capped.more == len(dan.leads) - 2
    assert titles(capped) == titles(dan)[:2]


def test_negative_feedback_lowers_a_posting_and_hides_it_from_who_rejected_it(group) -> None:  # type: ignore[no-untyped-def]
    db, cfg, _ = group
    all_digests = digests(db, cfg)
    dan = titles(all_digests["dan"])
    # Newest and well tagged, but three members said "not relevant": it sinks to the bottom.
    assert dan[-1] == "Marketing Coordinator"
    assert "Marketing Coordinator" not in titles(all_digests["bob"])


def test_credits_name_sharers_count_anonymous_ones_and_say_you(group) -> None:  # type: ignore[no-untyped-def]
    db, cfg, _ = group
    all_digests = digests(db, cfg)
    brand_for = {k: next(lead for lead in d.leads if lead.posting.title == "Senior Brand Manager")
                 for k, d in all_digests.items() if k in ("dan", "erin")}  # fmt: skip
    # Alice and Dan named, Bob (anonymous) only counted.
    assert brand_for["erin"].credit == "Shared by Alice Moreno, Dan Whitaker and 1 other"
    # Dan's own share is no credit: he reads who else shared it.
    assert brand_for["dan"].credit == "You shared this; also shared by Alice Moreno and 1 other"
    assert "Bob" not in brand_for["erin"].credit


def _lead(role: str, pid: int = 1, **extra: object) -> Lead:
    posting = PostingView(pid, "t", "c", "c", "", False, "", "", "", "", datetime(2026, 11, 20))
    fields: dict[str, object] = {"sharers": [], "anonymous_sharers": 0} | extra
    return Lead(posting, "Marketing", role, 1.0, [], contacts=[], **fields)  # type: ignore[arg-type]


def test_a_role_heading_only_groups_several_leads() -> None:
    leads = [_lead(r, i) for i, r in enumerate(["Brand", "Brand", "SEO", "PR", "Email", "Email"])]
    blocks = Section("Marketing", leads).blocks
    assert [(b.heading, len(b.leads)) for b in blocks] == [("Brand", 2), ("", 2), ("Email", 2)]
    assert Section("Marketing", [_lead("SEO")]).blocks[0].heading == ""


@pytest.mark.parametrize(
    ("names", "anonymous", "yours", "credit"),
    [
        ([], 0, False, ""),
        ([], 0, True, "You shared this"),
        (["Dan Whitaker"], 0, False, "Shared by Dan Whitaker"),
        (["Dan Whitaker", "Sarah Kim"], 0, False, "Shared by Dan Whitaker and Sarah Kim"),
        (["A", "B", "C"], 0, False, "Shared by A, B and C"),
        (["A", "B", "C", "D"], 0, False, "Shared by A, B and 2 others"),
        (["A", "B", "C"], 2, False, "Shared by A, B and 3 others"),
        (["A"], 1, False, "Shared by A and 1 other"),
        ([], 1, False, "Shared by a member"),
        ([], 3, False, "Shared by 3 members"),
        (["A", "B", "C"], 0, True, "You shared this; also shared by A, B and C"),
    ],
)
def test_credit_names_up_to_three_sharers_and_never_counts_your_own(
    names: list[str], anonymous: int, yours: bool, credit: str
) -> None:
    lead = _lead("", sharers=names, anonymous_sharers=anonymous, shared_by_you=yours)
    assert lead.credit == credit


def test_inside_contacts_opted_in_members_with_normalized_company(group) -> None:  # type: ignore[no-untyped-def]
    db, cfg, _ = group
    alice = digests(db, cfg)["alice"]
    brand = next(lead for lead in alice.leads if lead.posting.title == "Senior Brand Manager")
    # "Sabre Corporation" matches Dan's "Sabre Inc."; Erin worked there too but did not opt in.
    assert brand.contacts == [("Dan Whitaker", "Marketing sub-group", "Sabre Inc.")]
    acme = next(lead for lead in alice.leads if lead.posting.company == "Acme Foods")
    assert acme.contacts == []  # Alice herself is not her own contact


def test_personal_keywords_and_grouping_by_subgroup_and_role(group) -> None:  # type: ignore[no-untyped-def]
    db, cfg, _ = group
    carol = digests(db, cfg)["carol"]
    assert [s.subgroup for s in carol.sections] == ["Information Technology", "Your keywords"]
    keyword_lead = carol.sections[1].leads[0]
    assert keyword_lead.posting.title == "Backend Developer (Python)"
    assert "your keyword 'python'" in keyword_lead.why
    dan = digests(db, cfg)["dan"]
    assert [r.role for r in dan.sections[0].roles][:1] == ["Brand Manager"]
    assert {r.role for r in dan.sections[0].roles} == {"Brand Manager", "Marketing Manager"}


def test_top_contributors_respect_opt_out_and_removal(group) -> None:  # type: ignore[no-untyped-def]
    db, cfg, _ = group
    dan = digests(db, cfg)["dan"]
    # Bob shared two but stays anonymous; Frank was removed.
    assert dan.contributors == [("Alice Moreno", 3), ("Carol Díaz", 2), ("Dan Whitaker", 1)]


def test_postings_sent_in_an_earlier_period_are_not_sent_again(group) -> None:  # type: ignore[no-untyped-def]
    db, cfg, seeded = group
    with db.session() as s:
        s.add(Delivery(member_id=seeded.members["dan"], period="2026-W47", status="sent",
                       posting_ids=[seeded.postings["brand"]], created_at=WEEK_START - timedelta(hours=2)))  # fmt: skip
    all_digests = digests(db, cfg)
    assert "Senior Brand Manager" not in titles(all_digests["dan"])
    assert "Senior Brand Manager" in titles(all_digests["alice"])


def test_members_without_matches_get_an_empty_digest(group) -> None:  # type: ignore[no-untyped-def]
    db, cfg, _ = group
    all_digests = digests(db, cfg)
    assert "frank" not in all_digests  # removed members get nothing
    gina = all_digests["gina"]  # IT, no keywords; the DevOps posting is remote-only, still shown
    assert titles(gina) == ["DevOps Engineer"]


# -- "not relevant": the member's own, the group's only with a quorum ---------------------------


def _not_relevant(db: Database, seeded: Seeded, who: list[str]) -> None:
    """Exactly `who` marked the 'Marketing Coordinator' posting not relevant."""
    pid = seeded.postings["disliked"]
    with db.session() as s:
        s.execute(delete(Feedback).where(Feedback.posting_id == pid))
        s.add_all(
            Feedback(member_id=seeded.members[w], posting_id=pid, kind="not_relevant") for w in who
        )


def _rank(digest: MemberDigest, title: str, company: str = "Meh Inc") -> float | None:
    found = [
        x.rank for x in digest.leads if (x.posting.title, x.posting.company) == (title, company)
    ]
    return found[0] if found else None


def test_one_or_two_members_not_relevant_change_only_their_own_digest(group) -> None:  # type: ignore[no-untyped-def]
    db, cfg, seeded = group
    _not_relevant(db, seeded, [])
    untouched = _rank(digests(db, cfg)["dan"], "Marketing Coordinator")
    assert untouched is not None
    for who in (["bob"], ["bob", "erin"]):
        _not_relevant(db, seeded, who)
        got = digests(db, cfg)
        assert _rank(got["dan"], "Marketing Coordinator") == pytest.approx(untouched)
        for marker in who:  # whoever marked it never gets it
            assert _rank(got[marker], "Marketing Coordinator") is None
    _not_relevant(db, seeded, ["bob", "erin", "gina"])  # the quorum: lower for everyone
    got = digests(db, cfg)
    assert _rank(got["dan"], "Marketing Coordinator") < untouched  # type: ignore[operator]
    assert titles(got["dan"])[-1] == "Marketing Coordinator"
    assert _rank(got["bob"], "Marketing Coordinator") is None


def test_the_quorum_is_the_groups_setting(group) -> None:  # type: ignore[no-untyped-def]
    db, cfg, seeded = group
    _not_relevant(db, seeded, [])
    untouched = _rank(digests(db, cfg)["dan"], "Marketing Coordinator")
    _not_relevant(db, seeded, ["bob"])
    strict = parse_config(
        '[group]\nname = "Test Network"\ntimezone = "America/Chicago"\n'
        "[tagging]\nnot_relevant_quorum = 1\n"
    )
    assert _rank(digests(db, strict)["dan"], "Marketing Coordinator") < untouched  # type: ignore[operator]


def test_a_members_not_relevant_lowers_same_title_postings_for_them_alone(group) -> None:  # type: ignore[no-untyped-def]
    db, cfg, seeded = group
    with db.session() as s:
        twin = Posting(title="Marketing coordinator", company="Other Co", company_key="other co",
                       first_seen=WEEK_START - timedelta(hours=2), url="https://other.example/1")  # fmt: skip
        s.add(twin)
        s.flush()
        s.add(Tag(posting_id=twin.id, subgroup_id=seeded.subgroups["marketing"],
                  role="Marketing Manager", score=0.75, why=["title matches 'marketing'"]))  # fmt: skip
    _not_relevant(db, seeded, ["bob"])
    got = digests(db, cfg)
    dan, bob = (_rank(got[w], "Marketing coordinator", "Other Co") for w in ("dan", "bob"))
    assert dan is not None and bob is not None  # still shown to bob, lower
    assert bob == pytest.approx(dan - LOOKALIKE_PENALTY)
