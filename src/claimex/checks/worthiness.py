"""Which claims a desk checks first: a score from what makes a claim checkable, with its reasons.

Read without a model from the claim and its evidence, in the spirit of ClaimBuster's
check-worthiness: a figure, a named source, a named actor and a time make a claim specific
enough to check against the world; opinion words, a hedge of possibility and the lack of any
specific make it something no desk would check. The weights are plain numbers, chosen so that
a claim with a figure and a named source outranks any claim without either, and a claim with
neither a figure, a name nor a source scores under `LOW`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..models import CheckWorthiness, Hedging
from . import lexicon
from .figures import YEAR, find_figures

LOW = 0.25
"""Under this, a claim names nothing specific: no figure, no actor, no source."""

WEIGHTS = {
    "figure": 0.35,
    "source": 0.2,
    "actor": 0.15,
    "time": 0.1,
    "opinion": -0.3,
    "hypothetical": -0.1,
}
BASE = 0.15

OPINION = re.compile(
    # The word boundary before the cues is asked once, not once per cue: as the first item of
    # every alternative it kept `re` from skipping to where a cue can open, 120 µs a sentence
    # instead of 16. The same matches: every alternative asked it, every cue ends with `(?!\w)`.
    r"(?<![\w'])(?:" + "|".join(re.escape(cue) for cue in lexicon.OPINION_CUES) + r")(?!\w)",
    re.IGNORECASE,
)
"""An opinion word ("scandaleux", "disgraceful") as a whole word."""


@dataclass(frozen=True)
class Specifics:
    """What a claim names, as claimex's readers found it."""

    statement: str
    evidence: str  # the text of its evidence
    speaker: str | None  # None: the outlet's own voice
    names: Sequence[str]
    time: str | None
    hedging: Hedging


def check_worthiness(claim: Specifics) -> CheckWorthiness:
    """The claim's score (0 to 1) and the reasons for it, strongest first."""
    score = BASE
    reasons: list[str] = []
    figures = [f for f in find_figures(claim.statement) if not YEAR.match(f.text.strip())]
    if figures:
        score += WEIGHTS["figure"]
        reasons.append(f"a figure ({figures[0].text.strip()})")
    if claim.speaker:
        score += WEIGHTS["source"]
        reasons.append(f"a named source ({claim.speaker})")
    actors = [name for name in claim.names if not claim.speaker or name not in claim.speaker]
    if actors:
        score += WEIGHTS["actor"]
        reasons.append(f"a named actor ({actors[0]})")
    if claim.time:
        score += WEIGHTS["time"]
        reasons.append(f"a time ({claim.time})")
    opinion = OPINION.search(claim.statement) or OPINION.search(claim.evidence)
    if opinion:
        score += WEIGHTS["opinion"]
        reasons.append(f"opinion (“{opinion.group()}”)")
    if claim.hedging is Hedging.hypothetical:
        score += WEIGHTS["hypothetical"]
        reasons.append("a possibility, not a fact")
    if not (figures or claim.speaker or actors):
        reasons.append("nothing specific: no figure, no name, no source")
    return CheckWorthiness(score=round(min(1.0, max(0.0, score)), 2), reasons=reasons)
