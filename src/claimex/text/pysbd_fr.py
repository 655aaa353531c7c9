"""pysbd 0.3.4's French sentence processor, forked so that its rules cost what the text asks.

Why a fork: pysbd's `Processor` runs about 180 `re.sub` passes over every paragraph, each through
`re`'s pattern cache, most of them for symbols the paragraph does not hold (17 passes put back
its placeholder symbols in every sentence, 8 look for quotes and brackets, 100 look for French
abbreviations); about 0.25 ms a paragraph, 1.4 s for a 1 MB text. Here every pattern is
compiled once, and a pass is skipped when the paragraph lacks a character without which its
pattern cannot match ("∯" for the placeholders, "(" for brackets, "." for abbreviations…).
The rules themselves are pysbd's: every pattern is read from `pysbd.lang.french.French` and
pysbd's classes, not copied, and the passes run in pysbd's order with pysbd's replacements, so
the sentences are pysbd's. tests/test_pysbd_fr.py compares the two on every text of the
repository and on texts made to hit each rule.

Only the path claimex uses is kept: French, `clean=False`, no character spans.

pysbd is Copyright (c) 2019 Nipun Sadvilkar, under the MIT licence:

    Permission is hereby granted, free of charge, to any person obtaining a copy of this
    software and associated documentation files (the "Software"), to deal in the Software
    without restriction, including without limitation the rights to use, copy, modify, merge,
    publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons
    to whom the Software is furnished to do so, subject to the following conditions:

    The above copyright notice and this permission notice shall be included in all copies or
    substantial portions of the Software.

    THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED,
    INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR
    PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE
    FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR
    OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER
    DEALINGS IN THE SOFTWARE.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache, lru_cache, partial
from typing import Any

from pysbd.between_punctuation import BetweenPunctuation
from pysbd.exclamation_words import ExclamationWords
from pysbd.lang.french import French
from pysbd.lists_item_replacer import ListItemReplacer
from pysbd.punctuation_replacer import EscapeRegexReservedCharacters, SubEscapedRegexReservedCharacters
from pysbd.utils import Rule

Pass = tuple[re.Pattern[str], Any, str]
"""A compiled rule, its replacement (a string or a function), and a character its pattern
cannot match without ("" when it can match anything)."""


def _pass(pattern: str, replacement: Any, needs: str, flags: int = 0) -> Pass:
    return re.compile(pattern, flags), replacement, needs


def _rule(rule: Rule, needs: str) -> Pass:
    return _pass(rule.pattern, rule.replacement, needs)


def _apply(text: str, passes: Sequence[Pass]) -> str:
    """pysbd's `Text.apply`: each rule in turn, skipped where its pattern cannot match."""
    for pattern, replacement, needs in passes:
        if needs in text:
            text = pattern.sub(replacement, text)
    return text


def _literal(rule: Rule) -> str:
    """The text a rule made of a plain literal (the placeholder symbols) matches."""
    literal = rule.pattern.replace("\\", "")
    assert rule.pattern in (literal, re.escape(literal)), rule.pattern
    return literal


def _literal_rules(rules: Sequence[Rule]) -> list[Pass]:
    return [_rule(rule, _literal(rule)) for rule in rules]


F = French
PUNCTUATIONS = tuple(F.Punctuations)

# --- punctuation_replacer.replace_punctuation -------------------------------------------------
_ESCAPE = [_rule(rule, rule.pattern[-1]) for rule in EscapeRegexReservedCharacters.All]
_UNESCAPE = [_rule(rule, "\\" + rule.pattern[-1]) for rule in SubEscapedRegexReservedCharacters.All]
_PUNCTUATION_MARKS = [
    _pass(r"\.", "∯", "."),
    _pass(r"\。", "&ᓰ&", "。"),
    _pass(r"\．", "&ᓱ&", "．"),
    _pass(r"\！", "&ᓳ&", "！"),
    _pass(r"\!", "&ᓴ&", "!"),
    _pass(r"\?", "&ᓷ&", "?"),
    _pass(r"\？", "&ᓸ&", "？"),
]
_APOSTROPHE = _pass(r"'", "&⎋&", "'")


def _replace_punctuation(match: re.Match[str], match_type: str | None = None) -> str:
    text = _apply(_apply(match.group(), _ESCAPE), _PUNCTUATION_MARKS)
    if match_type != "single":
        text = _apply(text, [_APOSTROPHE])
    return _apply(text, _UNESCAPE)


# --- lists_item_replacer.ListItemReplacer -----------------------------------------------------
L = ListItemReplacer
_ALPHA_PERIODS = re.compile(L.ALPHABETICAL_LIST_WITH_PERIODS)
_ALPHA_PARENS = re.compile(L.ALPHABETICAL_LIST_WITH_PARENS)
_ALPHA_LETTERS_PERIODS = re.compile(L.ALPHABETICAL_LIST_LETTERS_AND_PERIODS_REGEX, re.IGNORECASE)
_EXTRACT_ALPHA_LETTERS = re.compile(L.EXTRACT_ALPHABETICAL_LIST_LETTERS_REGEX, re.IGNORECASE)
_NUMBERED_1 = re.compile(L.NUMBERED_LIST_REGEX_1)
_NUMBERED_2 = re.compile(L.NUMBERED_LIST_REGEX_2)
_NUMBERED_PARENS = re.compile(L.NUMBERED_LIST_PARENS_REGEX)
_ROMAN_IN_PARENS = re.compile(L.ROMAN_NUMERALS_IN_PARENTHESES)
_LIST_PERIOD_SPACES = [
    _rule(L.SpaceBetweenListItemsFirstRule, ""),
    _rule(L.SpaceBetweenListItemsSecondRule, ""),
]
_LIST_PARENS_SPACES = [_rule(L.SpaceBetweenListItemsThirdRule, "")]
_LIST_PERIOD = [_rule(L.SubstituteListPeriodRule, "♨")]
_LIST_MARKER = [_rule(L.ListMarkerRule, "☝")]
_LIST_ACROSS_LINES = re.compile("♨.+(\n|\r).+♨")
_LIST_AFTER_FOR = re.compile(r"for\s\d{1,2}♨\s[a-z]")
_MARKER_ACROSS_LINES = re.compile("☝.+\n.+☝|☝.+\r.+☝")


class _ListItems:
    """pysbd's `ListItemReplacer.add_line_break`, pass for pass, with compiled patterns."""

    def __init__(self, text: str) -> None:
        self.text = text

    def add_line_break(self) -> str:
        # Alphabetical and roman lists are letters before "." or ")": without either, no list.
        if "." in self.text:
            self._iterate_alphabet(_ALPHA_PERIODS, parens=False, alphabet=L.LATIN_NUMERALS)
        if ")" in self.text:
            self._iterate_alphabet(_ALPHA_PARENS, parens=True, alphabet=L.LATIN_NUMERALS)
        if "." in self.text:
            self._iterate_alphabet(_ALPHA_PERIODS, parens=False, alphabet=L.ROMAN_NUMERALS)
        if ")" in self.text:
            self._iterate_alphabet(_ALPHA_PARENS, parens=True, alphabet=L.ROMAN_NUMERALS)
        if "." in self.text:
            self._scan_lists(_NUMBERED_1, _NUMBERED_2, "♨", strip=True)
        if (
            "♨" in self.text
            and not _LIST_ACROSS_LINES.search(self.text)
            and not _LIST_AFTER_FOR.search(self.text)
        ):
            self.text = _apply(self.text, _LIST_PERIOD_SPACES)
        self.text = _apply(self.text, _LIST_PERIOD)
        if ")" in self.text:
            self._scan_lists(_NUMBERED_PARENS, _NUMBERED_PARENS, "☝")
            self._scan_lists(_NUMBERED_PARENS, _NUMBERED_PARENS, "☝")
        if "☝" in self.text and not _MARKER_ACROSS_LINES.search(self.text):
            self.text = _apply(self.text, _LIST_PARENS_SPACES)
        self.text = _apply(self.text, _LIST_MARKER)
        return self.text

    def _scan_lists(
        self, regex1: re.Pattern[str], regex2: re.Pattern[str], replacement: str, strip: bool = False
    ) -> None:
        items = list(map(int, regex1.findall(self.text)))
        for ind, item in enumerate(items):
            follows_next = ind < len(items) - 1 and item + 1 == items[ind + 1]
            after_previous = ind > 0 and (
                (item - 1) == items[ind - 1]
                or (item == 0 and items[ind - 1] == 9)
                or (item == 9 and items[ind - 1] == 0)
            )
            if follows_next or after_previous:
                self._substitute_items(regex2, item, strip, replacement)

    def _substitute_items(self, regex: re.Pattern[str], each: int, strip: bool, replacement: str) -> None:
        def replace_item(match: re.Match[str]) -> str:
            found = match.group()
            if strip:
                found = found.strip()
            chomped = found if len(found) == 1 else found.strip(".])")
            return f"{each}{replacement}" if str(each) == chomped else found

        self.text = regex.sub(replace_item, self.text)

    def _replace_letter(self, letter: str, parens: bool) -> str:
        if parens:

            def replace_paren(match: re.Match[str]) -> str:
                found = match.group()
                if "(" in found:
                    bare = found.strip("(")
                    return f"\r&✂&{bare}" if bare == letter else found
                return f"\r{found}" if found == letter else found

            return _EXTRACT_ALPHA_LETTERS.sub(replace_paren, self.text)

        def replace_period(match: re.Match[str]) -> str:
            found = match.group()
            bare = found.strip(".")
            return f"\r{bare}∯" if bare == letter else found

        return _ALPHA_LETTERS_PERIODS.sub(replace_period, self.text)

    def _iterate_alphabet(self, regex: re.Pattern[str], parens: bool, alphabet: list[str]) -> None:
        items = [item for item in regex.findall(self.text) if item in alphabet]
        for ind, each in enumerate(items):
            previous = items[ind - 1]
            if ind == len(items) - 1:
                # last_array_item_replacement
                if previous not in alphabet or each not in alphabet:
                    continue
                if abs(alphabet.index(previous) - alphabet.index(each)) != 1:
                    continue
            else:
                # other_items_replacement
                following = items[ind + 1]
                if previous not in alphabet or each not in alphabet or following not in alphabet:
                    continue
                if (
                    alphabet.index(following) - alphabet.index(each) != 1
                    and abs(alphabet.index(previous) - alphabet.index(each)) != 1
                ):
                    continue
            self.text = self._replace_letter(each, parens)


def _roman_parens(text: str) -> str:
    return _ROMAN_IN_PARENS.sub(r"&✂&\1&⌬&", text) if "(" in text else text


# --- abbreviation_replacer.AbbreviationReplacer (French: no prepositive, number or starter) ---
_ABBREVIATION_PRE = [
    _rule(F.PossessiveAbbreviationRule, ".'s"),
    _rule(F.KommanditgesellschaftRule, "Co."),
    *(_rule(rule, ".") for rule in F.SingleLetterAbbreviationRules.All),
]
_ABBREVIATIONS = [abbreviation.strip() for abbreviation in F.Abbreviation.ABBREVIATIONS]
assert not F.Abbreviation.PREPOSITIVE_ABBREVIATIONS and not F.Abbreviation.NUMBER_ABBREVIATIONS
assert not F.AbbreviationReplacer.SENTENCE_STARTERS


@cache
def _abbreviation_patterns(index: int) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """pysbd's patterns for abbreviation `index`: where it opens a word, and the letter after it
    (the braces make pysbd's "next word" pattern a literal "{abbr} " that prose never holds).

    Compiled when a line first holds the abbreviation: the 97 of them, two patterns each, took
    7 ms of every start-up, and a text holds a few."""
    abbreviation = _ABBREVIATIONS[index]
    return (
        re.compile(rf"(?:^|\s|\r|\n){abbreviation}", re.IGNORECASE),
        re.compile(r"(?<={" + re.escape(abbreviation) + "} ).{1}"),
    )


_MULTI_PERIOD = re.compile(F.MULTI_PERIOD_ABBREVIATION_REGEX, re.IGNORECASE)
_AM_PM = [_rule(rule, "∯") for rule in F.AmPmRules.All]
_AS_BOUNDARY = re.compile(r"(U∯S|U\.S|U∯K|E∯U|E\.U|U∯S∯A|U\.S\.A|I|i.v|I.V)∯()")


@lru_cache(maxsize=4096)
def _period_of(abbreviation: str) -> re.Pattern[str]:
    """pysbd's `replace_period_of_abbr` pattern for one abbreviation as written in the text."""
    return re.compile(
        rf"(?<=\s{re.escape(abbreviation)})\.(?=((\.|\:|-|\?|,)|(\s([a-z]|I\s|I'm|I'll|\d|\())))"
    )


# An abbreviation of letters alone, as a text writes it, is one of its case variants, except for
# the few letters that `re.IGNORECASE` pairs with an ASCII one and `str.lower` does not (or
# lowers into two code points): "ſ", "ı", "İ", the Kelvin sign.
_PLAIN = [
    re.escape(abbreviation) == abbreviation and "." not in abbreviation for abbreviation in _ABBREVIATIONS
]
_CASE_FOLDS_APART = re.compile("[\u017f\u0131\u0130\u212a]")


def _before_periods(lowered: str) -> set[str]:
    """Every run of non-space before a "." that opens after a space or at the line's start."""
    words: set[str] = set()
    for chunk in lowered.split():
        at = chunk.find(".")
        while at >= 0:
            words.add(chunk[:at])
            at = chunk.find(".", at + 1)
    return words


def _abbreviations_in_line(text: str) -> str:
    # Every replacement below is of a "." after an abbreviation: a line without one is kept.
    if "." not in text:
        return text
    lowered = text.lower()
    # pysbd replaces the period after a whole word (after a space) that an abbreviation matches:
    # a plain abbreviation no word before a period spells cannot change the line, and its two
    # scans of the line (`findall`, about 10 µs each) are skipped. Replacements only turn "."
    # into "∯", so the words found before them stay a superset as the line changes.
    words = None if _CASE_FOLDS_APART.search(text) else _before_periods(lowered)
    for index, abbreviation in enumerate(_ABBREVIATIONS):
        if abbreviation not in lowered:
            continue
        if words is not None and _PLAIN[index] and abbreviation not in words:
            continue
        opening_at, next_word = _abbreviation_patterns(index)
        openings = opening_at.findall(text)
        if not openings:
            continue
        next_letters = next_word.findall(text)
        for ind, opening in enumerate(openings):
            letter = next_letters[ind] if ind < len(next_letters) else ""
            if not str(letter).isupper():
                text = _period_of(opening.strip()).sub("∯", " " + text)[1:]
    return text


def _replace_abbreviations(text: str) -> str:
    text = _apply(text, _ABBREVIATION_PRE)
    text = "".join(_abbreviations_in_line(line) for line in text.splitlines(True))
    if "." in text:
        text = _MULTI_PERIOD.sub(lambda match: match.group().replace(".", "∯"), text)
    text = _apply(text, _AM_PM)
    if "∯" in text:
        text = _AS_BOUNDARY.sub("\\1.", text)
    return text


# --- processor.Processor ----------------------------------------------------------------------
_NUMBERS = [_rule(rule, ".") for rule in F.Numbers.All]
_CONTINUOUS_PUNCTUATION = re.compile(F.CONTINUOUS_PUNCTUATION_REGEX)
_NUMBERED_REFERENCE = re.compile(F.NUMBERED_REFERENCE_REGEX)
_AFTER_NUMBERS = [
    _rule(F.Abbreviation.WithMultiplePeriodsAndEmailRule, "."),
    _rule(F.GeoLocationRule, "°"),
    _rule(F.FileFormatRule, "."),
]
_PARENS_BETWEEN_QUOTES = re.compile(F.PARENS_BETWEEN_DOUBLE_QUOTES_REGEX)
_SPACE_BEFORE_PAREN = re.compile(r"\s(?=\()")
_SPACE_AFTER_PAREN = re.compile(r"(?<=\))\s")
_E = F.EllipsisRules
_ELLIPSES = [
    _rule(F.SingleNewLineRule, "\n"),
    _rule(_E.ThreeSpaceRule, "."),
    _rule(_E.FourSpaceRule, "."),
    _rule(_E.FourConsecutiveRule, "..."),
    _rule(_E.ThreeConsecutiveRule, "..."),
    _rule(_E.OtherThreePeriodRule, "..."),
]
assert [rule.pattern for rule in F.EllipsisRules.All] == [
    _E.ThreeSpaceRule.pattern,
    _E.FourSpaceRule.pattern,
    _E.FourConsecutiveRule.pattern,
    _E.ThreeConsecutiveRule.pattern,
    _E.OtherThreePeriodRule.pattern,
]
assert all("!" in word or "ǃ" in word for word in ExclamationWords.EXCLAMATION_WORDS)
_EXCLAMATION_WORDS = re.compile(ExclamationWords.EXCLAMATION_REGEX)
_B = BetweenPunctuation
_WORD_WITH_LEADING_APOSTROPHE = re.compile(_B.WORD_WITH_LEADING_APOSTROPHE)
_APOSTROPHE_SPACE = re.compile(r"'\s")
_BETWEEN_SINGLE_QUOTES = re.compile(_B.BETWEEN_SINGLE_QUOTES_REGEX)
# pysbd's order: slanted single quotes, double quotes, brackets, parentheses, « », --, “ ”.
_BETWEEN = [
    _pass(_B.BETWEEN_SINGLE_QUOTE_SLANTED_REGEX, _replace_punctuation, "‘"),
    _pass(_B.BETWEEN_DOUBLE_QUOTES_REGEX_2, _replace_punctuation, '"'),
    _pass(_B.BETWEEN_SQUARE_BRACKETS_REGEX_2, _replace_punctuation, "["),
    _pass(_B.BETWEEN_PARENS_REGEX_2, _replace_punctuation, "("),
    _pass(_B.BETWEEN_QUOTE_ARROW_REGEX_2, _replace_punctuation, "«"),
    _pass(_B.BETWEEN_EM_DASHES_REGEX_2, _replace_punctuation, "--"),
    _pass(_B.BETWEEN_QUOTE_SLANTED_REGEX_2, _replace_punctuation, "“"),
]
_DOUBLE_PUNCTUATION = re.compile(F.DoublePunctuationRules.DoublePunctuation)
_DOUBLE_PUNCTUATIONS = _literal_rules(F.DoublePunctuationRules.All)
_QUESTION_AND_EXCLAMATION = [
    _rule(F.QuestionMarkInQuotationRule, "?"),
    *(_rule(rule, "!") for rule in F.ExclamationPointRules.All),
]
_FINAL_EXCLAMATION = re.compile(r"&ᓴ&$")
_SENTENCE_BOUNDARY = re.compile(F.SENTENCE_BOUNDARY_REGEX)
_SUB_SYMBOLS = _literal_rules(F.SubSymbolsRules.All)
_REINSERT_ELLIPSES = _literal_rules(F.ReinsertEllipsisRules.All)
_SUB_SINGLE_QUOTE = _literal_rules([F.SubSingleQuoteRule])
_LETTERS_ONLY = re.compile(r"\A[a-zA-Z]*\Z")
_QUOTATION_AT_END = re.compile(F.QUOTATION_AT_END_OF_SENTENCE_REGEX)
_SPLIT_AT_QUOTATION_END = re.compile(F.SPLIT_SPACE_QUOTATION_AT_END_OF_SENTENCE_REGEX)


def _between_punctuation(text: str) -> str:
    if "'" in text and not (
        _WORD_WITH_LEADING_APOSTROPHE.search(text) and not _APOSTROPHE_SPACE.search(text)
    ):
        text = _BETWEEN_SINGLE_QUOTES.sub(partial(_replace_punctuation, match_type="single"), text)
    return _apply(text, _BETWEEN)


def _process_text(text: str) -> list[str]:
    if text[-1] not in PUNCTUATIONS:
        text += "ȸ"
    if "!" in text or "ǃ" in text:
        text = _EXCLAMATION_WORDS.sub(_replace_punctuation, text)
    text = _between_punctuation(text)
    if not _DOUBLE_PUNCTUATION.match(text):
        text = _apply(text, _DOUBLE_PUNCTUATIONS)
    text = _apply(text, _QUESTION_AND_EXCLAMATION)
    text = _roman_parens(text)
    if "&ᓴ&" in text:
        text = _FINAL_EXCLAMATION.sub("!", text)
    return [match.group() for match in _SENTENCE_BOUNDARY.finditer(text)]


def _post_process(text: str) -> str | list[str]:
    if len(text) > 2 and _LETTERS_ONLY.search(text):
        return text
    text = _apply(text, _REINSERT_ELLIPSES)
    if _QUOTATION_AT_END.search(text):
        return _SPLIT_AT_QUOTATION_END.split(text)
    return text.replace("\n", "").strip()


def _flatten(items: list[Any]) -> list[str]:
    """pysbd's `rm_none_flatten`: empty items dropped, lists unpacked (their items kept as they are)."""
    flat: list[str] = []
    for item in items:
        if not item:
            continue
        if isinstance(item, list):
            flat.extend(item)
        else:
            flat.append(item)
    return flat


def _paren_replace(match: re.Match[str]) -> str:
    return _SPACE_AFTER_PAREN.sub("\r", _SPACE_BEFORE_PAREN.sub("\r", match.group()))


def _continuous_replace(match: re.Match[str]) -> str:
    return match.group().replace("!", "&ᓴ&").replace("?", "&ᓷ&")


def segment(text: str) -> list[str]:
    """The sentences of `text` as pysbd's French `Processor(text).process()` gives them."""
    if not text:
        return []
    text = text.replace("\n", "\r")
    text = _ListItems(text).add_line_break()
    text = _replace_abbreviations(text)
    text = _apply(text, _NUMBERS)
    if "!" in text or "?" in text:
        text = _CONTINUOUS_PUNCTUATION.sub(_continuous_replace, text)
    if "." in text or "∯" in text:
        text = _NUMBERED_REFERENCE.sub(r"∯\2\r\7", text)
    text = _apply(text, _AFTER_NUMBERS)
    if "(" in text:
        text = _PARENS_BETWEEN_QUOTES.sub(_paren_replace, text)
    pieces = [_apply(piece, _ELLIPSES) for piece in text.split("\r") if piece]
    checked: list[Any] = [
        _process_text(piece) if any(mark in piece for mark in PUNCTUATIONS) else [piece] for piece in pieces
    ]
    sentences: list[str] = []
    for sentence in _flatten(checked):
        processed = _post_process(_apply(sentence, _SUB_SYMBOLS))
        if processed and isinstance(processed, str):
            sentences.append(processed)
        elif isinstance(processed, list):
            sentences.extend(processed)
    return [_apply(sentence, _SUB_SINGLE_QUOTE) for sentence in sentences]
