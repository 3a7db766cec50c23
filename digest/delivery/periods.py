"""Digest periods: ISO weeks in the group's time zone ("2026-W48")."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from digest.errors import UserError

_PERIOD = re.compile(r"^(\d{4})-W(\d{2})$")


def period_of(moment: datetime, tz: ZoneInfo) -> str:
    year, week, _ = moment.astimezone(tz).isocalendar()
    return f"{year}-W{week:02d}"


def period_start(period: str, tz: ZoneInfo) -> datetime:
    """Monday 00:00 of the period's week, in the group's zone (aware)."""
    match = _PERIOD.match(period)
    if not match:
        raise UserError(f"--period: expected an ISO week like 2026-W48, got {period!r}")
    try:
        monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise UserError(f"--period: no such week: {period!r}") from None
    return datetime(monday.year, monday.month, monday.day, tzinfo=tz)


def window(period: str, tz: ZoneInfo, days: int = 7) -> tuple[datetime, datetime]:
    """The naive-UTC [start, end) of postings a period's digest covers: the `days` before its start
    plus the period itself up to now, so a digest sent on Monday morning has the past week."""
    start = period_start(period, tz)
    begin = (start - timedelta(days=days)).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
    end = (start + timedelta(days=7)).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
    return begin, end
