"""Claims into clusters of the same claim, with conflicts between clusters: deterministic, no model.

Claims are taken in the batch's order, each compared with earlier ones only, in bounded work
and memory whatever the batch's size:

1. Blocking: a claim meets the earlier claims that share one of its blocks: a figure, one of
   its `rare_keys` rarest keys, its two rarest keys together, or a figure with its rarest key.
   A block remembers only its `window` latest claims, and a claim is compared with at most
   `candidates` of them, the most specific blocks first (pairs, then single keys and figures from
   the rarest). A key every claim of the batch holds thus costs a window, not a quadratic
   number of pairs; and a claim repeated by every article of a batch still meets its earlier
   copies, however common its words (a block too common to index is not skipped: it gives
   its latest claims).
2. Scoring: the IDF-weighted overlap of the two claims' keys (names count `name_weight` times),
   plus the figures they share, also weighted by rarity. A pair is a merge candidate when it
   shares a figure and scores at least `with_figures`, or when neither has a figure and it
   scores at least `without_figures`; a claim with figures and one without are never the same
   claim (one says how many, the other does not). A pair whose figures are comparable but
   different (10 000 and 12 000 soldiers) is never merged: scoring at least `conflict`, it is
   a conflict. Two claims that both name someone or somewhere and share no name are neither
   ("the Kalori festival drew 5,000 visitors" and "the Venmi festival drew 5,000 visitors";
   "police in Lyon arrested 12" and "police in Nice arrested 12"), unless `disjoint_names` is
   set to the score they then need. It costs the claims one outlet credits to "the mayor of
   Valmeyre" and another to "Claire Dubreuil": at 0.35, the desk set's part it was tuned on
   found that pair, and a thousand synthetic results lost 7 points of precision to claims like
   the ones above, whose shared figure and common words score as high.
3. Each claim keeps only its `pairs` best merge candidates and `conflicts` best conflicts: a
   cluster of thirty copies needs a chain of links, not all 435 of its pairs, so what waits for
   step 4 is at most a few pairs per claim.
4. Merging: candidates best first (ties by claim order, so the result never depends on hash
   order); two clusters merge unless that would put two different values of comparable figures
   in one cluster, or their first claims share nothing or name different things (a chain of
   near pairs, each sharing a word of a name with the next, whose ends are two claims).
   Conflicts are then read between the clusters their claims ended in.

`extra` lets a meaning-based score (`embeddings`) join the key overlap: the pair's score is then
the mean of both, weighted `extra_weight`.
"""

from __future__ import annotations

import heapq
import math
from array import array
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from .table import NO_UNIT, FeatureTable, Figure, comparable

# Scores are kept as integers of this resolution, packed with the pair into one sortable int.
_RESOLUTION = 1 << 24


@dataclass(frozen=True)
class Settings:
    with_figures: float = 0.2
    without_figures: float = 0.25
    conflict: float = 0.15
    disjoint_names: float | None = None  # None: never the same claim, nor a conflict
    name_weight: float = 2.0
    rare_keys: int = 4
    window: int = 16
    candidates: int = 32
    pairs: int = 6
    conflicts: int = 3
    extra_weight: float = 0.5


@dataclass
class Conflict:
    clusters: tuple[int, int]  # indices into Grouping.clusters
    score: float
    claims: tuple[int, int]  # one claim of each side (the first cluster's first)
    figures: tuple[Figure, Figure]  # theirs that differ, in the same order


@dataclass
class Grouping:
    clusters: list[list[int]]  # claim indices, each cluster in claim order, clusters by first claim
    conflicts: list[Conflict] = field(default_factory=list)
    compared: int = 0  # pairs scored
    kept: int = 0  # merge and conflict candidates kept for merging (at most a few per claim)


class _Scorer:
    """The score of a pair of claims (step 2), from the batch's weights."""

    def __init__(self, table: FeatureTable, settings: Settings, extra: Callable[[int, int], float] | None):
        count = len(table)
        self.table, self.settings, self.extra = table, settings, extra
        self.idf = [math.log(1 + count / seen) for seen in table.key_counts]
        self.slot_idf = [math.log(1 + count / seen) for seen in table.slot_counts]
        self.totals = array("d", (sum(self.weights(index).values()) for index in range(count)))

    def weights(self, index: int) -> dict[int, float]:
        names, idf, boost = self.table.names[index], self.idf, self.settings.name_weight
        return {key: idf[key] * (boost if key in names else 1.0) for key in self.table.keys[index]}

    def score(
        self, index: int, mine: dict[int, float], other: int
    ) -> tuple[float, set[int], bool, tuple[int, int] | None] | None:
        """(score, the value slots both state, whether both name someone and share no name, a
        pair of their figures in conflict); None when they share nothing."""
        table, idf = self.table, self.idf
        names, their_names, boost = table.names[index], table.names[other], self.settings.name_weight
        shared_max = shared_min = 0.0
        shared_name = False
        for key in table.keys[other]:
            weight = mine.get(key)
            if weight is None:
                continue
            named = key in their_names
            shared_name = shared_name or named or key in names
            their_weight = idf[key] * (boost if named else 1.0)
            if weight >= their_weight:
                shared_max += weight
                shared_min += their_weight
            else:
                shared_max += their_weight
                shared_min += weight
        figures, theirs = table.figures[index], table.figures[other]
        shared_slots, clash = (
            _relate(table.figure_list, figures, theirs) if figures and theirs else (set(), None)
        )
        # A figure both state is evidence like a shared rare word; figures they do not share
        # are left out rather than counted against them (the conflict check judges those).
        bonus = sum(self.slot_idf[slot] for slot in shared_slots)
        if not shared_max and not bonus:
            return None
        # The weighted Jaccard of the two key sets: over the union, each key at the larger of
        # its two weights; the union's total is both totals less what they share.
        score = (shared_max + bonus) / (self.totals[index] + self.totals[other] - shared_min + bonus)
        if self.extra is not None:
            weight = self.settings.extra_weight
            score = (1 - weight) * score + weight * self.extra(min(index, other), max(index, other))
        return score, shared_slots, bool(names and their_names and not shared_name), clash

    def linked(self, a: int, b: int) -> bool:
        """Whether two claims may stand in one cluster (the check of step 4): they share
        something, and not only words beside names that differ."""
        found = self.score(a, self.weights(a), b)
        if found is None:
            return False
        score, _, disjoint, _ = found
        return not disjoint or (
            self.settings.disjoint_names is not None and score >= self.settings.disjoint_names
        )


def group(
    table: FeatureTable,
    settings: Settings | None = None,
    *,
    extra: Callable[[int, int], float] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> Grouping:
    settings = settings or Settings()
    count = len(table)
    scorer = _Scorer(table, settings, extra)
    figures_of = table.figure_list
    bits = max(count, 1).bit_length()
    windows: dict[object, list[int]] = {}
    merges: list[int] = []  # packed (quantised score, earlier claim, later claim), see _pack
    clashes: list[tuple[int, int, int, int, int]] = []  # (packed, earlier, later, figure, figure)
    compared = 0
    for index in range(count):
        figures = table.figures[index]
        mine = scorer.weights(index)
        blocks = _blocks(table, index, {figures_of[number].slot for number in figures}, settings.rare_keys)
        best: list[tuple[float, int]] = []
        worst: list[tuple[float, int, int, int]] = []
        for other in _candidates(windows, blocks, settings):
            theirs = table.figures[other]
            if bool(figures) != bool(theirs):
                continue
            compared += 1
            scored = scorer.score(index, mine, other)
            if scored is None:
                continue
            score, shared_slots, disjoint, clash = scored
            # Two claims that each name who or where, and not the same, are two claims.
            if disjoint and settings.disjoint_names is None:
                continue
            floor = settings.disjoint_names if disjoint and settings.disjoint_names is not None else 0.0
            if not figures:
                if score >= max(floor, settings.without_figures):
                    best.append((score, other))
                continue
            if clash is not None:
                if score >= max(floor, settings.conflict):
                    worst.append((score, other, clash[1], clash[0]))
            elif shared_slots and score >= max(floor, settings.with_figures):
                best.append((score, other))
        for score, other in heapq.nlargest(settings.pairs, best):
            merges.append(_pack(score, other, index, bits))
        for score, other, theirs_, mine_ in heapq.nlargest(settings.conflicts, worst):
            clashes.append((_pack(score, other, index, bits), other, index, theirs_, mine_))
        for block in blocks:
            members = windows.get(block)
            if members is None:
                windows[block] = [index]
            else:
                members.append(index)
                if len(members) >= 2 * settings.window:
                    del members[: -settings.window]
        if on_progress is not None and (index % 1000 == 999 or index == count - 1):
            on_progress(index + 1, count)
    del windows

    parent = array("l", range(count))
    merged_figures: dict[int, tuple[int, ...]] = {}

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    def figures_at(top: int) -> tuple[int, ...]:
        return merged_figures.get(top, table.figures[top])

    kept = len(merges) + len(clashes)
    merges.sort()
    mask = (1 << bits) - 1
    for packed in merges:
        first, second = (packed >> bits) & mask, packed & mask
        a, b = root(first), root(second)
        if a == b:
            continue
        if _relate(figures_of, figures_at(a), figures_at(b))[1] is not None:
            continue  # never two different values of one kind in one cluster
        if (a, b) != (first, second) and not scorer.linked(a, b):
            continue  # a chain of near pairs whose ends have little in common: two claims
        keep, gone = min(a, b), max(a, b)
        parent[gone] = keep
        joined = tuple(dict.fromkeys(figures_at(keep) + figures_at(gone)))
        merged_figures.pop(gone, None)
        if len(joined) > len(table.figures[keep]):
            merged_figures[keep] = joined
    del merges

    by_root: dict[int, list[int]] = defaultdict(list)
    for index in range(count):
        by_root[root(index)].append(index)
    # A cluster's root is its first claim (merges keep the smaller root), so clusters in order
    # of their first claim are clusters in order of their roots.
    tops = sorted(by_root)
    clusters = [by_root[top] for top in tops]
    position = {top: number for number, top in enumerate(tops)}
    found: dict[tuple[int, int], Conflict] = {}
    for packed, first, second, figure_first, figure_second in sorted(clashes):
        a, b = position[root(first)], position[root(second)]
        if a == b:
            continue
        between = (min(a, b), max(a, b))
        if between in found:
            continue  # sorted best first: the first seen is the best
        pair = (figures_of[figure_first], figures_of[figure_second])
        claims = (first, second)
        if a > b:
            pair, claims = (pair[1], pair[0]), (second, first)
        found[between] = Conflict(between, _unpack_score(packed, bits), claims, pair)
    return Grouping(clusters, sorted(found.values(), key=lambda item: item.clusters), compared, kept)


def _blocks(table: FeatureTable, index: int, slots: set[int], rare_keys: int) -> list[object]:
    """The blocks a claim is found by, most specific first."""
    counts = table.key_counts
    # A key no other claim holds finds nothing: it is not a block.
    rare = sorted((key for key in table.keys[index] if counts[key] > 1), key=lambda key: (counts[key], key))
    top = rare[:1]
    blocks: list[object] = []
    if len(rare) >= 2:
        blocks.append((rare[0], rare[1]))
    ordered_slots = sorted(slots, key=lambda slot: (table.slot_counts[slot], slot))
    blocks += [(-1 - slot, key) for slot in ordered_slots for key in top]
    singles: list[tuple[int, object]] = [(counts[key], key) for key in rare[:rare_keys]]
    singles += [(table.slot_counts[slot], -1 - slot) for slot in ordered_slots if table.slot_counts[slot] > 1]
    blocks += [block for _, block in sorted(singles, key=lambda item: item[0])]
    return blocks


def _candidates(windows: dict[object, list[int]], blocks: list[object], settings: Settings) -> list[int]:
    """Earlier claims sharing a block, latest first in each block, at most `candidates` in all."""
    seen: dict[int, None] = {}
    for block in blocks:
        members = windows.get(block)
        if not members:
            continue
        for other in reversed(members[-settings.window :]):
            if other not in seen:
                seen[other] = None
                if len(seen) >= settings.candidates:
                    return sorted(seen)
    return sorted(seen)


def _relate(
    figures_of: list[Figure], mine: tuple[int, ...], theirs: tuple[int, ...]
) -> tuple[set[int], tuple[int, int] | None]:
    """The value slots both claims state of the same kind of thing ("30 soldiers" and "thirty
    soldiers", not "30 arrests"), and a pair of comparable figures with different values, one
    from each side (figure ids), if any: a figure the other side also states is not in conflict.
    One pass over the pairs of figures: a claim has one or two."""
    shared: set[int] = set()
    matched_mine = matched_theirs = 0  # bit i: figure i is stated by the other side too
    for i, x in enumerate(mine):
        a = figures_of[x]
        for j, y in enumerate(theirs):
            b = figures_of[y]
            if a.slot == b.slot and (a.unit == b.unit or a.unit == NO_UNIT or b.unit == NO_UNIT):
                shared.add(a.slot)
                matched_mine |= 1 << i
                matched_theirs |= 1 << j
    for i, x in enumerate(mine):
        if matched_mine >> i & 1:
            continue
        for j, y in enumerate(theirs):
            if not matched_theirs >> j & 1 and comparable(figures_of[x], figures_of[y]):
                return shared, (x, y)
    return shared, None


def _pack(score: float, first: int, second: int, bits: int) -> int:
    """One int that sorts best score first, then by the pair's claims."""
    quantised = _RESOLUTION - min(_RESOLUTION, round(score * _RESOLUTION))
    return (((quantised << bits) | first) << bits) | second


def _unpack_score(packed: int, bits: int) -> float:
    return (_RESOLUTION - (packed >> (2 * bits))) / _RESOLUTION
