"""What every command shares: config and database opened on first use, one-line errors, tables."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from sqlalchemy.exc import DatabaseError, OperationalError

from digest.config import DEFAULT_CONFIG, Config, group_slugs, load_config
from digest.errors import ServiceError, UserError, decode_utf8, os_problem
from digest.formatting import when
from digest.store.db import Database
from digest.store.groups import group_database

F = TypeVar("F", bound=Callable[..., Any])


err = Console(stderr=True, soft_wrap=True)


out = Console(soft_wrap=True)


class State:
    """Config and database opened on first use, so `--help` and `parse` need neither.

    A State serves one group: `--group SLUG` (or $JOBDIGEST_GROUP), else the only group the
    config names; `for_group` gives the State of another group sharing the database engine."""

    def __init__(self, config_path: str | None, group: str | None = None) -> None:
        self.config_path = config_path
        self.group_slug = group
        self._cfg: Config | None = None
        self._db: Database | None = None
        self._site: Database | None = None
        self._slugs: list[str] | None = None

    def slugs(self) -> list[str]:
        """Every group the config names, jobdigest.toml's own first (read once per command)."""
        if self._slugs is None:
            self._slugs = group_slugs(self.config_path)
        return self._slugs

    @property
    def slug(self) -> str:
        """The group this State acts on: the one named, else the only one."""
        slugs = self.slugs()
        if self.group_slug is None:
            if len(slugs) > 1:
                raise UserError(
                    f"several groups ({', '.join(slugs)}): name one with --group SLUG "
                    "(or $JOBDIGEST_GROUP)"
                )
            return slugs[0]
        if self.group_slug not in slugs:
            raise UserError(f"unknown group {self.group_slug!r} (groups: {', '.join(slugs)})")
        return self.group_slug

    @property
    def cfg(self) -> Config:
        if self._cfg is None:
            slug = self.slug
            self._cfg = load_config(self.config_path, None if slug == self.slugs()[0] else slug)
        return self._cfg

    def cfg_if_any(self) -> Config | None:
        """The config when one was named or ./jobdigest.toml exists; pure tools work without."""
        if self.config_path or Path(DEFAULT_CONFIG).exists():
            return self.cfg
        return None

    @property
    def site_cfg(self) -> Config:
        """jobdigest.toml's own config: the site-wide sections (and its own group's)."""
        return load_config(self.config_path)

    @property
    def site_db(self) -> Database:
        """The installation's database, unscoped: the groups table and site-wide work."""
        if self._site is None:
            site_cfg = self.site_cfg
            try:
                self._site = Database.open(site_cfg.database_url()).site()
            except Exception as exc:
                if isinstance(exc, UserError | ServiceError):
                    raise
                reason = database_problem(exc)
                raise ServiceError(
                    f"database {site_cfg.database.url}: cannot open it: {reason} "
                    "(check database.url, and that its folder exists and is writable)"
                ) from None
        return self._site

    @property
    def db(self) -> Database:
        """The database bound to this State's group (its row made to match the config)."""
        if self._db is None:
            cfg = self.cfg
            self._db = group_database(self.site_db, cfg, main=cfg.group.slug == self.slugs()[0])
        return self._db

    def for_group(self, slug: str) -> State:
        """The State of another group of the same installation (one engine for all)."""
        other = State(self.config_path, slug)
        other._site = self._site
        return other


pass_state = click.make_pass_decorator(State)


def database_problem(exc: BaseException) -> str:
    """The driver's own words ('unable to open database file'), without SQLAlchemy's wrapping."""
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def friendly(fn: F) -> F:
    """User mistakes and server failures become one line on stderr and an exit code, never a traceback."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (UserError, ServiceError) as exc:
            err.print(
                f"[bold red]Error:[/] {escape(str(exc))}",
                highlight=False,
                markup=True,
                soft_wrap=True,
            )
            sys.exit(exc.exit_code)
        except (OperationalError, DatabaseError) as exc:
            err.print(
                f"[bold red]Error:[/] database: {database_problem(exc)} "
                "(check database.url, that the database runs and its folder is writable)",
                highlight=False,
                markup=True,
                soft_wrap=True,
            )
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def _read(path: Path) -> str:
    """A UTF-8 text file given on the command line; a problem is one line saying what to do."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UserError(f"{path}: cannot read: {os_problem(exc)}") from None
    return decode_utf8(data, str(path))


def _write(file: str, text: str) -> None:
    if file == "-":
        click.echo(text, nl=False)
        return
    try:
        Path(file).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ServiceError(f"{file}: cannot write: {os_problem(exc)}") from None


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "nothing new"


def _describe(result: Any) -> str:
    """A job's result as a person reads it: 'fetched=3, moved=3', not a dataclass repr."""
    if isinstance(result, list):
        return "; ".join(_describe(r) for r in result) or "nothing due"
    if dataclasses.is_dataclass(result):
        parts = []
        for f in dataclasses.fields(result):
            value = getattr(result, f.name)
            if value in ("", None):
                continue
            if isinstance(value, dict):
                value = _counts(value)
            elif isinstance(value, list):
                value = len(value)
            parts.append(f"{f.name.replace('_', ' ')} {value}")
        return ", ".join(parts)
    return str(result)


def _when(moment: Any, tz: ZoneInfo | None = None) -> str:
    """A stored (naive UTC) time in the group's zone with its abbreviation: '2026-12-02 07:00 CST'."""
    return when(moment, tz or ZoneInfo("UTC")) if moment else ""


def _show_rows(title: str, columns: list[str], rows: list[list[Any]]) -> None:
    """A table on a terminal; tab-separated lines (header first) when piped, for grep and cut."""
    if not out.is_terminal:
        click.echo("\t".join(columns))
        for r in rows:
            click.echo("\t".join(str(v) for v in r))
        return
    table = Table(title=title)
    for c in columns:
        table.add_column(c)
    for r in rows:
        table.add_row(*(str(v) for v in r))
    out.print(table)
