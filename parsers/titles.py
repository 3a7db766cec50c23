"""Title, company and place packed into one line: a feed entry's title or a mail's subject.

Feeds and recruiters pack the same shapes into one line ("Title at Company (Location)",
"Company: Title", "Title - Company - Location", "Company | Title", "Acme is hiring: Title"),
so one splitter reads them all. What only a subject has (Fwd:/Re: chains, "Job:" labels,
"check out this job at ...") is taken off by parsers.subjects before the line comes here.
When the caller already knows the employer (a feed's author or `<company>` element), that
name decides which piece is the company. The vocabulary is data: parsers/data/titles.toml.

Interface (stable):
    split_title(text: str, known_company: str = "", remote: bool = False) -> TitleParts
    is_title_like(text: str) -> bool
    is_generic(title: str) -> bool
    ROLE_NOUN_RE, COMPANY_WORDS, REMOTE_HEAD_RE
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

from parsers.company import normalize_company
from parsers.location import is_arrangement, looks_like_place, mentions_remote, title_says_remote

_WORDS = tomllib.loads(files("parsers").joinpath("data/titles.toml").read_text("utf-8"))


def _alternation(words: list[str]) -> str:
    """Longest first, so "head of" is tried before "head"; phrases are matched as written."""
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


ROLE_NOUN_RE = re.compile(rf"\b({_alternation(_WORDS['role_nouns'])})s?\b", re.IGNORECASE)
#: A singular role noun: "HR Business Partner" is a title, "Brazos Energy Partners" a company.
_TITLE_NOUN_RE = re.compile(
    rf"\b({_alternation(_WORDS['role_nouns'])})\b(?!['’]?s\b)", re.IGNORECASE
)
_FILLER = frozenset(_WORDS["filler"])
_LABEL_RE = re.compile(rf"^(?:{_alternation(_WORDS['labels'])})$", re.IGNORECASE)
_NOISE_PIECE_RE = re.compile(rf"^(?:{'|'.join(_WORDS['noise_pieces'])})\W*$", re.IGNORECASE)
_TERMS_RE = re.compile(rf"^(?:{'|'.join(_WORDS['terms'])})$", re.IGNORECASE)
_REMOTE_TAIL_RE = re.compile(
    r"(?:allows |fully |100% )?remote(?: ok| friendly| possible| only)?", re.IGNORECASE
)
COMPANY_WORDS = r"[A-Z0-9][\w&.,'’-]*(?:[ \t]+(?:&|and|of|the|de|[A-Z0-9][\w&.'’-]*)){0,6}"
_HIRING_RE = re.compile(
    r"^(?P<co>[A-Z][\w&.,' -]{1,60}?) (?:(?:is|are) (?:now |currently |actively )?"
    r"(?:hiring|looking for|seeking|recruiting(?: for)?)(?::| (?:a|an|for|the)?)?|"
    # "Acme zoekt een", "Acme sucht einen", "Acme recherche un", "Acme busca un", "cerca un"
    rf"(?:{_alternation(_WORDS['hiring_verbs'])})"
    rf"(?: (?:{_alternation(_WORDS['hiring_articles'])}))?)\s*(?P<title>.*)$"
)
_JOIN_RE = re.compile(
    rf"\bjoin (?:the team at )?(?P<co>{COMPANY_WORDS}) as (?:an? )?(?P<title>.+)$"
)
_TEAM_AT_RE = re.compile(
    rf"\b(?:on|in|to) (?:my|our|the) (?:\w+ )?(?:team|group|department)(?: here)? "
    rf"(?:at|with) (?P<co>{COMPANY_WORDS})\s*$"
)
_AT_RE = re.compile(
    rf"^(?P<title>.+?)\s+(?:{_alternation(_WORDS['at_words'])})\s+"
    r"(?P<co>[A-Z0-9][^;:!?]{1,60}?)\s*$"
)
_WITH_RE = re.compile(
    r"^(?P<title>.+?\b(?:role|post|opening|position|opportunity|job|search))\s+(?:with|for)\s+"
    r"(?P<co>[A-Z0-9][^,;:!?]{1,60}?)\s*$",
    re.IGNORECASE,
)
#: Separators start where a whitespace run starts ("(?<!\s)") and never give spaces back ("\s*+"):
#: the same splits, without a quadratic scan of a long whitespace run.
_PIECE_SPLIT_RE = re.compile(r"(?<!\s)\s++[-–—|]\s+|(?<!\s)\s*+[|•·]\s*")
_PAREN_TAIL_RE = re.compile(r"(?<!\s)\s*+\(([^()]*)\)\s*$")
_SALARY_RE = re.compile(r"^\W*\$|\d\s*(?:k|/hr|/hour|/yr|per hour)\b", re.I)
REMOTE_HEAD_RE = re.compile(r"^(?:100% |fully )?(?:remote|hybrid)\s+(?=\S+\s+\S)", re.I)
_REMOTE_PIECE_RE = re.compile(r"(?:fully |100% )?remote\b.*", re.I)
_STATE_PIECE_RE = re.compile(r",\s*[A-Z]{2}\b|\b[A-Z]{2}\s+\d{5}\b|\bhybrid\b|\bremote\b", re.I)


@dataclass(slots=True)
class TitleParts:
    """What a title line says; empty strings where it says nothing."""

    title: str
    company: str = ""
    location: str = ""
    remote: bool = False


def is_title_like(text: str) -> bool:
    """A job title's words: a singular role noun ("Data Analyst", not "Globex Partners")."""
    return bool(_TITLE_NOUN_RE.search(text))


def is_generic(title: str) -> bool:
    """Nothing but filler ("Role for you", "Fwd: interesting"): no job is named."""
    words = re.findall(r"[a-z]+", title.lower())
    return not words or all(w in _FILLER for w in words)


def split_title(text: str, known_company: str = "", remote: bool = False) -> TitleParts:
    """Title, company and place of one line; an unrecognized line is kept whole as the title.

    `known_company`: the employer the source names elsewhere, which then decides an ambiguous
    piece. `remote`: the caller already saw a remote marker (in text it took off the line)."""
    text = text.strip()
    remote = remote or title_says_remote(text) or bool(REMOTE_HEAD_RE.match(text))
    parts = TitleParts(title=text, remote=remote)
    tails = _paren_tails(parts)
    _strip_label(parts)
    _split(parts, known_company)
    _place_tails(parts, tails)
    return parts


def _paren_tails(parts: TitleParts) -> list[str]:
    tails: list[str] = []
    while (m := _PAREN_TAIL_RE.search(parts.title)) and m.start() > 0 and len(tails) < 3:
        tails.insert(0, m.group(1).strip())
        parts.title = parts.title[: m.start()].rstrip()
    return tails


def _place_tails(parts: TitleParts, tails: list[str]) -> None:
    """'(Dallas)' after 'Title - Company' is the place; '(AWS)' after a bare title is not."""
    kept: list[str] = []
    for tail in tails:
        if _REMOTE_TAIL_RE.fullmatch(tail):
            parts.remote = True
        elif is_arrangement(tail) and (parts.location or not mentions_remote(tail)):
            parts.remote = parts.remote or mentions_remote(tail)
        elif (
            not parts.location
            and not _TERMS_RE.match(tail)
            and looks_like_place(tail)
            and (parts.company or "," in tail or mentions_remote(tail) or "hybrid" in tail.lower())
        ):
            parts.location = tail
        elif tail:
            kept.append(tail)
    parts.title += "".join(f" ({t})" for t in kept)


def _strip_label(parts: TitleParts) -> None:
    """'Hiring: ...', 'Remote: ...' say nothing about the employer."""
    head, found, tail = parts.title.partition(": ")
    if found and tail.strip() and _LABEL_RE.match(head.strip()):
        parts.title = tail.strip()
        parts.remote = parts.remote or head.strip().casefold() == "remote"


#: A feed names the same employer on each of its entries: its key is worked out once.
_company_key = lru_cache(maxsize=1024)(normalize_company)


def _same_company(text: str, known_company: str) -> bool:
    """'Workwise Payroll' in the title is the author 'Workwise Payroll, Inc.'."""
    return bool(known_company) and _company_key(text) == _company_key(known_company)


def _split(parts: TitleParts, known_company: str) -> None:
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
    if _split_colon(parts, known_company) or (
        _split_pieces(parts, known_company) and parts.company
    ):
        return
    found = _AT_RE.match(parts.title) or _WITH_RE.match(parts.title)
    if found and not found.group("co").casefold().startswith("home"):
        parts.title, parts.company = found.group("title"), found.group("co")
        _split_company_place(parts)


def _split_company_place(parts: TitleParts) -> None:
    """'Globex - Austin, TX' or 'Globex, Austin, TX' after 'at': the company, then the place."""
    pieces = _PIECE_SPLIT_RE.split(parts.company, maxsplit=1)
    if len(pieces) == 2 and looks_like_place(pieces[1]):
        parts.company, parts.location = pieces[0], parts.location or pieces[1]
        return
    head, sep, tail = parts.company.rstrip(". ").partition(", ")
    if sep and re.search(r",\s*[A-Z]{2}$|^[A-Z]{2}$|\s[A-Z]{2}$", tail) and looks_like_place(tail):
        parts.company, parts.location = head, parts.location or tail


def _split_colon(parts: TitleParts, known_company: str) -> bool:
    """'Globex: Data Analyst' names the company first; 'Data Analyst: Globex' is rarer."""
    head, sep, tail = parts.title.partition(": ")
    head, tail = head.strip(), tail.strip()
    if not (sep and head and tail) or len(head.split()) > 6:
        return False
    if not _same_company(head, known_company) and (
        is_title_like(head) or not is_title_like(tail) or is_generic(head)
    ):
        return False
    parts.title, parts.company = tail, head
    inner = TitleParts(title=tail)
    if _split_pieces(inner, "") and not inner.company:
        parts.title, parts.location = inner.title, parts.location or inner.location
    return True


def _pieces(title: str) -> tuple[list[str], bool]:
    """The pieces of 'A - B | C' that say something, and whether there were noise pieces."""
    found = [p.strip() for p in _PIECE_SPLIT_RE.split(title) if p.strip()]
    pieces = [p for p in found if not _NOISE_PIECE_RE.match(p) and not _SALARY_RE.search(p)]
    return pieces, len(found) > len(pieces)


def _split_pieces(parts: TitleParts, known_company: str) -> bool:
    """'Title - Company', 'Title - Company - Place', 'Company | Title', 'Title - Place'."""
    pieces, noisy = _pieces(parts.title)
    if len(pieces) < 2:
        if pieces and noisy:  # "Payroll Assistant - $38/hr - Start Monday!!"
            parts.title = pieces[0]
            return True
        return False
    titles = [i for i, p in enumerate(pieces) if is_title_like(p)]
    at = titles[0] if titles else 0
    if len(titles) > 1 and titles[:2] == [0, 1]:
        return False  # "Sales Manager - Marketing Lead": two roles, keep the subject whole
    title, company, place = _sort_pieces(
        parts, pieces[at], pieces[:at] + pieces[at + 1 :], known_company
    )
    if not company and not place and len(pieces) == 2 and parts.remote:
        parts.title = title
        return True
    parts.title, parts.company = title, company
    parts.location = parts.location or place
    return bool(company or place or parts.remote)


def _sort_pieces(
    parts: TitleParts, title: str, rest: list[str], known_company: str
) -> tuple[str, str, str]:
    """Each piece besides the title is remote work, the place, the company or more title."""
    company, place = "", ""
    for piece in rest:
        if _REMOTE_PIECE_RE.fullmatch(piece) and len(piece.split()) <= 3:
            parts.remote = True
            place = place or piece
        elif place and parts.remote and is_arrangement(f"{place} {piece}"):
            place = f"{place} - {piece}"  # "Remote - US"
        elif not place and _is_place_piece(piece, company):
            place = piece
        elif not company and _may_be_company(piece, known_company):
            company = piece
        else:
            title = f"{title} - {piece}"
    return title, company, place


def _may_be_company(piece: str, known_company: str) -> bool:
    """Short enough for a name; when the employer is known, only that name is the company."""
    if known_company:
        return _same_company(piece, known_company)
    return len(piece.split()) <= 6


def _is_place_piece(piece: str, company_so_far: str) -> bool:
    if _STATE_PIECE_RE.search(piece):
        return looks_like_place(piece)
    return bool(company_so_far) and looks_like_place(piece)
