"""Whether two postings are one job: the same requisition seen through different sources.

The same job reaches the group as "Senior Brand Manager" in a LinkedIn alert, "Sr. Brand
Manager - Remote" on the Greenhouse board and a recruiter's "Brand Mgr" link to the employer's
Workday page. One posting per job needs a judgement that forgives how sources write a job and
still tells near-misses apart ("Brand Manager" is not "Associate Brand Manager", the same title
at another company or in another city is another job, two requisition ids are two jobs):

* URL identity first: the same board or ATS posting id (wherever the id sits in the URL, any
  tracking removed) is the same job; two different ids on one site are two jobs.
* Otherwise company, place and title must all agree once normalised: legal forms dropped
  ("Sabre" = "Sabre Corporation"), known short names ("IBM", "Dell" for Dell Technologies,
  see parsers/company.py), places compared as city and state ("Dallas, Texas" =
  "Dallas, TX"; a side that states no city agrees with any), and titles compared as words:
  abbreviations expanded (Sr./Senior, Mgr/Manager), levels written one way (II/2), word order,
  work arrangement, place and requisition-id tails ignored ("- Remote", "(Dallas, TX)",
  "(R12345)"). Every other word counts, so seniority and function words keep jobs apart.

The vocabulary is data: parsers/data/job_words.toml.

Interface (stable):
    title_key(title: str, *places: str) -> str     # normalised title words, sorted
    company_key(name: str) -> str                  # normalised company, spaces removed
    fingerprint(title: str, company: str, location: str = "") -> str
    same_job(a, b) -> bool                         # Postings, or mappings with the same keys
    similar_titles(a: str, b: str) -> float        # Jaccard of title words (kept for callers)
"""

from __future__ import annotations

import hashlib
import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Any

from parsers.company import normalize_company, same_company
from parsers.links import canonicalize_url, is_job_url, job_id_key
from parsers.location import is_arrangement, place_key, same_place


@dataclass(frozen=True, slots=True)
class _Words:
    abbreviations: dict[str, str]
    levels: dict[str, str]
    noise: frozenset[str]
    arrangement: frozenset[str]


@lru_cache(maxsize=1)
def _words() -> _Words:
    raw = tomllib.loads(files("parsers").joinpath("data/job_words.toml").read_text("utf-8"))
    return _Words(
        abbreviations={str(k): str(v) for k, v in raw.get("abbreviations", {}).items()},
        levels={str(k): str(v) for k, v in raw.get("levels", {}).items()},
        noise=frozenset(str(x) for x in raw.get("noise", {}).get("words", ())),
        arrangement=frozenset(str(x) for x in raw.get("arrangement", {}).get("words", ())),
    )


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


#: Requisition ids in a title: "(R12345)", "[JR-1042]", "#4471", "- Req 12345", "JR104512".
_REQ_ID_RE = re.compile(
    r"[(\[]\s*(?:req(?:uisition)?\.?\s*(?:id|#|no\.?)?\s*[:#]?\s*)?[a-z]{0,4}[-_]?\d{3,}[a-z0-9-]*"
    r"\s*[)\]]|#\s*\d{3,}|\b(?:req(?:uisition)?|job)\s*(?:id|#|no\.?)?\s*[:#]?\s*[a-z]{0,3}\d{3,}\b|"
    r"\b[a-z]{1,3}[-_]?\d{4,}\b|\b\d{5,}\b"
)
#: "(m/w/d)", "(f/m/x)", "(H/F)": who may apply, written in European postings, not the job.
_GENDER_TAG_RE = re.compile(r"[(\[]\s*(?:[mfwdxhi*]\s*/\s*){1,3}[mfwdxhi*]\s*[)\]]", re.IGNORECASE)
_LEVEL_RE = re.compile(r"\blevel\s+(\d|i{1,3}|iv|v)\b")


def _tokens(title: str) -> list[str]:
    """A title's words, written one way."""
    data = _words()
    text = _fold(title)
    text = re.sub(r"\b((?:[a-z]\.){2,})", lambda m: m.group(1).replace(".", ""), text)  # I.T.
    text = _GENDER_TAG_RE.sub(" ", text)
    text = _REQ_ID_RE.sub(" ", text)
    text = _LEVEL_RE.sub(r" \1 ", text)
    text = text.replace("fp&a", " fpa ").replace("&", " and ").replace("e-commerce", "ecommerce")
    raw = re.findall(r"[a-z0-9+#]+", re.sub(r"(?<=[a-z])\.(?=\s|$)", " ", text))
    out: list[str] = []
    for i, word in enumerate(raw):
        if word in data.levels and (word not in ("i", "v") or i == len(raw) - 1):
            out.append(data.levels[word])  # "I" and "V" are levels only at the end
            continue
        out.extend(data.abbreviations.get(word, word).split())
    return out


_PIECE_RE = re.compile(r"\s+[-–—|/]\s+|\s*[()\[\]]\s*")


def _drop_place_pieces(title: str, places: tuple[str, ...]) -> str:
    """'Analyst – Raleigh, North Carolina (Hybrid)' -> 'Analyst' when the posting is in
    Raleigh: tails naming a posting's place or a work arrangement say where, not what."""
    pieces = [p for p in _PIECE_RE.split(title) if p and p.strip()]
    if len(pieces) < 2:
        return title
    cities = {place_key(p).city for p in places if p} - {""}
    kept = [pieces[0]]
    for piece in pieces[1:]:
        key = place_key(piece)
        if (key.city and key.city in cities) or key.region or key.remote:
            continue  # the posting's city, or any "City, ST" / state / "Remote"
        if is_arrangement(piece):
            continue
        kept.append(piece)
    return " - ".join(kept)


@lru_cache(maxsize=16384)
def title_key(title: str, *places: str) -> str:
    """Normalised title words, sorted: 'Sr. Brand Mgr - Remote' and 'Senior Brand Manager'
    give the same key. The postings' `places` are dropped from the title too: 'Analyst -
    Dallas' is 'Analyst' at a Dallas posting."""
    data = _words()
    drop = set(data.noise) | set(data.arrangement)
    for place in places:
        key = place_key(place or "")
        drop.update(key.city.split())
        if key.region:
            drop.add(key.region)
    title = _GENDER_TAG_RE.sub(" ", title or "")
    words = [w for w in _tokens(_drop_place_pieces(title, places)) if w not in drop]
    return " ".join(sorted(words))


@lru_cache(maxsize=16384)
def company_key(name: str) -> str:
    """'Sabre Corporation', 'SABRE, Inc.' and 'Sabre' -> 'sabre'; 'JPMorgan Chase & Co.' and
    'JPMorganChase' -> 'jpmorganchase': compared without spaces."""
    words = normalize_company(name or "").split()
    while len(words) > 1 and words[-1] == "and":  # "JPMorgan Chase & Co." lost its "Co."
        words.pop()
    return "".join(words)


def fingerprint(title: str, company: str, location: str = "") -> str:
    """Stable hash of a posting's identity; empty when title or company is missing."""
    key = title_key(title, location)
    comp = company_key(company)
    if not key or not comp:
        return ""
    place = place_key(location or "")
    loc = f"{place.city},{place.region}" if place.city else ("remote" if place.remote else "")
    return hashlib.sha256(f"{key}|{comp}|{loc}".encode()).hexdigest()[:32]


def similar_titles(a: str, b: str) -> float:
    """Jaccard similarity of title word sets, 0..1, for fuzzy duplicate detection."""
    sa, sb = set(title_key(a).split()), set(title_key(b).split())
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


# --- one job? -----------------------------------------------------------------------------------


def _get(item: Any, name: str) -> str:
    value = item.get(name) if isinstance(item, Mapping) else getattr(item, name, "")
    return str(value or "")


@lru_cache(maxsize=16384)
def _url_ids(url: str) -> tuple[str, str]:
    """(posting key or canonical URL, the site it is on) for a job URL; ('', '') otherwise."""
    if not url:
        return "", ""
    key = job_id_key(url)
    if key:
        return key, key.rsplit(":", 1)[0]
    if not is_job_url(url):
        return "", ""
    canonical = canonicalize_url(url)
    return canonical, canonical.split("/")[2] if canonical.count("/") >= 2 else ""


def _ids(item: Any) -> dict[str, str]:
    """Site -> posting identity for the URLs a posting carries."""
    out: dict[str, str] = {}
    for name in ("canonical_url", "url"):
        ident, site = _url_ids(_get(item, name))
        if ident:
            out.setdefault(site, ident)
    return out


def same_job(a: Any, b: Any) -> bool:
    """Whether postings `a` and `b` (Posting objects or row mappings with title, company,
    location, url, canonical_url) are one job; see the module notes for the rules."""
    ids_a, ids_b = _ids(a), _ids(b)
    shared = ids_a.keys() & ids_b.keys()
    if any(ids_a[site] == ids_b[site] for site in shared):
        return True
    if shared:
        return False  # one site, two different postings: two requisitions
    if not same_company(_get(a, "company"), _get(b, "company")):
        return False
    la, lb = _get(a, "location"), _get(b, "location")
    if not same_place(la, lb):
        return False
    ta = title_key(_get(a, "title"), la, lb)
    return bool(ta) and ta == title_key(_get(b, "title"), la, lb)
