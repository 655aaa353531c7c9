"""The claims of a batch in a compact form: what clustering holds per claim while it runs.

A claim's features (`features.ClaimFeatures`: its keys, names and figures as strings and
decimals) take about a kilobyte as Python objects. Here every key, figure and unit is interned
once for the batch and a claim keeps three tuples of small integers: about 200 bytes, which is
what "bounded memory" costs per claim (the members' statements, speakers and spans wait on disk,
in `folder`'s spill file). The table also counts how many claims hold each key and each figure,
which the weights of `grouping` are made from.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from .features import ClaimFeatures

NO_UNIT = -1


@dataclass(frozen=True, slots=True)
class Figure:
    """A figure as the table knows it: its value slot and what it counts (no text)."""

    slot: int  # id of (value, percent)
    value: Decimal
    percent: bool
    unit: int  # id of the unit key, NO_UNIT when unknown


def comparable(a: Figure, b: Figure) -> bool:
    """`features.comparable`, on interned figures (the same rule: same unit, or close values)."""
    if a.percent != b.percent:
        return False
    if a.unit != NO_UNIT and b.unit != NO_UNIT:
        return a.unit == b.unit
    low, high = sorted((abs(a.value), abs(b.value)))
    return low > 0 and high <= 3 * low


@dataclass
class FeatureTable:
    key_ids: dict[str, int] = field(default_factory=dict)
    key_counts: list[int] = field(default_factory=list)  # claims holding each key
    slot_ids: dict[tuple[Decimal, bool], int] = field(default_factory=dict)
    slot_counts: list[int] = field(default_factory=list)  # claims stating each value
    slot_values: list[tuple[Decimal, bool]] = field(default_factory=list)
    unit_ids: dict[str, int] = field(default_factory=dict)
    figure_ids: dict[tuple[int, int], int] = field(default_factory=dict)
    figure_list: list[Figure] = field(default_factory=list)
    keys: list[tuple[int, ...]] = field(default_factory=list)  # per claim, ascending ids
    names: list[tuple[int, ...]] = field(default_factory=list)  # per claim: its keys that are names
    figures: list[tuple[int, ...]] = field(default_factory=list)  # per claim: figure ids, in its order

    def __len__(self) -> int:
        return len(self.keys)

    @classmethod
    def of(cls, features: Iterable[ClaimFeatures]) -> FeatureTable:
        table = cls()
        for item in features:
            table.add(item)
        return table

    def add(self, item: ClaimFeatures) -> int:
        """Intern one claim's features; its number in the table."""
        # Keys in their own order, not the set's: ids, and every tie broken by id, do not
        # depend on the process's string hashing.
        keys = tuple(sorted(self._key(key) for key in sorted(item.keys)))
        names = tuple(sorted(self.key_ids[key] for key in item.names))
        figures: list[int] = []
        for figure in item.figures:
            slot = self.slot_ids.get(figure.slot)
            if slot is None:
                slot = self.slot_ids[figure.slot] = len(self.slot_counts)
                self.slot_counts.append(0)
                self.slot_values.append(figure.slot)
            unit = (
                NO_UNIT if figure.unit is None else self.unit_ids.setdefault(figure.unit, len(self.unit_ids))
            )
            number = self.figure_ids.get((slot, unit))
            if number is None:
                number = self.figure_ids[(slot, unit)] = len(self.figure_list)
                self.figure_list.append(Figure(slot, figure.value, figure.percent, unit))
            figures.append(number)
        for slot in {self.figure_list[number].slot for number in figures}:
            self.slot_counts[slot] += 1
        self.keys.append(keys)
        self.names.append(names or ())
        self.figures.append(tuple(figures))
        return len(self.keys) - 1

    def _key(self, key: str) -> int:
        number = self.key_ids.get(key)
        if number is None:
            number = self.key_ids[key] = len(self.key_counts)
            self.key_counts.append(0)
        self.key_counts[number] += 1
        return number
