"""What a sender module declares, and the one loop that turns any sender's mail into postings."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from parsers.alerts._cards import Card, JobRef, JobRefFn, html_cards
from parsers.alerts._fields import Fields, read_card
from parsers.alerts._text import text_cards
from parsers.links import canonicalize_url, unwrap_redirect
from parsers.location import tidy_location
from parsers.model import Posting

Refine = Callable[[Fields], Fields]


def _keep(fields: Fields) -> Fields:
    return fields


@dataclass(frozen=True, slots=True)
class AlertSpec:
    """One alert sender: how to recognise its mails and its job links, and its card order."""

    origin: str
    #: Full From addresses of the sender's alert mails.
    senders: re.Pattern[str]
    #: Mail domains whose other addresses may send alerts too (tried by content).
    domains: tuple[str, ...]
    #: Text that only this sender's alert mails contain (links, addresses).
    markers: re.Pattern[str]
    #: The markers lower-cased and case-sensitive, for text that is ASCII and lower-cased
    #: (`mentioned_in`): a case-insensitive search is four times slower.
    ascii_markers: re.Pattern[str]
    job_ref: JobRefFn
    #: the card order: 0 title first, 1 company above the title, 2 company and pitch above it
    title_slot: int = 0
    refine: Refine = field(default=_keep)

    def owns_sender(self, sender: str) -> bool:
        return bool(self.senders.fullmatch(sender))

    def owns_domain(self, sender: str) -> bool:
        domain = sender.rpartition("@")[2]
        return any(domain == d or domain.endswith("." + d) for d in self.domains)

    def mentioned_in(self, text: str, lowered: str = "") -> bool:
        """Whether `text` holds a marker; `lowered` is text.lower() when text is ASCII, where
        a case-sensitive search of the lower-cased markers finds the same (one marker search
        per sender over up to 600 kB is the cost of telling who sent a forwarded alert)."""
        if lowered:
            return bool(self.ascii_markers.search(lowered))
        return bool(self.markers.search(text))


#: Who sends alerts (addresses, domains, markers), one table per sender module, in the order
#: senders are tried.
SENDERS_FILE = Path(__file__).with_name("data") / "senders.toml"


def _load_senders(path: Path = SENDERS_FILE) -> dict[str, dict[str, object]]:
    with path.open("rb") as handle:
        return tomllib.load(handle)


SENDERS = _load_senders()


def _union(patterns: object, flags: re.RegexFlag = re.I) -> re.Pattern[str]:
    items = [str(p) for p in patterns] if isinstance(patterns, list) else []
    if not items:
        return re.compile(r"(?!)")  # matches nothing
    return re.compile("|".join(f"(?:{p})" for p in items), flags)


def _lowered(patterns: object) -> list[str]:
    """Each pattern with its letters lower-cased, escapes ("\\S", "\\D") kept as written: on
    lower-cased ASCII text it matches where the pattern matches case-insensitively."""
    out: list[str] = []
    for pattern in patterns if isinstance(patterns, list) else []:
        pieces = re.split(r"(\\.)", str(pattern))
        out.append("".join(p if p.startswith("\\") else p.lower() for p in pieces))
    return out


def sender_spec(
    name: str, job_ref: JobRefFn, *, title_slot: int = 0, refine: Refine = _keep
) -> AlertSpec:
    """A sender module's spec: its job links and card order from code, the rest from
    senders.toml, so a new alert address is a line of data, not a code change."""
    data = SENDERS[name]
    domains = data.get("domains", [])
    return AlertSpec(
        origin=str(data.get("origin") or f"{name}_alert"),
        senders=_union(data.get("addresses", [])),
        domains=tuple(str(d) for d in domains) if isinstance(domains, list) else (),
        markers=_union(data.get("markers", [])),
        ascii_markers=_union(_lowered(data.get("markers", [])), re.NOFLAG),
        job_ref=job_ref,
        title_slot=title_slot,
        refine=refine,
    )


def parse_with(spec: AlertSpec, html: str, text: str) -> list[Posting]:
    """Postings from the HTML part, or from the text part when it holds more jobs.

    The HTML card is the better source for an alert as sent; but a forward's HTML may be only
    the member's client wrapping a text rendering in <br>s and bare links, where the text
    part reads better."""
    postings: list[Posting] = []
    if html.strip():
        postings = _postings(spec, html_cards(html, spec.job_ref))
    if text.strip():
        cards = text_cards(text, spec.job_ref)
        if len(cards) > len(postings):  # fewer cards cannot hold more jobs: not read twice
            from_text = _postings(spec, cards)
            if len(from_text) > len(postings):
                postings = from_text
    return postings


def _postings(spec: AlertSpec, cards: list[Card]) -> list[Posting]:
    postings: list[Posting] = []
    seen: set[str] = set()
    for card in cards:
        anchored = any(line.anchored for line in card.lines)
        fields = read_card(card.lines, spec.title_slot, strict=not card.ref.stable and anchored)
        if fields is None or not (card.ref.stable or _has_details(fields)):
            continue
        fields = spec.refine(fields)
        canonical = canonical_for(card.ref, card.url)
        if canonical in seen or not fields.title:
            continue
        seen.add(canonical)
        postings.append(_posting(spec, card, fields, canonical))
    return postings


def _has_details(fields: Fields) -> bool:
    """A click-tracker link is used for footers too: only a card with job facts counts."""
    return bool(fields.company or fields.location or fields.salary)


def _posting(spec: AlertSpec, card: Card, fields: Fields, canonical: str) -> Posting:
    return Posting(
        title=fields.title,
        url=card.url,
        canonical_url=canonical,
        company=fields.company,
        location=tidy_location(fields.location),  # "Hybrid work in Evanston, IL" -> the place
        remote=fields.remote,
        posted_at=fields.posted_at,
        description=fields.description,
        salary=fields.salary,
        origin=spec.origin,
    )


def canonical_for(ref: JobRef, url: str) -> str:
    """The links module's canonical form of the job URL the link stands for."""
    target = ref.key or url
    try:
        canonical = canonicalize_url(unwrap_redirect(target)) or target
    except Exception:  # noqa: BLE001 - a foreign helper must not break alert parsing
        canonical = target
    fragment = urlsplit(target).fragment
    if fragment and "#" not in canonical:
        canonical = f"{canonical}#{fragment}"
    return canonical


def url_parts(url: str) -> tuple[str, str, dict[str, str]]:
    """Host (lower case, no "www."), path, and query parameters (lower-case names) of a URL."""
    try:
        parts = urlsplit(url)
        query = {k.lower(): v for k, v in _pairs(parts.query)}
        query.update({k.lower(): v for k, v in _pairs(parts.fragment) if k.lower() not in query})
        host = (parts.hostname or "").lower()
    except ValueError:
        return "", "", {}
    return host.removeprefix("www."), parts.path, query


def _pairs(query: str) -> list[tuple[str, str]]:
    return parse_qsl(query, keep_blank_values=False)


def on_domain(host: str, *domains: str) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


_MONTHS_FILE = Path(__file__).with_name("data") / "months.toml"


def _load_months(path: Path = _MONTHS_FILE) -> dict[str, int]:
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    return {name: int(month) for month, names in data.items() for name in names}


_MONTHS = _load_months()
_MONTH_WORD = r"(?P<mon>[^\W\d_]{3,10})\.?"
_DATE_FORMS = (
    re.compile(r"(?P<year>\d{4})-(?P<m>\d{1,2})-(?P<day>\d{1,2})"),
    re.compile(_MONTH_WORD + r"\s+(?P<day>\d{1,2}),?\s+(?P<year>\d{4})"),
    re.compile(
        r"(?P<day>\d{1,2})\.?\s+(?:de\s+)?" + _MONTH_WORD + r",?\s+(?:de\s+)?(?P<year>\d{4})"
    ),
)


def sent_at(date_text: str) -> datetime | None:
    """When an alert was sent, from its Date header or a forward header's date line
    (RFC 5322; Gmail "Tue, Feb 13, 2024 at 9:04 AM"; Outlook "Tuesday, February 13, 2024";
    Apple "February 13, 2024 at 9:04:11 AM CST"; other languages' month names). None if the
    text names no date. Only the day matters: alerts give ages in days."""
    text = (date_text or "").strip()
    if not text:
        return None
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        parsed = None
    if parsed is not None:
        return parsed
    for form in _DATE_FORMS:
        match = form.search(text)
        if not match:
            continue
        parts = match.groupdict()
        month = int(parts["m"]) if parts.get("m") else _MONTHS.get((parts.get("mon") or "").lower())
        try:
            return datetime(int(parts["year"]), month or 0, int(parts["day"]))
        except (TypeError, ValueError):
            continue
    return None
