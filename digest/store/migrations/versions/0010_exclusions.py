"""sub-group exclusions ("not for my sub-group")

A sub-group's lead takes a posting out of their sub-group alone: tagging remembers it, so no
re-tag gives the posting that sub-group's tag again until the lead puts it back.

Revision ID: 0010
Revises: 0007
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subgroup_exclusions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subgroup_id", sa.Integer(), nullable=False),
        sa.Column("posting_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["subgroup_id"], ["subgroups.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["posting_id"], ["postings.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("subgroup_id", "posting_id", name="uq_subgroup_exclusion"),
    )
    with op.batch_alter_table("subgroup_exclusions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subgroup_exclusions_posting_id"), ["posting_id"])


def downgrade() -> None:
    with op.batch_alter_table("subgroup_exclusions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subgroup_exclusions_posting_id"))
    op.drop_table("subgroup_exclusions")
