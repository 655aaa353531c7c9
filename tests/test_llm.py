"""The client layer: presets, retries (against an in-process mock transport), the cache key."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import httpx2
import pytest
from pydantic import model_validator

from claimex.errors import ClaimexError, ModelError
from claimex.llm.cache import open_cache
from claimex.llm.client import ModelClient, cache_key
from claimex.llm.retries import Backoff, retry_after_seconds
from claimex.llm.settings import resolve_settings
from claimex.models import ClaimsResponse
from stub_openai import ANSWER, completion

MESSAGES = [{"role": "user", "content": "Article:\nAu moins 30 soldats nord-coréens."}]


class Server:
    """Answers each request with the next scripted reply, and keeps what it was sent."""

    def __init__(self, *replies: httpx2.Response | Exception) -> None:
        self.replies = list(replies)
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply


def client_for(server: Server, *, cache=None, api_key: str | None = None, **overrides) -> ModelClient:
    environ = {"OPENAI_API_KEY": api_key} if api_key else {}
    settings = resolve_settings(
        base_url="http://model.test/v1", model="m", mode="tools", environ=environ, **overrides
    )
    return ModelClient(
        settings,
        cache=cache,
        http_client=httpx2.Client(transport=httpx2.MockTransport(server)),
        backoff=Backoff(initial=0.001, maximum=0.01),
    )


def ok() -> httpx2.Response:
    return httpx2.Response(200, json=completion(ANSWER))


def test_5xx_429_and_dropped_connections_are_retried() -> None:
    server = Server(
        httpx2.Response(503, json={"error": {"message": "loading"}}),
        httpx2.ConnectError("connection refused"),
        httpx2.Response(429, headers={"retry-after": "0"}, json={"error": {"message": "slow down"}}),
        ok(),
    )
    response, record = client_for(server).create(MESSAGES, ClaimsResponse)

    assert response.model_dump() == ClaimsResponse.model_validate(ANSWER).model_dump()
    assert len(server.requests) == 4 == record.requests
    assert (record.prompt_tokens, record.completion_tokens) == (100, 20)


@pytest.mark.parametrize("status", [400, 401, 404, 422])
def test_4xx_is_not_retried_and_says_why(status: int) -> None:
    server = Server(httpx2.Response(status, json={"error": {"message": "nope"}}))
    with pytest.raises(ModelError) as raised:
        client_for(server).create(MESSAGES, ClaimsResponse)

    assert len(server.requests) == 1
    message = str(raised.value)
    assert "\n" not in message and "http://model.test/v1" in message
    if status == 404:
        assert "model 'm' not found" in message
    if status == 401:
        assert "API key" in message


def test_unreachable_server_fails_after_every_try_with_one_line() -> None:
    server = Server(*[httpx2.ConnectError("connection refused")] * 4)
    with pytest.raises(ModelError) as raised:
        client_for(server).create(MESSAGES, ClaimsResponse)

    assert len(server.requests) == 4
    assert str(raised.value).startswith(
        "cannot reach the model server at http://model.test/v1 (after 4 tries)"
    )


def test_timeouts_are_reported_as_such() -> None:
    server = Server(*[httpx2.ReadTimeout("slow")] * 2)
    with pytest.raises(ModelError, match=r"gave no complete answer within 300 s \(--timeout, 2 tries\)"):
        client_for(server, max_attempts=2).create(MESSAGES, ClaimsResponse)


def test_retry_after_is_honoured() -> None:
    def state(headers: dict[str, str], attempt: int = 1) -> SimpleNamespace:
        error = SimpleNamespace(response=SimpleNamespace(headers=httpx2.Headers(headers)))
        return SimpleNamespace(outcome=SimpleNamespace(exception=lambda: error), attempt_number=attempt)

    backoff = Backoff(initial=1, maximum=30)
    assert backoff(state({"retry-after": "7"})) == 7
    assert backoff(state({"retry-after-ms": "250"})) == 0.25
    assert 0.5 <= backoff(state({})) <= 1
    assert 4 <= backoff(state({}, attempt=4)) <= 8
    assert (
        retry_after_seconds(state({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}).outcome.exception()) == 0
    )


def test_answer_cut_at_max_tokens_is_a_clear_error() -> None:
    server = Server(httpx2.Response(200, json=completion(ANSWER, finish_reason="length")))
    with pytest.raises(ModelError, match="cut off at max_tokens=1500"):
        client_for(server).create(MESSAGES, ClaimsResponse)


def test_an_answer_that_breaks_the_schema_is_re_asked_once() -> None:
    broken = {"claims": [{"statement": "x"}]}
    server = Server(httpx2.Response(200, json=completion(broken)), ok())
    response, record = client_for(server).create(MESSAGES, ClaimsResponse)

    assert record.requests == 2 and record.reasked
    assert response.claims[0].speaker == "GUR"
    reask = json.loads(server.requests[1].content)["messages"]
    assert "Validation Error" in json.dumps(reask)


def test_cache_answers_the_same_question_without_a_request(tmp_path: Path) -> None:
    server = Server(ok())
    with open_cache(tmp_path / "cache") as cache:
        first, first_record = client_for(server, cache=cache, api_key="sk-secret-key-123456789012345").create(
            MESSAGES, ClaimsResponse
        )
        second, second_record = client_for(server, cache=cache).create(MESSAGES, ClaimsResponse)

    assert len(server.requests) == 1
    assert (
        first.model_dump() == second.model_dump() and second_record.cache_hit and second_record.requests == 0
    )
    assert not first_record.cache_hit
    stored = b"".join(path.read_bytes() for path in (tmp_path / "cache").rglob("*") if path.is_file())
    assert b"sk-secret" not in stored, "the API key must never reach the cache"


def test_cache_key_covers_what_changes_the_answer_and_not_the_key() -> None:
    base = resolve_settings(base_url="http://a/v1", model="m", environ={})
    key = cache_key(base, MESSAGES, ClaimsResponse)
    with_key = resolve_settings(base_url="http://a/v1", model="m", environ={"OPENAI_API_KEY": "sk-1"})

    assert cache_key(with_key, MESSAGES, ClaimsResponse) == key
    assert cache_key(base.with_base_url("http://b/v1"), MESSAGES, ClaimsResponse) != key
    assert (
        cache_key(resolve_settings(base_url="http://a/v1", model="n", environ={}), MESSAGES, ClaimsResponse)
        != key
    )
    assert cache_key(base, [{"role": "user", "content": "other"}], ClaimsResponse) != key
    assert (
        cache_key(
            resolve_settings(base_url="http://a/v1", model="m", environ={}, temperature=0.5),
            MESSAGES,
            ClaimsResponse,
        )
        != key
    )

    # The embedded server gets a new port each run; its model file decides the answers.
    embedded = resolve_settings(provider="local", environ={})
    on_one_port = replace(
        embedded, base_url="http://127.0.0.1:4001/v1", server_identity="embedded:m.gguf:1:2"
    )
    on_another = replace(on_one_port, base_url="http://127.0.0.1:4002/v1")
    assert cache_key(on_one_port, MESSAGES, ClaimsResponse) == cache_key(on_another, MESSAGES, ClaimsResponse)
    other_model = replace(on_another, server_identity="embedded:bigger.gguf:9:9")
    assert cache_key(other_model, MESSAGES, ClaimsResponse) != cache_key(
        on_one_port, MESSAGES, ClaimsResponse
    )

    class Other(ClaimsResponse):
        extra: int = 0

    assert cache_key(base, MESSAGES, Other) != key


def test_presets_and_environment() -> None:
    assert resolve_settings(environ={}).provider == "local"
    assert resolve_settings(environ={}).mode == "tools"
    compatible = resolve_settings(environ={"OPENAI_BASE_URL": "http://h:1/v1/"})
    assert (compatible.provider, compatible.base_url, compatible.mode) == (
        "compatible",
        "http://h:1/v1",
        "json_schema",
    )
    ollama = resolve_settings(provider="ollama", environ={"CLAIMEX_MODEL": "qwen"})
    assert (ollama.base_url, ollama.model) == ("http://localhost:11434/v1", "qwen")
    assert resolve_settings(environ={"CLAIMEX_PROVIDER": "ollama"}, provider="local").provider == "local"
    with pytest.raises(ClaimexError, match="OPENAI_API_KEY"):
        resolve_settings(provider="openai", environ={})
    with pytest.raises(ClaimexError, match="unknown provider 'nope'"):
        resolve_settings(provider="nope", environ={})
    with pytest.raises(ClaimexError, match="unknown mode"):
        resolve_settings(mode="xml", environ={})
    assert "secret" not in repr(resolve_settings(provider="openai", environ={"OPENAI_API_KEY": "secret"}))


def test_raw_line_breaks_inside_json_strings_are_accepted_without_a_re_ask() -> None:
    body = completion(ANSWER)
    arguments = body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
    body["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"] = arguments.replace(
        "GUR", "G\nUR", 1
    )
    server = Server(httpx2.Response(200, json=body))
    response, record = client_for(server).create(MESSAGES, ClaimsResponse)
    assert record.requests == 1
    assert response.claims[0].statement == ANSWER["claims"][0]["statement"]


def test_an_answer_that_never_fits_is_one_line_naming_the_problem() -> None:
    broken = {"claims": [{"statement": "x"}]}
    server = Server(*[httpx2.Response(200, json=completion(broken))] * 2)
    with pytest.raises(ModelError) as raised:
        client_for(server).create(MESSAGES, ClaimsResponse)
    assert str(raised.value) == (
        "the model's answer did not fit the claims schema after 2 tries: claims.0.type: Field required"
    )


def test_the_server_is_reached_only_when_an_answer_is_not_cached(tmp_path: Path) -> None:
    """`connect` (which starts the embedded server) runs once, and not at all on a cache hit."""
    connections: list[str] = []

    def connect() -> str:
        connections.append("started")
        return "http://model.test/v1"

    settings = replace(resolve_settings(provider="local", environ={}), server_identity="embedded:m.gguf:1:1")
    assert settings.base_url is None
    with open_cache(tmp_path / "cache") as cache:

        def client() -> ModelClient:
            transport = httpx2.MockTransport(Server(ok(), ok()))
            return ModelClient(
                settings, cache=cache, connect=connect, http_client=httpx2.Client(transport=transport)
            )

        first = client()
        first.create(MESSAGES, ClaimsResponse)
        first.create([{"role": "user", "content": "another article"}], ClaimsResponse)
        assert connections == ["started"]
        assert first.settings.base_url == "http://model.test/v1"

        _, record = client().create(MESSAGES, ClaimsResponse)
        assert record.cache_hit and connections == ["started"], "a cached answer starts no server"


class _Plain(ClaimsResponse):
    """Refuses a claim stated as reported, so that the first answer below is re-asked."""

    @model_validator(mode="after")
    def asserted_only(self) -> _Plain:
        if any(claim.hedging == "reported" for claim in self.claims):
            raise ValueError("state the claim as the article asserts it")
        return self


def _answer_for(mode: str, arguments: dict) -> httpx2.Response:
    """An answer as a server gives it in `mode`: a tool call, or the JSON as the message text."""
    body = completion(arguments)
    if mode != "tools":
        text = json.dumps(arguments)
        message = body["choices"][0]["message"]
        message["content"], message["tool_calls"] = (
            (f"```json\n{text}\n```" if mode == "md_json" else text),
            None,
        )
        body["choices"][0]["finish_reason"] = "stop"
    return httpx2.Response(200, json=body)


@pytest.mark.parametrize("mode", ["tools", "json_schema", "json", "md_json"])
def test_requests_are_byte_for_byte_those_instructor_sends(mode: str) -> None:
    """The schema is prepared once (structured.py); the question and the re-ask must not change."""
    import instructor
    import openai

    from claimex.llm.structured import instructor_mode

    plain = {"claims": [{**ANSWER["claims"][0], "hedging": "asserted"}]}
    settings = resolve_settings(base_url="http://model.test/v1", model="m", mode=mode, environ={})
    settings = replace(settings, extra_body={"repeat_penalty": 1.15})

    # As claimex asked before: instructor.patch over the OpenAI client, on every call.
    theirs = Server(_answer_for(mode, ANSWER), _answer_for(mode, plain))
    sdk = openai.OpenAI(
        base_url=settings.base_url,
        api_key="not-needed",
        max_retries=0,
        http_client=httpx2.Client(transport=httpx2.MockTransport(theirs)),
    )
    create = instructor.patch(create=sdk.chat.completions.create, mode=instructor_mode(mode))
    expected = create(
        response_model=_Plain,
        messages=[dict(message) for message in MESSAGES],
        model="m",
        max_retries=1,
        temperature=0.0,
        max_tokens=1500,
        extra_body={"repeat_penalty": 1.15},
    )

    ours = Server(_answer_for(mode, ANSWER), _answer_for(mode, plain))
    for _ in range(2):  # the second call reuses what the first prepared
        client = ModelClient(settings, http_client=httpx2.Client(transport=httpx2.MockTransport(ours)))
        response, record = client.create(MESSAGES, _Plain)
        ours.replies += [_answer_for(mode, ANSWER), _answer_for(mode, plain)]

    assert response.model_dump() == expected.model_dump() and record.reasked
    assert len(theirs.requests) == 2 and len(ours.requests) == 4
    for sent in (ours.requests[:2], ours.requests[2:]):
        assert [request.content for request in sent] == [request.content for request in theirs.requests]


@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
def test_a_model_clients_connections_are_closed_with_it_not_left_to_the_collector() -> None:
    """A connection left open keeps one of the server's threads waiting on it, and a socket of
    this process, until the garbage collector happens to find the client."""
    import gc
    import threading
    import time

    from claimex.llm.client import model_client
    from claimex.llm.settings import resolve_settings
    from claimex.models import ClaimsResponse
    from stub_openai import StubServer

    def serving() -> list[threading.Thread]:
        """This test's server threads: another test's stub may still be serving a connection of its own."""
        return [t for t in threading.enumerate() if "process_request_thread" in t.name and t not in earlier]

    earlier = {t for t in threading.enumerate() if "process_request_thread" in t.name}
    gc.collect()
    collecting = gc.isenabled()
    gc.disable()  # the collector would close a forgotten client and hide the leak
    try:
        with StubServer() as stub:
            settings = resolve_settings(base_url=stub.base_url, model="stub", mode="tools", environ={})
            with model_client(settings, use_cache=False, cache_dir=None) as client:
                client.create([{"role": "user", "content": "Front de Koursk."}], ClaimsResponse)
                assert serving(), "the answer came over a connection kept open"
            deadline = time.monotonic() + 5
            while serving() and time.monotonic() < deadline:
                time.sleep(0.02)
            assert not serving(), "the connection was left open"
    finally:
        if collecting:
            gc.enable()


def test_a_request_has_the_headers_httpx_makes_for_its_body() -> None:
    """The headers are given to httpx whole (wire.py): those it would make of `content=body`,
    in its order (Host first, Content-Length last), the API key among them."""
    server = Server(ok())
    client = client_for(server, api_key="sk-test")
    client.create(MESSAGES, ClaimsResponse)

    (sent,) = server.requests
    endpoint = client._connected()
    expected = httpx2.Request("POST", endpoint.url, headers=endpoint.headers, content=sent.content)
    assert sent.headers.raw == expected.headers.raw
    assert sent.headers["authorization"] == "Bearer sk-test"
    assert sent.headers["content-length"] == str(len(sent.content)) and sent.url == expected.url


def test_only_arguments_with_control_characters_are_read_again_leniently() -> None:
    """wire.py skips arguments with no control character: strict JSON reads them as lenient does."""
    from claimex.llm.wire import reencode_loose_json

    def call(arguments: str) -> SimpleNamespace:
        return SimpleNamespace(function=SimpleNamespace(arguments=arguments))

    plain = json.dumps(ANSWER)
    pretty = json.dumps(ANSWER, indent=2)  # line breaks between tokens: strict JSON already
    loose = plain.replace("GUR", "G\nUR", 1)  # a raw line break inside a string
    broken = plain[:-1]
    calls = [call(text) for text in (plain, pretty, loose, broken)]
    reencode_loose_json(SimpleNamespace(choices=[SimpleNamespace(message=SimpleNamespace(tool_calls=calls))]))

    assert [c.function.arguments for c in calls[:2]] == [plain, pretty]
    assert json.loads(calls[2].function.arguments) == json.loads(loose, strict=False)
    assert calls[3].function.arguments == broken, "not JSON even leniently: left for instructor"
    for text in (plain, broken, '{"a": "\\u0000"}', '["x", 1e400, -0]'):
        try:
            strict = json.loads(text)
        except ValueError:
            strict = "refused"
        try:
            lenient = json.loads(text, strict=False)
        except ValueError:
            lenient = "refused"
        assert strict == lenient, text
