"""Job-alert mails: one module per sender (LinkedIn, Indeed, Glassdoor, ZipRecruiter, Dice,
Google, Monster, CareerBuilder, Wellfound, Built In, SimplyHired, USAJOBS, Handshake,
Welcome to the Jungle, Idealist).

Interface (stable, used by parsers.mail):
    parse_alert(sender, subject, html, text, reference=None) -> list[Posting] | None
None means "not an alert this package knows"; a list (maybe empty) means it was one, of at
most MAX_CARDS postings (the jobs after those are not read). With a
`reference` (when the alert was sent), ages like "2 days ago" become dates (parsers.dates).

The sender is recognised by its From address first, then by an alert address quoted in a
forward header, then by links only that sender's mails contain. Each sender module only
declares its job links and card order; who sends what is data (data/senders.toml), and
`_cards` (HTML), `_text` (plain text, however a mail client rendered it) and `_fields` (what a
card's lines say, data/lines.toml) do the reading for all of them.
"""

from __future__ import annotations

import re
from datetime import datetime
from importlib import import_module
from urllib.parse import unquote

from parsers.alerts._base import SENDERS, AlertSpec, parse_with, sent_at
from parsers.alerts._cards import MAX_CARDS
from parsers.dates import absolute_date
from parsers.model import Posting

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: Who sent a forwarded alert is told near the top and its links all through: this much of
#: each part is enough to tell, and keeps a 2 MB link dump from costing seconds.
_SCAN = 300_000
_ADDRESS = re.compile(r"[\w.+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,6}")

#: Each table of senders.toml names its module (parsers/alerts/<table>.py): the list lives once.
SPECS: tuple[AlertSpec, ...] = tuple(
    import_module(f"parsers.alerts.{name}").SPEC for name in SENDERS
)


def parse_alert(
    sender: str, subject: str, html: str, text: str, reference: datetime | None = None
) -> list[Posting] | None:
    """Postings of a job-alert mail, or None when the mail is no alert of a known sender.

    `reference` is when the alert was sent: "Just posted" in a two-week-old alert is a date
    two weeks ago, not the day a member forwarded it.
    """
    try:
        postings = _parse(str(sender or "").strip().lower(), str(html or ""), str(text or ""))
        if postings and reference is not None:
            _resolve_ages(postings, reference)
        return postings
    except Exception:  # noqa: BLE001 - the parser boundary never raises
        return None


def _resolve_ages(postings: list[Posting], reference: datetime) -> None:
    """Ages as dates, through parsers.dates (which knows what "5d" and "30+ days ago" mean)."""
    for posting in postings:
        if posting.posted_at and not _ISO_DATE.match(posting.posted_at):
            posting.posted_at = absolute_date(posting.posted_at, reference)


__all__ = ["MAX_CARDS", "SPECS", "is_alert_sender", "parse_alert", "sent_at"]


def is_alert_sender(address: str) -> bool:
    """Mail straight from a job board's alert address: it never carries a member's forward."""
    address = (address or "").strip().lower()
    return bool(address) and any(spec.owns_sender(address) for spec in SPECS)


def _parse(sender: str, html: str, text: str) -> list[Posting] | None:
    for spec in SPECS:
        if sender and spec.owns_sender(sender):
            return _safe_parse(spec, html, text)
    body = f"{text[:_SCAN]}\n{html[:_SCAN]}"
    quoted = {m.group(0).lower().strip(".") for m in _ADDRESS.finditer(body)}
    for spec in SPECS:
        if any(spec.owns_sender(address) for address in quoted):
            return _safe_parse(spec, html, text)  # a forward quoting the alert's From line
    readable = _decoded(body)
    candidates = [s for s in SPECS if sender and s.owns_domain(sender)]
    lowered = readable.lower() if readable.isascii() else ""
    candidates += [s for s in SPECS if s not in candidates and s.mentioned_in(readable, lowered)]
    for spec in candidates:
        postings = _with_facts(_safe_parse(spec, html, text))
        if postings:
            return postings
    return None


def _with_facts(postings: list[Posting]) -> list[Posting]:
    """Known by its links alone, a mail is an alert only if its cards name the employer or
    the place: a member sharing a LinkedIn job ("I thought you might be interested") is not."""
    return [p for p in postings if p.company or p.location]


def _decoded(body: str) -> str:
    """The body with percent-encoded links readable: SafeLinks and click trackers carry the
    job link encoded in their query, and the sender's markers are in that link."""
    if "%2f" not in body.lower():
        return body
    try:
        return f"{body}\n{unquote(body)}"
    except (ValueError, UnicodeError):
        return body


def _safe_parse(spec: AlertSpec, html: str, text: str) -> list[Posting]:
    """A layout this code cannot read still is an alert: an empty list, never an exception."""
    try:
        return parse_with(spec, html, text)
    except Exception:  # noqa: BLE001 - the parser boundary never raises
        return []
