"""Chunk: split a long text into pieces that fit the model, at paragraph then sentence boundaries.

Chunks are `[start, end)` ranges of the whole text, so every offset stays an offset into the
document. Consecutive chunks overlap by whole sentences or paragraphs, so a claim that
straddles a boundary is seen whole in at least one of them.
"""

from __future__ import annotations

from dataclasses import dataclass

from .sentences import PARAGRAPH_BREAK, sentences_in, split_at

CONTEXT_HEADER_CHARS = 300


@dataclass(frozen=True)
class Chunk:
    number: int
    start: int
    end: int

    def text_of(self, document_text: str) -> str:
        return document_text[self.start : self.end]


def plan_chunks(text: str, max_chars: int, *, overlap_chars: int | None = None) -> list[Chunk]:
    """Chunks of at most `max_chars` covering `text`, each overlapping the previous one.

    A text that fits is one chunk. Otherwise it is cut into sentences (pieces at whitespace for a
    sentence longer than a chunk), packed greedily; a chunk ends at a paragraph end when one
    leaves it at least 60% full. Each new chunk starts with the last sentences of the previous
    one: at least one, and up to `overlap_chars` (default: a tenth of `max_chars`).
    """
    if max_chars < 1:
        raise ValueError("max_chars must be positive")
    if len(text) <= max_chars:
        return [Chunk(0, 0, len(text))]
    overlap = max_chars // 10 if overlap_chars is None else overlap_chars
    units = _units(text, max_chars)
    chunks: list[Chunk] = []
    first = 0  # index of the first unit of the chunk being built
    while first < len(units):
        last = first
        while last + 1 < len(units) and units[last + 1].end - units[first].start <= max_chars:
            last += 1
        if last + 1 < len(units) and not units[last].ends_paragraph:
            for candidate in range(last - 1, first - 1, -1):
                if units[candidate].end - units[first].start < 0.6 * max_chars:
                    break
                if units[candidate].ends_paragraph:
                    last = candidate
                    break
        chunks.append(Chunk(len(chunks), units[first].start, units[last].end))
        if last + 1 >= len(units):
            break
        next_first = last + 1
        while next_first - 1 > first and (
            units[last].end - units[next_first - 1].start <= overlap
            or (next_first == last + 1 and units[last].end - units[last].start <= max_chars // 2)
        ):
            next_first -= 1
        first = next_first
    return chunks


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    ends_paragraph: bool


def _units(text: str, max_chars: int) -> list[_Unit]:
    """Sentences (or pieces of over-long ones) in order, each knowing if it ends a paragraph."""
    units: list[_Unit] = []
    for start, end in split_at(text, 0, len(text), PARAGRAPH_BREAK):
        pieces: list[tuple[int, int]] = []
        for sentence_start, sentence_end in sentences_in(text, start, end):
            if sentence_end - sentence_start <= max_chars:
                pieces.append((sentence_start, sentence_end))
            else:
                pieces.extend(_hard_split(text, sentence_start, sentence_end, max_chars))
        units.extend(_Unit(a, b, n == len(pieces) - 1) for n, (a, b) in enumerate(pieces))
    return units


def _hard_split(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """A sentence longer than a chunk: cut at the last whitespace before the limit."""
    pieces: list[tuple[int, int]] = []
    while end - start > max_chars:
        cut = text.rfind(" ", start + 1, start + max_chars)
        if cut <= start:
            cut = start + max_chars
        pieces.append((start, cut))
        start = cut
    pieces.append((start, end))
    return pieces


def context_header(text: str, limit: int = CONTEXT_HEADER_CHARS) -> str:
    """The title and first lines of the document, for chunks that do not start with them."""
    head = text[:limit]
    if len(text) > limit:
        cut = max(head.rfind("\n"), head.rfind(" "))
        head = head[:cut] if cut > limit // 2 else head
        head = head.rstrip() + " …"
    return head.strip()
