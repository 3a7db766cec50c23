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
