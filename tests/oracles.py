"""Oracles that are not the code under test: a person's verdicts on the recorded claims, and a
skeleton of letters and digits that no typography may change.

`LABELS` holds, for every claim the cassettes' answers give, what a reader of its evidence says:
does the evidence (the quotes, as they stand in the article) state the claim, its numbers and its
names? They were written by reading each claim and its quotes, not by running claimex. A new
recording (`make record`) gives new claims, which have no label: the test then says which, and
a person reads and labels them; a label is never copied from claimex's output.

`KNOWN_WRONG` are the claims where claimex and the reader disagree today: the test checks that
they still do, so that the day the support check is fixed the entry is moved, not forgotten.
"""

from __future__ import annotations

import unicodedata
from typing import Any

APOSTROPHES = "'’ʼ‘"


def skeleton(s: str) -> str:
    """Letters and digits only, in NFC and case-folded: what no typography may change."""
    folded = unicodedata.normalize("NFC", unicodedata.normalize("NFC", s).casefold())
    return "".join(ch for ch in folded if ch.isalnum() and ch not in APOSTROPHES)


# statement, as the model wrote it → (the evidence supports it, why)
LABELS: dict[str, tuple[bool, str]] = {
    # --- the seed, strategy single (test_seed_article…, test_second_run…, test_cli's result file) ---
    "Soldats nord-coréens tués et blessés en Russie selon les Renseignements Ukrainiens": (
        False,
        "the quote is the teaser: 'des pertes importantes parmi les soldats nord-coréens combattant "
        "aux côtés des forces russes'; it says heavy losses, not killed and wounded, nor 'en Russie'",
    ),
    # --- the seed in chunks of 1,200 characters (test_long_text_is_chunked…) ---
    "Kiev a d'ailleurs averti que la Russie avait massé quelque 50.000 hommes, dont plusieurs "
    "milliers de Nord-Coréens, dans le but de reprendre le contrôle total de cette zone frontalière "
    "stratégique.": (True, "the quote is the article's sentence, apostrophe retyped"),
    "Soldats Nord-Coréens Tués Et Blessés En Russie Selon Les Renseignements Ukrainiens": (
        False,
        "the quotes are the teaser and 'GUR': neither says killed and wounded, nor 'en Russie'",
    ),
    "Un déploiement inédit qui soulève des questions": (
        False,
        "the quote stops at 'confirmé par les ...': the questions it raises are not in it, and "
        "'Un déploiement inédit' does not say of what",
    ),
    # --- en_hartwell_glass.txt, strategy sentences (test_sentences_of_several…, test_service) ---
    "Hartwell Glass will cut 420 of the 1,150 jobs at its Corran Vale factory, the company told "
    "staff on Monday 9 June 2025, in what would be the largest single round of redundancies in the "
    "town for two decades.": (True, "the sentence itself"),
    "Chief executive Martin Pryce said the firm's energy bill had risen from £18m in 2021 to £41m "
    "last year, and that one of its three furnaces would be shut down permanently by the end of "
    "September.": (True, "the sentence itself"),
    "The 140-year-old glassmaker says gas prices have made one of its furnaces unviable.": (
        True,
        "the standfirst's first sentence",
    ),
    "According to the Glass and Ceramics Workers' Union, which represents most of the shop-floor "
    "staff, the company reportedly turned down a £12.5m loan offered by the regional development "
    "agency in the spring.": (True, "the sentence itself"),
    "Glass production accounts for roughly 3.5% of the area's economic output, according to the "
    "county council.": (True, "the first clause of its sentence, with its source"),
    "The plant's suppliers employ an estimated 600 more people locally.": (
        True,
        "the second clause of the same sentence, word for word",
    ),
    "Under Section 188 of the Trade Union and Labour Relations (Consolidation) Act 1992, an employer "
    "proposing 100 or more redundancies at one establishment must consult staff representatives "
    "for at least 45 days before the first dismissal takes effect.": (True, "the sentence itself"),
    "The union says it will use that period to push for voluntary departures and redeployment.": (
        True,
        "the sentence itself ('that period' is the 45 days of the sentence before)",
    ),
    "The council leader, Priya Anand, said she had written to the business secretary asking for "
    '"urgent talks".': (True, "the sentence itself"),
}

# The support check passes these although their evidence does not state them (issue 25, point 2):
# its 'wording' and 'names' findings ("tués blessés", "Russie") do not block a verdict.
KNOWN_WRONG = frozenset(
    {
        "Soldats nord-coréens tués et blessés en Russie selon les Renseignements Ukrainiens",
        "Soldats Nord-Coréens Tués Et Blessés En Russie Selon Les Renseignements Ukrainiens",
    }
)


class _Claim:
    """A claim of a result file read as JSON, seen as the model's attributes."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.statement, self.verified, self.support = data["statement"], data["verified"], data["support"]


def assert_agrees_with_the_labels(claims: list[Any]) -> None:
    """Each claim is verified exactly when a reader says its evidence states it."""
    claims = [_Claim(c) if isinstance(c, dict) else c for c in claims]
    unlabelled = [claim.statement for claim in claims if claim.statement not in LABELS]
    assert not unlabelled, (
        "claims of the recording without a hand label (read each one's evidence and add it to "
        f"tests/oracles.py LABELS): {unlabelled}"
    )
    for claim in claims:
        supported, why = LABELS[claim.statement]
        if claim.statement in KNOWN_WRONG:
            assert claim.verified != supported, (
                f"claimex now agrees with the reader on {claim.statement!r}: move it out of KNOWN_WRONG"
            )
        else:
            assert claim.verified == supported, (claim.statement, why, claim.support)
