"""A posting's place as a member would write it: "Irving, TX", not "Hybrid work in Irving, TX".

Job boards and recruiters wrap the place in the work arrangement ("Hybrid work in ...",
"Plano, TX (hybrid, 3 days on site)", "DFW Airport, TX - hybrid"). The digest shows the place;
dedup fingerprints compare it, so the same job from a mail and a feed must read the same. Remote
work is kept as the posting's `remote` flag, not in the place.

Interface (stable):
    tidy_location(text: str) -> str
    looks_like_place(text: str) -> bool
    is_arrangement(text: str) -> bool
    mentions_remote(*texts: str) -> bool
    title_says_remote(title: str) -> bool
    place_key(text: str) -> PlaceKey          # ("dallas", "tx", remote?) for comparing places
    same_place(a: str, b: str) -> bool        # could two postings' places be the same job's?

Place names written differently ("Dallas, Texas" / "Dallas, TX, United States") are data:
parsers/data/places.toml.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

_ARRANGEMENT = (
    r"hybrid|remote|on[- ]?site|onsite|in[- ]office|in[- ]person|office|days?|"
    r"travel|flexible|wfh|work from home|telecommute|mon(?:day)?-\w+"
)
_PREFIX_RE = re.compile(
    r"^\s*(?:(?:hybrid|remote|on[- ]?site|onsite|in[- ]person|in[- ]office)\s+(?:work\s+)?in|"
    r"(?:located|based|work(?:ing)?)\s+in|location\s*[:\-–])\s+",
    re.IGNORECASE,
)
_PAREN_TAIL_RE = re.compile(rf"\s*\((?=[^()]*\b(?:{_ARRANGEMENT})\b)[^()]*\)\s*$", re.IGNORECASE)
_DASH_TAIL_RE = re.compile(
    rf"\s*(?:\s[-–—|]\s|[,;/]\s*|\s+or\s+)(?:{_ARRANGEMENT})\b.*$", re.IGNORECASE
)
# Every way postings say "remote", in mail, alerts, feeds and pages alike: the one vocabulary.
REMOTE_WORDS = (
    r"remote|work(?:ing)? from home|wfh|telecommut\w*|home[- ]based|100% virtual|virtual position|"
    r"fully distributed|anywhere|t[ée]l[ée]travail|homeoffice|home office"
)
_REMOTE_RE = re.compile(rf"\b(?:{REMOTE_WORDS})(?!\w)", re.I)
# In a title, remote work is its own piece ("(Remote)", "- Remote", "Remote: ..."): a "Remote
# Sensing Engineer" is not a remote job.
_TITLE_REMOTE_RE = re.compile(
    rf"[(\[|\u2013-]\s*(?:100% |fully )?(?:{REMOTE_WORDS})(?!\w)|\b(?:{REMOTE_WORDS})\s*[)\]]"
    rf"|^(?:{REMOTE_WORDS})\s*[-\u2013|:]",
    re.I,
)
_STATE_RE = re.compile(r",\s*[A-Z]{2}\b|\b[A-Z]{2}\s+\d{5}\b")
_NOT_PLACE_RE = re.compile(
    r"\$|\d+\s*(?:k|/hr|/hour|/yr)\b|\b(?:full[- ]?time|part[- ]?time|contract|temporary|"
    r"permanent|internship|freelance|senior|junior|urgent|apply|start|immediate|w2|c2c|"
    r"month|months|week|weeks)\b",
    re.IGNORECASE,
)


def mentions_remote(*texts: str) -> bool:
    """A place, tag or note that says the work is remote ("Remote", "home-based", "100% virtual")."""
    return any(t and _REMOTE_RE.search(t) for t in texts)


def title_says_remote(title: str) -> bool:
    """A title that marks the job remote as a piece of its own, not as part of the role."""
    return bool(_TITLE_REMOTE_RE.search(title or ""))


def tidy_location(text: str) -> str:
    """The place alone; an arrangement-only text ("Remote", "Hybrid") is kept as it is."""
    original = re.sub(r"\s+", " ", text or "").strip(" .;,-–—")
    place = _PREFIX_RE.sub("", original)
    for _ in range(3):
        shorter = _DASH_TAIL_RE.sub("", _PAREN_TAIL_RE.sub("", place)).strip(" .;,-–—")
        if shorter == place:
            break
        place = shorter
    return place if place and not is_arrangement(place) else original


def is_arrangement(text: str) -> bool:
    """'Remote', 'Hybrid', 'On-site, 3 days': how one works, with no place in it."""
    return bool(re.fullmatch(rf"(?:\W|\b(?:{_ARRANGEMENT}|and|work|only|us|usa)\b)*", text, re.I))


def looks_like_place(text: str) -> bool:
    """'Plano, TX', 'Dallas', 'DFW Airport, TX', 'Remote (US)': short, no pay or job words."""
    text = text.strip()
    words = text.split()
    if not words or len(words) > 7 or len(text) > 60 or _NOT_PLACE_RE.search(text):
        return False
    if _STATE_RE.search(text) or mentions_remote(text) or re.search(r"\bhybrid\b", text, re.I):
        return True
    return all(w[:1].isupper() or w.lower() in ("of", "de", "la", "am", "upon") for w in words)


@dataclass(frozen=True, slots=True)
class PlaceKey:
    """A place as compared: city and state/province code ('' when not stated), remote work."""

    city: str = ""
    region: str = ""
    remote: bool = False


@dataclass(frozen=True, slots=True)
class _Places:
    regions: dict[str, str]
    codes: frozenset[str]
    countries: frozenset[str]
    filler: tuple[str, ...]
    cities: dict[str, str]


@lru_cache(maxsize=1)
def _places() -> _Places:
    raw = tomllib.loads(files("parsers").joinpath("data/places.toml").read_text("utf-8"))
    regions = {str(k): str(v) for k, v in raw.get("regions", {}).items()}
    return _Places(
        regions=regions,
        codes=frozenset(regions.values()),
        countries=frozenset(str(x) for x in raw.get("countries", ())),
        filler=tuple(str(x) for x in raw.get("filler", ())),
        cities={str(k): str(v) for k, v in raw.get("cities", {}).items()},
    )


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


@lru_cache(maxsize=8192)
def place_key(text: str) -> PlaceKey:
    """'Dallas, Texas, United States' and 'Hybrid work in Dallas, TX 75201' -> ('dallas', 'tx')."""
    data = _places()
    remote = mentions_remote(text or "")
    value = _fold(tidy_location(text or ""))
    value = re.sub(r"\b\d{5}(?:-\d{4})?\b", " ", value)  # ZIP codes
    value = re.sub(r"\([^)]*\)", " ", value)
    pieces = [p.strip(" .") for p in re.split(r"\s*[,;|]\s*|\s+[-–—]\s+", value) if p.strip(" .")]
    pieces = [p for p in pieces if p not in data.countries and not is_arrangement(p)]
    region = ""
    for i, piece in enumerate(pieces[1:], start=1):
        code = data.regions.get(piece) or (piece if piece in data.codes else "")
        if code:
            region, pieces = code, pieces[:i] + pieces[i + 1 :]
            break
    if not pieces:
        return PlaceKey("", region, remote)
    city = pieces[0]
    for word in data.filler:
        city = re.sub(rf"\b{re.escape(word)}\b", " ", city)
    city = " ".join(city.split())
    head, _, tail = city.rpartition(" ")  # "dallas tx"
    if head and not region and (tail in data.codes):
        city, region = head, tail
    if city in data.regions and not region:  # "Texas" alone is a region, not a city
        return PlaceKey("", data.regions[city], remote)
    return PlaceKey(data.cities.get(city, city), region, remote)


def same_place(a: str, b: str) -> bool:
    """Whether two postings' places may be one job's: the same city (and state, when both
    say one), or one side says no city at all (not stated, "Remote", only a state)."""
    ka, kb = place_key(a or ""), place_key(b or "")
    if not ka.city or not kb.city:
        return not (ka.region and kb.region and ka.region != kb.region and ka.city + kb.city)
    if ka.city != kb.city:
        return False
    return not (ka.region and kb.region and ka.region != kb.region)
