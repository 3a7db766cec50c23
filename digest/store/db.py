"""The one seam where database connections are made; migrations run on first use; every
session is bound to one group (digest/store/scope.py) unless asked for site-wide."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from digest.store.scope import GROUP_KEY

MIGRATIONS = Path(__file__).parent / "migrations"
_SITE = "\0site"  # the key of the site-wide sibling among a Database's cached ones
MIGRATION_LOCK = 0x6A646D67  # "jdmg": the PostgreSQL advisory lock held while migrating


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine) -> bool:
    """Bring the schema to the newest migration; True if anything was applied."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:  # batch mode recreates tables: a DROP must not cascade into their children
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()
        try:
            with conn.begin():
                if not sqlite:  # two processes upgrading at once: one waits
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK})
                current = MigrationContext.configure(conn).get_current_revision()
                if current == head:
                    return False
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()
    return True


class Database:
    """An engine plus a session factory, migrated on first use, bound to one group.

    `Database(url)` serves the installation's only group (a second group makes it ask for one:
    `--group SLUG`); `Database(url, group="north")` or `db.for_group(...)` (sharing the engine)
    serves one group; `db.site()` the site-wide tables (groups, locks), unfiltered."""

    def __init__(self, url: str, migrate: bool = True, group: str | int | None = None) -> None:
        self.url = url
        self.engine = make_engine(url)
        if migrate:
            upgrade(self.engine)
        self.group = group
        self._group_id: int | None = None
        self._bound: sessionmaker[Session] | None = None
        self._site = False
        self._groups: dict[str | int, Database] = {}
        self._factory = sessionmaker(self.engine, expire_on_commit=False)

    def for_group(self, group: str | int) -> Database:
        """The same engine, bound to another group (cached: one Database per group)."""
        return self._sibling(group, site=False)

    def site(self) -> Database:
        """The same engine for site-wide work: sessions that no group filters."""
        return self._sibling(_SITE, site=True)

    def _sibling(self, key: str | int, site: bool) -> Database:
        """A Database sharing this one's engine and cache of siblings, for one group or the site."""
        if key not in self._groups:
            other = object.__new__(Database)
            other.__dict__.update(self.__dict__)
            other.group = None if site else key
            other._group_id, other._bound, other._site = None, None, site
            self._groups[key] = other
        return self._groups[key]

    @property
    def group_id(self) -> int:
        """The id of the group this Database serves (looked up once)."""
        if self._group_id is None:
            from digest.store.groups import resolve_group

            with self.engine.connect() as conn:
                self._group_id = resolve_group(conn, self.group)
        return self._group_id

    @property
    def sessions(self) -> sessionmaker[Session]:
        """The session factory, its sessions bound to this Database's group."""
        if self._site:
            return self._factory
        if self._bound is None:
            self._bound = sessionmaker(
                self.engine, expire_on_commit=False, info={GROUP_KEY: self.group_id}
            )
        return self._bound

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed on success, rolled back on any error."""
        with self.sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def dispose(self) -> None:
        self.engine.dispose()
