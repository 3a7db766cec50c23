"""members' pitches, leads meant for someone, recruiters

Members gain a pitch (their own words) and whether fellow members may see it. A sharer's note
that names a member is stored as an intended recipient of the posting (no member while the
name is ambiguous). Recruiters are senders whose mail is accepted without holding.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pitch", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column("pitch_public", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "intended_recipients",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("posting_id", sa.Integer(), nullable=False),
        sa.Column("sighting_id", sa.Integer(), nullable=True),
        sa.Column("sharer_id", sa.Integer(), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("named", sa.String(length=320), nullable=False),
        sa.Column("candidates", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["posting_id"], ["postings.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["sighting_id"], ["sightings.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["sharer_id"], ["members.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("intended_recipients", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_intended_recipients_posting_id"), ["posting_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_intended_recipients_sighting_id"), ["sighting_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_intended_recipients_member_id"), ["member_id"], unique=False
        )
    op.create_table(
        "recruiters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("agency", sa.String(length=200), nullable=False),
        sa.Column("specialties", sa.JSON(), nullable=False),
        sa.Column("added_by", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("address"),
    )


def downgrade() -> None:
    op.drop_table("recruiters")
    with op.batch_alter_table("intended_recipients", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_intended_recipients_member_id"))
        batch_op.drop_index(batch_op.f("ix_intended_recipients_sighting_id"))
        batch_op.drop_index(batch_op.f("ix_intended_recipients_posting_id"))
    op.drop_table("intended_recipients")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("pitch_public")
        batch_op.drop_column("pitch")
