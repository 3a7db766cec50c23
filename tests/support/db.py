"""Databases at the newest schema for tests: commands no longer migrate, so tests do.

A SQLite database is a copy of a template migrated once per test process (copying a file is
far faster than running every migration); any other URL is upgraded in place."""

from __future__ import annotations

import shutil
import tempfile
from functools import cache
from pathlib import Path

from digest.store.db import Database, make_engine, upgrade


@cache
def _sqlite_template() -> Path:
    path = Path(tempfile.mkdtemp(prefix="jobdigest-template-")) / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # the last connection checkpoints the WAL into the file
    return path


def migrated(url: str) -> str:
    """`url`, its database brought to the newest schema (a new SQLite file is a template copy)."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(_sqlite_template(), path)
            return url
    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    return url


def migrated_db(url: str) -> Database:
    """A Database at the newest schema (see `migrated`)."""
    return Database(migrated(url))
