"""What `claimex serve` takes and gives, as pydantic models: its OpenAPI description is made from them.

The answer of `/v1/extract` is `models.Result`, the result file's own model.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from ..models import Strategy

ArticleText = Annotated[
    str,
    Field(
        min_length=1,
        description="The article. Spans in the answer are code-point offsets into this text.",
    ),
]


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
    max_claims: StrictInt | None = Field(
        default=None, ge=1, le=200, description="At most this many claims per text or chunk."
    )
    strategy: Strategy | None = Field(
        default=None,
        description=(
            "sentences: the model states each checkable sentence's claims; single: one call, the model "
            "quotes its evidence. Default: the service's (the provider's)."
        ),
    )


class VerifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: ArticleText
    claims: list[dict[str, Any]] = Field(
        description=(
            'Claims as in a result file; each needs a "statement" and "evidence" ([{"quote": ...}] or '
            'strings); "quantities" and "entities" are checked when present, other fields are kept.'
        ),
        examples=[[{"statement": "30 soldats ont été tués.", "evidence": [{"quote": "30 soldats"}]}]],
    )


class VerifyResponse(BaseModel):
    model_config = ConfigDict(extra="allow")

    claims: list[dict[str, Any]] = Field(
        description="The claims, each quote with its status and spans, each claim with support and verified."
    )
    stats: dict[str, Any]


class ErrorBody(BaseModel):
    error: str = Field(description="What went wrong, on one line.")


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": description}
    for code, description in {
        400: "The body is not a JSON object.",
        401: "A token is required and was not given, or is wrong.",
        413: "The body is larger than the service takes.",
        422: "A field is missing or wrong, or the text is not an article (binary, only whitespace).",
        429: "Too many requests at once; Retry-After says when to come back.",
        502: "The model failed: unreachable, its answer cut off, or unusable after the re-ask.",
        503: "The service is stopping; send the request again.",
        504: "The model did not answer in time.",
    }.items()
}
