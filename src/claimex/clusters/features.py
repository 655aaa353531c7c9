"""What a claim is compared on: figures as values, and keys for its names and words.

A key is a word folded for comparison across French and English: accents and case away, and
the spellings that transliteration and inflection vary ("ou"/"u", "c"/"k", "y"/"i", doubled
letters, endings such as -ie/-ia/-ian/-ien/-ienne/-ois/-aise/-s) reduced, then cut to its first
five letters. "Kouvrane" and "Kuvran" give one key, "Norvalie", "Norvalia", "norvaliens" and
"Norvalian" another, "déployés" and "deployed" a third. A word that `lexicon` lists is its
concept's key instead, whatever the language: "pompiers", "firefighters" and "sapeurs" are
"~firefighter", and such a word is never a name ("Monday", "Defence"). What keys fail to join
the figures and the names usually join; what they join by accident weighs little, because keys
are weighted by how rare they are in the batch.

A figure is a value (`claimex.checks.figures`: "10.000" = "10 000" = "dix mille"), whether it
is a percentage, and its unit key: the claim's own `quantities[].unit` when it gives one for
that value, else the word after the number. Years (four plain digits from 1800 to 2100) are
keys, not figures: "in 2024" says when, not how many.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from ..checks.figures import find_figures, shown
from . import lexicon

# Function words of French and English: they say nothing about which claim this is. The IDF
# weighting would push them down anyway; in a batch of a dozen articles it cannot do it alone.
STOPWORDS = (
    frozenset(
        """
    les des une aux par pour dans sur avec sans sous entre vers chez que qui quoi dont est sont
    ont été etre être avait avaient sera seront fait faire plus moins tout tous toute toutes
    selon cette ces ses son sa leur leurs lui elle elles ils nous vous mais donc car aussi
    encore déjà deja très tres lors après apres avant depuis pendant alors comme ainsi the and
    for with from into onto over under about after before during since that this these those
    there their them they have has had been being was were will would could should are its his
    her our your who whom which what when where while said says say according also than then
    some any all more most other such only very just not nor but yet
    """.split()
    )
    | lexicon.FILLERS
)

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_KEY_LENGTH = 5
_UNIT_LENGTH = 4
# Endings that inflection and nationality adjectives add, longest first.
_ENDINGS = (
    "iennes", "ements", "ement", "ments", "iens", "ienne", "ment", "ians", "aises", "oises",
    "ien", "ian", "ing", "aise", "ais", "oise", "ois", "ees", "ies", "ee", "ie", "ia", "ed",
    "es", "e", "s",
)  # fmt: skip
_TRANSLITERATION = (("ph", "f"), ("ou", "u"), ("ck", "k"), ("qu", "k"), ("c", "k"), ("y", "i"), ("w", "v"))
_DOUBLED = re.compile(r"(.)\1+")


@lru_cache(maxsize=65536)
def key_of(word: str) -> str:
    """The comparison key of one word (see the module's docstring); "" for a word too short."""
    folded = lexicon.fold(word)
    concept = _concepts().get(folded)
    if concept is not None:
        return concept
    # Endings first ("déployés" and "deployed" both end as "deploy"), then spellings.
    stem = _stem(folded)
    concept = _concepts().get(stem)
    if concept is not None:
        return concept
    for old, new in _TRANSLITERATION:
        stem = stem.replace(old, new)
    stem = _DOUBLED.sub(r"\1", stem)
    return stem[:_KEY_LENGTH] if len(stem) >= 3 else ""


def _stem(folded: str) -> str:
    for ending in _ENDINGS:
        if len(folded) - len(ending) >= 4 and folded.endswith(ending):
            return folded[: -len(ending)]
    return folded


@lru_cache(maxsize=1)
def _concepts() -> dict[str, str]:
    """The lexicon's words, and their stems, to their concepts' keys (a word's own entry first)."""
    words = lexicon.concepts()
    table = dict(words)
    for word, concept in words.items():
        table.setdefault(_stem(word), concept)
    return table


def is_concept(key: str) -> bool:
    return key.startswith("~")


def unit_key(word: str | None) -> str | None:
    """What a figure counts, for telling "12 000 soldats" from "12.000 spectateurs"."""
    if not word:
        return None
    words = [w for w in _WORD.findall(word) if w.casefold() not in STOPWORDS]
    if not words:
        return None
    key = key_of(words[0])
    return (key if is_concept(key) else key[:_UNIT_LENGTH]) or None


@dataclass(frozen=True, slots=True)
class ClaimFigure:
    value: Decimal
    percent: bool
    unit: str | None  # unit key, None when unknown
    text: str  # as the statement (or the quantity) writes it

    @property
    def slot(self) -> tuple[Decimal, bool]:
        return (self.value, self.percent)


@dataclass(frozen=True, slots=True)
class ClaimFeatures:
    figures: tuple[ClaimFigure, ...]
    keys: frozenset[str]  # every key of the statement (its figures aside) and of the names
    names: frozenset[str]  # the keys that come from names (entities, capitalised words)


def comparable(a: ClaimFigure, b: ClaimFigure) -> bool:
    """Whether two figures count the same kind of thing, so that different values conflict.

    Same unit key; or, when either unit is unknown, the same percent-ness and values within a
    factor of three of each other (10 000 and 12 000 soldiers, not 10 000 soldiers and 30 dead).
    """
    if a.percent != b.percent:
        return False
    if a.unit is not None and b.unit is not None:
        return a.unit == b.unit
    low, high = sorted((abs(a.value), abs(b.value)))
    return low > 0 and high <= 3 * low


def conflicting(a: Iterable[ClaimFigure], b: Iterable[ClaimFigure]) -> list[tuple[ClaimFigure, ClaimFigure]]:
    """Pairs of comparable figures with different values, one from each side."""
    mine = list(a)
    theirs = list(b)
    values_a = {figure.slot for figure in mine}
    values_b = {figure.slot for figure in theirs}
    return [
        (x, y)
        for x in mine
        if x.slot not in values_b
        for y in theirs
        if y.slot not in values_a and comparable(x, y)
    ]


def claim_features(claim: Mapping[str, Any]) -> ClaimFeatures:
    """The features of one claim of a result file (a dict: only today's fields are read)."""
    statement = str(claim.get("statement") or "")
    units_by_value: dict[Decimal, str] = {}
    quantity_figures: list[ClaimFigure] = []
    for quantity in claim.get("quantities") or []:
        if not isinstance(quantity, Mapping):
            continue
        value = _decimal(quantity.get("value"))
        unit = unit_key(quantity.get("unit")) if isinstance(quantity.get("unit"), str) else None
        if value is not None and unit:
            units_by_value.setdefault(value, unit)
        text = quantity.get("text")
        if value is not None and isinstance(text, str):
            quantity_figures.append(ClaimFigure(value, "%" in text or "cent" in text.casefold(), unit, text))
    figures: dict[tuple[Decimal, bool], ClaimFigure] = {}
    keys: set[str] = set()
    stated = find_figures(statement)
    for figure in stated:
        if _is_year(figure.text, figure.value):
            keys.add(f"year:{shown(figure.value)}")
            continue
        unit = units_by_value.get(figure.value) or unit_key(_word_after(statement, figure.end))
        figures.setdefault(
            (figure.value, figure.percent), ClaimFigure(figure.value, figure.percent, unit, figure.text)
        )
    for given in quantity_figures:
        if not _is_year(given.text, given.value):
            figures.setdefault(given.slot, given)
    names = {
        key_of(word)
        for name in claim.get("entities") or []
        if isinstance(name, str)
        for word in _WORD.findall(name)
        if word.casefold() not in STOPWORDS
    }
    inside_figures = [(figure.start, figure.end) for figure in stated]
    for match in _WORD.finditer(statement):
        word = match.group()
        if word.casefold() in STOPWORDS or any(start <= match.start() < end for start, end in inside_figures):
            continue  # a number written in words is a figure, not a key
        key = key_of(word)
        if not key:
            continue
        keys.add(key)
        if word[0].isupper() and not _starts_sentence(statement, match.start()):
            names.add(key)
    names.discard("")
    names = {name for name in names if not is_concept(name)}
    keys |= names
    return ClaimFeatures(tuple(figures.values()), frozenset(keys), frozenset(names))


def _is_year(text: str, value: Decimal) -> bool:
    return text.isdigit() and len(text) == 4 and 1800 <= value <= 2100


def _word_after(text: str, end: int) -> str | None:
    # The next word or two after the number, skipping a capitalised adjective ("10,000 Norvalian
    # soldiers") so that the unit is the noun.
    words = _WORD.findall(text[end : end + 60])
    for word in words[:3]:
        if word.casefold() in STOPWORDS or word[0].isupper():
            continue
        return word
    return None


def _starts_sentence(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \"'«“(")
    return not before or before[-1] in ".!?:;"


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number.normalize() if number.is_finite() else None
