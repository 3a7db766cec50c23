"""groups: many job networking groups on one installation

A `groups` table, and a `group_id` on every table that holds one group's data. An existing
one-group database moves into group 1 (slug "main") without loss: the row is inserted first
and every existing row is backfilled with group_id = 1. Unique keys that were global become
per group (a member's address, a sub-group's name, a source's URL, a posting's canonical URL,
an alias, a recruiter, a period's send), so the same person or job may appear in two groups. Site admins
(operators of every group) are a site-wide table.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

#: every table holding one group's data (the association tables follow their two rows)
SCOPED = (
    "members",
    "past_employers",
    "member_targets",
    "member_aliases",
    "subgroups",
    "roles",
    "sources",
    "raw_messages",
    "replies",
    "postings",
    "sightings",
    "intended_recipients",
    "recruiters",
    "tags",
    "subgroup_exclusions",
    "deliveries",
    "feedback",
    "web_signin_tokens",
    "web_sessions",
    "pending_corrections",
    "intro_requests",
    "landings",
    "wakes",
    "outbox",
    "sends",
)

#: unique keys that become per group: table, column, the new constraint's name
PER_GROUP = (
    ("members", "email", "uq_members_group_email"),
    ("member_aliases", "address", "uq_member_aliases_group_address"),
    ("subgroups", "name", "uq_subgroups_group_name"),
    ("sources", "key", "uq_sources_group_key"),
    ("postings", "canonical_url", "uq_postings_group_canonical_url"),
    ("recruiters", "address", "uq_recruiters_group_address"),
    ("sends", "period", "uq_sends_group_period"),
)

#: the names SQLite's reflection gives the old unnamed unique constraints (batch mode)
SQLITE_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _old_unique(table: str, column: str) -> str:
    """The old global unique constraint's name: PostgreSQL's default, or SQLITE_NAMES'."""
    if table == "sends":  # named by its revision (0011)
        return "uq_send_period"
    if op.get_bind().dialect.name == "postgresql":
        return f"{table}_{column}_key"
    return f"uq_{table}_{column}"


def upgrade() -> None:
    groups = op.create_table(
        "groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("timezone", sa.String(length=60), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
    )
    op.bulk_insert(
        groups,
        [
            {
                "id": 1,
                "slug": "main",
                "name": "",
                "timezone": "UTC",
                "created_at": datetime.now(UTC).replace(tzinfo=None),
            }
        ],
    )
    if op.get_bind().dialect.name == "postgresql":  # the explicit id 1 must not be handed out again
        op.execute("SELECT setval('groups_id_seq', (SELECT max(id) FROM groups))")
    op.create_table(
        "site_admins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    unique = {table: (column, name) for table, column, name in PER_GROUP}
    for table in SCOPED:
        with op.batch_alter_table(table, naming_convention=SQLITE_NAMES) as batch:
            batch.add_column(
                sa.Column("group_id", sa.Integer(), nullable=False, server_default="1")
            )
            batch.create_foreign_key(
                f"fk_{table}_group_id", "groups", ["group_id"], ["id"], ondelete="CASCADE"
            )
            batch.create_index(f"ix_{table}_group_id", ["group_id"], unique=False)
            if table in unique:
                column, name = unique[table]
                batch.drop_constraint(_old_unique(table, column), type_="unique")
                batch.create_unique_constraint(name, ["group_id", column])
        with op.batch_alter_table(table) as batch:  # no default: a row must name its group
            batch.alter_column("group_id", existing_type=sa.Integer(), server_default=None)


def downgrade() -> None:
    for table in reversed(SCOPED):
        with op.batch_alter_table(table) as batch:
            for t, column, name in PER_GROUP:
                if t == table:
                    batch.drop_constraint(name, type_="unique")
                    old = "uq_send_period" if table == "sends" else f"uq_{table}_{column}"
                    batch.create_unique_constraint(old, [column])
            batch.drop_index(f"ix_{table}_group_id")
            batch.drop_constraint(f"fk_{table}_group_id", type_="foreignkey")
            batch.drop_column("group_id")
    op.drop_table("site_admins")
    op.drop_table("groups")
