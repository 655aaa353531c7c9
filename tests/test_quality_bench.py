"""The quality benchmark's dev set and scoring functions (no model, no server)."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

from claimex.models import Claim, Evidence, Hedging

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


# --- the real set: articles by real newsrooms -------------------------------------------------------

REALSET = ROOT / "benchmarks" / "realset"
REAL_LABELS = sorted(REALSET.glob("*/*.facts.json"))
HEDGING = {item.value for item in Hedging}


def test_the_real_set_has_a_dev_set_and_a_held_out_set_in_both_languages() -> None:
    languages = {
        split: sorted(json.loads(path.read_text(encoding="utf-8"))["language"] for path in label_files)
        for split, label_files in (
            ("dev", sorted((REALSET / "dev").glob("*.facts.json"))),
            ("heldout", sorted((REALSET / "heldout").glob("*.facts.json"))),
        )
    }
    assert len(languages["dev"]) >= 10
    assert languages["heldout"] == ["en", "en", "en", "fr", "fr", "fr"]
    every = languages["dev"] + languages["heldout"]
    assert len(every) >= 16 and every.count("fr") >= 7 and every.count("en") >= 7
    names = [path.name for path in REAL_LABELS]
    assert len(names) == len(set(names)), "an article is in both sets"


@pytest.mark.parametrize("label", REAL_LABELS, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_every_real_label_fits_its_article(label: Path) -> None:
    raw = json.loads(label.read_text(encoding="utf-8"))
    article = bench.load_article(label)
    assert 1500 <= len(article.text) <= 10500, len(article.text)
    source = raw["source"]
    for key in ("repository", "path", "commit", "outlet", "language", "derivation"):
        assert source.get(key), key
    assert re.fullmatch(r"[0-9a-f]{40}", source["commit"])
    assert source["language"] == raw["language"] == article.language
    assert "url" in source and "date" in source  # null only with the reason in source.note
    if source["url"] is None or source["date"] is None:
        assert source.get("note")
    assert len(article.facts) == 5
    assert len({fact.id for fact in article.facts}) == 5
    for fact in article.facts:
        assert article.text.count(fact.passage) == 1, (fact.id, fact.passage)
        assert fact.speakers and all(name.strip() for name in fact.speakers), fact.id
        assert isinstance(raw["facts"][int(fact.id[1:]) - 1]["speaker"], list)
        if fact.speaker_passage is not None:
            assert fact.speaker_passage in article.text, fact.id
        else:
            assert bench.same_speaker("the outlet", fact.speakers), (
                f"{fact.id}: no speaker passage, not the outlet"
            )
        assert fact.hedging in HEDGING, fact.id
        assert fact.note, fact.id
        if fact.figure is not None:
            assert fact.figure in fact.passage and bench.numbers_in(fact.figure), fact.id
    for passage in article.nothing_to_check:
        junk = bench.passage_span(article.text, passage)
        for fact in article.facts:
            assert not bench.overlaps(junk, bench.passage_span(article.text, fact.passage)), passage


def test_a_label_that_does_not_fit_its_article_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Le préfet a compté 12 blessés mardi soir.\n", encoding="utf-8")
    facts = [
        {
            "id": f"f{n}",
            "passage": "12 blessés",
            "figure": "12",
            "speaker": ["le préfet"],
            "hedging": "reported",
        }
        for n in range(1, 6)
    ]
    facts[4]["speaker_passage"] = "le ministre"
    label = {"language": "fr", "facts": facts, "nothing_to_check": []}
    (tmp_path / "a.facts.json").write_text(json.dumps(label), encoding="utf-8")
    with pytest.raises(bench.LabelError, match="speaker_passage"):
        bench.load_article(tmp_path / "a.facts.json")


# --- one claim, one fact -------------------------------------------------------------------------------


def test_one_claim_cannot_cover_two_facts() -> None:
    assert bench.match_facts([[0], [0]]) == {0: 0}
    assert bench.match_facts([[0], [0, 1]]) == {0: 0, 1: 1}
    assert bench.match_facts([[], [3]]) == {1: 3}


def test_the_matching_is_maximal_where_a_greedy_one_is_not() -> None:
    # Greedy in order would give fact 0 the claim 0 and leave fact 1 with nothing.
    assert bench.match_facts([[0, 1], [0]]) == {0: 1, 1: 0}
    assert len(bench.match_facts([[0, 1, 2], [0], [1]])) == 3


def test_the_matching_prefers_the_right_speaker_then_the_earliest_claim() -> None:
    assert bench.match_facts([[0, 1]], [{1}]) == {0: 1}
    assert bench.match_facts([[2, 1]]) == {0: 1}
    # A right speaker never costs a fact: the number of facts found comes first.
    assert bench.match_facts([[0, 1], [1]], [{1}, set()]) == {0: 0, 1: 1}


def test_score_matches_claims_to_facts_one_to_one() -> None:
    sentence = "Selon la préfecture, près de 12\u202f000 foyers étaient privés de courant mercredi."
    facts = (
        bench.Fact("f1", "12\u202f000 foyers", "12\u202f000", "la préfecture", speakers=("la préfecture",)),
        bench.Fact("f2", "privés de courant mercredi", None, "la préfecture", speakers=("la préfecture",)),
    )
    article = bench.Article("a", Path("a.txt"), TEXT, "fr", facts, ())
    one = claim(TEXT, "12 000 foyers étaient privés de courant mercredi.", sentence)
    verdict = bench.score(article, [one])
    assert verdict.covered_by == {"f1": [0], "f2": [0]}  # the claim covers both facts...
    assert verdict.covered == ["f1"] and verdict.matched == {"f1": 0}  # ...but counts for one
    two = claim(TEXT, "Des foyers étaient privés de courant mercredi.", sentence)
    assert bench.score(article, [one, two]).matched == {"f1": 0, "f2": 1}


# --- speakers --------------------------------------------------------------------------------------


def speaking(text: str, speaker: str, quote: str, **extra: object) -> Claim:
    made = claim(text, quote, quote)
    made.speaker = speaker
    for name, value in extra.items():
        object.__setattr__(made, name, value)
    return made


@pytest.mark.parametrize(
    ("said", "acceptable", "right"),
    [
        ("le Quai d'Orsay", ["Quai d’Orsay"], True),
        ("QUAI D’ORSAY", ["le Quai d'Orsay"], True),
        ("Ukraine's Air Force", ["Ukraine’s Air Force"], True),
        ("the Air Force", ["Air Force"], True),
        ("Kyiv's Air Force", ["Ukraine’s Air Force"], False),
        ("Sophie Binet", ["Mme Binet", "Sophie Binet"], True),
        ("Binet", ["Sophie Binet"], True),  # containment either way
        ("la préfecture", ["la prefecture du Var"], True),  # accents fold
        ("Guruji", ["GUR"], False),  # whole words only
        ("the article", ["Laurent Fabius", "le ministre des Affaires étrangères"], False),
        ("", ["the outlet"], False),
    ],
)
def test_a_speaker_is_matched_by_name(said: str, acceptable: list[str], right: bool) -> None:
    assert bench.same_speaker(said, acceptable) is right


def test_a_speaker_passage_in_the_result_counts_when_it_overlaps_the_labelled_one() -> None:
    text = "Le séisme a fait 5 500 morts, selon le Quai d’Orsay. Rien d'autre."
    fact = bench.Fact(
        "f1", "Le séisme a fait 5 500 morts", "5 500", "le ministère", speakers=("le ministère",),
        speaker_passage="le Quai d’Orsay",
    )  # fmt: skip
    at = text.find("Quai")
    wrong_name = "the outlet"
    assert not bench.speaker_right(speaking(text, wrong_name, "Le séisme a fait 5 500 morts"), fact, text)
    spans = speaking(text, wrong_name, "Le séisme a fait 5 500 morts", speaker_spans=[[at, at + 4]])
    assert bench.speaker_right(spans, fact, text)
    elsewhere = speaking(text, wrong_name, "Le séisme a fait 5 500 morts", speaker_spans=[[0, 9]])
    assert not bench.speaker_right(elsewhere, fact, text)
    quoted = speaking(text, wrong_name, "Le séisme a fait 5 500 morts", speaker_passage="Quai d’Orsay")
    assert bench.speaker_right(quoted, fact, text)


# --- statements that stand alone ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statement", "language", "why"),
    [
        ("Selon eux, au moins 30 soldats ont été tués.", "fr", "selon eux"),
        ("Il sera examiné par le Sénat.", "fr", "il"),
        ("Ce dernier a démenti.", "fr", "ce dernier"),
        ("Cette mesure entrera en vigueur en 2025.", "fr", "cette"),
        ("« Elle a été hospitalisée », a indiqué la police.", "fr", "elle"),
        ("La loi crée un fichier national.", "fr", "la loi"),
        ("He said the state was succeeding.", "en", "he"),
        ("It marked the sixth consecutive quarter of growth.", "en", "it"),
        ("These documents were obtained by the Citizen.", "en", "these"),
        ("The company, which faces losses, cut 4,000 jobs.", "en", "the company"),
        ("The measure passed 438 to 86.", "en", "the measure"),
        ("Du carburant, des missiles antiaériens…", "fr", "fragment"),
        ("New electric vehicles and a concept car.", "en", "fragment"),
    ],
)
def test_a_statement_that_does_not_stand_alone_is_found(statement: str, language: str, why: str) -> None:
    problem = bench.standalone_problem(statement, language)
    assert problem is not None and why in problem


@pytest.mark.parametrize(
    ("statement", "language"),
    [
        ("Les députés ont adopté le projet de loi sur le renseignement par 438 voix contre 86.", "fr"),
        ("La loi Evin interdit la publicité pour l'alcool.", "fr"),  # a name says which law
        ("Emmanuel Macron a reçu Sophie Binet le 29 août.", "fr"),
        ("Selon le Quai d’Orsay, 393 Français n'ont pas pu être joints.", "fr"),
        ("The Bank of Canada kept its policy rate at 2.25 per cent.", "en"),  # a complement says which
        ("Mexico’s economy grew by 1.1% in the first quarter of 2023.", "en"),
        ("Shares of Activision Blizzard jumped more than 11% on Tuesday.", "en"),
        ("Hermes plans to cut 420 jobs.", "en"),
        ("Heat waves killed 12 people in Texas.", "en"),  # "He" is not "Heat"
    ],
)
def test_a_statement_that_stands_alone_passes(statement: str, language: str) -> None:
    assert bench.standalone_problem(statement, language) is None


def test_score_counts_the_verified_statements_that_do_not_stand_alone() -> None:
    text = "Le préfet a compté 12 blessés mardi. Il a ajouté que 3 étaient graves."
    article = bench.Article("a", Path("a.txt"), text, "fr", (), ())
    claims = [
        claim(text, "Le préfet a compté 12 blessés mardi.", "Le préfet a compté 12 blessés mardi."),
        claim(text, "Il a ajouté que 3 étaient graves.", "Il a ajouté que 3 étaient graves."),
        claim(text, "Il a parlé.", "Il a ajouté que 3 étaient graves.", verified=False),
    ]
    verdict = bench.score(article, claims)
    assert verdict.verified == 2
    assert list(verdict.not_standalone) == [1]


# --- baselines ----------------------------------------------------------------------------------------


def test_the_copy_sentence_baseline_is_the_kept_sentences_checked_by_claimex() -> None:
    from claimex.text.selection import select_sentences

    article = bench.load_article(DEVSET / "fr_crues_arvel.facts.json")
    kept = [s for s in select_sentences(article.text) if s.skip is None]
    claims = bench.baseline_claims(article.text)
    assert len(claims) == len(kept) > 10
    for made, sentence in zip(claims, kept, strict=True):
        assert isinstance(made, Claim) and made.speaker == "the outlet"
        assert made.statement == sentence.text_of(article.text).strip()
        assert made.evidence[0].spans == [(sentence.start, sentence.end)]
        assert made.verified, made.support.problems  # the sentence is the article's own
    first = bench.baseline_claims(article.text, 10)
    assert [c.statement for c in first] == [c.statement for c in claims[:10]]


def test_copying_sentences_finds_the_facts_but_not_who_says_them() -> None:
    rows = {}
    for name in bench.BASELINES:
        row = bench.Row("baseline", name)
        for article in bench.load_devset(devset=bench.SETS["dev"]):
            row.add(bench.baseline_outcome(article, name))
        rows[name] = row
    copy, first = rows["copy-sentence"], rows["first-10"]
    # Recall alone proves nothing... (a copied sentence that opens on a reference, "Selon eux",
    # fails the standalone rule: 40 of the 50 facts are found, all of them with 0 model calls)
    assert copy.covered >= 0.75 * copy.facts
    assert copy.speaker_right < 0.6 * copy.covered  # ...its speaker is always "the outlet"
    assert first.covered < copy.covered and first.claims <= 10 * first.articles
    assert copy.top == first.top  # the first ten claims are the same
    assert copy.requests == copy.prompt_tokens == 0


# --- rows, rescoring, the command -------------------------------------------------------------------


def test_a_row_reports_the_new_columns() -> None:
    row = bench.Row("model", "sentences")
    stats = {"claims": 12, "verified": 10, "failed_chunks": 0, "prompt_tokens": 5, "completion_tokens": 2,
             "requests": 3, "cache_hit": False}  # fmt: skip
    score = {"covered": ["f1", "f2", "f3", "f4"], "speaker_right": ["f1", "f2", "f3"], "hedged": 4,
             "hedging_right": ["f1"], "top10": ["f1", "f2"], "not_standalone": {"3": "opens on 'il'"},
             "unsupported": {}, "junk": []}  # fmt: skip
    row.add({"facts": 5, "characters": 4000, "wall_seconds": 300.0, "error": None, "result": {"stats": stats},
             "score": score})  # fmt: skip
    cells = dict(zip(bench.HEADERS, row.cells(), strict=True))
    assert cells["recall"] == "4/5 80%"
    assert cells["speaker"] == "3/4 75%"
    assert cells["hedge"] == "1/4 25%"
    assert cells["alone-"] == "1/10 10%"
    assert cells["top10"] == "2/5 40%"
    assert cells["s/1k chars"] == "75.0"


def test_rescore_scores_a_previous_run_again_with_no_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    articles = bench.load_devset(devset=DEVSET)
    run = tmp_path / "run" / "some-model" / "sentences"
    run.mkdir(parents=True)
    expected = bench.Row("some-model", "sentences")
    for article in articles:
        outcome = bench.baseline_outcome(article, "copy-sentence")
        outcome["wall_seconds"] = 10.0
        (run / f"{article.name}.json").write_text(json.dumps(outcome, ensure_ascii=False), encoding="utf-8")
        expected.add(outcome)
    out = tmp_path / "out"
    assert bench.main(["--set", "synthetic", "--rescore", str(tmp_path / "run"), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    rows = json.loads((out / "summary.json").read_text(encoding="utf-8"))["rows"]
    again = next(row for row in rows if row["model"] == "some-model")
    assert again == asdict(expected)
    assert {row["strategy"] for row in rows} == {"sentences", *bench.BASELINES}
    assert "some-model" in printed and "copy-sentence" in printed
    assert (out / "some-model" / "sentences" / f"{articles[0].name}.json").is_file()


def test_the_command_runs_the_baselines_without_a_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert bench.main(["--set", "synthetic", "--no-model", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "copy-sentence" in printed and "first-10" in printed
    saved = json.loads((tmp_path / "baseline" / "first-10" / "seed.json").read_text(encoding="utf-8"))
    assert saved["score"]["recall"].endswith("/5") and saved["result"]["claims"]


@pytest.mark.parametrize("value", ["no-such-set", "/nonexistent/folder"])
def test_a_set_that_does_not_exist_is_one_line(value: str) -> None:
    with pytest.raises(SystemExit, match=r"--set .*neither"):
        bench.main(["--set", value, "--no-model"])
