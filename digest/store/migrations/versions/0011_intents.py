"""intents: wakes, the durable web outbox, sends per period, who asked to reprocess a mail

Web requests no longer run pipeline work: they record what they want (a wake for a job, a mail
set back to new with who asked) and a worker does it. Mail the web app sends (sign-in links,
alias confirmations, intro requests) waits in `outbox` until a drainer sends it, so a web
process that dies loses none. `sends` records each period's digest run, so two runners (or one
restarted) agree on whether this period's digests went out.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wakes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("taken_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("wakes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_wakes_taken_at"), ["taken_at"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("to", sa.String(length=320), nullable=False),
        sa.Column("message", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("on_sent", sa.String(length=60), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_sent_at"), ["sent_at"])
    op.create_table(
        "sends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("period", name="uq_send_period"),
    )
    with op.batch_alter_table("raw_messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reprocess_by", sa.String(length=320), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("reprocess_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("raw_messages", schema=None) as batch_op:
        batch_op.drop_column("reprocess_at")
        batch_op.drop_column("reprocess_by")
    op.drop_table("sends")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_sent_at"))
    op.drop_table("outbox")
    with op.batch_alter_table("wakes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wakes_taken_at"))
    op.drop_table("wakes")
