"""Reading a job card's text lines: which is the title, the company, the location, the pay.

All six senders show the same facts in nearly the same order (title, company, location, pay,
age, badges); they differ in where the company goes and in the separators they use. So the
lines are classified by what they look like, not by where a template put them.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from functools import lru_cache
from pathlib import Path

from parsers.location import title_says_remote
from parsers.subjects import ROLE_NOUN_RE


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


_DATA = Path(__file__).with_name("data") / "lines.toml"
_KINDS = (
    "nav",
    "nav_anywhere",
    "cta",
    "noise",
    "header",
    "posted",
    "posted_short",
    "posted_word",
    "workplace",
    "remote",
)


def _load_vocabulary(path: Path = _DATA) -> dict[str, list[str]]:
    """Every language's patterns per line class, merged: alerts mix languages."""
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    merged: dict[str, list[str]] = {kind: [] for kind in _KINDS}
    for language in data.values():
        for kind, patterns in language.items():
            merged.setdefault(kind, []).extend(patterns)
    return merged


_VOCAB = _load_vocabulary()


def _whole(kind: str) -> re.Pattern[str]:
    """The class's patterns as one regex that must match a whole line."""
    return re.compile(r"^(?:" + "|".join(f"(?:{p})" for p in _VOCAB[kind]) + r")$", re.I)


def _inside(kind: str) -> re.Pattern[str]:
    """The class's patterns as one regex found inside a line, on word boundaries."""
    return re.compile(r"(?<!\w)(?:" + "|".join(f"(?:{p})" for p in _VOCAB[kind]) + r")(?!\w)", re.I)


_NAV = _whole("nav")
_NAV_ANYWHERE = re.compile("|".join(f"(?:{p})" for p in _VOCAB["nav_anywhere"]), re.I)
_CTA = _whole("cta")
_NOISE = _whole("noise")
_HEADER = _whole("header")
_WORKPLACE_WORDS = "|".join(f"(?:{p})" for p in _VOCAB["workplace"])
_WORKPLACE = re.compile(rf"^\(?(?:{_WORKPLACE_WORDS})\)?$", re.I)
_REMOTE = _inside("remote")
#: A job title's head noun, singular ("HR Business Partner" is a title, "Apex Partners" a
#: company), English from parsers.subjects plus the other languages' from lines.toml.
_ROLE = re.compile(
    ROLE_NOUN_RE.pattern.replace(r")s?\b", r")\b(?!['’]?s\b)")
    + "|"
    + r"(?<!\w)(?:"
    + "|".join(f"(?:{p})" for p in _VOCAB["role"])
    + r")(?!\w)",
    re.I,
)
_WORKPLACE_SUFFIX = re.compile(
    rf"(?<!\s)\s*+[(\[]\s*+(?:{_WORKPLACE_WORDS})\s*+[)\]]\s*$|(?<!\s)\s*+[-\u2013|\u2022\u00b7,]\s*+"
    rf"(?:{_WORKPLACE_WORDS})\s*$",
    re.I,
)
_CURRENCY = (
    r"(?:[$\u20ac\u00a3\u00a5\u20b9\u20a6]|\b(?:US\$|CA\$|A\$|USD|EUR|GBP|CAD|AUD|INR|PKR|RM)\s?)"
)
_SALARY = re.compile(
    rf"{_CURRENCY}\s?\d[\d,.]*\s*[kKmM]?\b"
    r"|\b(?<!\d[,.])\d[\d,.]*+\s*+[kK]\s*+(?:-|\u2013|to|à|a|bis)\s*+\d[\d,.]*+\s*+[kK]\b"
    r"|(?<![\d,.\u202f\u00a0 ])\b\d[\d,.\u202f\u00a0 ]*+[kK]?\s?(?:€|£|EUR|GBP|CHF)(?!\w)",
)
_SALARY_UNIT = re.compile(
    r"\b(?:year|yr|hour|hr|month|mo|week|day|annum|annual|an|mois|heure|jour|jahr|monat|"
    r"stunde|año|mes|hora|salary|salaire|gehalt|salario)\b|est\.|/",
    re.I,
)
_REL_AGE = _inside("posted")
_SHORT_AGE = _whole("posted_short")
_ABS_DATE = (
    (re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), "%Y-%m-%d", (1, 2, 3)),
    (re.compile(r"\b(\d{1,2})[/-](\d{1,2})[/-](\d{4})\b"), "%m-%d-%Y", (1, 2, 3)),
    (re.compile(r"\b([A-Z][a-z]{2,8})\.? (\d{1,2}),? (\d{4})\b"), "%b-%d-%Y", (1, 2, 3)),
    (re.compile(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b"), "%d-%m-%Y", (1, 2, 3)),
)
_POSTED_WORD = _inside("posted_word")
_URLISH = re.compile(r"^(?:https?://|www\.)\S+$|^<https?://", re.I)
_RATING_TAIL = re.compile(
    r"(?<!\s)\s*+[-\u2013|\u2022\u00b7]?\s*+\(?\d[.,]\d\)?\s*+(?:\u2605|stars?|out of 5 stars)?$"
)
_STAR_TAIL = re.compile(r"(?<!\s)\s*+\d?(?:[.,]\d)?\s*+[\u2605\u2606]++\s*$")
_SEPARATORS = (" \u00b7 ", " \u2022 ", " | ", " \u2014 ", " \u2013 ", " - ")
_VIA = re.compile(r"(?<!\s)\s*+(?:[\u2022\u00b7|-]\s*+)?\bvia\b.*$", re.I)
_SITE_SUFFIX = re.compile(
    r"(?<!\s)\s*+[|\u2013-]\s*+(?:linkedin|indeed(?:\.com)?|glassdoor|ziprecruiter|dice|monster|careerbuilder|"
    r"simplyhired|wellfound|built ?in|usajobs|handshake|idealist)\s*$",
    re.I,
)
_LOCATION_HINT = re.compile(
    r",\s*[A-Z]{2}\b|\b(?:remote|hybrid|united states|usa|uk|canada|germany|india|area|county|"
    r"metropolitan|anywhere)\b|^[A-Z][\w.' -]+,\s*[A-Z][\w.' -]+$|^[^\W\d][\w.' -]*\(\d{2,3}\)$",
    re.I,
)
_NOT_PLACE = (LineKind.NOISE, LineKind.SALARY, LineKind.POSTED, LineKind.CTA)
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
    if _SHORT_AGE.match(value):
        return value
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


def read_card(lines: list[Line], title_slot: int, strict: bool) -> Fields | None:
    """The facts of one card; None when the card has no believable job title.

    `title_slot` is the sender's card order: 0 when the title comes first, 1 when the company
    is above it (Glassdoor), 2 when a company and its one-line pitch are (Welcome to the Jungle).
    """
    kinds = [classify(line.text) for line in lines]
    title_at = _title_index(lines, kinds, strict, title_slot)
    if title_at is None:
        return None
    fields = Fields(title=_clean_title(lines[title_at].text))
    after = list(range(title_at + 1, len(lines)))
    details = _detail_lines(after, kinds)
    if title_slot:
        before = _company_before(lines, kinds, title_at, title_slot)
        if before is not None:
            fields.company = _clean_company(lines[before].text)
    _fill_company_location(fields, [lines[i].text for i in details], bool(fields.company))
    _fill_extras(fields, [lines[i] for i in after], [kinds[i] for i in after])
    fields.remote = fields.remote or title_says_remote(fields.title)
    return fields if is_title(fields.title) else None


def _title_index(
    lines: list[Line], kinds: list[LineKind], strict: bool, title_slot: int
) -> int | None:
    anchored = [i for i, line in enumerate(lines) if line.anchored]
    titled = [i for i in anchored if kinds[i] is LineKind.TEXT and is_title(lines[i].text)]
    if title_slot and len(titled) >= 2:
        return _slot_pick(titled, lines, title_slot)
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
    if title_slot and not anchored and len(candidates) >= 2:
        return _slot_pick(candidates, lines, title_slot)
    return candidates[0] if candidates else None


def looks_like_role(text: str) -> bool:
    """A line naming a job: "Senior Backend Engineer", "Chef de projet", "Entwickler (m/w/d)"."""
    return bool(_ROLE.search(text)) and len(text.split()) <= 14 and not text.endswith(".")


def _slot_pick(candidates: list[int], lines: list[Line], title_slot: int) -> int:
    """The title among a company-first card's text lines; a pitch line may sit between."""
    if title_slot == 1:
        return candidates[1]
    at_slot = candidates[min(title_slot, len(candidates) - 1)]
    if looks_like_role(lines[at_slot].text):
        return at_slot
    for i in candidates[1 : title_slot + 1]:
        if looks_like_role(lines[i].text) and not _LOCATION_HINT.search(lines[i].text):
            return i
    return at_slot


def _company_before(
    lines: list[Line], kinds: list[LineKind], title_at: int, title_slot: int
) -> int | None:
    """Company-first cards name the employer above the title (over its pitch line, if any)."""
    found: list[int] = []
    for i in range(title_at - 1, -1, -1):
        if kinds[i] is LineKind.TEXT:
            if len(lines[i].text) > _MAX_COMPANY and not found:
                return None
            found.append(i)
            if len(found) == title_slot:
                break
        elif kinds[i] not in (LineKind.NOISE, LineKind.CTA):
            break
    found = [i for i in found if len(lines[i].text) <= _MAX_COMPANY]
    return found[-1] if found else None


def _detail_lines(after: list[int], kinds: list[LineKind]) -> list[int]:
    """Company and location candidates: text lines after the title, before pay or age."""
    found: list[int] = []
    for i in after:
        if kinds[i] in (LineKind.SALARY, LineKind.POSTED, LineKind.NAV, LineKind.HEADER):
            break
        if kinds[i] in (LineKind.TEXT, LineKind.WORKPLACE):
            found.append(i)
        if len(found) == 3:
            break
    return found


def _fill_company_location(fields: Fields, texts: list[str], company_known: bool) -> None:
    """The first detail line names the company (unless the card did above the title), the
    next one the place; "Acme · Austin, TX" names both."""
    rest = list(texts)
    if not company_known and rest:
        first = rest.pop(0)
        if _WORKPLACE.match(first):
            rest.insert(0, first)
        else:
            head, tail = _split_company_line(first, rest[0] if rest else "")
            fields.company = _clean_company(head) if len(head) <= _MAX_COMPANY else ""
            if tail:
                rest.insert(0, tail)
    fields.location, remote = _clean_location(_pick_location(rest[:2]))
    fields.remote = fields.remote or remote


def _pick_location(candidates: list[str]) -> str:
    """The place: a bare "Remote" gives way to a real place right after it (Built In writes
    the workplace kind above the city); a sentence is a snippet, not a place."""
    places = [c for c in candidates if _plausible_place(c)]
    if not places:
        return ""
    if _WORKPLACE.match(places[0]) and len(places) > 1 and not _WORKPLACE.match(places[1]):
        return places[1]
    return places[0] if candidates[0] == places[0] else ""


def _plausible_place(text: str) -> bool:
    if len(text) > _MAX_LOCATION or text.endswith(("...", "\u2026", ".")):
        return False
    return len(text.split()) <= 8 or "," in text


def _split_company_line(line: str, next_line: str) -> tuple[str, str]:
    """ "Acme · Austin, TX (Remote)" holds both facts; a plain dash splits only before a place."""
    for sep in _SEPARATORS:
        if sep not in line:
            continue
        head, tail = line.split(sep, 1)
        next_is_place = _plausible_place(next_line) and bool(_LOCATION_HINT.search(next_line))
        if sep == " - " and (next_is_place or not _LOCATION_HINT.search(tail)):
            return line, ""
        parts = [p.strip() for p in tail.split(sep.strip()) if p.strip()]
        return head.strip(), ", ".join(parts)
    return line, ""


def _clean_company(text: str) -> str:
    text = _STAR_TAIL.sub("", text)
    return _RATING_TAIL.sub("", text).strip(" -\u2013\u00b7\u2022|,")


def _clean_location(text: str) -> tuple[str, bool]:
    text = _VIA.sub("", text).strip(" -\u2013\u00b7\u2022|,")
    parts = re.split(r"\s+[\u00b7\u2022|]\s+", text)
    if len(parts) > 1:
        text = " \u00b7 ".join(p for p in parts if classify(p) not in _NOT_PLACE) or parts[0]
    remote = bool(_REMOTE.search(text))
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


def _fill_extras(fields: Fields, lines: list[Line], kinds: list[LineKind]) -> None:
    for line, kind in zip(lines, kinds, strict=True):
        if kind is LineKind.SALARY and not fields.salary:
            fields.salary = re.sub(r"(?<=[\w$])\(", " (", line.text)
        elif kind is LineKind.POSTED and not fields.posted_at:
            fields.posted_at = posted_date(line.text)
        elif kind is LineKind.WORKPLACE and _REMOTE.search(line.text):
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
