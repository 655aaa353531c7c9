"""The single strategy's self-correction, against a scripted model (httpx MockTransport).

The cassettes replay what the embedded model said on the seed, which may or may not need a
re-ask (a new recording can switch it silently); here each answer is chosen so that every path
of `strategies/single.py` and the client's re-ask runs: a quote not in the article, then fixed;
a quote never fixed; a number the quote does not say; an answer cut off at max_tokens.
The expectations (which quote is in the article, which number it says) are read off the
article by a person, not computed with the code under test.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import httpx2
import pytest

from claimex.errors import AnswerCutOff
from claimex.llm.client import ModelClient
from claimex.llm.settings import resolve_settings
from claimex.pipeline import extract
from claimex.text.documents import document_from_text
from stub_openai import completion

FLOODS = (
    "Crues dans l'Arvel : la préfecture fait le point\n\n"
    "La préfecture de l'Arvel a publié jeudi un premier bilan des crues. "
    "Cette évaluation recense 640 interventions des pompiers en 48 heures. "
    "Près de 12 000 foyers étaient privés de courant mercredi, selon le gestionnaire du réseau, "
    "tandis que 85 personnes ont été mises à l'abri, d'après les pompiers.\n"
)
POWER = "Près de 12 000 foyers étaient privés de courant mercredi, selon le gestionnaire du réseau."
POWER_QUOTE = "Près de 12 000 foyers étaient privés de courant mercredi"  # in the article, word for word
PARAPHRASE = "Près de 12 000 foyers ont été privés d'électricité mercredi"  # not in the article
SHELTER = "85 personnes ont été mises à l'abri, d'après les pompiers."
SHELTER_QUOTE = "85 personnes ont été mises à l'abri"


def claim(statement: str, *quotes: str, speaker: str = "le gestionnaire du réseau") -> dict[str, Any]:
    return {
        "statement": statement,
        "type": "quantity",
        "speaker": speaker,
        "hedging": "reported",
        "entities": [],
        "quantities": [],
        "time": None,
        "evidence": list(quotes),
    }


class ScriptedModel:
    """Answers the n-th request with `answers[n]` (the last one again past the end): a list of
    claims, or an httpx Response; records every request body."""

    def __init__(self, *answers: Any) -> None:
        self.answers = answers
        self.requests: list[dict[str, Any]] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(json.loads(request.content))
        answer = self.answers[min(len(self.requests), len(self.answers)) - 1]
        if isinstance(answer, httpx2.Response):
            return answer
        return httpx2.Response(200, json=completion({"claims": answer}))

    def client(self) -> ModelClient:
        settings = resolve_settings(
            provider="compatible", base_url="http://model.test/v1", model="m", mode="tools", environ={}
        )
        settings = replace(settings, max_attempts=1)
        return ModelClient(settings, http_client=httpx2.Client(transport=httpx2.MockTransport(self)))

    def told(self, n: int) -> str:
        """What the n-th request (from 0) says last: the re-ask's message, when it is one."""
        return str(self.requests[n]["messages"][-1]["content"])


def cut_off(claims: list[dict[str, Any]]) -> httpx2.Response:
    return httpx2.Response(200, json=completion({"claims": claims}, finish_reason="length"))


def run(model: ScriptedModel, max_claims: int = 8):
    return extract(
        document_from_text(FLOODS),
        model.client(),
        strategy="single",
        max_claims=max_claims,
        min_checkworthiness=0.0,
    )


def test_a_good_first_answer_is_asked_once() -> None:
    model = ScriptedModel([claim(POWER, POWER_QUOTE)])
    result = run(model)

    assert len(model.requests) == 1 == result.stats.requests
    ((only),) = result.claims
    assert only.verified and [e.status for e in only.evidence] == ["exact"]
    assert FLOODS[slice(*only.evidence[0].spans[0])] == POWER_QUOTE


def test_a_quote_not_in_the_article_is_named_in_one_re_ask_and_the_fix_verifies() -> None:
    model = ScriptedModel([claim(POWER, PARAPHRASE)], [claim(POWER, POWER_QUOTE)])
    result = run(model)

    assert len(model.requests) == 2 == result.stats.requests
    reask = model.told(1)
    assert "not in the article word for word" in reask
    assert f'"{PARAPHRASE}"' in reask, "the re-ask names the quote"
    assert POWER_QUOTE not in reask.replace(PARAPHRASE, ""), "and only that one"
    # The second request is the first one with the answer and the complaint after it.
    assert model.requests[1]["messages"][:2] == model.requests[0]["messages"]
    ((fixed),) = result.claims
    assert fixed.verified and fixed.evidence[0].quote == POWER_QUOTE
    assert fixed.evidence[0].status == "exact"
    assert result.warnings == []


def test_only_the_quotes_not_in_the_article_are_named() -> None:
    first = [claim(SHELTER, SHELTER_QUOTE, speaker="les pompiers"), claim(POWER, PARAPHRASE)]
    model = ScriptedModel(first, [first[0], claim(POWER, POWER_QUOTE)])
    result = run(model)

    reask = model.told(1)
    assert PARAPHRASE in reask and SHELTER_QUOTE not in reask
    assert len(result.claims) == 2 and all(c.verified for c in result.claims)


def test_a_quote_never_fixed_is_kept_marked_unverified_and_said() -> None:
    model = ScriptedModel([claim(POWER, PARAPHRASE)])  # the same wrong quote every time
    result = run(model)

    assert len(model.requests) == 2, "asked once more (settings.reasks = 1), then kept"
    ((kept),) = result.claims
    assert kept.statement == POWER and kept.evidence[0].quote == PARAPHRASE
    assert not kept.verified
    assert kept.evidence[0].status not in ("exact", "normalized")
    assert result.stats.verified == 0
    assert any("still failed the checks" in warning for warning in result.warnings)


def test_a_number_the_quote_does_not_say_is_named_in_a_re_ask() -> None:
    wrong = POWER.replace("12 000", "15 000")  # the quote is in the article; the claim's number is not
    model = ScriptedModel([claim(wrong, POWER_QUOTE)], [claim(POWER, POWER_QUOTE)])
    result = run(model)

    assert len(model.requests) == 2
    reask = model.told(1)
    assert "not in the article word for word" not in reask, "the quote itself was right"
    assert "Claim 1 says 15 000" in reask and "quote the passage of the article that says" in reask
    ((fixed),) = result.claims
    assert fixed.verified and fixed.statement == POWER


def test_a_number_never_fixed_is_kept_and_not_verified() -> None:
    wrong = POWER.replace("12 000", "15 000")
    model = ScriptedModel([claim(wrong, POWER_QUOTE)])
    result = run(model)

    assert len(model.requests) == 2
    ((kept),) = result.claims
    assert kept.evidence[0].status == "exact", "the quote is in the article"
    assert not kept.verified and kept.support.verdict != "supported"
    assert any(p.rule == "numbers" and "15 000" in (p.subject or "") for p in kept.support.problems)


def _asked_for(request: dict[str, Any]) -> tuple[int, int]:
    """How many claims the request asks for: in the instructions, and the schema's list bound."""
    system = request["messages"][0]["content"]
    in_words = int(system.split("Return at most ", 1)[1].split(" ", 1)[0])
    (tool,) = request["tools"]
    return in_words, tool["function"]["parameters"]["properties"]["claims"]["maxItems"]


def test_an_answer_cut_off_at_max_tokens_is_asked_again_for_half_as_many_claims() -> None:
    model = ScriptedModel(cut_off([claim(POWER, POWER_QUOTE)] * 8), [claim(POWER, POWER_QUOTE)])
    result = run(model, max_claims=8)

    assert len(model.requests) == 2
    assert _asked_for(model.requests[0]) == (8, 8)
    assert _asked_for(model.requests[1]) == (4, 4)
    assert len(model.requests[1]["messages"]) == 2, "a fresh question, not a re-ask of the cut answer"
    assert [c.statement for c in result.claims] == [POWER] and result.claims[0].verified
    assert any("cut off at max_tokens; asked again for at most 4 claims" in w for w in result.warnings)


def test_an_answer_cut_off_twice_fails_the_document() -> None:
    model = ScriptedModel(cut_off([claim(POWER, POWER_QUOTE)]))
    with pytest.raises(AnswerCutOff, match="cut off at max_tokens"):
        run(model, max_claims=8)
    assert len(model.requests) == 2
    assert _asked_for(model.requests[1]) == (4, 4)


def test_with_one_claim_asked_for_a_cut_answer_is_not_asked_again() -> None:
    model = ScriptedModel(cut_off([claim(POWER, POWER_QUOTE)]))
    with pytest.raises(AnswerCutOff):
        run(model, max_claims=1)
    assert len(model.requests) == 1
