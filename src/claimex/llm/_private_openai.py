"""Every use claimex makes of the OpenAI SDK's private parts, in one place.

What they buy: claimex posts each chat completion itself (`wire.Endpoint`) instead of calling
`client.chat.completions.create`, which on every call rebuilds its options, headers and URL and
walks the whole request (the tool's JSON Schema included) against its type annotations. For the
same failures and the same lenient reading, it needs three of the SDK's internals. With
httpx's below, they take an answer's CPU time from 0.85 ms to 0.11 ms
(`benchmarks/private_apis_bench.py`, 2 cores, 2026-12-02: instructor's request prepared once
either way, the seed's recorded answer). `tests/test_private_apis.py` fails the day an upgrade
changes any of them.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any


def status_error(sdk: Any, response: Any) -> Exception:
    """The SDK's own error for a non-2xx response (RateLimitError, NotFoundError…), as `create` raises it."""
    error: Exception = sdk._make_status_error_from_response(response)
    return error


def lenient_completion(data: dict[str, Any]) -> Any:
    """A ChatCompletion built from JSON that does not validate, as the SDK reads what servers send."""
    from openai._models import construct_type
    from openai.types.chat import ChatCompletion

    return construct_type(type_=ChatCompletion, value=data)


def transformed_request_fields(fields: dict[str, Any]) -> Any:
    """Request fields (`tools`, `tool_choice`, `response_format`) transformed as `create` transforms them."""
    from openai._utils import maybe_transform
    from openai.types.chat.completion_create_params import CompletionCreateParamsNonStreaming

    return maybe_transform(fields, CompletionCreateParamsNonStreaming)


# Arguments of `create` that are no fields of the request body, or come first in it.
_NOT_FIELDS = frozenset(
    {"self", "messages", "model", "extra_headers", "extra_query", "extra_body", "timeout"}
)


@functools.cache
def request_field_order() -> dict[str, int]:
    """The order in which `create` writes the fields of a chat completion request: its own arguments'.

    Not private, but a behaviour the SDK does not promise: the body claimex writes is byte for
    byte the SDK's only while it holds (`tests/test_llm.py` compares them).
    """
    from openai.resources.chat.completions import Completions

    names = [name for name in inspect.signature(Completions.create).parameters if name not in _NOT_FIELDS]
    return {name: position for position, name in enumerate(names)}
