"""Strategy `sentences`: one question per checkable sentence; the sentence is the evidence.

In the spirit of Claimify (Metropolitansky & Larson, ACL 2025): select the sentences with
something to check (`selection`, no model), then ask the model to state each one's claims as
standalone sentences. The model never quotes: the evidence of every claim is the sentence it
came from, located with exact offsets and checked like any quote, so a small model that cannot
copy text faithfully still gives claims whose evidence is in the article. What it can still
get wrong — a number or a name the sentence does not give — the support check catches, and the
model is asked once more, told what.

Every question about one chunk starts with the same instructions and the same text, and only
the sentence differs at the end: llama.cpp's server reuses the KV cache of that shared prefix,
so after the first question each costs the sentence and the answer, not the article.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Self

from pydantic import ConfigDict, model_validator

from ..checks.support import names_in, reask_lines
from ..checks.verdict import Article, judged
from ..errors import ClaimexError, ModelError, ServerError
from ..llm.client import CallRecord, ModelClient
from ..models import MAX_SENTENCE_CLAIMS, Claim, Evidence, SentenceClaims
from ..text.chunking import Chunk
from ..text.selection import Sentence
from .context import ChunkAnswer, checking_against, current_article
from .prompting import reask_message, sentence_messages

SENTENCE_MAX_TOKENS = 700
"""Three claims of one sentence fit in 500 tokens; past 700 a small model is repeating itself."""


class SentenceCheckedClaims(SentenceClaims):
    """The claims of one sentence, each checked against that sentence before it is accepted."""

    model_config = ConfigDict(title="SentenceClaims")

    @model_validator(mode="after")
    def every_claim_is_in_its_sentence(self) -> Self:
        article = current_article()
        if article is None or article.sentence is None:
            return self
        evidence = sentence_evidence(article, *article.sentence)
        problems: list[str] = []
        for number, stated in enumerate(self.claims, start=1):
            claim = judged(with_names(stated.model_dump(), article), [evidence], article.checker)
            problems += reask_lines(number, claim.support, source="the sentence")
        if problems:
            raise ValueError(reask_message([], problems, fix_only=True))
        return self


def with_names(fields: dict[str, Any], article: Article) -> dict[str, Any]:
    """The claim's entities: the names of its statement that the article writes."""
    names = names_in(fields["statement"], article.checker.lower_case_words)
    return {**fields, "entities": [name for name in names if article.checker.in_article(name)]}


def sentence_evidence(article: Article, start: int, end: int) -> Evidence:
    """The sentence as evidence: located like any quote, at its own place when it occurs twice."""
    return article.index.locate(article.text[start:end], prefer=(start, end))


def ask_chunk(
    article: Article,
    chunk: Chunk,
    header: str | None,
    client: ModelClient,
    max_claims: int,
    sentences: list[Sentence],
) -> ChunkAnswer:
    """Ask about each selected sentence of the chunk in order, until `max_claims` claims."""
    text = chunk.text_of(article.text)
    record = CallRecord(cache_hit=True)
    claims: list[Claim] = []
    warnings: list[str] = []
    failures: list[ClaimexError] = []
    asked = [sentence for sentence in sentences if sentence.skip is None]
    for position, sentence in enumerate(asked):
        if len(claims) >= max_claims:
            warnings.append(
                f"stopped at {max_claims} claims: {len(asked) - position} sentences were not asked about "
                "(raise --max-claims)"
            )
            break
        quoted = sentence.text_of(article.text)
        try:
            with checking_against(replace(article, sentence=(sentence.start, sentence.end))):
                response, answer = client.create(
                    sentence_messages(text, quoted, max_claims=MAX_SENTENCE_CLAIMS, context_header=header),
                    SentenceCheckedClaims,
                    fallback_model=SentenceClaims,
                    max_tokens=SENTENCE_MAX_TOKENS,
                )
        except ServerError:
            raise  # no use asking a failing server about the next sentence
        except ModelError as error:
            # An unusable answer costs this sentence only.
            failures.append(error)
            warnings.append(f"sentence {sentence.start}–{sentence.end} gave no claims: {error}")
            continue
        record.add(answer)
        record.cache_hit = record.cache_hit and answer.cache_hit
        warnings.extend(answer.warnings)
        evidence = sentence_evidence(article, sentence.start, sentence.end)
        claims += [
            judged(with_names(stated.model_dump(), article), [evidence], article.checker)
            for stated in response.claims
        ]
    if failures and len(failures) == len(asked):
        raise failures[0]
    return ChunkAnswer(claims[:max_claims], record, warnings, failed=len(failures))
