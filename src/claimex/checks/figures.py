"""Figures: every number a text states, as a value, whatever its typography.

The support check compares the numbers of a claim with those of its evidence, so "50.000",
"50 000" (any space), "50000" and "cinquante mille" must all be 50000, "3,5" and "3.5" must be
3.5, and "30" must never be read inside "130" or "300". Values are `Decimal`s: 0.1 + 0.2 is
not a question here.

Reading digit groups (the one real ambiguity is "3.500": a thousands dot, as in French and
German, or an English decimal point):

* groups after the first of exactly three digits, the first of one to three and not "0", one
  kind of separator: a grouped whole number ("50.000", "1,000,000", "50 000", "1'000");
* otherwise a last "." or "," is a decimal point ("3,5", "0.125", "1.234,5");
* otherwise each group is a number of its own (dates "12.03.2024", "2023 500").

A number followed by "mille", "million(s)", "milliard(s)", "thousand", "billion(s)" is
multiplied; one followed by "%", "pour cent", "percent" or "per cent" is a percentage. Number
words are read in French and English, from "zéro"/"zero" to the milliards, in compounds
("quatre-vingt-dix", "vingt et un", "twenty-one", "dix mille"); "un", "une" and "one" alone are
not numbers (they are articles and pronouns far more often). Ordinal words ("premier",
"first") and Roman numerals are not read. A minus sign counts only right before the digits,
after a space or an opening bracket ("-5", not the dash of "2014-2015" or "F-16").
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from decimal import Decimal

_SPACES = " \u00a0\u202f\u2009\u2007"
_DIGITS = re.compile(rf"\d+(?:[.,'’]\d+|[{_SPACES}]\d{{3}}(?!\d))*")
_TOKEN = re.compile(rf"(?P<digits>{_DIGITS.pattern})|(?P<word>[^\W\d_]+)|(?P<percent>%)")
_SEPARATOR = re.compile(rf"([.,'’{_SPACES}])")

_WORDS: dict[str, int] = {
    # French
    "zéro": 0, "zero": 0, "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5,
    "six": 6, "sept": 7, "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13,
    "quatorze": 14, "quinze": 15, "seize": 16, "vingt": 20, "vingts": 20, "trente": 30,
    "quarante": 40, "cinquante": 50, "soixante": 60, "septante": 70, "huitante": 80,
    "octante": 80, "nonante": 90, "cent": 100, "cents": 100, "mille": 1000,
    "million": 10**6, "millions": 10**6, "milliard": 10**9, "milliards": 10**9,
    # English
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90, "hundred": 100, "thousand": 1000, "billion": 10**9, "billions": 10**9,
}  # fmt: skip
_MULTIPLIERS = {"mille": 1000, "thousand": 1000, "million": 10**6, "millions": 10**6,
                "milliard": 10**9, "milliards": 10**9, "billion": 10**9, "billions": 10**9}  # fmt: skip
_ALONE_NOT_A_NUMBER = frozenset({"un", "une", "one"})
_CONNECTORS = frozenset({"et", "and"})
# What may stand between two words of one number: "quatre-vingt", "vingt et un", "twenty-one".
# A figure that is a year ("en 2021"): a date, not a quantity a claim states.
YEAR = re.compile(r"^(?:1[89]|20)\d\d$")
_JOINER = re.compile(rf"[{_SPACES}\-‐‑]*")
_PERCENT_WORDS = (("pour", "cent"), ("pourcent",), ("percent",), ("per", "cent"))


@dataclass(frozen=True)
class Figure:
    """A number as the text states it: its value, where it is, and whether it is a percentage."""

    value: Decimal
    start: int
    end: int
    text: str
    percent: bool = False

    def __str__(self) -> str:
        return self.text


def shown(value: Decimal) -> str:
    """A value as a reader writes it: 50000, 3.5, 1000000."""
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _parse_digits(run: str) -> list[Decimal]:
    parts = _SEPARATOR.split(run)
    groups, separators = parts[0::2], parts[1::2]
    if not separators:
        return [Decimal(run)]
    kinds = {" " if sep in _SPACES else sep for sep in separators}

    def grouped(groups: list[str], kinds: set[str]) -> bool:
        return (
            len(kinds) <= 1
            and 1 <= len(groups[0]) <= 3
            and groups[0] != "0"
            and all(len(group) == 3 for group in groups[1:])
        )

    if grouped(groups, kinds):
        return [Decimal("".join(groups))]
    last = separators[-1]
    head, head_kinds = groups[:-1], {" " if s in _SPACES else s for s in separators[:-1]}
    if last in ".," and last not in head_kinds and (len(head) == 1 or grouped(head, head_kinds)):
        return [Decimal("".join(head) + "." + groups[-1])]
    return [Decimal(group) for group in groups]


def _words_value(values: list[int]) -> int:
    total = current = 0
    previous = None
    for value in values:
        if value == 100:
            current = (current or 1) * 100
        elif value >= 1000:
            total += (current or 1) * value
            current = 0
        elif value == 20 and previous == 4:  # quatre-vingt(s): 4 × 20
            current += 80 - 4
        else:
            current += value
        previous = value
    return total + current


CACHED_CHARS = 4_000
"""Texts up to this long (a sentence, a statement, a quote) are read once per process: the
readers, the support check and the wording check ask about the same ones, several times a claim."""


def find_figures(text: str) -> list[Figure]:
    """Every number `text` states, in order."""
    if len(text) <= CACHED_CHARS:
        return list(_cached_figures(text))
    return _find_figures(text)


_DIGIT = re.compile(r"\d")
_LETTERS = re.compile(r"[^\W\d_]+")  # a word token of `_TOKEN`


def _find_figures(text: str) -> list[Figure]:
    if not _DIGIT.search(text) and _WORDS.keys().isdisjoint(map(str.lower, _LETTERS.findall(text))):
        return []  # no digit and no number word: most quotes, read without making a token of each word
    tokens = [(m.lastgroup or "", m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]
    figures: list[Figure] = []
    position = 0
    while position < len(tokens):
        kind, token, start, end = tokens[position]
        values: list[Decimal] = []
        following = position + 1
        if kind == "digits":
            values = _parse_digits(token)
            if start > 0 and text[start - 1] in "-−" and (start == 1 or text[start - 2] in _SPACES + "(["):
                start -= 1
                values = [-values[0], *values[1:]]
            if len(values) > 1:  # separate numbers: each its own figure, no multiplier
                for match in re.finditer(r"\d+", token):
                    figures.append(
                        Figure(
                            Decimal(match.group()), start + match.start(), start + match.end(), match.group()
                        )
                    )
                position = following
                continue
        elif kind == "word" and token.lower() in _WORDS:
            words = [_WORDS[token.lower()]]
            names = [token.lower()]
            while following < len(tokens):
                taken = _next_number_word(text, tokens, following, end, words[-1])
                if taken is None:
                    break
                words.append(_WORDS[tokens[taken][1].lower()])
                names.append(tokens[taken][1].lower())
                end = tokens[taken][3]
                following = taken + 1
            if len(names) == 1 and names[0] in _ALONE_NOT_A_NUMBER:
                position = following
                continue
            values = [Decimal(_words_value(words))]
        else:
            position += 1
            continue
        value = values[0]
        # "3 millions", "1,5 milliard": a digit number multiplied by the word after it.
        if kind == "digits" and following < len(tokens):
            next_kind, next_token, next_start, next_end = tokens[following]
            if (
                next_kind == "word"
                and next_token.lower() in _MULTIPLIERS
                and text[end:next_start].strip(_SPACES) == ""
            ):
                value *= _MULTIPLIERS[next_token.lower()]
                end = next_end
                following += 1
        percent, following, end = _percent_after(text, tokens, following, end)
        figures.append(Figure(value, start, end, text[start:end], percent))
        position = following
    return figures


def _next_number_word(
    text: str, tokens: list[tuple[str, str, int, int]], at: int, end: int, previous: int
) -> int | None:
    """The token that continues a number in words at `at`, if any ("vingt et un": skip "et")."""
    kind, token, start, _ = tokens[at]
    if not _JOINER.fullmatch(text[end:start]) or kind != "word":
        return None
    lowered = token.lower()
    if lowered in _WORDS:
        return at
    # "vingt et un", "soixante et onze", "one hundred and five": a connector after a round number.
    if lowered in _CONNECTORS and at + 1 < len(tokens) and previous >= 20 and previous % 10 == 0:
        after_kind, after, after_start, _ = tokens[at + 1]
        if (
            after_kind == "word"
            and after.lower() in _WORDS
            and _WORDS[after.lower()] < 100
            and _JOINER.fullmatch(text[tokens[at][3] : after_start])
        ):
            return at + 1
    return None


def _percent_after(
    text: str, tokens: list[tuple[str, str, int, int]], following: int, end: int
) -> tuple[bool, int, int]:
    """Whether "%" or "pour cent" / "percent" / "per cent" follows the number at `end`."""
    if following < len(tokens) and text[end : tokens[following][2]].strip(_SPACES) == "":
        if tokens[following][0] == "percent":
            return True, following + 1, tokens[following][3]
        for words in _PERCENT_WORDS:
            chunk = tokens[following : following + len(words)]
            if len(chunk) == len(words) and all(
                token[0] == "word" and token[1].lower() == word
                for token, word in zip(chunk, words, strict=True)
            ):
                return True, following + len(words), chunk[-1][3]
    return False, following, end


@functools.lru_cache(maxsize=8192)
def _cached_figures(text: str) -> tuple[Figure, ...]:
    return tuple(_find_figures(text))  # Figure is frozen: the cached ones are shared safely
