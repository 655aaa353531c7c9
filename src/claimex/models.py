"""The plain data types of claimex.

Two families live here and nothing else of the package is imported:

* what the model is asked to return (`ExtractedClaim`, `ClaimsResponse`): small, bounded
  lists and short strings, because a tiny local model left unbounded repeats itself until it
  runs out of tokens;
* what claimex writes (`Result` and its parts): the model's claims with every quote located
  in the source by the verifier.

`schemas/*.schema.json` at the top of the repository are exported from these models and kept in
sync by a test; they are the published contract of the output file.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# 2.0: a claim is verified only when its evidence supports it (`Claim.support`), and results
# say which extraction strategy ran. 2.2: who says it as spans of the article, the cue that
# decided the hedging, whether the statement was restated, and a check-worthiness score.
SCHEMA_VERSION = "2.3"

# Bounds on what the model may return. They keep grammar-constrained generation finite.
MAX_CLAIMS = 8
MAX_SENTENCE_CLAIMS = 3
MAX_EVIDENCE = 3
MAX_ENTITIES = 6
MAX_QUANTITIES = 4
MAX_STATEMENT_CHARS = 400
MAX_QUOTE_CHARS = 400

# Every model is made `defer_build`: its validator and serializer are built on its first use, not
# when this module is imported, so that `claimex verify` (which uses five of them) does not pay for
# the twenty. What is sent to a model (schema, names, docstrings) is the same either way.

Strategy = Literal["single", "sentences"]
"""How claims are asked for: the values of --strategy, one module each in `claimex.strategies`."""


class ClaimType(StrEnum):
    event = "event"
    quantity = "quantity"
    quote = "quote"
    attribution = "attribution"
    relation = "relation"
    prediction = "prediction"
    opinion = "opinion"


class Hedging(StrEnum):
    """How firmly the article holds the claim.

    `reported` is the French conditional of reported speech ("auraient été tués"),
    `alleged` a claim the article presents as an accusation, `denied` one it reports as denied.
    """

    asserted = "asserted"
    reported = "reported"
    alleged = "alleged"
    denied = "denied"
    hypothetical = "hypothetical"


QuoteStatus = Literal["exact", "normalized", "fuzzy", "missing"]
VERIFIED_STATUSES: frozenset[str] = frozenset({"exact", "normalized"})


class Quantity(BaseModel, defer_build=True):
    text: str = Field(max_length=60, description="The number as written in the article, e.g. '50.000'.")
    value: float | None = Field(default=None, description="The number as a plain value, e.g. 50000.")
    unit: str | None = Field(default=None, max_length=40, description="What is counted, e.g. 'soldats'.")
    approximate: bool = Field(
        default=False, description="True when the article says 'about', 'at least', 'quelque', 'environ'."
    )


# The fields the model fills, shared by both answers it may be asked for.
Statement = Annotated[
    str,
    Field(
        max_length=MAX_STATEMENT_CHARS,
        description="The claim as one standalone sentence, in the article's language.",
    ),
]
Speaker = Annotated[
    str, Field(max_length=120, description="Who asserts the claim in the article, or the outlet itself.")
]
Quantities = Annotated[list[Quantity], Field(default_factory=list, max_length=MAX_QUANTITIES)]
When = Annotated[str | None, Field(default=None, max_length=80)]


class ExtractedClaim(BaseModel, defer_build=True):
    """One claim as the model states it, with the quotes it offers as evidence, before verification."""

    statement: Statement
    type: ClaimType
    speaker: Speaker
    hedging: Hedging
    entities: list[str] = Field(default_factory=list, max_length=MAX_ENTITIES)
    quantities: Quantities
    time: When
    evidence: list[str] = Field(
        min_length=1,
        max_length=MAX_EVIDENCE,
        description="Verbatim quotes copied character for character from the article.",
    )


SpeakerChoice = Literal["A", "B", "C", "D", "E"]
SPEAKER_CHOICES: tuple[str, ...] = ("A", "B", "C", "D", "E")
"""A is the article's own voice; the others, in order, who the question lists as possible speakers."""


class RestatedClaim(BaseModel, defer_build=True):
    """One claim of the sentence, restated so that a reader understands it without the article."""

    statement: Statement
    speaker: SpeakerChoice = Field(
        description="The letter of who says it, from the list of possible speakers."
    )


class Restatement(BaseModel, defer_build=True):
    """What the model returns for one sentence: its claims, each a sentence that stands alone."""

    claims: list[RestatedClaim] = Field(max_length=MAX_SENTENCE_CLAIMS)


class ClaimsResponse(BaseModel, defer_build=True):
    """What the model returns for one article (or one chunk of it)."""

    claims: list[ExtractedClaim] = Field(max_length=MAX_CLAIMS)


class Difference(BaseModel, defer_build=True):
    """A word that differs between the source and a fuzzy quote: "12 → 21"."""

    source: str
    quote: str

    def __str__(self) -> str:
        return f"{self.source or '∅'} → {self.quote or '∅'}"


class Evidence(BaseModel, defer_build=True):
    """A quote with the verifier's verdict.

    `spans` are `[start, end]` code-point offsets into the source text, one per elided part,
    so that `text[start:end]` is the passage. For a `fuzzy` quote they point at the closest
    region, which is reported and never verified.
    """

    quote: str
    status: QuoteStatus
    spans: list[tuple[int, int]] = Field(default_factory=list)
    score: float = 0.0
    occurrences: int = 0
    differences: list[Difference] = Field(default_factory=list)

    @property
    def verified(self) -> bool:
        return self.status in VERIFIED_STATUSES


SupportRule = Literal[
    "quotes", "numbers", "substance", "entities", "names", "standalone", "wording", "speaker", "hedging"
]


class Problem(BaseModel, defer_build=True):
    """Why a claim's evidence does not (or may not) state it, in words a reader can act on."""

    rule: SupportRule
    blocking: bool = Field(description="True when this problem alone keeps the claim from being verified.")
    message: str
    subject: str | None = Field(
        default=None, description="What the problem is about: the number, name or quote concerned."
    )


class Support(BaseModel, defer_build=True):
    """Does the located evidence state the claim? `supported` only with no blocking problem."""

    verdict: Literal["supported", "unsupported"]
    problems: list[Problem] = Field(default_factory=list)

    @property
    def blocking(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.blocking]


class CheckWorthiness(BaseModel, defer_build=True):
    """How much a desk would want the claim checked: 0 (nothing specific) to 1, and why."""

    score: float = Field(ge=0, le=1)
    reasons: list[str] = Field(
        default_factory=list, description="What raised or lowered the score: a figure, a named source…"
    )


class Claim(BaseModel, defer_build=True):
    statement: str
    type: ClaimType
    speaker: str
    speaker_spans: list[tuple[int, int]] = Field(
        default_factory=list,
        description=(
            "Where the article names the speaker ([start, end] offsets); empty when the article says "
            "it in its own voice (speaker: the outlet)."
        ),
    )
    hedging: Hedging
    hedging_cue: str | None = Field(
        default=None,
        description="The words of the evidence that decided the hedging; none for a plain assertion.",
    )
    entities: list[str] = Field(default_factory=list)
    quantities: list[Quantity] = Field(default_factory=list)
    time: str | None = None
    restated: bool = Field(
        default=False,
        description=(
            "The statement is its sentence restated to stand alone: by the model (which may split it), or "
            "with its opening pronoun replaced by who the sentences before name. False when it is the "
            "sentence as written, or (single strategy) the model's own wording."
        ),
    )
    context_spans: list[tuple[int, int]] = Field(
        default_factory=list,
        description="The sentences before it that a restated statement may take its names from.",
    )
    checkworthiness: CheckWorthiness | None = None
    evidence: list[Evidence]
    support: Support
    verified: bool = Field(
        description="Every quote is in the article (exact or normalized) and the evidence supports the claim."
    )


class Source(BaseModel, defer_build=True):
    path: str
    sha256: str
    length: int = Field(description="Length of the text in code points; spans index into it.")
    encoding: str | None = None
    text_path: str | None = Field(
        default=None,
        description=(
            "Where the text that spans index is saved, relative to the result file, when it is not "
            "the source file itself (HTML, legacy encodings)."
        ),
    )


class Stats(BaseModel, defer_build=True):
    claims: int = 0
    verified: int = 0
    by_status: dict[str, int] = Field(default_factory=dict)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    requests: int = Field(default=0, description="Model calls that went to the server (not the cache).")
    cache_hit: bool = False
    chunks: int = Field(default=1, description="Parts the text was split into for the model.")
    failed_chunks: int = Field(default=0, description="Parts whose model call failed (see warnings).")
    failed_sentences: int = Field(
        default=0, description="Sentences whose question failed, by the sentences strategy (see warnings)."
    )
    sentences: int = Field(default=0, description="Sentences read, by the sentences strategy.")
    restated: int = Field(
        default=0, description="Sentences the model was asked to restate (the others stood alone)."
    )
    left_out: int = Field(
        default=0,
        description="Claims under --min-checkworthiness or past --max-claims, left out of `claims`.",
    )
    seconds: float = 0.0


class TaskRef(BaseModel, defer_build=True):
    """Which task asked: its name, where it was loaded from, and the sha256 of its files."""

    name: str
    sha256: str = Field(description="Of the task's files (manifest, templates, schema), in name order.")
    path: str


class Result(BaseModel, defer_build=True):
    model_config = ConfigDict(extra="forbid")

    schema_version: str = SCHEMA_VERSION
    task: TaskRef | None = Field(
        default=None,
        description=(
            'The claims task that asked: the built-in `claims`, or a user\'s task with record = "claims" '
            "(its own templates); none in a result of schema 2.2."
        ),
    )
    source: Source
    provider: str
    model: str
    strategy: str = Field(
        default="single",
        description="How the claims were asked for: single (one call, the model quotes) or sentences.",
    )
    complete: bool = Field(
        default=True,
        description=(
            "False when some of the model calls failed (stats.failed_chunks, stats.failed_sentences; "
            "the warnings say why): the claims of those parts are missing, and a rerun asks for those "
            "parts only, the others being cached."
        ),
    )
    claims: list[Claim]
    stats: Stats
    warnings: list[str] = Field(default_factory=list)


# --- a user's task (claimex extract --task): records of the task's own fields, grounded -------------

# 1.0: records of a user-declared task, each evidence field located and each value checked.
TASK_RESULT_VERSION = "1.1"

RecordRule = Literal["quotes", "quotation", "numbers", "names", "dates"]


class RecordProblem(BaseModel, defer_build=True):
    """Why a record's evidence does not (or may not) carry it, naming the field concerned."""

    field: str = Field(description="The record's field the problem is about.")
    rule: RecordRule
    blocking: bool = Field(description="True when this problem alone keeps the record from being verified.")
    message: str
    subject: str | None = Field(
        default=None, description="What the problem is about: the number, name, date or quote concerned."
    )


class RecordSupport(BaseModel, defer_build=True):
    """Is every evidence field in the article, and does it carry the record's values?"""

    verdict: Literal["supported", "unsupported"]
    problems: list[RecordProblem] = Field(default_factory=list)

    @property
    def blocking(self) -> list[RecordProblem]:
        return [problem for problem in self.problems if problem.blocking]


class TaskRecord(BaseModel, defer_build=True):
    """One record as the model filled the task's schema, with its evidence located and checked."""

    fields: dict[str, Any] = Field(description="The record's fields as the model gave them.")
    evidence: dict[str, list[Evidence]] = Field(
        description="Each evidence field's quotes (one for a string field), located in the article."
    )
    support: RecordSupport
    verified: bool = Field(
        description="Every evidence quote is in the article (exact or normalized) and carries the values."
    )


class RecordStats(BaseModel, defer_build=True):
    records: int = 0
    verified: int = 0
    by_status: dict[str, int] = Field(default_factory=dict)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    requests: int = Field(default=0, description="Model calls that went to the server (not the cache).")
    cache_hit: bool = False
    chunks: int = Field(default=1, description="Parts the text was split into for the model.")
    failed_chunks: int = Field(default=0, description="Parts whose model call failed (see warnings).")
    sentences: int = Field(
        default=0, description="Sentences asked about one by one (--strategy sentences), 0 otherwise."
    )
    failed_sentences: int = Field(
        default=0, description="Sentences the model gave no answer for (see warnings)."
    )
    seconds: float = 0.0


class TaskResult(BaseModel, defer_build=True):
    """What `claimex extract --task` writes: a task's records from one article."""

    model_config = ConfigDict(extra="forbid")

    schema_version: str = TASK_RESULT_VERSION
    task: TaskRef
    source: Source
    provider: str
    model: str
    strategy: str = "single"
    complete: bool = Field(
        default=True,
        description=(
            "False when some model calls failed (stats.failed_chunks, stats.failed_sentences; the "
            "warnings say why): the records of those parts are missing."
        ),
    )
    records: list[TaskRecord]
    stats: RecordStats
    warnings: list[str] = Field(default_factory=list)


def json_schemas() -> dict[str, dict[str, Any]]:
    """The published JSON Schemas, by file name under `schemas/`."""
    return {
        "result.schema.json": Result.model_json_schema(),
        "claims_response.schema.json": ClaimsResponse.model_json_schema(),
        "restatement.schema.json": Restatement.model_json_schema(),
        "task_result.schema.json": TaskResult.model_json_schema(),
    }
