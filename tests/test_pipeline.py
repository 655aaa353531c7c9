"""One article end to end against recorded answers of the embedded model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from claimex.documents import load_document
from claimex.llm import model_client, resolve_settings
from claimex.models import VERIFIED_STATUSES, ClaimsResponse, Result
from claimex.pipeline import extract, reverify
from claimex.verify import SourceIndex
from conftest import RECORDING_BASE_URL, SEED, http_requests


def _local_settings():
    return resolve_settings(provider="local", base_url=RECORDING_BASE_URL, environ={})


def _assert_honest(result: Result, text: str) -> None:
    """Every evidence item has a status, and spans that say where it is."""
    for claim in result.claims:
        assert claim.verified == (
            bool(claim.evidence) and all(e.status in VERIFIED_STATUSES for e in claim.evidence)
        )
        for evidence in claim.evidence:
            again = SourceIndex(text).locate(evidence.quote)
            assert (evidence.status, evidence.spans) == (again.status, again.spans)
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
        result = extract(document, client)

    assert result.source.sha256 == document.sha256
    assert result.source.length == len(document.text) == 3263
    assert result.provider == "local"
    assert result.claims, "the recorded answer holds claims"
    _assert_honest(result, document.text)
    assert result.stats.claims == len(result.claims)
    assert result.stats.verified == sum(c.verified for c in result.claims)
    assert sum(result.stats.by_status.values()) == sum(len(c.evidence) for c in result.claims)
    assert result.stats.requests == http_requests(vcr) >= 1
    assert result.stats.prompt_tokens > 1000 and result.stats.completion_tokens > 0
    Result.model_validate_json(result.model_dump_json())


@pytest.mark.vcr
def test_missing_quotes_are_named_in_one_re_ask(tmp_path: Path, vcr) -> None:
    """The re-ask happens exactly when the first answer has a quote not in the article."""
    document = load_document(SEED)
    with model_client(_local_settings(), use_cache=False, cache_dir=None) as client:
        result = extract(document, client)

    first_answer = json.loads(vcr.responses[0]["body"]["string"])
    arguments = first_answer["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
    first = ClaimsResponse.model_validate_json(arguments)
    index = SourceIndex(document.text)
    unverified = [q for c in first.claims for q in c.evidence if not index.locate(q).verified]
    if unverified:
        assert http_requests(vcr) == 2 == result.stats.requests
        second_request = json.loads(vcr.requests[1].body)
        told = second_request["messages"][-1]["content"]
        assert "not in the article word for word" in told
        for quote in unverified:
            assert json.dumps(quote, ensure_ascii=False)[1:-1] in json.dumps(told, ensure_ascii=False)
    else:
        assert http_requests(vcr) == 1 == result.stats.requests


@pytest.mark.vcr
def test_second_run_of_the_same_article_makes_no_request(tmp_path: Path, vcr) -> None:
    document = load_document(SEED)
    with model_client(_local_settings(), use_cache=True, cache_dir=tmp_path / "cache") as client:
        first = extract(document, client)
    requests_after_first = http_requests(vcr)
    with model_client(_local_settings(), use_cache=True, cache_dir=tmp_path / "cache") as client:
        second = extract(document, client)

    assert requests_after_first >= 1
    assert http_requests(vcr) == requests_after_first, "the second run went to the network"
    assert second.stats.cache_hit and second.stats.requests == 0
    assert not first.stats.cache_hit
    assert [c.model_dump() for c in second.claims] == [c.model_dump() for c in first.claims]


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
