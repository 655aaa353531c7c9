"""Which sentences are worth a model call: decided without one."""

from __future__ import annotations

import pytest

from claimex.text.selection import select_sentences


def test_the_seed_asks_about_its_fact_bearing_sentences_only(seed_text: str) -> None:
    sentences = select_sentences(seed_text)
    skipped = {s.text_of(seed_text): s.skip for s in sentences if s.skip}
    asked = [s.text_of(seed_text) for s in sentences if s.skip is None]

    assert skipped["ActualitésInternational"] == "a heading (no sentence end)"
    assert skipped["L’Ukraine accuse et s’inquiète"] == "a heading (no sentence end)"
    assert skipped["Combien sont-ils réellement ?"] == "a question"
    assert skipped["Quelle est l'ampleur de..."] == "a teaser cut off with an ellipsis"
    why = "Mais pourquoi un tel engagement de la Corée du Nord au côté de son allié russe ?"
    assert skipped[why] == "a question"
    assert "first person" in next(reason for text, reason in skipped.items() if text.startswith("Passionné"))
    assert skipped["Pour explorer les options de sponsoring, contactez-nous."] == "a call to action"
    assert any(text.startswith("Selon eux, au moins 30 soldats") for text in asked)
    assert any("article 4" in text for text in asked)
    assert any("50.000 hommes" in text for text in asked)
    assert any("10.000 le nombre" in text for text in asked)
    for sentence in sentences:  # offsets into the text, trimmed
        text = sentence.text_of(seed_text)
        assert text == text.strip() and text


def test_a_byline_and_the_bio_it_opens_are_skipped_at_the_end_only() -> None:
    text = (
        "Hannah Cole, a correspondent, said 30 jobs went.\n\nThe plant closed in 2024.\n\n"
        "Hannah Cole is our business correspondent. She has reported on trade since 2015.\n\n"
        "By Sam Reyes, Staff Writer.\n\nSubscribe to our newsletter."
    )
    reasons = [s.skip for s in select_sentences(text)]
    assert reasons == [
        None,  # a correspondent mid-article is news
        None,
        "the author's byline or bio",
        "the author's byline or bio",
        "the author's byline or bio",
        "a call to action",
    ]


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        ("Le maire a démissionné jeudi soir.", None),
        ("The US said it would cut 250 jobs at its Leeds plant.", None),
        ("Nous avons pu consulter le rapport de 40 pages.", None),
        ("« Je ne céderai pas », a déclaré le ministre devant 300 élus.", None),
        ("Ni confirmation, ni démenti.", "too short to state a claim"),
        ("Plus de 30 morts.", None),
        ("Subscribe to our newsletter for more.", "a call to action"),
        ("I have covered the region for ten years.", "the author speaking (first person)"),
        ("Que va-t-il se passer maintenant ?", "a question"),
        ("La suite dans notre prochaine édition…", "a teaser cut off with an ellipsis"),
    ],
)
def test_skip_reasons(sentence: str, reason: str | None) -> None:
    (selected,) = select_sentences(sentence)
    assert selected.skip == reason


@pytest.mark.parametrize(
    "sentence",
    [
        "Advertising revenue fell 12% in the quarter, the company said.",
        "The bill, sponsored by Senator Ruiz, passed 52–48.",
        "Type I diabetes affects 8% of adults.",
        "World War I ended in 1918.",
        "Click-through rates fell 30% after the redesign, according to the agency.",
    ],
)
def test_a_fact_with_a_figure_is_never_taken_for_a_call_to_action_or_the_author(sentence: str) -> None:
    (selected,) = select_sentences(sentence)
    assert selected.skip is None


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        ("Subscribe to our newsletter and never miss a story.", "a call to action"),
        ("Pour explorer les options de sponsoring, contactez-nous.", "a call to action"),
        ("I have covered three wars for this paper.", "the author speaking (first person)"),
    ],
)
def test_calls_to_action_and_the_authors_voice_are_still_skipped(sentence: str, reason: str) -> None:
    (selected,) = select_sentences(sentence)
    assert selected.skip == reason


# Every skip rule, next to a fact sentence without a figure that only looks like it: each rule's
# keeping side. Read off the sentences: each states something a fact-checker could check.
@pytest.mark.parametrize(
    "sentence",
    [
        # a call to action's words, used by news
        "The bill, sponsored by Senator Ruiz, passed the Senate on Tuesday.",
        "The ministry's newsletter reached every school in the region.",
        "Regulators said the download was blocked for users in the region.",
        "The agency found that the click-tracking scheme violated privacy law.",
        "Advertising revenue fell sharply in the quarter, the company said.",
        # a question mark, an ellipsis, a closing quotation mark inside or at the end
        'Asked "why now?", the minister said the schools would close.',
        "Il a dit… que les écoles fermeraient jeudi.",
        "Le ministre a déclaré : « Nous fermerons les écoles »",
        # "By" and a capital that is no author; "I" that is no author either
        "By Tuesday, most schools in the region had closed.",
        "By March, the company had cut its workforce by a third.",
        "Type I diabetes is an autoimmune disease, the study found.",
        # short, but a figure
        "Plus de 30 morts.",
    ],
)
def test_fact_sentences_that_look_like_a_skip_rule_are_kept(sentence: str) -> None:
    (selected,) = select_sentences(sentence)
    assert selected.skip is None


@pytest.mark.parametrize(
    "sentence",
    [
        "Click here to read the full report.",
        "Download our app for the latest news.",
        "Sponsored by Acme Corporation.",
        "This content is sponsored by our partners.",
        "Cet article contient de la publicité pour nos partenaires.",
        "Sign up for our daily briefing.",
        "Inscrivez-vous à notre newsletter.",
    ],
)
def test_the_same_words_as_an_order_or_to_the_reader_are_a_call_to_action(sentence: str) -> None:
    (selected,) = select_sentences(sentence)
    assert selected.skip == "a call to action"


def test_a_byline_is_still_a_byline() -> None:
    (selected,) = select_sentences("By Sam Reyes, Staff Writer.")
    assert selected.skip == "the author's byline or bio"
