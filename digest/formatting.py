"""How times, weeks, counts and lists of names read to a person, everywhere they are shown.

One module so the web pages, the digest and the command line say the same thing the same way:
times in the group's zone with its abbreviation ("2026-12-02 07:00 CST"), digest periods as
"week of Nov 30" rather than ISO week numbers, counts with the right plural ("1 lead",
"2 leads"), names joined as people write them ("Dan Whitaker and Sarah Kim").

The database keeps naive UTC datetimes (see digest.store.models); every function here takes
those, or aware ones, and never changes what is stored. `install_filters` makes the same
functions Jinja2 filters, so templates do not grow their own formatting.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

_PERIOD = re.compile(r"^(\d{4})-W(\d{2})$")
_IRREGULAR = {"person": "people", "was": "were", "is": "are", "has": "have", "this": "these"}


def local(moment: datetime, tz: ZoneInfo) -> datetime:
    """`moment` in the group's zone; a naive datetime is taken as UTC (how the database keeps it)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz)


def when(moment: datetime | None, tz: ZoneInfo, empty: str = "") -> str:
    """'2026-12-02 07:00 CST': date, time and the zone's abbreviation; `empty` for no time."""
    if moment is None:
        return empty
    shown = local(moment, tz)
    return f"{shown:%Y-%m-%d %H:%M} {shown.tzname() or tz.key}"


def on_day(moment: datetime | date | None, tz: ZoneInfo, empty: str = "") -> str:
    """'2026-12-02', the day it was in the group's zone (a date is shown as it is)."""
    if moment is None:
        return empty
    if not isinstance(moment, datetime):
        return moment.isoformat()
    return f"{local(moment, tz):%Y-%m-%d}"


@lru_cache(maxsize=256)
def week_of(period: str, year: bool = False) -> str:
    """'2026-W49' -> 'week of Nov 30' (its Monday); with `year`, 'week of Nov 30, 2026'.

    Anything that is not an ISO week is returned as it is, so a bad value is still visible."""
    match = _PERIOD.match(period or "")
    if not match:
        return period
    try:
        monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        return period
    text = f"week of {monday:%b} {monday.day}"
    return f"{text}, {monday.year}" if year else text


def plural(count: int, word: str, many: str | None = None) -> str:
    """'1 lead', '2 leads', '0 leads'; `many` for words that do not just take an s."""
    return f"{count} {noun(count, word, many)}"


def noun(count: int, word: str, many: str | None = None) -> str:
    """The word alone in the form `count` needs: noun(2, 'posting') -> 'postings'."""
    if count == 1:
        return word
    if many is not None:
        return many
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and word[-2:-1] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


def join_names(names: Sequence[str] | Iterable[str]) -> str:
    """'A', 'A and B', 'A, B and C': a list as a sentence writes it."""
    items = [n for n in names if n]
    if len(items) <= 2:
        return " and ".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def subgroups_label(names: Sequence[str]) -> str:
    """'Human Resources sub-group', 'Human Resources and Marketing sub-groups'; '' for none."""
    if not names:
        return ""
    return f"{join_names(names)} {noun(len(names), 'sub-group')}"


def place_parts(location: str, remote: bool) -> list[str]:
    """['Dallas, TX', 'Remote']: the remote flag is not repeated when the location already says
    so ('Remote', 'Remote - US'), which is how "Remote · remote" got into digests."""
    location = (location or "").strip()
    parts = [location] if location else []
    if remote and "remote" not in location.casefold():
        parts.append("Remote")
    return parts


def place(location: str, remote: bool) -> str:
    """'Dallas, TX · Remote', 'Remote', 'Dallas, TX' or ''."""
    return " · ".join(place_parts(location, remote))


def install_filters(env: Any, tz: ZoneInfo | Callable[[], ZoneInfo] | None = None) -> None:
    """Register these helpers as Jinja2 filters on `env` (a jinja2.Environment).

    The time filters need the group's zone (or a function giving it: the web app serves many
    groups); without `tz` they show UTC, labelled as such."""
    zone = tz or ZoneInfo("UTC")
    if callable(zone) and not isinstance(zone, ZoneInfo):  # the zone of the request's group
        env.filters["when"] = lambda moment, empty="": when(moment, zone(), empty)
        env.filters["on_day"] = lambda moment, empty="": on_day(moment, zone(), empty)
    else:
        env.filters["when"] = lambda moment, empty="": when(moment, zone, empty)
        env.filters["on_day"] = lambda moment, empty="": on_day(moment, zone, empty)
    env.filters["week_of"] = week_of
    env.filters["plural"] = plural
    env.filters["noun"] = noun
    env.filters["join_names"] = join_names
    env.filters["place"] = place
