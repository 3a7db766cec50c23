"""Dates as alerts print them ("2 days ago", "21h", "Just posted") made absolute.

Pure: the reference moment (when the mail arrived) is passed in, never read from a clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from parsers.model import Posting

_RELATIVE = re.compile(
    r"^\s*(?:posted\s+)?(\d+)\+?\s*(m|min|mins|minutes?|h|hr|hrs|hours?|d|days?|w|wk|weeks?|mo|months?)\b(?:\s+ago)?",
    re.I,
)
_NOW = re.compile(r"^\s*(?:just posted|just now|today|new|active today)\b", re.I)
_YESTERDAY = re.compile(r"^\s*yesterday\b", re.I)
_UNITS = {"m": 1 / 1440, "h": 1 / 24, "d": 1, "w": 7, "mo": 30}


def _unit(word: str) -> float:
    w = word.lower()
    if w.startswith("mo"):
        return _UNITS["mo"]
    if w in ("m", "min", "mins") or w.startswith("minute"):
        return _UNITS["m"]
    return _UNITS[w[0]]


def absolute_date(text: str, reference: datetime) -> str:
    """ISO date for a relative age; the text unchanged when it is not one."""
    if _NOW.match(text):
        return reference.date().isoformat()
    if _YESTERDAY.match(text):
        return (reference - timedelta(days=1)).date().isoformat()
    match = _RELATIVE.match(text)
    if not match:
        return text
    try:
        days = int(match.group(1)) * _unit(match.group(2))
        return (reference - timedelta(days=days)).date().isoformat()
    except (OverflowError, ValueError):  # "posted 34000000 weeks ago": before year 1
        return text


def resolve_relative_dates(postings: Iterable[Posting], reference: datetime) -> None:
    for posting in postings:
        if posting.posted_at and not posting.posted_at[:1].isdigit():
            posting.posted_at = absolute_date(posting.posted_at, reference)
