"""The weekly digest time in the group's zone, correct across daylight-saving changes."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _local(day: datetime, hh: int, mm: int, tz: ZoneInfo) -> datetime:
    """Wall-clock time on a local date. zoneinfo resolves a time skipped by DST with the offset
    before the change (so 02:30 on a spring-forward night fires at 03:30) and a repeated time
    at its first occurrence: one run either way."""
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=tz)


def occurrences(day: str, time: str, tz: ZoneInfo, after: datetime, count: int = 1) -> list[datetime]:
    """The next `count` weekly times strictly after `after` (aware, in `tz`)."""
    hh, mm = (int(x) for x in time.split(":"))
    weekday = WEEKDAYS.index(day.lower())
    local = after.astimezone(tz)
    start = local - timedelta(days=(local.weekday() - weekday) % 7)
    out: list[datetime] = []
    probe = start
    while len(out) < count:
        when = _local(probe, hh, mm, tz)
        if when > after:
            out.append(when)
        probe = probe + timedelta(days=7)
    return out


def previous(day: str, time: str, tz: ZoneInfo, before: datetime) -> datetime:
    """The latest weekly time at or before `before`: what a worker that was down has missed."""
    nxt = occurrences(day, time, tz, before - timedelta(days=8), count=2)
    return max(t for t in nxt if t <= before) if any(t <= before for t in nxt) else nxt[0]
