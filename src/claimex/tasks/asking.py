"""A task's records: one call per chunk (the single strategy's way), or one per sentence.

The answer's schema is `{"records": [the task's record, …]}`, its list bounded. Its validator
grounds every record against the article (`checks.records`); a quote not in the article, or a
value its evidence does not carry, makes instructor ask once more, naming the record and the
problem. An answer still failing is kept, its records marked.

Per sentence (`ask_sentences`), the task's per-sentence templates are rendered for each sentence
claimex keeps (`text.selection`) that the task asks about (`Task.sentences`: every one, those
with a quotation mark, those with a figure, as claimex's readers find them), with the title, the
two sentences before and the speakers claimex's reporting cues credit it to, lettered: a small
model asked about one sentence copies from it far more faithfully than from a whole article.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Self

from pydantic import BaseModel, Field, create_model, model_validator

from ..checks.readers import SentenceReading
from ..checks.records import RecordSpec, ground_record, quotations_in, reask_lines
from ..checks.verdict import Article
from ..errors import ModelError, ServerError
from ..llm.client import CallRecord, ModelClient
from ..models import MAX_EVIDENCE, TaskRecord
from ..strategies.context import checking_against, current_article, current_question
from ..strategies.prompting import render
from ..strategies.sentences import question_context, reading_at
from ..strategies.single import ask_for_at_most
from ..text.chunking import Chunk
from ..text.selection import Sentence, headline
from .loading import Task


class _GroundedRecords(BaseModel):
    """Records whose evidence is checked against the article being asked about."""

    @model_validator(mode="after")
    def every_record_is_grounded(self) -> Self:
        article, spec = current_article(), current_question()
        if article is None or not isinstance(spec, RecordSpec):
            return self
        problems: list[str] = []
        for number, record in enumerate(getattr(self, "records", []), start=1):
            problems += reask_lines(number, ground_record(record.model_dump(mode="json"), spec, article))
        if problems:
            raise ValueError(render("task_reask.j2", problems=problems))
        return self


def answer_models(task: Task, max_records: int) -> tuple[type[BaseModel], type[BaseModel]]:
    """The answer's schema for `task`, at most `max_records` records: with the validator that
    re-asks, and without (to keep the last answer of a failed re-ask). Made once per task and cap."""
    made = task._answers.get(max_records)
    if made is None:
        records: Any = (list[task.record.model], Field(max_length=max_records))  # type: ignore[name-defined]
        doc = task.description or f"The records of the task {task.name}, each quoting the article."
        checked = create_model("TaskRecords", __base__=_GroundedRecords, __doc__=doc, records=records)
        plain = create_model("TaskRecords", __doc__=doc, records=records)
        made = task._answers[max_records] = (checked, plain)
    return made


@dataclass
class RecordsAnswer:
    """The records of one chunk of the text, what asking for them cost, and what went wrong
    (with the sentences asked about and those the model gave no answer for, per sentence)."""

    records: list[TaskRecord]
    record: CallRecord
    warnings: list[str]
    sentences: int = 0
    failed: int = 0


SENTENCE_MAX_TOKENS = 600
"""The records of one sentence fit in a few hundred tokens; past this a small model is repeating itself."""
_QUOTATION_MARKS = '«»“”„"'


def asks_about(task: Task, reading: SentenceReading) -> bool:
    """Whether the task's per-sentence templates are asked about this sentence (`Task.sentences`)."""
    if task.sentences == "quoted":
        return any(mark in reading.text for mark in _QUOTATION_MARKS)
    if task.sentences == "figures":
        return bool(reading.figures)
    return True


def sentences_asked(
    task: Task, article: Article, sentences: list[Sentence]
) -> list[tuple[int, SentenceReading]]:
    """The sentences claimex keeps that the task asks about (by position), each as its readers read it."""
    spans = [(sentence.start, sentence.end) for sentence in sentences]
    asked: list[tuple[int, SentenceReading]] = []
    for position, sentence in enumerate(sentences):
        if sentence.skip is not None:
            continue
        reading = reading_at(article, spans, position)
        if asks_about(task, reading):
            asked.append((position, reading))
    return asked


def ask_sentences(
    task: Task,
    article: Article,
    sentences: list[Sentence],
    client: ModelClient,
    max_records: int,
    on_sentence: Callable[[int, int], None] | None = None,
) -> RecordsAnswer:
    """One call per sentence the task asks about, its records grounded (their evidence looked for
    at that sentence first). A sentence the model gives no answer for is counted and said; a
    server found down is not asked about the sentences after."""
    spans = [(sentence.start, sentence.end) for sentence in sentences]
    title = headline(article.text)
    asked = sentences_asked(task, article, sentences)
    total = CallRecord(cache_hit=True)
    records: list[TaskRecord] = []
    warnings: list[str] = []
    failed = 0
    down: ServerError | None = None
    for done, (position, reading) in enumerate(asked, start=1):
        start, end = spans[position]
        heading, before, speakers = question_context(reading, article, title)
        variables: dict[str, object] = {
            "sentence": reading.text.strip(),
            "title": heading if (start, end) != title else None,
            "before": before,
            "speakers": speakers,
            "instruction": None,
            "quotations": quotations_in(reading.text),
            "figures": [figure.text.strip() for figure in reading.figures],
            "max_evidence": MAX_EVIDENCE,
        }

        def ask(wanted: int, variables: dict[str, object] = variables) -> tuple[Any, CallRecord]:
            checked, plain = answer_models(task, wanted)
            with checking_against(article, task.record.spec):
                return client.create(
                    task.templates.messages_for("sentences", **variables, max_records=wanted),
                    checked,
                    fallback_model=plain,
                    cache_salt=task.sha256,
                    max_tokens=SENTENCE_MAX_TOKENS,
                )

        try:
            if down is not None:
                raise down
            response, call, wanted = ask_for_at_most(ask, max_records, "records", warnings)
        except ModelError as error:
            if isinstance(error, ServerError):
                down = error
            failed += 1
            warnings.append(f"sentence {start}–{end}: no records from the model ({error})")
        else:
            total.add(call)
            total.cache_hit = total.cache_hit and call.cache_hit
            warnings.extend(call.warnings)
            records += [
                ground_record(record.model_dump(mode="json"), task.record.spec, article, prefer=(start, end))
                for record in response.records[:wanted]
            ]
        if on_sentence is not None:
            on_sentence(done, len(asked))
    if down is not None and not records:
        raise down
    # "From the cache" means the model's answers came from there: with none asked for, none did.
    total.cache_hit = total.cache_hit and len(asked) > failed
    return RecordsAnswer(records, total, warnings, sentences=len(asked), failed=failed)


def ask_chunk(
    task: Task, article: Article, chunk: Chunk, header: str | None, client: ModelClient, max_records: int
) -> RecordsAnswer:
    """One model call for one chunk (the whole text when it fits), its records grounded."""
    text = chunk.text_of(article.text)
    warnings: list[str] = []

    def ask(wanted: int) -> tuple[Any, CallRecord]:
        checked, plain = answer_models(task, wanted)
        with checking_against(article, task.record.spec):
            return client.create(
                task.messages(text, max_records=wanted, context_header=header),
                checked,
                fallback_model=plain,
                cache_salt=task.sha256,
            )

    response, call, max_records = ask_for_at_most(ask, max_records, "records", warnings)
    records = [
        ground_record(
            record.model_dump(mode="json"), task.record.spec, article, prefer=(chunk.start, chunk.end)
        )
        for record in response.records[:max_records]
    ]
    return RecordsAnswer(records, call, warnings + call.warnings)
