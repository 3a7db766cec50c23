"""CHECK constraints on the status and kind columns (the StrEnums of digest/store/statuses.py).

The value lists are written out here, as they were when this revision was made: a later change
to an enum comes with a revision of its own.

Revision ID: 0009
Revises: 0006
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0006"
branch_labels = None
depends_on = None

CHECKS = (
    (
        "members",
        "ck_members_status",
        "status IN ('active', 'paused', 'bouncing', 'unsubscribed', 'removed')",
    ),
    (
        "raw_messages",
        "ck_raw_messages_status",
        "status IN ('new', 'processed', 'failed', 'held', 'bounce', 'auto-reply', 'duplicate', 'unsubscribe')",
    ),
    (
        "postings",
        "ck_postings_status",
        "status IN ('active', 'hidden', 'filled', 'expired', 'merged')",
    ),
    (
        "deliveries",
        "ck_deliveries_status",
        "status IN ('pending', 'sending', 'sent', 'failed', 'bounced', 'skipped')",
    ),
    (
        "feedback",
        "ck_feedback_kind",
        "kind IN ('not_relevant', 'applied', 'interviewing', 'hired', 'dead_link')",
    ),
    (
        "sources",
        "ck_sources_kind",
        "kind IN ('imap', 'import', 'feed', 'greenhouse', 'lever', 'workday', 'ashby', 'smartrecruiters', 'workable', 'recruitee', 'personio')",
    ),
)


def upgrade() -> None:
    for table, name, condition in CHECKS:
        with op.batch_alter_table(table) as batch:
            batch.create_check_constraint(name, condition)


def downgrade() -> None:
    for table, name, _condition in CHECKS:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(name, type_="check")
