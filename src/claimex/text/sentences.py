"""Sentences: where the sentences of a text are, as `[start, end)` offsets into it.

Chunking cuts at them, the support check asks whether a quote is a whole sentence, and the
sentence strategy asks the model about them one at a time.
"""

from __future__ import annotations

import re
from functools import lru_cache

PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v\u00a0]*\n\s*")


def split_at(text: str, start: int, end: int, separator: re.Pattern[str]) -> list[tuple[int, int]]:
    """The ranges of `text[start:end]` between matches of `separator` (never empty)."""
    pieces: list[tuple[int, int]] = []
    cursor = start
    for match in separator.finditer(text, start, end):
        if match.start() > cursor:
            pieces.append((cursor, match.start()))
        cursor = match.end()
    if cursor < end:
        pieces.append((cursor, end))
    return pieces or [(start, end)]


def sentences_in(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence ranges inside a paragraph, located by search so they index the original text."""
    paragraph = text[start:end]
    # The readers, the support check and chunking all ask about the same paragraphs: each is
    # segmented once per process. A paragraph past the bound is segmented each time it is asked
    # about, so that the cache stays a few megabytes in a long-running server.
    segment = _cached_segment if len(paragraph) <= CACHED_PARAGRAPH_CHARS else _segment
    return [(start + a, start + b) for a, b in segment(paragraph)]


CACHED_PARAGRAPH_CHARS = 8_000


def _segment(paragraph: str) -> tuple[tuple[int, int], ...]:
    """The sentences of one paragraph, as ranges into it."""
    ranges: list[tuple[int, int]] = []
    cursor = 0
    # pysbd's `Segmenter.segment` would locate each sentence with a regex made of the sentence
    # itself, scanned from the paragraph's start: one pattern compiled per sentence. Its French
    # processor (forked in `pysbd_fr`, which compiles its rules once and skips the passes a
    # paragraph cannot match) gives the same sentences; they are located here with `str.find`
    # from where the last one ended.
    from . import pysbd_fr  # on the first paragraph segmented: `claimex verify` of quotes needs none

    for sentence in pysbd_fr.segment(paragraph):
        stripped = sentence.strip()
        if not stripped:
            continue
        found = paragraph.find(stripped, cursor)
        if found < 0:  # the segmenter altered it: skipped, as pysbd's own locating skips it
            continue
        if ranges and stripped[:1].islower():
            # "…in the U.S. to grow from 16…", "Associates Inc. said that…": an abbreviation's
            # point that pysbd took for an end; no sentence opens in lower case.
            ranges[-1] = (ranges[-1][0], found + len(stripped))
        else:
            ranges.append((found, found + len(stripped)))
        cursor = found + len(stripped)
    if cursor < len(paragraph) and paragraph[cursor:].strip():
        ranges.append((cursor, len(paragraph)))
    return tuple(ranges) or ((0, len(paragraph)),)


_cached_segment = lru_cache(maxsize=2048)(_segment)


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Every sentence of `text[start:end]`, paragraph by paragraph; a heading is a sentence too."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    for paragraph_start, paragraph_end in split_at(text, start, end, PARAGRAPH_BREAK):
        if text[paragraph_start:paragraph_end].strip():
            spans.extend(sentences_in(text, paragraph_start, paragraph_end))
    return spans


def paragraph_at(text: str, position: int) -> tuple[int, int]:
    """The paragraph of `text` that holds `position`, without reading the rest of the text."""
    start = 0
    for match in PARAGRAPH_BREAK.finditer(text, max(0, position - 20_000), position):
        start = match.end()
    following = PARAGRAPH_BREAK.search(text, position)
    return start, following.start() if following else len(text)


def sentence_at(text: str, position: int) -> tuple[int, int]:
    """The sentence of `text` that holds `position`; only its paragraph is segmented."""
    spans = sentences_in(text, *paragraph_at(text, position))
    for span in spans:
        if span[0] <= position < span[1]:
            return span
    return min(spans, key=lambda span: abs(span[0] - position))
