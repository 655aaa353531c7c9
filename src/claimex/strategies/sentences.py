"""Strategy `sentences`: each checkable sentence is a claim; the model restates only those that need it.

In the spirit of Claimify (Metropolitansky & Larson, ACL 2025): select the sentences with
something to check (`selection`, no model), read each with claimex's own readers (its figures,
names, time, who says it and how firmly: `checks.readers`), and ask the model only what only a
model can do:

* a sentence that stands alone, states one figure at most and has one possible speaker is its
  own claim: its statement is the sentence, its evidence the sentence, no call is made;
* a sentence that opens on a pronoun or a reference ("Selon eux", "Un pacte qui…"), states
  several figures, or has several possible speakers is sent with the article's title and the
  two sentences before it; the model restates it as standalone claims and picks its speaker
  from a lettered list of the candidates the cues found.

Every claim's evidence is its sentence, located with exact offsets; its speaker a span of the
article; its hedging the cues'. A restated claim is checked like any other (its numbers, names,
wording, and whether it now stands alone) and the model is asked once more, told what is wrong.

Every question starts with the same instructions, which llama.cpp's server keeps in its KV
cache, and is short: the title, two sentences and the one asked about.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Self

from pydantic import ConfigDict, model_validator

from ..checks.attribution import Candidate
from ..checks.readers import (
    SentenceReading,
    claim_fields,
    joined_claim,
    joined_from,
    named_claim,
    read_sentence,
    sentence_claim,
)
from ..checks.support import reask_lines
from ..checks.verdict import Article, judged
from ..errors import ClaimexError, ModelError, ServerError
from ..llm.client import CallRecord, ModelClient
from ..models import MAX_SENTENCE_CLAIMS, SPEAKER_CHOICES, Claim, Evidence, Restatement
from ..text.selection import Sentence, headline
from .context import ChunkAnswer, checking_against, current_article, current_question
from .prompting import Prompts, reask_message, restatement_messages

RESTATEMENT_MAX_TOKENS = 400
"""Three restated claims of one sentence fit in 250 tokens; past 400 a small model is repeating itself."""

CONTEXT_SENTENCES = 2
"""Sentences before the one asked about that the model sees: where "eux" or "the measure" is named."""

OUTLET_LABEL = "the article itself"


@dataclass(frozen=True)
class Question:
    """What one restatement is asked about, for the validator that checks the answer."""

    reading: SentenceReading
    evidence: Evidence
    title: tuple[int, int] | None = None  # where the article's title is: the model sees it


class CheckedRestatement(Restatement):
    """The claims of one sentence, each checked against that sentence before it is accepted."""

    model_config = ConfigDict(title="Restatement")

    @model_validator(mode="after")
    def every_claim_stands_on_its_sentence(self) -> Self:
        article, question = current_article(), current_question()
        if article is None or not isinstance(question, Question):
            return self
        problems: list[str] = []
        offered = SPEAKER_CHOICES[: len(question.reading.candidates) + 1]
        for number, stated in enumerate(self.claims, start=1):
            if stated.speaker not in offered:
                problems.append(f"Claim {number}: the speaker must be one of {', '.join(offered)}.")
                continue
            claim = restated_claim(stated.statement, stated.speaker, question, article)
            problems += reask_lines(number, claim.support, source="the sentence and the sentences before it")
        if problems:
            raise ValueError(reask_message([], problems, fix_only=True))
        return self


def chosen_speaker(reading: SentenceReading, letter: str | None, *, unknown: str) -> Candidate | None:
    """The speaker the model's letter names (`unknown`'s when the letter is none offered), None
    for the article itself. Where the cues name one speaker (or none: the outlet's own voice), it
    is theirs whatever the letter: a small model asked to split "Martin Pryce said X, and that Y"
    still credits the article with it at times."""
    if reading.speakers.settled:
        return reading.candidates[0] if reading.candidates else None
    choice = SPEAKER_CHOICES.index(letter if letter in SPEAKER_CHOICES else unknown)
    return reading.candidates[choice - 1] if 0 < choice <= len(reading.candidates) else None


def restated_claim(statement: str, letter: str, question: Question, article: Article) -> Claim:
    reading = question.reading
    candidate = chosen_speaker(reading, letter, unknown=SPEAKER_CHOICES[0])
    fields = claim_fields(
        statement, reading, article.text, article.checker, candidate=candidate, restated=True
    )
    if question.title is not None and question.title not in fields["context_spans"]:
        # The model sees the title too: it may name the place or the event from there.
        fields["context_spans"] = [question.title, *fields["context_spans"]]
    return judged(fields, [question.evidence], article.checker)


def sentence_evidence(article: Article, start: int, end: int) -> Evidence:
    """The sentence as evidence: located like any quote, at its own place when it occurs twice."""
    return article.index.locate(article.text[start:end], prefer=(start, end))


@dataclass
class Progress:
    """Sentences done of those to read, for `on_sentence(done, total)`."""

    total: int
    report: Callable[[int, int], None] | None
    done: int = 0

    def advance(self) -> None:
        self.done += 1
        if self.report is not None:
            self.report(self.done, self.total)


def ask_chunk(
    article: Article,
    client: ModelClient,
    sentences: list[Sentence],
    *,
    prompts: Prompts,
    restate_references: bool = True,
    on_sentence: Callable[[int, int], None] | None = None,
) -> ChunkAnswer:
    """Read every selected sentence; restate those that need it, one model call each, asked with
    the claims task's per-sentence templates (`prompts`)."""
    spans = [(sentence.start, sentence.end) for sentence in sentences]
    title = headline(article.text)
    record = CallRecord(cache_hit=True)
    claims: list[Claim] = []
    warnings: list[str] = []
    failures: list[ClaimexError] = []
    asked = [position for position, sentence in enumerate(sentences) if sentence.skip is None]
    progress = Progress(len(asked), on_sentence)
    restated = 0
    down: ServerError | None = None
    joined_at: int | None = None  # the sentence whose claim is the last one, joined to those before

    def join(reading: SentenceReading, evidence: Evidence, position: int) -> None:
        """The claim of a sentence joined to those before it; right after another joined one,
        it holds that one's sentences: it takes its place."""
        nonlocal joined_at
        if joined_at == position - 1 and claims:
            claims.pop()
        claims.append(joined(reading, evidence, article))
        joined_at = position

    for position in asked:
        sentence = sentences[position]
        reading = reading_at(article, spans, position)
        if not reading.checkable:
            progress.advance()
            continue
        evidence = sentence_evidence(article, sentence.start, sentence.end)
        if reading.fragment and reading.context:
            # "Un pacte qui prévoit…": the sentence it continues and it, word for word, no model.
            join(reading, evidence, position)
            progress.advance()
            continue
        if reading.restate_because is None:
            fields = sentence_claim(reading, article.text, article.checker)
            claims.append(judged(fields, [evidence], article.checker))
            progress.advance()
            continue
        named = named_claim(reading, article.text, article.checker) if reading.reference else None
        if named is not None and not reading.several_facts:
            # "He said…", "Selon eux, …" after a sentence that names them: who they are, no model.
            claims.append(judged(named, [evidence], article.checker))
            progress.advance()
            continue
        if (
            reading.reference is not None
            and not restate_references
            and not reading.several_facts
            and reading.speakers.settled
        ):
            # Any other reference ("The company shelved…"): with the sentences it refers to, as
            # written, for a model that does not restate them (the provider's preset says).
            join(reading, evidence, position)
            progress.advance()
            continue
        restated += 1
        question = Question(reading, evidence, title)
        try:
            if down is not None:
                raise down  # no use asking a failing server about the next sentence
            answer, cost = ask(client, article, question, title, prompts)
        except ModelError as error:
            # No restatement: the readers' claim stands, and a rerun asks for this one again.
            if isinstance(error, ServerError):
                down = error
            failures.append(error)
            where = f"sentence {sentence.start}–{sentence.end}"
            warnings.append(f"{where}: no claims from the model ({error}); its own words are kept")
            claims.append(fallback(reading, evidence, article, None))
            progress.advance()
            continue
        record.add(cost)
        record.cache_hit = record.cache_hit and cost.cache_hit
        warnings.extend(cost.warnings)
        stated = [restated_claim(c.statement, c.speaker, question, article) for c in answer.claims]
        kept = [claim for claim in stated if claim.verified]
        if not kept and reading.checkable:
            # What the model wrote does not hold: the sentence itself, or with the one before it.
            letter = answer.claims[0].speaker if answer.claims else None
            kept = [fallback(reading, evidence, article, letter)]
            if stated:
                problem = stated[0].support.blocking[0].message if stated[0].support.blocking else ""
                warnings.append(
                    f"sentence {sentence.start}–{sentence.end}: the model's restatement did not hold "
                    f"({problem}); the article's own words are kept"
                )
        claims += kept
        progress.advance()
    if down is not None and not claims:
        raise down
    # "From the cache" means the model's answers came from there: with none asked for, none did.
    record.cache_hit = record.cache_hit and restated > len(failures)
    return ChunkAnswer(
        claims, record, warnings, failed=len(failures), sentences=len(asked), restated=restated
    )


def task_of(reading: SentenceReading) -> str:
    """What the model is to do with the sentence, in words a small model follows."""
    if reading.reference is not None:
        return (
            f"it begins with “{reading.reference}”: write it so that it begins with who or what "
            f"“{reading.reference}” is, in the words of the sentences before."
        )
    if reading.several_facts:
        return "it states several facts: write one claim for each."
    return "several people may be saying it: give the letter of who says each claim."


def reading_at(article: Article, spans: list[tuple[int, int]], position: int) -> SentenceReading:
    """The readers' view of the sentence at `position`, with the `CONTEXT_SENTENCES` before it
    and the one after it."""
    earlier = spans[max(0, position - CONTEXT_SENTENCES) : position]
    later = spans[position + 1] if position + 1 < len(spans) else None
    return read_sentence(article.text, spans[position], earlier, article.checker, later)


def question_context(
    reading: SentenceReading, article: Article, title: tuple[int, int] | None
) -> tuple[str | None, str | None, list[tuple[str, str]]]:
    """What a question about one sentence shows besides it: the article's title, the sentences
    before it (not the title again), and who may be saying it, lettered (A: the article itself)."""
    heading = " ".join(article.text[title[0] : title[1]].split()) if title else None
    before = " ".join(" ".join(article.text[a:b].split()) for a, b in reading.context if (a, b) != title)
    offered = [(SPEAKER_CHOICES[0], OUTLET_LABEL)] + [
        (letter, " ".join(candidate.text_of(article.text).split()))
        for letter, candidate in zip(SPEAKER_CHOICES[1:], reading.candidates, strict=False)
    ]
    return heading, before or None, offered


def ask(
    client: ModelClient,
    article: Article,
    question: Question,
    title: tuple[int, int] | None,
    prompts: Prompts,
) -> tuple[Restatement, CallRecord]:
    reading = question.reading
    heading, before, offered = question_context(reading, article, title)
    messages = restatement_messages(
        prompts,
        reading.text.strip(),
        speakers=offered,
        title=heading,
        before=before,
        task=task_of(reading),
        max_claims=MAX_SENTENCE_CLAIMS,
    )
    with checking_against(article, question):
        return client.create(
            messages, CheckedRestatement, fallback_model=Restatement, max_tokens=RESTATEMENT_MAX_TOKENS
        )


def joined(reading: SentenceReading, evidence: Evidence, article: Article) -> Claim:
    """A fragment with the sentence it continues, both its evidence (`readers.joined_claim`)."""
    fields = joined_claim(reading, article.text, article.checker)
    if fields is None:
        return judged(sentence_claim(reading, article.text, article.checker), [evidence], article.checker)
    before = [sentence_evidence(article, *span) for span in joined_from(reading, article.text)]
    return judged(fields, [*before, evidence], article.checker)


def fallback(reading: SentenceReading, evidence: Evidence, article: Article, letter: str | None) -> Claim:
    """The readers' claim for a sentence whose restatement failed: the sentence itself (with the
    speaker the model chose, if it chose one offered), or with the one before it when it does
    not stand alone. Checked like any claim: one that does not stand alone is not verified."""
    if reading.reference is not None and reading.context:
        return joined(reading, evidence, article)
    candidate = chosen_speaker(reading, letter, unknown=SPEAKER_CHOICES[1])
    fields = sentence_claim(reading, article.text, article.checker, candidate)
    return judged(fields, [evidence], article.checker)
