"""One document end to end: load → chunks → ask (a strategy) → verify quotes → check support → `Result`.

Two strategies ask the model (`STRATEGIES`): `single` (strategies/single.py: one call per chunk,
the model quotes its evidence) and `sentences` (strategies/sentences.py: one call per checkable
sentence, the sentence is the evidence). Both end in checks/verdict.py. The model-free path,
re-verifying a claims file someone already has, is `reverifying.reverify` (also importable from
here, where it was).
"""

from __future__ import annotations

import json
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar, cast, get_args

from .checks.support import SupportChecker
from .checks.verdict import Article, judged
from .checks.worthiness import LOW
from .errors import ClaimexError, InputError, ServerUnreachable
from .llm.client import CallRecord, ModelClient
from .llm.settings import PRESETS, ModelSettings
from .models import (
    MAX_SENTENCE_CLAIMS,
    Claim,
    RecordStats,
    Result,
    Source,
    Stats,
    Strategy,
    TaskRecord,
    TaskResult,
)
from .reverifying import reverify as reverify  # where it was: claimex.pipeline.reverify (until 2027-06-01)
from .strategies import prompting, sentences, single
from .strategies.context import ChunkAnswer
from .text.chunking import Chunk, context_header, plan_chunks
from .text.documents import Document
from .text.selection import select_sentences

if TYPE_CHECKING:
    from .tasks.loading import Task

STRATEGIES: tuple[str, ...] = get_args(Strategy)


def check_strategy(name: str) -> Strategy:
    if name not in STRATEGIES:
        raise InputError(f"unknown strategy {name!r}; choose one of: {', '.join(STRATEGIES)}")
    return cast(Strategy, name)


DEFAULT_MIN_CHECKWORTHINESS = LOW
"""Claims scoring under this name nothing specific (no figure, actor or source): left out by default."""


@dataclass(frozen=True)
class ExtractionOptions:
    strategy: Strategy
    max_claims: int
    chunk_chars: int
    concurrency: int
    min_checkworthiness: float = DEFAULT_MIN_CHECKWORTHINESS


def extraction_options(
    settings: ModelSettings,
    *,
    strategy: str | None = None,
    max_claims: int | None = None,
    chunk_chars: int | None = None,
    concurrency: int | None = None,
    min_checkworthiness: float | None = None,
) -> ExtractionOptions:
    """What was asked for, else the provider's defaults (the claim cap depends on the strategy)."""
    preset = PRESETS[settings.provider]
    chosen = check_strategy(strategy or preset.strategy)
    if min_checkworthiness is not None and not 0 <= min_checkworthiness <= 1:
        raise InputError(f"--min-checkworthiness must be between 0 and 1, not {min_checkworthiness:g}")
    return ExtractionOptions(
        strategy=chosen,
        max_claims=max_claims or preset.max_claims(chosen),
        chunk_chars=chunk_chars or preset.chunk_chars,
        concurrency=concurrency or preset.concurrency,
        min_checkworthiness=(
            DEFAULT_MIN_CHECKWORTHINESS if min_checkworthiness is None else min_checkworthiness
        ),
    )


def claims_task() -> Task:
    """The built-in claims task (`prompts/claims/`), loaded once per process as any task is."""
    from .tasks.loading import builtin_claims

    return builtin_claims()


def check_task_strategy(task: Task, strategy: str) -> None:
    """Refuse a strategy whose templates the task does not give, naming the task and what is missing."""
    if strategy not in task.strategies:
        needed = (
            "sentence_system.j2 and sentence_user.j2" if strategy == "sentences" else "system.j2 and user.j2"
        )
        raise InputError(
            f"{task.path}: the task {task.name} gives no templates for --strategy {strategy} "
            f"({needed}); it can be asked with --strategy {' or '.join(task.strategies)}"
        )


def task_options(
    settings: ModelSettings,
    task: Task,
    *,
    strategy: str | None = None,
    max_records: int | None = None,
    chunk_chars: int | None = None,
    concurrency: int | None = None,
    min_checkworthiness: float | None = None,
) -> ExtractionOptions:
    """`extraction_options` for `task`: the strategy asked for, else the preset's when the task
    gives its templates, else the one it gives; refused when the task cannot be asked so.
    `--min-checkworthiness` ranks claims: refused for a task of its own records."""
    if not task.claims and min_checkworthiness is not None:
        raise InputError(
            f"--min-checkworthiness ranks claims; the records of the task {task.name} are all kept"
        )
    preferred = PRESETS[settings.provider].strategy
    chosen = extraction_options(
        settings,
        strategy=strategy or (preferred if preferred in task.strategies else task.strategies[0]),
        max_claims=max_records,
        chunk_chars=chunk_chars,
        concurrency=concurrency,
        min_checkworthiness=min_checkworthiness,
    )
    check_task_strategy(task, chosen.strategy)
    return chosen


def prepare(strategy: Strategy, max_claims: int, task: Task | None = None) -> None:
    """Build once, before the first article, what every article of a run is asked with: the
    claims task, its system message and the answer's model. The request each answer schema
    makes is built by the first call that reaches the model (`llm/structured.py`): a run answered
    from the cache never loads the OpenAI client and instructor."""
    prompts = (task or claims_task()).templates
    if strategy == "sentences":
        prompting.restatement_messages(prompts, "", speakers=(), max_claims=MAX_SENTENCE_CLAIMS)
    else:
        single.bounded(max_claims)
        prompting.extraction_messages(prompts, "", max_claims=max_claims)


def extract(
    document: Document,
    client: ModelClient,
    *,
    strategy: Strategy | str | None = None,
    max_claims: int | None = None,
    chunk_chars: int | None = None,
    concurrency: int | None = None,
    min_checkworthiness: float | None = None,
    on_chunk: Callable[[int, int], None] | None = None,
    task: Task | None = None,
) -> Result:
    """Ask the model for the document's claims, locate their evidence and check its support.

    `task` is a claims task (the built-in `claims` by default, or a user's with
    `record = "claims"`): its templates are what the model is asked with.

    A text longer than `chunk_chars` is asked about chunk by chunk (`concurrency` at a time,
    each call cached on its own, so editing one paragraph re-asks only the chunks around it);
    claims found twice in the overlaps are merged. `max_claims` bounds the claims of one chunk
    (single) or the article (sentences: the most check-worthy are kept). The claims come most
    check-worthy first; those under `min_checkworthiness` are left out (counted in
    `stats.left_out`). What is left out is the client's preset's, as `claimex extract` takes it
    (for the embedded model: sentences, 30 claims, one call at a time). `on_chunk(done, total)`
    reports progress: chunks, or sentences by the sentence strategy.
    """
    chosen = extraction_options(
        client.settings,
        strategy=strategy,
        max_claims=max_claims,
        chunk_chars=chunk_chars,
        concurrency=concurrency,
        min_checkworthiness=min_checkworthiness,
    )
    strategy, max_claims, chunk_chars, concurrency = (
        chosen.strategy,
        chosen.max_claims,
        chosen.chunk_chars,
        chosen.concurrency,
    )
    task = task or claims_task()
    if not task.claims:
        raise InputError(f"{task.path}: the task {task.name} gives its own records, not claims")
    check_task_strategy(task, strategy)
    prompts = task.templates
    started = time.monotonic()
    article = Article.of(document.text)
    if strategy == "sentences":
        # Each question holds a few sentences, not the text: the whole text is one "chunk".
        chunks = [Chunk(0, 0, len(document.text))]
    else:
        chunks = plan_chunks(document.text, chunk_chars)
    # The first chunk starts with the title; the others get it as context for "the ministry".
    header = context_header(document.text) if len(chunks) > 1 else None

    def ask_chunk(chunk: Chunk) -> ChunkAnswer:
        chunk_header = header if chunk.start > 0 else None
        if strategy == "sentences":
            return sentences.ask_chunk(
                article,
                client,
                select_sentences(document.text),
                prompts=prompts,
                restate_references=PRESETS[client.settings.provider].restate_references,
                on_sentence=on_chunk,
            )
        return single.ask_chunk(article, chunk, chunk_header, client, max_claims, prompts)

    # The sentence strategy reports sentences itself (its one "chunk" is the text).
    answers = _ask_every_chunk(ask_chunk, chunks, concurrency, on_chunk if strategy != "sentences" else None)
    record, warnings, answered = _gathered(chunks, answers, "claims")
    claims = [claim for answer in answered for claim in answer.claims]
    failed_sentences = sum(answer.failed for answer in answered)
    read = sum(answer.sentences for answer in answered)
    restated = sum(answer.restated for answer in answered)
    failures = [answer for answer in answers if isinstance(answer, ClaimexError)]
    if len(chunks) > 1 or strategy == "sentences":
        # Claims of one sentence share its span, so only their statements can say they are one.
        claims = merge_duplicates(claims, article.checker, by_span=strategy != "sentences")
    found = len(claims)
    claims = ranked(claims, min_checkworthiness=chosen.min_checkworthiness)
    if strategy == "sentences":
        claims = claims[:max_claims]
    return Result(
        task=task.ref,
        source=source_of(document),
        provider=client.settings.provider,
        model=client.settings.model,
        strategy=strategy,
        complete=not failures and not failed_sentences,
        claims=claims,
        stats=stats_of(
            claims,
            record,
            time.monotonic() - started,
            chunks=len(chunks),
            failed_chunks=len(failures),
            failed_sentences=failed_sentences,
            sentences=read,
            restated=restated,
            left_out=found - len(claims),
        ),
        warnings=list(dict.fromkeys(warnings)),
    )


def extract_task(
    document: Document,
    client: ModelClient,
    task: Task,
    *,
    strategy: Strategy | str | None = None,
    max_records: int | None = None,
    chunk_chars: int | None = None,
    concurrency: int | None = None,
    min_checkworthiness: float | None = None,
    on_chunk: Callable[[int, int], None] | None = None,
) -> TaskResult | Result:
    """Ask the model for a task's records and ground every one: its evidence located, its values
    checked against that evidence. A claims task (the built-in `claims`) gives a claims `Result`,
    as `extract` does: every task, the default one included, comes in here.

    `strategy`: `single` (one call per chunk) or `sentences` (one call per sentence the task
    asks about: `Task.sentences`), among those the task gives templates for; by default the
    preset's when the task gives it, else the one it gives. Chunks, concurrency and partial
    results are as `extract`'s; `max_records` bounds one chunk's records (default: the preset's
    claim cap for the strategy), or one sentence's, at most `MAX_SENTENCE_CLAIMS`.
    """
    if task.claims:
        return extract(
            document,
            client,
            strategy=strategy,
            max_claims=max_records,
            chunk_chars=chunk_chars,
            concurrency=concurrency,
            min_checkworthiness=min_checkworthiness,
            on_chunk=on_chunk,
            task=task,
        )
    chosen = task_options(
        client.settings,
        task,
        strategy=strategy,
        max_records=max_records,
        chunk_chars=chunk_chars,
        concurrency=concurrency,
        min_checkworthiness=min_checkworthiness,
    )
    from .tasks import asking  # only a task's run needs the task machinery (and Jinja's)

    started = time.monotonic()
    article = Article.of(document.text)
    if chosen.strategy == "sentences":
        chunks = [Chunk(0, 0, len(document.text))]
    else:
        chunks = plan_chunks(document.text, chosen.chunk_chars)
    header = context_header(document.text) if len(chunks) > 1 else None

    def ask_chunk(chunk: Chunk) -> asking.RecordsAnswer:
        if chosen.strategy == "sentences":
            per_sentence = min(chosen.max_claims, MAX_SENTENCE_CLAIMS)
            return asking.ask_sentences(
                task, article, select_sentences(document.text), client, per_sentence, on_chunk
            )
        chunk_header = header if chunk.start > 0 else None
        return asking.ask_chunk(task, article, chunk, chunk_header, client, chosen.max_claims)

    by_chunk = on_chunk if chosen.strategy != "sentences" else None
    answers = _ask_every_chunk(ask_chunk, chunks, chosen.concurrency, by_chunk)
    record, warnings, answered = _gathered(chunks, answers, "records")
    records = _distinct_records([item for answer in answered for item in answer.records])
    failures = [answer for answer in answers if isinstance(answer, ClaimexError)]
    by_status = Counter(item.status for r in records for items in r.evidence.values() for item in items)
    return TaskResult(
        task=task.ref,
        source=source_of(document),
        provider=client.settings.provider,
        model=client.settings.model,
        strategy=chosen.strategy,
        complete=not failures and not sum(answer.failed for answer in answered),
        records=records,
        stats=RecordStats(
            records=len(records),
            verified=sum(r.verified for r in records),
            by_status={s: by_status.get(s, 0) for s in ("exact", "normalized", "fuzzy", "missing")},
            prompt_tokens=record.prompt_tokens,
            completion_tokens=record.completion_tokens,
            requests=record.requests,
            cache_hit=record.cache_hit,
            chunks=len(chunks),
            failed_chunks=len(failures),
            sentences=sum(answer.sentences for answer in answered),
            failed_sentences=sum(answer.failed for answer in answered),
            seconds=round(time.monotonic() - started, 3),
        ),
        warnings=list(dict.fromkeys(warnings)),
    )


def _distinct_records(records: list[TaskRecord]) -> list[TaskRecord]:
    """One record per fact: overlapping chunks give the same record twice (the same fields, or the
    same located evidence); the first is kept."""
    kept: list[TaskRecord] = []
    seen: set[str] = set()
    for record in records:
        spans = sorted(
            (field, tuple(map(tuple, item.spans)))
            for field, items in record.evidence.items()
            for item in items
            if item.verified
        )
        keys = {json.dumps(record.fields, sort_keys=True, ensure_ascii=False)}
        if spans:
            keys.add(repr(spans))
        if keys & seen:
            continue
        seen |= keys
        kept.append(record)
    return kept


def ranked(claims: list[Claim], *, min_checkworthiness: float = 0.0) -> list[Claim]:
    """The claims most check-worthy first (in text order among equals), without those under the floor.

    A claim without a score (from a claims file) is kept and ranked last.
    """

    def position(claim: Claim) -> int:
        spans = [span for item in claim.evidence for span in item.spans]
        return min((start for start, _ in spans), default=1 << 62)

    def score(claim: Claim) -> float:
        return claim.checkworthiness.score if claim.checkworthiness is not None else -1.0

    kept = [c for c in claims if c.checkworthiness is None or c.checkworthiness.score >= min_checkworthiness]
    return sorted(kept, key=lambda claim: (-score(claim), position(claim)))


def first_failure(warnings: list[str]) -> str | None:
    """Why a result is partial: the first warning of a chunk or sentence the model gave no answer for."""
    return next((w for w in warnings if "no claims" in w or "no records" in w), None)


class _Answer(Protocol):
    """What one chunk's question gives, whatever is asked for: its cost and its warnings."""

    record: CallRecord
    warnings: list[str]


AnswerT = TypeVar("AnswerT", bound=_Answer)


def _ask_every_chunk(
    ask_chunk: Callable[[Chunk], AnswerT],
    chunks: list[Chunk],
    concurrency: int,
    on_chunk: Callable[[int, int], None] | None,
) -> list[AnswerT | ClaimexError]:
    """Each chunk's answer, or the error that kept it from one (raised when every chunk failed).

    One bad answer must not throw away the other chunks of a long text: failures are kept. A
    server found down for one chunk is not tried again for each of the others.
    """
    unreachable: list[ServerUnreachable] = []

    def ask(chunk: Chunk) -> AnswerT:
        if unreachable:
            raise unreachable[0]
        try:
            return ask_chunk(chunk)
        except ServerUnreachable as error:
            unreachable.append(error)
            raise

    answers: list[AnswerT | ClaimexError | None] = [None] * len(chunks)
    for done, (number, outcome) in enumerate(_each_concurrently(ask, chunks, concurrency), start=1):
        answers[number] = outcome
        if on_chunk is not None:
            on_chunk(done, len(chunks))
    failures = [answer for answer in answers if isinstance(answer, ClaimexError)]
    if len(failures) == len(chunks):
        raise failures[0]
    return [answer for answer in answers if answer is not None]


def _gathered(
    chunks: list[Chunk], answers: list[AnswerT | ClaimexError], what: str
) -> tuple[CallRecord, list[str], list[AnswerT]]:
    """The chunks' costs added up, their warnings in chunk order (a failed chunk's among them,
    "no claims: …"), and the answers that came."""
    record = CallRecord(cache_hit=True)
    warnings: list[str] = []
    answered: list[AnswerT] = []
    for chunk, answer in zip(chunks, answers, strict=True):
        prefix = f"chunk {chunk.number + 1}/{len(chunks)}: " if len(chunks) > 1 else ""
        if isinstance(answer, ClaimexError):
            warnings.append(f"{prefix}no {what}: {answer}")
            continue
        record.add(answer.record)
        record.cache_hit = record.cache_hit and answer.record.cache_hit
        warnings.extend(prefix + warning for warning in answer.warnings)
        answered.append(answer)
    return record, warnings, answered


def _each_concurrently(
    work: Callable[[Chunk], AnswerT], chunks: list[Chunk], concurrency: int
) -> Iterator[tuple[int, AnswerT | ClaimexError]]:
    """(chunk number, answer or error) as each chunk finishes.

    With one worker the calls run in this thread, so Ctrl-C interrupts the call itself. With
    more, workers are daemon threads: an interrupted command exits at once instead of waiting
    for the calls in flight (their answers are simply dropped).
    """

    def attempt(chunk: Chunk) -> tuple[int, AnswerT | ClaimexError]:
        try:
            return chunk.number, work(chunk)
        except ClaimexError as error:
            return chunk.number, error

    if concurrency <= 1 or len(chunks) == 1:
        yield from (attempt(chunk) for chunk in chunks)
        return
    todo: queue.SimpleQueue[Chunk] = queue.SimpleQueue()
    for chunk in chunks:
        todo.put(chunk)
    done: queue.SimpleQueue[tuple[int, AnswerT | ClaimexError] | BaseException] = queue.SimpleQueue()
    stop = threading.Event()

    def worker() -> None:
        while not stop.is_set():
            try:
                chunk = todo.get_nowait()
            except queue.Empty:
                return
            try:
                done.put(attempt(chunk))
            except BaseException as error:  # a bug: hand it to the caller's thread
                done.put(error)

    for number in range(min(concurrency, len(chunks))):
        threading.Thread(target=worker, daemon=True, name=f"claimex-chunk-{number}").start()
    try:
        for _ in chunks:
            while True:
                try:
                    item = done.get(timeout=0.2)  # a timeout keeps Ctrl-C responsive
                    break
                except queue.Empty:
                    continue
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()


def merge_duplicates(
    claims: list[Claim], checker: SupportChecker, *, similarity: float = 90.0, by_span: bool = True
) -> list[Claim]:
    """One claim per fact: the same verified evidence span, or a near-identical statement.

    Overlapping chunks see the same sentences, so the same claim comes back twice; the first
    one is kept, with the union of both claims' evidence.
    """
    from rapidfuzz import fuzz

    merged: list[Claim] = []
    grown: set[int] = set()
    for claim in claims:
        spans = {tuple(span) for item in claim.evidence if item.verified for span in item.spans}
        statement = " ".join(claim.statement.casefold().split())
        for kept in merged:
            kept_spans = {tuple(span) for item in kept.evidence if item.verified for span in item.spans}
            kept_statement = " ".join(kept.statement.casefold().split())
            if (by_span and spans & kept_spans) or fuzz.ratio(statement, kept_statement) >= similarity:
                known = {(item.quote, tuple(map(tuple, item.spans))) for item in kept.evidence}
                for item in claim.evidence:
                    if (item.quote, tuple(map(tuple, item.spans))) not in known:
                        kept.evidence.append(item)
                        grown.add(id(kept))
                break
        else:
            merged.append(claim.model_copy(deep=True))
    # More evidence can change the verdict either way (a new quote may be missing, or carry the number).
    return [
        judged(claim.model_dump(exclude={"evidence"}), claim.evidence, checker)
        if id(claim) in grown
        else claim
        for claim in merged
    ]


def source_of(document: Document) -> Source:
    return Source(
        path=document.path, sha256=document.sha256, length=len(document.text), encoding=document.encoding
    )


def stats_of(
    claims: list[Claim],
    record: CallRecord | None = None,
    seconds: float = 0.0,
    *,
    chunks: int = 1,
    failed_chunks: int = 0,
    failed_sentences: int = 0,
    sentences: int = 0,
    restated: int = 0,
    left_out: int = 0,
) -> Stats:
    by_status = Counter(item.status for claim in claims for item in claim.evidence)
    record = record or CallRecord()
    return Stats(
        claims=len(claims),
        verified=sum(claim.verified for claim in claims),
        by_status={
            status: by_status.get(status, 0) for status in ("exact", "normalized", "fuzzy", "missing")
        },
        prompt_tokens=record.prompt_tokens,
        completion_tokens=record.completion_tokens,
        requests=record.requests,
        cache_hit=record.cache_hit,
        chunks=chunks,
        failed_chunks=failed_chunks,
        failed_sentences=failed_sentences,
        sentences=sentences,
        restated=restated,
        left_out=left_out,
        seconds=round(seconds, 3),
    )
