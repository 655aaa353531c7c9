"""The sentence strategy's mechanics, against a scripted model (httpx MockTransport).

What the real model says on the seed is replayed from cassettes in test_pipeline.py; here the
model's answers are chosen so that each rule of the strategy can be seen to hold or to fail.
The expectations about the articles (which sentence needs a model, who says what) are read off
the sentences by a person, not computed with the code under test.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import httpx2

from claimex.llm.client import ModelClient
from claimex.llm.settings import resolve_settings
from claimex.pipeline import extract
from claimex.text.documents import document_from_text, load_document
from conftest import SEED
from stub_openai import completion

# A short article written for these tests: one sentence opens on a reference, one states two
# facts credited to two sources.
FLOODS = (
    "Crues dans l'Arvel : la préfecture fait le point\n\n"
    "La préfecture de l'Arvel a publié jeudi un premier bilan des crues. "
    "Cette évaluation recense 640 interventions des pompiers en 48 heures. "
    "Près de 12 000 foyers étaient privés de courant mercredi, selon le gestionnaire du réseau, "
    "tandis que 85 personnes ont été mises à l'abri, d'après les pompiers.\n"
)
REFERENCE = "Cette évaluation recense 640 interventions des pompiers en 48 heures."
TWO_FACTS = FLOODS.split("heures. ", 1)[1].strip()
RESTATED = "Le bilan de la préfecture de l'Arvel recense 640 interventions des pompiers en 48 heures."
POWER = "Près de 12 000 foyers étaient privés de courant mercredi, selon le gestionnaire du réseau."
SHELTER = "85 personnes ont été mises à l'abri, d'après les pompiers."

GUR = "les services de renseignement militaire ukrainien (GUR)"
THIRTY = "Selon eux, au moins 30 soldats nord-coréens auraient été tués ou blessés ce week-end"


def _sentence_of(question: str) -> str:
    return question.split("Sentence: ", 1)[1].split("\n", 1)[0]


class ScriptedModel:
    """Answers each restatement with `reply(sentence, messages)`; records what it was asked."""

    def __init__(
        self, reply: Callable[[str, list[dict[str, str]]], Any], provider: str = "compatible"
    ) -> None:
        self.reply = reply
        self.provider = provider
        self.requests: list[list[dict[str, str]]] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        messages = json.loads(request.content)["messages"]
        self.requests.append(messages)
        answer = self.reply(_sentence_of(messages[1]["content"]), messages)
        if isinstance(answer, httpx2.Response):
            return answer
        return httpx2.Response(200, json=completion({"claims": answer}))

    def client(self) -> ModelClient:
        settings = resolve_settings(
            provider=self.provider, base_url="http://model.test/v1", model="m", mode="tools", environ={}
        )
        settings = replace(settings, max_attempts=1)
        return ModelClient(settings, http_client=httpx2.Client(transport=httpx2.MockTransport(self)))

    def asked(self) -> list[str]:
        return [_sentence_of(m[1]["content"]) for m in self.requests]


def _run(model: ScriptedModel, text: str | None = None, **options: Any):
    options = {"max_claims": 60, "min_checkworthiness": 0.0, **options}
    document = load_document(SEED) if text is None else document_from_text(text)
    return extract(document, model.client(), strategy="sentences", **options)


def _answers(by_sentence: dict[str, list[dict[str, str]]]) -> Callable[[str, Any], Any]:
    return lambda sentence, _: by_sentence.get(sentence, [])


GOOD = {
    REFERENCE: [{"statement": RESTATED, "speaker": "A"}],
    TWO_FACTS: [{"statement": POWER, "speaker": "B"}, {"statement": SHELTER, "speaker": "C"}],
}


def _claim_of(result: Any, start: str) -> Any:
    (claim,) = [claim for claim in result.claims if claim.statement.startswith(start)]
    return claim


# --- the readers' claims: no model -------------------------------------------------------------


def test_on_the_seed_no_sentence_needs_the_model(seed_text: str) -> None:
    """Every sentence of the seed stands alone, is a fragment joined to the one before, or opens
    on a pronoun ("Selon eux") that the sentence before names."""
    model = ScriptedModel(_answers({}))
    result = _run(model)

    assert model.requests == []
    assert (result.stats.requests, result.stats.restated, result.stats.sentences) == (0, 0, 16)
    assert result.complete and all(claim.verified for claim in result.claims)


def test_a_pronoun_the_sentence_before_names_is_replaced_by_that_name(seed_text: str) -> None:
    result = _run(ScriptedModel(_answers({})))

    claim = _claim_of(result, "Selon les services de renseignement militaire ukrainien (GUR), au moins 30")
    assert claim.verified and claim.restated and claim.speaker == GUR
    ((start, end),) = claim.speaker_spans
    assert seed_text[start:end] == GUR
    ((a, b),) = claim.evidence[0].spans
    assert seed_text[a:b].startswith(THIRTY), "the evidence is the sentence as written"
    assert claim.hedging == "reported" and claim.hedging_cue == "Selon"
    assert [q.value for q in claim.quantities] == [30.0] and claim.quantities[0].approximate


def test_a_sentence_that_stands_alone_is_its_own_claim(seed_text: str) -> None:
    result = _run(ScriptedModel(_answers({})))

    kiev = _claim_of(result, "Kiev a d’ailleurs averti")
    assert kiev.verified and not kiev.restated
    assert kiev.speaker == "Kiev" and seed_text[slice(*kiev.speaker_spans[0])] == "Kiev"
    assert kiev.hedging == "reported"
    assert [q.value for q in kiev.quantities] == [50000.0]
    austin = _claim_of(result, "Fin novembre")
    assert austin.speaker == "le secrétaire américain à la Défense Lloyd Austin"
    assert austin.time == "Fin novembre"


def test_a_fragment_is_its_claim_with_the_sentence_it_continues(seed_text: str) -> None:
    result = _run(ScriptedModel(_answers({})))

    (pact,) = [c for c in result.claims if "Un pacte qui prévoit" in c.statement]
    assert pact.statement.startswith("Pourtant, selon des sources diplomatiques russes, les deux pays")
    assert pact.statement.endswith("en cas d’agression armée par des pays tiers.")
    assert pact.verified and pact.speaker == "des sources diplomatiques russes"
    assert len(pact.evidence) == 2 and all(item.status == "exact" for item in pact.evidence)
    assert not any(
        c.statement.startswith(("Un pacte qui", "Du carburant", "Des allégations")) for c in result.claims
    )


# --- what the model is asked, and how its answer is checked -----------------------------------------


def test_a_reference_and_a_sentence_of_two_facts_are_asked_with_the_sentences_before() -> None:
    model = ScriptedModel(_answers(GOOD))
    result = _run(model, FLOODS)

    assert model.asked() == [REFERENCE, TWO_FACTS]
    first, second = (messages[1]["content"] for messages in model.requests)
    assert first.startswith("Title: Crues dans l'Arvel : la préfecture fait le point\n")
    assert "\nBefore: La préfecture de l'Arvel a publié jeudi un premier bilan des crues.\n" in first
    assert "Task: it begins with “Cette évaluation”" in first
    assert "B: le gestionnaire du réseau\nC: les pompiers" in second
    assert model.requests[0][0] == model.requests[1][0], "the same instructions: one prefix, cached"
    restated = _claim_of(result, "Le bilan de la préfecture")
    assert restated.verified and restated.restated and restated.speaker == "the outlet"
    power, shelter = _claim_of(result, "Près de 12 000"), _claim_of(result, "85 personnes")
    assert (power.speaker, shelter.speaker) == ("le gestionnaire du réseau", "les pompiers")
    assert power.verified and shelter.verified


def test_the_embedded_models_preset_joins_a_reference_rather_than_ask() -> None:
    model = ScriptedModel(_answers(GOOD), provider="local")
    result = _run(model, FLOODS)

    assert model.asked() == [TWO_FACTS], "the 1.5B model copies such sentences: not asked"
    joined = next(c for c in result.claims if REFERENCE in c.statement)
    assert joined.statement.startswith("La préfecture de l'Arvel a publié jeudi") and joined.verified


def test_a_restatement_that_still_does_not_stand_alone_is_asked_again_then_joined() -> None:
    model = ScriptedModel(_answers({REFERENCE: [{"statement": REFERENCE, "speaker": "A"}]}))
    result = _run(model, FLOODS)

    assert model.asked()[:2] == [REFERENCE, REFERENCE]
    assert "begins with “Cette évaluation”" in model.requests[1][-1]["content"]
    claim = next(c for c in result.claims if REFERENCE in c.statement)
    assert claim.statement.startswith("La préfecture de l'Arvel a publié jeudi")
    assert claim.verified and not claim.restated and len(claim.evidence) == 2
    assert any("did not hold" in warning for warning in result.warnings)


def test_a_number_the_sentence_lacks_is_named_in_a_re_ask_and_a_fix_verifies() -> None:
    def reply(sentence: str, messages: list[dict[str, str]]) -> Any:
        if sentence != REFERENCE:
            return GOOD.get(sentence, [])
        if len(messages) > 2:  # the re-ask
            return GOOD[REFERENCE]
        return [{"statement": RESTATED.replace("640", "641"), "speaker": "A"}]

    model = ScriptedModel(reply)
    result = _run(model, FLOODS)

    assert model.asked()[:2] == [REFERENCE, REFERENCE]
    assert (
        "says 641, which the sentence and the sentences before it does not say"
        in model.requests[1][-1]["content"]
    )
    assert _claim_of(result, "Le bilan de la préfecture").verified


def test_words_the_sentences_do_not_carry_are_named_in_the_re_ask() -> None:
    invented = RESTATED.replace("en 48 heures", "lors d'une grande offensive nocturne")
    model = ScriptedModel(_answers({REFERENCE: [{"statement": invented, "speaker": "A"}]}))
    result = _run(model, FLOODS)

    reask = model.requests[1][-1]["content"]
    named = reask.split("says “", 1)[1].split("”, which", 1)[0]
    assert {"grande", "offensive", "nocturne"} <= set(named.split())
    assert not any("offensive" in claim.statement for claim in result.claims)


def test_a_speaker_letter_not_offered_is_asked_again() -> None:
    def reply(sentence: str, messages: list[dict[str, str]]) -> Any:
        if sentence == TWO_FACTS and len(messages) == 2:
            return [{"statement": POWER, "speaker": "E"}]
        return GOOD.get(sentence, [])

    model = ScriptedModel(reply)
    result = _run(model, FLOODS)

    reasks = [m[-1]["content"] for m in model.requests if len(m) > 2]
    assert any("the speaker must be one of A, B, C" in reask for reask in reasks)
    assert _claim_of(result, "Près de 12 000").speaker == "le gestionnaire du réseau"


def test_when_the_cues_name_one_speaker_the_models_letter_does_not_change_it() -> None:
    # The embedded model, asked to split "X said A, and that B", answered with the article's
    # voice (letter A) for a sentence whose one possible speaker is the chief executive.
    text = (
        "Verrerie de Corran : 420 emplois supprimés\n\n"
        "Le directeur général Martin Pryce a indiqué que la facture d'énergie était passée de "
        "18 millions en 2021 à 41 millions l'an dernier, et que l'un des trois fours serait fermé.\n"
    )
    sentence = text.split("\n\n", 1)[1].strip()
    model = ScriptedModel(lambda asked, _: [{"statement": sentence, "speaker": "A"}])
    result = _run(model, text)

    assert model.asked() == [sentence]
    assert "B: Le directeur général Martin Pryce" in model.requests[0][1]["content"]
    claim = _claim_of(result, "Le directeur général")
    assert claim.verified and claim.speaker == "Le directeur général Martin Pryce"


def test_an_unusable_answer_keeps_the_readers_claim_and_says_so() -> None:
    model = ScriptedModel(lambda sentence, _: httpx2.Response(200, json=completion({"claims": "nope"})))
    result = _run(model, FLOODS)

    assert any("no claims from the model" in warning for warning in result.warnings)
    assert result.stats.failed_sentences == 2 and not result.complete
    assert any(c.statement == TWO_FACTS for c in result.claims), "the sentence as written"


def test_a_failing_server_is_asked_once_and_the_rest_is_read_without_it() -> None:
    model = ScriptedModel(lambda sentence, _: httpx2.Response(503, json={"error": {"message": "down"}}))
    result = _run(model, FLOODS)

    assert len(model.requests) == 1
    assert not result.complete and result.stats.failed_sentences == 2
    assert all(c.verified for c in result.claims if c.statement.startswith("La préfecture de l'Arvel"))


# --- the order of the claims, and progress ------------------------------------------------------------


def test_claims_come_most_check_worthy_first_and_the_floor_leaves_some_out() -> None:
    everything = _run(ScriptedModel(_answers({})))
    scores = [claim.checkworthiness.score for claim in everything.claims]
    assert scores == sorted(scores, reverse=True)
    # The seed's key figures (30, 50.000, 10.000) come before anything without a figure or source.
    top = " ".join(claim.statement for claim in everything.claims[:4])
    assert all(figure in top for figure in ("30", "50.000", "10.000"))

    floored = _run(ScriptedModel(_answers({})), min_checkworthiness=0.5)
    assert all(claim.checkworthiness.score >= 0.5 for claim in floored.claims)
    assert floored.stats.left_out == len(everything.claims) - len(floored.claims) > 0
    capped = _run(ScriptedModel(_answers({})), max_claims=3)
    assert [c.statement for c in capped.claims] == [c.statement for c in everything.claims[:3]]


def test_progress_counts_sentences() -> None:
    seen: list[tuple[int, int]] = []
    _run(ScriptedModel(_answers({})), on_chunk=lambda done, total: seen.append((done, total)))
    assert seen == [(done, 16) for done in range(1, 17)]
