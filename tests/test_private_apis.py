"""The private parts of openai, instructor and httpx2 that claimex uses still do what it relies on.

Each lives in one module (`claimex/llm/_private_*.py`); these tests fail loudly, naming the
part, the day an upgrade moves or changes one. The requests built with them are compared byte
for byte with the SDKs' own in tests/test_llm.py.
"""

from __future__ import annotations

import json
import ssl

import httpcore2
import httpx2
import openai
import pydantic
import pytest

from claimex.llm import _private_httpx, _private_instructor, _private_openai
from claimex.llm.structured import instructor_mode
from claimex.llm.transport import _Pool, http_client
from claimex.models import ClaimsResponse

# --- openai -----------------------------------------------------------------------------------


def test_status_error_is_the_sdks_own_error_for_the_status() -> None:
    sdk = openai.OpenAI(base_url="http://127.0.0.1:9/v1", api_key="k", max_retries=0)
    request = httpx2.Request("POST", "http://127.0.0.1:9/v1/chat/completions")
    limited = httpx2.Response(429, json={"error": {"message": "slow down"}}, request=request)
    missing = httpx2.Response(404, json={"error": {"message": "no such model"}}, request=request)

    rate = _private_openai.status_error(sdk, limited)
    absent = _private_openai.status_error(sdk, missing)

    assert isinstance(rate, openai.RateLimitError) and rate.status_code == 429
    assert isinstance(absent, openai.NotFoundError) and "no such model" in str(absent)


def test_lenient_completion_reads_what_does_not_validate() -> None:
    # No id, no created, no model: ChatCompletion.model_validate refuses it; servers send it.
    data = {"choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}}]}
    with pytest.raises(pydantic.ValidationError):
        openai.types.chat.ChatCompletion.model_validate(data)

    completion = _private_openai.lenient_completion(data)

    assert isinstance(completion, openai.types.chat.ChatCompletion)
    assert completion.choices[0].message.content == "hi"


def test_request_fields_are_transformed_and_ordered_as_create_writes_them() -> None:
    tool = {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}
    fields = {"tools": [tool], "tool_choice": {"type": "function", "function": {"name": "f"}}}

    assert _private_openai.transformed_request_fields(fields) == fields
    order = _private_openai.request_field_order()
    for name in ("max_tokens", "response_format", "temperature", "tool_choice", "tools"):
        assert name in order, f"Completions.create no longer takes {name!r}"
    assert "messages" not in order and "extra_body" not in order


# --- instructor -------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["tools", "json_schema", "json", "md_json"])
def test_mode_handlers_exist_for_every_mode_claimex_offers(mode: str) -> None:
    handlers = _private_instructor.mode_handlers(instructor_mode(mode))

    for part in ("request_handler", "response_parser", "reask_handler"):
        assert callable(getattr(handlers, part)), f"instructor's {mode} handlers lost {part}"
    assert hasattr(handlers, "message_converter")


def test_the_wrapped_response_model_keeps_the_schema() -> None:
    wrapped = _private_instructor.wrapped_response_model(ClaimsResponse)

    assert issubclass(wrapped, pydantic.BaseModel)
    assert wrapped.model_json_schema()["properties"] == ClaimsResponse.model_json_schema()["properties"]


def test_instructor_re_asks_on_invalid_json_and_failed_validation() -> None:
    errors = _private_instructor.retryable_parse_errors()

    with pytest.raises(errors):
        ClaimsResponse.model_validate_json('{"claims": 3}')
    with pytest.raises(errors):
        json.loads("{not json")


# --- httpx2 -----------------------------------------------------------------------------------


def test_transport_for_url_is_the_one_the_client_sends_through() -> None:
    transport = httpx2.HTTPTransport()
    with httpx2.Client(transport=transport) as client:
        assert _private_httpx.transport_for_url(client, httpx2.URL("http://127.0.0.1:9/v1")) is transport


def test_the_connection_pool_can_be_read_and_replaced() -> None:
    transport = httpx2.HTTPTransport()
    pool = _private_httpx.connection_pool(transport)

    assert isinstance(pool, httpcore2.ConnectionPool)
    assert isinstance(_private_httpx.pool_ssl_context(pool), ssl.SSLContext)
    assert isinstance(_private_httpx.pool_network_backend(pool), httpcore2.NetworkBackend)
    with http_client(timeout=5, connections=3) as client:
        own = _private_httpx.connection_pool(
            _private_httpx.transport_for_url(client, httpx2.URL("http://x/"))
        )
        assert isinstance(own, _Pool)
