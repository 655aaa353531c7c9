"""Does a statement say only what its text says? Its content words must be carried by that text.

The text is the claim's evidence, its speaker's passage, and the sentences it was restated from
(the ones before, where "eux" is named). A content word is any word but the function words and
connectives of `lexicon.STOP_WORDS` and numbers (the numbers rule reads those as values). It is
carried when the text has the same word stem (Snowball's French or English stemmer, accents
folded), or a word sharing its first five letters and most of it ("révèlent" / "révélée"): a
restatement may conjugate, not change the subject. "New York has more cases than any country"
over quotes that give Spain's and the world's totals is caught here, number or none.
"""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from . import lexicon
from .figures import find_figures

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_APOSTROPHE = re.compile(r"^[a-z]['’]", re.IGNORECASE)  # l'armée, d'importantes, qu'ils
PREFIX = 5
"""Letters two words must share at their start to be taken for forms of one word."""


_THREAD = threading.local()


def _stemmer(language: str) -> Any:
    """This thread's stemmer for `language`. A Snowball stemmer keeps the word it is stemming in
    itself: shared by a batch's threads, one thread's word overwrote another's ("string index out
    of range" for 20 of 400 articles at 32 in flight)."""
    stemmers = _THREAD.__dict__.setdefault("stemmers", {})
    if language not in stemmers:
        import snowballstemmer

        stemmers[language] = snowballstemmer.stemmer(language)
    return stemmers[language]


@functools.lru_cache(maxsize=65_536)
def _stem(language: str, word: str) -> str:
    """Snowball is pure Python and keeps no cache: a long article asks for the same words' stems
    thousands of times (a claims file of 2,000 claims: 0.7 s of stemming, 9,000 calls)."""
    return str(_stemmer(language).stemWord(word))


@functools.lru_cache(maxsize=65_536)
def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("’", "'")


_STOP = frozenset(_fold(word) for word in lexicon.STOP_WORDS)


def _content_words(text: str) -> list[tuple[str, str]]:
    """(the word as written, its folded form without elided article) for each content word.

    Numbers written in words ("trente et un") are the numbers rule's, as digits are.
    """
    if len(text) <= 4_000:  # a statement or a quote: asked about for each claim that has it
        return list(_cached_content_words(text))
    return _read_content_words(text)


def _read_content_words(text: str) -> list[tuple[str, str]]:
    numbers = [(f.start, f.end) for f in find_figures(text)]
    if numbers:
        written = [m.group() for m in _WORD.finditer(text) if not any(a <= m.start() < b for a, b in numbers)]
    else:
        written = _WORD.findall(text)
    forms = map(_content_form, written)
    return [(word, folded) for word, folded in zip(written, forms, strict=True) if folded is not None]


@functools.lru_cache(maxsize=65_536)
def _content_form(written: str) -> str | None:
    """A word's folded form without its elided article ("l'armée" is "armée"), or None when it is
    no content word: decided once a word, not once each time a quote has it."""
    whole = _fold(written)
    # Only a word with an apostrophe second has an elided article.
    folded = _APOSTROPHE.sub("", whole) if written[1:2] in "'’" else whole
    if len(folded) < 3 or folded in _STOP or whole in _STOP:
        return None
    return folded


def content_words(text: str) -> list[str]:
    """The content words of `text`, as it writes them."""
    return [written for written, _ in _content_words(text)]


def language_of(text: str) -> str:
    """ "french" or "english", by which of the two languages' function words the text uses more."""
    words = list(map(_fold, _WORD.findall(text[:2000])))
    french = sum(map(lexicon.FRENCH_MARKERS.__contains__, words))
    english = sum(map(lexicon.ENGLISH_MARKERS.__contains__, words))
    return "french" if french >= english else "english"


def uncarried(statement: str, texts: Iterable[str], *, language: str | None = None) -> list[str]:
    """The content words of `statement` that none of `texts` carries, as the statement writes them."""
    said = _content_words(statement)
    if not said:
        return []  # nothing to carry: the texts need not be read
    sources = list(texts)
    language = language or language_of(" ".join(sources) or statement)
    stem = functools.partial(_stem, language)
    carried_words = [folded for text in sources for _, folded in _content_words(text)]
    carried_stems = set(map(stem, carried_words))
    missing: list[str] = []
    for written, folded in said:
        if stem(folded) in carried_stems or _near(folded, carried_words):
            continue
        if written not in missing:
            missing.append(written)
    return missing


def _near(word: str, words: Sequence[str]) -> bool:
    if len(word) < PREFIX:
        return word in words
    head = word[:PREFIX]
    for other in words:
        if other.startswith(head):
            shared = len(_common_prefix(word, other))
            if shared >= 0.7 * min(len(word), len(other)):
                return True
    return False


def _common_prefix(a: str, b: str) -> str:
    length = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        length += 1
    return a[:length]


_cached_content_words = functools.lru_cache(maxsize=8192)(lambda text: tuple(_read_content_words(text)))
