"""One article end to end against recorded answers of the embedded model."""

from __future__ import annotations

import json
from pathlib import Path

import httpx2
import pytest

from claimex.checks.support import SupportChecker
from claimex.checks.verdict import claim_parts
from claimex.checks.verify import SourceIndex
from claimex.errors import ClaimexError, InputError
from claimex.llm.client import ModelClient, model_client
from claimex.llm.settings import resolve_settings
from claimex.models import VERIFIED_STATUSES, Result
from claimex.pipeline import extract, reverify
from claimex.text.chunking import plan_chunks
from claimex.text.documents import document_from_bytes, load_document
from claimex.text.sentences import sentence_spans
from conftest import RECORDING_BASE_URL, ROOT, SEED, http_requests
from oracles import assert_agrees_with_the_labels, skeleton
from stub_openai import completion

# The single strategy with the embedded model's claim cap for it, as these cassettes were recorded
# (left out, the embedded model's preset would ask sentence by sentence).
SINGLE = {"strategy": "single", "max_claims": 8}


def _local_settings():
    return resolve_settings(provider="local", base_url=RECORDING_BASE_URL, environ={})


def _assert_honest(result: Result, text: str) -> None:
    """Every evidence item has a status and spans that say where it is; verified means supported."""
    checker = SupportChecker(text)
    for claim in result.claims:
        assert claim.verified == (claim.support.verdict == "supported")
        if claim.verified:
            assert claim.evidence and all(e.status in VERIFIED_STATUSES for e in claim.evidence)
        # The verdict is the support check's, run again here on what the result holds.
        assert checker.check(claim_parts(claim.model_dump(), claim.evidence)) == claim.support
        for evidence in claim.evidence:
            again = SourceIndex(text).locate(evidence.quote)
            assert (evidence.status, evidence.spans) == (again.status, again.spans)
            if evidence.verified:
                # Independent of the verifier's folding: the passages' letters and digits are the quote's.
                passage = "".join(text[start:end] for start, end in evidence.spans)
                assert skeleton(passage) == skeleton(evidence.quote), (evidence.quote, passage)
            if evidence.status == "exact":
                ((start, end),) = evidence.spans
                assert text[start:end] == evidence.quote
            if evidence.status == "missing":
                assert evidence.spans == []
            for start, end in evidence.spans:
                assert 0 <= start < end <= len(text)
            if not evidence.quote.strip():
                assert evidence.status == "missing"


@pytest.mark.vcr
def test_seed_article_gives_claims_with_honest_statuses(tmp_path: Path, vcr) -> None:
    document = load_document(SEED)
    with model_client(_local_settings(), use_cache=True, cache_dir=tmp_path / "cache") as client:
        result = extract(document, client, **SINGLE)

    assert result.source.sha256 == document.sha256
    assert result.source.length == len(document.text) == 3263
    assert result.provider == "local"
    assert result.claims, "the recorded answer holds claims"
    _assert_honest(result, document.text)
    assert_agrees_with_the_labels(result.claims)
    assert result.stats.claims == len(result.claims)
    assert result.stats.verified == sum(c.verified for c in result.claims)
    assert sum(result.stats.by_status.values()) == sum(len(c.evidence) for c in result.claims)
    assert result.stats.requests == http_requests(vcr) >= 1
    assert result.stats.prompt_tokens > 1000 and result.stats.completion_tokens > 0
    Result.model_validate_json(result.model_dump_json())


@pytest.mark.vcr
def test_second_run_of_the_same_article_makes_no_request(tmp_path: Path, vcr) -> None:
    document = load_document(SEED)
    with model_client(_local_settings(), use_cache=True, cache_dir=tmp_path / "cache") as client:
        first = extract(document, client, **SINGLE)
    requests_after_first = http_requests(vcr)
    with model_client(_local_settings(), use_cache=True, cache_dir=tmp_path / "cache") as client:
        second = extract(document, client, **SINGLE)

    assert requests_after_first >= 1
    assert http_requests(vcr) == requests_after_first, "the second run went to the network"
    assert second.stats.cache_hit and second.stats.requests == 0
    assert not first.stats.cache_hit
    assert [c.model_dump() for c in second.claims] == [c.model_dump() for c in first.claims]


def test_seed_by_sentences_every_key_fact_is_read_without_the_model(tmp_path: Path) -> None:
    """The seed with the embedded model's preset: every sentence stands alone, is a fragment of
    the one before, or opens on a pronoun ("Selon eux") that the one before names: no model call.
    Each key fact verified, credited to who the article says says it, and among the first claims.

    The expectations are read off the article (benchmarks/devset/seed.facts.json), not computed.
    """
    document = load_document(SEED)
    with model_client(_local_settings(), use_cache=True, cache_dir=tmp_path / "cache") as client:
        result = extract(document, client, strategy="sentences", max_claims=30)

    assert result.strategy == "sentences" and result.claims
    assert (result.stats.requests, result.stats.restated) == (0, 0)
    _assert_honest(result, document.text)
    sentences = {tuple(span) for span in sentence_spans(document.text)}
    for claim in result.claims:
        for evidence in claim.evidence:
            assert evidence.status == "exact" and tuple(evidence.spans[0]) in sentences
        for start, end in claim.speaker_spans:
            assert " ".join(document.text[start:end].split()) == claim.speaker
    key_facts = {  # figure: what the speaker's name holds
        "30": "renseignement militaire ukrainien",
        "50.000": "Kiev",
        "10.000": "Lloyd Austin",
        "article 4": "sources diplomatiques russes",
        "Plekhovo": "GUR",
    }
    for figure, speaker in key_facts.items():
        holding = [c for c in result.claims if c.verified and figure in c.statement]
        assert holding, f"no verified claim states {figure}"
        assert any(speaker in c.speaker for c in holding), (figure, [c.speaker for c in holding])
    pointing_back = ("Selon eux", "Un pacte qui", "Du carburant")
    for claim in result.claims:
        assert not (claim.verified and claim.statement.startswith(pointing_back)), claim.statement
    top = " ".join(claim.statement for claim in result.claims[:10])
    assert all(figure in top for figure in key_facts), "a key fact is not among the first ten claims"


HARTWELL = ROOT / "benchmarks" / "devset" / "en_hartwell_glass.txt"


@pytest.mark.vcr
def test_sentences_of_several_facts_are_split_by_the_embedded_model(tmp_path: Path, vcr) -> None:
    """A short English article whose sentences give figures in clauses of their own: the model
    restates them; every key fact of its labels (en_hartwell_glass.facts.json) comes out verified,
    credited to the speaker the label names."""
    document = load_document(HARTWELL)
    with model_client(_local_settings(), use_cache=True, cache_dir=tmp_path / "cache") as client:
        result = extract(document, client, strategy="sentences", max_claims=30)

    assert result.stats.restated >= 1 and result.stats.requests == http_requests(vcr) >= 1
    _assert_honest(result, document.text)
    assert_agrees_with_the_labels(result.claims)
    labelled = {  # figure: the speaker the label names
        "420": "the company",
        "41": "Martin Pryce",
        "12.5": "Glass and Ceramics Workers' Union",
        "3.5": "the county council",
    }
    for figure, speaker in labelled.items():
        holding = [c for c in result.claims if c.verified and figure in c.statement]
        assert holding, f"no verified claim states {figure}"
        assert any(speaker in c.speaker for c in holding), (figure, [c.speaker for c in holding])


def test_reverify_keeps_other_fields_and_fills_statuses(seed_text: str) -> None:
    document = load_document(SEED)
    payload = {
        "note": "kept",
        "claims": [
            {
                "statement": "s",
                "id": 7,
                "evidence": [{"quote": "au moins 30 soldats nord-coréens", "who": "me"}],
            },
            {"statement": "s", "evidence": ["au moins 31 soldats nord-coréens"]},
            {"statement": "s", "evidence": []},
        ],
    }
    out = reverify(document, payload, name="claims.json")

    assert out["note"] == "kept" and out["claims"][0]["id"] == 7
    first = out["claims"][0]["evidence"][0]
    assert first["who"] == "me" and first["status"] == "exact"
    ((start, end),) = first["spans"]
    assert seed_text[start:end] == "au moins 30 soldats nord-coréens"
    assert out["claims"][0]["verified"] is True
    assert out["claims"][1]["evidence"][0]["status"] == "fuzzy"
    assert out["claims"][1]["verified"] is False
    assert out["claims"][2]["verified"] is False, "a claim without evidence is never verified"
    assert out["stats"]["verified"] == 1 and out["stats"]["claims"] == 3


@pytest.mark.vcr
def test_long_text_is_chunked_with_spans_into_the_whole_text(tmp_path: Path, vcr) -> None:
    """The seed split into 4 chunks on the real model; then one edited paragraph re-asks one chunk."""
    document = load_document(SEED)
    cache = tmp_path / "cache"
    with model_client(_local_settings(), use_cache=True, cache_dir=cache) as client:
        result = extract(document, client, chunk_chars=1200, **SINGLE)

    assert result.stats.chunks == 4
    _assert_honest(result, document.text)
    assert_agrees_with_the_labels(result.claims)
    for claim in result.claims:  # spans index the whole text, not a chunk
        for evidence in claim.evidence:
            if evidence.status == "exact":
                ((start, end),) = evidence.spans
                assert document.text[start:end] == evidence.quote
    verified_spans = [
        tuple(span)
        for claim in result.claims
        for item in claim.evidence
        if item.verified
        for span in item.spans
    ]
    assert len(verified_spans) == len(set(verified_spans)), "a claim seen in two chunks is merged"

    first_run = http_requests(vcr)
    edited_text = document.text.replace("Passionné et dévoué", "Passionnée et dévouée")
    edited = document_from_bytes(edited_text.encode("utf-8"), "edited.txt")
    with model_client(_local_settings(), use_cache=True, cache_dir=cache) as client:
        again = extract(edited, client, chunk_chars=1200, **SINGLE)
    assert again.stats.chunks == 4 and not again.stats.cache_hit
    assert 1 <= http_requests(vcr) - first_run <= 2, "only the chunk holding the edit is asked again"


def test_a_claim_in_the_overlap_of_two_chunks_is_reported_once(seed_text: str) -> None:
    """Each chunk that holds the sentence returns the same claim; the result has it once."""
    sentence = "Selon eux, au moins 30 soldats nord-coréens auraient été tués ou blessés ce week-end"
    chunks = plan_chunks(seed_text, 600)
    holding = [chunk for chunk in chunks if sentence in chunk.text_of(seed_text)]
    assert len(holding) == 2, "the test needs the sentence in an overlap"
    seen_chunks: list[str] = []

    def answer(request: httpx2.Request) -> httpx2.Response:
        article = json.loads(request.content)["messages"][1]["content"]
        seen_chunks.append(article)
        claims = []
        if sentence in article:
            claims.append(_claim("Au moins 30 soldats nord-coréens auraient été tués ou blessés.", sentence))
        return httpx2.Response(200, json=completion({"claims": claims}))

    settings = resolve_settings(base_url="http://model.test/v1", model="m", mode="tools", environ={})
    client = ModelClient(settings, http_client=httpx2.Client(transport=httpx2.MockTransport(answer)))
    result = extract(load_document(SEED), client, chunk_chars=600, concurrency=3)

    assert len(seen_chunks) == len(chunks) == result.stats.chunks
    assert len(result.claims) == 1
    ((start, end),) = result.claims[0].evidence[0].spans
    assert seed_text[start:end] == sentence and result.claims[0].verified
    assert all(
        "This is part of a longer article" in text
        for text in seen_chunks
        if "ActualitésInternational" not in text
    )


def _claim(statement: str, quote: str) -> dict:
    return {
        "statement": statement,
        "type": "quantity",
        "speaker": "GUR",
        "hedging": "reported",
        "entities": [],
        "quantities": [],
        "time": None,
        "evidence": [quote],
    }


def test_a_failed_chunk_costs_its_claims_not_the_document(seed_text: str) -> None:
    chunks = plan_chunks(seed_text, 1200)
    poisoned = chunks[1].text_of(seed_text)[:80]

    def answer(request: httpx2.Request) -> httpx2.Response:
        article = json.loads(request.content)["messages"][1]["content"]
        if poisoned in article and "ActualitésInternational\n\nSoldats" not in article.split("Article:")[-1]:
            return httpx2.Response(400, json={"error": {"message": "prompt too long"}})
        quote = "au moins 30 soldats nord-coréens" if "au moins 30" in article else "Kiev"
        return httpx2.Response(200, json=completion({"claims": [_claim(f"claim about {quote}", quote)]}))

    settings = resolve_settings(base_url="http://model.test/v1", model="m", mode="tools", environ={})
    client = ModelClient(settings, http_client=httpx2.Client(transport=httpx2.MockTransport(answer)))
    result = extract(load_document(SEED), client, chunk_chars=1200)

    assert (result.stats.chunks, result.stats.failed_chunks) == (4, 1)
    assert result.claims, "the other chunks' claims are kept"
    assert any(w.startswith("chunk 2/4: no claims: ") and "HTTP 400" in w for w in result.warnings)


def test_when_every_chunk_fails_the_document_fails() -> None:
    settings = resolve_settings(base_url="http://model.test/v1", model="m", mode="tools", environ={})
    refuse = httpx2.MockTransport(lambda request: httpx2.Response(400, json={"error": {"message": "no"}}))
    client = ModelClient(settings, http_client=httpx2.Client(transport=refuse))
    with pytest.raises(ClaimexError, match="HTTP 400"):
        extract(load_document(SEED), client, chunk_chars=1200)


SLOW_EXTRACTION = """
import sys, time, httpx2
sys.path.insert(0, {tests!r})
from claimex.text.documents import load_document
from claimex.llm.client import ModelClient
from claimex.llm.settings import resolve_settings
from claimex.pipeline import extract
from conftest import SEED

def answer(request):
    time.sleep(60)

settings = resolve_settings(base_url="http://model.test/v1", model="m", mode="tools", environ={{}})
client = ModelClient(settings, http_client=httpx2.Client(transport=httpx2.MockTransport(answer)))
print("asking", flush=True)
extract(load_document(SEED), client, chunk_chars=1200, concurrency={concurrency})
"""


@pytest.mark.parametrize("concurrency", [1, 3])
def test_ctrl_c_does_not_wait_for_calls_in_flight(concurrency: int) -> None:
    import signal
    import subprocess
    import sys
    import time

    script = SLOW_EXTRACTION.format(tests=str(SEED.parents[1] / "tests"), concurrency=concurrency)
    process = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stdout.readline().strip() == "asking"
    time.sleep(0.5)
    interrupted = time.monotonic()
    process.send_signal(signal.SIGINT)
    process.wait(timeout=30)
    assert time.monotonic() - interrupted < 5, "the interrupted extraction waited for the model"
    assert "KeyboardInterrupt" in process.stderr.read()


@pytest.mark.parametrize("quantities", [5, True, "307", {"text": "30"}])
def test_reverify_refuses_quantities_that_are_not_a_list(seed_text: str, quantities: object) -> None:
    document = load_document(SEED)
    claim = {"statement": "30 soldats.", "evidence": ["au moins 30 soldats"], "quantities": quantities}
    with pytest.raises(InputError, match=r'claims\[0\]: "quantities" must be a list'):
        reverify(document, {"claims": [claim]}, name="claims.json")
