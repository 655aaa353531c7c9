"""The quality benchmark's dev set and scoring functions (no model, no server)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from claimex.models import Claim, Evidence

ROOT = Path(__file__).resolve().parents[1]
DEVSET = ROOT / "benchmarks" / "devset"


def _load_bench():
    spec = importlib.util.spec_from_file_location("quality_bench", ROOT / "benchmarks" / "quality_bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("quality_bench", module)
    spec.loader.exec_module(module)
    return module


bench = _load_bench()
LABELS = sorted(DEVSET.glob("*.facts.json"))


def claim(text: str, statement: str, *quotes: str, verified: bool = True) -> Claim:
    """A claim as the pipeline returns it, each quote located exactly with str.find."""
    evidence = []
    for quote in quotes:
        start = text.find(quote)
        assert start >= 0, quote
        evidence.append(Evidence(quote=quote, status="exact", spans=[(start, start + len(quote))]))
    # model_construct: only the fields the bench reads, whatever else Claim grows.
    return Claim.model_construct(statement=statement, evidence=evidence, verified=verified)


# --- the dev set -------------------------------------------------------------------------------


def test_the_dev_set_has_two_french_and_two_english_articles_and_the_seed() -> None:
    names = {path.name.removesuffix(".facts.json"): path for path in LABELS}
    assert "seed" in names
    languages = [json.loads(path.read_text(encoding="utf-8"))["language"] for path in LABELS]
    assert sorted(languages) == ["en", "en", "fr", "fr", "fr"]
    for article in bench.load_devset():
        if article.name != "seed":
            assert article.path == DEVSET / f"{article.name}.txt"
            assert 1500 <= len(article.text) <= 3000, article.name


@pytest.mark.parametrize("label", LABELS, ids=lambda path: path.name)
def test_every_label_is_verbatim_in_its_article(label: Path) -> None:
    article = bench.load_article(label)
    assert len(article.facts) == 5
    assert len({fact.id for fact in article.facts}) == 5
    for fact in article.facts:
        # Unique, so the passage's offsets (str.find) are the only place the fact can be.
        assert article.text.count(fact.passage) == 1, (fact.id, fact.passage)
        if fact.figure is not None:
            assert fact.figure in fact.passage, fact.id
            assert bench.numbers_in(fact.figure), fact.id
        assert fact.speaker
    assert article.nothing_to_check
    for passage in article.nothing_to_check:
        assert passage and passage in article.text, passage
        for fact in article.facts:
            junk = bench.passage_span(article.text, passage)
            assert not bench.overlaps(junk, bench.passage_span(article.text, fact.passage))


def test_the_dev_set_has_the_typography_real_pages_have() -> None:
    texts = "".join(article.text for article in bench.load_devset())
    for needle in ("50.000", "12\u202f000", "12\u00a0000", "3,5", "...", "Abonnez-vous", "Subscribe"):
        assert needle in texts, needle


# --- numbers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "numbers"),
    [
        ("12\u202f000 foyers", ["12000"]),
        ("12\u00a0000 passages", ["12000"]),
        ("12 000", ["12000"]),
        ("12,000 vehicles", ["12000"]),
        ("50.000 hommes", ["50000"]),
        ("1 200 000", ["1200000"]),
        ("3,5 %", ["3.5"]),
        ("3.5%", ["3.5"]),
        ("4,20 mètres", ["4.2"]),
        ("£12.5m", ["12.5"]),
        ("1.234,5", ["1234.5"]),
        ("article L125-1", ["125", "1"]),
        ("in 2025 120 people", ["2025", "120"]),
        ("March 4, 2025", ["4", "2025"]),
        ("de 15 à 50 minutes", ["15", "50"]),
        ("neuf heures", []),
    ],
)
def test_numbers_are_read_digit_wise(written: str, numbers: list[str]) -> None:
    assert bench.numbers_in(written) == numbers


def test_a_figure_is_carried_whatever_its_separators() -> None:
    assert bench.carries_figure("Près de 12,000 foyers sans courant.", "12\u202f000")
    assert bench.carries_figure("Some 50 000 men were massed.", "50.000")
    assert bench.carries_figure("Premiums could rise by 3.5%.", "3,5")
    assert not bench.carries_figure("Premiums could rise by 35%.", "3,5")
    assert not bench.carries_figure("About 12 households.", "12\u202f000")
    assert bench.carries_figure("No number at all.", None)


# --- claims ------------------------------------------------------------------------------------

TEXT = (
    "Des dégâts qui restent à chiffrer\n\n"
    "Selon la préfecture, près de 12\u202f000 foyers étaient privés de courant mercredi. "
    "Les dommages auraient dépassé 120 millions d'euros.\n\n"
    "Abonnez-vous à notre newsletter."
)
FACT = "près de 12\u202f000 foyers étaient privés de courant mercredi"


def test_a_fact_is_covered_by_a_verified_overlapping_claim_carrying_its_figure() -> None:
    span = bench.passage_span(TEXT, FACT)
    good = claim(TEXT, "12,000 homes had no power on Wednesday.", "12\u202f000 foyers étaient privés")
    assert bench.covers(good, span, "12\u202f000")
    # A claim with a different number, an unverified one, or one quoting elsewhere does not.
    wrong_number = claim(TEXT, "1,200 homes had no power.", "12\u202f000 foyers")
    assert not bench.covers(wrong_number, span, "12\u202f000")
    assert not bench.covers(
        claim(TEXT, "12,000 homes had no power.", "12\u202f000 foyers", verified=False), span, "12\u202f000"
    )
    assert not bench.covers(claim(TEXT, "12,000 homes.", "120 millions d'euros"), span, "12\u202f000")
    # A fact with no figure needs the overlap only.
    assert bench.covers(claim(TEXT, "Homes had no power.", "privés de courant"), span, None)


def test_only_verified_spans_count_for_coverage() -> None:
    span = bench.passage_span(TEXT, FACT)
    located = claim(TEXT, "12 000 foyers sans courant.", "Les dommages")
    located.evidence.append(Evidence(quote=FACT, status="fuzzy", spans=[span]))
    assert not bench.covers(located, span, "12\u202f000")


def test_a_number_not_at_the_evidence_is_unsupported() -> None:
    quote = "Les dommages auraient dépassé 120 millions d'euros"
    assert bench.unsupported_numbers(claim(TEXT, "Damage topped €120m.", quote), TEXT) == []
    assert bench.unsupported_numbers(claim(TEXT, "Damage topped €150m in 2025.", quote), TEXT) == [
        "150",
        "2025",
    ]
    # The number is in the article, but not where the claim's evidence is.
    assert bench.unsupported_numbers(claim(TEXT, "12,000 euros of damage.", quote), TEXT) == ["12000"]


def test_a_claim_whose_evidence_is_all_in_junk_is_junk() -> None:
    junk = [bench.passage_span(TEXT, "Des dégâts qui restent à chiffrer")]
    junk.append(bench.passage_span(TEXT, "Abonnez-vous à notre newsletter."))
    assert bench.is_junk(claim(TEXT, "Damage is not yet known.", "dégâts qui restent à chiffrer"), TEXT, junk)
    assert bench.is_junk(claim(TEXT, "Subscribe.", "Abonnez-vous à notre newsletter."), TEXT, junk)
    assert not bench.is_junk(claim(TEXT, "12,000 homes had no power.", FACT), TEXT, junk)
    mixed = claim(TEXT, "Damage.", "Des dégâts qui restent à chiffrer", "Les dommages auraient")
    assert not bench.is_junk(mixed, TEXT, junk)
    assert not bench.is_junk(
        claim(TEXT, "Subscribe.", "Abonnez-vous à notre newsletter.", verified=False), TEXT, junk
    )


def test_score_of_a_dev_set_article() -> None:
    article = bench.load_article(DEVSET / "fr_crues_arvel.facts.json")
    facts = {fact.id: fact for fact in article.facts}
    claims = [
        claim(article.text, "Quelque 50 000 sinistres pourraient être déclarés.", facts["f3"].passage),
        claim(article.text, "Aucune victime.", facts["f2"].passage),
        claim(article.text, "Les cotisations pourraient augmenter de 35 %.", facts["f5"].passage),
        claim(article.text, "Qui paiera la reconstruction ?", "Qui paiera la reconstruction ?"),
    ]
    verdict = bench.score(article, claims)
    assert verdict.facts == 5
    assert verdict.covered == ["f2", "f3"]
    assert verdict.covered_by["f3"] == [0]
    assert verdict.unsupported == {2: ["35"]}
    assert verdict.junk == [3]


def test_a_row_counts_failed_articles_and_failed_chunks() -> None:
    row = bench.Row("model", "single")
    row.add({"facts": 5, "wall_seconds": 2.0, "error": "the model's answer did not fit"})
    stats = {
        "claims": 4,
        "verified": 3,
        "failed_chunks": 1,
        "prompt_tokens": 100,
        "completion_tokens": 20,
        "requests": 0,
        "cache_hit": True,
    }
    row.add(
        {
            "facts": 5,
            "wall_seconds": 1.0,
            "error": None,
            "result": {"stats": stats},
            "score": {"covered": ["f1", "f2"], "unsupported": {"1": ["7"]}, "junk": []},
        }
    )
    cells = dict(zip(bench.HEADERS, row.cells(), strict=True))
    assert cells["recall"] == "2/10 20%"
    assert cells["unsup"] == "1/3"
    assert cells["fail"] == "1+1"
    assert cells["claims/art"] == "2.0"
    assert cells["cached"] == "1/2"
    assert cells["wall s"] == "3.0"
