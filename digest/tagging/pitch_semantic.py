"""Semantic pitch matching: static word embeddings (WordLlama's 256-dimension model, shipped
inside the `wordllama` wheel: numpy and tokenizers, no torch, no GPU, about 40 MB installed).

Off unless `[tagging] pitch_semantic = true`. Nothing is downloaded: the weights and the
tokenizer are read from the installed package; without the package this says how to get it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from digest.errors import UserError

_WEIGHTS = "weights/l2_supercat_256.safetensors"
_TOKENIZER = "tokenizers/l2_supercat_tokenizer_config.json"


@lru_cache(maxsize=1)
def _model() -> Any:
    """The model from the package's own files (WordLlama.load would look on a hub first)."""
    try:
        import wordllama
        from safetensors import safe_open
        from tokenizers import Tokenizer
        from wordllama.inference import WordLlamaInference
    except ImportError:
        raise UserError(
            "tagging.pitch_semantic needs the wordllama package: pip install 'jobdigest[pitch]'"
        ) from None
    root = Path(wordllama.__file__).parent
    tokenizer = Tokenizer.from_file(str(root / _TOKENIZER))
    with safe_open(str(root / _WEIGHTS), framework="np", device="cpu") as f:
        embedding = f.get_tensor("embedding.weight")
    return WordLlamaInference(embedding, tokenizer, binary=False)


def semantic_fits(
    phrases: tuple[str, ...], titles: list[str], threshold: float
) -> dict[int, tuple[str, float]]:
    """index of a title -> (the pitch phrase it is closest to, cosine similarity), for titles
    at least `threshold` close to a phrase."""
    if not phrases or not titles:
        return {}
    model = _model()
    sims = model.vector_similarity(model.embed(list(phrases)), model.embed(titles))
    out: dict[int, tuple[str, float]] = {}
    for j in range(len(titles)):
        i = int(sims[:, j].argmax())
        score = float(sims[i, j])
        if score >= threshold:
            out[j] = (phrases[i], score)
    return out
