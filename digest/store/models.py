"""The database schema: typed SQLAlchemy 2 models. Migrations in digest/store/migrations follow this file."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from digest.clock import utcnow
from digest.store.statuses import (
    CorrectionStatus,
    DeliveryStatus,
    FeedbackKind,
    IntroStatus,
    MailStatus,
    MemberStatus,
    PostingStatus,
    ReplyStatus,
    SourceKind,
    check_sql,
    constraint_name,
)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON}


class Group(Base):
    """One job networking group of the installation: every member, sub-group, source, posting,
    mail, tag and delivery belongs to exactly one (GroupScoped), and no query crosses them
    (digest/store/scope.py)."""

    __tablename__ = "groups"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    timezone: Mapped[str] = mapped_column(String(60), default="UTC")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class SiteAdmin(Base):
    """Someone who runs the installation: an operator of every group, present and future
    (`jobdigest operators add --site EMAIL`; each group's member row carries the role)."""

    __tablename__ = "site_admins"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class GroupScoped:
    """A row of one group's data. Sessions bound to a group see only their group's rows and
    stamp new rows with it (digest/store/scope.py)."""

    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)


class SubgroupLead(Base):
    __tablename__ = "subgroup_leads"
    subgroup_id: Mapped[int] = mapped_column(
        ForeignKey("subgroups.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )


class MemberSubgroup(Base):
    __tablename__ = "member_subgroups"
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    subgroup_id: Mapped[int] = mapped_column(
        ForeignKey("subgroups.id", ondelete="CASCADE"), primary_key=True
    )


class Member(GroupScoped, Base):
    __tablename__ = "members"
    __table_args__ = (
        CheckConstraint(
            check_sql("status", MemberStatus), name=constraint_name("members", "status")
        ),
        UniqueConstraint("group_id", "email", name="uq_members_group_email"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200), default="")
    keywords: Mapped[list[str]] = mapped_column(default=list)
    location: Mapped[str] = mapped_column(String(200), default="")
    remote_ok: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(20), default=MemberStatus.ACTIVE)
    paused_until: Mapped[date | None] = mapped_column(Date, default=None)
    show_name: Mapped[bool] = mapped_column(Boolean, default=True)
    #: shown to others as an inside contact at past employers: opt-in ([group] inside_contacts_default)
    contact_opt_in: Mapped[bool] = mapped_column(Boolean, default=False)
    thank_opt_in: Mapped[bool] = mapped_column(Boolean, default=True)
    always_send: Mapped[bool] = mapped_column(Boolean, default=False)
    #: takes introduction requests from fellow members (only shown as askable when opted in)
    intro_opt_in: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: when the member told the group they landed a job: their leads stop unless keep_helping
    landed_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    #: a landed member who still wants the digest, to pass leads on to the others
    keep_helping: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    is_operator: Mapped[bool] = mapped_column(Boolean, default=False)
    bounce_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    #: who they are and what they want, in their own words (matched to postings for them)
    pitch: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: may fellow members see the pitch (never shown to others otherwise)
    pitch_public: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    subgroups: Mapped[list[Subgroup]] = relationship(
        secondary="member_subgroups", back_populates="members", order_by="Subgroup.name"
    )
    employers: Mapped[list[PastEmployer]] = relationship(
        back_populates="member", cascade="all, delete-orphan", order_by="PastEmployer.id"
    )
    aliases: Mapped[list[MemberAlias]] = relationship(
        back_populates="member", cascade="all, delete-orphan"
    )
    targets: Mapped[list[MemberTarget]] = relationship(
        back_populates="member", cascade="all, delete-orphan", order_by="MemberTarget.id"
    )

    @property
    def display_name(self) -> str:
        return self.name or self.email.split("@")[0]


class PastEmployer(GroupScoped, Base):
    __tablename__ = "past_employers"
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    company_key: Mapped[str] = mapped_column(String(200), index=True)
    #: the member works there now (set by a landing): a current employee can refer
    current: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    member: Mapped[Member] = relationship(back_populates="employers")


class MemberTarget(GroupScoped, Base):
    """A company the member wants to work at: its postings get a digest section of their own."""

    __tablename__ = "member_targets"
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    company_key: Mapped[str] = mapped_column(String(200), index=True)
    member: Mapped[Member] = relationship(back_populates="targets")


class MemberAlias(GroupScoped, Base):
    __tablename__ = "member_aliases"
    __table_args__ = (
        UniqueConstraint("group_id", "address", name="uq_member_aliases_group_address"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    address: Mapped[str] = mapped_column(String(320))
    #: set when the address's owner used the confirmation link mailed to it; until then the
    #: alias neither credits mail nor lets it past the hold queue
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    member: Mapped[Member] = relationship(back_populates="aliases")


class Subgroup(GroupScoped, Base):
    __tablename__ = "subgroups"
    __table_args__ = (UniqueConstraint("group_id", "name", name="uq_subgroups_group_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    exclude: Mapped[list[str]] = mapped_column(default=list)
    rules_version: Mapped[int] = mapped_column(Integer, default=1)
    #: lead addresses named before they were members: linked when the member arrives
    pending_leads: Mapped[list[str]] = mapped_column(default=list)

    roles: Mapped[list[Role]] = relationship(
        back_populates="subgroup", cascade="all, delete-orphan", order_by="Role.position"
    )
    members: Mapped[list[Member]] = relationship(
        secondary="member_subgroups", back_populates="subgroups", order_by="Member.email"
    )
    leads: Mapped[list[Member]] = relationship(secondary="subgroup_leads", order_by="Member.email")


class Role(GroupScoped, Base):
    __tablename__ = "roles"
    id: Mapped[int] = mapped_column(primary_key=True)
    subgroup_id: Mapped[int] = mapped_column(
        ForeignKey("subgroups.id", ondelete="CASCADE"), index=True
    )
    phrase: Mapped[str] = mapped_column(String(300))
    synonyms: Mapped[list[str]] = mapped_column(default=list)
    exclude: Mapped[list[str]] = mapped_column(default=list)
    required: Mapped[list[str]] = mapped_column(default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)
    subgroup: Mapped[Subgroup] = relationship(back_populates="roles")


class Source(GroupScoped, Base):
    """A place leads come from (the IMAP inbox, a feed, a job board) and its health."""

    __tablename__ = "sources"
    __table_args__ = (
        CheckConstraint(check_sql("kind", SourceKind), name=constraint_name("sources", "kind")),
        UniqueConstraint("group_id", "key", name="uq_sources_group_key"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    #: imap | feed | a board kind of parsers.careers.KINDS (greenhouse, lever, workday, ...)
    kind: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(1000))  # URL or host/user/folder
    name: Mapped[str] = mapped_column(String(300), default="")
    subgroups: Mapped[list[str]] = mapped_column(default=list)
    etag: Mapped[str] = mapped_column(String(500), default="")
    last_modified: Mapped[str] = mapped_column(String(100), default="")
    uidvalidity: Mapped[int | None] = mapped_column(Integer, default=None)
    last_uid: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    last_success: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    #: start of the current run of failures (None while healthy): pausing is judged by it
    failing_since: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    last_error: Mapped[str] = mapped_column(Text, default="")
    next_attempt: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    #: "config" (jobdigest.toml, the inbox) or "watch" (a career site a lead watches)
    origin: Mapped[str] = mapped_column(String(20), default="config", server_default="config")
    #: the careers URL a watch was made from, as the lead gave it
    careers_url: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: parsers.company.normalize_company of the board's company: which careers sites are known
    company_key: Mapped[str] = mapped_column(String(300), default="", server_default="", index=True)
    #: when a watch was removed; its sightings keep crediting it, it is no longer fetched
    removed_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)


class RawMessage(GroupScoped, Base):
    """A mail exactly as received, stored before anything else touches it."""

    __tablename__ = "raw_messages"
    __table_args__ = (
        CheckConstraint(
            check_sql("status", MailStatus), name=constraint_name("raw_messages", "status")
        ),
        UniqueConstraint("source_id", "uidvalidity", "uid", name="uq_raw_imap_identity"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int | None] = mapped_column(
        ForeignKey("sources.id"), default=None, index=True
    )
    uidvalidity: Mapped[int | None] = mapped_column(Integer, default=None)
    uid: Mapped[int | None] = mapped_column(Integer, default=None)
    message_id: Mapped[str] = mapped_column(String(998), default="", index=True)
    sender: Mapped[str] = mapped_column(String(320), default="", index=True)
    subject: Mapped[str] = mapped_column(Text, default="")
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default=MailStatus.NEW, index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), default=None)
    #: set once the message was moved out of the inbox on the server
    moved: Mapped[bool] = mapped_column(Boolean, default=False)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    #: parse attempts started (counted before each one): a mail whose parsing keeps crashing
    #: or running out of time is set aside as failed after MAX_ATTEMPTS (digest.ingest.record)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: who asked (in the web app) to process the mail again, and when; a worker does it
    reprocess_by: Mapped[str] = mapped_column(String(320), default="", server_default="")
    reprocess_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)


class Reply(GroupScoped, Base):
    """A short mail the group inbox sends back about one stored mail: at most one per mail.

    kind: "receipt" (no job posting found in it) | "unsubscribed" (confirmation)."""

    __tablename__ = "replies"
    __table_args__ = (UniqueConstraint("raw_message_id", name="uq_reply_message"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    raw_message_id: Mapped[int] = mapped_column(ForeignKey("raw_messages.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    #: pending | sent | failed | skipped
    status: Mapped[str] = mapped_column(String(20), default=ReplyStatus.PENDING, index=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)


class Posting(GroupScoped, Base):
    __tablename__ = "postings"
    __table_args__ = (
        CheckConstraint(
            check_sql("status", PostingStatus), name=constraint_name("postings", "status")
        ),
        UniqueConstraint("group_id", "canonical_url", name="uq_postings_group_canonical_url"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(500), default="")
    company: Mapped[str] = mapped_column(String(300), default="")
    company_key: Mapped[str] = mapped_column(String(300), default="", index=True)
    location: Mapped[str] = mapped_column(String(300), default="")
    remote: Mapped[bool] = mapped_column(Boolean, default=False)
    url: Mapped[str] = mapped_column(Text, default="")
    canonical_url: Mapped[str | None] = mapped_column(String(1000), default=None)
    fingerprint: Mapped[str] = mapped_column(String(64), index=True, default="")
    posted_at: Mapped[str] = mapped_column(String(40), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    salary: Mapped[str] = mapped_column(String(200), default="")
    origin: Mapped[str] = mapped_column(String(40), default="")
    first_seen: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    status: Mapped[str] = mapped_column(String(20), default=PostingStatus.ACTIVE)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("postings.id"), default=None)
    held: Mapped[bool] = mapped_column(Boolean, default=False)
    #: when the posting's page was fetched for details (link-only postings; [fetch] enrich_links)
    enriched_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    enrich_error: Mapped[str] = mapped_column(Text, default="")
    #: the rules key (digest.tagging.tag.rules_key) the current tags were computed with
    tag_key: Mapped[str] = mapped_column(String(64), default="", index=True)

    sightings: Mapped[list[Sighting]] = relationship(
        back_populates="posting", cascade="all, delete-orphan", order_by="Sighting.seen_at"
    )
    tags: Mapped[list[Tag]] = relationship(back_populates="posting", cascade="all, delete-orphan")


class Sighting(GroupScoped, Base):
    """Where and from whom a posting came: the credits."""

    __tablename__ = "sightings"
    __table_args__ = (
        UniqueConstraint("posting_id", "raw_message_id", name="uq_sighting_message"),
        UniqueConstraint("source_id", "entry_key", name="uq_sighting_entry"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    posting_id: Mapped[int] = mapped_column(
        ForeignKey("postings.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id"), default=None, index=True
    )
    raw_message_id: Mapped[int | None] = mapped_column(ForeignKey("raw_messages.id"), default=None)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"), default=None)
    entry_key: Mapped[str | None] = mapped_column(String(1000), default=None)
    sender: Mapped[str] = mapped_column(String(320), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)

    posting: Mapped[Posting] = relationship(back_populates="sightings")
    member: Mapped[Member | None] = relationship()


class IntendedRecipient(GroupScoped, Base):
    """A sharer's note named someone: the member the lead is meant for, or (a name that fits
    several members) the candidates, for the sharer's sub-group lead to settle."""

    __tablename__ = "intended_recipients"
    id: Mapped[int] = mapped_column(primary_key=True)
    posting_id: Mapped[int] = mapped_column(
        ForeignKey("postings.id", ondelete="CASCADE"), index=True
    )
    sighting_id: Mapped[int | None] = mapped_column(
        ForeignKey("sightings.id", ondelete="CASCADE"), default=None, index=True
    )
    sharer_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), default=None
    )
    #: None while the name is ambiguous
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), default=None, index=True
    )
    #: the name or address as the sharer wrote it
    named: Mapped[str] = mapped_column(String(320), default="")
    #: member ids the name fits (two or more when ambiguous)
    candidates: Mapped[list[int]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Recruiter(GroupScoped, Base):
    """A sender known to be a recruiter: their mail is accepted, their name shown beside leads."""

    __tablename__ = "recruiters"
    __table_args__ = (UniqueConstraint("group_id", "address", name="uq_recruiters_group_address"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200), default="")
    agency: Mapped[str] = mapped_column(String(200), default="")
    specialties: Mapped[list[str]] = mapped_column(default=list)
    #: "import" (recruiters.csv) or "member" (marked by a member)
    added_by: Mapped[str] = mapped_column(String(20), default="import")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Tag(GroupScoped, Base):
    __tablename__ = "tags"
    __table_args__ = (
        UniqueConstraint("posting_id", "subgroup_id", "generation", name="uq_tag"),
        Index("ix_tags_subgroup_current", "subgroup_id", "current"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    posting_id: Mapped[int] = mapped_column(
        ForeignKey("postings.id", ondelete="CASCADE"), index=True
    )
    subgroup_id: Mapped[int] = mapped_column(ForeignKey("subgroups.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(300))
    score: Mapped[float] = mapped_column(Float)
    why: Mapped[list[str]] = mapped_column(default=list)
    #: the sub-group's rules_version the tag was computed with; older generations are kept
    generation: Mapped[int] = mapped_column(Integer, default=1)
    current: Mapped[bool] = mapped_column(Boolean, default=True)

    posting: Mapped[Posting] = relationship(back_populates="tags")
    subgroup: Mapped[Subgroup] = relationship()


class SubgroupExclusion(GroupScoped, Base):
    """A sub-group's lead said "not for my sub-group": tagging never gives the posting this
    sub-group's tag again (other sub-groups' tags are untouched) until the lead puts it back."""

    __tablename__ = "subgroup_exclusions"
    __table_args__ = (UniqueConstraint("subgroup_id", "posting_id", name="uq_subgroup_exclusion"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    subgroup_id: Mapped[int] = mapped_column(ForeignKey("subgroups.id", ondelete="CASCADE"))
    posting_id: Mapped[int] = mapped_column(
        ForeignKey("postings.id", ondelete="CASCADE"), index=True
    )
    #: the lead (or operator) who took it out; kept when they leave, for the explanation
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    subgroup: Mapped[Subgroup] = relationship()
    member: Mapped[Member | None] = relationship()


class Delivery(GroupScoped, Base):
    """One member's digest for one period: the send log, and what makes sending idempotent."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("member_id", "period", name="uq_delivery"),
        CheckConstraint(
            check_sql("status", DeliveryStatus), name=constraint_name("deliveries", "status")
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), default=DeliveryStatus.PENDING)
    message_id: Mapped[str] = mapped_column(String(300), default="")
    posting_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    member: Mapped[Member] = relationship()


class Feedback(GroupScoped, Base):
    __tablename__ = "feedback"
    __table_args__ = (
        UniqueConstraint("member_id", "posting_id", "kind", name="uq_feedback"),
        CheckConstraint(check_sql("kind", FeedbackKind), name=constraint_name("feedback", "kind")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    posting_id: Mapped[int] = mapped_column(ForeignKey("postings.id", ondelete="CASCADE"))
    #: a FeedbackKind
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class UsedSignInToken(GroupScoped, Base):
    """A consumed sign-in link, keyed by the random id signed into it: each magic link works once."""

    __tablename__ = "web_signin_tokens"
    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    used_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


class WebSession(GroupScoped, Base):
    """A signed-in browser. The cookie carries a random id; the table keeps only its SHA-256,
    so signing out, removing a member or "sign out everywhere" ends every copy of the cookie."""

    __tablename__ = "web_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class RateLimitHit(Base):
    """One counted attempt (a sign-in link asked for, a confirmation mailed), by key such as
    "signin-ip:203.0.113.5": in the database so every web process counts the same."""

    __tablename__ = "web_rate_hits"
    __table_args__ = (Index("ix_web_rate_hits_key_at", "key", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(400))
    at: Mapped[datetime] = mapped_column(DateTime, index=True)


class PendingCorrection(GroupScoped, Base):
    """A lead's correction that would move a posting into (or out of) sub-groups they do not
    lead: it waits for a lead of one of those sub-groups, or an operator, to accept it."""

    __tablename__ = "pending_corrections"
    id: Mapped[int] = mapped_column(primary_key=True)
    posting_id: Mapped[int] = mapped_column(
        ForeignKey("postings.id", ondelete="CASCADE"), index=True
    )
    proposed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None
    )
    title: Mapped[str] = mapped_column(String(500))
    company: Mapped[str] = mapped_column(String(300), default="")
    #: the sub-groups whose digests the correction changes and whose leads may accept it
    subgroup_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    #: pending | accepted | rejected
    status: Mapped[str] = mapped_column(String(20), default=CorrectionStatus.PENDING, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL"), default=None
    )
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)

    posting: Mapped[Posting] = relationship()
    proposed_by: Mapped[Member | None] = relationship(foreign_keys=[proposed_by_id])


class IntroRequest(GroupScoped, Base):
    """A member asking an inside contact for an introduction at a posting's company.

    The contact is mailed once (mailed_at); their answer ("accepted" | "declined") is shown on the
    asker's page and in the asker's next digest."""

    __tablename__ = "intro_requests"
    __table_args__ = (
        UniqueConstraint("asker_id", "contact_id", "posting_id", name="uq_intro_request"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    asker_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), index=True
    )
    posting_id: Mapped[int] = mapped_column(ForeignKey("postings.id", ondelete="CASCADE"))
    #: pending | accepted | declined
    status: Mapped[str] = mapped_column(String(20), default=IntroStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    mailed_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)

    asker: Mapped[Member] = relationship(foreign_keys=[asker_id])
    contact: Mapped[Member] = relationship(foreign_keys=[contact_id])
    posting: Mapped[Posting] = relationship()


class Landing(GroupScoped, Base):
    """A member landed a job: where, which role, and whether the group may celebrate it."""

    __tablename__ = "landings"
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    posting_id: Mapped[int | None] = mapped_column(
        ForeignKey("postings.id", ondelete="SET NULL"), default=None
    )
    company: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(300), default="")
    celebrate: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)

    member: Mapped[Member] = relationship()
    posting: Mapped[Posting | None] = relationship()


class Wake(GroupScoped, Base):
    """A job a web request asked for (a re-tag after a rule change, mail to reprocess): the
    request records it and a worker runs the job; `taken_at` once a worker took it."""

    __tablename__ = "wakes"
    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    taken_at: Mapped[datetime | None] = mapped_column(DateTime, default=None, index=True)


class OutboxMail(GroupScoped, Base):
    """A mail the web app sends (sign-in link, alias confirmation, intro request), kept until
    a drainer sent it, so a web process that dies loses none."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    to: Mapped[str] = mapped_column(String(320))
    message: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, default=None, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str] = mapped_column(Text, default="")
    #: when a drainer took it (a drainer that died frees it after digest.delivery.outbox.LEASE)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
    #: what to note once the server took it: "intro:<id>" marks that intro request mailed
    on_sent: Mapped[str] = mapped_column(String(60), default="")


class Send(GroupScoped, Base):
    """One period's digest run: started, and finished once every member owed one was mailed,
    so two runners (or one restarted) agree on whether the period's digests went out."""

    __tablename__ = "sends"
    __table_args__ = (UniqueConstraint("group_id", "period", name="uq_sends_group_period"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(10))
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)
