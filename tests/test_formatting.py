"""Times, weeks, counts and names as people read them: one helper for pages, digests and the CLI."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from jinja2 import Environment

from digest.formatting import (
    install_filters,
    join_names,
    noun,
    on_day,
    place,
    plural,
    subgroups_label,
    week_of,
    when,
)

CHICAGO = ZoneInfo("America/Chicago")


def test_times_are_shown_in_the_groups_zone_with_its_abbreviation() -> None:
    # Stored times are naive UTC: 13:00 UTC is 07:00 in Chicago in winter, 08:00 in summer.
    assert when(datetime(2026, 12, 2, 13, 0), CHICAGO) == "2026-12-02 07:00 CST"
    assert when(datetime(2026, 7, 1, 13, 0), CHICAGO) == "2026-07-01 08:00 CDT"
    assert when(datetime(2026, 12, 2, 13, 0, tzinfo=UTC), CHICAGO) == "2026-12-02 07:00 CST"
    assert when(datetime(2026, 12, 2, 13, 0), ZoneInfo("UTC")) == "2026-12-02 13:00 UTC"
    assert when(None, CHICAGO) == "" and when(None, CHICAGO, "never") == "never"
    # Just after midnight UTC is still the evening before in Chicago.
    assert on_day(datetime(2026, 12, 2, 3, 0), CHICAGO) == "2026-12-01"
    assert on_day(date(2026, 12, 2), CHICAGO) == "2026-12-02"


def test_iso_weeks_read_as_the_week_of_their_monday() -> None:
    assert week_of("2026-W49") == "week of Nov 30"
    assert week_of("2026-W48") == "week of Nov 23"
    assert week_of("2027-W01") == "week of Jan 4"
    assert week_of("2026-W53", year=True) == "week of Dec 28, 2026"
    assert week_of("not a week") == "not a week"  # shown as it is, never hidden
    assert week_of("2025-W53") == "2025-W53"  # 2025 has 52 weeks


@pytest.mark.parametrize(
    ("count", "word", "text"),
    [
        (1, "lead", "1 lead"),
        (2, "lead", "2 leads"),
        (0, "lead", "0 leads"),
        (1, "tag", "1 tag"),
        (3, "sub-group", "3 sub-groups"),
        (2, "match", "2 matches"),
        (2, "company", "2 companies"),
        (2, "day", "2 days"),
        (2, "person", "2 people"),
    ],
)
def test_counts_take_the_right_plural(count: int, word: str, text: str) -> None:
    assert plural(count, word) == text


def test_names_and_places_read_like_a_sentence() -> None:
    assert join_names([]) == "" and join_names(["Dan Whitaker"]) == "Dan Whitaker"
    assert join_names(["Dan Whitaker", "Sarah Kim"]) == "Dan Whitaker and Sarah Kim"
    assert join_names(["A", "B", "C"]) == "A, B and C"
    assert subgroups_label(["Human Resources"]) == "Human Resources sub-group"
    assert subgroups_label(["HR", "Marketing"]) == "HR and Marketing sub-groups"
    assert place("Remote", True) == "Remote"  # not "Remote · Remote"
    assert place("Remote (US)", True) == "Remote (US)"
    assert place("Dallas, TX", True) == "Dallas, TX · Remote"
    assert place("", True) == "Remote" and place("Plano, TX", False) == "Plano, TX"
    assert noun(1, "member", "members") == "member"


def test_the_same_helpers_are_jinja_filters() -> None:
    env = Environment(autoescape=True)
    install_filters(env, CHICAGO)
    page = env.from_string(
        "{{ t|when }} | {{ none|when('never') }} | {{ p|week_of }} | {{ n|plural('lead') }}"
    )
    assert page.render(t=datetime(2026, 12, 2, 13, 0), none=None, p="2026-W49", n=1) == (
        "2026-12-02 07:00 CST | never | week of Nov 30 | 1 lead"
    )
