"""A claim written again (a re-asked model repeats most of its claims) is checked once per article."""

from __future__ import annotations

import pytest

from claimex.checks import verdict
from claimex.checks.verdict import Article, verify_claim
from claimex.models import ExtractedClaim
from conftest import SEED
from stub_openai import ANSWER

TEXT = SEED.read_text(encoding="utf-8")


def _claim(**changes: object) -> ExtractedClaim:
    """The stub model's claim, quoting the seed's sentence of it."""
    fields = {**ANSWER["claims"][0], "evidence": [TEXT.split("\n\n")[3].split(". ")[0]]}  # type: ignore[index]
    return ExtractedClaim.model_validate({**fields, **changes})


@pytest.fixture
def readings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The statements the readers are asked to ground, in order."""
    seen: list[str] = []
    grounded = verdict.grounded

    def counted(fields: dict[str, object], *args: object) -> dict[str, object]:
        seen.append(str(fields["statement"]))
        return grounded(fields, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(verdict, "grounded", counted)
    return seen


def test_the_same_claim_again_gets_the_same_verdict_unchecked(readings: list[str]) -> None:
    article = Article.of(TEXT)
    first = verify_claim(_claim(), article)
    again = verify_claim(_claim(), article)
    assert again == first
    assert first.evidence[0].status == "exact"
    assert len(readings) == 1
    # Each caller has a claim of its own: changing one changes nothing of the other.
    again.evidence.clear()
    assert verify_claim(_claim(), article).evidence == first.evidence != []


def test_a_claim_changed_in_any_field_or_another_region_is_checked_anew(readings: list[str]) -> None:
    article = Article.of(TEXT)
    verify_claim(_claim(), article)
    changed = verify_claim(_claim(speaker="le journal"), article)
    verify_claim(_claim(), article, prefer=(0, 100))
    assert len(readings) == 3
    fresh = verify_claim(_claim(speaker="le journal"), Article.of(TEXT))
    assert changed == fresh
    # Another article is another text: nothing is carried over.
    verify_claim(_claim(), Article.of(TEXT))
    assert len(readings) == 5


def test_the_whole_text_as_the_region_is_no_region(readings: list[str]) -> None:
    """A chunk that is the whole article prefers no region: the validator's verdict is reused."""
    article = Article.of(TEXT)
    first = verify_claim(_claim(), article)
    whole = verify_claim(_claim(), article, prefer=(0, len(TEXT)))
    assert len(readings) == 1
    assert whole == first and whole is not first
    assert whole.evidence[0] is not first.evidence[0], "a claim of its own, down to its evidence"


@pytest.mark.parametrize(
    "quote",
    [
        "soldats",  # many times in the text: which one is picked is what a region decides
        "nord-coréens",
        "au moins 30 soldats nord-coréens ... tués",  # an elision
        "au moins 31 soldats nord-coréens",  # fuzzy: a digit changed
        "nowhere in this article at all",
    ],
)
def test_the_whole_text_preferred_locates_as_no_preference(quote: str) -> None:
    index = Article.of(TEXT).index
    assert index.locate(quote, prefer=(0, len(TEXT))) == index.locate(quote)
