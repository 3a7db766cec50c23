"""Automatic scoping of sessions to one group, so no query can cross groups.

A session bound to a group (`bind`, done by `Database.session()` and `Database.sessions` of a
Database for one group) sees only its group's rows and writes only into its group:

- every ORM SELECT, UPDATE and DELETE gets `with_loader_criteria(GroupScoped, group_id == g)`,
  which also reaches joined, lazy and eager loads of related rows;
- Core statements on a scoped table (the record and tag paths insert and update by table for
  speed) get the same condition: an UPDATE or DELETE gains `WHERE group_id = g`, an INSERT gets
  `group_id = g` on every row, a SELECT gains the condition for each scoped table it reads from;
- `before_flush` stamps new objects with the group and refuses one of another group;
- what cannot be scoped (a UNION, raw SQL text) is refused in a group's session.

A session with no group (`Database.site()`: the groups table, locks, migrations) is not
filtered; a scoped row written there must name its group itself, or the database refuses it
(group_id is NOT NULL without a default).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, event
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.sql import CompoundSelect, Delete, Insert, Select, TextClause, Update
from sqlalchemy.sql.selectable import Join

from digest.store.models import GroupScoped

#: the Session.info key holding the bound group's id
GROUP_KEY = "group_id"


class CrossGroupError(RuntimeError):
    """A row of one group was about to be written through a session of another: a bug."""


def bind(session: Session, group_id: int | None) -> Session:
    """Bind the session to a group (None: site-wide, unfiltered)."""
    session.info[GROUP_KEY] = group_id
    return session


def group_of(session: Session) -> int | None:
    """The group the session is bound to, or None for a site-wide session."""
    return session.info.get(GROUP_KEY)


def _scoped_tables(clause: Any) -> list[Table]:
    """The scoped tables a FROM clause reads (through joins)."""
    if isinstance(clause, Join):
        return _scoped_tables(clause.left) + _scoped_tables(clause.right)
    if isinstance(clause, Table) and "group_id" in clause.c:
        return [clause]
    return []


def _scope_insert(state: ORMExecuteState, statement: Insert, group_id: int) -> None:
    """Every inserted row carries the group; a row naming another group is refused."""
    params = state.parameters
    rows = params if isinstance(params, list) else [params] if params else []
    for row in rows:
        if row.get("group_id", group_id) != group_id:
            raise CrossGroupError(f"a row of group {row['group_id']} inserted into {group_id}")
    if rows:
        fixed = [{**row, "group_id": group_id} for row in rows]
        state.parameters = fixed if isinstance(params, list) else fixed[0]
    else:
        state.statement = statement.values(group_id=group_id)


def _on_execute(state: ORMExecuteState) -> None:
    group_id = group_of(state.session)
    if group_id is None:
        return
    statement = state.statement
    if isinstance(statement, Insert):
        if isinstance(statement.table, Table) and "group_id" in statement.table.c:
            _scope_insert(state, statement, group_id)
        return
    if isinstance(statement, Update | Delete):
        table = statement.table
        if "group_id" in table.c:
            state.statement = statement.where(table.c.group_id == group_id)
        return
    if isinstance(statement, CompoundSelect | TextClause):
        raise CrossGroupError(
            f"{type(statement).__name__} in a session of group {group_id}: it cannot be scoped; "
            "select each part (or use a site session for site-wide SQL)"
        )
    if not isinstance(statement, Select):
        return
    if state.is_orm_statement:
        state.statement = statement.options(
            with_loader_criteria(
                GroupScoped, lambda cls: cls.group_id == group_id, include_aliases=True
            )
        )
        return
    for table in {t for f in statement.get_final_froms() for t in _scoped_tables(f)}:
        statement = statement.where(table.c.group_id == group_id)
    state.statement = statement


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    group_id = group_of(session)
    if group_id is None:
        return
    for obj in session.new:
        if not isinstance(obj, GroupScoped):
            continue
        if obj.group_id is None:
            obj.group_id = group_id
        elif obj.group_id != group_id:
            raise CrossGroupError(
                f"{type(obj).__name__} of group {obj.group_id} added to a session of group {group_id}"
            )


event.listen(Session, "do_orm_execute", _on_execute)
event.listen(Session, "before_flush", _before_flush)
