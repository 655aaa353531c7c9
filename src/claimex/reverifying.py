"""A claims file proved again against its article, with no model: `claimex verify`.

Any claims JSON (`{"claims": [{"statement": ..., "evidence": [{"quote": ...}]}]}` at least,
written by claimex or by anyone) gets each quote's status, spans, score and differences, each
claim's support and its verified flag, by the checks the extraction uses; every other field is
kept. What `regrounding` is for a task's records.

Its own module, not the pipeline's: `claimex verify` needs the checks and none of what asks a
model (strategies, the model client), and does not load them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from ._forking import available_cores, map_shares
from .checks.verdict import Article, claim_parts
from .errors import InputError
from .models import Quantity
from .text.documents import Document

REVERIFY_SHARE = 250
"""The fewest claims worth a process of their own in `reverify` (a fork and its results' trip
back cost about as much as checking this many claims)."""


def reverify(document: Document, payload: Any, *, name: str, jobs: int | None = 1) -> dict[str, Any]:
    """Fill in status, spans, score, `support` and `verified` on any claims JSON; every other field is kept.

    The minimum accepted is `{"claims": [{"statement": ..., "evidence": [{"quote": ...}]}]}`;
    a bare string is accepted as an evidence item too. `entities` (strings), `quantities`
    (objects with "text" and optionally "value", or strings) and `hedging` are read when present.

    `jobs`: processes to check the claims in (this one and forked copies of it, `_forking`),
    at most one per `REVERIFY_SHARE` claims; None: as many as the cores available. The result
    is the same for any number.
    """
    if not isinstance(payload, dict) or not isinstance(payload.get("claims"), list):
        raise InputError(f'{name}: expected a JSON object with a "claims" list')
    claims = payload["claims"]
    # The whole file is read before any quote is searched: a file refused is refused at once,
    # and the processes checking it never meet a malformed claim.
    given = [_claim_fields(claim, f"{name}: claims[{position}]") for position, claim in enumerate(claims)]
    article = Article.of(document.text)
    most = len(claims) // REVERIFY_SHARE  # the cores are looked up only for a file this long
    jobs = max(1, min(jobs or (available_cores() if most > 1 else 1), most))
    if jobs > 1:
        article.index.prepare()  # built once here, and the children have it for nothing

    def check_share(positions: Sequence[int]) -> list[tuple[list[dict[str, Any]], dict[str, Any]]]:
        checked = []
        for position in positions:
            quotes, fields = given[position]
            located = [article.index.locate(quote) for quote in quotes]
            support = article.checker.check(claim_parts(fields, located))
            dumped = [found.model_dump(mode="json") for found in located]
            checked.append((dumped, support.model_dump(mode="json")))
        return checked

    counts: Counter[str] = Counter()
    verified_claims = 0
    outcomes = map_shares(check_share, range(len(claims)), jobs)
    for claim, (located, support) in zip(claims, outcomes, strict=True):
        evidence = claim["evidence"]
        for number, (item, fields) in enumerate(zip(evidence, located, strict=True)):
            counts[fields["status"]] += 1
            evidence[number] = {**item, **fields} if isinstance(item, dict) else fields
        claim["support"] = support
        claim["verified"] = support["verdict"] == "supported"
        verified_claims += claim["verified"]
    previous_stats = payload.get("stats")
    payload["stats"] = {
        **(previous_stats if isinstance(previous_stats, dict) else {}),
        "claims": len(claims),
        "verified": verified_claims,
        "by_status": {
            status: counts.get(status, 0) for status in ("exact", "normalized", "fuzzy", "missing")
        },
    }
    return payload


def _claim_fields(claim: Any, where: str) -> tuple[list[str], dict[str, Any]]:
    """A claim of a claims file written by anyone: its quotes, and the fields the support check
    reads (`claim_parts` with its located evidence), or an InputError naming what is wrong."""
    if not isinstance(claim, dict):
        raise InputError(f"{where} is not an object")
    if not isinstance(claim.get("statement"), str):
        raise InputError(f'{where} has no "statement" string')
    evidence = claim.get("evidence")
    if not isinstance(evidence, list):
        raise InputError(f'{where} has no "evidence" list')
    quotes: list[str] = []
    for number, item in enumerate(evidence):
        quote = item if isinstance(item, str) else item.get("quote") if isinstance(item, dict) else None
        if not isinstance(quote, str):
            raise InputError(f'{where}.evidence[{number}] has no "quote" string')
        quotes.append(quote)
    entities = claim.get("entities") or []
    if not isinstance(entities, list) or not all(isinstance(entity, str) for entity in entities):
        raise InputError(f'{where}: "entities" must be a list of strings')
    quantities: list[Quantity] = []
    given = claim.get("quantities") or []
    if not isinstance(given, list):
        # "quantities": "307" is not three quantities 3, 0 and 7, nor 5 a list.
        raise InputError(f'{where}: "quantities" must be a list')
    for number, item in enumerate(given):
        if isinstance(item, str):
            item = {"text": item}
        value = item.get("value") if isinstance(item, dict) else None
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("text", ""), str)
            or not (value is None or (isinstance(value, int | float) and not isinstance(value, bool)))
        ):
            expected = '{"text": ..., "value": number}'
            raise InputError(f"{where}.quantities[{number}] must be a string or {expected}")
        # Constructed, not validated: a claims file may carry longer texts than the model may.
        quantities.append(Quantity.model_construct(text=item.get("text", ""), value=value))
    # Where the speaker and the context are in the text is claimex's to find, not the file's to say.
    speaker = claim.get("speaker") if isinstance(claim.get("speaker"), str) else None
    fields = {
        **claim,
        "entities": entities,
        "quantities": quantities,
        "speaker": speaker,
        "speaker_spans": [],
        "context_spans": [],
    }
    return quotes, fields
