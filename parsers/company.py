"""Company names compared as people mean them: "Sabre Corporation" = "Sabre" = "SABRE, Inc.".

Used to match postings to members' past employers ("Dan used to work at Sabre"), so legal-form
suffixes, a leading "The", accents, case and punctuation must not matter.

Interface (stable):
    normalize_company(name: str) -> str
"""

from __future__ import annotations

import re
import unicodedata

#: Legal forms and corporate-structure words that people drop when they name an employer.
_SUFFIXES = frozenset(
    {
        "inc", "incorporated", "llc", "ltd", "limited", "corp", "corporation", "co", "company",
        "cos", "companies", "gmbh", "mbh", "ag", "kg", "kgaa", "se", "sa", "sas", "sarl", "srl",
        "spa", "bv", "nv", "plc", "lp", "llp", "lllp", "pllc", "pc", "pty", "pte", "oy", "ab",
        "as", "asa", "aps", "kk", "group", "holdings", "holding", "international", "intl",
        "worldwide", "global",
    }
)  # fmt: skip
#: Dotted legal forms collapse to the words above once dots are removed ("S.A." -> "sa").
_DOTTED_RE = re.compile(r"\b((?:[a-z]\.){2,})", re.IGNORECASE)
#: Innermost groups: "[^()]" stops each try at the next "(", so "((((" is linear, not quadratic.
_PAREN_RE = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_DOMAIN_RE = re.compile(r"\.(com|net|org|io|co|ai)\b", re.IGNORECASE)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.casefold()


def normalize_company(name: str) -> str:
    """A comparison key: 'SABRE, Inc.' -> 'sabre'; never empty for a non-empty name."""
    text = _fold(str(name or ""))
    text = _PAREN_RE.sub(" ", text)
    text = _DOTTED_RE.sub(lambda m: m.group(1).replace(".", ""), text)
    text = _DOMAIN_RE.sub(" ", text)
    text = text.replace("&", " and ").replace("+", " and ")
    words = re.findall(r"[^\W_]+", text)
    if not words:
        return ""
    original = list(words)
    if words[0] == "the" and len(words) > 1:
        words = words[1:]
    while len(words) > 1 and words[-1] in _SUFFIXES:
        words.pop()
    result = " ".join(words)
    return result or " ".join(original)
