"""What claimex's own readers say of a sentence and of a claim, so that a model writes only what they cannot.

For each sentence: its figures (as quantities), names, time, who says it (`attribution`), how
firmly (`hedging`), whether it stands alone (`standalone`), and so whether a model must restate
it (it does not stand alone, it states several figures, or several speakers are possible) or
whether it is its own claim. For each claim, however written: who says it as a span of the
article, the hedging cue, and its check-worthiness (`worthiness`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..models import CheckWorthiness, ClaimType, Evidence, Hedging, Quantity
from ..text.sentences import sentence_at
from .attribution import Candidate, Speakers, attributions, speakers
from .figures import YEAR, Figure, find_figures
from .hedging import HedgingReading, read_hedging
from .lexicon import OUTLET
from .standalone import fragment, not_standalone, opens_mid_sentence
from .support import SupportChecker, names_in
from .when import time_in
from .worthiness import OPINION, Specifics, check_worthiness

MAX_CANDIDATES = 4
"""Speakers offered to the model besides the article itself (its choice is a letter, A to E)."""

_APPROXIMATE = re.compile(
    r"(?:au moins|environ|près de|quelque|plus de|moins de|presque|jusqu'à|about|around|roughly|nearly|"
    r"almost|some|at least|up to|more than|over|less than|an estimated|estimated)\s*$",
    re.IGNORECASE,
)
_UNIT = re.compile(r"\s*(?:%|[^\W\d_]+(?:[-'’][^\W\d_]+)*)")
_QUOTE_MARKS = re.compile(r"[«“\"]")
_CLAUSE_BREAK = re.compile(
    r";|,\s*(?:and|but|yet|while|whereas|et|mais|tandis|alors|dont|including)\b"
    r"|\s(?:while|whereas|tandis que|alors que)\s",
    re.IGNORECASE,
)
_FUTURE = re.compile(
    r"(?<!\w)(?:will|va|vont|sera|seront|fera|feront)(?!\w)|\w+(?:era|eront|ira|iront)(?!\w)"
)


@dataclass(frozen=True)
class SentenceReading:
    """One sentence as the readers see it."""

    span: tuple[int, int]
    text: str
    context: tuple[tuple[int, int], ...]  # the sentences before it, for who "eux" is
    speakers: Speakers
    hedging: HedgingReading
    figures: tuple[Figure, ...]  # not years, not inside its time expression
    names: tuple[str, ...]
    time: str | None
    reference: str | None  # the words that keep it from standing alone
    fragment: bool  # a piece of the sentence before ("Un pacte qui…"), not a reference to it

    @property
    def checkable(self) -> bool:
        """Something a desk could check: a figure, a name, a source or a time."""
        return bool(self.figures or self.names or self.speakers.candidates or self.time)

    @property
    def restate_because(self) -> str | None:
        """Why a model must restate it, or None when the sentence is its own claim."""
        if self.reference is not None:
            return f"it does not stand alone (“{self.reference}”)"
        if self.several_facts:
            return "it states figures in clauses of their own: maybe several facts"
        if not self.speakers.settled:
            return f"{len(self.speakers.candidates)} people may be saying it"
        return None

    @property
    def several_facts(self) -> bool:
        """Figures in clauses of their own ("$4.8 million, while a replacement would cost $21
        million"): maybe two facts, for the model to split. "420 of the 1,150 jobs" is one."""
        figures = sorted(self.figures, key=lambda figure: figure.start)
        if any(
            a.value != b.value and _CLAUSE_BREAK.search(self.text[a.end : b.start])
            for a, b in itertools.pairwise(figures)
        ):
            return True
        # "…20% more powerful than the current model, yet Nissan says it will…": the cue governs
        # its own clause only; the figure before it is the outlet's, another fact.
        cues = [cue[0] - self.span[0] for cue in self.speakers.cues]
        return any(
            figure.end < cue and _CLAUSE_BREAK.search(self.text[figure.end : cue])
            for figure in figures
            for cue in cues
        )

    @property
    def candidates(self) -> tuple[Candidate, ...]:
        return self.speakers.candidates[:MAX_CANDIDATES]


PRONOUN_REACH = 6
"""Sentences read back for the speaker a pronoun stands for, when the context's two name none."""


def read_sentence(
    text: str,
    sentence: tuple[int, int],
    earlier: Sequence[tuple[int, int]],
    checker: SupportChecker,
    later: tuple[int, int] | None = None,
) -> SentenceReading:
    """The readers' view of `text[sentence]`; `earlier` are the sentences before it, nearest last,
    `later` the one after it."""
    words = text[sentence[0] : sentence[1]]
    said = heard(text, sentence, earlier, later)
    time = time_in(words)
    figures = tuple(_figures(words, time))
    names = tuple(name for name in names_in(words, checker.lower_case_words) if checker.in_article(name))
    return SentenceReading(
        span=sentence,
        text=words,
        context=tuple(earlier),
        speakers=said,
        hedging=_hedging(words, said),
        figures=figures,
        names=names,
        time=time,
        reference=not_standalone(words),
        fragment=fragment(words) is not None or opens_mid_sentence(words) is not None,
    )


def heard(
    text: str, sentence: tuple[int, int], earlier: Sequence[tuple[int, int]], later: tuple[int, int] | None
) -> Speakers:
    """Who the cues say says `text[sentence]`, `earlier` the sentences before it, nearest last."""
    said = speakers(text, sentence, earlier, later)
    if said.pronoun and not said.candidates:
        # "He said…", "He added…", "he expects…": a chain of pronouns goes back to the last
        # speaker named, often further than the sentences given; the nearest one named is it.
        wider = speakers(text, sentence, sentences_before(text, sentence, PRONOUN_REACH), later)
        if wider.candidates:
            said = replace(said, candidates=wider.candidates[:1])
    return said


def _hedging(words: str, said: Speakers) -> HedgingReading:
    # A cue names who says it (even as a pronoun), or the sentence is a quotation.
    return read_hedging(words, attributed=bool(said.candidates or said.cues) or _quoted(words))


def _quoted(sentence: str) -> bool:
    """A sentence that opens on a quotation mark is someone's words, whoever the cues name."""
    return sentence.lstrip()[:1] in '«“"„'


def _figures(text: str, time: str | None) -> list[Figure]:
    found = []
    for figure in find_figures(text):
        if YEAR.match(figure.text.strip()) and not figure.percent:
            continue
        if time and figure.text.strip() in time:
            continue
        found.append(figure)
    return found


def quantities_in(text: str, figures: Sequence[Figure] | None = None) -> list[Quantity]:
    """Each figure of `text` as a quantity: as written, its value, the word after it, and
    whether a word before it says it is approximate ("au moins 30", "about 12,000")."""
    quantities: list[Quantity] = []
    for figure in figures if figures is not None else _figures(text, time_in(text)):
        written = figure.text.strip()
        at = text.find(written)
        unit_match = _UNIT.match(text, at + len(written)) if at >= 0 else None
        unit = unit_match.group().strip() if unit_match else None
        quantities.append(
            Quantity(
                text=written[:60],
                value=float(figure.value),
                unit=(unit or None) and unit[:40],
                approximate=bool(at >= 0 and _APPROXIMATE.search(text[max(0, at - 20) : at])),
            )
        )
    return quantities[:4]


def claim_type(statement: str, *, figures: bool, speaker: str | None, hedging: Hedging) -> ClaimType:
    """What kind of claim it is, from its words: a cheap reading the model is not asked for."""
    if OPINION.search(statement):
        return ClaimType.opinion
    if hedging is Hedging.hypothetical or _FUTURE.search(statement.lower()):
        return ClaimType.prediction
    if speaker and _QUOTE_MARKS.search(statement):
        return ClaimType.quote
    if figures:
        return ClaimType.quantity
    if speaker:
        return ClaimType.attribution
    return ClaimType.event


def speaker_fields(text: str, candidate: Candidate | None) -> dict[str, Any]:
    """The claim's speaker as the article names them, with where; the outlet when none."""
    if candidate is None:
        return {"speaker": OUTLET, "speaker_spans": []}
    return {"speaker": " ".join(candidate.text_of(text).split()), "speaker_spans": [candidate.span]}


def sentence_claim(
    reading: SentenceReading, text: str, checker: SupportChecker, candidate: Candidate | None = None
) -> dict[str, Any]:
    """A sentence that stands alone, with one fact and one speaker, as its own claim."""
    if candidate is None and reading.candidates:
        candidate = reading.candidates[0]
    return claim_fields(reading.text.strip(), reading, text, checker, candidate=candidate, restated=False)


_SUBJECT_PRONOUNS = frozenset("he she they il elle ils elles".split())
_PRONOUNS_AFTER_A_SOURCE = frozenset("eux lui elle elles him her them".split())


def named_claim(reading: SentenceReading, text: str, checker: SupportChecker) -> dict[str, Any] | None:
    """ "He said the plant would close" as "Martin Pryce said the plant would close": the opening
    pronoun that a reporting cue credits, replaced by who the sentences before name.

    Only where the cues are certain: the sentence opens on a subject pronoun, that pronoun is
    the speaker of its reporting verb, and one speaker was named before. The name comes from the
    article; nothing else of the sentence changes. None otherwise.
    """
    words = reading.reference
    if not words or not reading.candidates or not reading.candidates[0].earlier:
        return None
    candidate = reading.candidates[0]
    # "He said…", or "Selon eux, …" / "According to him, …": the pronoun is the speaker.
    pronoun = words.split()[-1]
    if pronoun.lower() not in _SUBJECT_PRONOUNS | _PRONOUNS_AFTER_A_SOURCE:
        return None
    if pronoun.lower() in _PRONOUNS_AFTER_A_SOURCE and len(words.split()) < 2:
        return None
    start = reading.text.find(words) + len(words) - len(pronoun)
    words = pronoun
    opening = (reading.span[0] + start, reading.span[0] + start + len(words))
    credited = [a for a in attributions(text, *reading.span) if a.pronoun and a.speaker == opening]
    if not credited:
        return None
    name = " ".join(candidate.text_of(text).split())
    if start == 0:
        name = name[:1].upper() + name[1:]
    statement = reading.text[:start] + name + reading.text[start + len(words) :]
    source = sentence_at(text, candidate.span[0])
    fields = claim_fields(
        " ".join(statement.split()), reading, text, checker, candidate=candidate, restated=True
    )
    fields["context_spans"] = [source]
    return fields


def joined_claim(reading: SentenceReading, text: str, checker: SupportChecker) -> dict[str, Any] | None:
    """A sentence that does not stand alone ("Un pacte qui prévoit…", "The company shelved…") as a
    claim with the sentences it continues, word for word.

    The statement is the sentences as the article writes them, from the nearest one before that
    stands alone: it adds nothing, and it stands alone when that one does. None when there is no
    sentence before it.
    """
    if not reading.context:
        return None
    first = _first_standing(reading, text)
    start = reading.context[first][0]
    words = text[start : reading.span[1]]
    candidate = reading.candidates[0] if reading.candidates else None
    if candidate is None and reading.fragment:
        # A fragment continues the sentence before, and its speaker; a sentence that refers back
        # ("The company itself had…") is the outlet's unless its own cues say otherwise.
        said = speakers(text, reading.context[first], reading.context[:first])
        candidate = said.candidates[0] if said.candidates else None
    joined = replace(
        reading,
        text=words,
        context=reading.context[:first],
        hedging=read_hedging(words, attributed=candidate is not None or _quoted(words)),
    )
    return claim_fields(" ".join(words.split()), joined, text, checker, candidate=candidate, restated=False)


def joined_from(reading: SentenceReading, text: str) -> list[tuple[int, int]]:
    """The sentences `joined_claim` puts before a fragment: its evidence with the fragment's."""
    return list(reading.context[_first_standing(reading, text) :])


def _first_standing(reading: SentenceReading, text: str) -> int:
    """Of the sentences before, the nearest one that stands alone (or the earliest given)."""
    first = len(reading.context) - 1
    while first > 0 and not_standalone(text[reading.context[first][0] : reading.context[first][1]]):
        first -= 1
    return first


def claim_fields(
    statement: str,
    reading: SentenceReading,
    text: str,
    checker: SupportChecker,
    *,
    candidate: Candidate | None,
    restated: bool,
) -> dict[str, Any]:
    """Every field of a claim of `reading`'s sentence but its evidence, from the readers."""
    who = speaker_fields(text, candidate)
    figures = _figures(statement, time_in(statement))
    names = [name for name in names_in(statement, checker.lower_case_words) if checker.in_article(name)]
    hedging = reading.hedging
    fields: dict[str, Any] = {
        "statement": statement,
        "type": claim_type(
            statement,
            figures=bool(figures),
            speaker=who["speaker"] if candidate else None,
            hedging=hedging.hedging,
        ),
        **who,
        "hedging": hedging.hedging,
        "hedging_cue": hedging.cue,
        "entities": names,
        "quantities": quantities_in(statement, figures),
        "time": time_in(statement) or reading.time,
        "restated": restated,
        "context_spans": list(reading.context) if restated else [],
    }
    fields["checkworthiness"] = _worthiness(
        statement, reading.text, reading.hedging.hedging, who if candidate else None, names, fields["time"]
    )
    return fields


def _worthiness(
    statement: str,
    sentence: str,
    hedging: Hedging,
    who: dict[str, Any] | None,
    names: list[str],
    time: str | None,
) -> CheckWorthiness:
    """How worth checking a claim of `sentence` is, `who` its speaker (None: the outlet)."""
    return check_worthiness(
        Specifics(
            statement=statement,
            evidence=sentence,
            speaker=who["speaker"] if who else None,
            names=names,
            time=time,
            hedging=hedging,
        )
    )


def matching_candidate(candidates: Sequence[Candidate], text: str, said: str | None) -> Candidate | None:
    """The candidate a free-written speaker names (the single strategy's model), else the first."""
    if not candidates:
        return None
    wanted = " ".join((said or "").lower().split())
    for candidate in candidates:
        name = " ".join(candidate.text_of(text).lower().split())
        if wanted and (wanted in name or name in wanted):
            return candidate
    return candidates[0]


def sentences_before(text: str, sentence: tuple[int, int], count: int = 2) -> list[tuple[int, int]]:
    """The `count` sentences before `sentence`, nearest last (only their paragraphs are read)."""
    found: list[tuple[int, int]] = []
    cursor = sentence[0]
    while len(found) < count:
        position = cursor - 1
        while position > 0 and text[position].isspace():
            position -= 1
        if position <= 0:
            break
        before = sentence_at(text, position)
        if before[0] >= cursor:
            break
        found.insert(0, before)
        cursor = before[0]
    return found


def grounded(fields: dict[str, Any], text: str, evidence: Sequence[Evidence]) -> dict[str, Any]:
    """A model's claim (single strategy) with its speaker, hedging and check-worthiness from the text.

    The sentence of its first verified quote is read as the sentence strategy reads it, for what
    a claim written by a model takes from it: the speaker the model wrote is kept only where the
    cues name it (the first candidate otherwise, the outlet when there is none), and the cues
    decide the hedging. The rest of a reading (the sentence's names, figures, whether it stands
    alone) is the sentence strategy's: not read here, where it was half of a claim's check.
    """
    spans = [span for item in evidence if item.verified for span in item.spans]
    if not spans:
        return {**fields, "speaker_spans": [], "checkworthiness": None}
    sentence = sentence_at(text, spans[0][0])
    words = text[sentence[0] : sentence[1]]
    said = heard(text, sentence, sentences_before(text, sentence), None)
    hedging = _hedging(words, said)
    candidate = matching_candidate(said.candidates[:MAX_CANDIDATES], text, fields.get("speaker"))
    who = speaker_fields(text, candidate)
    names = list(fields.get("entities") or [])
    worthiness = _worthiness(
        fields["statement"],
        words,
        hedging.hedging,
        who if candidate else None,
        names,
        fields.get("time") or time_in(words),
    )
    return {
        **fields,
        **who,
        "hedging": hedging.hedging,
        "hedging_cue": hedging.cue,
        "checkworthiness": worthiness,
    }
