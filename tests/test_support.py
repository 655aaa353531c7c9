"""The claim-support check: a claim is verified only where its evidence states it."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from claimex.checks.support import MIN_QUOTE_WORDS, ClaimParts, SupportChecker, names_in, reask_lines
from claimex.checks.verify import SourceIndex
from claimex.models import Hedging, Quantity, Support
from conftest import SEED

TEXT = SEED.read_text(encoding="utf-8")
CHECKER = SupportChecker(TEXT)
INDEX = SourceIndex(TEXT)

LEDE = (
    "Les services de renseignement ukrainiens révèlent des pertes importantes parmi les soldats "
    "nord-coréens combattant aux côtés des forces russes."
)
THIRTY = "au moins 30 soldats nord-coréens auraient été tués ou blessés ce week-end"
AUSTIN = (
    "le secrétaire américain à la Défense Lloyd Austin avait quant à lui estimé à environ 10.000 le "
    "nombre de soldats nord-coréens présents dans la région de Koursk"
)
ARTICLE_4 = "Un pacte qui prévoit notamment en son article 4 « une aide militaire immédiate »"


def check(statement: str, *quotes: str, **fields: object) -> Support:
    evidence = [INDEX.locate(quote) for quote in quotes]
    return CHECKER.check(ClaimParts(statement=statement, evidence=evidence, **fields))  # type: ignore[arg-type]


def blocking(support: Support) -> list[str]:
    return [problem.rule for problem in support.problems if problem.blocking]


# --- quotes ------------------------------------------------------------------------------------


def test_a_claim_whose_quotes_state_it_is_supported() -> None:
    support = check("Au moins 30 soldats nord-coréens auraient été tués ou blessés ce week-end.", THIRTY)
    assert support.verdict == "supported" and not support.problems


@pytest.mark.parametrize(
    ("quote", "fragment"),
    [
        ("", "its quote is empty"),
        ("   ", "its quote is empty"),
        ("Pyongyang a publié une liste nominative des victimes", "its quote is not in the article"),
        ("au moins 31 soldats nord-coréens", "its quote differs from the article (article → quote: 30 → 31)"),
    ],
)
def test_a_quote_not_in_the_article_blocks(quote: str, fragment: str) -> None:
    support = check("Au moins 30 soldats nord-coréens.", quote)
    assert support.verdict == "unsupported" and blocking(support) == ["quotes"]
    assert fragment in support.problems[0].message


def test_no_evidence_blocks() -> None:
    assert check("Au moins 30 soldats.").problems[0].message == "it has no evidence quote"


# --- numbers -----------------------------------------------------------------------------------


def test_a_number_absent_from_the_only_quote_blocks_the_issue_example() -> None:
    """Qwen 1.5B's claim: a good statement, and the lede as its only quote (no "30" in it)."""
    support = check(
        "30 soldats nord-coréens auraient été tués ou blessés ce week-end dans la région de Koursk.",
        LEDE,
        hedging=Hedging.reported,
        entities=["GUR", "Koursk"],
        quantities=[Quantity(text="30", value=30)],
    )
    # Neither the number nor the words: the lede is about something else.
    assert blocking(support) == ["numbers", "wording"]
    assert support.problems[0].message == "30 is in none of its quotes (they give no number)"
    notes = [problem.message for problem in support.problems if not problem.blocking]
    assert "entity “GUR” is in the article but not in its quotes" in notes


@pytest.mark.parametrize(
    ("statement", "quote", "message"),
    [
        (
            "Au moins 31 soldats ont été tués ce week-end.",
            THIRTY,
            "31 is in none of its quotes (they give 30)",
        ),
        ("Lloyd Austin estime à 11 000 le nombre de soldats nord-coréens.", AUSTIN, "11 000 is in none"),
        ("Un pacte prévoit en son article 5 une aide militaire immédiate.", ARTICLE_4, "5 is in none"),
        ("Un pacte de 2024 prévoit en son article 4 une aide militaire.", ARTICLE_4, "2024 is in none"),
        ("Au moins 300 soldats nord-coréens auraient été tués.", THIRTY, "300 is in none"),
        ("Au moins 3 soldats nord-coréens auraient été tués.", THIRTY, "3 is in none"),
        ("Au moins 30 % des soldats nord-coréens auraient été tués.", THIRTY, "30 % is in none"),
        ("Au moins trente et un soldats ont été tués.", THIRTY, "trente et un is in none"),
    ],
)
def test_a_changed_number_in_the_statement_blocks(statement: str, quote: str, message: str) -> None:
    support = check(statement, quote)
    assert blocking(support) == ["numbers"]
    assert support.problems[0].message.startswith(message)


@pytest.mark.parametrize(
    "statement",
    [
        "Lloyd Austin estime à environ 10 000 le nombre de soldats nord-coréens à Koursk.",
        "Lloyd Austin estime à environ 10\u202f000 le nombre de soldats nord-coréens à Koursk.",
        "Lloyd Austin estime à environ 10000 le nombre de soldats nord-coréens à Koursk.",
        "Lloyd Austin estime à environ dix mille le nombre de soldats nord-coréens à Koursk.",
    ],
)
def test_typography_of_a_number_never_matters(statement: str) -> None:
    assert check(statement, AUSTIN).verdict == "supported"


def test_quantities_are_checked_by_text_and_by_value() -> None:
    statement = "La Russie aurait massé des hommes."
    quote = "la Russie avait massé quelque 50.000 hommes"
    good = check(statement, quote, quantities=[Quantity(text="quelque 50.000", value=50000)])
    assert good.verdict == "supported"
    wrong_value = check(statement, quote, quantities=[Quantity(text="quelque 50.000", value=5000)])
    assert [p.message for p in wrong_value.problems] == [
        "quantity “quelque 50.000” has the value 5000, which none of its quotes gives (they give 50000)"
    ]
    wrong_text = check(statement, quote, quantities=[Quantity(text="60.000")])
    assert blocking(wrong_text) == ["numbers"]


def test_numbers_are_read_where_the_quotes_point_not_in_the_quote_text() -> None:
    """A normalized quote ("10 000" for the article's "10.000") is checked against the article's own text."""
    support = check(
        "Lloyd Austin estime à environ 10.000 le nombre de soldats nord-coréens présents.",
        "Lloyd Austin avait quant à lui estimé à environ 10.000 le nombre de soldats",
    )
    assert support.verdict == "supported"


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from([30, 50000, 10000, 4, 2024]),
    st.integers(min_value=1, max_value=99_999),
    st.sampled_from(["{}", "{:,}", "{:_}"]),
    st.sampled_from([",", ".", " ", "\u00a0", "\u202f"]),
)
def test_a_number_changed_in_a_statement_never_verifies(
    stated: int, delta: int, layout: str, separator: str
) -> None:
    quote = {
        30: THIRTY,
        50000: "la Russie avait massé quelque 50.000 hommes",
        10000: AUSTIN,
        4: ARTICLE_4,
        2024: THIRTY,
    }[stated]
    changed = stated + delta
    written = layout.format(changed).replace(",", separator).replace("_", separator)
    support = check(f"Selon la source, il s'agit de {written} soldats nord-coréens.", quote)
    assert support.verdict == "unsupported"
    assert "numbers" in blocking(support)


# --- substance ---------------------------------------------------------------------------------


def test_a_one_word_quote_cannot_state_a_claim_the_issue_example() -> None:
    support = check("Des soldats nord-coréens combattent aux côtés de la Russie.", "soldats")
    assert blocking(support) == ["substance", "wording"]
    assert support.problems[0].message.startswith("its only quote is 1 word: “soldats”")


def test_short_quotes_block_unless_one_is_a_whole_sentence() -> None:
    short = "au moins 30 soldats"  # four words: enough
    assert len(short.split()) == MIN_QUOTE_WORDS
    assert check("Au moins 30 soldats.", short).verdict == "supported"
    assert blocking(check("Au moins 30 soldats.", "30 soldats", "moins 30")) == ["substance"]
    # A heading is a whole sentence of the article: short, but it says what it says.
    assert check("L'Ukraine accuse.", "L’Ukraine accuse et s’inquiète").verdict == "supported"


# --- entities and names ------------------------------------------------------------------------


def test_an_entity_nowhere_in_the_article_blocks_one_only_elsewhere_is_noted() -> None:
    support = check(
        "Au moins 30 soldats nord-coréens auraient été tués ou blessés ce week-end.",
        THIRTY,
        entities=["Vladimir Poutine", "Koursk", "Nord-Coréen"],
    )
    assert [(p.rule, p.blocking, p.subject) for p in support.problems] == [
        ("entities", True, "Vladimir Poutine"),
        ("entities", False, "Koursk"),
    ], "Nord-Coréen matches nord-coréens in the quote"


def test_a_name_the_statement_invents_blocks() -> None:
    support = check("Selon Vladimir Poutine, au moins 30 soldats auraient été tués ce week-end.", THIRTY)
    assert [(p.rule, p.blocking, p.subject) for p in support.problems if p.rule == "names"] == [
        ("names", True, "Vladimir"),
        ("names", True, "Poutine"),
    ]
    # The first word of a sentence is not taken for a name; names found in the article are only noted.
    support = check("Selon le GUR, au moins 30 soldats nord-coréens auraient été tués ce week-end.", THIRTY)
    assert [(p.rule, p.blocking, p.subject) for p in support.problems] == [("names", False, "GUR")]


# --- hedging -----------------------------------------------------------------------------------


def test_hedged_evidence_for_an_asserted_claim_is_noted_not_blocking() -> None:
    statement = "Au moins 30 soldats nord-coréens ont été tués ou blessés ce week-end."
    support = check(statement, THIRTY, hedging=Hedging.asserted)
    assert support.verdict == "supported"
    assert [(p.rule, p.subject) for p in support.problems] == [("hedging", "auraient")]
    assert not check(statement, THIRTY, hedging=Hedging.reported).problems
    assert not check(
        "Un pacte prévoit une aide militaire immédiate.", ARTICLE_4, hedging=Hedging.asserted
    ).problems


# --- re-ask ------------------------------------------------------------------------------------


def test_the_re_ask_names_what_to_quote() -> None:
    support = check("Au moins 31 soldats nord-coréens auraient été tués.", THIRTY, entities=["Poutine"])
    assert reask_lines(2, support) == [
        "Claim 2 says 31; quote the passage of the article that says 31.",
        "Claim 2 names “Poutine”, which the article never writes; "
        "copy names exactly as the article writes them.",
    ]
    assert reask_lines(2, support, source="the sentence")[0] == (
        "Claim 2 says 31, which the sentence does not say; say only what the sentence says."
    )


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Selon eux, 30 soldats seraient morts à Koursk, tenue par Kiev.", ["Koursk", "Kiev"]),
        ("Côté ukrainien, le président Volodymyr Zelensky accuse Moscou.", ["Volodymyr Zelensky", "Moscou"]),
        ("Le GUR affirme. Selon lui, la Russie ment.", ["GUR", "Russie"]),
    ],
)
def test_names_are_runs_of_capitalised_words_not_sentence_starts(text: str, names: list[str]) -> None:
    assert names_in(text) == names


# What `_name_words` searched the text before each capitalised word for, before it read backwards.
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]|\n)[\s\"«»“”„'’(\[]*$")


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("aB .!?:;\n\t\u00a0\"«»“”„'’([)-,x")), max_size=30))
def test_a_sentence_opens_where_only_spaces_and_quotation_marks_follow_an_end(text: str) -> None:
    from claimex.checks.support import _opens_sentence

    for at in range(len(text) + 1):
        assert _opens_sentence(text, at) == bool(_SENTENCE_START.search(text[:at])), (text, at)
