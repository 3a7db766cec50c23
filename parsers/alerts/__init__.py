"""Job-alert mails (LinkedIn, Indeed, Glassdoor, ZipRecruiter, Google, Dice): one module per sender.

Interface (stable, used by parsers.mail):
    parse_alert(sender: str, subject: str, html: str, text: str) -> list[Posting] | None
None means "not an alert this package knows"; a list (maybe empty) means it was one.

The sender is recognised by its From address first, then by an alert address quoted in a
forward header, then by links only that sender's mails contain. Each sender module only
declares its job links and card order; `_cards` and `_fields` do the reading for all of them.
"""

from __future__ import annotations

from parsers.alerts import dice, glassdoor, google, indeed, linkedin, ziprecruiter
from parsers.alerts._base import AlertSpec, parse_with
from parsers.model import Posting

#: Google first: its alerts wrap other boards' links, which must not claim the mail.
SPECS: tuple[AlertSpec, ...] = (
    google.SPEC,
    linkedin.SPEC,
    indeed.SPEC,
    glassdoor.SPEC,
    ziprecruiter.SPEC,
    dice.SPEC,
)


def parse_alert(sender: str, subject: str, html: str, text: str) -> list[Posting] | None:
    """Postings of a job-alert mail, or None when the mail is no alert of a known sender."""
    try:
        return _parse(str(sender or "").strip().lower(), str(html or ""), str(text or ""))
    except Exception:  # noqa: BLE001 - the parser boundary never raises
        return None


def is_alert_sender(address: str) -> bool:
    """Mail straight from a job board's alert address: it never carries a member's forward."""
    address = (address or "").strip().lower()
    return bool(address) and any(spec.owns_sender(address) for spec in SPECS)


def _parse(sender: str, html: str, text: str) -> list[Posting] | None:
    for spec in SPECS:
        if sender and spec.owns_sender(sender):
            return _safe_parse(spec, html, text)
    body = f"{html}\n{text}"
    lowered = body.lower()
    for spec in SPECS:
        if spec.senders.search(lowered):
            return _safe_parse(spec, html, text)
    candidates = [s for s in SPECS if sender and s.owns_domain(sender)]
    candidates += [s for s in SPECS if s not in candidates and s.markers.search(body)]
    for spec in candidates:
        postings = _safe_parse(spec, html, text)
        if postings:
            return postings
    return None


def _safe_parse(spec: AlertSpec, html: str, text: str) -> list[Posting]:
    """A layout this code cannot read still is an alert: an empty list, never an exception."""
    try:
        return parse_with(spec, html, text)
    except Exception:  # noqa: BLE001 - the parser boundary never raises
        return []
