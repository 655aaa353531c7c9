"""One document end to end: prompt → model → verify → a `Result`.

Also the model-free path: re-verifying a claims file someone already has.
"""

from __future__ import annotations

import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Self

from pydantic import ConfigDict, model_validator

from .chunking import Chunk, context_header, plan_chunks
from .documents import Document
from .errors import ClaimexError, InputError
from .llm import AnswerCutOff, CallRecord, ModelClient
from .models import (
    MAX_CLAIMS,
    Claim,
    ClaimsResponse,
    Evidence,
    ExtractedClaim,
    Hedging,
    Quantity,
    Result,
    Source,
    Stats,
)
from .prompting import extraction_messages, reask_message
from .support import ClaimParts, SupportChecker, reask_lines
from .verify import SourceIndex

# The article being checked, for the validator below. A context variable rather than instructor's
# `context`: instructor renders the messages as Jinja templates whenever a context is given, and
# an article may contain `{{` or `{%`. Each thread (batch worker) sees its own value.
_article: ContextVar[Article | None] = ContextVar("claimex_article", default=None)


@dataclass
class Article:
    """What checking claims against one text needs, built once per text."""

    index: SourceIndex
    checker: SupportChecker

    @classmethod
    def of(cls, text: str) -> Article:
        return cls(SourceIndex(text), SupportChecker(text))


class QuoteCheckedClaims(ClaimsResponse):
    """What the model returns for one article (or one chunk of it)."""

    # The same schema title, so the model sees the same tool name as for `ClaimsResponse`.
    model_config = ConfigDict(title="ClaimsResponse")

    @model_validator(mode="after")
    def every_claim_is_supported(self) -> Self:
        """Reject quotes not in the article and evidence that does not state its claim.

        instructor re-asks with this message, so a model that can fix it gets the chance.
        """
        article = _article.get()
        if article is None:
            return self
        missing: list[str] = []
        unsupported: list[str] = []
        for number, extracted in enumerate(self.claims, start=1):
            claim = verify_claim(extracted, article)
            missing += [item.quote for item in claim.evidence if not item.verified]
            if all(item.verified for item in claim.evidence):
                unsupported += reask_lines(number, claim.support)
        if missing or unsupported:
            raise ValueError(reask_message(missing, unsupported))
        return self


def verify_claim(claim: ExtractedClaim, article: Article, chunk: Chunk | None = None) -> Claim:
    """Locate the claim's quotes (preferring its chunk) and check that they support it."""
    prefer = (chunk.start, chunk.end) if chunk is not None else None
    evidence = [article.index.locate(quote, prefer=prefer) for quote in claim.evidence]
    return judged(claim.model_dump(exclude={"evidence"}), evidence, article.checker)


def _hedging(value: Any) -> Hedging | None:
    try:
        return Hedging(value)
    except ValueError:
        return None


def judged(fields: dict[str, Any], evidence: list[Evidence], checker: SupportChecker) -> Claim:
    """A claim with its support verdict; `verified` follows from it alone."""
    support = checker.check(
        ClaimParts(
            statement=fields["statement"],
            evidence=evidence,
            entities=fields.get("entities") or (),
            quantities=[Quantity.model_validate(q) for q in fields.get("quantities") or ()],
            hedging=_hedging(fields.get("hedging")),
        )
    )
    fields = {key: value for key, value in fields.items() if key not in ("support", "verified")}
    return Claim(**fields, evidence=evidence, support=support, verified=support.verdict == "supported")


@dataclass
class _ChunkAnswer:
    claims: list[Claim]
    record: CallRecord
    warnings: list[str]


def _ask_chunk(
    document: Document,
    chunk: Chunk,
    header: str | None,
    article: Article,
    client: ModelClient,
    max_claims: int,
) -> _ChunkAnswer:
    """One model call for one chunk (the whole text when it fits), its quotes verified."""
    text = chunk.text_of(document.text)
    warnings: list[str] = []

    def ask(claims_wanted: int) -> tuple[ClaimsResponse, CallRecord]:
        # Set here, in the thread that validates: worker threads do not inherit context variables.
        token = _article.set(article)
        try:
            return client.create(
                extraction_messages(text, max_claims=claims_wanted, context_header=header),
                QuoteCheckedClaims,
                fallback_model=ClaimsResponse,
            )
        finally:
            _article.reset(token)

    try:
        response, record = ask(max_claims)
    except AnswerCutOff:
        # A small model can ramble until max_tokens; asking for fewer claims once is the cheap fix.
        if max_claims <= 1:
            raise
        max_claims = max(1, max_claims // 2)
        warnings.append(
            f"the first answer was cut off at max_tokens; asked again for at most {max_claims} claims"
        )
        response, record = ask(max_claims)
    claims = [verify_claim(claim, article, chunk) for claim in response.claims[:max_claims]]
    return _ChunkAnswer(claims, record, warnings + record.warnings)


def extract(
    document: Document,
    client: ModelClient,
    *,
    max_claims: int = MAX_CLAIMS,
    chunk_chars: int | None = None,
    concurrency: int = 1,
    on_chunk: Callable[[int, int], None] | None = None,
) -> Result:
    """Ask the model for the document's claims and locate every quote in the whole text.

    A text longer than `chunk_chars` is asked about chunk by chunk (`concurrency` at a time,
    each call cached on its own, so editing one paragraph re-asks only the chunks around it);
    claims found twice in the overlaps are merged. `on_chunk(done, total)` reports progress.
    """
    started = time.monotonic()
    article = Article.of(document.text)
    chunks = plan_chunks(document.text, chunk_chars or max(len(document.text), 1))
    # The first chunk starts with the title; the others get it as context for "the ministry".
    header = context_header(document.text) if len(chunks) > 1 else None
    answers: list[_ChunkAnswer | ClaimexError | None] = [None] * len(chunks)

    def ask(chunk: Chunk) -> _ChunkAnswer:
        return _ask_chunk(document, chunk, header if chunk.start > 0 else None, article, client, max_claims)

    # One bad answer must not throw away the other chunks of a long text: failures are kept.
    for done, (number, outcome) in enumerate(_each_concurrently(ask, chunks, concurrency), start=1):
        answers[number] = outcome
        if on_chunk is not None:
            on_chunk(done, len(chunks))

    failures = [answer for answer in answers if isinstance(answer, ClaimexError)]
    if len(failures) == len(chunks):
        raise failures[0]
    record = CallRecord(cache_hit=True)
    warnings: list[str] = []
    claims: list[Claim] = []
    for chunk, answer in zip(chunks, answers, strict=True):
        prefix = f"chunk {chunk.number + 1}/{len(chunks)}: " if len(chunks) > 1 else ""
        if isinstance(answer, ClaimexError):
            warnings.append(f"{prefix}no claims: {answer}")
            continue
        assert answer is not None
        record.add(answer.record)
        record.cache_hit = record.cache_hit and answer.record.cache_hit
        warnings.extend(prefix + warning for warning in answer.warnings)
        claims.extend(answer.claims)
    if len(chunks) > 1:
        claims = merge_duplicates(claims, article.checker)
    return Result(
        source=source_of(document),
        provider=client.settings.provider,
        model=client.settings.model,
        claims=claims,
        stats=stats_of(
            claims, record, time.monotonic() - started, chunks=len(chunks), failed_chunks=len(failures)
        ),
        warnings=list(dict.fromkeys(warnings)),
    )


def _each_concurrently(
    work: Callable[[Chunk], _ChunkAnswer], chunks: list[Chunk], concurrency: int
) -> Iterator[tuple[int, _ChunkAnswer | ClaimexError]]:
    """(chunk number, answer or error) as each chunk finishes.

    With one worker the calls run in this thread, so Ctrl-C interrupts the call itself. With
    more, workers are daemon threads: an interrupted command exits at once instead of waiting
    for the calls in flight (their answers are simply dropped).
    """

    def attempt(chunk: Chunk) -> tuple[int, _ChunkAnswer | ClaimexError]:
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
    done: queue.SimpleQueue[tuple[int, _ChunkAnswer | ClaimexError] | BaseException] = queue.SimpleQueue()
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
    claims: list[Claim], checker: SupportChecker, *, similarity: float = 90.0
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
            if (spans & kept_spans) or fuzz.ratio(statement, kept_statement) >= similarity:
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
        seconds=round(seconds, 3),
    )


def reverify(document: Document, payload: Any, *, name: str) -> dict[str, Any]:
    """Fill in status, spans, score, `support` and `verified` on any claims JSON; every other field is kept.

    The minimum accepted is `{"claims": [{"statement": ..., "evidence": [{"quote": ...}]}]}`;
    a bare string is accepted as an evidence item too. `entities` (strings), `quantities`
    (objects with "text" and optionally "value", or strings) and `hedging` are read when present.
    """
    if not isinstance(payload, dict) or not isinstance(payload.get("claims"), list):
        raise InputError(f'{name}: expected a JSON object with a "claims" list')
    article = Article.of(document.text)
    index = article.index
    counts: Counter[str] = Counter()
    verified_claims = 0
    for position, claim in enumerate(payload["claims"]):
        where = f"{name}: claims[{position}]"
        if not isinstance(claim, dict):
            raise InputError(f"{where} is not an object")
        if not isinstance(claim.get("statement"), str):
            raise InputError(f'{where} has no "statement" string')
        evidence = claim.get("evidence")
        if not isinstance(evidence, list):
            raise InputError(f'{where} has no "evidence" list')
        located: list[Evidence] = []
        for number, item in enumerate(evidence):
            quote = item if isinstance(item, str) else item.get("quote") if isinstance(item, dict) else None
            if not isinstance(quote, str):
                raise InputError(f'{where}.evidence[{number}] has no "quote" string')
            found = index.locate(quote)
            located.append(found)
            counts[found.status] += 1
            fields = found.model_dump(mode="json")
            evidence[number] = {**item, **fields} if isinstance(item, dict) else fields
        support = article.checker.check(_parts_of(claim, located, where))
        claim["support"] = support.model_dump(mode="json")
        claim["verified"] = support.verdict == "supported"
        verified_claims += claim["verified"]
    previous_stats = payload.get("stats")
    payload["stats"] = {
        **(previous_stats if isinstance(previous_stats, dict) else {}),
        "claims": len(payload["claims"]),
        "verified": verified_claims,
        "by_status": {
            status: counts.get(status, 0) for status in ("exact", "normalized", "fuzzy", "missing")
        },
    }
    return payload


def _parts_of(claim: dict[str, Any], evidence: list[Evidence], where: str) -> ClaimParts:
    """The fields the support check reads, from a claims file written by anyone."""
    entities = claim.get("entities") or []
    if not isinstance(entities, list) or not all(isinstance(entity, str) for entity in entities):
        raise InputError(f'{where}: "entities" must be a list of strings')
    quantities: list[Quantity] = []
    for number, item in enumerate(claim.get("quantities") or []):
        if isinstance(item, str):
            item = {"text": item}
        value = item.get("value") if isinstance(item, dict) else None
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("text", ""), str)
            or not (value is None or (isinstance(value, int | float) and not isinstance(value, bool)))
        ):
            raise InputError(
                f'{where}.quantities[{number}] must be a string or {{"text": ..., "value": number}}'
            )
        # Constructed, not validated: a claims file may carry longer texts than the model may.
        quantities.append(Quantity.model_construct(text=item.get("text", ""), value=value))
    return ClaimParts(
        statement=claim["statement"],
        evidence=evidence,
        entities=entities,
        quantities=quantities,
        hedging=_hedging(claim.get("hedging")),
    )
