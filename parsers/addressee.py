"""Who a sharer's note says a lead is for: "Sarah, this one is for you", "for Sarah K.",
"thought of sarah.kim@example.org". Pure: the caller matches the names to its members.

Only names in a position that addresses someone count (the note's first word followed by a
comma or colon, or after "for", "thought of", "attn", "@"), so a company or a role in the note
("great role for Marketing folks") is a candidate only if a member is called that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_NAME = r"([A-Z][a-z'\-]+(?:\s+[A-Z](?:[a-z'\-]+|\.)?)?)"
_VOCATIVE = re.compile(r"^\s*(?i:hi|hey|hello|dear)?\s*" + _NAME + r"\s*[,:!\u2014-]")
_CLOSING = re.compile(r",\s*" + _NAME + r"\s*[.!]*\s*$")
_AFTER = re.compile(
    r"\b(?i:for|thought of|attn:?|attention:?|cc:?|to)\s+" + _NAME + r"(?![\w@])"
    r"|@" + _NAME
)
_NOT_NAMES = frozenset(
    {"hi", "hey", "hello", "dear", "all", "everyone", "you", "folks", "team", "for", "to", "cc"}
)


@dataclass(frozen=True, slots=True)
class Named:
    """A person a note addresses: an address, or a first name and maybe a surname or initial."""

    text: str  # as written
    address: str = ""
    first: str = ""
    rest: str = ""  # surname or initial (no dot), lowercase


def _name(text: str) -> Named | None:
    words = text.replace(".", " ").split()
    if not words or words[0].casefold() in _NOT_NAMES:
        return None
    rest = words[1].casefold() if len(words) > 1 else ""
    return Named(text.strip().rstrip("."), first=words[0].casefold(), rest=rest)


def named_in_note(note: str) -> list[Named]:
    """Everyone the note addresses, first mention first, each once."""
    out: list[Named] = []
    for address in _EMAIL.findall(note or ""):
        out.append(Named(address, address=address.casefold()))
    text = _EMAIL.sub(" ", note or "")
    found = [_VOCATIVE.match(text), _CLOSING.search(text), *_AFTER.finditer(text)]
    for m in found:
        if m is None:
            continue
        raw = next(g for g in m.groups() if g)
        # "for Sarah K." keeps the initial; the vocative's name is case-sensitive too
        if not raw[0].isupper():
            continue
        named = _name(raw)
        if named and all(n.first != named.first or n.rest != named.rest for n in out):
            out.append(named)
    return out


def fits(named: Named, name: str, email: str) -> bool:
    """Does a member called `name` with address `email` answer to `named`?"""
    if named.address:
        return named.address == email.casefold()
    words = name.casefold().split()
    if not words or words[0] != named.first:
        return False
    if not named.rest:
        return True
    return any(
        w == named.rest or (len(named.rest) == 1 and w.startswith(named.rest)) for w in words[1:]
    )
