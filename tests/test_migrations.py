"""The migrations and the models describe the same schema, on SQLite and PostgreSQL.

A model change without a new Alembic revision (or a revision the models do not follow) fails
here, with alembic's own list of differences, before it reaches an operator's `db upgrade`.
"""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from digest.store.db import Database
from digest.store.models import Base


def _differences(url: str) -> list[object]:
    db = Database(url)
    try:
        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "compare_server_default": False}
            )
            return list(compare_metadata(context, Base.metadata))
    finally:
        db.dispose()


def test_models_match_migrations(db_url: str) -> None:
    assert _differences(db_url) == []


def test_upgrade_twice_changes_nothing(db_url: str) -> None:
    from digest.store.db import upgrade

    db = Database(db_url)
    try:
        assert upgrade(db.engine) is False
    finally:
        db.dispose()


def test_status_columns_refuse_values_outside_their_enum(db_url: str) -> None:
    """A typo'd status ('unsubscibed') is refused by the database, on both engines."""
    import pytest
    from sqlalchemy.exc import IntegrityError

    from digest.store.models import Member
    from digest.store.statuses import MemberStatus

    db = Database(db_url)
    try:
        with db.session() as session:
            session.add(Member(email="ok@example.org", status=MemberStatus.UNSUBSCRIBED))
        with pytest.raises(IntegrityError), db.session() as session:
            session.add(Member(email="typo@example.org", status="unsubscibed"))
    finally:
        db.dispose()


def test_the_check_constraints_list_every_enum_value() -> None:
    """The newest revision's CHECK lists and the StrEnums say the same."""
    import importlib.util

    from digest.store.db import MIGRATIONS
    from digest.store.statuses import CHECKED, check_sql, constraint_name

    path = MIGRATIONS / "versions" / "0009_statuses.py"
    spec = importlib.util.spec_from_file_location("statuses_revision", path)
    assert spec and spec.loader
    revision = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(revision)
    expected = [(t, constraint_name(t, c), check_sql(c, e)) for t, c, e in CHECKED]
    assert list(revision.CHECKS) == expected


def _populate_one_group(conn) -> None:  # type: ignore[no-untyped-def]
    """A small one-group database at revision 0010: rows in the tables that reference others."""
    from sqlalchemy import text

    now = "2026-11-30 12:00:00"
    for sql in (
        "INSERT INTO members (id, email, name, keywords, location, remote_ok, status, show_name,"
        " contact_opt_in, thank_opt_in, always_send, is_operator, bounce_count, created_at,"
        " intro_opt_in, keep_helping, pitch, pitch_public) VALUES"
        " (1, 'ann@example.org', 'Ann', '[]', '', true, 'active', true, true, true, false, true,"
        " 0, :now, false, false, '', false),"
        " (2, 'bob@example.org', 'Bob', '[]', '', true, 'active', true, true, true, false, false,"
        " 0, :now, false, false, '', false)",
        "INSERT INTO past_employers (id, member_id, name, company_key, current)"
        " VALUES (1, 2, 'Sabre', 'sabre', false)",
        "INSERT INTO subgroups (id, name, description, exclude, rules_version, pending_leads)"
        " VALUES (1, 'Marketing', '', '[]', 1, '[]')",
        "INSERT INTO member_subgroups (member_id, subgroup_id) VALUES (1, 1), (2, 1)",
        "INSERT INTO subgroup_leads (subgroup_id, member_id) VALUES (1, 1)",
        "INSERT INTO sources (id, kind, key, name, subgroups, etag, last_modified, last_uid,"
        " consecutive_failures, last_error, paused, origin, careers_url, company_key) VALUES"
        " (1, 'feed', 'https://example.org/jobs.rss', '', '[]', '', '', 0, 0, '', false,"
        " 'config', '', '')",
        "INSERT INTO postings (id, title, company, company_key, location, remote, url,"
        " canonical_url, fingerprint, posted_at, description, salary, origin, first_seen,"
        " status, held, enrich_error, tag_key) VALUES (1, 'Marketing Manager', 'Sabre',"
        " 'sabre', '', false, 'https://example.org/1', 'https://example.org/1', 'fp', '', '',"
        " '', 'feed', :now, 'active', false, '', 'k')",
        "INSERT INTO sightings (id, posting_id, member_id, source_id, entry_key, sender, note,"
        " seen_at) VALUES (1, 1, 2, 1, 'e1', '', '', :now)",
        "INSERT INTO tags (id, posting_id, subgroup_id, role, score, why, generation, current)"
        " VALUES (1, 1, 1, 'marketing manager', 0.9, '[]', 1, true)",
        "INSERT INTO deliveries (id, member_id, period, status, message_id, posting_ids,"
        " attempts, last_error, created_at) VALUES (1, 1, '2026-W48', 'sent', '<m@x>', '[1]',"
        " 1, '', :now)",
    ):
        conn.execute(text(sql), {"now": now})
    if conn.dialect.name == "postgresql":  # the explicit ids above: the sequences move past them
        conn.execute(text("SELECT setval('members_id_seq', 10)"))


def test_a_one_group_database_moves_into_group_1_without_loss(request, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """An installation from before groups (revision 0010, rows in every kind of table) upgrades
    into group 1 'main': every row is still there, belongs to group 1, and is seen by the
    group's sessions; a second group starts empty and may reuse the same address."""
    from alembic import command
    from sqlalchemy import func, select

    from digest.store.db import alembic_config, make_engine, upgrade
    from digest.store.groups import add_group
    from digest.store.models import Delivery, Member, PastEmployer, Posting, Sighting, Tag

    urls = [f"sqlite:///{tmp_path / 'old.db'}"]
    server = request.getfixturevalue("postgres")
    server.drop_database("old_one_group")
    urls.append(server.create_database("old_one_group"))
    for url in urls:
        engine = make_engine(url)
        with engine.begin() as conn:
            cfg = alembic_config(url)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0010")
            _populate_one_group(conn)
        assert upgrade(engine) is True
        engine.dispose()
        assert _differences(url) == []
        db = Database(url)
        with db.site().session() as session:
            models = (Member, PastEmployer, Posting, Sighting, Tag, Delivery)
            for model in models:
                groups = session.execute(
                    select(model.group_id, func.count()).group_by(model.group_id)
                )
                assert dict(groups.all()) == {1: 2 if model is Member else 1}, model
            add_group(session, "second")
        main, second = db.for_group("main"), db.for_group("second")
        with main.session() as session:
            member = session.scalar(select(Member).where(Member.email == "bob@example.org"))
            assert member and [e.name for e in member.employers] == ["Sabre"]
            assert [s.name for s in member.subgroups] == ["Marketing"]
        with second.session() as session:
            assert session.scalars(select(Member)).all() == []
            session.add(Member(email="bob@example.org"))
        db.dispose()
    server.drop_database("old_one_group")
