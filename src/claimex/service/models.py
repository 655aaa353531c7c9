"""What `claimex serve` takes and gives, as pydantic models: its OpenAPI description is made from them.

The answer of `/v1/extract` is `models.Result`, the result file's own model. Requests are
strict: a field of the wrong type is refused (422), never coerced, and every list and string
a request may send is bounded, so that what the schema allows is what the service answers 2xx.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    Tag,
)

from ..models import RecordStats, Result, Strategy, TaskRecord, TaskRef, TaskResult

# Bounds on one verify request; the work as a whole (text × quotes) is bounded by the service.
MAX_CLAIMS = 500
MAX_QUOTES = 20
MAX_QUOTE_CHARS = 2_000
MAX_JOB_TEXTS = 100

# An article is text a reader sees: at least one visible character (not whitespace, not a
# zero-width space or joiner, a BOM or a bidi mark), and no control character but tab, line
# feed, vertical tab, form feed and carriage return (NUL and the others mark binary data).
# Written as a pattern so that the OpenAPI description says exactly what is accepted; pydantic
# checks it with a linear-time engine, whatever the text's length.
_ALLOWED = r"[^\u0000-\u0008\u000e-\u001f\u007f-\u009f]"
_VISIBLE = (
    r"[^\u0000-\u0020\u007f-\u00a0\u00ad\u061c\u1680\u180e\u2000-\u200f\u2028-\u202f"
    r"\u205f-\u206f\u3000\ufeff]"
)
ARTICLE_PATTERN = f"^{_ALLOWED}*{_VISIBLE}{_ALLOWED}*$"


def why_not_an_article(text: str) -> str:
    """The line for a text that does not match ARTICLE_PATTERN."""
    if "\x00" in text:
        return "contains NUL characters: binary data, not an article"
    if re.search(r"[\u0001-\u0008\u000e-\u001f\u007f-\u009f]", text):
        return "contains control characters: binary data, not an article"
    return "holds no visible character (only whitespace or invisible ones): not an article"


ArticleText = Annotated[
    StrictStr,
    Field(
        pattern=ARTICLE_PATTERN,
        description=(
            "The article, as text (HTML only with `html`). Spans in the answer are code-point offsets "
            "into this text. It holds at least one visible character (whitespace and zero-width "
            "characters alone are no article) and no control character but tab and line breaks."
        ),
    ),
]


def _integral(value: Any) -> Any:
    """An integer, as JSON Schema means it: 15 or 15.0, never "15" or true."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("must be an integer")
    return value


ClaimCap = Annotated[
    int,
    Field(ge=1, le=200, description="At most this many claims (or a task's records) per text or chunk."),
    BeforeValidator(_integral),
]

# The built-in extraction's name: a request without "task" asks for claims.
CLAIMS_TASK = "claims"
TASK_DESCRIPTION = (
    "The name of a task this service offers (GET /v1/tasks): that task's records instead of claims, "
    'as `claimex extract --task` writes them. Absent or "claims": the claims. A name only: a task '
    "is loaded when the service starts, never from a request."
)
# Any name here; the application's own models take only the names it offers (`service.tasks`).
TaskName = Annotated[StrictStr, Field(max_length=64, description=TASK_DESCRIPTION)]


class ExtractRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"text": "Selon le GUR, au moins 30 soldats auraient été tués."}]},
    )

    text: ArticleText
    html: StrictBool = Field(
        default=False,
        description="The text is an HTML page: its main text is extracted, and spans index that text.",
    )
    max_claims: ClaimCap | None = None
    strategy: Strategy | None = Field(
        default=None,
        description=(
            "sentences: the model states each checkable sentence's claims; single: one call, the model "
            "quotes its evidence. Default: the service's (the provider's). A task's records are asked "
            "the single way."
        ),
    )
    task: TaskName | None = None


class JobTexts(BaseModel):
    """A job over several texts: each gets its own result, in order."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"texts": ["Premier article.", "Second article."]}]},
    )

    texts: list[ArticleText] = Field(min_length=1, max_length=MAX_JOB_TEXTS)
    html: StrictBool = False
    max_claims: ClaimCap | None = None
    strategy: Strategy | None = None
    task: TaskName | None = None


def job_kind(value: Any) -> str:
    return "JobTexts" if isinstance(value, dict) and "texts" in value else "ExtractRequest"


# One text (the body of /v1/extract) or several; told apart by "texts", so that a problem is
# reported for the kind of body that was sent, not for both.
JobRequest = Annotated[
    Annotated[ExtractRequest, Tag("ExtractRequest")] | Annotated[JobTexts, Tag("JobTexts")],
    Discriminator(job_kind),
]
# Names that stand in an error's location for the branch of a union, not for a field: the
# job's two bodies, and /v1/verify's (the claims', "VerifyRequest", and each task's, "VerifyRequest NAME").
UNION_BRANCHES = ("ExtractRequest", "JobTexts")
VERIFY_BRANCH = "VerifyRequest"


Quote = Annotated[StrictStr, Field(max_length=MAX_QUOTE_CHARS)]


class EvidenceIn(BaseModel):
    model_config = ConfigDict(extra="allow")

    quote: Quote


class QuantityIn(BaseModel):
    model_config = ConfigDict(extra="allow")

    text: StrictStr = Field(default="", max_length=200)
    value: StrictInt | Annotated[StrictFloat, Field(allow_inf_nan=False)] | None = None


class ClaimIn(BaseModel):
    """A claim as a result file holds it; only what the checks read is typed, the rest is kept."""

    model_config = ConfigDict(extra="allow")

    statement: StrictStr = Field(max_length=5_000)
    evidence: list[Quote | EvidenceIn] = Field(
        max_length=MAX_QUOTES, description='Quotes, as strings or {"quote": ...} objects.'
    )
    quantities: list[Annotated[StrictStr, Field(max_length=200)] | QuantityIn] | None = Field(
        default=None, max_length=100
    )
    entities: list[Annotated[StrictStr, Field(max_length=200)]] | None = Field(default=None, max_length=100)


class VerifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: ArticleText
    task: TaskName | None = None
    claims: list[ClaimIn] = Field(
        max_length=MAX_CLAIMS,
        description=(
            'Claims as in a result file; each needs a "statement" and "evidence" ([{"quote": ...}] or '
            'strings); "quantities" and "entities" are checked when present, other fields are kept. '
            f"At most {MAX_CLAIMS} claims of {MAX_QUOTES} quotes of {MAX_QUOTE_CHARS:,} characters, and "
            "at most the service's work bound of text length × quotes (413 beyond)."
        ),
        examples=[[{"statement": "30 soldats ont été tués.", "evidence": [{"quote": "30 soldats"}]}]],
    )


class VerifyResponse(BaseModel):
    model_config = ConfigDict(extra="allow")

    claims: list[dict[str, Any]] = Field(
        description="The claims, each quote with its status and spans, each claim with support and verified."
    )
    stats: dict[str, Any]


class RecordIn(BaseModel):
    """A task's record as a result file holds it: its `fields` are checked again, the rest recomputed."""

    model_config = ConfigDict(extra="forbid")

    fields: dict[str, Any] = Field(description="The record's fields, as the task's record schema says.")
    evidence: Any = Field(default=None, description="Ignored: located again.")
    support: Any = Field(default=None, description="Ignored: checked again.")
    verified: Any = Field(default=None, description="Ignored: decided again.")


class RecordsVerifyRequest(BaseModel):
    """`/v1/verify` for a task's records: each record's evidence located again, its values checked."""

    model_config = ConfigDict(extra="forbid")

    text: ArticleText
    task: TaskName
    records: list[RecordIn] = Field(
        max_length=MAX_CLAIMS,
        description=(
            'The task\'s records as its result holds them ({"fields": {...}}; evidence, support and '
            f"verified are recomputed). At most {MAX_CLAIMS}, and at most the service's work bound."
        ),
    )


class RecordsVerifyResponse(BaseModel):
    model_config = ConfigDict(extra="forbid")

    task: TaskRef
    records: list[TaskRecord]
    stats: RecordStats = Field(description="Records, verified ones and quotes by status; no model call.")


class TaskInfo(BaseModel):
    """A task the service offers: what a request names, and what its records are."""

    name: str
    description: str
    default: bool = Field(description="The extraction a request without `task` gets.")
    sha256: str = Field(description="Of the task's files, as its results record it.")
    record: dict[str, Any] = Field(
        description="The JSON Schema of one record (for claims: claimex's claim as the model gives it)."
    )
    evidence: list[str] = Field(description="The fields that are verbatim quotes, located in the article.")
    quotations: list[str] = Field(description="Evidence fields that must stand between quotation marks.")
    values: dict[str, str] = Field(
        description="Fields whose value their evidence must carry: number, name, date."
    )


class TaskList(BaseModel):
    tasks: list[TaskInfo] = Field(description="Every task offered: the built-in claims first.")


JobStatus = Literal["queued", "running", "done", "failed", "cancelled"]


class Progress(BaseModel):
    texts_done: int = Field(description="Texts finished.")
    texts: int = Field(description="Texts in the job.")
    done: int = Field(description="Parts of the current text asked (chunks, or sentences).")
    total: int = Field(description="Parts of the current text to ask (0 before it starts).")


class Health(BaseModel):
    status: Literal["ok"]


class Ready(BaseModel):
    status: Literal["ready"]
    provider: str = Field(description="The model's provider (local, ollama, openai, compatible).")
    model: str


class ErrorBody(BaseModel):
    error: str = Field(description="What went wrong, on one line.")


class Job(BaseModel):
    id: str
    url: str = Field(description="Where to follow the job: GET for its state, DELETE to cancel it.")
    status: JobStatus
    created: float = Field(description="Seconds since the epoch.")
    updated: float
    expires: float | None = Field(description="When a finished job is forgotten (seconds since the epoch).")
    progress: Progress
    error: str | None = Field(default=None, description="Why the job failed, when it did.")
    results: list[Result | TaskResult | ErrorBody] | None = Field(
        default=None,
        description=(
            "One per text, in order, once the job is done: the result document, or why that text failed."
        ),
    )


class JobList(BaseModel):
    jobs: list[Job] = Field(description="Every job not yet expired, newest first, without results.")


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": description}
    for code, description in {
        400: "The body is not strict JSON (or not a JSON object), or the Host header is not allowed.",
        401: "A token is required and was not given, or is wrong.",
        404: "No such job (never made, deleted, or expired).",
        408: "The request's head or body came too slowly.",
        413: "The body is larger than the service takes, or the verification more work than it does.",
        422: (
            "A field is missing or wrong (a task the service does not offer, a field no request has), "
            "or the text is not an article (binary, only whitespace)."
        ),
        429: "Too many requests at once; Retry-After says when to come back.",
        500: "A fault of the service itself; its log says more.",
        502: "The model failed: unreachable, its answer cut off, or unusable after the re-ask.",
        503: "The service is stopping, or has too many connections; send the request again.",
        504: "No answer within the deadline.",
    }.items()
}
# What any request may meet, whatever its route: documented on every operation.
COMMON_ERRORS = (400, 408, 500, 503)
