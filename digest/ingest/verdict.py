"""What a parsed mail is: its status and reason, whose it is, what is stored, what is answered.

Pure decisions over a parsed mail, its header block and a member lookup; digest.ingest.record
writes what they decide. Who may post (members and their aliases), whose word the routing
headers are (only with DKIM alignment verified by our own receiving server), what unsubscribes
(mail to the digests' List-Unsubscribe address), and when the sender gets a receipt.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from digest.config import Config
from digest.store.statuses import MailStatus
from parsers.envelope import delivered_to, dkim_aligned, dkim_pass_domains, is_automatic
from parsers.model import ParsedItem

#: the reason of a mail in which nothing was found: it is set aside (failed folder) for review
NO_POSTING = "no job posting found"
_HEADER_END = re.compile(rb"\r?\n\r?\n")


@dataclass(frozen=True, slots=True)
class Rules:
    """What judging a mail needs from the group's config."""

    #: authserv-id of our receiving server's Authentication-Results (inbox.authserv_id)
    authserv_id: str = ""
    #: the digests' List-Unsubscribe mailto address, lowercased ("" for none)
    unsubscribe: str = ""
    #: answer a member's mail without postings (inbox.receipts)
    receipts: bool = False

    @classmethod
    def from_config(cls, cfg: Config) -> Rules:
        return cls(cfg.inbox.authserv_id.strip(), cfg.unsubscribe_address(), cfg.inbox.receipts)


@dataclass(slots=True)
class Outcome:
    """What recording a mail decides about it, before anything is written."""

    status: str
    reason: str
    sender: str
    subject: str
    member_id: int | None
    #: its postings are stored (held or not) only when this is true
    store: bool = False
    held: bool = False
    #: a failure before the mail was read: its stored subject and sender stay as they are
    keep_headers: bool = False
    #: the member (member_id) asked to be unsubscribed
    unsubscribe: bool = False
    #: a short answer to the sender: "receipt" | "unsubscribed" | ""
    reply: str = ""


def _failed_auth(item: ParsedItem) -> str:
    bad = [k for k in ("dmarc", "dkim") if item.auth.get(k) in ("fail", "permerror")]
    return f"{bad[0].upper()} check failed for the sender" if bad else ""


def _auto_forwarded_alert(item: ParsedItem) -> bool:
    """A job alert a member's mailbox forwards automatically keeps the board's From; the member
    shows only in routing headers (X-Forwarded-For, Delivered-To, ...), which anyone can write.
    Considered for alerts alone, and trusted only with DKIM alignment (see _routing_trusted)."""
    return item.forwarded_by is not None and any(p.origin.endswith("_alert") for p in item.postings)


def _head(raw: bytes) -> bytes:
    end = _HEADER_END.search(raw, 0, 262144)
    return raw[: end.start()] if end else raw[:262144]


def _routing_trusted(item: ParsedItem, rules: Rules, raw: bytes) -> str:
    """ "" when the alert's sender domain has a DKIM pass recorded by our receiving server (so
    the alert really comes from the board and only its routing says whose it is); else why not."""
    domain = (item.sender.address if item.sender else "").rpartition("@")[2].lower()
    if not rules.authserv_id:
        return f"auto-forwarded alert from {domain or '(none)'} not trusted: inbox.authserv_id is not set"
    if domain and dkim_aligned(domain, dkim_pass_domains(raw, rules.authserv_id)):
        return ""
    return (
        f"auto-forwarded alert from {domain or '(none)'} without a DKIM pass for that domain "
        f"from {rules.authserv_id}: the routing headers naming a member are not trusted"
    )


def _to_unsubscribe(item: ParsedItem, rules: Rules, raw: bytes) -> bool:
    """Mail to the List-Unsubscribe address (any subject), or the old form: subject
    'unsubscribe' alone. A cheap byte search first: this is asked of every mail."""
    if item.subject.strip().lower() == "unsubscribe":
        return True
    if not rules.unsubscribe:
        return False
    local = rules.unsubscribe.partition("@")[0].encode()
    head = _head(raw)
    return local in head.lower() and rules.unsubscribe in delivered_to(head + b"\r\n\r\n")


def _unsubscribe(out: Outcome, item: ParsedItem, raw: bytes, member_of: MemberOf) -> Outcome:
    out.status = MailStatus.UNSUBSCRIBE
    failed = _failed_auth(item)
    out.member_id = None if failed else member_of(out.sender)
    if failed:
        out.reason = f"unsubscribe request not applied: {failed}"
    elif out.member_id is None:
        out.reason = f"unsubscribe request from {out.sender or '(none)'}, who is not a member"
    else:
        out.unsubscribe = True
        out.reason = f"{out.sender} unsubscribed"
        out.reply = "" if is_automatic(raw) else "unsubscribed"
    return out


MemberOf = Callable[[str], int | None]


def judge(
    item: ParsedItem,
    member_id: int | None,
    member_of: MemberOf,
    rules: Rules | None = None,
    raw: bytes = b"",
    is_recruiter: Callable[[str], bool] | None = None,
) -> Outcome:
    """Status and reason of a parsed mail; `member_id` is kept when the sender is not looked up.
    `raw` is the stored mail (its header block is read for routing and unsubscribe checks)."""
    rules = rules or Rules()
    sender = item.sender.address if item.sender else ""
    out = Outcome("", "", sender, item.subject[:2000], member_id)
    # Any subject, any body (even an empty one); never a bounce or an auto-reply.
    unsubscribing = not (item.error or item.special) and _to_unsubscribe(item, rules, raw)
    if item.error:
        out.status, out.reason = MailStatus.FAILED, item.error
    elif unsubscribing:
        return _unsubscribe(out, item, raw, member_of)
    elif not item.postings and item.warnings:
        # Nothing came out and something was wrong: a person should look at it.
        out.status, out.reason = MailStatus.FAILED, "; ".join(item.warnings)
    elif item.special:
        out.status, out.reason = MailStatus(item.special), f"recognized as {item.special}"
    else:
        _judge_lead(out, item, member_of, rules, raw, is_recruiter)
    return out


def _judge_lead(
    out: Outcome,
    item: ParsedItem,
    member_of: MemberOf,
    rules: Rules,
    raw: bytes,
    is_recruiter: Callable[[str], bool] | None = None,
) -> None:
    """A mail that may hold leads: whose it is, whether it is held, what if nothing is in it.
    A known recruiter's own mail is accepted like a member's (unless its authentication failed)."""
    sender = out.sender
    out.member_id = member_of(sender)
    untrusted = ""
    if out.member_id is None and _auto_forwarded_alert(item):
        untrusted = _routing_trusted(item, rules, raw)
        if not untrusted:
            out.sender = item.forwarded_by.address  # type: ignore[union-attr]
            out.member_id = member_of(out.sender)
    recruiter = out.member_id is None and is_recruiter is not None and is_recruiter(sender)
    reason = (
        ""
        if out.member_id or recruiter
        else untrusted or f"sender {sender or '(none)'} is not a member"
    )
    reason = reason or _failed_auth(item)
    out.store, out.held = True, bool(reason)
    out.status, out.reason = (MailStatus.HELD, reason) if out.held else (MailStatus.PROCESSED, "")
    if not item.postings and not out.held:
        # Nothing lost silently: set aside for review (and reprocessing after a parser fix).
        out.status, out.reason = MailStatus.FAILED, NO_POSTING
        if rules.receipts and out.member_id and not is_automatic(raw):
            out.reply = "receipt"
