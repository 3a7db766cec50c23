"""The web app's own table: sign-in links already used, so each magic link works once.

Lives on the shared `digest.models.Base`; a migration for it belongs in digest/migrations (until
then `ensure_tables` creates it on start-up).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from digest.db import Database
from digest.models import Base


class UsedSignInToken(Base):
    """A consumed sign-in link, keyed by the random id signed into it."""

    __tablename__ = "web_signin_tokens"
    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    used_at: Mapped[datetime] = mapped_column(DateTime, default=datetime.utcnow, index=True)


def ensure_tables(db: Database) -> None:
    """Create the table if no migration has yet (checkfirst makes it a no-op afterwards)."""
    UsedSignInToken.__table__.create(db.engine, checkfirst=True)  # type: ignore[attr-defined]
