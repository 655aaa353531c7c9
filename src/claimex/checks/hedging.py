"""How firmly the text holds what it says, read from its words: cues decide, not a model.

Strongest first: a denial ("a démenti", "se défend", "denied") makes it `denied`; an accusation
word ("présumé", "allegedly", "accused of") `alleged`; a possibility ("pourrait", "could",
"might") that no one is credited with `hypothetical` (credited, it is that source's forecast);
a source ("selon", "according to", a reporting verb with its speaker), a quotation, or the
French conditional of reported speech ("auraient été tués") `reported`. A sentence with none of
these is the outlet's plain statement: `asserted`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..models import Hedging
from . import lexicon


def _cue_pattern(cues: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(cue.strip()) for cue in sorted(cues, key=len, reverse=True))
    return re.compile(rf"(?<![\w'])(?:{alternatives})(?![\w])", re.IGNORECASE)


_DENIAL = _cue_pattern(lexicon.DENIAL_CUES)
_ALLEGATION = _cue_pattern(lexicon.ALLEGATION_CUES)
# "May" is a month; only the lower-case modal hedges.
_HYPOTHETICAL = re.compile(
    # French "si" is as often concessive ("Si le Kremlin a éludé…, Pyongyang…") as hypothetical.
    r"(?<![\w'])(?:(?i:pourrai(?:en)?t|risquen?t de|could|might|if))(?!\w)|(?<![\w'])may(?!\w)"
)
_WOULD = re.compile(r"(?<![\w'])would(?!\w)", re.IGNORECASE)
_REPORTED = _cue_pattern(lexicon.REPORTED_CUES)
# The French conditional: "se seraient produites", "auraient signé", "coûterait" (not "retrait",
# "portrait", "trait").
_CONDITIONAL = re.compile(
    r"(?<![\w'])(?:aurai(?:en)?t|serai(?:en)?t|devrai(?:en)?t)(?!\w)|(?<![\w'])\w+(?<!t)rai(?:en)?t(?!\w)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class HedgingReading:
    hedging: Hedging
    cue: str | None  # the words that decided it; None for a plain assertion


def read_hedging(passage: str, *, attributed: bool) -> HedgingReading:
    """The hedging of `passage`; `attributed`: a reporting cue names who says it (not the outlet)."""
    text = lexicon.straight_apostrophes(passage)
    for pattern, hedging in ((_DENIAL, Hedging.denied), (_ALLEGATION, Hedging.alleged)):
        match = pattern.search(text)
        if match:
            return HedgingReading(hedging, match.group())
    # Attributed, a possibility is the source's forecast: reported ("Goldman Sachs estimates that
    # production could rise"). Unattributed, it is the article's own hedge.
    match = None if attributed else (_HYPOTHETICAL.search(text) or _WOULD.search(text))
    if match:
        return HedgingReading(Hedging.hypothetical, match.group())
    match = _REPORTED.search(text) or _CONDITIONAL.search(text)
    if match:
        return HedgingReading(Hedging.reported, match.group())
    if attributed:
        return HedgingReading(Hedging.reported, "a reporting verb")
    return HedgingReading(Hedging.asserted, None)
