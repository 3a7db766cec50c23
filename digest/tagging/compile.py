"""The group's matcher, built in one place: its sub-groups' rules from the database and the
vocabulary from the config (`[tagging] vocabulary`), for tagging, `jobdigest match`, `tags`,
the web preview and the semantic tagger alike."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from digest.config import Config
from digest.errors import UserError
from digest.store.models import Subgroup
from digest.tagging.matcher import Matcher
from digest.tagging.rules import SubgroupRules, rules_of
from digest.tagging.vocabulary import Vocabulary, load_vocabulary_file


def vocabulary_for(cfg: Config | None) -> Vocabulary:
    """The bundled vocabulary, extended or replaced by the group's file when the config names one."""
    if cfg is None or not cfg.tagging.vocabulary:
        return Vocabulary.default()
    path = (cfg.base_dir / cfg.tagging.vocabulary).resolve()
    try:
        stamp = path.stat().st_mtime_ns
    except OSError as exc:
        raise UserError(f"tagging.vocabulary: {path}: cannot read: {exc.strerror}") from None
    return _vocabulary_file(path, stamp)


@lru_cache(maxsize=8)
def _vocabulary_file(path: Path, stamp: int) -> Vocabulary:
    """Read once per change of the file (the stamp is its mtime), not once per preview."""
    del stamp
    try:
        return load_vocabulary_file(path)
    except ValueError as exc:
        raise UserError(f"tagging.vocabulary: {exc}") from None


def build_matcher(rules: Sequence[SubgroupRules], cfg: Config | None = None) -> Matcher:
    """Compile `rules` with the group's vocabulary: the only way a Matcher is made in the service."""
    return Matcher.compile(rules, vocabulary_for(cfg))


def load_rules(session: Session) -> tuple[list[Subgroup], list[SubgroupRules]]:
    """Every sub-group's row and its rules, in id order."""
    groups = list(
        session.scalars(
            select(Subgroup).options(selectinload(Subgroup.roles)).order_by(Subgroup.id)
        )
    )
    return groups, [rules_of(g) for g in groups]


def group_matcher(
    session: Session, cfg: Config | None = None
) -> tuple[list[Subgroup], list[SubgroupRules], Matcher]:
    """The sub-groups, their rules and the matcher compiled from them for this group."""
    groups, rules = load_rules(session)
    return groups, rules, build_matcher(rules, cfg)
