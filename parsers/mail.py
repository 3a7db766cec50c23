"""One mail's bytes to a ParsedItem: who sent it, their note, the forwarded originals, postings.

The order of questions follows how members use the inbox: is this mail a bounce or an
auto-reply (then it holds no leads)? Is it a forward, inline or as attached messages? Is the
original a job alert we know? Otherwise every distinct job link is a posting, and a forwarded
recruiter mail without a link is still one posting.

A mail a member's mailbox rule forwarded unchanged still says `From: noreply@...`; the member
is read from its trace headers into `ParsedItem.forwarded_by`. A mail whose MIME structure
cannot be read at all is an error naming why; a readable mail with defects only warns.

Interface (stable):
    parse_mail(raw: bytes, file: str = "") -> ParsedItem
Never raises for bad input: problems land in ParsedItem.error / .warnings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from parsers.alerts import MAX_CARDS, is_alert_sender, parse_alert, sent_at
from parsers.autoforward import forwarded_by
from parsers.company import is_legal_form
from parsers.dates import absolute_date, iso_date, parse_date
from parsers.forwards import Forward, forward_subject, split_forward
from parsers.htmltext import html_links, html_to_text
from parsers.links import (
    canonicalize_url,
    company_from_url,
    find_urls,
    is_job_link,
    job_id_key,
    title_from_url,
    unwrap_redirect,
)
from parsers.location import looks_like_place, mentions_remote, tidy_location, title_says_remote
from parsers.mime import DecodedMail, decode_mail, is_readable
from parsers.model import Address, ForwardedMessage, ParsedItem, Posting
from parsers.subjects import (
    ROLE_NOUN_RE,
    SubjectParts,
    company_from_body,
    is_generic,
    is_staffing_name,
    org_from_address,
    strip_subject,
    subject_parts,
    title_company,
)

__all__ = ["looks_like_job", "org_from_address", "parse_mail", "strip_subject", "title_company"]


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Descriptions are for tagging and a preview, not an archive of the whole thread.
MAX_DESCRIPTION = 20_000
#: A forwarded digest may hold hundreds of links; more than this is a newsletter dump.
MAX_LINKS = 400

_JOB_SIGNAL_RE = re.compile(
    r"\b(hiring|position|opportunit(?:y|ies)|role|job|opening|vacanc(?:y|ies)|recruit(?:er|ing)?|"
    r"requisition|candidate|full[- ]time|part[- ]time|contract(?:or)?|salary|compensation|"
    r"responsibilities|qualifications|requirements|apply|interview|resume|cv)\b",
    re.IGNORECASE,
)
_SUBJECT_SIGNAL_RE = re.compile(
    r"\b(hiring|position|opportunit(?:y|ies)|role|job|jobs|opening|vacanc(?:y|ies)|recruit(?:er|ing)?|"
    r"requisition|career)\b",
    re.IGNORECASE,
)
_ROLE_IN_BODY = (
    re.compile(
        r"^[ \t]*+(?:job title|position|role|title|job)[ \t]*+[:\-–][ \t]*+(?:\n[ \t]*+){0,3}"
        r"(?P<t>[^\n]{3,90})$",
        re.I | re.M,
    ),
    re.compile(
        r"\b(?:for|as) (?:a|an|the|our|my) (?P<t>(?:[A-Z][\w/&+.-]*\s){0,6}[A-Z][\w/&+.-]*)"
        r" (?:role|position|opportunity|opening)\b"
    ),
    re.compile(r"\bhiring (?:a|an) (?P<t>(?:[A-Z][\w/&+.-]*\s){0,6}[A-Z][\w/&+.-]*)"),
)
_LOCATION_RE = re.compile(
    r"(?:^|[.;!][ \t]++)[ \t]*+[-*•]?[ \t]*+(?:location|job location|based in|work location)"
    r"[ \t]*+[:\-–][ \t]*+(?:\n[ \t]*+){0,3}(?P<l>[^\n]{2,80})$",
    re.I | re.M,
)
#: Mobile and webmail footers that are not the member's words.
_SIGNATURE_RE = re.compile(
    r"^\s*(?:sent from (?:my |the )?\w[\w ]{0,30}|get outlook for \w+|sent from mail for windows"
    r"|sent via \w[\w ]{0,30}|download (?:the )?\w+ app.*)\s*$",
    re.I,
)
#: Longer own text than this is a message of its own, not a note on a link.
MAX_NOTE = 2000
#: Words that only ask to click, in the languages members forward: "Apply here:", "Postuler :".
_CTA_WORDS = (
    r"apply|view|see|click|details|read|learn|more|open|visit|go|check|job link|"
    r"this (?:job|role|position|link)|bewerben|bewerbung|jetzt bewerben|postuler|candidater|"
    r"candidature|candidatura|candidatar(?:-se)?|candidarsi|solicitud|solicitar|aplicar|"
    r"postularse|inscrever-se|solliciteren|sollicitatie|ansøg|ansök|sök|hakemus|details ansehen"
)
_CTA_RE = re.compile(
    rf"^(?:(?:{_CTA_WORDS})\b(?:\W+\w+){{0,4}}|link|here|https?://\S+|www\.\S+|"
    r"job (?:link|posting|description)|more info(?:rmation)?|full description)\W*$",
    re.IGNORECASE,
)
#: A click request ending a link's words: "Full-time, on site. Apply", "Details and apply".
_CTA_TAIL_RE = re.compile(
    rf"(?:^|[.;:,–—-]\s*|\s+)(?:(?:details|more info) and )?(?:{_CTA_WORDS})(?:\s+(?:here|now|online|today))?\W*$",
    re.IGNORECASE,
)
_EMPTY_BRACKETS_RE = re.compile(r"[<(\[]\s*[>)\]]")
_SPACES_RE = re.compile(r"\s+")
#: A line holding a URL (the same starts as links.find_urls): only these lines can hold links.
_URL_LINE_RE = re.compile(r"^.*?(?:https?://|www\.).*$", re.IGNORECASE | re.MULTILINE)
_SEPARATOR_RE = re.compile(r"\s*[:\-–—|]\s+|\s*[:：]\s*")


@dataclass(slots=True)
class _Unit:
    """One message whose links become postings, with what we know about its origin."""

    sender: Address
    subject: str
    html: str
    text: str
    body: str  # the original's own words (forwarded body), used as description
    note: str  # the forwarder's words, whose links are the member's own ("link")
    in_forward: bool
    date: str = ""  # when the original was sent: an alert's ages are counted from it


# --- titles, companies, places -------------------------------------------------------------------


def _good_link_text(text: str) -> bool:
    """Link text that names a role ('Senior Buyer at Acme'), not a sentence or a button."""
    words = text.split()
    if not 1 <= len(words) <= 14 or len(text) > 120 or _CTA_RE.match(text.strip()):
        return False
    if ROLE_NOUN_RE.search(text):
        return True
    long_words = [w for w in words if len(w) > 3]
    capitalised = [w for w in long_words if w[:1].isupper()]
    return bool(long_words) and len(capitalised) * 2 >= len(long_words) and text[-1:] != ":"


def _role_from_body(body: str) -> str:
    head = body[:3000]
    for pattern in _ROLE_IN_BODY:
        m = pattern.search(head)
        if m:
            return m.group("t").strip(" .,:;-")
    return ""


class _TextIndex:
    """A unit's text as lines, with the line each URL first stands on, built once: a mail with
    hundreds of links must not be scanned again for every one of them."""

    def __init__(self, text: str, few: bool) -> None:
        self.lines = text.splitlines()
        self.few = few  # few links: an unindexed href may still be searched for, line by line
        self._at: dict[str, int] | None = None

    def line_of(self, *keys: str) -> tuple[int, str] | None:
        """(line number, the key found on it) for the first key that stands in the text."""
        if self._at is None:
            self._at = {}
            for i, line in enumerate(self.lines):
                if "://" in line or "www." in line:
                    for found in find_urls(line):
                        self._at.setdefault(found, i)
        for key in keys:
            if key and key in self._at and key in self.lines[self._at[key]]:
                return self._at[key], key
        if self.few:
            for i, line in enumerate(self.lines):
                for key in keys:
                    if key and key in line:
                        return i, key
        return None


def _role_near(index: _TextIndex, url: str) -> str:
    """'Apply here <url> for the Product Marketing Manager opening': the role beside a link."""
    found = index.line_of(url)
    if found:
        m = _ROLE_IN_BODY[1].search(index.lines[found[0]].replace(url, " "))
        if m:
            return m.group("t").strip()
    return ""


#: Places named in prose: "hybrid out of the Dallas office", "based at the Irving headquarters",
#: "located in Plano, TX". Kept narrow (a capitalised place beside office-words, or "City, ST")
#: so ordinary sentences never yield a location.
_PLACE = r"(?P<l>[A-Z][a-z]+(?:[ -][A-Z][a-z]+){0,2}(?:, [A-Z]{2})?)"
_PROSE_LOCATION_RES = (
    re.compile(
        r"\b(?:out of|based (?:in|at|out of)|located (?:in|at)|work(?:ing)? (?:in|from)|at|in)"
        r" (?:the|our|their) " + _PLACE + r" (?:office|offices|headquarters|HQ|campus|site|plant)\b"
    ),
    re.compile(
        r"\b(?:based|located|remote) in " r"(?P<l>[A-Z][a-z]+(?:[ -][A-Z][a-z]+){0,2}, [A-Z]{2})\b"
    ),
)


_NOT_PLACES = frozenset(
    [
        "Street",
        "Avenue",
        "Road",
        "Boulevard",
        "Floor",
        "Main",
        "Home",
        "Head",
        "Regional",
        "Corporate",
        "Central",
        "Sales",
        "Marketing",
        "Engineering",
        "Finance",
        "Legal",
        "Executive",
        "Field",
        "Branch",
    ]
)


def _body_location(body: str) -> str:
    head = body[:5000]
    m = _LOCATION_RE.search(head)
    if m:
        return tidy_location(m.group("l").strip(" .;"))
    for pattern in _PROSE_LOCATION_RES:
        for m in pattern.finditer(head):
            if not _NOT_PLACES & set(m.group("l").replace(",", " ").split()):
                return m.group("l")
    return ""


# --- links to postings ---------------------------------------------------------------------------


def _text_links(body: str) -> list[tuple[str, str]]:
    """URLs in plain text with the words before them on their line ('Title <url>')."""
    links: list[tuple[str, str]] = []
    for found in _URL_LINE_RE.finditer(body):  # not a Python loop over every line of the body
        line = found.group(0)
        for url in find_urls(line):
            before = line.split(url, 1)[0]
            before = re.sub(r"[<(\[]+\s*$", "", before).strip(" -–—:*•·>\t")
            links.append((url, before))
    return links


def _unit_links(unit: _Unit) -> list[tuple[str, str]]:
    links = html_links(unit.html) if unit.html else []
    links += _text_links(unit.text)
    return links


@dataclass(slots=True)
class _Context:
    """Facts about one unit that every link in it shares; computed once, not per link."""

    title: str
    company: str  # named by the subject: the most deliberate statement
    body_company: str  # named in the original's text ("Company:", "my client, X", ...)
    org: str  # the original sender's organisation, from the mail domain: a last resort
    location: str
    remote: bool
    description: str


def _context(unit: _Unit) -> _Context:
    parts = subject_parts(unit.subject)
    title = parts.title
    if is_generic(title):
        title = _role_from_body(unit.body)
    return _Context(
        title=title,
        company=parts.company,
        body_company=company_from_body(unit.body),
        org=as_written(org_from_address(unit.sender), unit.body) if unit.in_forward else "",
        location=parts.location or _body_location(unit.body),
        remote=parts.remote,
        description=unit.body.strip()[:MAX_DESCRIPTION],
    )


#: Words that say how a job is held or worked, not which job: "Full-time, on site".
_TERMS_ONLY_RE = re.compile(
    r"(?:\W*\b(?:full|part)[- ]?time|\W*\b(?:on[- ]?site|onsite|remote|hybrid|contract|"
    r"permanent|temporary|temp|in[- ]office|direct hire|w2|c2c|salary|benefits)\b)+\W*",
    re.IGNORECASE,
)
_GREETING_RE = re.compile(r"^(?:hi|hello|hey|dear|greetings)\b[^,.!:\n]{0,30}[,.!:]\s*", re.I)
_IN_PLACE_RE = re.compile(
    r"\s+(?:in|near)\s+(?P<l>[A-Z][\w.'-]*(?:[ -][A-Z][\w.'-]*){0,2}(?:, [A-Z]{2})?)$"
)


def _words_near(index: _TextIndex, href: str, url: str) -> tuple[str, bool]:
    """The mail's words naming the job a link points to, and whether they stand on the link's
    own line: the text before the link, or (when that is just "Apply:" or nothing) the line
    above it, as in "Senior Financial Analyst - Sabre" / "Apply: <url>"."""
    found = index.line_of(href, url)
    if found is None:
        return "", False
    i, key = found
    before = index.lines[i].split(key, 1)[0]
    before = _GREETING_RE.sub("", re.sub(r"[<(\[]+\s*$", "", before).strip(" -–—:*•·>\t"))
    if _names_role(before):
        return before, True
    for above in reversed(index.lines[max(0, i - 2) : i]):
        above = _GREETING_RE.sub("", above.strip(" -–—:*•·>\t"))
        if not above:
            continue
        if find_urls(above) or not _names_role(above):
            break
        return above, False
    return "", False


def _names_role(text: str) -> bool:
    """Words beside a link that name a job ("Payroll Specialist at Frontier Freight"), not an
    intro ("Here is the link", "Hi Sam, see below")."""
    return bool(text) and _good_link_text(text) and bool(ROLE_NOUN_RE.search(text))


def _link_words(text: str) -> SubjectParts | None:
    """Title, company and place in a link's words, as in a subject; a trailing "in Dallas, TX"
    of a sentence is the place, a trailing "Apply" only asks to click."""
    text = _CTA_TAIL_RE.sub("", text).strip() if not _CTA_RE.match(text.strip()) else text
    if not _good_link_text(text) or _TERMS_ONLY_RE.fullmatch(text):
        return None
    parts = subject_parts(text)
    place = _IN_PLACE_RE.search(parts.title.rstrip(". "))
    if place and not parts.location and looks_like_place(place.group("l")):
        parts.title, parts.location = parts.title.rstrip(". ")[: place.start()], place.group("l")
    return parts


def _url_company(url: str, text: str) -> str:
    """The employer whose ATS board or careers site the link is on, spelled as the mail
    spells it; a staffing firm's own board names the middleman, not the employer."""
    name = company_from_url(url)
    if not name or is_staffing_name(name):
        return ""
    return as_written(name, text)


def as_written(name: str, text: str) -> str:
    """A name read from a domain or a URL ("Acmeanalytics") as the mail writes it ("Acme
    Analytics"), or unchanged when the mail never writes it."""
    if not name:
        return ""
    return _written_forms(text[:20_000]).get(re.sub(r"\W+", "", name).casefold(), name)


@lru_cache(maxsize=8)
def _written_forms(head: str) -> dict[str, str]:
    """Each phrase of up to four capitalised words in `head`, squashed ("acmeanalytics") to as
    written ("Acme Analytics"); longest first, then leftmost, the first found winning, as
    as_written reads them. Built once per text: 400 links each rescanning the same 20,000
    characters for their employer's name cost 0.2 s."""
    forms: dict[str, str] = {}
    for match in _CAPITALISED_RUN_RE.finditer(head):
        words = match.group(0).split()
        for size in range(min(4, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                phrase = " ".join(words[start : start + size]).strip(".,'’-&")
                forms.setdefault(re.sub(r"\W+", "", phrase).casefold(), phrase)
    return forms


_CAPITALISED_RUN_RE = re.compile(r"[A-Z][\w&'’.-]*(?:[ \t]+[A-Z&][\w&'’.-]*){0,5}")


def _line_tail(index: _TextIndex, href: str, url: str) -> str:
    """What follows a link on its line when it reads "<title> <url> – Acme Analytics, Dallas"."""
    found = index.line_of(href, url)
    if found is None:
        return ""
    i, key = found
    after = index.lines[i].split(key, 1)[1].lstrip(" >)]")
    m = re.match(r"(?:[-–—|,]|at\b|@)\s*(?P<rest>\S.{1,80})$", after)
    return m.group("rest").strip() if m and not find_urls(after) else ""


def _link_posting(
    unit: _Unit, ctx: _Context, index: _TextIndex, link: tuple[str, str, str], many: bool
) -> Posting:
    """One posting for a job link: its own words first ("Senior Buyer at Acme <url>"), then the
    subject, then the words on the line above ("Senior Buyer - Acme" / "Apply: <url>", which
    describe it when the subject does not or when the mail lists many jobs), then its URL."""
    href, url, text = link
    canonical = canonicalize_url(url)
    slug_title, slug_company = title_from_url(url)
    own = _link_words(text)
    if own is not None and not own.company:
        tail = _line_tail(index, href, url)
        fuller = _link_words(f"{text} - {tail}") if tail else None
        if fuller is not None and fuller.title == own.title:
            own = fuller
            head, _, place = own.company.rpartition(", ")
            if head and not own.location and looks_like_place(place) and not is_legal_form(place):
                own.company, own.location = head, place  # "Acme Analytics, Dallas"
    if own is None:
        near, same_line = _words_near(index, href, url)
        words = _link_words(near)
        lone = not (same_line or many or not ctx.title)
        if words is not None and lone and words.title.casefold() != ctx.title.casefold():
            words = None  # the line above a lone link says less than the subject does
        own = words
    title = own.title if own and not is_generic(own.title) else ""
    at = title.casefold().find(slug_title.casefold()) if title and slug_title else -1
    if at >= 0:  # "Supply Chain Analyst in Fort Worth": the URL has the title alone
        title = title[at : at + len(slug_title)]
    if slug_title and not title:  # written as the mail writes it: "HR", not "Hr"
        found = re.search(re.escape(slug_title), unit.text[:20_000], re.IGNORECASE)
        slug_title = found.group(0) if found else slug_title
    title = title or slug_title or _role_near(index, url) or ctx.title
    company = (own.company if own else "") or ctx.company or slug_company
    in_note = unit.in_forward and (url in unit.note or canonical in unit.note)
    return Posting(
        title=title,
        url=url,
        canonical_url=canonical,
        company=company or ctx.body_company or ctx.org or _url_company(url, unit.text),
        location=(own.location if own else "") or ctx.location,
        remote=ctx.remote or bool(own and own.remote) or title_says_remote(title),
        description=ctx.description,
        origin="forward" if unit.in_forward and not in_note else "link",
    )


def _link_postings(unit: _Unit, seen: set[str], warnings: list[str]) -> list[Posting]:
    ctx = _context(unit)
    links = _unit_links(unit)
    if len(links) > MAX_LINKS:
        warnings.append(f"only the first {MAX_LINKS} of {len(links)} links were examined")
    found: list[tuple[str, str, str]] = []
    for href, text in links[:MAX_LINKS]:
        url = unwrap_redirect(href)
        if not is_job_link(url, text):
            continue
        key = job_id_key(url) or canonicalize_url(url)
        if key in seen:
            continue
        seen.add(key)
        found.append((href, url, text))
    index = _TextIndex(unit.text, few=len(found) <= 20)
    return [_link_posting(unit, ctx, index, link, len(found) > 1) for link in found]


def looks_like_job(subject: str, body: str) -> bool:
    """A forwarded recruiter mail talks about a role; a forwarded chat does not."""
    if _SUBJECT_SIGNAL_RE.search(strip_subject(subject) or subject):
        return True
    signals = {m.group(1).lower() for m in _JOB_SIGNAL_RE.finditer(body[:5000])}
    return len(signals) >= 2


def _linkless_posting(unit: _Unit) -> Posting | None:
    if not unit.in_forward or not looks_like_job(unit.subject, unit.body):
        return None
    ctx = _context(unit)
    return Posting(
        title=ctx.title,
        company=ctx.company or ctx.body_company or ctx.org,
        location=ctx.location,
        remote=ctx.remote or mentions_remote(ctx.location),
        description=ctx.description,
        origin="forward",
    )


def _unit_postings(unit: _Unit, seen: set[str], warnings: list[str]) -> list[Posting]:
    alert = parse_alert(
        unit.sender.address, unit.subject, unit.html, unit.body or unit.text, sent_at(unit.date)
    )
    if alert is not None:
        if len(alert) >= MAX_CARDS:
            warnings.append(
                f"an alert lists {MAX_CARDS} jobs or more: at most {MAX_CARDS} are read"
            )
        return list(alert)
    postings = _link_postings(unit, seen, warnings)
    if not postings:
        lone = _linkless_posting(unit)
        if lone:
            postings.append(lone)
    return postings


# --- forwards ------------------------------------------------------------------------------------


def _body_text(mail: DecodedMail) -> str:
    text = mail.text.strip()
    return mail.text if text else html_to_text(mail.html)


def _as_forwarded(mail: DecodedMail) -> ForwardedMessage:
    return ForwardedMessage(
        from_=mail.sender,
        to=list(mail.to),
        cc=list(mail.cc),
        subject=mail.subject,
        date=mail.date,
        body=_body_text(mail).strip(),
    )


def _quotes(mail: DecodedMail, body: str) -> tuple[Forward, str]:
    """The forward or reply the mail is, read from its text and, when that shows no quote at
    all, from its HTML structure (blockquotes, Yahoo's quoted block): (result, text read)."""
    found = split_forward(body, mail.subject) if mail.text.strip() else Forward()
    if found.messages or found.reply or not mail.html.strip():
        return found, body
    quoted = html_to_text(mail.html, quotes=True)
    from_html = split_forward(quoted, mail.subject)
    if from_html.messages or from_html.reply:
        return from_html, quoted
    return found, body


def _bare_forward(mail: DecodedMail, body: str) -> Forward:
    """'Fwd: <subject>' with no quote header in the body: the whole body is the original."""
    return Forward(
        messages=[ForwardedMessage(subject=forward_subject(mail.subject), body=body.strip())]
    )


def _read(mail: DecodedMail, item: ParsedItem, in_forward: bool, seen: set[str]) -> list[Posting]:
    """Postings of `mail` and of every message attached to it; fills item.forwarded in order."""
    body = _body_text(mail)
    direct_alert = not in_forward and is_alert_sender(mail.sender.address)
    fwd = Forward()
    if not direct_alert:
        fwd, body = _quotes(mail, body)
        bare = not (fwd.messages or fwd.reply or mail.attached or in_forward)
        if bare and forward_subject(mail.subject) != mail.subject.strip() and body.strip():
            fwd = _bare_forward(mail, body)
    if not in_forward:
        item.note = fwd.note
        if not fwd.messages and mail.attached:
            item.note = body.strip() or None
    item.forwarded.extend(fwd.messages)
    inner = fwd.messages[-1] if fwd.messages else fwd.reply
    unit = _Unit(
        sender=inner.from_ if inner else mail.sender,
        subject=inner.subject if inner else mail.subject,
        html=mail.html,
        text=body,
        body=inner.body if inner else body,
        note=((fwd.note or fwd.reply_note) or "") if inner else ("" if in_forward else body),
        in_forward=in_forward or inner is not None,
        date=inner.date if inner else mail.date,
    )
    if inner or in_forward or not mail.attached:
        postings = _unit_postings(unit, seen, item.warnings)
    else:
        postings = _link_postings(
            unit, seen, item.warnings
        )  # the member's own links beside the attachments
    _date_postings(postings, _reference(mail, inner))
    if not (in_forward or inner or mail.attached) and any(p.origin == "link" for p in postings):
        item.note = own_words(body, {text for _, text in html_links(mail.html)})
    elif fwd.reply and not in_forward and postings:
        item.note = own_words(fwd.reply_note or "")  # a reply's own words, as a note
    for attached in mail.attached:
        if attached.special:
            continue
        item.forwarded.append(_as_forwarded(attached))
        postings.extend(_read(attached, item, True, seen))
    return postings


def _reference(mail: DecodedMail, inner: ForwardedMessage | None) -> datetime | None:
    """When the postings' ages were written: the forwarded original's date (an alert forwarded
    two weeks later still says "Just posted"), else the mail's own Date header."""
    for text in (inner.date if inner else "", mail.date):
        when = parse_date(text)
        if when is not None:
            return when
    return None


def _date_postings(postings: list[Posting], reference: datetime | None) -> None:
    """Posting dates as ISO 8601: ages resolved against `reference`; an age with nothing to
    count from, or a text that is no date, is dropped rather than shown as written."""
    for posting in postings:
        if posting.posted_at:
            value = posting.posted_at
            posting.posted_at = absolute_date(value, reference) if reference else iso_date(value)


def own_words(body: str, link_texts: set[str] | frozenset[str] = frozenset()) -> str | None:
    """A member's words around the links they share ("Saw this on LinkedIn - great fit for
    the HR folks <url>"): URLs, linked titles, quoted lines and phone signatures removed; None
    if nothing is left or the text is a long message rather than a note."""
    lines: list[str] = []
    size = 0  # characters kept so far: past MAX_NOTE the answer is None, so stop reading
    for line in body.splitlines():
        if not line.strip():
            if "" not in link_texts:
                lines.append("")
            continue
        if line.rstrip() == "--":
            break  # the signature separator "-- "
        if line.lstrip().startswith(">") or _SIGNATURE_RE.match(line):
            continue
        if line.strip() in link_texts:
            continue  # an HTML mail's linked job title, not a remark
        urls = find_urls(line)
        for url in urls:
            line = line.replace(url, " ")
        line = _EMPTY_BRACKETS_RE.sub(" ", line)
        line = _SPACES_RE.sub(" ", line).strip().rstrip(":–—-").strip()
        if urls and len(line.split()) <= 2:
            continue  # a label for the link ("Apply here:", "Settings:"), not a remark
        size += len(line)
        if size > MAX_NOTE:
            return None
        lines.append(line)
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return text if text and len(text) <= MAX_NOTE else None


def _is_binary(text: str) -> bool:
    """NULs or mostly control characters: a binary file, not a headerless mail body."""
    sample = text[:8192]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\r\n\t\f")
    return "\x00" in sample or controls > len(sample) // 10


def _header_facts(mail: DecodedMail, item: ParsedItem) -> None:
    item.sender = mail.sender if (mail.sender.address or mail.sender.name) else None
    item.subject = mail.subject
    item.message_id = mail.message_id
    item.auth = dict(mail.auth)
    item.special = mail.special
    item.warnings.extend(mail.warnings)
    item.forwarded_by = forwarded_by(mail.trace, mail.sender, [*mail.to, *mail.cc])


def _broken(mail: DecodedMail) -> str:
    """Why nothing in the mail can be read, or '' when some readable text survived."""
    if not mail.broken:
        return ""
    if is_readable(mail.text) or mail.html.strip() or mail.attached:
        return ""
    return f"broken MIME: {mail.broken}"


def _parse(raw: bytes, file: str) -> ParsedItem:
    item = ParsedItem(kind="email", file=file)
    if not raw or not raw.strip():
        item.error = "empty file"
        return item
    mail = decode_mail(raw)
    _header_facts(mail, item)
    if any(w.startswith("unreadable MIME") for w in mail.warnings):
        item.error = mail.warnings[0]
        return item
    if not mail.has_headers and (not mail.text.strip() or _is_binary(mail.text)):
        item.error = "not an email: no headers and no readable body"
        return item
    item.error = _broken(mail) or None
    if item.error or item.special:
        return item
    if mail.broken:
        item.warnings.append(f"part of the mail is unreadable: {mail.broken}")
    if not (mail.text.strip() or mail.html.strip() or mail.attached):
        item.warnings.append("no text or HTML body found")
    item.postings = _read(mail, item, False, set())
    return item


def parse_mail(raw: bytes, file: str = "") -> ParsedItem:
    """Never raises: an unexpected failure becomes ParsedItem.error naming its cause."""
    try:
        return _parse(raw, file)
    except Exception as exc:  # noqa: BLE001 - the parser boundary never raises
        return ParsedItem(
            kind="email", file=file, error=f"cannot parse mail: {type(exc).__name__}: {exc}"
        )
