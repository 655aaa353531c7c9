"""The forked French processor gives pysbd's sentences, on real texts and on texts made to hit its rules."""

from __future__ import annotations

import random

import pysbd
import pytest

from claimex.text import pysbd_fr
from claimex.text.sentences import PARAGRAPH_BREAK
from conftest import ROOT

# Pieces that set off pysbd's rules: list items, abbreviations (French, and the case variants
# and look-alike letters `re.IGNORECASE` matches), numbers, ellipses, quotes and brackets,
# exclamations, placeholders pysbd uses itself, addresses and file names.
PIECES = (
    "a. b. c. i. ii. iii. iv. a) b) c) (a) (b) (i) (ii) (iv) 1. 2. 3. 10. 11. 1) 2) 3) M. Mme. etc. al. av. "
    "env. ex. p.ex. c.-à-d. n.d.l.r. i.e. e.g. ... .... . . . ! !! ?! ?? ??? !!! ? « » \" ' ‘ ’ “ ” -- [ ] "
    "[1] [2, 3] ( ) ° 45°. U.S. U.S.A. E.U. Co. KG 's p.m. a.m. P.M. A.M. .pdf .jpg Yahoo! !Kung ſ İ ı K "
    "é É 50.000 3.5 12:30 foo@bar.com www.x.fr Il Elle Le La The I I'm Dupont dupont il le la phrase mot 1 2 "
    "2024 16 5.2 — – ; : , \t \n \n- -1. ⁃ ȸ ∯ ♨ ☝ &ᓴ& ƪ ( ). Ltd. Inc. Dr. St. Fig. fig. vol. Vol. ch.-l. "
    "n/réf. tél. éd. Éd. sq. ss. Ss. pp. PP. al. Al. AL. co. Co. CO. ex. Ex. royal. local. l'art. dir. Dir. "
    "sec. fr. Fr. mm. ms. Ms. cf. ca. ibid. id. Id. vs. Vs. ſs. ıd. İd. \u212aelvin. \u00a0 \u202f al.."
).split(" ")


def _made_up(count: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    separators = [" ", " ", " ", "", "  ", "\n"]
    return [
        "".join(rnd.choice(PIECES) + rnd.choice(separators) for _ in range(rnd.randint(1, 30))).strip() or "x"
        for _ in range(count)
    ]


def _paragraphs_of_the_repository() -> list[str]:
    paragraphs: dict[str, None] = {}
    for folder in ("seeds", "benchmarks/devset", "benchmarks/realset", "benchmarks/desk", "examples"):
        for path in sorted((ROOT / folder).rglob("*.txt")):
            for paragraph in PARAGRAPH_BREAK.split(path.read_text(encoding="utf-8")):
                if paragraph.strip():
                    paragraphs[paragraph] = None
    return list(paragraphs)


def _pysbd(paragraph: str) -> list[str]:
    sentences = pysbd.Segmenter(language="fr", clean=False).processor(paragraph).process()
    return sentences or []


def test_the_repository_texts_are_segmented_as_pysbd_does() -> None:
    paragraphs = _paragraphs_of_the_repository()
    assert len(paragraphs) > 400
    differences = [p for p in paragraphs if pysbd_fr.segment(p) != _pysbd(p)]
    assert differences == []


@pytest.mark.parametrize("seed", range(2))
def test_texts_made_to_hit_the_rules_are_segmented_as_pysbd_does(seed: int) -> None:
    paragraphs = _made_up(2000, seed)
    differences = [
        (p, pysbd_fr.segment(p), _pysbd(p)) for p in paragraphs if pysbd_fr.segment(p) != _pysbd(p)
    ]
    assert differences == []


@pytest.mark.parametrize(
    ("paragraph", "expected"),
    [
        (
            "M. Dupont a compté 50.000 hommes. Il est parti.",
            ["M. Dupont a compté 50.000 hommes.", "Il est parti."],
        ),
        (
            "Voir la fig. 3 et le vol. 2 de la revue. Puis la suite.",
            ["Voir la fig. 3 et le vol. 2 de la revue.", "Puis la suite."],
        ),
        ("a. Un. b. Deux. c. Trois.", ["a. Un.", "b. Deux.", "c. Trois."]),
        ("« Il viendra. » Et il vint!", ["« Il viendra. » Et il vint!"]),
        ("", []),
    ],
)
def test_examples(paragraph: str, expected: list[str]) -> None:
    assert pysbd_fr.segment(paragraph) == _pysbd(paragraph) == expected
