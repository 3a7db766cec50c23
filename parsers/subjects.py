"""Title, company and place as a person reads them from a subject line or a recruiter's note.

Recruiters pack everything into the subject ("Digital Marketing Manager opportunity – Acme
Foods (Dallas)", "Sabre is hiring: Marketing Manager", "Data Analyst - Globex - Austin, TX")
and name the employer in the body ("my client, Acme Foods, is...", "join Globex as ...").
Those cues name the employer; the sender's mail domain is only a last resort, and never for
a staffing firm or a personal mailbox, whose domain is not the employer. What is subject-only
(Fwd:/Re: chains, "[EXTERNAL]", "Job:" labels, "check out this job at ...") is taken off here;
the line left is split by parsers.titles, the splitter feed titles use too.

Interface (stable):
    strip_subject(subject: str) -> str
    subject_parts(subject: str) -> SubjectParts
    title_company(subject: str) -> tuple[str, str]
    company_from_body(body: str) -> str
    org_from_address(address: Address) -> str
    is_staffing_name(name: str) -> bool
    is_generic(title: str) -> bool
"""

from __future__ import annotations

import re

from parsers.location import tidy_location, title_says_remote
from parsers.model import Address
from parsers.titles import (
    COMPANY_WORDS,
    REMOTE_HEAD_RE,
    ROLE_NOUN_RE,
    TitleParts,
    is_generic,
    is_title_like,
    split_title,
)

__all__ = ["ROLE_NOUN_RE", "SubjectParts", "is_generic", "is_title_like"]

#: What a subject says: the shared splitter's parts (the name callers know).
SubjectParts = TitleParts


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


_PREFIX_RE = re.compile(
    r"^\s*(?:(?:fwd?|fw|tr|wg|rv|enc|re|aw|sv|vs|vb|doorst|antw|odp|r|i)\s*(?:\[\d+\])?\s*[:：]|"
    r"\[(?:external|ext|extern|caution|spam)[^\]]*\]|\((?:external|ext)\)|external\s*:)\s*",
    re.IGNORECASE,
)
_NOISE_PREFIX_RE = re.compile(
    r"^\s*(?:(?:new |exciting |great |urgent |open |immediate |interesting |potential )?"
    r"(?:job|role|position|opening|opportunity|job opportunity|career opportunity|job lead|"
    r"job posting|hiring|now hiring|hiring now|we'?re hiring|job alert|lead|fyi|for your interest)"
    r"(?:\s+alert)?\s*[:\-–—|!]+|check out this job(?: at [^:]+)?\s*:|"
    r"(?:thought (?:of|you)[^:]*|you may be interested[^:]*|interested\?)\s*[:\-–—]?|"
    # "We're hiring a Senior Brand Manager at Salesforce", "Looking for an FP&A Analyst"
    r"(?:(?:we|i|they)(?:'re|’re|'m|’m| are| am)|(?:my|our) (?:team|client|company) is)?\s*"
    r"(?:currently |now |actively )?(?:hiring|looking for|seeking|recruiting(?: for)?|searching for)"
    r"\s+(?:an?|the|for an?)\s+(?=\S))\s*",
    re.IGNORECASE,
)
_NOISE_SUFFIX_RE = re.compile(
    r"\s*(?:[|\-–—]\s*(?:linkedin|indeed(?:\.com)?|glassdoor|ziprecruiter|monster|dice)"
    r"(?:\s+jobs?)?|via linkedin|on linkedin|\(remote\)|- remote|"
    r"[|\-–—,!]\s*(?:apply (?:now|today|here)|urgent(?:ly)? hiring|hiring now|immediate start|"
    r"start (?:asap|now|today|immediately|monday|tomorrow|next week)|urgent|asap)!*)\s*$",
    re.IGNORECASE,
)
_SHARE_RE = re.compile(r"^check out this job at (?P<co>[^:]+):\s*(?P<title>.+)$", re.I)
_ROLE_TAIL_RE = re.compile(
    r"(?<!\s)\s++(?:role|position|opportunity|opening|job|vacancy|req(?:uisition)?)\s*$", re.I
)
#: "Compensation Analyst opening on my team", "Buyer position here at Acme": the words after
#: the role noun say where, not what.
_ROLE_WORD_TAIL_RE = re.compile(
    r"(?<!\s)\s++(?:role|position|opportunity|opening|job|vacancy|req(?:uisition)?|search)"
    r"(?P<rest>\s++(?:on|in|at|with|for|here|available|open|near|within)\b.*)$",
    re.I,
)
#: Separators start where a whitespace run starts ("(?<!\s)") and never give spaces back ("\s*+"):
#: the same splits, without a quadratic scan of a long whitespace run.
_SEPARATOR_RE = re.compile(r"(?<!\s)\s*+[:\-–—|]\s+|(?<!\s)\s*+[:：]\s*")
_FREEMAIL = _wordset(
    "gmail googlemail yahoo ymail outlook hotmail live msn icloud me mac aol proton protonmail pm "
    "gmx web comcast att verizon sbcglobal bellsouth charter cox earthlink zoho mail yandex qq 163 "
    "fastmail hey tutanota rocketmail btinternet orange free mailbox posteo hushmail inbox "
    "optonline windstream frontier juno netzero rediffmail"
)
_SERVICE_DOMAINS = _wordset(
    "linkedin indeed glassdoor ziprecruiter monster dice greenhouse lever workday myworkday "
    "myworkdayjobs icims smartrecruiters ashbyhq jobvite taleo successfactors bamboohr "
    "workable recruitee sendgrid mailchimp mailgun hubspot salesforce marketo amazonses "
    "google microsoft facebookmail"
)
#: Words in a sender's domain or organisation that mark a staffing or recruiting firm.
_STAFFING_RE = re.compile(
    r"staff|recruit|talent|headhunt|personnel|placement|workforce|(?<!re)search|partners|"
    r"consult|resources|hire\b|hiring|careers|jobs\b|executive|associates|solutions",
    re.IGNORECASE,
)


_STAFFING_NAME_RE = re.compile(
    r"\b(?:staffing|recruiting|recruitment|headhunters?|personnel|placements?|search|partners|"
    r"consulting|consultants|resources|talent solutions|talent partners)\b",
    re.IGNORECASE,
)


# --- cleaning ------------------------------------------------------------------------------------


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


def _drop_prefixes(subject: str) -> str:
    raw = re.sub(r"\s+", " ", subject or "").strip()
    while (shorter := _PREFIX_RE.sub("", raw, count=1)) != raw:
        raw = shorter
    return raw


def _drop_generic_head(text: str) -> str:
    """'Role for you - HR Business Partner' -> 'HR Business Partner' (head is all filler)."""
    parts = _SEPARATOR_RE.split(text, maxsplit=1)
    if len(parts) == 2 and parts[1].strip() and is_generic(parts[0]):
        return parts[1].strip()
    return text


def bare_title(text: str) -> str:
    """'Controller opportunity' -> 'Controller'; 'Analyst opening on my team' -> 'Analyst'."""
    text = text.strip(" -–—:|,")
    tail = _ROLE_WORD_TAIL_RE.search(text)
    if tail and tail.start() > 0 and not is_title_like(tail.group("rest")):
        text = text[: tail.start()]
    text = _ROLE_TAIL_RE.sub("", text).strip(" -–—:|,")
    if re.search(r"[a-z]{4}[.!]$", text):  # a sentence's full stop, not "Sr."
        text = text[:-1]
    remote = REMOTE_HEAD_RE.match(text)
    return text[remote.end() :] if remote else text


# --- subjects ------------------------------------------------------------------------------------


def subject_parts(subject: str) -> SubjectParts:
    """Title, company, place and remote-ness of a forwarded subject, as a person reads it."""
    raw = _drop_prefixes(subject)
    share = _SHARE_RE.match(raw)
    if share:
        return SubjectParts(strip_subject(share.group("title")), share.group("co").strip())
    parts = split_title(strip_subject(raw), remote=title_says_remote(raw))
    parts.title = bare_title(parts.title)
    parts.company = parts.company.strip(" ,.-–—")
    parts.location = tidy_location(parts.location) if parts.location else ""
    return parts


def title_company(subject: str) -> tuple[str, str]:
    """(title, company) as a person would read a forwarded subject; either may be ''."""
    parts = subject_parts(subject)
    return parts.title, parts.company


# --- bodies and senders --------------------------------------------------------------------------

_COMPANY_LINE_RE = re.compile(
    r"^[ \t]*+[-*•]?[ \t]*+(?:company|employer|client|organi[sz]ation|hiring company)[ \t]*+"
    r"[:\-–][ \t]*+(?:\n[ \t]*+){0,3}(?P<c>[^\n]{2,60})$",
    re.I | re.M,
)
_BODY_CUES = tuple(
    re.compile(p)
    for p in (
        rf"\b(?:my|our) client,? (?P<c>{COMPANY_WORDS})(?:,| is| has| in\b)",
        rf"\bOne of my clients,? (?P<c>{COMPANY_WORDS}),",
        rf"\b(?:partnering|working|partnered) with (?P<c>{COMPANY_WORDS}) (?:on|to)\b",
        rf"\b(?:search|role|opening|position|opportunity) (?:for|with|at) (?P<c>{COMPANY_WORDS})"
        r"(?:[.,;]|\s+(?:and|in|to|who|that|for|which|is)\b)",
        rf"\b(?:here at|on my team at|on our team at|join(?: the team at)?) (?P<c>{COMPANY_WORDS})"
        r"(?=[.,;!]|\s+(?:as|and|in|to|on|for|who|is)\b)",
        rf"(?:^|[.!]\s+)(?P<c>{COMPANY_WORDS}) (?:is|are) (?:now |currently )?"
        r"(?:hiring|looking for|adding|recruiting|seeking|growing)\b",
    )
)
_NOT_COMPANY = _wordset(
    "i we you he she they it this that my our your the a an hi hello hey dear thanks team "
    "linkedin indeed glassdoor monday tuesday wednesday thursday friday saturday sunday everyone"
)


def company_from_body(body: str) -> str:
    """The employer a recruiter or hiring manager names: 'Company: X', 'my client, X, ...',
    'here at X', 'X is hiring'. '' when the body names none."""
    head = body[:4000]
    stated = _COMPANY_LINE_RE.search(head)
    if stated:
        return stated.group("c").strip(" .;")
    for cue in _BODY_CUES:
        for m in cue.finditer(head):
            name = _trim_company(m.group("c"))
            if name:
                return name
    return ""


def _trim_company(name: str) -> str:
    words = name.strip(" ,.'’").split()
    while words and words[-1].lower() in ("and", "of", "the", "&", "de"):
        words.pop()
    if not words or words[0].lower() in _NOT_COMPANY or is_title_like(" ".join(words)):
        return ""
    return " ".join(words).rstrip(",")


def is_staffing(address: Address) -> bool:
    """A staffing or recruiting firm's mailbox: its domain is a middleman, not the employer.

    The display name counts only when it names a firm ("Apex Staffing", "Jo at Summit
    Search"); an in-house "Recruiter" or "Talent Acquisition" person writes for the employer.
    """
    domain = address.address.rpartition("@")[2]
    return bool(_STAFFING_RE.search(domain) or _STAFFING_NAME_RE.search(address.name))


def is_staffing_name(name: str) -> bool:
    """'Quickhire Staffing', 'Summit Search Partners': a firm placing people, not an employer."""
    return bool(_STAFFING_NAME_RE.search(name or ""))


def org_from_address(address: Address) -> str:
    """'Sabre' for jane@mail.sabre.com; '' for personal mail, job boards, mailing services
    and staffing firms (whose domain names the middleman, not the employer)."""
    domain = address.address.rpartition("@")[2].lower()
    labels = [x for x in domain.split(".") if x]
    if len(labels) < 2 or is_staffing(address):
        return ""
    second_level = len(labels) >= 3 and labels[-2] in ("co", "com", "org", "net", "ac", "gov")
    name = labels[-3] if second_level else labels[-2]
    if name in _FREEMAIL or name in _SERVICE_DOMAINS:
        return ""
    words = [w for w in re.split(r"[-_]+", name) if w]
    return " ".join(w.upper() if len(w) <= 3 else w.capitalize() for w in words)
