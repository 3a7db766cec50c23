"""Members' target companies: imported from members.csv, and the digest section of their own
("At your target companies"), checked against a golden digest."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from digest.config import Config, parse_config
from digest.delivery.audience import compose_all
from digest.delivery.compose import TARGET_SECTION, MemberDigest
from digest.delivery.render import build_mail
from digest.errors import UserError
from digest.roster.imports import import_members, parse_members_csv
from digest.store.db import Database
from digest.store.members import set_targets
from digest.store.models import Member, Posting, Subgroup, Tag
from parsers.company import normalize_company
from tests.digest_seed import PERIOD, WEEK_START, Seeded, seed_group
from tests.support.db import migrated_db
from tests.test_render import CONFIG, NOW, check_golden, links, normalize


def add_targets(db: Database, seeded: Seeded) -> None:
    """Alice targets Sabre (two postings this week) and Initrode (none); Sabre also posts an
    engineering job that fits none of her sub-groups."""
    with db.session() as s:
        alice = s.get_one(Member, seeded.members["alice"])
        set_targets(alice, ["Sabre", "Initrode", "SABRE Inc."])  # the third is Sabre again
        engineer = Posting(
            title="Senior Software Engineer, Pricing", company="Sabre",
            company_key=normalize_company("Sabre"), location="Southlake, TX",
            canonical_url="https://sabre.wd1.myworkdayjobs.com/SabreJobs/job/Southlake-TX/Senior-Software-Engineer--Pricing_R240277",
            origin="workday", first_seen=WEEK_START - timedelta(hours=12),
        )  # fmt: skip
        social = Posting(
            title="Social Media Marketing Specialist", company="Sabre Corporation",
            company_key=normalize_company("Sabre Corporation"), remote=True,
            canonical_url="https://sabre.wd1.myworkdayjobs.com/SabreJobs/job/Remote-USA/Social-Media-Marketing-Specialist_R240298",
            origin="workday", first_seen=WEEK_START - timedelta(hours=8),
        )  # fmt: skip
        s.add_all([engineer, social])
        s.flush()
        marketing = s.get_one(Subgroup, seeded.subgroups["marketing"])
        s.add(Tag(posting=social, subgroup=marketing, role="Social Media Marketing", score=0.88,
                  why=["title matches 'social media marketing'"]))  # fmt: skip


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[Config, dict[str, MemberDigest]]]:
    db = migrated_db(f"sqlite:///{tmp_path_factory.mktemp('targets') / 'targets.db'}")
    add_targets(db, seed_group(db))
    cfg = parse_config(CONFIG)
    yield cfg, {d.member.email.split("@")[0]: d for d in compose_all(db, cfg, PERIOD)}
    db.dispose()


def alice_parts(world: tuple[Config, dict[str, MemberDigest]]) -> tuple[str, str]:
    cfg, digests = world
    digest = digests["alice"]
    raw = build_mail(cfg, digest, links(cfg, digest), now=NOW).data
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = msg.get_body(("html",)).get_content()  # type: ignore[union-attr]
    return text, html


def test_target_section_comes_first_ranked_by_fit_with_inside_contacts(world) -> None:  # type: ignore[no-untyped-def]
    _cfg, digests = world
    alice = digests["alice"]
    first = alice.sections[0]
    assert first.subgroup == TARGET_SECTION
    titles = [lead.posting.title for lead in first.leads]
    # Tagged for her sub-group first (the brand role is also shared by three members), the
    # engineering job that fits nothing last.
    assert titles == [
        "Senior Brand Manager",
        "Social Media Marketing Specialist",
        "Senior Software Engineer, Pricing",
    ]
    assert [g.role for g in first.roles] == ["Sabre"]  # grouped by the company as she wrote it
    brand = first.leads[0]
    assert brand.why[0] == "at your target company Sabre"
    assert "title matches 'brand manager'" in brand.why
    assert [c[0] for c in brand.contacts] == ["Dan Whitaker"]  # Erin did not opt in
    others = [lead.posting.title for s in alice.sections[1:] for lead in s.leads]
    assert "Senior Brand Manager" not in others  # shown once, in the target section
    assert alice.targets == ["Sabre", "Initrode"]


def test_members_without_targets_get_what_they_got_before(world) -> None:  # type: ignore[no-untyped-def]
    _cfg, digests = world
    dan = digests["dan"]
    assert all(s.subgroup != TARGET_SECTION for s in dan.sections)
    assert "Social Media Marketing Specialist" in [lead.posting.title for lead in dan.leads]


def test_target_digest_matches_golden(world) -> None:  # type: ignore[no-untyped-def]
    text, html = alice_parts(world)
    check_golden("digest_targets.txt", normalize(text))
    check_golden("digest_targets.html", normalize(html))
    assert text.index("== At your target companies ==") < text.index("== Marketing ==")
    assert (
        "Inside contact: Dan Whitaker (Marketing sub-group) used to work at Sabre Inc."
        in " ".join(text.split())
    )
    assert "Erin" not in text
    assert "you want to work at Sabre, Initrode" in text
    assert '<h2 class="h2"' in html and "At your target companies" in html


# -- members.csv ---------------------------------------------------------------------------------


def _import(db: Database, text: str) -> None:
    with db.session() as session:
        import_members(session, parse_members_csv(text))


def _targets(db: Database, email_address: str) -> list[tuple[str, str]]:
    with db.session() as session:
        member = session.scalar(select(Member).where(Member.email == email_address))
        assert member is not None
        return [(t.name, t.company_key) for t in member.targets]


def test_members_csv_targets_column(tmp_path: Path) -> None:
    db = migrated_db(f"sqlite:///{tmp_path / 'm.db'}")
    _import(db, "email,name,targets\nana@example.org,Ana,Sabre Inc.;Frito-Lay;SABRE\n")
    assert _targets(db, "ana@example.org") == [("Sabre Inc.", "sabre"), ("Frito-Lay", "frito lay")]
    _import(db, "email,name,keywords\nana@example.org,Ana,brand\n")  # no column: left alone
    assert [n for n, _ in _targets(db, "ana@example.org")] == ["Sabre Inc.", "Frito-Lay"]
    _import(db, "email,name,targets\nana@example.org,Ana,\n")  # an empty cell clears
    assert _targets(db, "ana@example.org") == []
    db.dispose()


def test_members_csv_with_an_unknown_column_still_names_targets_as_allowed() -> None:
    with pytest.raises(UserError, match="targets"):
        parse_members_csv("email,name,favourite_colour\nana@example.org,Ana,blue\n")
