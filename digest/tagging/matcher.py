"""Tag postings with sub-groups' target roles: pure, compiled once, fast enough to re-tag everything.

How a role matches a title: both are cut into tokens (Unicode NFKC, case-folded, plurals reduced,
abbreviations and spelling variants expanded), and the role's significant tokens must all occur in
the title within a small window, in any order ("Manager, Marketing" and "Marketing Communications
Manager" both carry "Marketing Manager"). Each role is compiled into variants: its own words, the
vocabulary's synonyms, and (at a lower score) sibling heads or modifiers the sub-group itself lists.
Titles are matched through an inverted index on each variant's rarest token; descriptions, which are
long, only through an Aho-Corasick automaton of whole phrases, so a posting costs one pass over its
text whatever the number of roles.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from digest.tagging.rules import RoleRule, SubgroupRules
from digest.tagging.vocabulary import Vocabulary

try:  # a Rust DFA: about twice as fast over descriptions as pyahocorasick's trie
    import ahocorasick_rs
except ImportError:  # pragma: no cover - exercised only where ahocorasick-rs is missing
    ahocorasick_rs = None

# A title may hold this many tokens more than the role between the role's first and last token.
MAX_GAP = 2
# Quality of each kind of variant: how sure a title match through it is.
Q_LITERAL = 1.0
Q_OWN_SYNONYM = 0.95
Q_SYNONYM = 0.9
Q_HEAD = 0.75
Q_MODIFIER = 0.6
Q_CROSS_HEAD = 0.6
# Description evidence is weaker than the title: a description mentions colleagues' roles too.
DESCRIPTION_ONLY_BASE = 0.3
DESCRIPTION_BONUS = 0.05

# Punctuation that separates words in running text becomes a space, so description keys need only
# one leading space: that enforces the left word boundary and keeps the automaton's root narrow.
_ASCII_SEPARATORS = "\n\t\r\v\f()[]{}/\\\"'`*|<>,;:!?"
_WIDE_SEPARATORS = "\u00a0\u2022\u2013\u2014\u2018\u2019\u201c\u201d\u2026"
_SEPARATORS = str.maketrans(dict.fromkeys(_ASCII_SEPARATORS + _WIDE_SEPARATORS, " "))
_WIDE_TABLE = str.maketrans(dict.fromkeys(_WIDE_SEPARATORS, " "))
# Descriptions are scanned as UTF-8 bytes: translating bytes is a 256-entry table lookup, several
# times cheaper than str.translate, and both automata work on bytes anyway.
_SEPARATOR_BYTES = bytes.maketrans(_ASCII_SEPARATORS.encode(), b" " * len(_ASCII_SEPARATORS))
# Bytes that continue a word: ASCII letters and digits, and every byte of a non-ASCII character.
_WORD_BYTE = bytes(1 if b >= 128 or chr(b).isalnum() else 0 for b in range(256))
_S = ord("s")
_TOKEN = re.compile(r"[^\W_]+(?:['’&\-][^\W_]+)*")
_JOINERS = re.compile(r"['’&\-]")


@dataclass(frozen=True)
class Tag:
    """A posting fits `subgroup` through `role`; `why` says in a few words what was seen where."""

    subgroup: str
    role: str
    score: float
    why: tuple[str, ...]


@dataclass(frozen=True)
class NearMiss:
    """Why a sub-group did not tag a posting: its closest role and what kept it out."""

    subgroup: str
    role: str  # '' when the sub-group has no roles at all
    reason: str


@dataclass(frozen=True)
class _Variant:
    role: int  # index into Matcher._roles
    terms: tuple[str, ...]  # stemmed significant tokens, in phrase order
    quality: float
    label: str  # the phrasing this variant stands for, for explanations
    termset: frozenset[str] = frozenset()


@dataclass
class _Role:
    subgroup: int
    rule: RoleRule
    excludes: list[tuple[str, ...]] = field(default_factory=list)
    required: list[tuple[tuple[str, ...], ...]] = field(default_factory=list)


@dataclass
class _Hit:
    score: float
    variant: _Variant
    found: tuple[int, ...]  # title position of each of the variant's terms


# ----------------------------------------------------------------------------------------------
# Text normalisation, shared by titles and role phrases so both sides meet in the same form.


def normalize(text: str) -> str:
    """NFKC + case folding: full-width letters, ligatures and case no longer matter."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return text.casefold()


def stem(token: str, no_stem: frozenset[str] = frozenset()) -> str:
    """Reduce an English plural to its singular; deliberately nothing more (no '-ing' stripping,
    since 'Marketing' is not 'Market')."""
    if len(token) <= 3 or token in no_stem or not token.endswith("s"):
        return token
    if token.endswith("ies") and len(token) > 4:
        return token[:-3] + "y"
    if token.endswith(("sses", "ches", "shes", "xes")):
        return token[:-2]
    if token.endswith(("ss", "us", "is")):
        return token
    return token[:-1]


def raw_tokens(text: str) -> list[str]:
    """Word tokens of normalised text; keeps 'fp&a', 'e-mail', "manager's" whole for later."""
    return _TOKEN.findall(normalize(text))


class _Lexicon:
    """Turns tokens into the set of terms they stand for, per the vocabulary; memoised."""

    def __init__(self, vocab: Vocabulary) -> None:
        self.vocab = vocab
        self._cache: dict[str, tuple[tuple[str, ...], ...]] = {}

    def word(self, token: str) -> str:
        token = self.vocab.spellings.get(token, token)
        return stem(token, self.vocab.no_stem)

    def pieces(self, token: str) -> tuple[tuple[str, ...], ...]:
        """A raw token as consecutive positions, each a tuple of terms found there."""
        cached = self._cache.get(token)
        if cached is None:
            cached = self._pieces(token)
            if len(self._cache) > 200_000:
                self._cache.clear()
            self._cache[token] = cached
        return cached

    def _pieces(self, token: str) -> tuple[tuple[str, ...], ...]:
        if token.endswith(("'s", "’s")):
            token = token[:-2]
        if token in self.vocab.abbreviations or not _JOINERS.search(token):
            return (self._terms(token),)
        token = token.replace("'", "").replace("’", "")
        positions: list[tuple[str, ...]] = []
        for chunk in token.split("&"):
            parts = [p for p in chunk.split("-") if p]
            if not parts:
                continue
            chunk_positions = [self._terms(p) for p in parts]
            if len(parts) > 1:  # 'e-mail' is also 'email', 'co-ordinator' 'coordinator'
                joined = self._terms("".join(parts))
                chunk_positions[-1] = tuple(dict.fromkeys(chunk_positions[-1] + joined))
            positions.extend(chunk_positions)
        return tuple(positions)

    def _terms(self, token: str) -> tuple[str, ...]:
        terms = [self.word(token)]
        for expansion in self.vocab.abbreviations.get(token, ()):
            terms.extend(
                self.word(w) for w in raw_tokens(expansion) if w not in self.vocab.stopwords
            )
        return tuple(dict.fromkeys(terms))

    def positions(self, text: str) -> tuple[list[tuple[str, ...]], list[str]]:
        """Significant positions of a title (term tuples) and the surface word at each."""
        terms: list[tuple[str, ...]] = []
        words: list[str] = []
        stop = self.vocab.stopwords
        for token in raw_tokens(text):
            if token in stop:
                continue
            for piece in self.pieces(token):
                terms.append(piece)
                words.append(token)
        return terms, words

    def phrase_readings(self, phrase: str) -> list[tuple[str, ...]]:
        """Every way to read a role phrase as a term sequence (one per abbreviation expansion)."""
        readings: list[list[str]] = [[]]
        for token in raw_tokens(phrase):
            if token in self.vocab.stopwords:
                continue
            options = self._token_options(token)
            readings = [r + list(o) for r in readings for o in options][:16]
        return [tuple(r) for r in readings if r]

    def _token_options(self, token: str) -> list[tuple[str, ...]]:
        expansions = self.vocab.abbreviations.get(token)
        if expansions:
            return [
                tuple(self.word(w) for w in raw_tokens(e) if w not in self.vocab.stopwords)
                for e in expansions
            ]
        return [tuple(p[0] for p in self.pieces(token))]


# ----------------------------------------------------------------------------------------------
# Compiling roles into variants.


def _replace_run(
    seq: tuple[str, ...], run: tuple[str, ...], new: tuple[str, ...]
) -> list[tuple[str, ...]]:
    out = []
    n = len(run)
    for i in range(len(seq) - n + 1):
        if seq[i : i + n] == run:
            out.append(seq[:i] + new + seq[i + n :])
    return out


class _Compiler:
    """Builds every variant of every role; one instance per `Matcher.compile` call."""

    def __init__(self, lex: _Lexicon, generalize: str) -> None:
        self.lex = lex
        self.generalize = generalize
        self.synonyms = [self._readings_group(g) for g in lex.vocab.synonyms]
        # first term of a run -> (group, run): a reading is tried only against runs it can hold
        self._synonym_starts: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
        for g_idx, group in enumerate(self.synonyms):
            for run, _ in group:
                self._synonym_starts.setdefault(run[0], []).append((g_idx, run))
        self.heads = [self._readings_group(g) for g in lex.vocab.head_families]
        self.cross_heads = self._cross(lex.vocab.level_families)
        self.modifiers = [
            ({r for h in heads for r in lex.phrase_readings(h)}, self._readings_group(mods))
            for heads, mods in lex.vocab.modifier_families
        ]

    def _cross(self, families: Sequence[Sequence[str]]) -> dict:
        """Head -> heads of the other families (an analyst's domain also has managers)."""
        out: dict[tuple[str, ...], list[tuple[tuple[str, ...], str]]] = {}
        groups = [self._readings_group(f) for f in families]
        for i, group in enumerate(groups):
            others = [h for j, g in enumerate(groups) if j != i for h in g]
            for run, _ in group:
                out.setdefault(run, []).extend(others)
        return out

    def _readings_group(self, group: Sequence[str]) -> list[tuple[tuple[str, ...], str]]:
        out = []
        for phrase in group:
            for reading in self.lex.phrase_readings(phrase):
                out.append((reading, phrase))
        return out

    def role_variants(
        self, phrase: str, own_synonyms: Sequence[str], listed: dict[str, set]
    ) -> dict:
        """Term tuple -> (quality, label) for one role; the best quality wins on duplicates."""
        found: dict[tuple[str, ...], tuple[float, str]] = {}

        def add(terms: tuple[str, ...], quality: float, label: str) -> None:
            if terms and found.get(terms, (0.0, ""))[0] < quality:
                found[terms] = (quality, label)

        bases = [(r, Q_LITERAL, phrase) for r in self.lex.phrase_readings(phrase)]
        bases += [(r, Q_OWN_SYNONYM, s) for s in own_synonyms for r in self.lex.phrase_readings(s)]
        for reading, quality, label in bases:
            add(reading, quality, label)
        for _ in range(2):  # 'HR Generalist' -> 'HR Specialist' -> 'Personnel Specialist'
            for reading, (quality, label) in list(found.items()):
                for new, new_label in self._synonyms_of(reading):
                    add(new, quality * Q_SYNONYM, new_label if quality == Q_LITERAL else label)
        for terms, (quality, label) in list(found.items()):
            for new, new_label, q in self._generalized(terms, listed):
                add(new, quality * q, f"{new_label} (like '{label}')")
        return found

    def _synonyms_of(self, reading: tuple[str, ...]):
        for term in dict.fromkeys(reading):
            for g_idx, run in self._synonym_starts.get(term, ()):
                if not _replace_run(reading, run, run):
                    continue
                for other, other_label in self.synonyms[g_idx]:
                    for new in _replace_run(reading, run, other):
                        yield new, other_label

    def _generalized(self, terms: tuple[str, ...], listed: dict[str, set]):
        """Sibling heads ('Director' for 'Manager') and modifiers ('Petroleum' for 'Civil')."""
        if self.generalize == "never":
            return
        yield from self._sibling_heads(terms, listed)
        yield from self._sibling_modifiers(terms, listed)

    def _sibling_heads(self, terms: tuple[str, ...], listed: dict[str, set]):
        """'Marketing Director' for 'Marketing Manager' when the group lists directors."""
        for family in self.heads:
            for run, _ in family:
                n = len(run)
                if len(terms) <= n or terms[-n:] != run:
                    continue
                stem = terms[:-n]
                for other, other_label in family:
                    if other != run and self._allowed(other, listed["heads"]):
                        yield stem + other, " ".join(stem + (other_label,)), Q_HEAD
                for other, other_label in self.cross_heads.get(run, ()):
                    if other in listed["heads"]:
                        yield stem + other, " ".join(stem + (other_label,)), Q_CROSS_HEAD

    def _sibling_modifiers(self, terms: tuple[str, ...], listed: dict[str, set]):
        """'Petroleum Engineer' for a group listing several '<modifier> Engineer' roles."""
        for f_idx, (heads, family) in enumerate(self.modifiers):
            if terms[-1:] not in heads:
                continue
            head = terms[-1]
            if self.generalize != "always" and len(listed["modifiers"].get((f_idx, head), ())) < 2:
                continue
            for run, _ in family:
                if len(terms) != len(run) + 1 or terms[: len(run)] != run:
                    continue
                for other, other_label in family:
                    if other != run:
                        yield other + (head,), f"{other_label} {head}", Q_MODIFIER

    def _allowed(self, head: tuple[str, ...], listed_heads: set) -> bool:
        return self.generalize == "always" or head in listed_heads

    def listed(self, roles: Sequence[RoleRule]) -> dict[str, set | dict]:
        """What a sub-group's own roles show it wants: heads used, modifiers used per head."""
        heads: set[tuple[str, ...]] = set()
        modifiers: dict[tuple[int, str], set[tuple[str, ...]]] = {}
        known = {run for family in self.heads for run, _ in family} | set(self.cross_heads)
        for rule in roles:
            for terms in self.lex.phrase_readings(rule.phrase):
                heads.update(
                    run for run in known if len(terms) > len(run) and terms[-len(run) :] == run
                )
                for f_idx, (family_heads, family) in enumerate(self.modifiers):
                    for run, _ in family:
                        if terms[-1:] in family_heads and terms[:-1] == run:
                            modifiers.setdefault((f_idx, terms[-1]), set()).add(run)
        return {"heads": heads, "modifiers": modifiers}


# ----------------------------------------------------------------------------------------------


class _PhraseScanner:
    """All occurrences of many phrases in UTF-8 bytes, as (phrase index, start, end) byte offsets.

    ahocorasick-rs (a Rust DFA) when installed, else pyahocorasick over the bytes read as Latin-1,
    which keeps offsets in bytes; both report overlapping matches ('sales manager' and 'manager')."""

    def __init__(self, phrases: Sequence[bytes]) -> None:
        self._rs = None
        self._py = None
        if ahocorasick_rs is not None:
            self._rs = ahocorasick_rs.BytesAhoCorasick(
                list(phrases), implementation=ahocorasick_rs.Implementation.DFA
            )
            return
        import ahocorasick

        auto = ahocorasick.Automaton()
        for i, phrase in enumerate(phrases):
            auto.add_word(phrase.decode("latin-1"), (i, len(phrase)))
        auto.make_automaton()
        self._py = auto

    def find(self, text: bytes) -> list[tuple[int, int, int]]:
        if self._rs is not None:
            return self._rs.find_matches_as_indexes(text, overlapping=True)
        assert self._py is not None
        return [(i, end + 1 - n, end + 1) for end, (i, n) in self._py.iter(text.decode("latin-1"))]


class Matcher:
    """Compiled sub-group rules; `match` is pure and thread-safe apart from a token memo."""

    def __init__(self) -> None:
        self._subgroups: list[SubgroupRules] = []
        self._roles: list[_Role] = []
        self._variants: list[_Variant] = []
        self._index: dict[str, list[_Variant]] = {}
        self._group_excludes: list[tuple[int, list[tuple[str, ...]]]] = []
        self._scanner: _PhraseScanner | None = None
        self._surfaces: list[tuple[str, tuple[tuple[int, int, float], ...]]] = []
        self._lex = _Lexicon(Vocabulary.default())
        self.description_min_mentions = 2
        self._role_terms: list[frozenset[str]] = []
        self._neutral: frozenset[str] = frozenset()
        self._fields: frozenset[str] = frozenset()

    @classmethod
    def compile(
        cls,
        subgroups: Sequence[SubgroupRules],
        vocabulary: Vocabulary | None = None,
        *,
        generalize: str = "listed",
        description_min_mentions: int = 2,
    ) -> Matcher:
        """Compile once, match many times.

        `generalize`: "listed" lets a role stand for sibling heads/modifiers only when the sub-group
        lists a role with them; "always" and "never" are there for tuning and for strict groups.
        `description_min_mentions`: how often a role must appear in a description to tag a posting
        whose title does not carry it (one mention is often a colleague, not the job).
        """
        if generalize not in ("listed", "always", "never"):
            raise ValueError(f"generalize must be listed, always or never, not {generalize!r}")
        self = cls()
        self._lex = _Lexicon(vocabulary or Vocabulary.default())
        self.description_min_mentions = max(1, description_min_mentions)
        compiler = _Compiler(self._lex, generalize)
        self._subgroups = list(subgroups)
        surfaces: dict[str, list[tuple[int, int, float]]] = {}  # text -> (kind, id, quality)
        for g_idx, group in enumerate(self._subgroups):
            if group.exclude:
                self._group_excludes.append((g_idx, self._readings(group.exclude)))
            for e in group.exclude:
                surfaces.setdefault(_surface(e), []).append((_EXCLUDE_GROUP, g_idx, 1.0))
            listed = compiler.listed(group.roles)
            for rule in group.roles:
                self._add_role(g_idx, rule, compiler, listed, surfaces)
        self._build_index()
        self._build_automaton(surfaces)
        self._build_fields()
        return self

    def _readings(self, phrases: Iterable[str]) -> list[tuple[str, ...]]:
        return [r for p in phrases for r in self._lex.phrase_readings(p)]

    def _add_role(
        self, g_idx: int, rule: RoleRule, compiler: _Compiler, listed: dict, surfaces: dict
    ) -> None:
        r_idx = len(self._roles)
        role = _Role(g_idx, rule, self._readings(rule.exclude))
        role.required = [tuple(self._lex.phrase_readings(p)) for p in rule.required]
        self._roles.append(role)
        for terms, (quality, label) in compiler.role_variants(
            rule.phrase, rule.synonyms, listed
        ).items():
            self._variants.append(_Variant(r_idx, terms, quality, label, frozenset(terms)))
            if quality >= Q_SYNONYM * Q_OWN_SYNONYM and " (like " not in label:
                text = _surface(label)
                if len(text) >= 3:
                    surfaces.setdefault(text, []).append((_ROLE, r_idx, quality))
        for e in rule.exclude:
            surfaces.setdefault(_surface(e), []).append((_EXCLUDE_ROLE, r_idx, 1.0))
        for p in rule.required:
            surfaces.setdefault(_surface(p), []).append((_REQUIRED, r_idx, 1.0))

    def _build_index(self) -> None:
        """Index each variant under its rarest term: a title then touches few candidates."""
        freq: dict[str, int] = {}
        for v in self._variants:
            for t in set(v.terms):
                freq[t] = freq.get(t, 0) + 1
        for v in self._variants:
            key = min(v.terms, key=lambda t: (freq[t], t))
            self._index.setdefault(key, []).append(v)

    def _build_fields(self) -> None:
        """A role's field: the terms of its variants but seniority words and head nouns. The
        group's fields: every role's, so a title word no role uses ('Team Member') names none."""
        vocab = self._lex.vocab
        words = set(vocab.seniority)
        for family in (*vocab.head_families, *vocab.level_families):
            words.update(family)
        self._neutral = frozenset(t for w in words for r in self._lex.phrase_readings(w) for t in r)
        terms: list[set[str]] = [set() for _ in self._roles]
        for v in self._variants:
            terms[v.role].update(v.terms)
        self._role_terms = [frozenset(t - self._neutral) for t in terms]
        self._fields = frozenset().union(*self._role_terms)

    def _title_elsewhere(self, r_idx: int, where: dict[str, list[int]]) -> bool:
        """The title names a field the group knows, and not this role's: an 'FP&A Analyst' is no
        recruiting job however often its description says 'recruiter'."""
        field = (where.keys() & self._fields) - self._neutral
        return bool(field) and field.isdisjoint(self._role_terms[r_idx])

    def _build_automaton(self, surfaces: dict[str, list[tuple[int, int, float]]]) -> None:
        self._surfaces = [(text, tuple(targets)) for text, targets in surfaces.items() if text]
        if self._surfaces:
            self._scanner = _PhraseScanner([text.encode() for text, _ in self._surfaces])

    # ------------------------------------------------------------------------------------------

    def match(self, title: str, description: str = "") -> list[Tag]:
        """Tags for one posting, best first. Only the title and description count: the company
        and location are not evidence ('Acme Marketing Ltd' hiring a driver is not a marketing job)."""
        title = title if isinstance(title, str) else ""
        description = description if isinstance(description, str) else ""
        where, words, n = self._title_positions(title) if title else ({}, [], 0)
        title_hits = self._title_hits(where, n)
        desc = self._description_facts(description) if description else _EMPTY_FACTS
        if not title_hits and not desc.roles:
            return []  # the common case: nothing at all to decide
        return self._decide(title_hits, desc, where, words)

    def match_many(self, postings: Iterable[tuple[str, str]]) -> list[list[Tag]]:
        """Tags for (title, description) pairs, in order."""
        return [self.match(title, description) for title, description in postings]

    # Explanations ----------------------------------------------------------------------------

    def terms_of(self, text: str) -> list[tuple[str, str]]:
        """(term, surface word) for each significant position of a title, as the matcher reads it."""
        terms, words = self._lex.positions(text)
        return [(options[0], word) for options, word in zip(terms, words, strict=True)]

    def role_terms(self, subgroup: str) -> list[frozenset[str]]:
        """The term sets of every variant of a sub-group's roles: what its roles cover."""
        groups = {i for i, g in enumerate(self._subgroups) if g.name == subgroup}
        return [v.termset for v in self._variants if self._roles[v.role].subgroup in groups]

    def near_misses(self, title: str, description: str = "") -> list[NearMiss]:
        """For each sub-group that does not tag this posting, its closest role and why not."""
        tagged = {t.subgroup for t in self.match(title, description)}
        where, _words, _n = self._title_positions(title)
        desc = self._description_facts(description) if description else _EMPTY_FACTS
        by_group: dict[int, list[_Variant]] = {}
        for v in self._variants:
            by_group.setdefault(self._roles[v.role].subgroup, []).append(v)
        misses = []
        for g_idx, group in enumerate(self._subgroups):
            if group.name in tagged:
                continue
            variants = by_group.get(g_idx, [])
            if not variants:
                misses.append(NearMiss(group.name, "", "the sub-group has no roles"))
                continue
            best = max(variants, key=lambda v: (_overlap(v, where), v.quality, -len(v.terms)))
            role = self._roles[best.role]
            reason = self._miss_reason(group, role, best, where, desc)
            closest = role.rule.phrase if _overlap(best, where) or desc.roles else ""
            misses.append(NearMiss(group.name, closest, reason))
        return misses

    def _miss_reason(
        self,
        group: SubgroupRules,
        role: _Role,
        variant: _Variant,
        where: dict[str, list[int]],
        desc: _DescFacts,
    ) -> str:
        for phrase in group.exclude:
            if any(_find(r, where) for r in self._lex.phrase_readings(phrase)):
                return f"vetoed by the sub-group's exclude '{phrase}'"
        missing = [t for t in dict.fromkeys(variant.terms) if t not in where]
        label = variant.label.split(" (like ")[0]
        like = "" if variant.quality == Q_LITERAL else f" (read as '{label}')"
        if len(missing) == len(set(variant.terms)):
            mentions = desc.roles.get(variant.role, _NO_MENTION)[0]
            if mentions:
                return (
                    f"not in the title; {mentions}x in the description "
                    f"(needs {self.description_min_mentions})"
                )
            return "no word of any role in the title"
        if missing:
            return "missing " + ", ".join(f"'{t}'" for t in missing) + like
        for phrase in role.rule.exclude:
            if any(_find(r, where) for r in self._lex.phrase_readings(phrase)):
                return f"vetoed by exclude '{phrase}'"
        if _window(variant.terms, where) is None:
            return "its words are too far apart in the title" + like
        for phrase in role.rule.required:
            return f"required '{phrase}' not in the title or description"
        return "a more specific role of another sub-group claims these words"

    # Title side ------------------------------------------------------------------------------

    def _title_positions(self, title: str) -> tuple[dict[str, list[int]], list[str], int]:
        """Term -> title positions holding it, the surface word per position, position count."""
        terms, words = self._lex.positions(title)
        where: dict[str, list[int]] = {}
        for pos, options in enumerate(terms):
            for t in options:
                found = where.get(t)
                if found is None:
                    where[t] = [pos]
                elif found[-1] != pos:
                    found.append(pos)
        return where, words, len(terms)

    def _title_hits(self, where: dict[str, list[int]], n: int) -> dict[int, _Hit]:
        """Role index -> best title hit; vetoed roles and sub-groups are left out."""
        if not where:
            return {}
        vetoed = (
            {g for g, ex in self._group_excludes if any(_find(e, where) for e in ex)}
            if self._group_excludes
            else ()
        )
        hits: dict[int, _Hit] = {}
        roles = self._roles
        index = self._index
        keys = where.keys()
        for term in where:
            for v in index.get(term, ()):
                if not keys >= v.termset:
                    continue
                found = _window(v.terms, where)
                if found is None:
                    continue
                role = roles[v.role]
                if role.subgroup in vetoed or (
                    role.excludes and any(_find(e, where) for e in role.excludes)
                ):
                    continue
                score = v.quality * _placement(found, n)
                best = hits.get(v.role)
                if best is None or score > best.score:
                    hits[v.role] = _Hit(score, v, found)
        return self._drop_subsumed(hits)

    def _drop_subsumed(self, hits: dict[int, _Hit]) -> dict[int, _Hit]:
        """The more specific reading of a title wins: in 'Software Quality Engineer' the words
        behind 'Quality Engineer' are a strict part of those behind 'Software Quality Engineer',
        so only the sub-group of the latter is tagged. Sub-groups reading the same words stay."""
        if len(hits) < 2 or len({self._roles[r].subgroup for r in hits}) < 2:
            return hits
        groups: dict[int, frozenset[int]] = {}
        for r_idx, hit in hits.items():
            g = self._roles[r_idx].subgroup
            groups[g] = groups.get(g, frozenset()) | frozenset(hit.found)
        return {
            r_idx: hit
            for r_idx, hit in hits.items()
            if not any(
                frozenset(hit.found) < other
                for g, other in groups.items()
                if g != self._roles[r_idx].subgroup
            )
        }

    # Description side ------------------------------------------------------------------------

    def _description_facts(self, description: str) -> _DescFacts:
        """One automaton pass over the text's bytes; matches inside longer words are dropped."""
        if self._scanner is None:
            return _EMPTY_FACTS
        text = normalize(description)
        if not text.isascii():
            text = text.translate(_WIDE_TABLE)
        data = b" " + text.encode().translate(_SEPARATOR_BYTES) + b"  "
        facts = None
        word = _WORD_BYTE
        surfaces = self._surfaces
        for idx, start, end in self._scanner.find(data):
            if word[data[start - 1]] or (
                word[data[end]] and (data[end] != _S or word[data[end + 1]])
            ):
                continue  # inside a longer word; a plural 's' is fine
            if facts is None:
                facts = _DescFacts()
            surface, targets = surfaces[idx]
            for kind, ident, quality in targets:
                facts.add(kind, ident, quality, surface)
        return facts if facts is not None else _EMPTY_FACTS

    # Decision --------------------------------------------------------------------------------

    def _decide(
        self,
        title_hits: dict[int, _Hit],
        desc: _DescFacts,
        where: dict[str, list[int]],
        words: list[str],
    ) -> list[Tag]:
        """Best role per sub-group; explanations are written for the winners only."""
        best: dict[int, tuple[float, int]] = {}
        roles = self._roles
        least = self.description_min_mentions
        candidates = [
            r
            for r, (mentions, _, _) in desc.roles.items()
            if mentions >= least and r not in title_hits and not self._title_elsewhere(r, where)
        ]
        for r_idx in title_hits.keys() | candidates if candidates else title_hits:
            role = roles[r_idx]
            if role.required and not self._required_met(role, r_idx, desc, where):
                continue
            score = self._score(r_idx, title_hits.get(r_idx), desc)
            if score is None:
                continue
            current = best.get(role.subgroup)
            if current is None or score > current[0]:
                best[role.subgroup] = (score, r_idx)
        tags = [
            Tag(
                self._subgroups[g].name,
                roles[r].rule.phrase,
                round(score, 3),
                self._why(title_hits.get(r), desc.roles.get(r), words),
            )
            for g, (score, r) in best.items()
        ]
        tags.sort(key=lambda t: (-t.score, t.subgroup))
        return tags

    def _score(self, r_idx: int, hit: _Hit | None, desc: _DescFacts) -> float | None:
        mentions, quality, _ = desc.roles.get(r_idx, _NO_MENTION)
        if hit is not None:
            return min(1.0, hit.score + DESCRIPTION_BONUS) if mentions else hit.score
        if (
            mentions >= self.description_min_mentions
            and self._roles[r_idx].subgroup not in desc.group_vetoes
            and r_idx not in desc.role_vetoes
        ):
            return quality * min(0.45, DESCRIPTION_ONLY_BASE + 0.05 * (mentions - 1))
        return None

    @staticmethod
    def _why(
        hit: _Hit | None, mention: tuple[int, float, str] | None, words: list[str]
    ) -> tuple[str, ...]:
        if hit is None:
            assert mention is not None
            return (f"'{mention[2]}' {mention[0]}x in description",)
        why = _explain(hit.found, words, hit.variant)
        if mention is None:
            return (why,)
        return (why, f"'{mention[2]}' also in description")

    @staticmethod
    def _required_met(
        role: _Role, r_idx: int, desc: _DescFacts, where: dict[str, list[int]]
    ) -> bool:
        """Each required phrase must be in the title or the description."""
        in_desc = desc.required.get(r_idx, set())
        for phrase, readings in zip(role.rule.required, role.required, strict=True):
            if _surface(phrase) not in in_desc and not any(_find(r, where) for r in readings):
                return False
        return True


_ROLE, _EXCLUDE_GROUP, _EXCLUDE_ROLE, _REQUIRED = range(4)


@dataclass
class _DescFacts:
    roles: dict[int, tuple[int, float, str]] = field(default_factory=dict)
    group_vetoes: set[int] = field(default_factory=set)
    role_vetoes: set[int] = field(default_factory=set)
    required: dict[int, set[str]] = field(default_factory=dict)

    def add(self, kind: int, ident: int, quality: float, surface: str) -> None:
        if kind == _ROLE:
            mentions, best_q, best_s = self.roles.get(ident, (0, 0.0, surface))
            if quality > best_q:
                best_q, best_s = quality, surface
            self.roles[ident] = (mentions + 1, best_q, best_s)
        elif kind == _EXCLUDE_GROUP:
            self.group_vetoes.add(ident)
        elif kind == _EXCLUDE_ROLE:
            self.role_vetoes.add(ident)
        else:
            self.required.setdefault(ident, set()).add(surface)


_EMPTY_FACTS = _DescFacts()
_NO_MENTION = (0, 0.0, "")


def _surface(phrase: str) -> str:
    """How a phrase is looked for in running text: normalised, single-spaced."""
    return " ".join(normalize(phrase).translate(_SEPARATORS).split())


def _find(terms: tuple[str, ...], where: dict[str, list[int]]) -> tuple[int, ...] | None:
    """Like `_window` for phrases not yet known to occur (excluded or required ones)."""
    if all(t in where for t in terms):
        return _window(terms, where)
    return None


def _window(terms: tuple[str, ...], where: dict[str, list[int]]) -> tuple[int, ...] | None:
    """Positions of `terms` in the title, closest together; None when too spread. The caller
    has checked that every term occurs."""
    if len(terms) == 1:
        return (where[terms[0]][0],)
    lists = [where[t] for t in terms]
    if all(len(p) == 1 for p in lists):
        chosen = tuple(p[0] for p in lists)
    else:
        chosen = min(
            itertools.islice(itertools.product(*lists), 256), key=lambda c: max(c) - min(c)
        )
    if max(chosen) - min(chosen) + 1 > len(terms) + MAX_GAP:
        return None
    return chosen


def _overlap(variant: _Variant, where: dict[str, list[int]]) -> float:
    """Share of a variant's terms present in a title."""
    terms = variant.termset
    return sum(t in where for t in terms) / len(terms) if terms else 0.0


def _placement(found: tuple[int, ...], n_positions: int) -> float:
    """1.0 for the phrase as written; less for reordered or interrupted, a little less when the
    phrase is a small part of a long title."""
    if len(found) == 1:
        return 0.85 + 0.15 / n_positions
    used = len(set(found))
    span = max(found) - min(found) + 1
    gaps = span - used
    in_order = all(a <= b for a, b in itertools.pairwise(found))
    factor = 1.0 if in_order else 0.9
    factor -= 0.07 * gaps
    coverage = used / n_positions if n_positions else 0.0
    return factor * (0.85 + 0.15 * coverage)


def _explain(found: tuple[int, ...], words: list[str], variant: _Variant) -> str:
    """ "'social media' + 'marketing' in title", plus the role phrasing when it is not literal."""
    runs: list[list[int]] = []
    for pos in sorted(set(found)):
        if runs and pos == runs[-1][-1] + 1:
            runs[-1].append(pos)
        else:
            runs.append([pos])
    seen = " + ".join("'" + " ".join(dict.fromkeys(words[p] for p in run)) + "'" for run in runs)
    text = f"{seen} in title"
    if variant.quality < Q_LITERAL:
        text += f" ~ '{variant.label}'"
    return text
