"""Claims into clusters of the same claim, with conflicts between clusters: deterministic, no model.

1. Blocking: a claim is compared only with claims that share one of its figures, the unit of
   one of its figures, one of its rarest keys, or a pair of them (a key held by more than
   `block_limit` claims blocks nothing: it is too common to say which claim this is). A batch
   of 10,000 articles never compares all pairs.
2. Scoring: the IDF-weighted overlap of the two claims' keys (names count `name_weight` times),
   figures aside. A pair is a merge candidate when it shares a figure and scores at least
   `with_figures`, or when neither has a figure and it scores at least `without_figures`; a
   claim with figures and one without are never the same claim (one says how many, the other
   does not). A pair whose figures are comparable but different (10 000 and 12 000 soldiers)
   is never merged: scoring at least `conflict`, it is a conflict.
3. Merging: candidates best first (ties by claim order, so the result never depends on hash
   order); two clusters merge unless that would put two different values of comparable figures
   in one cluster. Conflicts are then read between the clusters their claims ended in.

`extra` lets a meaning-based score (`embeddings`) join the key overlap: the pair's score is then
the mean of both, weighted `extra_weight`.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import combinations

from .features import ClaimFeatures, ClaimFigure, conflicting


@dataclass(frozen=True)
class Settings:
    with_figures: float = 0.2
    without_figures: float = 0.25
    conflict: float = 0.15
    name_weight: float = 2.0
    block_limit: int = 100
    rare_keys: int = 3
    extra_weight: float = 0.5


@dataclass
class Conflict:
    clusters: tuple[int, int]  # indices into Grouping.clusters
    score: float
    figures: tuple[ClaimFigure, ClaimFigure]  # one of each side that differ


@dataclass
class Grouping:
    clusters: list[list[int]]  # claim indices, each cluster in claim order, clusters by first claim
    conflicts: list[Conflict] = field(default_factory=list)
    compared: int = 0  # pairs scored


def group(
    features: Sequence[ClaimFeatures],
    settings: Settings | None = None,
    *,
    extra: Callable[[int, int], float] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> Grouping:
    settings = settings or Settings()
    count = len(features)
    frequency: Counter[str] = Counter()
    for item in features:
        frequency.update(item.keys)
    idf = {key: math.log(1 + count / seen) for key, seen in frequency.items()}

    def weight(item: ClaimFeatures, key: str) -> float:
        return idf[key] * (settings.name_weight if key in item.names else 1.0)

    blocks: dict[object, list[int]] = defaultdict(list)
    block_keys: list[list[object]] = []
    for index, item in enumerate(features):
        mine: list[object] = [("figure", figure.slot) for figure in item.figures]
        # What the figures count: claims giving different numbers of soldiers meet here.
        mine += sorted({("unit", figure.unit) for figure in item.figures if figure.unit})
        rare = sorted((key for key in item.keys if frequency[key] > 1), key=lambda key: (frequency[key], key))
        mine += rare[: settings.rare_keys]
        # Pairs of keys, and a figure with a key, are rarer than either: in a large batch where
        # every single key is common, they still find the claims worth comparing.
        mine += [pair for pair in combinations(sorted(rare[: settings.rare_keys + 1]), 2)]
        mine += [(figure.slot, key) for figure in item.figures for key in rare[:2]]
        block_keys.append(mine)
        for key in mine:
            blocks[key].append(index)

    figure_idf: Counter[tuple[Decimal, bool]] = Counter()
    for item in features:
        figure_idf.update({figure.slot for figure in item.figures})

    def similarity(a: int, b: int, shared_figures: set[tuple[Decimal, bool]]) -> float:
        first, second = features[a], features[b]
        shared = first.keys & second.keys
        # A figure both state is evidence like a shared rare word; figures they do not share
        # are left out rather than counted against them (the conflict check judges those).
        bonus = sum(math.log(1 + count / figure_idf[slot]) for slot in shared_figures)
        if not shared and not bonus:
            return 0.0
        union = first.keys | second.keys
        total = sum(max(weight(first, key), weight(second, key)) for key in union) + bonus
        score = (sum(max(weight(first, key), weight(second, key)) for key in shared) + bonus) / total
        if extra is not None:
            score = (1 - settings.extra_weight) * score + settings.extra_weight * extra(a, b)
        return score

    merges: list[tuple[float, int, int]] = []
    clashes: list[tuple[float, int, int, tuple[ClaimFigure, ClaimFigure]]] = []
    compared = 0
    for index in range(count):
        candidates: set[int] = set()
        for key in block_keys[index]:
            members = blocks[key]
            if len(members) <= settings.block_limit:
                candidates.update(other for other in members if other > index)
        claim = features[index]
        slots = {figure.slot for figure in claim.figures}
        for other in sorted(candidates):
            theirs = features[other]
            if bool(claim.figures) != bool(theirs.figures):
                continue
            compared += 1
            shared_figures = slots & {figure.slot for figure in theirs.figures}
            score = similarity(index, other, shared_figures)
            if not claim.figures:
                if score >= settings.without_figures:
                    merges.append((score, index, other))
                continue
            clash = conflicting(claim.figures, theirs.figures)
            if clash:
                if score >= settings.conflict:
                    clashes.append((score, index, other, clash[0]))
            elif shared_figures and score >= settings.with_figures:
                merges.append((score, index, other))
        if on_progress is not None and (index % 1000 == 999 or index == count - 1):
            on_progress(index + 1, count)

    parent = list(range(count))
    figures: dict[int, list[ClaimFigure]] = {index: list(item.figures) for index, item in enumerate(features)}

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    for _, first, second in sorted(merges, key=lambda merge: (-merge[0], merge[1], merge[2])):
        a, b = root(first), root(second)
        if a == b or conflicting(figures[a], figures[b]):
            continue  # never two different values of one kind in one cluster
        keep, gone = min(a, b), max(a, b)
        parent[gone] = keep
        known = {(figure.slot, figure.unit) for figure in figures[keep]}
        figures[keep] += [figure for figure in figures.pop(gone) if (figure.slot, figure.unit) not in known]

    by_root: dict[int, list[int]] = defaultdict(list)
    for index in range(count):
        by_root[root(index)].append(index)
    # A cluster's root is its first claim (merges keep the smaller root), so clusters in order
    # of their first claim are clusters in order of their roots.
    clusters = [by_root[top] for top in sorted(by_root)]
    position = {top: number for number, top in enumerate(sorted(by_root))}
    best: dict[tuple[int, int], Conflict] = {}
    for score, first, second, pair in clashes:
        a, b = position[root(first)], position[root(second)]
        if a == b:
            continue
        key = (min(a, b), max(a, b))
        figures_pair = pair if a < b else (pair[1], pair[0])
        if key not in best or score > best[key].score:
            best[key] = Conflict(key, score, figures_pair)
    return Grouping(clusters, sorted(best.values(), key=lambda item: item.clusters), compared)
