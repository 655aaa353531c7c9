"""The sentence strategy's mechanics, against a scripted model (httpx MockTransport).

What the real model says on the seed is replayed from cassettes in test_pipeline.py; here the
model's answers are chosen so that each rule of the strategy can be seen to hold or to fail.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx2
import pytest

from claimex.errors import ClaimexError
from claimex.llm.client import ModelClient
from claimex.llm.settings import resolve_settings
from claimex.pipeline import extract
from claimex.text.documents import load_document
from claimex.text.selection import select_sentences
from conftest import SEED
from stub_openai import completion

THIRTY = "Selon eux, au moins 30 soldats nord-coréens auraient été tués ou blessés ce week-end"


def _claim(statement: str, *, quantity: str | None = None) -> dict[str, Any]:
    return {
        "statement": statement,
        "type": "quantity" if quantity else "event",
        "speaker": "GUR",
        "hedging": "reported",
        "quantities": [{"text": quantity, "value": None, "unit": None, "approximate": False}]
        if quantity
        else [],
        "time": None,
    }


class ScriptedModel:
    """Answers each sentence question with `reply(sentence, request_number)`; records what it was asked."""

    def __init__(self, reply: Callable[[str, list[dict[str, str]]], Any]) -> None:
        self.reply = reply
        self.requests: list[list[dict[str, str]]] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        messages = json.loads(request.content)["messages"]
        self.requests.append(messages)
        sentence = messages[1]["content"].rsplit("Sentence: ", 1)[1].split("\n", 1)[0]
        answer = self.reply(sentence, messages)
        if isinstance(answer, httpx2.Response):
            return answer
        return httpx2.Response(200, json=completion({"claims": answer}))

    def client(self) -> ModelClient:
        settings = resolve_settings(base_url="http://model.test/v1", model="m", mode="tools", environ={})
        settings = type(settings)(**{**settings.__dict__, "max_attempts": 1})
        return ModelClient(settings, http_client=httpx2.Client(transport=httpx2.MockTransport(self)))


def _run(model: ScriptedModel, **options: Any):
    return extract(load_document(SEED), model.client(), strategy="sentences", max_claims=60, **options)


def test_each_selected_sentence_is_asked_once_after_the_same_prefix(seed_text: str) -> None:
    model = ScriptedModel(lambda sentence, _: [_claim(sentence)])
    result = _run(model)

    selected = [s.text_of(seed_text) for s in select_sentences(seed_text) if s.skip is None]
    asked = [m[1]["content"].rsplit("Sentence: ", 1)[1].split("\n", 1)[0] for m in model.requests]
    assert asked == selected
    # The instructions and the article come first and never change: llama.cpp reuses their KV cache.
    assert len({m[0]["content"] for m in model.requests}) == 1
    prefixes = {m[1]["content"].rsplit("Sentence: ", 1)[0] for m in model.requests}
    assert prefixes == {f"Article:\n{seed_text.strip()}\n\n"}
    assert result.strategy == "sentences" and result.stats.requests == len(selected)


def test_each_claim_has_its_sentence_as_evidence_at_its_offsets(seed_text: str) -> None:
    model = ScriptedModel(lambda sentence, _: [_claim(sentence)])
    result = _run(model)

    for claim in result.claims:
        (evidence,) = claim.evidence
        ((start, end),) = evidence.spans
        assert evidence.status == "exact" and seed_text[start:end] == evidence.quote == claim.statement
        assert claim.verified
    austin = next(c for c in result.claims if "Lloyd Austin" in c.statement)
    assert "Lloyd Austin" in austin.entities and "Koursk" in austin.entities


def test_a_number_the_sentence_lacks_is_named_in_a_re_ask_and_a_fix_verifies() -> None:
    def reply(sentence: str, messages: list[dict[str, str]]) -> Any:
        if not sentence.startswith(THIRTY):
            return []
        told = messages[-1]["content"] if len(messages) > 2 else ""
        if "Claim 1 says 31, which the sentence does not say" in told:
            return [_claim("Au moins 30 soldats nord-coréens auraient été tués ou blessés.", quantity="30")]
        return [_claim("Au moins 31 soldats nord-coréens auraient été tués ou blessés.", quantity="31")]

    model = ScriptedModel(reply)
    result = _run(model)

    ((claim),) = result.claims
    assert claim.verified and claim.quantities[0].text == "30"
    assert sum(len(m) > 2 for m in model.requests) == 1, "one re-ask, for the one sentence"


def test_a_number_never_fixed_stays_unverified_with_its_reason() -> None:
    def reply(sentence: str, _: Any) -> Any:
        return (
            [_claim("Au moins 31 soldats auraient été tués ce week-end.")]
            if sentence.startswith(THIRTY)
            else []
        )

    result = _run(ScriptedModel(reply))
    ((claim),) = result.claims
    assert not claim.verified
    assert [p.message for p in claim.support.problems if p.blocking] == [
        "31 is in none of its quotes (they give 30)"
    ]
    assert any("failed the checks after asking the model again" in w for w in result.warnings)


def test_an_unusable_answer_costs_its_sentence_only() -> None:
    def reply(sentence: str, _: Any) -> Any:
        if sentence.startswith(THIRTY):
            return httpx2.Response(200, json=completion({"nonsense": True}))
        return [_claim(sentence)] if "Lloyd Austin" in sentence else []

    result = _run(ScriptedModel(reply))
    assert [c.verified for c in result.claims] == [True]
    assert any("gave no claims" in warning for warning in result.warnings)


def test_a_failing_server_stops_at_the_first_sentence() -> None:
    model = ScriptedModel(lambda *_: httpx2.Response(500, json={"error": {"message": "boom"}}))
    with pytest.raises(ClaimexError, match="answered HTTP 500"):
        _run(model)
    assert len(model.requests) == 1


def test_claims_stop_at_max_claims_and_say_so() -> None:
    model = ScriptedModel(lambda sentence, _: [_claim(sentence)])
    result = extract(load_document(SEED), model.client(), strategy="sentences", max_claims=3)
    assert len(result.claims) == 3 and len(model.requests) == 3
    assert any("stopped at 3 claims" in warning for warning in result.warnings)


def test_a_sentence_in_the_overlap_of_two_chunks_is_asked_once(seed_text: str) -> None:
    model = ScriptedModel(lambda sentence, _: [_claim(sentence)])
    result = _run(model, chunk_chars=1200)
    asked = [m[1]["content"].rsplit("Sentence: ", 1)[1] for m in model.requests]
    assert result.stats.chunks > 1
    assert len(asked) == len(set(asked)) == len([s for s in select_sentences(seed_text) if s.skip is None])
