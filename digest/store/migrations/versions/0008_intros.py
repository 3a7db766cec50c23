"""warm intros and landings

Members choose whether they take introduction requests (`intro_opt_in`) and record a landing
(`landed_at`; `keep_helping` keeps their digest coming). A past employer can be the current one
(`current`, set by a landing). New tables: intro requests (asker, contact, posting, answer) and
landings (where, which role, may the group celebrate).

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("intro_opt_in", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("landed_at", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("keep_helping", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("past_employers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("current", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "intro_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asker_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("posting_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("mailed_at", sa.DateTime(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["asker_id"], ["members.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["contact_id"], ["members.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["posting_id"], ["postings.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("asker_id", "contact_id", "posting_id", name="uq_intro_request"),
    )
    with op.batch_alter_table("intro_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_intro_requests_asker_id"), ["asker_id"])
        batch_op.create_index(batch_op.f("ix_intro_requests_contact_id"), ["contact_id"])
        batch_op.create_index(batch_op.f("ix_intro_requests_created_at"), ["created_at"])
    op.create_table(
        "landings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("posting_id", sa.Integer(), nullable=True),
        sa.Column("company", sa.String(length=300), nullable=False),
        sa.Column("role", sa.String(length=300), nullable=False),
        sa.Column("celebrate", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["posting_id"], ["postings.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("landings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_landings_member_id"), ["member_id"])
        batch_op.create_index(batch_op.f("ix_landings_created_at"), ["created_at"])


def downgrade() -> None:
    with op.batch_alter_table("landings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_landings_created_at"))
        batch_op.drop_index(batch_op.f("ix_landings_member_id"))
    op.drop_table("landings")
    with op.batch_alter_table("intro_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intro_requests_created_at"))
        batch_op.drop_index(batch_op.f("ix_intro_requests_contact_id"))
        batch_op.drop_index(batch_op.f("ix_intro_requests_asker_id"))
    op.drop_table("intro_requests")
    with op.batch_alter_table("past_employers", schema=None) as batch_op:
        batch_op.drop_column("current")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("keep_helping")
        batch_op.drop_column("landed_at")
        batch_op.drop_column("intro_opt_in")
