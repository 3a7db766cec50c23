"""A member's pitch as a personal target: the role phrases in their own words, matched to
postings with the project's matcher and vocabulary (stems, synonyms, siblings).

Only what the member says they want counts ("looking to pursue a career in social media
marketing"), not their background ("experience in high tech products"): the cue words that
introduce a wish are data (digest/tagging/data/pitch.toml), not code.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path

from digest.tagging.compile import build_matcher
from digest.tagging.matcher import Matcher
from digest.tagging.rules import RoleRule, SubgroupRules

_DATA = Path(__file__).with_name("data") / "pitch.toml"
_SENTENCE = re.compile(r"[.;!?\n]+")
_SPLIT = re.compile(r",|/|\band\b|\bor\b")
#: a phrase longer than this is a sentence, not a role
MAX_WORDS = 5


@lru_cache(maxsize=1)
def _cues() -> tuple[re.Pattern[str], frozenset[str], frozenset[str]]:
    """The wish cues as one pattern, the words trimmed from a phrase's ends."""
    data = tomllib.loads(_DATA.read_text(encoding="utf-8"))
    cues = sorted(data["cues"], key=len, reverse=True)
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(c) for c in cues) + r")\s+(.+)")
    return pattern, frozenset(data["lead_words"]), frozenset(data["trail_words"])


def _trim(phrase: str, lead: frozenset[str], trail: frozenset[str]) -> str:
    words = re.findall(r"[\w+#'&-]+", phrase)
    while words and words[0] in lead:
        words.pop(0)
    while words and words[-1] in trail:
        words.pop()
    return " ".join(words)


def pitch_phrases(pitch: str) -> list[str]:
    """The role phrases a pitch asks for, in the member's words, first mention first."""
    pattern, lead, trail = _cues()
    out: list[str] = []
    for sentence in _SENTENCE.split(pitch.casefold()):
        found = pattern.search(sentence)
        while found:
            tail = found.group(1)
            nested = pattern.search(tail)  # "looking to pursue a career in X": the last cue
            if nested is None:
                break
            found = nested
        if not found:
            continue
        for part in _SPLIT.split(found.group(1)):
            phrase = _trim(part, lead, trail)
            if phrase and len(phrase.split()) <= MAX_WORDS and phrase not in out:
                out.append(phrase)
    return out


@lru_cache(maxsize=256)
def pitch_matcher(phrases: tuple[str, ...]) -> Matcher:
    """One 'sub-group' per phrase, so a tag names the phrase it came from."""
    rules = [SubgroupRules(name=p, roles=(RoleRule(phrase=p),)) for p in phrases]
    return build_matcher(rules)


def pitch_fit(phrases: tuple[str, ...], title: str, description: str) -> str:
    """The pitch phrase a posting fits best ('' for none)."""
    if not phrases:
        return ""
    tags = pitch_matcher(phrases).match(title, description)
    return tags[0].subgroup if tags else ""
