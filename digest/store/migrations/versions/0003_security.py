"""security: confirmed aliases, server-side sessions, shared rate limits, pending corrections

Aliases added before this revision were never confirmed by their address's owner, so they start
unconfirmed: they stop crediting mail (it is held for review, never dropped) until the member
saves their preferences and the owner of the address uses the confirmation link.

Revision ID: 0003
Revises: 0001
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("member_aliases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("confirmed_at", sa.DateTime(), nullable=True))

    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_sessions_member_id"), ["member_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_web_sessions_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "web_rate_hits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("web_rate_hits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_rate_hits_at"), ["at"], unique=False)
        batch_op.create_index("ix_web_rate_hits_key_at", ["key", "at"], unique=False)

    op.create_table(
        "pending_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("posting_id", sa.Integer(), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("company", sa.String(length=300), nullable=False),
        sa.Column("subgroup_ids", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["posting_id"], ["postings.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["proposed_by_id"], ["members.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["decided_by_id"], ["members.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("pending_corrections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pending_corrections_posting_id"), ["posting_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_pending_corrections_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pending_corrections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pending_corrections_status"))
        batch_op.drop_index(batch_op.f("ix_pending_corrections_posting_id"))
    op.drop_table("pending_corrections")
    with op.batch_alter_table("web_rate_hits", schema=None) as batch_op:
        batch_op.drop_index("ix_web_rate_hits_key_at")
        batch_op.drop_index(batch_op.f("ix_web_rate_hits_at"))
    op.drop_table("web_rate_hits")
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_sessions_expires_at"))
        batch_op.drop_index(batch_op.f("ix_web_sessions_member_id"))
    op.drop_table("web_sessions")
    with op.batch_alter_table("member_aliases", schema=None) as batch_op:
        batch_op.drop_column("confirmed_at")
