"""The worker's side of a web request: web requests only record intents and wake a worker."""

from __future__ import annotations

from flask import Flask

from digest.config import Config
from digest.store.db import Database


def run_woken(db: Database, cfg: Config) -> list[str]:
    """What `jobdigest run` does within seconds of a wake: the jobs web requests asked for.
    Returns their names (a test checks the request asked for what it should)."""
    from digest.store.wakes import take_wakes
    from schedules.jobs import CATALOGUE

    jobs = take_wakes(db)
    for name in jobs:
        CATALOGUE[name].run(db, cfg)
    return jobs


def background(app: Flask) -> list[str]:
    """run_woken for the web app's database and config."""
    state = app.extensions["jobdigest"]
    return run_woken(state.db, state.cfg)
