"""The job-title vocabulary the matcher uses to see past wording differences.

The knowledge itself is data: `data/vocabulary.toml` ships with the package (general knowledge
about how job titles are written, never particular postings), and a group extends or replaces it
with its own file in the same format (`[tagging] vocabulary = "FILE"`). This module only reads it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from importlib.resources import files
from pathlib import Path


@dataclass(frozen=True)
class Vocabulary:
    """What the matcher treats as equivalent; build with `load_vocabulary_toml` or `default()`."""

    abbreviations: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    spellings: Mapping[str, str] = field(default_factory=dict)
    synonyms: tuple[tuple[str, ...], ...] = ()
    head_families: tuple[tuple[str, ...], ...] = ()
    modifier_families: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = ()
    level_families: tuple[tuple[str, ...], ...] = ()
    stopwords: frozenset[str] = frozenset()
    no_stem: frozenset[str] = frozenset()
    #: words that say how senior a job is, not its field ('Senior', 'II', 'Entry level')
    seniority: frozenset[str] = frozenset()

    @classmethod
    def default(cls) -> Vocabulary:
        """The bundled vocabulary (data/vocabulary.toml), read once per process."""
        return _bundled()

    @classmethod
    def empty(cls) -> Vocabulary:
        """No knowledge beyond grammar (the bundled stopwords and plurals that are other words):
        handy to measure what the vocabulary adds, and the base of a `replace = true` file."""
        bundled = _bundled()
        return cls(stopwords=bundled.stopwords, no_stem=bundled.no_stem)


BUNDLED = "data/vocabulary.toml"
KEYS = frozenset(
    {"replace", "stopwords", "no_stem", "seniority", "synonyms", "head_families",
     "level_families", "modifier_families", "abbreviations", "spellings"}
)  # fmt: skip


@cache
def _bundled() -> Vocabulary:
    text = (files("digest.tagging") / BUNDLED).read_text(encoding="utf-8")
    return load_vocabulary_toml(text, Vocabulary())


def load_vocabulary_file(path: Path) -> Vocabulary:
    """A group's vocabulary file on top of the bundled one; raises ValueError naming the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: cannot read: {exc}") from None
    try:
        return load_vocabulary_toml(text)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None


def _str_tuple(value: object, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{where}: expected a string or a list of strings")
    return tuple(value)


def _groups(value: object, where: str) -> tuple[tuple[str, ...], ...]:
    if not isinstance(value, list):
        raise ValueError(f"{where}: expected a list of lists of strings")
    return tuple(_str_tuple(g, f"{where}[{i}]") for i, g in enumerate(value))


def load_vocabulary_toml(data: str, base: Vocabulary | None = None) -> Vocabulary:
    """Extend (or with `replace = true`, replace) the default vocabulary from TOML text.

    Format::

        replace = false                 # true: start from an empty vocabulary
        stopwords = ["of", "and"]
        no_stem = ["securities"]
        seniority = ["senior", "junior", "ii"]   # say the level, not the field
        synonyms = [["controller", "comptroller"]]
        head_families = [["manager", "director"]]
        level_families = [["manager", "director"], ["analyst", "specialist"]]
        modifier_families = [{heads = ["engineer"], modifiers = ["mechanical", "civil"]}]
        [abbreviations]
        mgr = "manager"                 # or a list for an ambiguous abbreviation
        [spellings]
        labour = "labor"

    Raises ValueError with the offending key when the text is not of that shape.
    """
    try:
        raw = tomllib.loads(data)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"vocabulary: {exc}") from exc
    unknown = sorted(set(raw) - KEYS)
    if unknown:
        raise ValueError(f"unknown key {unknown[0]!r} (expected one of {', '.join(sorted(KEYS))})")
    vocab = Vocabulary.empty() if raw.get("replace") else (base or Vocabulary.default())
    abbreviations = dict(vocab.abbreviations)
    for key, value in _table(raw, "abbreviations").items():
        abbreviations[key.casefold()] = _str_tuple(value, f"abbreviations.{key}")
    spellings = dict(vocab.spellings)
    for key, value in _table(raw, "spellings").items():
        spellings[key.casefold()] = _str_tuple(value, f"spellings.{key}")[0]
    return replace(
        vocab,
        abbreviations=abbreviations,
        spellings=spellings,
        synonyms=vocab.synonyms + _groups(raw.get("synonyms", []), "synonyms"),
        head_families=vocab.head_families + _groups(raw.get("head_families", []), "head_families"),
        modifier_families=vocab.modifier_families + _families(raw.get("modifier_families", [])),
        level_families=vocab.level_families
        + _groups(raw.get("level_families", []), "level_families"),
        stopwords=vocab.stopwords | frozenset(_str_tuple(raw.get("stopwords", []), "stopwords")),
        no_stem=vocab.no_stem | frozenset(_str_tuple(raw.get("no_stem", []), "no_stem")),
        seniority=vocab.seniority | frozenset(_str_tuple(raw.get("seniority", []), "seniority")),
    )


def _families(value: object) -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ValueError("modifier_families: expected a list of {heads, modifiers} tables")
    return tuple(
        (
            _str_tuple(v.get("heads", []), f"modifier_families[{i}].heads"),
            _str_tuple(v.get("modifiers", []), f"modifier_families[{i}].modifiers"),
        )
        for i, v in enumerate(value)
    )


def _table(raw: dict[str, object], key: str) -> dict[str, object]:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise ValueError(f"{key}: expected a table")
    return value
