"""Pitch matching quality: rules (the pitch's phrases through the project's matcher) against
static embeddings (WordLlama, shipped in its wheel), alone and added to rules.

Run from the repo root: `python -m benchmarks.pitch`. The labelled set is
benchmarks/data/pitch_labels.toml (pitches x postings, judged by hand).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from digest.tagging.pitch import pitch_fit, pitch_phrases

DATA = Path(__file__).resolve().parent / "data" / "pitch_labels.toml"
THRESHOLDS = (0.3, 0.4, 0.5, 0.6)


def _score(pairs: set[tuple[int, str]], truth: set[tuple[int, str]]) -> tuple[float, float, int]:
    hits = len(pairs & truth)
    precision = hits / len(pairs) if pairs else 1.0
    return precision, hits / len(truth), len(pairs)


def main() -> None:
    data = tomllib.loads(DATA.read_text(encoding="utf-8"))
    titles: list[str] = data["postings"]
    truth = {(i, t) for i, p in enumerate(data["pitch"]) for t in p["fits"]}
    rules: set[tuple[int, str]] = set()
    semantic: dict[float, set[tuple[int, str]]] = {t: set() for t in THRESHOLDS}
    try:
        from digest.tagging.pitch_semantic import semantic_fits
    except ImportError:  # pragma: no cover
        semantic_fits = None  # type: ignore[assignment]
    for i, pitch in enumerate(data["pitch"]):
        phrases = tuple(pitch_phrases(pitch["text"]))
        rules |= {(i, t) for t in titles if pitch_fit(phrases, t, "")}
        for threshold in THRESHOLDS:
            found = semantic_fits(phrases, titles, threshold) if semantic_fits else {}
            semantic[threshold] |= {(i, titles[j]) for j in found}
    print(f"{len(data['pitch'])} pitches x {len(titles)} postings, {len(truth)} fits")
    print(f"{'method':<28} {'precision':>9} {'recall':>7} {'shown':>6}")
    rows = [("rules", rules)]
    for t in THRESHOLDS:
        rows.append((f"embeddings >= {t}", semantic[t]))
        rows.append((f"rules + embeddings >= {t}", rules | semantic[t]))
    for name, pairs in rows:
        p, r, n = _score(pairs, truth)
        print(f"{name:<28} {p:>9.2f} {r:>7.2f} {n:>6}")
    wrong = sorted((rules | semantic[0.5]) - truth)
    print("wrong at rules + embeddings >= 0.5:", ", ".join(f"{i}:{t}" for i, t in wrong) or "none")


if __name__ == "__main__":
    main()
