"""Rendering a member's digest: Jinja2 HTML (CSS inlined for mail clients) and plain text, as MIME.

Posting text comes from strangers' mail, so it is reduced to plain words with nh3 and escaped by
Jinja2's autoescape; links are shown only when they are http(s). Gmail clips HTML bodies over about
102 KB, so a digest whose HTML would exceed `MAX_HTML_BYTES` loses its lowest-ranked leads to the
"N more" link instead.
"""

from __future__ import annotations

import email.policy
import html as html_lib
import random
import re
import secrets
import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from email.headerregistry import HeaderRegistry
from email.message import EmailMessage, MIMEPart
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, parseaddr
from functools import lru_cache
from importlib.resources import files
from itertools import compress

import css_inline
import nh3
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from digest.config import Config
from digest.delivery.compose import Lead, MemberDigest, PostingView, Section
from digest.delivery.headers import from_header, header_text, mailbox_text
from digest.delivery.tokens import Signer
from digest.formatting import install_filters, noun, place_parts, plural, week_of
from parsers.links import web_link

FEEDBACK_KINDS = (
    ("not_relevant", "Not relevant"),
    ("applied", "Applied"),
    ("interviewing", "Interviewing"),
    ("hired", "Hired"),
    ("dead_link", "Dead link"),
)
#: Gmail clips at 102 KB of HTML; keep a margin for the headers of the part.
MAX_HTML_BYTES = 100_000
TEXT_WIDTH = 72
SMTP_LINE = 990  # RFC 5321 allows 998 characters per line
_SPACE = re.compile(r"\s+")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def templates_dir() -> str:
    return str(files("templates"))


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(templates_dir()),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        keep_trailing_newline=True,
    )
    env.filters["clean"] = clean_text
    env.filters["wrap"] = wrap
    env.filters["web_url"] = web_url
    env.filters["safe_url"] = web_url
    env.filters["day"] = day
    env.filters["shown"] = shown
    install_filters(env)
    return env


@lru_cache(maxsize=8192)
def clean_text(value: str, limit: int = 300) -> str:
    """Posting text as plain words: any HTML removed (nh3), entities decoded, whitespace folded,
    cut at `limit`. Autoescape escapes the result again in the HTML part."""
    text = html_lib.unescape(nh3.clean(value or "", tags=set()))
    text = _SPACE.sub(" ", text).strip()
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def wrap(value: str, width: int = TEXT_WIDTH, indent: str = "", first: str | None = None) -> str:
    """A paragraph wrapped for plain-text mail; URLs and long words are never broken (greedy,
    like textwrap with break_long_words=False, at a fraction of its cost)."""
    words = str(value).split()
    if not words:
        return ""
    current = (indent if first is None else first) + words[0]
    lines: list[str] = []
    for word in words[1:]:
        if len(current) + 1 + len(word) > width:
            lines.append(current)
            current = indent + word
        else:
            current += " " + word
    lines.append(current)
    return "\n".join(lines)


def web_url(value: str) -> str:
    """The URL if it is a plain http(s) link; '' for javascript:, data: and anything odd."""
    return web_link(value)


def day(value: str, this_year: int | None = None) -> str:
    """'2026-11-23T09:00:00Z' -> 'Nov 23', as a person says it; with the year ('Nov 23, 2025')
    when it is not `this_year` (the year the group first saw the posting). Other text as written."""
    match = _DATE.match(value or "")
    if not match:
        return clean_text(value, 40)
    try:
        posted = date.fromisoformat(match.group(0))
    except ValueError:
        return match.group(0)
    text = f"{posted:%b} {posted.day}"
    return text if posted.year == (this_year or posted.year) else f"{text}, {posted.year}"


@dataclass(frozen=True, slots=True)
class Shown:
    """A posting's display strings, cleaned once and shared by every member's digest."""

    title: str
    link: str
    meta: tuple[str, ...]  # company, location, remote, salary, posted: HTML joins with a dot
    text_head: str  # "* Title" and the meta line, wrapped for the plain-text part


@lru_cache(maxsize=16384)
def shown(posting: PostingView) -> Shown:
    title = clean_text(posting.title, 160) or "Job posting"
    meta = [clean_text(posting.company, 100) or "Company not stated"]
    meta += place_parts(clean_text(posting.location, 100), posting.remote)
    meta += [clean_text(posting.salary, 80)] if posting.salary else []
    meta += (
        [f"posted {day(posting.posted_at, posting.first_seen.year)}"] if posting.posted_at else []
    )
    head = wrap(f"* {title}", indent="  ", first="") + "\n" + wrap(" - ".join(meta), indent="  ")
    return Shown(title, web_url(posting.link), tuple(meta), head)


def feedback_html(base: str) -> Markup:
    """The five feedback links of one lead, 'Not relevant · Applied · …', as HTML: `base` is the
    lead's feedback URL without its kind."""
    base = html_lib.escape(base, quote=True)
    return Markup(
        " &middot; ".join(f'<a href="{base}/{kind}">{label}</a>' for kind, label in FEEDBACK_KINDS)
    )


def feedback_text(base: str, indent: str = "  ") -> str:
    """The same five links for the plain-text part, one 'Label: URL' line each."""
    return "\n".join(f"{indent}{label}: {base}/{kind}" for kind, label in FEEDBACK_KINDS)


@dataclass
class Links:
    """Signed links for one member; the web app verifies them (digest.delivery.tokens.Signer.loads).

    Contract with the web app:
      /feedback/<token>/<posting id>/<kind>
                                token: purpose "feedback-member", data member_id, one per
                                digest; the posting id and kind (one of FEEDBACK_KINDS) are not
                                signed: the web app accepts only a posting offered to the member.
                                GET shows a confirm button, POST records (mail scanners GET)
      /feedback/<token>/<kind>  older digests: purpose "feedback", data [member_id, posting_id]
      /preferences/<token>      purpose "preferences", data member_id
      /unsubscribe/<token>      purpose "unsubscribe", data member_id (GET shows a button;
                                POST unsubscribes: RFC 8058 one-click)
      /intro/<token>            purpose "intro-ask", data [member_id, contact_id, posting_id]:
                                GET shows a confirm button, POST asks (mails the contact)
      /digest/<token>           purpose "view", data member_id: the web digest page, read-only
                                (its own links are ViewLinks), so a forwarded digest's "see N
                                more" link hands over nothing
    One feedback token per digest, joined to each lead's prepared fragment by concatenation:
    signing is the costliest part of a link, and the fragments are shared by every member.
    """

    cfg: Config
    signer: Signer
    member_id: int
    _cache: dict[tuple[str, str], str] = field(default_factory=dict, repr=False)

    def _url(self, path: str, purpose: str, data: object) -> str:
        return f"{self.cfg.site_url()}/{path}/{self.signer.dumps(purpose, data)}"

    def _cached(self, key: tuple[str, str], path: str, purpose: str, data: object) -> str:
        url = self._cache.get(key)
        if url is None:
            url = self._cache[key] = self._url(path, purpose, data)
        return url

    @property
    def feedback_prefix(self) -> str:
        """'https://…/feedback/<member token>/': a lead's links add '<posting id>/<kind>'."""
        url = self._cached(("", "feedback"), "feedback", "feedback-member", self.member_id)
        return url + "/"

    def feedback_base(self, posting_id: int) -> str:
        """The feedback URL without its kind: templates append "/applied" etc. themselves."""
        return f"{self.feedback_prefix}{posting_id}"

    def feedback(self, posting_id: int, kind: str) -> str:
        return f"{self.feedback_base(posting_id)}/{kind}"

    def feedback_html(self, posting_id: int) -> Markup:
        return feedback_html(self.feedback_base(posting_id))

    def feedback_text(self, posting_id: int, indent: str = "  ") -> str:
        return feedback_text(self.feedback_base(posting_id), indent)

    def intro(self, posting_id: int, contact_id: int) -> str:
        """'Ask Dan for an introduction': purpose "intro-ask", [member, contact, posting]."""
        data = [self.member_id, contact_id, posting_id]
        return self._cached((f"{posting_id}.{contact_id}", "intro"), "intro", "intro-ask", data)

    @property
    def preferences(self) -> str:
        return self._cached(("", "preferences"), "preferences", "preferences", self.member_id)

    @property
    def unsubscribe(self) -> str:
        return self._cached(("", "unsubscribe"), "unsubscribe", "unsubscribe", self.member_id)

    @property
    def web_digest(self) -> str:
        return self._cached(("", "digest"), "digest", "view", self.member_id)


class ViewLinks(Links):
    """The links of the web copy of a digest, reached with a read-only "view" token: anyone may
    hold that link (digests are forwarded), so nothing on the page acts for the member without
    signing in. Feedback, preferences and unsubscribe go to the signed-in pages (sign-in first)."""

    def _url(self, path: str, purpose: str, data: object) -> str:
        base = self.cfg.site_url()
        if purpose == "view":
            return super()._url(path, purpose, data)
        if purpose == "feedback-member":
            return f"{base}/me/feedback"
        if purpose == "intro-ask" and isinstance(data, list):
            return f"{base}/me/intro/{data[2]}/{data[1]}"
        return f"{base}/me"


def group_inbox(cfg: Config) -> str:
    """Where members forward postings: `group.inbox_address`, else the address digests come from
    (the IMAP login name is not necessarily an address members can write to)."""
    return cfg.group.inbox_address.strip() or parseaddr(cfg.smtp.from_address)[1]


def why_you_get_this(cfg: Config, digest: MemberDigest) -> str:
    member = digest.member
    groups = [g.name for g in member.subgroups]
    reason = f"You get this because you are a member of {cfg.group.name}"
    if groups:
        reason += f" in {', '.join(groups)}"
    if member.keywords:
        reason += f" and follow the keywords: {', '.join(member.keywords)}"
    if digest.targets:
        reason += f"; you want to work at {', '.join(digest.targets)}"
    if member.always_send:
        reason += ", and asked for a digest even in weeks without leads"
    return reason + "."


def _thanks(digest: MemberDigest) -> str:
    names = ", ".join(f"{name} ({n})" for name, n in digest.contributors)
    return f"Thanks to this week's top contributors: {names}." if names else ""


@dataclass(frozen=True, slots=True)
class _Block:
    heading: str  # '' where neighbouring single leads run together
    count: str  # '3 leads'


@dataclass(frozen=True, slots=True)
class _SectionView:
    subgroup: str
    blocks: tuple[_Block, ...]


@dataclass(frozen=True, slots=True)
class _View:
    """What the skeleton templates (greeting, headings, footer) show of one digest: a member's
    own strings, or holes in their place when a skeleton is prepared for every digest of the
    same shape (`_Skeleton`)."""

    preheader: str
    title: str
    landings: tuple[str, ...]
    intro_answers: tuple[str, ...]
    intro_answers_text: tuple[str, ...]
    no_leads: bool
    sections: tuple[_SectionView, ...]
    more: str
    more_text: str
    web_digest: str
    thanks: str
    why: str
    why_text: str
    preferences: str
    unsubscribe: str
    slot: Markup  # where a block of leads goes (`SLOT`, `TEXT_SLOT`)
    text_slot: str


#: holes of a skeleton that sit in attribute values (links); the others are text
_ATTRIBUTE_HOLES = frozenset(("web", "pref", "unsub"))


class _Shape:
    """One digest's skeleton: its view (with holes, `holes=True`, or the member's strings), the
    values of the holes, the blocks of leads in order (leads, in a role block), and the key of
    every digest that shares the same skeleton (same sections and blocks, counts aside)."""

    def __init__(self, cfg: Config, digest: MemberDigest, links: Links, holes: bool) -> None:
        self.values: dict[str, str] = {}
        self.blocks: list[tuple[list[Lead], bool]] = []
        self._holes = holes
        first = digest.leads[0].posting.title if digest.leads else "No new leads this week"
        why = why_you_get_this(cfg, digest)
        answers = digest.intro_answers
        sections = tuple(self._section(i, s) for i, s in enumerate(digest.sections))
        more = digest.more
        more_html = f"See {more} more {noun(more, 'lead')} on the group's site" if more else ""
        more_text = wrap(f"{plural(more, 'more lead')} on the group's site:") if more else ""
        self.view = _View(
            preheader=self._put("pre", clean_text(first, 90)),
            title=self._put(
                "title", f"{plural(digest.total, 'job lead')} for you, {digest.member.display_name}"
            ),  # fmt: skip
            landings=tuple(map(str, digest.landings)),
            intro_answers=tuple(self._put(f"ia{i}", a) for i, a in enumerate(answers)),
            intro_answers_text=tuple(self._put(f"iat{i}", wrap(a)) for i, a in enumerate(answers)),
            no_leads=not digest.leads,
            sections=sections,
            more=self._put("more", more_html) if more else "",
            more_text=self._put("moret", more_text) if more else "",
            web_digest=self._put("web", links.web_digest) if more else "",
            thanks=_thanks(digest),
            why=self._put("why", why),
            why_text=self._put("whyt", wrap(why)),
            preferences=self._put("pref", links.preferences),
            unsubscribe=self._put("unsub", links.unsubscribe),
            slot=Markup(SLOT),
            text_slot=TEXT_SLOT,
        )
        group = cfg.group
        self.key = (
            "skeleton", group.name, group.contact, group_inbox_key(cfg), digest.period,
            self.view.landings, self.view.thanks, len(answers), self.view.no_leads, bool(more),
            tuple(tuple(bool(b.heading) for b in s.blocks) for s in sections),
        )  # fmt: skip

    def _put(self, name: str, value: str) -> str:
        self.values[name] = value
        return f"{HOLE}{name}{END}" if self._holes else value

    def _section(self, i: int, section: Section) -> _SectionView:
        blocks = []
        for j, block in enumerate(section.blocks):
            n = len(block.leads)
            heading = self._put(f"h{i}.{j}", block.heading) if block.heading else ""
            blocks.append(_Block(heading, self._put(f"c{i}.{j}", plural(n, "lead"))))
            self.blocks.append((block.leads, bool(block.heading)))
        return _SectionView(self._put(f"s{i}", section.subgroup), tuple(blocks))


def group_inbox_key(cfg: Config) -> tuple[str, str]:
    """What `group_inbox` depends on, without parsing the address per digest."""
    return cfg.group.inbox_address, cfg.smtp.from_address


def _skeleton_context(cfg: Config, digest: MemberDigest, view: _View) -> dict[str, object]:
    return {
        "group": cfg.group,
        "view": view,
        "group_inbox": group_inbox(cfg),
        "week": week_of(digest.period),
    }


@dataclass(frozen=True, slots=True)
class _Skeleton:
    """A digest skeleton rendered (and, for HTML, inlined) once for every digest of its shape:
    static text between the names of its holes (`names`: a member's strings, '#<n>' for the
    n-th block of leads), joined per member."""

    statics: tuple[str, ...]
    names: tuple[str, ...]

    @classmethod
    def of(cls, document: str) -> _Skeleton:
        raw = _SKELETON_SPLIT.split(document)
        names, slots = [], 0
        for mark in raw[1::2]:
            if mark in (SLOT, TEXT_SLOT):
                names.append(f"#{slots}")
                slots += 1
            else:
                names.append(mark[len(HOLE) : -len(END)])
        return cls(tuple(raw[0::2]), tuple(names))

    def fill(self, values: dict[str, str]) -> str:
        out = [""] * (2 * len(self.statics) - 1)
        out[0::2] = self.statics
        out[1::2] = map(values.__getitem__, self.names)
        return "".join(out)


def _html_values(shape: _Shape, blocks: list[str]) -> dict[str, str]:
    """The member's strings as the inliner writes them (attribute values, text), and the
    blocks of leads."""
    values = {
        name: _escaped(value, name in _ATTRIBUTE_HOLES) for name, value in shape.values.items()
    }
    values.update((f"#{i}", block) for i, block in enumerate(blocks))
    return values


def _escaped(value: str, attribute: bool) -> str:
    """`value` as the inliner writes an attribute value or text; most need nothing (a test for
    four characters is cheaper than a translate)."""
    if (
        "&" in value
        or "\xa0" in value
        or ('"' in value if attribute else "<" in value or ">" in value)
    ):
        return value.translate(_ATTRIBUTE if attribute else _TEXT)
    return value


def render_html(
    cfg: Config, digest: MemberDigest, links: Links, slots: _Slots | None = None
) -> str:
    """The digest's skeleton (greeting, sections, footer) prepared once per shape with holes
    for the member's strings, inlined once, and joined per member with the blocks of leads
    from prepared fragments."""
    return _render_html(cfg, digest, links, slots or _Slots(digest.fragments, links))[0]


def _render_html(
    cfg: Config, digest: MemberDigest, links: Links, slots: _Slots
) -> tuple[str, _Shape]:
    shape = _Shape(cfg, digest, links, holes=True)
    blocks = slots.html_blocks(shape.blocks)
    strings = "".join(shape.values.values())
    if "\r" in strings or "\x00" in strings:
        # the HTML parser would change these (CR to LF, NUL dropped): the member's own skeleton
        return own_skeleton_html(cfg, digest, links, blocks), shape
    return _skeleton(slots, cfg, digest, shape, html=True).fill(_html_values(shape, blocks)), shape


def own_skeleton_html(cfg: Config, digest: MemberDigest, links: Links, blocks: list[str]) -> str:
    """The digest's HTML with its skeleton rendered and inlined for it alone (the member's
    strings in it, not holes): what a prepared skeleton must equal."""
    real = _Shape(cfg, digest, links, holes=False)
    pieces = _document(cfg, digest, real.view, html=True).split(SLOT)
    out = [pieces[0]]
    for block, piece in zip(blocks, pieces[1:], strict=True):
        out += (block, piece)
    return "".join(out)


def render_text(
    cfg: Config,
    digest: MemberDigest,
    links: Links,
    slots: _Slots | None = None,
    shape: _Shape | None = None,
) -> str:
    """The plain-text part: its skeleton prepared once per shape, like the HTML's."""
    slots = slots or _Slots(digest.fragments, links)
    shape = shape or _Shape(cfg, digest, links, holes=True)
    values = dict(shape.values)
    values.update((f"#{i}", slots.text(leads)) for i, (leads, _) in enumerate(shape.blocks))
    text = _skeleton(slots, cfg, digest, shape, html=False).fill(values)
    return _BLANK_RUN.sub("\n\n", text).strip() + "\n"


def _document(cfg: Config, digest: MemberDigest, view: _View, html: bool) -> str:
    """The skeleton template rendered with `view` (CSS inlined for HTML)."""
    name = "email/digest.html" if html else "email/digest.txt"
    out = environment().get_template(name).render(_skeleton_context(cfg, digest, view))
    return _inliner().inline(out) if html else out


def _skeleton(
    slots: _Slots, cfg: Config, digest: MemberDigest, shape: _Shape, html: bool
) -> _Skeleton:
    """The prepared skeleton of the digest's shape, made on its first digest of the period."""
    key = ("html" if html else "text", *shape.key)
    found = slots.cache.get(key)
    if not isinstance(found, _Skeleton):
        found = slots.cache[key] = _Skeleton.of(_document(cfg, digest, shape.view, html))
    return found


#: runs of blank lines: written "\n\n\n+", not "\n{3,}", the regex engine then searches
#: for the literal "\n\n\n" first (20x faster over a digest)
_BLANK_RUN = re.compile(r"\n\n\n+")


def render(
    cfg: Config, digest: MemberDigest, links: Links, max_html: int = MAX_HTML_BYTES
) -> tuple[str, str]:
    """(html, text) of one digest. Leads that would push the HTML over `max_html` bytes move to
    'N more' (the digest is changed, so what is recorded as sent is what was shown)."""
    html, text, _ = _render(cfg, digest, links, max_html)
    return html, text


def _render(
    cfg: Config, digest: MemberDigest, links: Links, max_html: int = MAX_HTML_BYTES
) -> tuple[str, str, bytes]:
    """`render`, and the HTML's UTF-8 bytes (its size is measured on them; the MIME part is
    made from them)."""
    slots = _Slots(digest.fragments, links)
    html, shape = _render_html(cfg, digest, links, slots)
    data = html.encode("utf-8")
    while len(data) > max_html and digest.leads:
        per_lead = max(1, len(data) // max(1, len(digest.leads)))
        digest.drop_last(max(1, (len(data) - max_html) // per_lead + 1))
        html, shape = _render_html(cfg, digest, links, slots)
        data = html.encode("utf-8")
    return html, render_text(cfg, digest, links, slots, shape), data


# -- prepared lead fragments -------------------------------------------------------------------

#: Marks are made unguessable per process: posting text and links come from strangers' mail, and
#: a posting that could write a hole or a cut mark would shift other leads or sign links.
_NONCE = secrets.token_hex(8)
#: Where a member's own link or words go in a shared fragment: HOLE + name + END.
HOLE, END = f"\ue000{_NONCE}:", "\ue001"
_HOLE_SPLIT = re.compile(re.escape(HOLE) + r"(f|w|v|i\d+)" + re.escape(END))
#: A block of leads' place in the inlined skeleton, and the cut marks around each fragment
#: being inlined.
SLOT = f"<!--lead-{_NONCE}-->"
_CUT = f"<!--cut-{_NONCE}-->"
#: the same for the plain-text skeleton, and what cuts a prepared skeleton at its holes
TEXT_SLOT = f"{HOLE}#{END}"
_SKELETON_SPLIT = re.compile(f"({re.escape(HOLE)}[^{END}]*{re.escape(END)}|{re.escape(SLOT)})")
#: Fragments kept per period: a week has a few variants of each posting, never one per member.
MAX_FRAGMENTS = 12_000
_ROLE = ' class="role"'
#: how the inliner writes an attribute's value, and text
_ATTRIBUTE = str.maketrans({"&": "&amp;", '"': "&quot;", "\xa0": "&nbsp;"})
_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\xa0": "&nbsp;"})


class _Holes:
    """Stands in for a member's Links while a lead's fragment is rendered once for everyone:
    each link that is the member's own comes out as a hole ('f': the feedback prefix,
    'i<contact id>': an introduction request), filled per member by `Fragment.fill`."""

    def feedback_html(self, posting_id: int) -> Markup:
        return feedback_html(f"{HOLE}f{END}{posting_id}")

    def feedback_text(self, posting_id: int, indent: str = "  ") -> str:
        return feedback_text(f"{HOLE}f{END}{posting_id}", indent)

    def intro(self, posting_id: int, contact_id: int) -> str:
        return f"{HOLE}i{contact_id}{END}"

    def why_html(self) -> Markup:
        """'Why: …' differs from member to member (their keywords, their pitch): a hole too, so
        one fragment serves every member of a sub-group."""
        return Markup(f"{HOLE}w{END}")

    def why_text(self) -> str:
        return f"{HOLE}v{END}"


@dataclass(frozen=True, slots=True)
class Fragment:
    """One lead as HTML (CSS inlined) or text, shared by every member it is shown to: static
    text around its holes. The feedback prefix fills most holes (five links), so the static
    text is kept as runs cut at those (`runs`, joined by the prefix), with the other holes
    (`keys`: the 'Why' line, introduction links) between the runs."""

    posting_id: int
    runs: tuple[tuple[str, ...], ...]
    keys: tuple[str, ...]
    html: bool

    @classmethod
    def of(cls, posting_id: int, text: str, html: bool) -> Fragment:
        parts = _HOLE_SPLIT.split(text)
        runs, keys = [[parts[0]]], []
        for key, static in zip(parts[1::2], parts[2::2], strict=True):
            if key == "f":
                runs[-1].append(static)
            else:
                keys.append(key)
                runs.append([static])
        return cls(posting_id, tuple(map(tuple, runs)), tuple(keys), html)

    def fill(self, links: Links, lead: Lead, prefix: str) -> str:
        """The fragment with this member's links and words in its holes, written as the
        inliner writes attribute values and text; `prefix`: the member's feedback prefix,
        already written so."""
        runs = self.runs
        out = [prefix.join(runs[0])]
        for key, run in zip(self.keys, runs[1:], strict=True):
            if key == "w":
                out.append(("Why: " + "; ".join(lead.why)).translate(_TEXT))
            elif key == "v":
                out.append(_why_text("Why: " + "; ".join(lead.why)))
            else:
                url = links.intro(self.posting_id, int(key[1:]))
                out.append(url.translate(_ATTRIBUTE) if self.html else url)
            out.append(prefix.join(run))
        return "".join(out)


@lru_cache(maxsize=8192)
def _why_text(line: str) -> str:
    """A 'Why' line wrapped for the text part: members of a sub-group share most of them."""
    return wrap(line, indent="  ")


def _lead_key(lead: Lead) -> tuple[object, ...]:
    """Everything a lead's fragment shows but its holes: the posting and what differs between
    members (credits, contacts, a sharer's note; whether there is a 'Why' line)."""
    return (
        lead.posting.id, bool(lead.why), lead.credit, lead.meant, lead.recruiter,
        tuple(lead.contacts), tuple(lead.contact_extra), lead.more_contacts,
    )  # fmt: skip


class _Slots:
    """The leads of one digest, block by block, joined from their fragments in the period's
    cache (`MemberDigest.fragments`), which also holds the prepared skeletons."""

    def __init__(self, cache: dict[object, object], links: Links) -> None:
        if len(cache) > MAX_FRAGMENTS:
            cache.clear()
        self.cache, self.links = cache, links
        self._keys: dict[int, tuple[object, ...]] = {}  # id(lead): the digest holds its leads
        self._prefix = links.feedback_prefix
        self._prefix_html = self._prefix.translate(_ATTRIBUTE)

    def _key(self, lead: Lead) -> tuple[object, ...]:
        key = self._keys.get(id(lead))
        if key is None:
            key = self._keys[id(lead)] = _lead_key(lead)
        return key

    def text(self, leads: list[Lead]) -> str:
        """A block of leads in the plain-text part, this member's links joined in."""
        out = []
        for lead in leads:
            key = ("text", *self._key(lead))
            fragment = self.cache.get(key)
            if not isinstance(fragment, Fragment):
                text = (
                    environment()
                    .get_template("email/partials/lead.txt")
                    .render(lead=lead, links=_Holes())
                )
                fragment = self.cache[key] = Fragment.of(lead.posting.id, text, html=False)
            out.append(fragment.fill(self.links, lead, self._prefix))
        return "".join(out)

    def html_blocks(self, blocks: list[tuple[list[Lead], bool]]) -> list[str]:
        """Each block's leads (in a role block or not), joined: the missing fragments rendered
        and inlined together, in one document, so the stylesheet is parsed once for them."""
        wanted = [
            [(("html", in_role, *self._key(lead)), lead) for lead in leads]
            for leads, in_role in blocks
        ]
        missing = {key: (lead, in_role) for slot, (_, in_role) in zip(wanted, blocks, strict=True)
                   for key, lead in slot if key not in self.cache}  # fmt: skip
        if missing:
            inlined = _inline_leads(list(missing.values()))
            for key, (lead, _), html in zip(missing, missing.values(), inlined, strict=True):
                self.cache[key] = Fragment.of(lead.posting.id, html, html=True)
        fill, cache, links, prefix = Fragment.fill, self.cache, self.links, self._prefix_html
        return ["".join([fill(cache[key], links, lead, prefix) for key, lead in slot])  # type: ignore[arg-type]
                for slot in wanted]  # fmt: skip


def _inline_leads(leads: list[tuple[Lead, bool]]) -> list[str]:
    """Each lead's HTML with the stylesheet inlined, in the ancestors it has in a digest (a role
    block's leads are styled as such), cut out of one inlined document."""
    template = environment().get_template("email/partials/lead.html")
    tables = "".join(
        f"<table{_ROLE if in_role else ''}><tbody>{_CUT}"
        f"{template.render(lead=lead, links=_Holes())}{_CUT}</tbody></table>"
        for lead, in_role in leads
    )
    style = environment().get_template("email/partials/style.html").render()
    document = (
        f'<!DOCTYPE html><html><head>{style}</head><body class="body"><table class="wrap"><tbody>'
        '<tr><td class="outer"><table class="card"><tbody><tr><td class="pad section">'
        f"{tables}</td></tr></tbody></table></td></tr></tbody></table></body></html>"
    )
    return _inliner().inline(document).split(_CUT)[1::2]


@lru_cache(maxsize=1)
def _inliner() -> css_inline.CSSInliner:
    return css_inline.CSSInliner(keep_style_tags=True, load_remote_stylesheets=False)


def subject_line(cfg: Config, digest: MemberDigest) -> str:
    n, week = digest.total, week_of(digest.period)
    group = header_text(cfg.group.name)
    if n == 0:
        return f"{group}: no new job leads this week ({week})"
    return f"{group}: {plural(n, 'job lead')} for you ({week})"


def mail_domain(cfg: Config) -> str:
    return _domain(cfg.smtp.from_address)


@lru_cache(maxsize=16)
def _domain(from_address: str) -> str:
    return parseaddr(from_address)[1].rpartition("@")[2] or "localhost"


def new_message_id(cfg: Config, digest: MemberDigest) -> str:
    """Unique (64 random bits) and short enough that the header is never folded."""
    return f"<digest.{digest.period}.{digest.member.id}.{secrets.token_hex(8)}@{mail_domain(cfg)}>"


@dataclass(frozen=True, slots=True)
class Mail:
    """A digest as it goes out: its Message-ID and its wire form (CRLF line ends, headers folded,
    lines within SMTP's limits), built from prepared parts rather than by the email package."""

    message_id: str
    data: bytes

    def message(self) -> EmailMessage:
        """The same mail parsed, for --dry-run files and for reading it in tests."""
        parsed = email.message_from_bytes(self.data, policy=MESSAGE_POLICY)
        assert isinstance(parsed, EmailMessage)
        return parsed


def build_mail(
    cfg: Config,
    digest: MemberDigest,
    links: Links,
    now: datetime | None = None,
    message_id: str | None = None,
) -> Mail:
    """The complete message. `message_id` is reused when a digest is sent again after a crash, so
    receiving systems that already have it drop the copy."""
    html, text, utf8 = _render(cfg, digest, links)
    message_id = message_id or new_message_id(cfg, digest)
    date = _date(int((now or datetime.now(UTC)).timestamp()), cfg.tz)
    sender, list_id = _group_headers(cfg.smtp.from_address, cfg.group.name)
    mailto = _MAILTO.get(cfg.smtp.from_address)
    if mailto is None:  # the unsubscribe address is the From address's: parsed once
        mailto = _MAILTO[cfg.smtp.from_address] = (
            f"mailto:{cfg.unsubscribe_address()}?subject=unsubscribe"
        )
    head = b"".join((
        sender,
        header_line("To", mailbox_text(digest.member.name, digest.member.email)),
        header_line("Subject", subject_line(cfg, digest)),
        header_line("Date", date),
        header_line("Message-ID", message_id),
        list_id,
        list_unsubscribe(links.unsubscribe, mailto),
        _period_headers(digest.period),
    ))  # fmt: skip
    parts = (_text_part(text), _html_part(html, utf8))
    return Mail(message_id, multipart(head, parts))


_MAILTO: dict[str, str] = {}


@lru_cache(maxsize=4)
def _date(second: int, tz: tzinfo) -> str:
    """The Date header's value for that second: the digests of one second share it."""
    return format_datetime(datetime.fromtimestamp(second, tz))


@lru_cache(maxsize=16)
def _group_headers(from_address: str, group_name: str) -> tuple[bytes, bytes]:
    """The From and List-Id lines: the same for every digest of the group."""
    domain = _domain(from_address)
    slug = re.sub(r"[^a-z0-9]+", "-", group_name.casefold()).strip("-") or "group"
    list_id = header_line("List-Id", f"{header_text(group_name)} digest <{slug}.digest.{domain}>")
    return header_line("From", from_header(from_address)), list_id


#: the email package's folding width (RFC 5322's "SHOULD" of 78 characters)
FOLD_WIDTH = 78
_PLAIN_VALUE = re.compile(r"[!#-\[\]-~]+(?: [!#-\[\]-~]+)*")  # printable ASCII, no quote


def header_line(name: str, value: str) -> bytes:
    """One header as the email package writes it on the wire, at no cost where there is
    nothing to fold or encode (printable ASCII on one short line); otherwise by the package."""
    if (
        len(name) + 2 + len(value) <= FOLD_WIDTH
        and "=?" not in value
        and _PLAIN_VALUE.fullmatch(value)
    ):
        return f"{name}: {value}\r\n".encode("ascii")
    return _folded(name, value)


@lru_cache(maxsize=1024)
def _folded(name: str, value: str) -> bytes:
    return WIRE_POLICY.fold_binary(name, WIRE_POLICY.header_store_parse(name, value)[1])


def list_unsubscribe(url: str, mailto: str) -> bytes:
    """RFC 2369's header, folded between its two URLs: the email package would fold a long URL
    into RFC 2047 encoded words, which are not allowed in this structured header (a client that
    looks for "<https:" finds none)."""
    line = f"List-Unsubscribe: <{url}>,\r\n <{mailto}>\r\n"
    if line.isascii() and max(len(url), len(mailto)) < SMTP_LINE - 24:
        return line.encode("ascii")
    return _folded("List-Unsubscribe", f"<{url}>, <{mailto}>")


@lru_cache(maxsize=16)
def _period_headers(period: str) -> bytes:
    return b"".join((
        header_line("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        header_line("Auto-Submitted", "auto-generated"),
        header_line("Precedence", "bulk"),
        header_line("X-Jobdigest-Period", period),
        b"MIME-Version: 1.0\r\n",
    ))  # fmt: skip


def _text_part(text: str) -> bytes:
    """As is when it can be (long links stay whole for plain-text readers, no quoted-printable
    pass); otherwise encoded by the email package, as it would choose."""
    if text.isascii():
        data = text.encode("ascii")
        if not any(c in data for c in _ODD_BREAKS):  # then lines end at LF alone
            if max(map(len, data.split(b"\n"))) <= SMTP_LINE:
                return _TEXT_HEAD + _crlf(data)
        elif max(map(len, text.splitlines()), default=0) <= SMTP_LINE:
            return _seven_bit("text/plain", "utf-8", text)
    part = MIMEPart(policy=MESSAGE_POLICY)
    part.set_content(text, charset="utf-8")
    return part.as_bytes(policy=WIRE_POLICY)


def _html_part(html: str, utf8: bytes | None = None) -> bytes:
    """7-bit ASCII (see `mail_safe_html`); base64 when no line can be broken. `utf8`: the
    HTML's UTF-8 bytes when they are at hand: the only non-ASCII character of most digests is
    the middle dot (of "Applied · Hired"), so its reference replaced in them is often all the
    encoding there is to do."""
    body = _mail_safe(html, utf8, b"\r\n")
    if body is not None:
        return _HTML_HEAD + body
    part = EmailMessage(policy=MESSAGE_POLICY)
    part.set_content(html, subtype="html", charset="utf-8", cte="base64")
    return part.as_bytes(policy=WIRE_POLICY)


def _seven_bit_head(content_type: str, charset: str, extra: bytes = b"") -> bytes:
    return (
        (
            f'Content-Type: {content_type}; charset="{charset}"\r\n'
            f"Content-Transfer-Encoding: 7bit\r\n"
        ).encode("ascii")
        + extra
        + b"\r\n"
    )


_MIDDOT = "\xb7".encode()
_HTML_HEAD = _seven_bit_head("text/html", "us-ascii", b"MIME-Version: 1.0\r\n")
_TEXT_HEAD = _seven_bit_head("text/plain", "utf-8")
#: what else str.splitlines (besides LF) ends a line at in ASCII text
_ODD_BREAKS = (b"\r", b"\x0b", b"\x0c", b"\x1c", b"\x1d", b"\x1e")


def _seven_bit(content_type: str, charset: str, body: str, extra: bytes = b"") -> bytes:
    """A part whose body goes out as it is, every line ended by CRLF (lines split as the email
    package splits them: at CR, LF and CRLF only)."""
    return _seven_bit_head(content_type, charset, extra) + _crlf(body.encode("ascii"))


def _crlf(data: bytes) -> bytes:
    """Every line ended by CRLF, lines split as the email package splits them (at CR, LF and
    CRLF); without a CR that is a replace, not a list of lines."""
    if b"\r" in data:
        return b"\r\n".join(data.splitlines()) + b"\r\n"
    return data.replace(b"\n", b"\r\n") + (b"" if data.endswith(b"\n") else b"\r\n")


def multipart(head: bytes, parts: tuple[bytes, ...]) -> bytes:
    """multipart/alternative around prepared parts, with a boundary none of them contains (the
    email package's form of boundary)."""
    while True:
        boundary = f"==============={random.randrange(sys.maxsize):019d}==".encode("ascii")
        if not any(boundary in part for part in parts):
            break
    delimiter = b"\r\n--" + boundary  # the line end before it belongs to the delimiter
    return b"".join((
        head,
        b'Content-Type: multipart/alternative;\r\n boundary="', boundary, b'"\r\n\r\n--',
        boundary, b"\r\n", (delimiter + b"\r\n").join(parts), delimiter, b"--\r\n",
    ))  # fmt: skip


def mail_safe_html(html: str) -> str | None:
    """The HTML as 7-bit ASCII with lines SMTP accepts, so the part needs no transfer encoding
    (smaller than base64, cheaper than quoted-printable): non-ASCII characters become character
    references, and an over-long line breaks before an attribute (whitespace inside a tag, so
    nothing changes on screen). None if a line cannot be broken that way."""
    data = _mail_safe(html)
    return None if data is None else data.decode("ascii")


def _mail_safe(html: str, utf8: bytes | None = None, end: bytes = b"\n") -> bytes | None:
    """`mail_safe_html` as bytes: the long lines (a lead's feedback links) found by C-level
    maps over the line lengths, only they visited in Python. `utf8`: see `_html_part`. With
    `end` CRLF, the body of the MIME part: every line ended so, as `_crlf` would end them."""
    data = utf8.replace(_MIDDOT, b"&#183;") if utf8 is not None else b"\x80"
    if not data.isascii():  # what "xmlcharrefreplace" writes: decimal references
        data = html.encode("ascii", "xmlcharrefreplace")
    if end != b"\n" and b"\r" in data:  # lines also end at CR: `_crlf` splits them so
        folded = _mail_safe(html, utf8)
        return None if folded is None else _crlf(folded)
    lines = data.split(b"\n")
    long = list(compress(range(len(lines)), map(SMTP_LINE.__lt__, map(len, lines))))
    for i in long:
        folded = _fold(lines[i], end)
        if folded is None:
            return None
        lines[i] = folded
    if end == b"\n":
        return end.join(lines) if long else data
    return end.join(lines) + (b"" if data.endswith(b"\n") else end)


def _fold(line: bytes, end: bytes = b"\n") -> bytes | None:
    parts: list[bytes] = []
    while len(line) > SMTP_LINE:
        cut = max(line.rfind(b' style="', 1, SMTP_LINE), line.rfind(b' href="', 1, SMTP_LINE))
        if cut <= 0:
            return None
        parts.append(line[:cut])
        line = line[cut:]
    return end.join([*parts, line])


class _CachedHeaderRegistry(HeaderRegistry):
    """The stdlib builds a new header class on every lookup (~40 per message); build each once."""

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type] = {}

    def __getitem__(self, name: str) -> type:
        cls = self._classes.get(name.lower())
        if cls is None:
            cls = self._classes[name.lower()] = super().__getitem__(name)
        return cls


MESSAGE_POLICY = email.policy.default.clone(header_factory=_CachedHeaderRegistry())
WIRE_POLICY = SMTP_POLICY.clone(header_factory=_CachedHeaderRegistry())


def message_bytes(msg: EmailMessage) -> bytes:
    """The wire form: CRLF line ends, lines within SMTP's limits."""
    return msg.as_bytes(policy=WIRE_POLICY)
