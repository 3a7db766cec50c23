"""Title, company and place as a person reads them from a subject line or a recruiter's note.

Recruiters pack everything into the subject ("Digital Marketing Manager opportunity – Acme
Foods (Dallas)", "Sabre is hiring: Marketing Manager", "Data Analyst - Globex - Austin, TX")
and name the employer in the body ("my client, Acme Foods, is...", "join Globex as ...").
Those cues name the employer; the sender's mail domain is only a last resort, and never for
a staffing firm or a personal mailbox, whose domain is not the employer.

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
from dataclasses import dataclass

from parsers.location import (
    is_arrangement,
    looks_like_place,
    mentions_remote,
    tidy_location,
    title_says_remote,
)
from parsers.model import Address


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
_COMPANY_WORDS = r"[A-Z0-9][\w&.,'’-]*(?:[ \t]+(?:&|and|of|the|de|[A-Z0-9][\w&.'’-]*)){0,6}"
_HIRING_RE = re.compile(
    r"^(?P<co>[A-Z][\w&.,' -]{1,60}?) (?:(?:is|are) (?:now |currently |actively )?"
    r"(?:hiring|looking for|seeking|recruiting(?: for)?)(?::| (?:a|an|for|the)?)?|"
    # "Acme zoekt een", "Acme sucht einen", "Acme recherche un", "Acme busca un", "cerca un"
    r"(?:sucht|zoekt|recherche|recrute|busca|cerca|söker|procura|szuka|contrata)"
    r"(?: (?:eine?n?|een|un|une|uno|una|um|uma|en|ett|des|unos))?)\s*(?P<title>.*)$"
)
_JOIN_RE = re.compile(
    rf"\bjoin (?:the team at )?(?P<co>{_COMPANY_WORDS}) as (?:an? )?(?P<title>.+)$"
)
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
_TEAM_AT_RE = re.compile(
    rf"\b(?:on|in|to) (?:my|our|the) (?:\w+ )?(?:team|group|department)(?: here)? "
    rf"(?:at|with) (?P<co>{_COMPANY_WORDS})\s*$"
)
_AT_RE = re.compile(
    r"^(?P<title>.+?)\s+(?:at|@|chez|bei|bij|presso|hos)\s+(?P<co>[A-Z0-9][^;:!?]{1,60}?)\s*$"
)
_WITH_RE = re.compile(
    r"^(?P<title>.+?\b(?:role|post|opening|position|opportunity|job|search))\s+(?:with|for)\s+"
    r"(?P<co>[A-Z0-9][^,;:!?]{1,60}?)\s*$",
    re.IGNORECASE,
)
#: Separators start where a whitespace run starts ("(?<!\s)") and never give spaces back ("\s*+"):
#: the same splits, without a quadratic scan of a long whitespace run.
_SEPARATOR_RE = re.compile(r"(?<!\s)\s*+[:\-–—|]\s+|(?<!\s)\s*+[:：]\s*")
_PIECE_SPLIT_RE = re.compile(r"(?<!\s)\s++[-–—|]\s+|(?<!\s)\s*+[|•·]\s*")
_PAREN_TAIL_RE = re.compile(r"(?<!\s)\s*+\(([^()]*)\)\s*$")
ROLE_NOUN_RE = re.compile(
    r"\b(manager|engineer|analyst|director|specialist|coordinator|assistant|developer|designer|"
    r"accountant|nurse|consultant|lead|representative|associate|administrator|officer|technician|"
    r"supervisor|buyer|planner|executive|scientist|architect|intern|recruiter|partner|controller|"
    r"clerk|teacher|operator|agent|advisor|adviser|head of|vp|vice president|president|writer|"
    r"editor|marketer|strategist|generalist|programmer|auditor|bookkeeper|therapist|"
    r"pharmacist|physician|driver|cashier|chef|owner|producer|trainer|instructor)s?\b",
    re.IGNORECASE,
)
#: A singular role noun: "HR Business Partner" is a title, "Brazos Energy Partners" a company.
_TITLE_NOUN_RE = re.compile(ROLE_NOUN_RE.pattern.replace(r")s?\b", r")\b(?!['’]?s\b)"), re.I)
_SALARY_RE = re.compile(r"^\W*\$|\d\s*(?:k|/hr|/hour|/yr|per hour)\b", re.I)
_REMOTE_HEAD_RE = re.compile(r"^(?:100% |fully )?(?:remote|hybrid)\s+(?=\S+\s+\S)", re.I)
_NOISE_PIECE_RE = re.compile(
    r"^(?:start\b.*|apply\b.*|urgent\w*|asap|immediate\w*( start)?|hiring now|now hiring|"
    r"full[- ]?time|part[- ]?time|contract|direct hire|w2|c2c|\d+\s*(?:months?|weeks?))\W*$",
    re.I,
)
_GENERIC_WORDS = _wordset(
    "a an the new great exciting job jobs role roles position positions opportunity opportunities "
    "opening openings hiring now career your you for re fwd fw lead leads interesting potential "
    "open urgent immediate check out this quick question hi hello fyi interested in of and "
    "resume profile me my our possible cool see two some few worth look"
)
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


@dataclass(slots=True)
class SubjectParts:
    """What a subject says; empty strings where it says nothing."""

    title: str
    company: str = ""
    location: str = ""
    remote: bool = False


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


def is_generic(title: str) -> bool:
    words = re.findall(r"[a-z]+", title.lower())
    return not words or all(w in _GENERIC_WORDS for w in words)


def is_title_like(text: str) -> bool:
    return bool(_TITLE_NOUN_RE.search(text))


def bare_title(text: str) -> str:
    """'Controller opportunity' -> 'Controller'; 'Analyst opening on my team' -> 'Analyst'."""
    text = text.strip(" -–—:|,")
    tail = _ROLE_WORD_TAIL_RE.search(text)
    if tail and tail.start() > 0 and not is_title_like(tail.group("rest")):
        text = text[: tail.start()]
    text = _ROLE_TAIL_RE.sub("", text).strip(" -–—:|,")
    if re.search(r"[a-z]{4}[.!]$", text):  # a sentence's full stop, not "Sr."
        text = text[:-1]
    remote = _REMOTE_HEAD_RE.match(text)
    return text[remote.end() :] if remote else text


# --- subjects ------------------------------------------------------------------------------------


def subject_parts(subject: str) -> SubjectParts:
    """Title, company, place and remote-ness of a forwarded subject, as a person reads it."""
    raw = _drop_prefixes(subject)
    share = _SHARE_RE.match(raw)
    if share:
        return SubjectParts(strip_subject(share.group("title")), share.group("co").strip())
    text = strip_subject(raw)
    parts = SubjectParts(
        title=text, remote=title_says_remote(raw) or bool(_REMOTE_HEAD_RE.match(text))
    )
    tails = _paren_tails(parts)
    _split_subject(parts)
    _place_tails(parts, tails)
    parts.title = bare_title(parts.title)
    parts.company = parts.company.strip(" ,.-–—")
    parts.location = tidy_location(parts.location) if parts.location else ""
    return parts


def title_company(subject: str) -> tuple[str, str]:
    """(title, company) as a person would read a forwarded subject; either may be ''."""
    parts = subject_parts(subject)
    return parts.title, parts.company


def _paren_tails(parts: SubjectParts) -> list[str]:
    tails: list[str] = []
    while (m := _PAREN_TAIL_RE.search(parts.title)) and m.start() > 0 and len(tails) < 3:
        tails.insert(0, m.group(1).strip())
        parts.title = parts.title[: m.start()].rstrip()
    return tails


def _place_tails(parts: SubjectParts, tails: list[str]) -> None:
    """'(Dallas)' after 'Title - Company' is the place; '(AWS)' after a bare title is not."""
    kept: list[str] = []
    for tail in tails:
        if is_arrangement(tail):
            parts.remote = parts.remote or mentions_remote(tail)
        elif (
            not parts.location
            and looks_like_place(tail)
            and (parts.company or "," in tail or mentions_remote(tail) or "hybrid" in tail.lower())
        ):
            parts.location = tail
        elif tail:
            kept.append(tail)
    parts.title += "".join(f" ({t})" for t in kept)


def _split_subject(parts: SubjectParts) -> None:
    text = parts.title
    for pattern in (_HIRING_RE, _JOIN_RE):
        m = pattern.search(text)
        if m and m.group("title").strip():
            parts.title, parts.company = m.group("title"), m.group("co")
            _split_company_place(parts)
            return
    team = _TEAM_AT_RE.search(text)
    if team:
        parts.title, parts.company = text[: team.start()], team.group("co")
        return
    if _split_colon(parts) or (_split_pieces(parts) and parts.company):
        return
    found = _AT_RE.match(parts.title) or _WITH_RE.match(parts.title)
    if found:
        parts.title, parts.company = found.group("title"), found.group("co")
        _split_company_place(parts)


def _split_company_place(parts: SubjectParts) -> None:
    """'Globex - Austin, TX' or 'Globex, Austin, TX' after 'at': the company, then the place."""
    pieces = _PIECE_SPLIT_RE.split(parts.company, maxsplit=1)
    if len(pieces) == 2 and looks_like_place(pieces[1]):
        parts.company, parts.location = pieces[0], parts.location or pieces[1]
        return
    head, sep, tail = parts.company.rstrip(". ").partition(", ")
    if sep and re.search(r",\s*[A-Z]{2}$|^[A-Z]{2}$|\s[A-Z]{2}$", tail) and looks_like_place(tail):
        parts.company, parts.location = head, parts.location or tail


def _split_colon(parts: SubjectParts) -> bool:
    """'Globex: Data Analyst' names the company first; 'Data Analyst: Globex' is rarer."""
    head, sep, tail = parts.title.partition(": ")
    head, tail = head.strip(), tail.strip()
    if not (sep and head and tail) or len(head.split()) > 6:
        return False
    if is_title_like(head) or not is_title_like(tail) or is_generic(head):
        return False
    parts.title, parts.company = tail, head
    inner = SubjectParts(title=tail)
    if _split_pieces(inner) and not inner.company:
        parts.title, parts.location = inner.title, parts.location or inner.location
    return True


def _split_pieces(parts: SubjectParts) -> bool:
    """'Title - Company', 'Title - Company - Place', 'Company | Title', 'Title - Place'."""
    found = [p.strip() for p in _PIECE_SPLIT_RE.split(parts.title) if p.strip()]
    pieces = [p for p in found if not _NOISE_PIECE_RE.match(p) and not _SALARY_RE.search(p)]
    if len(pieces) < 2:
        if pieces and len(found) > 1:  # "Payroll Assistant - $38/hr - Start Monday!!"
            parts.title = pieces[0]
            return True
        return False
    titles = [i for i, p in enumerate(pieces) if is_title_like(p)]
    at = titles[0] if titles else 0
    if len(titles) > 1 and titles[:2] == [0, 1]:
        return False  # "Sales Manager - Marketing Lead": two roles, keep the subject whole
    title, rest = pieces[at], pieces[:at] + pieces[at + 1 :]
    company, place = "", ""
    for piece in rest:
        if re.fullmatch(r"(?:fully |100% )?remote\b.*", piece, re.I) and len(piece.split()) <= 3:
            parts.remote = True
        elif not place and _is_place_piece(piece, company):
            place = piece
        elif not company and len(piece.split()) <= 6:
            company = piece
        else:
            title = f"{title} - {piece}"
    if not company and not place and len(pieces) == 2 and parts.remote:
        parts.title = title
        return True
    parts.title, parts.company = title, company
    parts.location = parts.location or place
    return bool(company or place or parts.remote)


def _is_place_piece(piece: str, company_so_far: str) -> bool:
    if re.search(r",\s*[A-Z]{2}\b|\b[A-Z]{2}\s+\d{5}\b|\bhybrid\b|\bremote\b", piece, re.I):
        return looks_like_place(piece)
    return bool(company_so_far) and looks_like_place(piece)


# --- bodies and senders --------------------------------------------------------------------------

_COMPANY_LINE_RE = re.compile(
    r"^[ \t]*+[-*•]?[ \t]*+(?:company|employer|client|organi[sz]ation|hiring company)[ \t]*+"
    r"[:\-–][ \t]*+(?:\n[ \t]*+){0,3}(?P<c>[^\n]{2,60})$",
    re.I | re.M,
)
_BODY_CUES = tuple(
    re.compile(p)
    for p in (
        rf"\b(?:my|our) client,? (?P<c>{_COMPANY_WORDS})(?:,| is| has| in\b)",
        rf"\bOne of my clients,? (?P<c>{_COMPANY_WORDS}),",
        rf"\b(?:partnering|working|partnered) with (?P<c>{_COMPANY_WORDS}) (?:on|to)\b",
        rf"\b(?:search|role|opening|position|opportunity) (?:for|with|at) (?P<c>{_COMPANY_WORDS})"
        r"(?:[.,;]|\s+(?:and|in|to|who|that|for|which|is)\b)",
        rf"\b(?:here at|on my team at|on our team at|join(?: the team at)?) (?P<c>{_COMPANY_WORDS})"
        r"(?=[.,;!]|\s+(?:as|and|in|to|on|for|who|is)\b)",
        rf"(?:^|[.!]\s+)(?P<c>{_COMPANY_WORDS}) (?:is|are) (?:now |currently )?"
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
