"""The dataclasses every parser returns; their JSON form is the `jobdigest parse` contract."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Kind = Literal["email", "feed", "page", "board"]


@dataclass(frozen=True, slots=True)
class Address:
    """A mailbox as people write it: display name (may be empty) and address (may be empty)."""

    name: str = ""
    address: str = ""

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "address": self.address}


@dataclass(slots=True)
class ForwardedMessage:
    """One forwarded original, as recovered from the forwarding mail's body or attachment."""

    from_: Address = field(default_factory=Address)
    to: list[Address] = field(default_factory=list)
    cc: list[Address] = field(default_factory=list)
    subject: str = ""
    date: str = ""
    body: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.from_.to_json(),
            "to": [a.to_json() for a in self.to],
            "cc": [a.to_json() for a in self.cc],
            "subject": self.subject,
            "date": self.date,
            "body": self.body,
        }


@dataclass(slots=True)
class Posting:
    """A job lead found somewhere. Empty strings mean 'not stated', never 'unknown yet'."""

    title: str
    url: str = ""
    canonical_url: str = ""
    company: str = ""
    location: str = ""
    remote: bool = False
    posted_at: str = ""
    description: str = ""
    salary: str = ""
    origin: str = "link"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["posted_at"] = self.posted_at or None
        return data


@dataclass(slots=True)
class ParsedItem:
    """What one input (a mail, a feed, a page, a board file) yields."""

    kind: Kind
    file: str = ""
    error: str | None = None
    sender: Address | None = None
    subject: str = ""
    message_id: str = ""
    note: str | None = None
    forwarded: list[ForwardedMessage] = field(default_factory=list)
    postings: list[Posting] = field(default_factory=list)
    #: Why the item is not a lead source: "bounce", "auto-reply", or "" for an ordinary item.
    special: str = ""
    #: Authentication-Results verdicts seen on the mail, e.g. {"dmarc": "fail"}.
    auth: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    #: Whose mailbox auto-forwarded this mail unchanged (a Gmail/Outlook forwarding rule keeps
    #: `From: noreply@glassdoor.com`); read from X-Forwarded-For, Resent-From, a `+caf_`
    #: Return-Path and the like. None for ordinary mail. Not part of the `parse` contract.
    forwarded_by: Address | None = None

    def to_json(self) -> dict[str, Any]:
        """The contract shape of `jobdigest parse`, in the contract's key order."""
        return {
            "file": self.file,
            "kind": self.kind,
            "error": self.error,
            "sender": self.sender.to_json() if self.sender else None,
            "note": self.note,
            "forwarded": [f.to_json() for f in self.forwarded],
            "postings": [p.to_json() for p in self.postings],
        }
