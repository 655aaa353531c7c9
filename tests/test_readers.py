"""claimex's own readers, sentence by sentence: who says it, how firmly, whether it stands alone,
what its words carry, when, and how check-worthy it is. No model.

The sentences are the seed's, the synthetic dev set's and the issue's; what each should give is
read off the sentence by a person.
"""

from __future__ import annotations

import pytest

from claimex.checks.attribution import attributions, speakers
from claimex.checks.hedging import read_hedging
from claimex.checks.standalone import fragment, not_standalone, opening_reference, opens_mid_sentence
from claimex.checks.when import time_in
from claimex.checks.wording import uncarried
from claimex.checks.worthiness import LOW, Specifics, check_worthiness
from claimex.models import Hedging


def speaker_of(sentence: str) -> list[str]:
    return [sentence[a.speaker[0] : a.speaker[1]] for a in attributions(sentence, 0, len(sentence))]


# --- who says it -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "speaker"),
    [
        ("D’après le GUR, ces pertes se seraient produites près de Plekhovo.", "le GUR"),
        (
            "Pourtant, selon des sources diplomatiques russes, les deux pays auraient signé un accord.",
            "des sources diplomatiques russes",
        ),
        ("Kiev a d’ailleurs averti que la Russie avait massé quelque 50.000 hommes.", "Kiev"),
        (
            "Fin novembre, le secrétaire américain à la Défense Lloyd Austin avait quant à lui estimé "
            "à environ 10.000 le nombre de soldats.",
            "le secrétaire américain à la Défense Lloyd Austin",
        ),
        (
            "Côté ukrainien, le président Volodymyr Zelensky a pointé du doigt samedi la présence "
            "de troupes.",
            "le président Volodymyr Zelensky",
        ),
        (
            "Une information choc vient d’être révélée par les services de renseignement militaire "
            "ukrainien (GUR).",
            "les services de renseignement militaire ukrainien (GUR)",
        ),
        ("Aucune victime n'est à déplorer, a précisé la préfète lors d'un point presse.", "la préfète"),
        (
            "Un troisième Français a été tué, a déclaré jeudi le ministre des Affaires étrangères.",
            "le ministre des Affaires étrangères",
        ),
        ("Le maire, Gilles Marrot, affirme que « l'eau a envahi la moitié des maisons ».", "Gilles Marrot"),
        ("Hartwell Glass will cut 420 of the 1,150 jobs, the company told staff on Monday.", "the company"),
        (
            "Chief executive Martin Pryce said the firm's energy bill had risen to £41m.",
            "Chief executive Martin Pryce",
        ),
        (
            "Glass production accounts for roughly 3.5% of output, according to the county council.",
            "the county council",
        ),
        ("The council leader, Priya Anand, said she had written to the business secretary.", "Priya Anand"),
        (
            "The German automaker, which has focused on electric cars, says the wagon will go 300 miles.",
            "The German automaker",
        ),
        (
            "In response, UK Prime Minister Rishi Sunak defended the law, asserting that it works.",
            "UK Prime Minister Rishi Sunak",
        ),
        ("Advertising revenue fell 12% in the quarter, the company said.", "the company"),
    ],
)
def test_reporting_cues_name_the_speaker(sentence: str, speaker: str) -> None:
    assert speaker in speaker_of(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Hartwell declined to comment on the claim.",  # "claim" is a noun here
        "Inspection reports from 2019 had already flagged moderate deterioration.",  # "reports" too
        "Repairs are estimated at $4.8 million.",  # a passive estimate names no one
        "Le séisme a fait près de 5 500 morts.",  # "a fait" is no report
        "The plant's suppliers employ an estimated 600 more people.",
    ],
)
def test_words_that_look_like_cues_are_not(sentence: str) -> None:
    assert speaker_of(sentence) == []


def test_a_pronoun_speaker_is_read_in_the_sentence_before() -> None:
    text = (
        "Une information choc vient d’être révélée par les services de renseignement militaire "
        "ukrainien (GUR). Selon eux, au moins 30 soldats nord-coréens auraient été tués."
    )
    first_end = text.index(" Selon")
    said = speakers(text, (first_end + 1, len(text)), [(0, first_end)])
    assert said.pronoun
    assert [c.text_of(text) for c in said.candidates] == [
        "les services de renseignement militaire ukrainien (GUR)"
    ]
    assert said.candidates[0].earlier


def test_a_chain_of_pronouns_goes_back_to_the_last_speaker_named() -> None:
    # Financial Post: "He said…", "He added…", then "he expects…", the economist named earlier.
    from claimex.checks.readers import read_sentence
    from claimex.checks.support import SupportChecker
    from claimex.text.sentences import sentence_spans

    text = (
        "Andrew Hencic of TD Economics said the report was a good one. It showed 48,000 new jobs.\n\n"
        "He said there continues to be a lot of noise in the data. Exports fell 3 per cent.\n\n"
        "He added that the economy is operating below capacity. With this backdrop he expects the "
        "Bank of Canada to keep its policy rate at 2.25 per cent."
    )
    spans = sentence_spans(text)
    last = len(spans) - 1
    reading = read_sentence(text, spans[last], spans[last - 2 : last], SupportChecker(text))
    assert [c.text_of(text) for c in reading.candidates] == ["Andrew Hencic of TD Economics"]
    assert reading.speakers.settled


def test_a_quotation_is_credited_to_who_the_next_sentence_names() -> None:
    text = "« On joue avec la vie des gens. » Le maire de Montclar a déclaré cela samedi."
    cut = text.index(" Le maire")
    said = speakers(text, (0, cut), [], (cut + 1, len(text)))
    assert [c.text_of(text) for c in said.candidates] == ["Le maire de Montclar"]


def test_a_quotation_goes_on_with_the_speaker_of_the_quotation_before() -> None:
    # Euronews: a quoted paragraph with no cue, after a quoted sentence that names its speaker.
    text = (
        '"There are many reasons why we have seen an increase in migration," Ms McEntee said.\n\n'
        '"My focus as minister for justice is making sure that we have an effective system."\n\n'
        "The decision follows revelations that up to 80% of asylum seekers crossed the land border."
    )
    first, second, third = (text.index(part) for part in ('"There', '"My', "The decision"))
    spans = [(first, second - 2), (second, third - 2), (third, len(text))]
    said = speakers(text, spans[1], spans[:1], spans[2])
    assert [c.text_of(text) for c in said.candidates] == ["Ms McEntee"]
    # A sentence that is no quotation is not credited so: the outlet speaks after the quotes.
    assert speakers(text, spans[2], spans[:2]).candidates == ()


def test_without_a_cue_the_article_speaks_for_itself() -> None:
    text = "La préfecture a recensé 640 interventions des sapeurs-pompiers en 48 heures."
    assert speakers(text, (0, len(text))).candidates == ()


# --- how firmly ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "attributed", "hedging", "cue"),
    [
        ("Selon eux, au moins 30 soldats auraient été tués.", True, Hedging.reported, "Selon"),
        ("Les deux pays auraient signé un accord.", False, Hedging.reported, "auraient"),
        ("L'agence régionale de santé conteste ce décompte.", True, Hedging.denied, "conteste"),
        ("Russia denied sending troops.", True, Hedging.denied, "denied"),
        ("The suspect allegedly stole 30 cars.", False, Hedging.alleged, "allegedly"),
        ("Quelque 50.000 sinistres pourraient être déclarés.", False, Hedging.hypothetical, "pourraient"),
        ("The plant could close by May.", False, Hedging.hypothetical, "could"),
        ("La préfecture a recensé 640 interventions.", False, Hedging.asserted, None),
        (
            "Kiev a averti que la Russie avait massé 50.000 hommes.",
            True,
            Hedging.reported,
            "a reporting verb",
        ),
        # "May" the month is no hedge; "Si" is as often concessive as hypothetical.
        ("The plant closed in May.", False, Hedging.asserted, None),
        (
            "Si le Kremlin a éludé les questions, Pyongyang est resté silencieux.",
            False,
            Hedging.asserted,
            None,
        ),
    ],
)
def test_hedging_is_read_from_the_text(
    sentence: str, attributed: bool, hedging: Hedging, cue: str | None
) -> None:
    reading = read_hedging(sentence, attributed=attributed)
    assert (reading.hedging, reading.cue) == (hedging, cue)


# --- standalone ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statement", "words"),
    [
        ("Selon eux, au moins 30 soldats auraient été tués.", "Selon eux"),
        ("Il a déclaré que 30 soldats avaient été tués.", "Il"),
        ("He said the state was succeeding.", "He"),
        ("Ce dernier a estimé à 10.000 le nombre de soldats.", "Ce dernier"),
        ("Cette mesure concerne 300 communes.", "Cette mesure"),
        ("The measure passed 52-48.", "The measure"),
        ("Le pacte prévoit une aide militaire immédiate.", "Le pacte"),
        ("« Ils sont arrivés hier », a-t-il dit.", "Ils"),
        # From the real dev set (AP, Le Monde, Financial Post):
        ("It’s built on new underpinnings that lower it two inches.", "It's"),
        ("C'est la base de la future prospérité en Europe.", "C'est"),
        ("C'est pourquoi 30 soldats sont partis.", "C'est"),
        ("“That resilience comes as Canada looks ahead,” he says.", "That resilience"),
    ],
)
def test_a_statement_that_points_back_does_not_stand_alone(statement: str, words: str) -> None:
    assert opening_reference(statement) == words


@pytest.mark.parametrize(
    ("statement", "words"),
    [
        ("Un pacte qui prévoit en son article 4 une aide militaire immédiate.", "Un pacte qui"),
        ("Des allégations que la Russie s’est bien gardée de commenter.", "Des allégations que"),
        ("Du carburant, des missiles antiaériens et une assistance économique.", "Du carburant"),
    ],
)
def test_a_fragment_does_not_stand_alone(statement: str, words: str) -> None:
    assert fragment(statement) == words


@pytest.mark.parametrize(
    ("sentence", "words"),
    [
        # What is left of a sentence cut after "U.S.": no sentence of an article opens in lower case.
        ("to grow from 16 currently to as many as 80 by 2022.", "to grow from"),
        ("« et que 30 soldats ont été tués ».", "et que 30"),
        ("eBay sold 3 million items in 2024.", None),
        ("Au moins 30 soldats ont été tués.", None),
    ],
)
def test_an_articles_sentence_in_lower_case_is_a_piece_of_the_one_before(
    sentence: str, words: str | None
) -> None:
    assert opens_mid_sentence(sentence) == words


@pytest.mark.parametrize(
    "statement",
    [
        "Il y a 30 morts selon la préfecture.",
        "eBay sold 3 million items in 2024.",
        "C’est difficile à dire pour 30 soldats.",
        "It’s likely to cost $4.8 million.",
        "That year, 30 people died.",
        "It is expected to cost $4.8 million.",
        "Ce week-end, 30 soldats ont été tués.",
        "This year the council cut 12% of its budget.",
        "Le pacte de défense mutuelle prévoit une aide militaire.",
        "Des milliers de personnes ont manifesté samedi à Paris.",
        "Kiev a averti que la Russie avait massé 50.000 hommes.",
    ],
)
def test_these_stand_alone(statement: str) -> None:
    assert not_standalone(statement) is None


# --- wording ---------------------------------------------------------------------------------


def test_a_statement_about_something_else_is_caught_number_or_none() -> None:
    """The issue's example: a claim about New York over quotes giving other totals."""
    quotes = [
        "Spain has 100,000 cases",
        "the US total is 300,000 cases",
        "worldwide there are 1 million cases",
    ]
    missing = uncarried("New York state now has more coronavirus cases than any single country.", quotes)
    assert {"state", "coronavirus", "single", "country"} <= set(missing)


def test_inflections_and_elided_articles_are_carried() -> None:
    sentence = "Les services de renseignement ukrainiens ont révélé des pertes importantes parmi les soldats."
    assert (
        uncarried(
            "Les services de renseignement ukrainiens révèlent d'importantes pertes parmi les soldats.",
            [sentence],
        )
        == []
    )
    assert (
        uncarried("Au moins trente et un soldats ont été tués.", ["au moins 30 soldats auraient été tués"])
        == []
    )


def test_the_wording_check_gives_each_thread_its_own_answer() -> None:
    # A batch checks claims in up to 256 threads at once; the stemmer keeps the word it stems in
    # itself, and a shared one gave other threads' words ("string index out of range").
    from concurrent.futures import ThreadPoolExecutor

    pairs = [
        ("Les pompiers ont déployé 640 hommes dans la vallée.", ["Les pompiers ont déployé 640 hommes."]),
        ("The firefighters deployed 640 people in the valley overnight.", ["The firefighters deployed 640."]),
        ("Le gouvernement annonce des investissements considérables.", ["Le gouvernement a annoncé."]),
    ] * 400  # fmt: skip
    alone = [uncarried(statement, quotes) for statement, quotes in pairs[:3]]
    assert alone == [["vallée"], ["people", "valley", "overnight"], ["investissements", "considérables"]]
    with ThreadPoolExecutor(32) as pool:
        together = list(pool.map(lambda pair: uncarried(*pair), pairs))
    assert together == alone * 400


# --- when --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "time"),
    [
        ("Le niveau a commencé à baisser jeudi 16 octobre 2025 au matin.", "jeudi 16 octobre 2025 au matin"),
        ("Fin novembre, Lloyd Austin avait estimé à 10.000 le nombre de soldats.", "Fin novembre"),
        ("Au moins 30 soldats auraient été tués ce week-end.", "ce week-end"),
        ("The company told staff on Monday 9 June 2025.", "on Monday 9 June 2025"),
        ("The City closed the bridge on Tuesday, March 4, 2025.", "on Tuesday, March 4, 2025"),
        ("Le maire de Montclar a parlé.", None),  # "mai" is no month inside "maire"
        ("You may leave.", None),
    ],
)
def test_time_is_read_as_written(sentence: str, time: str | None) -> None:
    assert time_in(sentence) == time


# --- check-worthiness --------------------------------------------------------------------------


def worth(
    statement: str, *, speaker: str | None = None, names: tuple[str, ...] = (), time: str | None = None
):
    return check_worthiness(
        Specifics(
            statement=statement,
            evidence=statement,
            speaker=speaker,
            names=names,
            time=time,
            hedging=Hedging.asserted,
        )
    )


def test_a_figure_and_a_named_source_outrank_everything_without_them() -> None:
    figure_and_source = worth("Au moins 30 soldats ont été tués.", speaker="le GUR")
    actor_and_time = worth("Volodymyr Zelensky a parlé samedi.", names=("Volodymyr Zelensky",), time="samedi")
    assert figure_and_source.score > actor_and_time.score
    assert figure_and_source.reasons[:2] == ["a figure (30)", "a named source (le GUR)"]


def test_nothing_specific_scores_under_the_default_floor_and_opinion_lowers_a_score() -> None:
    vague = worth("La vérité risque d'éclater au grand jour.")
    assert vague.score < LOW and "nothing specific" in vague.reasons[-1]
    plain = worth("Hartwell Glass will cut 420 jobs.", names=("Hartwell Glass",))
    opinion = worth("Hartwell Glass should cut 420 jobs.", names=("Hartwell Glass",))
    assert opinion.score < plain.score and any(reason.startswith("opinion") for reason in opinion.reasons)
    years = worth("The bridge opened in 1931.")
    assert not any(reason.startswith("a figure") for reason in years.reasons), "a year alone is no figure"
