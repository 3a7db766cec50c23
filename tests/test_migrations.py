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
