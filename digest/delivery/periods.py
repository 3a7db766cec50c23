"""Digest periods: ISO weeks in the group's time zone ("2026-W48"), and the weekly digest time
in that zone, correct across daylight-saving changes.

Times are built from the local calendar date and wall-clock time, then compared in UTC: adding
7 days of wall time (not 168 hours) keeps 07:00 at 07:00 when the offset changes.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
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


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def local_time(day: datetime, hh: int, mm: int, tz: ZoneInfo) -> datetime:
    """Wall-clock time on a local date, normalized. A time skipped by spring-forward (02:30)
    resolves with the offset before the change, i.e. fires at 03:30 local; a time repeated by
    fall-back (01:30) fires at its first occurrence only. One run per week either way."""
    naive = datetime(day.year, day.month, day.day, hh, mm, tzinfo=tz, fold=0)
    return naive.astimezone(UTC).astimezone(tz)


def _parse(day: str, time: str) -> tuple[int, int, int]:
    hh, mm = (int(x) for x in time.split(":"))
    return WEEKDAYS.index(day.lower()), hh, mm


def occurrences(
    day: str, time: str, tz: ZoneInfo, after: datetime, count: int = 1
) -> list[datetime]:
    """The next `count` weekly times strictly after `after` (aware; returned in `tz`)."""
    weekday, hh, mm = _parse(day, time)
    after_utc = after.astimezone(UTC)
    local = after_utc.astimezone(tz)
    probe = local.date() - timedelta(days=(local.weekday() - weekday) % 7)
    out: list[datetime] = []
    while len(out) < count:
        when = local_time(datetime(probe.year, probe.month, probe.day), hh, mm, tz)
        if when.astimezone(UTC) > after_utc:
            out.append(when)
        probe += timedelta(days=7)
    return out


def previous(day: str, time: str, tz: ZoneInfo, before: datetime) -> datetime:
    """The latest weekly time at or before `before`: what a worker that was down has missed."""
    before_utc = before.astimezone(UTC)
    candidates = occurrences(day, time, tz, before_utc - timedelta(days=8), count=2)
    return max(
        (t for t in candidates if t.astimezone(UTC) <= before_utc), key=lambda t: t.astimezone(UTC)
    )


def next_digest(day: str, time: str, tz: ZoneInfo, after: datetime) -> datetime:
    """The group's next digest time after `after` (aware, in the group's zone)."""
    return occurrences(day, time, tz, after)[0]
