"""watched career sites and members' target companies

Sources gain where they come from (`origin`: "config" for jobdigest.toml, "watch" for career
sites leads watch), the careers URL a watch was made from, the company's comparison key (so a
target company can be matched to a known careers site) and when a watch was removed (its
sightings keep crediting it). Members gain target companies, keyed like past employers.

Revision ID: 0006
Revises: 0001
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("origin", sa.String(length=20), nullable=False, server_default="config")
        )
        batch_op.add_column(sa.Column("careers_url", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column("company_key", sa.String(length=300), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("removed_at", sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_sources_company_key"), ["company_key"], unique=False)

    op.create_table(
        "member_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("company_key", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("member_targets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_member_targets_company_key"), ["company_key"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_member_targets_member_id"), ["member_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("member_targets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_targets_member_id"))
        batch_op.drop_index(batch_op.f("ix_member_targets_company_key"))
    op.drop_table("member_targets")
    with op.batch_alter_table("sources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sources_company_key"))
        batch_op.drop_column("removed_at")
        batch_op.drop_column("company_key")
        batch_op.drop_column("careers_url")
        batch_op.drop_column("origin")
