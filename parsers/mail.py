"""One mail's bytes to a ParsedItem: who sent it, their note, the forwarded originals, postings.

The order of questions follows how members use the inbox: is this mail a bounce or an
auto-reply (then it holds no leads)? Is it a forward, inline or as attached messages? Is the
original a job alert we know? Otherwise every distinct job link is a posting, and a forwarded
recruiter mail without a link is still one posting.

Interface (stable):
    parse_mail(raw: bytes, file: str = "") -> ParsedItem
Never raises for bad input: problems land in ParsedItem.error / .warnings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from parsers.alerts import parse_alert
from parsers.forwards import split_forward
from parsers.htmltext import html_links, html_to_text
from parsers.links import (
    canonicalize_url,
    find_urls,
    is_job_url,
    job_id_key,
    title_from_url,
    unwrap_redirect,
)
from parsers.mime import DecodedMail, decode_mail
from parsers.model import Address, ForwardedMessage, ParsedItem, Posting


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Descriptions are for tagging and a preview, not an archive of the whole thread.
MAX_DESCRIPTION = 20_000
#: A forwarded digest may hold hundreds of links; more than this is a newsletter dump.
MAX_LINKS = 400

_PREFIX_RE = re.compile(
    r"^\s*(?:(?:fwd?|fw|tr|wg|rv|enc|re|aw|sv|vs|vb|doorst|antw|odp|r|i)\s*(?:\[\d+\])?\s*[:：]|"
    r"\[(?:external|ext|extern|caution|spam)[^\]]*\]|\((?:external|ext)\)|external\s*:)\s*",
    re.IGNORECASE,
)
_NOISE_PREFIX_RE = re.compile(
    r"^\s*(?:(?:new |exciting |great |urgent |open |immediate |interesting |potential )?"
    r"(?:job|role|position|opening|opportunity|job opportunity|career opportunity|job lead|"
    r"job posting|hiring|now hiring|we'?re hiring|job alert|lead|fyi|for your interest)"
    r"(?:\s+alert)?\s*[:\-–—|]+|check out this job(?: at [^:]+)?\s*:|"
    r"(?:thought (?:of|you)[^:]*|you may be interested[^:]*|interested\?)\s*[:\-–—]?)\s*",
    re.IGNORECASE,
)
_NOISE_SUFFIX_RE = re.compile(
    r"\s*(?:[|\-–—]\s*(?:linkedin|indeed(?:\.com)?|glassdoor|ziprecruiter|monster|dice)"
    r"(?:\s+jobs?)?|via linkedin|on linkedin|\(remote\)|- remote|"
    r"[|\-–—,!]\s*(?:apply (?:now|today|here)|urgent(?:ly)? hiring|hiring now|immediate start|"
    r"urgent|asap)!*)\s*$",
    re.IGNORECASE,
)
_SHARE_RE = re.compile(r"^check out this job at (?P<co>[^:]+):\s*(?P<title>.+)$", re.I)
_HIRING_RE = re.compile(
    r"^(?P<co>[A-Z][\w&.,' -]{1,60}?) (?:is|are) (?:now )?hiring(?::| (?:a|an|for)?)?\s*(?P<title>.*)$"
)
_ROLE_TAIL_RE = re.compile(
    r"\s+(?:role|position|opportunity|opening|job|vacancy|req(?:uisition)?)\s*$", re.I
)
_AT_RE = re.compile(r"^(?P<title>.+?)\s+(?:at|@|chez|bei)\s+(?P<co>[A-Z0-9][^,;:!?]{1,60}?)\s*$")
_WITH_RE = re.compile(
    r"^(?P<title>.+?\b(?:role|post|opening|position|opportunity|job))\s+with\s+"
    r"(?P<co>[A-Z0-9][^,;:!?]{1,60}?)\s*$",
    re.IGNORECASE,
)
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
_GENERIC_WORDS = _wordset(
    "a an the new great exciting job jobs role roles position positions opportunity opportunities "
    "opening openings hiring now career your you for re fwd fw lead leads interesting potential "
    "open urgent immediate check out this quick question hi hello fyi interested in of and "
    "resume profile me my our possible cool see two some few worth look"
)
_ROLE_IN_BODY = (
    re.compile(
        r"^\s*(?:job title|position|role|title|job)\s*[:\-–]\s*(?P<t>[^\n]{3,90})$", re.I | re.M
    ),
    re.compile(
        r"\b(?:for|as) (?:a|an|the|our|my) (?P<t>(?:[A-Z][\w/&+.-]*\s){0,6}[A-Z][\w/&+.-]*)"
        r" (?:role|position|opportunity|opening)\b"
    ),
    re.compile(r"\bhiring (?:a|an) (?P<t>(?:[A-Z][\w/&+.-]*\s){0,6}[A-Z][\w/&+.-]*)"),
)
_COMPANY_IN_BODY = re.compile(
    r"^\s*(?:company|employer|client)\s*[:\-–]\s*(?P<c>[^\n]{2,60})$", re.I | re.M
)
_LOCATION_RE = re.compile(
    r"(?:^|[.;!]\s+)\s*(?:location|job location|based in)\s*[:\-–]\s*(?P<l>[^\n]{2,80})$",
    re.I | re.M,
)
_ROLE_NOUN_RE = re.compile(
    r"\b(manager|engineer|analyst|director|specialist|coordinator|assistant|developer|designer|"
    r"accountant|nurse|consultant|lead|representative|associate|administrator|officer|technician|"
    r"supervisor|buyer|planner|executive|scientist|architect|intern|recruiter|partner|controller|"
    r"clerk|teacher|operator|agent|advisor|adviser|head of|vp|vice president|president|writer|"
    r"editor|marketer|strategist|generalist|programmer|auditor|bookkeeper|therapist|"
    r"pharmacist|physician|driver|cashier|chef|owner|producer|trainer|instructor)s?\b",
    re.IGNORECASE,
)
_REMOTE_RE = re.compile(r"\b(remote|work from home|wfh|telecommute|100% virtual)\b", re.I)
_CTA_RE = re.compile(
    r"^(?:(?:apply|view|see|click|details|read|learn|more|open|visit|go|check|job link|"
    r"this (?:job|role|position|link))\b(?:\W+\w+){0,4}|link|here|https?://\S+|www\.\S+|"
    r"job (?:link|posting|description)|more info(?:rmation)?|full description)\W*$",
    re.IGNORECASE,
)
_SEPARATOR_RE = re.compile(r"\s*[:\-–—|]\s+|\s*[:：]\s*")
_FREEMAIL = _wordset(
    "gmail googlemail yahoo ymail outlook hotmail live msn icloud me mac aol proton protonmail pm "
    "gmx web comcast att verizon sbcglobal bellsouth charter cox earthlink zoho mail yandex qq 163 "
    "fastmail hey tutanota rocketmail btinternet orange free"
)
_SERVICE_DOMAINS = _wordset(
    "linkedin indeed glassdoor ziprecruiter monster dice greenhouse lever workday myworkday "
    "myworkdayjobs icims smartrecruiters ashbyhq jobvite taleo successfactors bamboohr "
    "workable recruitee sendgrid mailchimp mailgun hubspot salesforce marketo amazonses "
    "google microsoft facebookmail"
)


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


# --- subjects, titles, companies -----------------------------------------------------------------


def strip_subject(subject: str) -> str:
    """Subject without Fwd:/Re:/[EXTERNAL] chains and job-board noise around the title."""
    text = re.sub(r"\s+", " ", subject or "").strip()
    for _ in range(10):
        cleaned = _PREFIX_RE.sub("", text, count=1)
        cleaned = _NOISE_PREFIX_RE.sub("", cleaned, count=1)
        cleaned = _NOISE_SUFFIX_RE.sub("", cleaned).strip(" -–—|:")
        cleaned = _drop_generic_head(cleaned)
        if cleaned == text:
            break
        text = cleaned
    return text


def _drop_generic_head(text: str) -> str:
    """'Role for you - HR Business Partner' -> 'HR Business Partner' (head is all filler)."""
    parts = _SEPARATOR_RE.split(text, maxsplit=1)
    if len(parts) == 2 and parts[1].strip() and _is_generic(parts[0]):
        return parts[1].strip()
    return text


def title_company(subject: str) -> tuple[str, str]:
    """(title, company) as a person would read a forwarded subject; either may be ''."""
    raw = re.sub(r"\s+", " ", subject or "").strip()
    while True:
        shorter = _PREFIX_RE.sub("", raw, count=1)
        if shorter == raw:
            break
        raw = shorter
    share = _SHARE_RE.match(raw)
    if share:
        return strip_subject(share.group("title")), share.group("co").strip()
    text = strip_subject(raw)
    hiring = _HIRING_RE.match(text)
    found = hiring or _AT_RE.match(text) or _WITH_RE.match(text)
    if found:
        return _bare_title(found.group("title")), found.group("co").strip()
    return _bare_title(text), ""


def _bare_title(text: str) -> str:
    return _ROLE_TAIL_RE.sub("", text).strip(" -–—:")


def _is_generic(title: str) -> bool:
    words = re.findall(r"[a-z]+", title.lower())
    return not words or all(w in _GENERIC_WORDS for w in words)


def _good_link_text(text: str) -> bool:
    """Link text that names a role ('Senior Buyer at Acme'), not a sentence or a button."""
    words = text.split()
    if not 1 <= len(words) <= 14 or len(text) > 120 or _CTA_RE.match(text.strip()):
        return False
    if _ROLE_NOUN_RE.search(text):
        return True
    long_words = [w for w in words if len(w) > 3]
    capitalised = [w for w in long_words if w[:1].isupper()]
    return bool(long_words) and len(capitalised) * 2 >= len(long_words) and text[-1:] != ":"


def org_from_address(address: Address) -> str:
    """'Sabre' for jane@mail.sabre.com; '' for free-mail, job boards and mailing services."""
    domain = address.address.rpartition("@")[2].lower()
    labels = [x for x in domain.split(".") if x]
    if len(labels) < 2:
        return ""
    second_level = len(labels) >= 3 and labels[-2] in ("co", "com", "org", "net", "ac", "gov")
    name = labels[-3] if second_level else labels[-2]
    if name in _FREEMAIL or name in _SERVICE_DOMAINS:
        return ""
    words = [w for w in re.split(r"[-_]+", name) if w]
    return " ".join(w.upper() if len(w) <= 3 else w.capitalize() for w in words)


def _role_from_body(body: str) -> str:
    head = body[:3000]
    for pattern in _ROLE_IN_BODY:
        m = pattern.search(head)
        if m:
            return m.group("t").strip(" .,:;-")
    return ""


def _role_near(text: str, url: str) -> str:
    """'Apply here <url> for the Product Marketing Manager opening': the role beside a link."""
    for line in text.splitlines():
        if url in line:
            m = _ROLE_IN_BODY[1].search(line.replace(url, " "))
            if m:
                return m.group("t").strip()
    return ""


def _location(*texts: str) -> str:
    for text in texts:
        m = _LOCATION_RE.search(text[:5000])
        if m:
            return m.group("l").strip(" .;")
    return ""


# --- links to postings ---------------------------------------------------------------------------


def _text_links(body: str) -> list[tuple[str, str]]:
    """URLs in plain text with the words before them on their line ('Title <url>')."""
    links: list[tuple[str, str]] = []
    for line in body.splitlines():
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
    company: str
    stated_company: str
    org: str
    location: str
    description: str


def _context(unit: _Unit) -> _Context:
    title, company = title_company(unit.subject)
    if _is_generic(title):
        title = _role_from_body(unit.body)
    stated = _COMPANY_IN_BODY.search(unit.body[:3000])
    return _Context(
        title=title,
        company=company,
        stated_company=stated.group("c").strip(" .;") if stated else "",
        org=org_from_address(unit.sender) if unit.in_forward else "",
        location=_location(unit.body),
        description=unit.body.strip()[:MAX_DESCRIPTION],
    )


def _link_posting(unit: _Unit, ctx: _Context, url: str, text: str) -> Posting:
    canonical = canonicalize_url(url)
    slug_title, slug_company = title_from_url(url)
    link_title, link_co = title_company(text) if _good_link_text(text) else ("", "")
    title = link_title if link_title and not _is_generic(link_title) else ""
    title = title or slug_title or _role_near(unit.text, url) or ctx.title
    company = link_co or ctx.company or ctx.stated_company or slug_company or ctx.org
    in_note = unit.in_forward and (url in unit.note or canonical in unit.note)
    return Posting(
        title=title,
        url=url,
        canonical_url=canonical,
        company=company,
        location=ctx.location,
        remote=bool(_REMOTE_RE.search(f"{title} {unit.subject}")),
        description=ctx.description,
        origin="forward" if unit.in_forward and not in_note else "link",
    )


def _link_postings(unit: _Unit, seen: set[str], warnings: list[str]) -> list[Posting]:
    ctx = _context(unit)
    postings: list[Posting] = []
    links = _unit_links(unit)
    if len(links) > MAX_LINKS:
        warnings.append(f"only the first {MAX_LINKS} of {len(links)} links were examined")
    for href, text in links[:MAX_LINKS]:
        url = unwrap_redirect(href)
        if not is_job_url(url):
            continue
        key = job_id_key(url) or canonicalize_url(url)
        if key in seen:
            continue
        seen.add(key)
        postings.append(_link_posting(unit, ctx, url, text))
    return postings


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
        company=ctx.company or ctx.stated_company or ctx.org,
        location=ctx.location,
        remote=bool(_REMOTE_RE.search(f"{unit.subject} {ctx.location}")),
        description=ctx.description,
        origin="forward",
    )


def _unit_postings(unit: _Unit, seen: set[str], warnings: list[str]) -> list[Posting]:
    alert = parse_alert(unit.sender.address, unit.subject, unit.html, unit.body or unit.text)
    if alert is not None:
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


def _read(mail: DecodedMail, item: ParsedItem, in_forward: bool, seen: set[str]) -> list[Posting]:
    """Postings of `mail` and of every message attached to it; fills item.forwarded in order."""
    body = _body_text(mail)
    fwd = split_forward(body, mail.subject)
    if not in_forward:
        item.note = fwd.note
        if not fwd.messages and mail.attached:
            item.note = body.strip() or None
    item.forwarded.extend(fwd.messages)
    inner = fwd.messages[-1] if fwd.messages else None
    unit = _Unit(
        sender=inner.from_ if inner else mail.sender,
        subject=inner.subject if inner else mail.subject,
        html=mail.html,
        text=body,
        body=inner.body if inner else body,
        note=(fwd.note or "") if inner else ("" if in_forward else body),
        in_forward=in_forward or inner is not None,
    )
    if inner or in_forward or not mail.attached:
        postings = _unit_postings(unit, seen, item.warnings)
    else:
        postings = _link_postings(
            unit, seen, item.warnings
        )  # the member's own links beside the attachments
    for attached in mail.attached:
        if attached.special:
            continue
        item.forwarded.append(_as_forwarded(attached))
        postings.extend(_read(attached, item, True, seen))
    return postings


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
    if item.special:
        return item
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
