"""Reading a job card's text lines: which is the title, the company, the location, the pay.

All six senders show the same facts in nearly the same order (title, company, location, pay,
age, badges); they differ in where the company goes and in the separators they use. So the
lines are classified by what they look like, not by where a template put them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from functools import lru_cache


class LineKind(Enum):
    TEXT = "text"
    NAV = "nav"
    CTA = "cta"
    NOISE = "noise"
    HEADER = "header"
    SALARY = "salary"
    POSTED = "posted"
    WORKPLACE = "workplace"


@dataclass(slots=True)
class Line:
    text: str
    anchored: bool = False


@dataclass(slots=True)
class Fields:
    title: str
    company: str = ""
    location: str = ""
    remote: bool = False
    salary: str = ""
    posted_at: str = ""
    description: str = ""


def _phrases(*items: str) -> re.Pattern[str]:
    return re.compile(r"^(?:" + "|".join(items) + r")$", re.I)


_NAV = _phrases(
    r"(?:see|view|show|browse|search)(?: all| more)(?: \d+\+?)?(?: new| more| similar| recommended)?"
    r" (?:jobs?|results|matches)(?: on \w+)?",
    r"(?:see|view|show|browse|search)(?: \d+\+?)?(?: new| similar| recommended)? (?:jobs|results|matches)",
    r"(?:search for |find )?more jobs(?: like this)?",
    r"(?:job )?alert settings|(?:manage|edit|delete|update|create|pause)(?: your| this| job)? (?:job )?alerts?",
    r"unsubscribe(?: from this alert| from these emails)?|opt out|email preferences|notification settings",
    r"help(?: center)?|privacy(?: policy)?|terms(?: of (?:use|service))?|user agreement|cookie policy",
    r"contact us|feedback|give feedback|send feedback|learn why we included this|why am i getting this",
    r"(?:download|get)(?: the)?(?: new)?(?: \w+)? app|download on the app store|get it on google play",
    r"app store|google play|view in browser|view this email in your browser|view (?:my |your )?profile",
    r"(?:update|edit|complete) (?:my |your )?profile|your profile|premium|try premium(?: for free)?",
    r"(?:get )?career advice|salary tool|company reviews|post a job|sign in|log in|home|jobs",
    r"messaging|notifications|my network|flag as irrelevant|see more results|mark as irrelevant",
    r"(?:go to|open) (?:linkedin|indeed|glassdoor|ziprecruiter|dice)|linkedin|indeed|glassdoor",
)
_NAV_ANYWHERE = re.compile(
    r"unsubscribe|copy(?:ing)? and past|\u00a9|\(c\) ?\d{4}|all rights reserved|privacy policy|"
    r"this (?:e-?mail|message) was (?:intended|sent)|you are receiving|you received this|"
    r"learn why we included",
    re.I,
)
_CTA = _phrases(
    r"view(?: job| details| posting)?|see (?:job|details)|details|more|open|learn more",
    r"(?:easy|easily|quick|1-click|one-click)? ?apply(?: now| on company site| today)?",
    r"save(?: job)?|saved|share|ansehen|jetzt bewerben|bewerben|postuler|voir l'offre|ver empleo",
)
_NOISE = _phrases(
    r"promoted|sponsored|featured|new|verified|hot|urgent|urgently hiring|actively (?:recruiting|hiring)",
    r"this company is actively hiring|be an early applicant|early applicant|top applicant",
    r"hiring multiple candidates|responsive employer|estimated pay|employer (?:est\.?|provided)",
    r"glassdoor est\.?|\(?(?:employer|glassdoor) est\.?\)?|easy apply|easily apply|apply now",
    r"\d+\+? (?:connections?|alumni|school alumni|colleagues?) works? here|\d+\+? applicants?",
    r"over \d+ applicants|be among the first \d+ applicants|no longer accepting applications",
    r"(?:full|part)[- ]time(?:,? (?:contract|temporary|permanent|internship))*",
    r"contract(?:or)?|temporary|internship|permanent|seasonal|per diem|fresher",
    r"\(?\d(?:[.,]\d)?\)?\s*(?:\u2605|\u2606|stars?|out of 5 stars)?|[\u2605\u2606]+",
    r"[^\w$\u20ac\u00a3]*",
)
_HEADER = re.compile(
    r"^(?:your (?:job )?alert|job alert|(?:\d+\+? )?new jobs?\b|\d+\+? (?:new )?\w+(?: \w+)* jobs? "
    r"(?:in|for|near|match)|jobs? (?:you may|you might|for you|matching|based on|similar)|"
    r"here are|recommended (?:jobs )?for you|top job picks|hi\b|hello\b|dear\b|check out\b|"
    r"we found|based on your|new jobs? match|(?:from|to|cc|bcc|date|sent|subject):)"
    r"|^.{0,60}\bjobs (?:in|near|for)\b"
    r"|\bmatch(?:es|ing)? your\b|\bjob ads\b|:$",
    re.I,
)
_WORKPLACE = re.compile(r"^\(?(remote|hybrid|on-?site|in[- ]person|work from home|wfh)\)?$", re.I)
_WORKPLACE_SUFFIX = re.compile(
    r"(?<!\s)\s*+[(\[]\s*+(remote|hybrid|on-?site|in[- ]person)\s*+[)\]]\s*$"
    r"|(?<!\s)\s*+[-\u2013|\u2022\u00b7,]\s*+(remote|hybrid|on-?site|in[- ]person)\s*$",
    re.I,
)
_CURRENCY = (
    r"(?:[$\u20ac\u00a3\u00a5\u20b9\u20a6]|\b(?:US\$|CA\$|A\$|USD|EUR|GBP|CAD|AUD|INR|PKR|RM)\s?)"
)
_SALARY = re.compile(
    rf"{_CURRENCY}\s?\d[\d,.]*\s*[kKmM]?\b"
    r"|\b(?<!\d[,.])\d[\d,.]*+\s*+[kK]\s*+(?:-|\u2013|to)\s*+\d[\d,.]*+\s*+[kK]\b",
)
_SALARY_UNIT = re.compile(r"\b(?:year|yr|hour|hr|month|mo|week|day|annum|annual)\b|est\.|/", re.I)
_REL_AGE = re.compile(
    r"\b(?:just posted|posted today|new today|today|yesterday|"
    r"\d+\+?\s*(?:minutes?|mins?|hours?|hrs?|days?|weeks?|months?)\s+ago)\b|^\d+\+?\s?[hdwm]\+?$",
    re.I,
)
_ABS_DATE = (
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), "%Y-%m-%d", (1, 2, 3)),
    (re.compile(r"\b(\d{1,2})[/-](\d{1,2})[/-](\d{4})\b"), "%m-%d-%Y", (1, 2, 3)),
    (re.compile(r"\b([A-Z][a-z]{2,8})\.? (\d{1,2}),? (\d{4})\b"), "%b-%d-%Y", (1, 2, 3)),
)
_POSTED_WORD = re.compile(r"\b(?:posted|reposted|active|updated|date)\b", re.I)
_URLISH = re.compile(r"^(?:https?://|www\.)\S+$|^<https?://", re.I)
_RATING_TAIL = re.compile(
    r"(?<!\s)\s*+[-\u2013|\u2022\u00b7]?\s*+\(?\d[.,]\d\)?\s*+(?:\u2605|stars?|out of 5 stars)?$"
)
_STAR_TAIL = re.compile(r"(?<!\s)\s*+\d?(?:[.,]\d)?\s*+[\u2605\u2606]++\s*$")
_SEPARATORS = (" \u00b7 ", " \u2022 ", " | ", " \u2014 ", " \u2013 ", " - ")
_VIA = re.compile(r"(?<!\s)\s*+(?:[\u2022\u00b7|-]\s*+)?\bvia\b.*$", re.I)
_SITE_SUFFIX = re.compile(
    r"(?<!\s)\s*+[|\u2013-]\s*+(?:linkedin|indeed(?:\.com)?|glassdoor|ziprecruiter|dice|monster)\s*$",
    re.I,
)
_LOCATION_HINT = re.compile(
    r",\s*[A-Z]{2}\b|\b(?:remote|hybrid|united states|usa|uk|canada|germany|india|area|county|"
    r"metropolitan|anywhere)\b|^[A-Z][\w.' -]+,\s*[A-Z][\w.' -]+$",
    re.I,
)
_MAX_TITLE = 150
_MAX_COMPANY = 100
_MAX_LOCATION = 90
_DESCRIPTION_MIN = 60


#: Lines longer than this are classified without the cache (a hostile line must not be kept).
_MAX_CACHED = 2000


def classify(text: str) -> LineKind:
    """What a short card line is, judged by its words alone."""
    return _classify_cached(text) if len(text) <= _MAX_CACHED else _classify(text)


@lru_cache(maxsize=8192)
def _classify_cached(text: str) -> LineKind:
    return _classify(text)


def _classify(text: str) -> LineKind:
    value = text.strip().rstrip("\u203a\u00bb\u2192>").strip()
    plain = value.rstrip(":").strip()
    if _NAV.match(plain) or _NAV_ANYWHERE.search(value):
        return LineKind.NAV
    if _URLISH.match(plain):
        return LineKind.NAV
    if _CTA.match(plain):
        return LineKind.CTA
    if _WORKPLACE.match(plain):
        return LineKind.WORKPLACE
    if _NOISE.match(plain):
        return LineKind.NOISE
    if len(value) <= 80 and _SALARY.search(value) and _looks_like_pay(value):
        return LineKind.SALARY
    if len(value) <= 60 and posted_date(value):
        return LineKind.POSTED
    if _HEADER.search(value):
        return LineKind.HEADER
    return LineKind.TEXT


def _looks_like_pay(value: str) -> bool:
    """A money amount with a pay period, or a line that is little more than amounts."""
    if _SALARY_UNIT.search(value):
        return True
    return len(re.sub(r"[\d$\u20ac\u00a3kKmM,.\s\u2013-]|to", "", value)) <= 8


@lru_cache(maxsize=8192)
def posted_date(text: str) -> str:
    """An absolute date as ISO yyyy-mm-dd; a relative age as shown ("2 days ago", "21h")."""
    value = text.strip()
    for pattern, fmt, groups in _ABS_DATE:
        match = pattern.search(value)
        if match and (_POSTED_WORD.search(value) or len(value) <= 20):
            iso = _iso(fmt, [match.group(g) for g in groups])
            if iso:
                return iso
    match = _REL_AGE.search(value)
    if match and (len(value) <= 40):
        return match.group(0).strip()
    return ""


def _iso(fmt: str, parts: list[str]) -> str:
    try:
        if fmt.startswith("%b"):
            month = datetime.strptime(parts[0][:3], "%b").month
            return date(int(parts[2]), month, int(parts[1])).isoformat()
        return datetime.strptime("-".join(parts), fmt).date().isoformat()
    except ValueError:
        return ""


def is_title(text: str) -> bool:
    return 2 <= len(text) <= _MAX_TITLE and bool(re.search(r"[^\W\d_]", text))


def read_card(lines: list[Line], company_first: bool, strict: bool) -> Fields | None:
    """The facts of one card; None when the card has no believable job title."""
    kinds = [classify(line.text) for line in lines]
    title_at = _title_index(lines, kinds, strict, company_first)
    if title_at is None:
        return None
    fields = Fields(title=_clean_title(lines[title_at].text))
    after = list(range(title_at + 1, len(lines)))
    details = _detail_lines(after, kinds)
    if company_first:
        before = _company_before(lines, kinds, title_at)
        if before is not None:
            fields.company = _clean_company(lines[before].text)
            details = [None, *details]
    _fill_company_location(fields, [lines[i].text if i is not None else "" for i in details])
    _fill_extras(fields, [lines[i] for i in after], [kinds[i] for i in after])
    fields.remote = fields.remote or _title_says_remote(fields.title)
    return fields if is_title(fields.title) else None


def _title_index(
    lines: list[Line], kinds: list[LineKind], strict: bool, company_first: bool
) -> int | None:
    anchored = [i for i, line in enumerate(lines) if line.anchored]
    titled = [i for i in anchored if kinds[i] is LineKind.TEXT and is_title(lines[i].text)]
    if company_first and len(titled) >= 2:
        return titled[1]
    if titled:
        return titled[0]
    if any(kinds[i] is LineKind.NAV for i in anchored) or strict:
        return None
    start = anchored[0] + 1 if anchored else 0
    candidates: list[int] = []
    for i in range(start, len(lines)):
        if kinds[i] is LineKind.NAV:
            break
        if kinds[i] is LineKind.TEXT and is_title(lines[i].text):
            candidates.append(i)
    if company_first and not anchored and len(candidates) >= 2:
        return candidates[1]
    return candidates[0] if candidates else None


def _company_before(lines: list[Line], kinds: list[LineKind], title_at: int) -> int | None:
    """Company-first cards (Glassdoor) name the employer on the line above the title."""
    for i in range(title_at - 1, -1, -1):
        if kinds[i] is LineKind.TEXT:
            return i if len(lines[i].text) <= _MAX_COMPANY else None
        if kinds[i] not in (LineKind.NOISE, LineKind.CTA):
            return None
    return None


def _detail_lines(after: list[int], kinds: list[LineKind]) -> list[int | None]:
    """Company and location candidates: text lines after the title, before pay or age."""
    found: list[int | None] = []
    for i in after:
        if kinds[i] in (LineKind.SALARY, LineKind.POSTED, LineKind.NAV, LineKind.HEADER):
            break
        if kinds[i] in (LineKind.TEXT, LineKind.WORKPLACE):
            found.append(i)
        if len(found) == 2:
            break
    return found


def _fill_company_location(fields: Fields, texts: list[str]) -> None:
    company = texts[0] if texts else ""
    location = texts[1] if len(texts) > 1 else ""
    if company and not fields.company:
        if _WORKPLACE.match(company):
            company, location = "", company
        else:
            head, tail = _split_company_line(company, location)
            company, location = head, tail or location
        fields.company = _clean_company(company) if len(company) <= _MAX_COMPANY else ""
    elif location and len(location) > _MAX_LOCATION:
        location = ""
    if len(location) > _MAX_LOCATION or location.endswith(("...", "\u2026")):
        location = ""
    fields.location, remote = _clean_location(location)
    fields.remote = fields.remote or remote


def _split_company_line(line: str, next_line: str) -> tuple[str, str]:
    """ "Acme · Austin, TX (Remote)" holds both facts; a plain dash splits only before a place."""
    for sep in _SEPARATORS:
        if sep not in line:
            continue
        head, tail = line.split(sep, 1)
        if sep == " - " and (_LOCATION_HINT.search(next_line) or not _LOCATION_HINT.search(tail)):
            return line, ""
        parts = [p.strip() for p in tail.split(sep.strip()) if p.strip()]
        return head.strip(), ", ".join(parts)
    return line, ""


def _clean_company(text: str) -> str:
    text = _STAR_TAIL.sub("", text)
    return _RATING_TAIL.sub("", text).strip(" -\u2013\u00b7\u2022|,")


def _clean_location(text: str) -> tuple[str, bool]:
    text = _VIA.sub("", text).strip(" -\u2013\u00b7\u2022|,")
    remote = bool(re.search(r"\bremote\b|work from home", text, re.I))
    parts = [p.strip() for p in text.split(",")]
    kept = [p for p in parts if p and not _WORKPLACE.match(p)]
    if kept != parts and kept:
        text = ", ".join(kept)
    match = _WORKPLACE_SUFFIX.search(text)
    if match and match.start() > 0:
        text = text[: match.start()].strip()
    return text, remote


def _clean_title(text: str) -> str:
    return _SITE_SUFFIX.sub("", text).strip(" -\u2013\u00b7\u2022|")


def _title_says_remote(title: str) -> bool:
    return bool(
        re.search(
            r"[(\[|\u2013-]\s*(?:100% )?remote\b|\bremote\s*[)\]]|^remote\s*[-\u2013|:]",
            title,
            re.I,
        )
    )


def _fill_extras(fields: Fields, lines: list[Line], kinds: list[LineKind]) -> None:
    for line, kind in zip(lines, kinds, strict=True):
        if kind is LineKind.SALARY and not fields.salary:
            fields.salary = re.sub(r"(?<=[\w$])\(", " (", line.text)
        elif kind is LineKind.POSTED and not fields.posted_at:
            fields.posted_at = posted_date(line.text)
        elif kind is LineKind.WORKPLACE and re.search(r"remote|home|wfh", line.text, re.I):
            fields.remote = True
        elif (
            kind is LineKind.TEXT and not fields.description and len(line.text) >= _DESCRIPTION_MIN
        ):
            fields.description = line.text
        if kind is LineKind.TEXT and not fields.posted_at:
            fields.posted_at = _inline_age(line.text)


def _inline_age(text: str) -> str:
    """Google cards put the age and job type on one line: "3 days ago • Full-time"."""
    for part in re.split(r"(?<!\s)\s*+[\u2022\u00b7|]\s*", text):
        if len(part) <= 30 and posted_date(part):
            return posted_date(part)
    return ""
