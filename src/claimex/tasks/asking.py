"""A task's records from one chunk: one call, as the single strategy asks for claims.

The answer's schema is `{"records": [the task's record, …]}`, its list bounded. Its validator
grounds every record against the article (`checks.records`); a quote not in the article, or a
value its evidence does not carry, makes instructor ask once more, naming the record and the
problem. An answer still failing is kept, its records marked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Self

from pydantic import BaseModel, Field, create_model, model_validator

from ..checks.records import RecordSpec, ground_record, reask_lines
from ..checks.verdict import Article
from ..llm.client import CallRecord, ModelClient
from ..models import TaskRecord
from ..strategies.context import checking_against, current_article, current_question
from ..strategies.prompting import render
from ..strategies.single import ask_for_at_most
from ..text.chunking import Chunk
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
    """The records of one chunk of the text, what asking for them cost, and what went wrong."""

    records: list[TaskRecord]
    record: CallRecord
    warnings: list[str]


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
