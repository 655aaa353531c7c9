"""The claim's verdict: its quotes located, then its support judged, against one article.

Both extraction strategies end here, and so do the validators that make the model re-ask and
`claimex verify`: a claim comes out of this module with its evidence located and its support
verdict, and `verified` follows from that verdict alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..models import Claim, Evidence, ExtractedClaim, Hedging, Quantity
from .support import ClaimParts, SupportChecker
from .verify import SourceIndex


@dataclass
class Article:
    """What checking claims against one text needs, built once per text."""

    text: str
    index: SourceIndex
    checker: SupportChecker
    # Each claim's verdict, by the claim as the model wrote it and the region preferred: a
    # re-asked model writes most of its claims again as they were, and they are checked once.
    verdicts: dict[tuple[str, tuple[int, int] | None], Claim] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, text: str) -> Article:
        index = SourceIndex(text)
        return cls(text, index, SupportChecker(text, folded=index.folded))  # the text is folded once


def verify_claim(claim: ExtractedClaim, article: Article, prefer: tuple[int, int] | None = None) -> Claim:
    """Locate the claim's quotes (preferring the region `prefer`), ground who says it and how
    firmly in the text they point to, and check that they support it."""
    if prefer is not None and prefer[0] <= 0 and prefer[1] >= len(article.text):
        # The whole text preferred is no preference (the same spans are picked): a chunk that is
        # the whole article finds the verdicts its answer's validator made.
        prefer = None
    # Everything read of the claim is in its JSON; the verdict depends on nothing else.
    key = (claim.model_dump_json(), prefer)
    known = article.verdicts.get(key)
    if known is not None:
        # A claim of its own, whatever is done to the other: rebuilt from its fields, a quarter
        # of what `model_copy(deep=True)` costs (copy.deepcopy walks every field in Python).
        return Claim.model_validate(known.model_dump())
    evidence = [article.index.locate(quote, prefer=prefer) for quote in claim.evidence]
    fields = grounded(claim.model_dump(exclude={"evidence"}), article.text, evidence)
    verdict = article.verdicts[key] = judged(fields, evidence, article.checker)
    return verdict


def grounded(fields: dict[str, Any], text: str, evidence: list[Evidence]) -> dict[str, Any]:
    """`readers.grounded`, loaded on first need. The readers (who says it, how firmly, when...)
    are the extraction's: `claimex verify` and the other users of `Article` check support only,
    and do not load them (4 ms of start-up)."""
    from .readers import grounded as read

    return read(fields, text, evidence)


def _hedging(value: Any) -> Hedging | None:
    if value is None:
        return None  # most claims files say nothing of it: no exception raised and caught for each
    try:
        return Hedging(value)
    except ValueError:
        return None


def claim_parts(fields: dict[str, Any], evidence: list[Evidence]) -> ClaimParts:
    return ClaimParts(
        statement=fields["statement"],
        evidence=evidence,
        entities=fields.get("entities") or (),
        quantities=[
            q if isinstance(q, Quantity) else Quantity.model_validate(q)
            for q in fields.get("quantities") or ()
        ],
        hedging=_hedging(fields.get("hedging")),
        speaker=fields.get("speaker") if isinstance(fields.get("speaker"), str) else None,
        speaker_spans=[tuple(span) for span in fields.get("speaker_spans") or ()],
        context_spans=[tuple(span) for span in fields.get("context_spans") or ()],
    )


def judged(fields: dict[str, Any], evidence: list[Evidence], checker: SupportChecker) -> Claim:
    """A claim with its support verdict; `verified` follows from it alone."""
    support = checker.check(claim_parts(fields, evidence))
    fields = {key: value for key, value in fields.items() if key not in ("evidence", "support", "verified")}
    return Claim(**fields, evidence=evidence, support=support, verified=support.verdict == "supported")
