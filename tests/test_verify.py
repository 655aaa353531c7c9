"""Unit tests of the evidence verifier on the real seed article (French, ’ and « » with U+00A0)."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from claimex.checks.folding import normalize
from claimex.checks.verify import MAX_ELISION_GAP, SourceIndex, split_elisions, verify_quote
from claimex.models import Difference, Evidence

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_a74d49738eea9ff9.txt"
TEXT = SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def index() -> SourceIndex:
    return SourceIndex(TEXT)


def passages(ev: Evidence, text: str = TEXT) -> list[str]:
    return [text[s:e] for s, e in ev.spans]


def diffs(ev: Evidence) -> list[tuple[str, str]]:
    return [(d.source, d.quote) for d in ev.differences]


def test_seed_has_the_typography_the_tests_rely_on() -> None:
    assert "qualifiées «\u00a0d’importantes\u00a0»" in TEXT
    assert TEXT.count("dans la région de Koursk") == 3


# ----------------------------------------------------------------------------------- exact


def test_exact_quote(index: SourceIndex) -> None:
    ev = index.locate("au moins 30 soldats nord-coréens auraient été tués ou blessés")
    assert ev.status == "exact"
    assert ev.spans == [(515, 576)]
    assert ev.score == 100.0
    assert ev.occurrences == 1
    assert ev.differences == []
    assert ev.verified


def test_exact_quote_with_surrounding_whitespace_is_trimmed(index: SourceIndex) -> None:
    ev = index.locate("  Koursk \n")
    assert (ev.status, ev.spans, ev.occurrences) == ("exact", [(660, 666)], 3)


def test_exact_verbatim_with_no_break_spaces_inside_guillemets(index: SourceIndex) -> None:
    ev = index.locate("«\u00a0une aide militaire immédiate\u00a0»")
    assert (ev.status, ev.spans) == ("exact", [(1622, 1654)])


def test_verify_quote_convenience() -> None:
    assert verify_quote(TEXT, "Lloyd Austin").spans == [(2209, 2221)]
    assert verify_quote(TEXT, "Lloyd Austin").status == "exact"


# ------------------------------------------------------------------------------ normalized


def test_straight_apostrophe_for_curly(index: SourceIndex) -> None:
    ev = index.locate("Une information choc vient d'être révélée")
    assert (ev.status, ev.spans, ev.score) == ("normalized", [(401, 442)], 100.0)
    assert passages(ev) == ["Une information choc vient d’être révélée"]


@pytest.mark.parametrize("apostrophe", ["'", "ʼ", "‘", "`"])
def test_every_apostrophe(index: SourceIndex, apostrophe: str) -> None:
    ev = index.locate(f"L{apostrophe}Ukraine accuse et s{apostrophe}inquiète")
    assert (ev.status, ev.spans) == ("normalized", [(1701, 1731)])


def test_straight_quotes_for_guillemets_with_no_break_spaces(index: SourceIndex) -> None:
    ev = index.locate('ces pertes qualifiées "d\'importantes"')
    assert ev.status == "normalized"
    assert ev.spans == [(753, 792)]
    # The span takes in the source's own guillemets because the quote has marks there too.
    assert passages(ev) == ["ces pertes qualifiées «\u00a0d’importantes\u00a0»"]


@pytest.mark.parametrize(
    "quote",
    [
        '"une aide militaire immédiate"',
        "“une aide militaire immédiate”",
        "„une aide militaire immédiate“",
        "« une aide militaire immédiate »",
        "«une aide militaire immédiate»",
    ],
)
def test_quotation_marks(index: SourceIndex, quote: str) -> None:
    ev = index.locate(quote)
    assert (ev.status, ev.spans) == ("normalized", [(1622, 1654)])


def test_quote_without_the_quotation_marks(index: SourceIndex) -> None:
    ev = index.locate("en son article 4 une aide militaire immédiate en cas")
    assert (ev.status, passages(ev)) == (
        "normalized",
        ["en son article 4 «\u00a0une aide militaire immédiate\u00a0» en cas"],
    )


def test_whitespace_runs_and_line_breaks(index: SourceIndex) -> None:
    ev = index.locate("au moins 30\n soldats   nord-coréens\tauraient\u202fété\u2009tués")
    assert (ev.status, ev.spans) == ("normalized", [(515, 565)])


def test_french_space_before_punctuation(index: SourceIndex) -> None:
    ev = index.locate("Combien sont-ils réellement?")
    assert (ev.status, passages(ev)) == ("normalized", ["Combien sont-ils réellement ?"])
    ev = SourceIndex("une baisse de 30\u202f% selon l’Insee").locate("une baisse de 30% selon l'Insee")
    assert (ev.status, ev.spans) == ("normalized", [(0, 32)])


def test_case(index: SourceIndex) -> None:
    ev = index.locate("AU MOINS 30 SOLDATS NORD-CORÉENS")
    assert (ev.status, ev.spans) == ("normalized", [(515, 547)])


def test_dash_variants(index: SourceIndex) -> None:
    ev = index.locate("Nord–Coréens")
    assert ev.status == "normalized"
    assert ev.spans == [(33, 45)]
    assert ev.occurrences == 6  # case-folded: "Nord-Coréens" twice, "nord-coréens" four times


def test_nfd_quote_in_nfc_text(index: SourceIndex) -> None:
    quote = unicodedata.normalize("NFD", "soldats nord-coréens auraient été tués")
    assert quote != "soldats nord-coréens auraient été tués"
    ev = index.locate(quote)
    assert (ev.status, ev.spans) == ("normalized", [(527, 565)])


def test_nfc_quote_in_nfd_text_gives_offsets_in_the_nfd_text() -> None:
    text = unicodedata.normalize("NFD", TEXT)
    ev = SourceIndex(text).locate("soldats nord-coréens auraient été tués")
    assert ev.status == "normalized"
    ((start, end),) = ev.spans
    assert text[start:end] == unicodedata.normalize("NFD", "soldats nord-coréens auraient été tués")
    assert start == text.index(unicodedata.normalize("NFD", "soldats nord-coréens auraient"))


@pytest.mark.parametrize("mark", ["...", "…", "[...]", "(...)", "[…]", "(…)", " ... ", " [...] ", ". . ."])
def test_each_elision_form(index: SourceIndex, mark: str) -> None:
    ev = index.locate(f"Selon eux,{mark}30 soldats nord-coréens")
    assert ev.status == "normalized"
    assert ev.spans == [(504, 514), (524, 547)]
    assert passages(ev) == ["Selon eux,", "30 soldats nord-coréens"]
    assert ev.occurrences == 1


def test_elision_across_paragraphs_within_the_gap(index: SourceIndex) -> None:
    ev = index.locate("Fin novembre [...] 10.000")
    assert (ev.status, passages(ev)) == ("normalized", ["Fin novembre", "10.000"])


def test_leading_and_trailing_elision(index: SourceIndex) -> None:
    ev = index.locate("[…] dans la région de Koursk, partiellement occupée…")
    assert (ev.status, ev.spans) == ("normalized", [(642, 689)])


def test_elision_parts_with_typography(index: SourceIndex) -> None:
    ev = index.locate("L'UKRAINE accuse [...] s'inquiète")
    assert (ev.status, passages(ev)) == ("normalized", ["L’Ukraine accuse", "s’inquiète"])


def test_elision_in_the_source_itself(index: SourceIndex) -> None:
    ev = index.locate("soulève de nombreuses questions… Combien sont-ils réellement ?")
    assert (ev.status, ev.spans) == ("normalized", [(308, 372)])


def test_expansion_before_the_match_keeps_offsets() -> None:
    text = "Die Straße, la ﬁn, Koursk."
    ev = SourceIndex(text).locate("KOURSK")
    assert (ev.status, ev.spans) == ("normalized", [(19, 25)])
    assert SourceIndex(text).locate("die strasse").spans == [(0, 10)]
    assert SourceIndex(text).locate("la fin").spans == [(12, 17)]


def test_non_bmp_emoji_offsets_are_code_points() -> None:
    text = "🎉🇫🇷 Bilan : au moins 30 soldats 👍🏽 tués"
    ev = SourceIndex(text).locate("Au moins 30 soldats")
    assert ev.status == "normalized"
    assert ev.spans == [(12, 31)]
    assert text[12:31] == "au moins 30 soldats"
    assert SourceIndex(text).locate("tués").spans == [(35, 39)]


def test_soft_hyphen_and_zero_width_space_in_the_source() -> None:
    text = "les ren\u00adseignements ukrai\u200bniens"
    ev = SourceIndex(text).locate("les renseignements ukrainiens")
    assert (ev.status, ev.spans) == ("normalized", [(0, len(text))])


# ------------------------------------------------------------------------ occurrences, prefer


def test_multiple_occurrences_first_wins(index: SourceIndex) -> None:
    ev = index.locate("dans la région de Koursk")
    assert (ev.status, ev.spans, ev.occurrences) == ("exact", [(642, 666)], 3)


def test_prefer_chooses_the_occurrence_in_the_chunk(index: SourceIndex) -> None:
    ev = index.locate("dans la région de Koursk", prefer=(1800, 2000))
    assert (ev.spans, ev.occurrences) == ([(1867, 1891)], 3)
    ev = index.locate("DANS LA RÉGION DE KOURSK", prefer=(2200, 2400))
    assert (ev.status, ev.spans) == ("normalized", [(2307, 2331)])


def test_prefer_outside_every_occurrence_falls_back_to_the_first(index: SourceIndex) -> None:
    assert index.locate("Koursk", prefer=(0, 100)).spans == [(660, 666)]


# ----------------------------------------------------------------------------------- fuzzy


def test_changed_number(index: SourceIndex) -> None:
    ev = index.locate("au moins 31 soldats nord-coréens auraient été tués")
    assert ev.status == "fuzzy"
    assert not ev.verified
    assert ev.spans == [(515, 565)]
    assert diffs(ev) == [("30", "31")]
    assert str(ev.differences[0]) == "30 → 31"
    assert 90 <= ev.score < 100


@pytest.mark.parametrize(
    ("quote", "changed"),
    [
        ("quelque 5.000 hommes", ("50.000", "5.000")),
        ("quelque 5.0000 hommes", ("50.000", "5.0000")),
        ("quelque 50 000 hommes", ("50.000", "50 000")),
        ("quelque 50,000 hommes", ("50.000", "50,000")),
        ("quelque 60.000 hommes", ("50.000", "60.000")),
    ],
)
def test_changed_thousands(index: SourceIndex, quote: str, changed: tuple[str, str]) -> None:
    ev = index.locate(quote)
    assert (ev.status, ev.spans, diffs(ev)) == ("fuzzy", [(2011, 2032)], [changed])


def test_changed_place(index: SourceIndex) -> None:
    ev = index.locate("dans la région de Belgorod")
    assert (ev.status, ev.spans, diffs(ev)) == ("fuzzy", [(642, 666)], [("Koursk", "Belgorod")])


def test_changed_day_and_month(index: SourceIndex) -> None:
    ev = index.locate("Zelensky a pointé du doigt dimanche la présence de troupes nord-coréennes")
    assert (ev.status, diffs(ev)) == ("fuzzy", [("samedi", "dimanche")])
    ev = index.locate("Fin décembre, le secrétaire américain à la Défense Lloyd Austin")
    assert (ev.status, diffs(ev)) == ("fuzzy", [("novembre", "décembre")])


def test_changed_name_keeps_the_rest_of_the_sentence(index: SourceIndex) -> None:
    ev = index.locate("par les services de renseignement militaire russe (GUR)")
    assert (ev.status, passages(ev)) == (
        "fuzzy",
        ["par les services de renseignement militaire ukrainien (GUR)"],
    )
    assert diffs(ev) == [("ukrainien", "russe")]


def test_dropped_negation(index: SourceIndex) -> None:
    ev = index.locate("Confirmation et démenti de ce déploiement")
    assert ev.status == "fuzzy"
    assert diffs(ev) == [(", ni", "et")]


def test_added_negation(index: SourceIndex) -> None:
    ev = index.locate("Pyongyang n'est pas resté tout aussi silencieux")
    assert (ev.status, ev.spans) == ("fuzzy", [(1243, 1284)])
    assert diffs(ev) == [("", "n'"), ("", "pas")]


def test_elision_over_a_negation_is_not_verified(index: SourceIndex) -> None:
    ev = index.locate("Ni confirmation, [...] démenti de ce déploiement")
    assert ev.status == "fuzzy"
    assert passages(ev) == ["Ni confirmation,", "démenti de ce déploiement"]
    assert diffs(ev) == [("ni", "[…]")]
    assert ev.score < 100


def test_dropped_qualifier(index: SourceIndex) -> None:
    ev = index.locate("Selon eux, 30 soldats nord-coréens auraient été tués")
    assert (ev.status, ev.spans, diffs(ev)) == ("fuzzy", [(504, 565)], [("au moins", "")])


def test_changed_mood(index: SourceIndex) -> None:
    ev = index.locate("au moins 30 soldats nord-coréens ont été tués")
    assert (ev.status, diffs(ev)) == ("fuzzy", [("auraient", "ont")])
    ev = index.locate("ont été tués ou blessés")
    assert (ev.status, passages(ev), diffs(ev)) == (
        "fuzzy",
        ["auraient été tués ou blessés"],
        [("auraient", "ont")],
    )


def test_stripped_accents_are_a_changed_letter(index: SourceIndex) -> None:
    ev = index.locate("auraient ete tues ou blesses")
    assert ev.status == "fuzzy"
    assert ("blessés", "blesses") in diffs(ev)


def test_glued_letter_is_not_verified(index: SourceIndex) -> None:
    ev = index.locate("auraient été tué")
    assert (ev.status, diffs(ev)) == ("fuzzy", [("tués", "tué")])


def test_digit_dropped_at_the_edge_is_not_verified() -> None:
    text = "Selon Kiev, 130 soldats ont été tués."
    ev = SourceIndex(text).locate("30 soldats ont été tués")
    assert (ev.status, diffs(ev)) == ("fuzzy", [("130", "30")])


def test_cut_number_is_not_verified(index: SourceIndex) -> None:
    ev = index.locate("000 hommes")
    assert (ev.status, diffs(ev)) == ("fuzzy", [("50.000", "000")])
    assert not SourceIndex("Il fait 30,5 degrés").locate("Il fait 30").verified
    assert not SourceIndex("Il fait -5 degrés").locate("5 degrés").verified
    assert not SourceIndex("environ 50\u00a0000 hommes").locate("000 hommes").verified
    assert not SourceIndex("environ 50 000 hommes").locate("environ 50").verified


def test_numbers_next_to_numbers_that_are_not_one_number() -> None:
    # A plain space before a 2-digit group is no thousands separator; a hyphen after a word is no sign.
    assert SourceIndex("en 2023 30 soldats").locate("30 soldats").status == "exact"
    assert SourceIndex("Nord-5 et Sud-6").locate("5 et Sud").status == "exact"


def test_glued_inside_a_word_is_not_verified() -> None:
    ev = SourceIndex("Die Straße ist lang").locate("Stra")
    assert not ev.verified
    assert not SourceIndex("Die Straße ist lang").locate("die stras").verified


def test_out_of_order_elision_is_not_verified(index: SourceIndex) -> None:
    ev = index.locate("30 soldats nord-coréens [...] Selon eux,")
    assert ev.status == "fuzzy"
    assert passages(ev) == ["Selon eux,", "30 soldats nord-coréens"]
    assert ev.score < 100


def test_elision_parts_too_far_apart_are_not_verified(index: SourceIndex) -> None:
    quote = "Les services de renseignement ukrainiens [...] contactez-nous."
    ev = index.locate(quote)
    assert ev.status == "fuzzy"
    assert ev.spans == [(109, 149), (3248, 3263)]
    assert ev.spans[1][0] - ev.spans[0][1] > MAX_ELISION_GAP


def test_elision_picks_the_close_occurrence_of_a_repeated_part() -> None:
    far = "x " * MAX_ELISION_GAP
    text = f"Kiev a dit. {far}Kiev a dit. Plus loin, Moscou dément."
    ev = SourceIndex(text).locate("Kiev a dit [...] Moscou dément")
    assert ev.status == "normalized"
    assert ev.spans[0][0] == text.rindex("Kiev a dit")


def test_a_changed_word_in_a_long_text_is_shown_at_its_passage() -> None:
    # 300 KB of CPython's documentation: its words recur thousands of times ("the", "object"); the
    # closest passage is found by the pairs of words the quote keeps.
    from pydoc_data.topics import topics

    text = "\n\n".join(topics[key] for key in sorted(topics))[:300_000]
    index = SourceIndex(text)
    words = list(re.finditer(r"[A-Za-z]{3,}", text))
    shown = 0
    for k in range(0, len(words) - 20, 53):
        length = 5 + k % 9
        run = words[k : k + length]
        start, end = run[0].start(), run[-1].end()
        if not re.fullmatch(r"[A-Za-z ]+", text[start:end]):
            continue  # letters and single spaces only: the passage is the text's, word for word
        middle = run[length // 2]
        quote = text[start : middle.start()] + "Zqxv" + text[middle.end() : end]
        ev = index.locate(quote)
        assert ev.status == "fuzzy", quote
        # The passage, or the same words where the documentation repeats them.
        assert passages(ev, text) == [text[start:end]], quote
        assert diffs(ev) == [(middle.group(), "Zqxv")], quote
        shown += 1
    assert shown >= 25


# ---------------------------------------------------------------------------------- missing


def test_translation_is_missing(index: SourceIndex) -> None:
    ev = index.locate("at least 30 North Korean soldiers were killed or wounded this weekend")
    assert (ev.status, ev.spans) == ("missing", [])
    assert ev.score < 60


def test_quote_from_another_text_is_missing(index: SourceIndex) -> None:
    ev = index.locate("The quick brown fox jumps over the lazy dog")
    assert (ev.status, ev.spans, ev.differences) == ("missing", [], [])


@pytest.mark.parametrize("quote", ["", " ", "\n\t\u00a0", "...", "[…]", "« »", '""', "—", "(...) [...]"])
def test_empty_or_punctuation_only_quote_is_missing(index: SourceIndex, quote: str) -> None:
    ev = index.locate(quote)
    assert (ev.status, ev.spans, ev.occurrences, ev.score) == ("missing", [], 0, 0.0)
    assert not ev.verified


def test_empty_text() -> None:
    assert SourceIndex("").locate("Koursk").status == "missing"
    assert SourceIndex("   ").locate("Koursk").status == "missing"


# ------------------------------------------------------------------------- the building blocks


def test_normalize_offset_map() -> None:
    text = "L’«\u00a0Straße\u00a0»  —  e\u0301té…"
    folded, starts, ends = normalize(text)
    assert folded == "l'strasse-été..."
    assert len(starts) == len(ends) == len(folded)
    assert [text[s:e] for s, e in zip(starts, ends, strict=True)][:8] == [
        "L",
        "’",
        "S",
        "t",
        "r",
        "a",
        "ß",
        "ß",
    ]
    assert text[starts[10] : ends[10]] == "e\u0301"


def test_normalize_separators() -> None:
    assert normalize('il a dit « vrai ». Puis "faux".')[0] == "il a dit vrai. puis faux."
    assert normalize("2014 – 2015 et 2014--2015")[0] == "2014-2015 et 2014-2015"
    assert normalize("10 - -5")[0] != normalize("10 - 5")[0]
    assert normalize("Quoi ? 30 % ( environ )")[0] == "quoi? 30% (environ)"


def test_split_elisions() -> None:
    quote = "a b [...] c … d"
    assert [quote[a:b] for a, b in split_elisions(quote)] == ["a b", "c", "d"]
    assert split_elisions("[...] ...") == []


def test_difference_model_is_the_shared_one(index: SourceIndex) -> None:
    ev = index.locate("dans la région de Belgorod")
    assert ev.differences == [Difference(source="Koursk", quote="Belgorod")]
