"""Sentence segmentation: the same sentences from any thread, and no pattern compiled per sentence."""

from __future__ import annotations

import re._compiler
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from claimex.text import sentences
from claimex.text.sentences import sentence_spans
from conftest import SEED

SEED_TEXT = SEED.read_text(encoding="utf-8")


def _numbered(text: str, number: int) -> str:
    """`text` with each paragraph made new, so that no cache has seen it."""
    return "\n\n".join(f"Note {number}-{n}. {p}" for n, p in enumerate(text.split("\n\n")))


def _uncached_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for start, end in sentences.split_at(text, 0, len(text), sentences.PARAGRAPH_BREAK):
        if text[start:end].strip():
            spans.extend((start + a, start + b) for a, b in sentences._segment(text[start:end]))
    return spans


def test_threads_segmenting_at_once_get_the_sentences_one_thread_gets() -> None:
    # A batch and the HTTP service segment articles from many threads; pysbd's Segmenter keeps
    # the text it is segmenting on itself, so sharing one across threads mixed their sentences.
    texts = [[_numbered(SEED_TEXT, 100 * worker + round_) for round_ in range(6)] for worker in range(6)]
    expected = [[_uncached_spans(text) for text in row] for row in texts]
    got: list[list[list[tuple[int, int]]]] = [[] for _ in texts]

    def work(worker: int) -> None:
        got[worker] = [sentence_spans(text) for text in texts[worker]]

    threads = [threading.Thread(target=work, args=(worker,)) for worker in range(len(texts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert got == expected


@contextmanager
def _compiles() -> Iterator[list[Any]]:
    """Every pattern `re` compiles (not finds in its cache) while the block runs."""
    seen: list[Any] = []
    original = re._compiler.compile

    def compile_(pattern: Any, flags: int = 0) -> Any:
        seen.append(pattern)
        return original(pattern, flags)

    re._compiler.compile = compile_
    try:
        yield seen
    finally:
        re._compiler.compile = original


def test_no_pattern_is_compiled_per_sentence() -> None:
    sentence_spans(_numbered(SEED_TEXT, -1))  # pysbd's own rules, compiled once
    paragraph = " ".join(f"La phrase numéro {n} compte {n * 7} mots selon M. Dupont." for n in range(300))
    with _compiles() as compiled:
        spans = sentence_spans(paragraph)
    assert len(spans) == 300
    # pysbd builds a few patterns from the abbreviations it meets ("M."); none per sentence.
    assert len(compiled) < 10, compiled[:5]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "M. Dupont a compté 50.000 hommes. Il est parti.",
            ["M. Dupont a compté 50.000 hommes.", "Il est parti."],
        ),
        ("Un titre\n\n  Une phrase. ", ["Un titre", "Une phrase."]),
    ],
)
def test_sentences_index_the_text_and_keep_french_abbreviations(text: str, expected: list[str]) -> None:
    assert [text[a:b] for a, b in sentence_spans(text)] == expected
