"""Strategy `single`: one call per chunk; the model writes the claims and quotes their evidence.

Right for capable models, which pick the checkable facts of a whole text at once and quote
them faithfully. Every quote is located, every claim's support checked; a quote not in the
article, or one that does not state its claim, makes instructor ask once more, naming it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Self, TypeVar

from pydantic import ConfigDict, Field, create_model, model_validator

from ..checks.support import reask_lines
from ..checks.verdict import Article, verify_claim
from ..errors import AnswerCutOff
from ..llm.client import CallRecord, ModelClient
from ..models import ClaimsResponse, ExtractedClaim
from ..text.chunking import Chunk
from .context import ChunkAnswer, checking_against, current_article
from .prompting import Prompts, extraction_messages, reask_message


class QuoteCheckedClaims(ClaimsResponse):
    """What the model returns for one article (or one chunk of it)."""

    # The same schema title, so the model sees the same tool name as for `ClaimsResponse`.
    model_config = ConfigDict(title="ClaimsResponse")

    @model_validator(mode="after")
    def every_claim_is_supported(self) -> Self:
        """Reject quotes not in the article and evidence that does not state its claim.

        instructor re-asks with this message, so a model that can fix it gets the chance.
        """
        article = current_article()
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


@cache
def bounded(max_claims: int) -> tuple[type[ClaimsResponse], type[ClaimsResponse]]:
    """The answer's schema with its list bounded at `max_claims` (the grammar of a local model
    keeps it finite), with and without the validator that re-asks."""
    claims = (list[ExtractedClaim], Field(max_length=max_claims))
    checked = create_model("QuoteCheckedClaims", __base__=QuoteCheckedClaims, claims=claims)
    plain = create_model("ClaimsResponse", __base__=ClaimsResponse, claims=claims)
    return checked, plain


Asked = TypeVar("Asked")


def ask_for_at_most(
    ask: Callable[[int], tuple[Asked, CallRecord]], wanted: int, what: str, warnings: list[str]
) -> tuple[Asked, CallRecord, int]:
    """`ask(wanted)`, and once more for half as many when the answer was cut off at max_tokens:
    (the answer, its cost, how many were asked for in the end). Claims and a task's records alike."""
    try:
        response, record = ask(wanted)
    except AnswerCutOff:
        # A small model can ramble until max_tokens; asking for fewer once is the cheap fix.
        if wanted <= 1:
            raise
        wanted = max(1, wanted // 2)
        warnings.append(
            f"the first answer was cut off at max_tokens; asked again for at most {wanted} {what}"
        )
        response, record = ask(wanted)
    return response, record, wanted


def ask_chunk(
    article: Article,
    chunk: Chunk,
    header: str | None,
    client: ModelClient,
    max_claims: int,
    prompts: Prompts,
) -> ChunkAnswer:
    """One model call for one chunk (the whole text when it fits), its claims checked; asked with
    the claims task's per-chunk templates (`prompts`)."""
    text = chunk.text_of(article.text)
    warnings: list[str] = []

    def ask(claims_wanted: int) -> tuple[ClaimsResponse, CallRecord]:
        checked, plain = bounded(claims_wanted)
        with checking_against(article):
            return client.create(
                extraction_messages(prompts, text, max_claims=claims_wanted, context_header=header),
                checked,
                fallback_model=plain,
            )

    response, record, max_claims = ask_for_at_most(ask, max_claims, "claims", warnings)
    # The validator's verdicts are the article's (`verify_claim` keeps them): a claim it checked
    # is not checked again, and the whole text as the chunk's region is no region at all.
    region = (chunk.start, chunk.end)
    claims = [verify_claim(claim, article, prefer=region) for claim in response.claims[:max_claims]]
    return ChunkAnswer(claims, record, warnings + record.warnings)
