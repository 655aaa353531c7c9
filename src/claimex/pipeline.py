"""One document end to end: prompt → model → verify → a `Result`.

Also the model-free path: re-verifying a claims file someone already has.
"""

from __future__ import annotations

import time
from collections import Counter
from contextvars import ContextVar
from typing import Any, Self

from pydantic import ConfigDict, model_validator

from .documents import Document
from .errors import InputError
from .llm import AnswerCutOff, CallRecord, ModelClient
from .models import (
    MAX_CLAIMS,
    Claim,
    ClaimsResponse,
    Evidence,
    ExtractedClaim,
    Result,
    Source,
    Stats,
)
from .prompting import extraction_messages, missing_quotes_message
from .verify import SourceIndex

# The article being checked, for the validator below. A context variable rather than instructor's
# `context`: instructor renders the messages as Jinja templates whenever a context is given, and
# an article may contain `{{` or `{%`. Each thread (batch worker) sees its own value.
_article_index: ContextVar[SourceIndex | None] = ContextVar("claimex_article_index", default=None)


class QuoteCheckedClaims(ClaimsResponse):
    """What the model returns for one article (or one chunk of it)."""

    # The same schema title, so the model sees the same tool name as for `ClaimsResponse`.
    model_config = ConfigDict(title="ClaimsResponse")

    @model_validator(mode="after")
    def every_quote_is_in_the_article(self) -> Self:
        """Reject quotes not found in the article; instructor re-asks, naming them."""
        index = _article_index.get()
        if index is None:
            return self
        unverified = [
            quote for claim in self.claims for quote in claim.evidence if not index.locate(quote).verified
        ]
        if unverified:
            raise ValueError(missing_quotes_message(unverified))
        return self


def verify_claim(claim: ExtractedClaim, index: SourceIndex) -> Claim:
    evidence = [index.locate(quote) for quote in claim.evidence]
    return Claim(
        **claim.model_dump(exclude={"evidence"}),
        evidence=evidence,
        verified=bool(evidence) and all(item.verified for item in evidence),
    )


def extract(
    document: Document,
    client: ModelClient,
    *,
    max_claims: int = MAX_CLAIMS,
    provider: str | None = None,
) -> Result:
    """Ask the model for the document's claims and locate every quote in the text."""
    started = time.monotonic()
    index = SourceIndex(document.text)
    warnings: list[str] = []

    def ask(claims_wanted: int) -> tuple[ClaimsResponse, CallRecord]:
        token = _article_index.set(index)
        try:
            return client.create(
                extraction_messages(document.text, max_claims=claims_wanted),
                QuoteCheckedClaims,
                fallback_model=ClaimsResponse,
            )
        finally:
            _article_index.reset(token)

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
    warnings.extend(record.warnings)
    claims = [verify_claim(claim, index) for claim in response.claims[:max_claims]]
    return Result(
        source=source_of(document),
        provider=provider or client.settings.provider,
        model=client.settings.model,
        claims=claims,
        stats=stats_of(claims, record, time.monotonic() - started),
        warnings=warnings,
    )


def source_of(document: Document) -> Source:
    return Source(
        path=document.path, sha256=document.sha256, length=len(document.text), encoding=document.encoding
    )


def stats_of(claims: list[Claim], record: CallRecord | None = None, seconds: float = 0.0) -> Stats:
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
        seconds=round(seconds, 3),
    )


def reverify(document: Document, payload: Any, *, name: str) -> dict[str, Any]:
    """Fill in status, spans, score and `verified` on any claims JSON; every other field is kept.

    The minimum accepted is `{"claims": [{"statement": ..., "evidence": [{"quote": ...}]}]}`;
    a bare string is accepted as an evidence item too.
    """
    if not isinstance(payload, dict) or not isinstance(payload.get("claims"), list):
        raise InputError(f'{name}: expected a JSON object with a "claims" list')
    index = SourceIndex(document.text)
    counts: Counter[str] = Counter()
    verified_claims = 0
    for position, claim in enumerate(payload["claims"]):
        where = f"{name}: claims[{position}]"
        if not isinstance(claim, dict):
            raise InputError(f"{where} is not an object")
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
        claim["verified"] = bool(located) and all(item.verified for item in located)
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
