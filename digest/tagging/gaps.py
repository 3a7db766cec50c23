"""What a sub-group's roles miss: frequent title words and word pairs that none of its roles cover.

Pure, so the CLI (`jobdigest tags gaps`) and the web app show the same suggestions to a lead.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from digest.tagging.matcher import Matcher
from digest.tagging.rules import SubgroupRules
from digest.tagging.vocabulary import Vocabulary

# Words that say how senior or how employed, never what the job is: no role should be added for them.
NOISE = frozenset(
    [
        "senior",
        "junior",
        "lead",
        "principal",
        "staff",
        "associate",
        "assistant",
        "chief",
        "head",
        "entry",
        "level",
        "mid",
        "i",
        "ii",
        "iii",
        "iv",
        "v",
        "vi",
        "1",
        "2",
        "3",
        "4",
        "remote",
        "hybrid",
        "onsite",
        "on",
        "site",
        "full",
        "part",
        "time",
        "contract",
        "temporary",
        "temp",
        "permanent",
        "seasonal",
        "intern",
        "internship",
        "new",
        "grad",
        "graduate",
        "trainee",
        "apprentice",
        "sr",
        "jr",
    ]
)


def gap_suggestions(
    titles: Iterable[str],
    rules: SubgroupRules,
    *,
    vocabulary: Vocabulary | None = None,
    min_count: int = 2,
    limit: int = 20,
) -> list[tuple[str, int]]:
    """(word or word pair, number of titles using it), most frequent first.

    A word is a gap when no role of `rules` uses it (after the matcher's own normalisation, so
    'Managers' is 'manager'); a pair when no single role uses both its words. A word is left out
    when a suggested pair holding it is just as frequent: the pair says more.
    """
    matcher = Matcher.compile([rules], vocabulary)
    covered = matcher.role_terms(rules.name)
    covered_terms = frozenset().union(*covered) if covered else frozenset()
    words: Counter[tuple[str, ...]] = Counter()
    surface: dict[tuple[str, ...], str] = {}
    for title in titles:
        read = [(t, w) for t, w in matcher.terms_of(title) if t not in NOISE and w not in NOISE]
        seen: set[tuple[str, ...]] = set()
        for i, (term, word) in enumerate(read):
            _note((term,), word, seen, surface)
            if i + 1 < len(read):
                nxt_term, nxt_word = read[i + 1]
                if nxt_term != term:
                    _note((term, nxt_term), f"{word} {nxt_word}", seen, surface)
        words.update(seen)
    gaps = {
        gram: n
        for gram, n in words.items()
        if n >= min_count and not _is_covered(gram, covered, covered_terms)
    }
    for gram in [g for g in gaps if len(g) == 1]:
        if any(len(p) == 2 and gram[0] in p and gaps[p] >= gaps[gram] for p in gaps):
            del gaps[gram]
    ranked = sorted(gaps.items(), key=lambda item: (-item[1], -len(item[0]), surface[item[0]]))
    return [(surface[gram], n) for gram, n in ranked[:limit]]


def _note(
    gram: tuple[str, ...],
    text: str,
    seen: set[tuple[str, ...]],
    surface: dict[tuple[str, ...], str],
) -> None:
    """Count a gram once per title; its first spelling is the one shown."""
    if any(len(t) < 2 or t.isdigit() for t in gram):
        return
    seen.add(gram)
    surface.setdefault(gram, text)


def _is_covered(
    gram: tuple[str, ...], covered: list[frozenset[str]], covered_terms: frozenset[str]
) -> bool:
    if len(gram) == 1:
        return gram[0] in covered_terms
    return any(all(t in terms for t in gram) for terms in covered)
