"""Company names compared as people mean them: "Sabre Corporation" = "Sabre" = "SABRE, Inc.".

Used to match postings to members' past employers ("Dan used to work at Sabre"), so legal-form
suffixes, a leading "The", accents, case and punctuation must not matter.

Interface (stable):
    normalize_company(name: str) -> str
    is_legal_form(word: str) -> bool      # "Inc.", "LLC", "GmbH"
    same_company(a: str, b: str) -> bool  # "Dell" = "Dell Technologies Inc." = "DELL"; "IBM" =
                                          # "International Business Machines Corporation"
    company_heads(name: str) -> set[str]  # first words a same_company match must share

Short names and acronyms people use for employers are data: parsers/data/company_aliases.toml.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from functools import lru_cache
from importlib.resources import files

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


def is_legal_form(word: str) -> bool:
    """'Inc.', 'LLC', 'S.A.', 'GmbH': a legal form or structure word, not a name or a place."""
    return _fold(word).replace(".", "").strip(" ,") in _SUFFIXES


@lru_cache(maxsize=1)
def _aliases() -> tuple[dict[str, str], frozenset[str]]:
    raw = tomllib.loads(files("parsers").joinpath("data/company_aliases.toml").read_text("utf-8"))
    aliases = {str(k): str(v) for k, v in raw.get("aliases", {}).items()}
    generic = frozenset(str(x) for x in raw.get("generic", {}).get("words", ()))
    return aliases, generic


@lru_cache(maxsize=8192)
def _canonical_words(name: str) -> tuple[str, ...]:
    """The normalised name's words with aliases resolved ('IBM' -> international business
    machines) and a trailing 'and' (from '& Co.') dropped."""
    aliases, _ = _aliases()
    key = normalize_company(name)
    words = key.split()
    while len(words) > 1 and words[-1] == "and":
        words.pop()
    key = " ".join(words)
    key = aliases.get(key) or aliases.get(key.replace(" ", "")) or key
    return tuple(key.split())


def same_company(a: str, b: str) -> bool:
    """Whether two names mean one employer: equal once normalised (spaces aside), an alias
    of the other, or the other's name cut short ('Dell' / 'Dell Technologies', 'Toyota' /
    'Toyota Motor North America') when the short name is no common word ('Texas',
    'American')."""
    wa, wb = _canonical_words(a or ""), _canonical_words(b or "")
    if not wa or not wb:
        return False
    if "".join(wa) == "".join(wb):
        return True
    short, long = (wa, wb) if len(wa) < len(wb) else (wb, wa)
    if len(short) == len(long) or long[: len(short)] != short:
        return False
    _, generic = _aliases()
    return any(w not in generic and len(w) >= 3 for w in short)


def company_heads(name: str) -> set[str]:
    """The first word of the name as written and as its alias resolves: every company that
    `same_company` can match shares one of them, so lookups can be narrowed to these."""
    heads = {
        w[0] for w in (normalize_company(name or "").split(), _canonical_words(name or "")) if w
    }
    return heads
