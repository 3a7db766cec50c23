"""Identity of a posting without a URL: normalized title + company (+ location)."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from parsers.company import normalize_company

_NOISE = re.compile(
    r"\b(?:fwd?|fw|tr|wg|rv|job|opening|hiring|now|urgent|new|position)\b[:!]?", re.I
)


def title_key(title: str) -> str:
    """Lower-case words of a title without forwarding prefixes or hiring noise, sorted."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().casefold()
    text = _NOISE.sub(" ", text)
    return " ".join(sorted(set(re.findall(r"[a-z0-9+#]+", text))))


def fingerprint(title: str, company: str, location: str = "") -> str:
    """Stable hash of a posting's identity; empty when title or company is missing."""
    key = title_key(title)
    comp = normalize_company(company)
    if not key or not comp:
        return ""
    loc = " ".join(re.findall(r"[a-z]+", location.casefold()))[:40]
    return hashlib.sha256(f"{key}|{comp}|{loc}".encode()).hexdigest()[:32]


def similar_titles(a: str, b: str) -> float:
    """Jaccard similarity of title word sets, 0..1, for fuzzy duplicate detection."""
    sa, sb = set(title_key(a).split()), set(title_key(b).split())
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)
