"""Splitting long texts: true offsets, sentence boundaries, overlaps that see a claim whole."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claimex.text.chunking import context_header, plan_chunks
from conftest import SEED

SEED_TEXT = SEED.read_text(encoding="utf-8")


def test_a_text_that_fits_is_one_chunk() -> None:
    assert [(c.start, c.end) for c in plan_chunks(SEED_TEXT, 5000)] == [(0, len(SEED_TEXT))]


def test_chunks_cover_the_text_within_the_limit_and_overlap() -> None:
    chunks = plan_chunks(SEED_TEXT, 1200)
    assert len(chunks) == 4
    assert chunks[0].start == 0 and chunks[-1].end == len(SEED_TEXT)
    for previous, following in itertools.pairwise(chunks):
        assert following.start < previous.end, "consecutive chunks overlap"
        assert following.start > previous.start, "and always move forward"
    assert all(chunk.end - chunk.start <= 1200 for chunk in chunks)


def test_chunks_end_at_sentence_ends_and_french_abbreviations_do_not_cut() -> None:
    text = ("M. Dupont a compté 50.000 hommes près de Koursk. " * 40).strip()
    for chunk in plan_chunks(text, 500):
        piece = chunk.text_of(text)
        assert piece.startswith("M. Dupont") and piece.endswith("Koursk."), piece[:30] + "…" + piece[-30:]


def test_paragraph_ends_are_preferred_over_sentence_ends() -> None:
    paragraph = "Une phrase courte ici. " * 10
    text = "\n\n".join(paragraph.strip() for _ in range(6))
    chunks = plan_chunks(text, 800)
    ends = [chunk.end for chunk in chunks[:-1]]
    assert all(text[end : end + 2] == "\n\n" for end in ends), "every chunk but the last ends a paragraph"


def test_a_sentence_longer_than_a_chunk_is_cut_at_whitespace() -> None:
    text = "mot " * 500
    chunks = plan_chunks(text.strip(), 300)
    assert all(chunk.end - chunk.start <= 300 for chunk in chunks)
    assert all(text[chunk.end] == " " for chunk in chunks[:-1])


def test_context_header_is_the_beginning_of_the_article() -> None:
    header = context_header(SEED_TEXT)
    assert header.startswith("ActualitésInternational\n\nSoldats Nord-Coréens")
    assert len(header) <= 302 and header.endswith(" …")


@settings(max_examples=60, deadline=None)
@given(
    sentences=st.lists(
        st.text(alphabet="abcdé ,;0123456789", min_size=1, max_size=120), min_size=1, max_size=60
    ),
    breaks=st.lists(st.sampled_from([". ", ".\n\n", "! ", "?\n"]), min_size=60, max_size=60),
    max_chars=st.integers(min_value=50, max_value=600),
)
def test_every_character_is_in_some_chunk_and_no_chunk_is_too_long(
    sentences: list[str], breaks: list[str], max_chars: int
) -> None:
    text = "".join(sentence + breaks[n] for n, sentence in enumerate(sentences))
    chunks = plan_chunks(text, max_chars)
    assert all(chunk.end - chunk.start <= max_chars for chunk in chunks)
    covered = [False] * len(text)
    for chunk in chunks:
        for position in range(chunk.start, chunk.end):
            covered[position] = True
    uncovered = "".join(char for char, seen in zip(text, covered, strict=True) if not seen)
    assert uncovered.strip() == "", "only whitespace between paragraphs may fall outside every chunk"


def test_sentences_are_the_same_read_from_many_threads_at_once() -> None:
    # A batch reads its articles in up to 256 threads; pysbd's segmenter keeps the text it
    # segments in itself, and a shared one now and then placed one article's sentences in another.
    from concurrent.futures import ThreadPoolExecutor

    from claimex.text.sentences import sentence_spans

    seed = SEED.read_text(encoding="utf-8")
    texts = [f"Article {number}. {'Une phrase de plus. ' * (number % 7)}\n\n{seed}" for number in range(240)]
    alone = [sentence_spans(text) for text in texts]
    with ThreadPoolExecutor(32) as pool:
        together = list(pool.map(sentence_spans, texts))
    assert together == alone


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        # Real sentences (AP, Financial Post) that pysbd cut after an abbreviation's point.
        (
            "Analysts expect the number of electric vehicles for sale in the U.S. to grow from 16 "
            "currently to as many as 80 by 2022. They say the selection will make them popular.",
            2,
        ),
        ("David Watt of Rosenberg Research & Associates Inc. said that the economy is scraping by.", 1),
        ("Le bilan est lourd. M. Dupont a compté 50.000 soldats. Ensuite il est parti.", 3),
    ],
)
def test_no_sentence_opens_in_lower_case(text: str, sentences: int) -> None:
    from claimex.text.sentences import sentence_spans

    spans = sentence_spans(text)
    assert len(spans) == sentences, [text[a:b] for a, b in spans]
    assert all(not text[a].islower() for a, _ in spans)
