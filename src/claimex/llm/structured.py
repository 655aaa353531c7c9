"""Structured answers: instructor's request, parsing and re-ask, prepared once per answer schema.

`instructor.patch(create)(response_model=M, ...)` redoes on every call what depends on `M`
alone: it wraps `M` in a new pydantic class (whose validator pydantic builds anew), generates
its JSON Schema and the tool definition from that, and walks it twice looking for async
validators. That is several milliseconds per call, more than all the rest claimex does for an
article. Here instructor's own handlers do it once per answer schema and mode, and each call
adds only its messages. The answer is parsed, and a failed one re-asked, by the same handlers,
so every request is the one `instructor.patch` sends, byte for byte (a test compares them).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from ._private_instructor import mode_handlers, retryable_parse_errors, wrapped_response_model
from ._private_openai import request_field_order, transformed_request_fields

# The modes whose request fields depend on the answer's schema alone (a tool definition, a
# response format); the others write the schema into the messages, so it is added per call.
_SCHEMA_ONLY_MODES = frozenset({"tools", "json_schema"})


@dataclass(frozen=True)
class StructuredCall:
    """How to ask one server for answers of one schema, in one mode."""

    handlers: Any  # instructor's ModeHandlers for the mode
    model: type[BaseModel]  # the answer's model as instructor wraps it
    # Request fields that depend only on the schema (`tools` and `tool_choice`, or
    # `response_format`); None when the schema goes into the messages, call by call.
    fields: Mapping[str, Any] | None

    def request(self, messages: list[dict[str, str]], **params: Any) -> dict[str, Any]:
        """The arguments instructor would give the OpenAI client's `create` for these messages."""
        kwargs: dict[str, Any] = {**params, "messages": [dict(message) for message in messages]}
        if self.fields is None:
            _, kwargs = self.handlers.request_handler(response_model=self.model, kwargs=kwargs)
        else:
            kwargs.update(self.fields)
        converter = self.handlers.message_converter
        if converter is not None:
            kwargs["messages"] = converter(kwargs["messages"], autodetect_images=False)
        return kwargs

    def parse(self, completion: Any) -> BaseModel:
        """The validated answer; raises one of `retryable_errors()` when the model should be asked again."""
        return self.handlers.response_parser(
            response=completion,
            response_model=self.model,
            validation_context=None,
            strict=True,
            stream=False,
            is_async=False,
        )

    def reask(self, kwargs: dict[str, Any], completion: Any, error: Exception) -> dict[str, Any]:
        """The next request: the conversation so far, the answer, and what was wrong with it."""
        kwargs = {**kwargs, "messages": list(kwargs["messages"])}
        return self.handlers.reask_handler(kwargs=kwargs, response=completion, exception=error)


_prepared: dict[tuple[type[BaseModel], str], StructuredCall] = {}
_lock = threading.Lock()


def structured_call(response_model: type[BaseModel], mode: str) -> StructuredCall:
    """The prepared call for `response_model` in `mode` ("tools", "json_schema", "json", "md_json")."""
    key = (response_model, mode)
    prepared = _prepared.get(key)
    if prepared is None:
        # Under a lock: a batch's workers all start with the same schema, and it is built once.
        with _lock:
            prepared = _prepared.get(key)
            if prepared is None:
                prepared = _prepared[key] = _prepare(response_model, mode)
    return prepared


def _prepare(response_model: type[BaseModel], mode: str) -> StructuredCall:
    handlers = mode_handlers(instructor_mode(mode))
    model: Any = wrapped_response_model(response_model)
    fields = None
    if mode in _SCHEMA_ONLY_MODES:
        model, kwargs = handlers.request_handler(response_model=model, kwargs={"messages": []})
        # Transformed as the OpenAI client would transform them, once.
        fields = transformed_request_fields(
            {name: value for name, value in kwargs.items() if name != "messages"}
        )
    return StructuredCall(handlers, model, fields)


def request_body(request: dict[str, Any]) -> dict[str, Any]:
    """The body of the chat completion request instructor makes with the OpenAI client for `request`.

    The client writes `messages`, `model`, then every other field in the order of its own
    arguments, then the server's extra fields (`extra_body`), as they are: for a chat completion
    its types rename and reformat nothing. Serialised as the client does (`encode_body`), it is
    the body the client would send, byte for byte, without the client's walk of every field
    against its type annotations on every call (a deep tour of the tool's JSON Schema).
    """
    order = request_field_order()
    fields = sorted((name for name in request if name in order), key=order.__getitem__)
    body = {"messages": request["messages"], "model": request["model"]}
    body.update((name, request[name]) for name in fields if name != "messages")
    body.update(request.get("extra_body") or {})
    return body


def encode_body(body: dict[str, Any]) -> bytes:
    """JSON as the OpenAI client writes it (and httpx would)."""
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def instructor_mode(mode: str) -> Any:
    import instructor

    return {
        "tools": instructor.Mode.TOOLS,
        "json_schema": instructor.Mode.JSON_SCHEMA,
        "json": instructor.Mode.JSON,
        "md_json": instructor.Mode.MD_JSON,
    }[mode]


def retryable_errors() -> tuple[type[Exception], ...]:
    """What instructor re-asks on: an answer that is not JSON, does not parse, or fails a validator."""
    return retryable_parse_errors()
