"""The closed sets of values of the store's status and kind columns, one StrEnum each.

A StrEnum compares equal to its string, so rows and code read the same; the database holds a
CHECK constraint per column (migration 0009) built from these same classes, so a value that is
none of them can neither be written by a typo nor slip in by hand.
"""

from __future__ import annotations

from enum import StrEnum


class MemberStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    BOUNCING = "bouncing"
    UNSUBSCRIBED = "unsubscribed"
    REMOVED = "removed"


class MailStatus(StrEnum):
    """What became of a stored mail."""

    NEW = "new"
    PROCESSED = "processed"
    FAILED = "failed"
    HELD = "held"
    BOUNCE = "bounce"
    AUTO_REPLY = "auto-reply"
    DUPLICATE = "duplicate"
    UNSUBSCRIBE = "unsubscribe"


#: Members who left the group: never named, contacted or counted among its people.
MEMBERS_GONE = (MemberStatus.REMOVED, MemberStatus.UNSUBSCRIBED)


class PostingStatus(StrEnum):
    ACTIVE = "active"
    HIDDEN = "hidden"
    FILLED = "filled"
    EXPIRED = "expired"
    MERGED = "merged"


class DeliveryStatus(StrEnum):
    """A member's digest for one period: see digest/delivery/ledger.py for the transitions."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    BOUNCED = "bounced"
    SKIPPED = "skipped"


class FeedbackKind(StrEnum):
    NOT_RELEVANT = "not_relevant"
    APPLIED = "applied"
    INTERVIEWING = "interviewing"
    HIRED = "hired"
    DEAD_LINK = "dead_link"


class SourceKind(StrEnum):
    """Where leads come from: the inbox, a feed, or one of the job-board systems."""

    IMAP = "imap"
    IMPORT = "import"  # an mbox or Maildir backfilled with `jobdigest import-mail`
    FEED = "feed"
    GREENHOUSE = "greenhouse"
    LEVER = "lever"
    WORKDAY = "workday"
    ASHBY = "ashby"
    SMARTRECRUITERS = "smartrecruiters"
    WORKABLE = "workable"
    RECRUITEE = "recruitee"
    PERSONIO = "personio"


# The next three columns have no CHECK constraint yet (adding one is a migration of its own);
# code and templates still name their values only through these classes.


class ReplyStatus(StrEnum):
    """A reply the group inbox sends about one stored mail (digest/delivery/replies.py)."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"


class IntroStatus(StrEnum):
    """An introduction request, as its contact answered it."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class CorrectionStatus(StrEnum):
    """A suggested correction of a posting, as the leads decided it."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


#: (table, column, enum): every constrained column, for the models and the migration alike
CHECKED = (
    ("members", "status", MemberStatus),
    ("raw_messages", "status", MailStatus),
    ("postings", "status", PostingStatus),
    ("deliveries", "status", DeliveryStatus),
    ("feedback", "kind", FeedbackKind),
    ("sources", "kind", SourceKind),
)


def check_sql(column: str, values: type[StrEnum]) -> str:
    """`column IN ('a', 'b', ...)` for a CHECK constraint."""
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


def constraint_name(table: str, column: str) -> str:
    return f"ck_{table}_{column}"
