"""Tagging stored postings as a lead sees it: rule changes re-tag, earlier tags stay for comparison,
and `jobdigest tags explain|gaps` say why a posting did or did not land in a sub-group."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from digest.cli import cli
from digest.clock import utcnow
from digest.roster.imports import import_subgroups
from digest.store.db import Database
from digest.store.models import Member, Posting, Subgroup, Tag
from digest.tagging.rules import parse_subgroups_toml
from digest.tagging.tag import tag_pending
from tests.support.config import write_config

RULES = """
[[subgroup]]
name = "Marketing"
roles = ["Marketing Manager", "Brand Manager"]
exclude = ["Telemarketing"]

[[subgroup]]
name = "Information Technology"
roles = ["Software Engineer", {phrase = "Data Engineer", exclude = ["Intern"]}]
"""

# Marketing's lead adds a role and drops one; IT is unchanged.
RULES_CHANGED = RULES.replace(
    '"Marketing Manager", "Brand Manager"', '"Marketing Manager", "Content Strategist"'
)


def _db(db_url: str, rules: str = RULES) -> Database:
    db = Database(db_url)
    _import(db, rules)
    return db


def _import(db: Database, rules: str) -> None:
    with db.session() as session:
        import_subgroups(session, parse_subgroups_toml(rules), replace=True)  # rules change here


def _add(db: Database, *titles: str, age_days: int = 0) -> list[int]:
    seen = utcnow() - timedelta(days=age_days)
    with db.session() as session:
        rows = [Posting(title=t, description="", first_seen=seen) for t in titles]
        session.add_all(rows)
        session.flush()
        return [p.id for p in rows]


def _tags(db: Database, posting_id: int, current: bool = True) -> dict[str, str]:
    with db.session() as session:
        rows = session.execute(
            select(Subgroup.name, Tag.role)
            .join(Subgroup, Subgroup.id == Tag.subgroup_id)
            .where(Tag.posting_id == posting_id, Tag.current.is_(current))
        ).all()
    return dict(rows)


def test_new_postings_are_tagged_once(db_url: str) -> None:
    db = _db(db_url)
    brand, dev = _add(db, "Senior Brand Manager", "Software Engineer II")
    assert tag_pending(db).postings == 2
    assert _tags(db, brand) == {"Marketing": "Brand Manager"}
    assert _tags(db, dev) == {"Information Technology": "Software Engineer"}
    assert tag_pending(db).postings == 0  # nothing stale: nothing re-done
    (late,) = _add(db, "Data Engineer")
    assert tag_pending(db).postings == 1
    assert _tags(db, late) == {"Information Technology": "Data Engineer"}


def test_rule_change_retags_and_keeps_previous_generation(db_url: str) -> None:
    db = _db(db_url)
    brand, content, dev = _add(db, "Brand Manager", "Content Strategist", "Software Engineer")
    tag_pending(db)
    _import(db, RULES_CHANGED)
    result = tag_pending(db)
    assert result.postings == 3
    assert _tags(db, brand) == {}
    assert _tags(db, brand, current=False) == {"Marketing": "Brand Manager"}
    assert _tags(db, content) == {"Marketing": "Content Strategist"}
    # IT's rules did not change: its tag is rewritten, not duplicated as "previous"
    assert _tags(db, dev) == {"Information Technology": "Software Engineer"}
    assert _tags(db, dev, current=False) == {}
    assert tag_pending(db).postings == 0


def test_only_one_previous_generation_is_kept(db_url: str) -> None:
    db = _db(db_url)
    (brand,) = _add(db, "Brand Manager")
    tag_pending(db)
    _import(db, RULES_CHANGED)
    tag_pending(db)
    _import(db, RULES)  # back again: Brand Manager returns, the v1 tag is two generations old
    tag_pending(db)
    with db.session() as session:
        generations = session.execute(
            select(Tag.generation, Tag.current).where(Tag.posting_id == brand)
        ).all()
    assert sorted(generations) == [(3, True)]


def test_retag_of_explicit_postings(db_url: str) -> None:
    db = _db(db_url)
    ids = _add(db, "Brand Manager", "Software Engineer", "Nurse")
    assert tag_pending(db, posting_ids=ids[:1]).postings == 1
    assert _tags(db, ids[0]) == {"Marketing": "Brand Manager"}
    assert _tags(db, ids[1]) == {}


def _run(tmp_path: Path, db_url: str, *args: str) -> str:
    config = write_config(tmp_path, db_url=db_url)
    result = CliRunner().invoke(cli, ["--config", str(config), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_explain_shows_tags_previous_and_near_misses(db_url: str, tmp_path: Path) -> None:
    db = _db(db_url)
    (pid,) = _add(db, "Brand Manager, Software")
    tag_pending(db)
    _import(db, RULES_CHANGED)
    tag_pending(db)
    (other,) = _add(db, "Telemarketing Manager")
    tag_pending(db)
    db.dispose()
    text = _run(tmp_path, db_url, "tags", "explain", str(pid))
    assert "Brand Manager, Software" in text
    assert "was: Marketing: 'Brand Manager'" in text
    assert "no longer tagged" in text
    assert "Marketing: closest role 'Marketing Manager': missing 'marketing'" in text
    assert "Information Technology: closest role 'Software Engineer': missing 'engineer'" in text
    vetoed = _run(tmp_path, db_url, "tags", "explain", str(other))
    assert "Tags: none" in vetoed
    assert "vetoed by the sub-group's exclude 'Telemarketing'" in vetoed


def test_explain_current_tag_says_why(db_url: str, tmp_path: Path) -> None:
    db = _db(db_url)
    (pid,) = _add(db, "Sr. Data Engineer")
    tag_pending(db)
    db.dispose()
    text = _run(tmp_path, db_url, "tags", "explain", str(pid))
    assert "Information Technology: 'Data Engineer' score" in text
    assert "'data engineer' in title" in text


def test_explain_unknown_posting_is_one_line_error(db_url: str, tmp_path: Path) -> None:
    _db(db_url).dispose()
    config = write_config(tmp_path, db_url=db_url)
    result = CliRunner().invoke(cli, ["--config", str(config), "tags", "explain", "999"])
    assert result.exit_code != 0
    assert "no such posting" in result.output
    assert "Traceback" not in result.output


def test_gaps_lists_unmatched_titles_and_suggests_words(db_url: str, tmp_path: Path) -> None:
    db = _db(db_url)
    _add(
        db,
        "Growth Hacker",
        "Senior Growth Hacker",
        "Growth Hacker (Remote)",
        "Community Manager",
        "Community Manager",
        "Marketing Manager",
    )
    _add(db, "Lifecycle Specialist", "Lifecycle Specialist", age_days=30)  # before the period
    tag_pending(db)
    db.dispose()
    text = _run(tmp_path, db_url, "tags", "gaps", "marketing", "--weeks", "1")
    assert "5 postings from the last week matched no sub-group" in text
    assert "Marketing Manager\n" not in text  # it matched
    assert "growth hacker (3)" in text
    assert "community manager (2)" in text  # no role holds both words
    assert "lifecycle" not in text.lower()
    longer = _run(tmp_path, db_url, "tags", "gaps", "Marketing", "--weeks", "8")
    assert "lifecycle specialist (2)" in longer


def test_gaps_unknown_subgroup_names_the_known_ones(db_url: str, tmp_path: Path) -> None:
    _db(db_url).dispose()
    config = write_config(tmp_path, db_url=db_url)
    result = CliRunner().invoke(cli, ["--config", str(config), "tags", "gaps", "Legal"])
    assert result.exit_code != 0
    assert "Information Technology, Marketing" in result.output


@pytest.mark.parametrize("weeks", ["0", "x"])
def test_gaps_rejects_bad_weeks(tmp_path: Path, weeks: str) -> None:
    result = CliRunner().invoke(cli, ["tags", "gaps", "Marketing", "--weeks", weeks])
    assert result.exit_code == 2


def test_a_subgroup_a_lead_took_a_posting_out_of_stays_out_through_retags(
    db_url: str, tmp_path: Path
) -> None:
    from digest.tagging.exclusions import put_back, take_out

    db = _db(db_url)
    both, brand = _add(db, "Brand Manager / Software Engineer", "Brand Manager")
    tag_pending(db)
    assert set(_tags(db, both)) == {"Marketing", "Information Technology"}
    with db.session() as session:
        lead = Member(email="ann@example.org", name="Ann Lee")
        session.add(lead)
        session.flush()
        marketing = session.scalar(select(Subgroup.id).where(Subgroup.name == "Marketing"))
        assert take_out(session, marketing, both, lead.id)
        assert not take_out(session, marketing, both, lead.id)  # once is enough
    tag_pending(db, [both])
    assert _tags(db, both) == {"Information Technology": "Software Engineer"}
    # Marketing's rules change; `jobdigest retag` re-tags every posting, the lead's choice holds
    _import(db, RULES.replace('"Brand Manager"]', '"Brand Manager", "Content Strategist"]'))
    db.dispose()
    _run(tmp_path, db_url, "retag")
    assert _tags(db, both) == {"Information Technology": "Software Engineer"}
    assert _tags(db, brand) == {"Marketing": "Brand Manager"}  # only that posting
    text = _run(tmp_path, db_url, "tags", "explain", str(both))
    assert "Taken out of Marketing by lead Ann Lee on " in text
    assert "Tagged for every other sub-group." in text
    with db.session() as session:
        session.delete(session.scalar(select(Member).where(Member.email == "ann@example.org")))
    assert "Taken out of Marketing by a former lead on " in _run(
        tmp_path, db_url, "tags", "explain", str(both)
    )
    with db.session() as session:
        assert put_back(session, marketing, both)
    tag_pending(db, [both])
    assert set(_tags(db, both)) == {"Marketing", "Information Technology"}
