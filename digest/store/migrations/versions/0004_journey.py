"""sub-groups remember leads named before they were members

Revision ID: 0004
Revises: 0001
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("subgroups", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("pending_leads", sa.JSON(), nullable=False, server_default="[]")
        )


def downgrade() -> None:
    with op.batch_alter_table("subgroups", schema=None) as batch_op:
        batch_op.drop_column("pending_leads")
