"""[[feeds]]/[[boards]] subgroups: checked against the sub-groups, and a tied source feeds only them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from digest.config import Config, FeedConfig
from digest.errors import UserError
from digest.ingest.record import store_postings
from digest.sources.pull import sync_sources
from digest.store.db import Database
from digest.store.models import Member, Role, Source, Subgroup, Tag
from digest.tagging.tag import tag_pending
from parsers.model import Posting as ParsedPosting

FEED = "https://jobs.example.org/marketing.rss"
JOB = "https://boards.greenhouse.io/acme/jobs/1"


@pytest.fixture
def db(db_url: str) -> Database:
    database = Database(db_url)
    with database.session() as s:
        s.add_all(
            [
                Subgroup(name="Marketing", roles=[Role(phrase="Data Analyst", position=0)]),
                Subgroup(name="IT", roles=[Role(phrase="Data Analyst", position=0)]),
                Member(email="ann@example.org", name="Ann"),
            ]
        )
    yield database
    database.dispose()


def config(*subgroups: str) -> Config:
    return Config(feeds=[FeedConfig(url=FEED, name="Marketing jobs", subgroups=list(subgroups))])


def tags(db: Database, posting_id: int) -> list[str]:
    with db.session() as s:
        rows = s.execute(
            select(Subgroup.name)
            .join(Tag, Tag.subgroup_id == Subgroup.id)
            .where(Tag.posting_id == posting_id, Tag.current)
            .order_by(Subgroup.name)
        )
        return list(rows.scalars())


def test_an_unknown_subgroup_name_is_refused_naming_the_feed(db: Database) -> None:
    with db.session() as s, pytest.raises(UserError) as caught:
        sync_sources(s, config("Marketting"))
    message = str(caught.value)
    assert "feed Marketing jobs: subgroups: unknown sub-group 'Marketting'" in message
    assert "known: IT, Marketing" in message


def test_names_are_stored_as_the_subgroups_spell_them(db: Database) -> None:
    with db.session() as s:
        (source_id,) = sync_sources(s, config("marketing"))
    with db.session() as s:
        assert s.get_one(Source, source_id).subgroups == ["Marketing"]


def test_a_tied_source_feeds_only_its_subgroups_until_a_member_shares_the_job(
    db: Database,
) -> None:
    with db.session() as s:
        (source_id,) = sync_sources(s, config("Marketing"))
        posting = ParsedPosting(title="Data Analyst", company="Acme", canonical_url=JOB, url=JOB)
        (posting_id,) = store_postings(s, [posting], source_id=source_id, entry_keys=["e1"])
    tag_pending(db)
    assert tags(db, posting_id) == ["Marketing"]  # the IT sub-group did not ask for this feed
    with db.session() as s:
        ann = s.scalar(select(Member).where(Member.email == "ann@example.org"))
        assert ann is not None
        store_postings(s, [posting], member_id=ann.id, sender=ann.email)
    tag_pending(db)
    assert tags(db, posting_id) == ["IT", "Marketing"]  # a member's share is for everyone


def test_untying_a_source_retags_what_it_brought(db: Database) -> None:
    with db.session() as s:
        (source_id,) = sync_sources(s, config("IT"))
        posting = ParsedPosting(title="Data Analyst", company="Acme", canonical_url=JOB, url=JOB)
        (posting_id,) = store_postings(s, [posting], source_id=source_id, entry_keys=["e1"])
    tag_pending(db)
    assert tags(db, posting_id) == ["IT"]
    with db.session() as s:
        sync_sources(s, config())
    assert tag_pending(db).postings == 1
    assert tags(db, posting_id) == ["IT", "Marketing"]
