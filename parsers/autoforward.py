"""Whose mailbox auto-forwarded a mail that still carries the original sender.

A member's Gmail or Outlook forwarding rule delivers a job alert unchanged: `From:` is still
`noreply@glassdoor.com`. Only trace headers name the member: Gmail adds `X-Forwarded-For:
member group` and rewrites the envelope sender to `member+caf_=group=domain@gmail.com`;
redirects add `Resent-From`; Exchange rules add `X-MS-Exchange-Inbox-Rules-Loop`. The group's
own address (the topmost `Delivered-To`, the forward's destination) is never the member.

Interface (stable):
    forwarded_by(trace: dict[str, list[str]], sender: Address, known: list[Address]) -> Address | None
"""

from __future__ import annotations

import re
from email.utils import getaddresses

from parsers.model import Address

_CAF_RE = re.compile(
    r"<?\s*(?<![^\s<>@+])(?P<local>[^\s<>@+]++)\+caf_=[^@\s<>]*@(?P<domain>[^\s<>]+?)\s*>?$", re.I
)
_ADDR_RE = re.compile(
    r"(?<![\w.!#$%&'*+/=?^`{|}~-])[\w.!#$%&'*+/=?^`{|}~-]++@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"
)


def _addresses(values: list[str]) -> list[str]:
    """Addresses in header values, in order; X-Forwarded-For separates them by spaces, not
    commas, so a plain pattern reads every variant."""
    found = [a.lower() for value in values for a in _ADDR_RE.findall(value)]
    return list(dict.fromkeys(found))


def _display_names(values: list[str]) -> dict[str, str]:
    return {addr.lower(): name for name, addr in getaddresses(values) if name and "@" in addr}


def _ours(trace: dict[str, list[str]]) -> set[str]:
    """The group inbox: where the mail was finally delivered and where forwards were sent."""
    ours: set[str] = set()
    for name in ("delivered-to", "x-original-to", "envelope-to"):
        values = trace.get(name, [])
        ours.update(_addresses(values[:1]))
    forwarded_for = _addresses(trace.get("x-forwarded-for", [])[:1])
    if len(forwarded_for) >= 2:
        ours.add(forwarded_for[-1])  # Gmail: "original-recipient forward-destination"
    return ours


def _caf(trace: dict[str, list[str]]) -> list[str]:
    found: list[str] = []
    for value in trace.get("return-path", []):
        m = _CAF_RE.search(value.strip())
        if m:
            found.append(f"{m.group('local')}@{m.group('domain')}".lower())
    return found


def _candidates(trace: dict[str, list[str]]) -> list[str]:
    """Most to least explicit: a person's redirect, then the forwarding service's marks."""
    return [
        *_addresses(trace.get("resent-from", [])[:1]),
        *_addresses(trace.get("resent-sender", [])[:1]),
        *_addresses(trace.get("x-forwarded-for", [])[:1]),
        *_caf(trace),
        *_addresses(trace.get("x-ms-exchange-inbox-rules-loop", [])[:1]),
        *_addresses(trace.get("x-forwarded-to", [])),
    ]


def forwarded_by(
    trace: dict[str, list[str]], sender: Address, known: list[Address]
) -> Address | None:
    """The member whose mailbox forwarded this mail, or None when nothing says so or it was
    the sender themself. `known` (the mail's To/Cc) supplies a display name when it has one."""
    ours = _ours(trace)
    names = _display_names(trace.get("resent-from", []) + trace.get("resent-sender", []))
    names.update({a.address.lower(): a.name for a in known if a.name})
    for address in _candidates(trace):
        if address in ours or address == sender.address.lower():
            continue
        return Address(name=names.get(address, ""), address=address)
    return None
