"""Every request bounded: the defects of issue 21, each a test, against the service as it runs.

Most run on the application in process (Starlette's test client); what only a real server
shows (connections, header time, a client that hangs up, SIGTERM) runs uvicorn on loopback,
in a thread of this process or as `claimex serve` itself.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from claimex.llm.settings import resolve_settings
from claimex.service import strict
from claimex.service.app import ServiceConfig, create_app
from claimex.service.run import _Server, server_config
from claimex.session import model_session
from conftest import SEED
from stub_openai import StubServer
from test_service import assert_error, served

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
UNREACHABLE = "http://127.0.0.1:9/v1"
WORDS = SEED.read_text(encoding="utf-8").split()


def quote_of_article_words(length: int, seed: int) -> str:
    """A quote made of the article's own words, in an order it never has: the fuzzy finder's worst case."""
    rng = random.Random(seed)
    words: list[str] = []
    while sum(len(word) + 1 for word in words) < length:
        words.append(rng.choice(WORDS))
    return " ".join(words)[:length]


def heavy_verify(text_chars: int, claims: int, quotes: int, quote_chars: int = 1000) -> dict[str, Any]:
    seed = SEED.read_text(encoding="utf-8")
    text = (seed * (text_chars // len(seed) + 1))[:text_chars]
    return {
        "text": text,
        "claims": [
            {
                "statement": f"claim {number}",
                "evidence": [quote_of_article_words(quote_chars, number * 100 + q) for q in range(quotes)],
            }
            for number in range(claims)
        ],
    }


def verifying_processes() -> list[int]:
    """Pids of this process's verifying children still alive (not zombies)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == os.getpid() and fields[0] != "Z" and b"claimex.service.verifying" in command:
            found.append(int(entry.name))
    return found


def busy_verifiers(within: float = 0.0) -> list[int]:
    """Verifying processes using the CPU now (utime grows over 0.2 s)."""

    def ticks(pid: int) -> int:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return -1
        return int(fields[11]) + int(fields[12])

    before = {pid: ticks(pid) for pid in verifying_processes()}
    time.sleep(0.2 + within)
    return [pid for pid, count in before.items() if count >= 0 and ticks(pid) > count]


@contextmanager
def live(base_url: str | None = None, **config: Any) -> Iterator[str]:
    """The application under uvicorn, with claimex's protocol, in a thread: its URL."""
    protocol = {key: config.pop(key) for key in ("max_connections", "header_timeout") if key in config}
    overrides = config.pop("settings", {})
    settings = resolve_settings(base_url=base_url or UNREACHABLE, mode="tools", **overrides)
    with model_session(settings, model_path=None, cache_dir=None, no_cache=False) as session:
        application = create_app(ServiceConfig(**config), session)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        server = _Server(
            server_config(application, grace=config.get("grace", 5.0), **protocol),
            on_stop=application.state.service.close,
        )
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.01)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            thread.join(20)
            sock.close()


def raw(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def read_all(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def json_of(answer: bytes) -> tuple[int, dict[str, str], Any]:
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, json.loads(body)


def strict_json(text: str) -> Any:
    def refuse(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


# -- 1. /v1/verify is bounded: admission, work, deadline, the client leaving, the event loop


def test_verify_beyond_its_queue_is_429_and_the_rest_wait_their_turn() -> None:
    body = heavy_verify(300_000, claims=1, quotes=6)
    with served(UNREACHABLE, verify_concurrency=1, verify_queue=1, verify_budget=1e9) as client:
        outcomes: list[Any] = [None] * 4

        def post(index: int) -> None:
            outcomes[index] = client.post("/v1/verify", json=body)

        threads = [threading.Thread(target=post, args=(index,)) for index in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    statuses = sorted(response.status_code for response in outcomes)
    assert statuses == [200, 200, 429, 429], [response.text[:200] for response in outcomes]
    refused = next(response for response in outcomes if response.status_code == 429)
    assert_error(refused, 429, "busy: 1 verification running and 1 waiting")
    assert int(refused.headers["retry-after"]) >= 1


def test_verify_past_its_work_bound_is_413_at_once() -> None:
    """The issue's crafted body: 50 claims × 10 quotes of 1,000 characters not in the text (~36 s of CPU)."""
    body = heavy_verify(100_000, claims=50, quotes=10)
    with served(UNREACHABLE) as client:
        started = time.monotonic()
        response = client.post("/v1/verify", json=body)
        took = time.monotonic() - started
    assert_error(response, 413, "100,000 characters and 500 quotes", "take about 34 s", "send fewer")
    assert took < 2.0, f"refusing took {took:.1f} s"


@pytest.mark.parametrize(
    ("claims", "fragment"),
    [
        ([{"statement": "s", "evidence": ["q"]}] * 501, '"claims": List should have at most 500 items'),
        ([{"statement": "s", "evidence": ["q"] * 21}], '"claims.0.evidence": List should have at most 20'),
        ([{"statement": "s", "evidence": ["q" * 2001]}], "at most 2000 characters"),
    ],
)
def test_verify_counts_are_bounded_by_the_schema(claims: list[Any], fragment: str) -> None:
    with served(UNREACHABLE) as client:
        response = client.post("/v1/verify", json={"text": "Un article.", "claims": claims})
    assert_error(response, 422, fragment)


def test_verify_past_its_deadline_is_504_and_its_process_is_killed() -> None:
    body = heavy_verify(2_000_000, claims=2, quotes=10)
    with served(UNREACHABLE, verify_timeout=0.5, verify_budget=1e9) as client:
        started = time.monotonic()
        response = client.post("/v1/verify", json=body)
        took = time.monotonic() - started
        metrics = client.get("/metrics").text
        assert busy_verifiers() == [], "the verification went on after its deadline"
    assert_error(response, 504, "longer than 0.5 s and was stopped")
    assert took < 3.0, f"answered after {took:.1f} s"
    assert "claimex_verify_workers_killed_total 1.0" in metrics


def test_a_verify_whose_client_hangs_up_stops_using_the_cpu() -> None:
    body = json.dumps(heavy_verify(2_000_000, claims=3, quotes=10)).encode()
    with live(verify_timeout=120, verify_budget=1e9) as url:
        sock = raw(url)
        sock.sendall(
            b"POST /v1/verify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        deadline = time.monotonic() + 10
        while not busy_verifiers():
            assert time.monotonic() < deadline, "the verification never started"
        sock.close()  # the client leaves, three seconds of CPU before the answer
        left = time.monotonic()
        while busy_verifiers():
            assert time.monotonic() - left < 2.0, "the abandoned verification kept a core busy"
        with raw(url) as probe:
            probe.sendall(b"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            metrics = read_all(probe).decode()
    assert "claimex_verify_workers_killed_total 1.0" in metrics
    assert 'route="/v1/verify",status="499"' in metrics


def test_healthz_answers_at_once_while_verifications_run_and_bodies_are_decoded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    threads_used: list[str] = []
    real_loads = strict.loads

    def spy(data: bytes) -> Any:
        threads_used.append(threading.current_thread().name)
        return real_loads(data)

    monkeypatch.setattr(strict, "loads", spy)
    body = heavy_verify(4_500_000, claims=1, quotes=10)
    with served(UNREACHABLE, verify_concurrency=1, verify_queue=8, verify_budget=1e9) as client:
        done: list[int] = []
        posts = [
            threading.Thread(target=lambda: done.append(client.post("/v1/verify", json=body).status_code))
            for _ in range(3)
        ]
        for post in posts:
            post.start()
        latencies = []
        while any(post.is_alive() for post in posts):
            started = time.monotonic()
            assert client.get("/healthz").status_code == 200
            latencies.append(time.monotonic() - started)
            time.sleep(0.05)
        for post in posts:
            post.join()
    assert done == [200, 200, 200]
    assert len(latencies) >= 5 and max(latencies) < 0.5, f"/healthz took up to {max(latencies):.2f} s"
    assert threads_used and threading.main_thread().name not in threads_used
    assert all(name != "MainThread" for name in threads_used)


def test_an_extraction_whose_client_hangs_up_asks_the_model_no_more() -> None:
    text = "\n\n".join(
        f"Paragraphe {n}. Selon le GUR, au moins 30 soldats nord-coréens auraient été tués, dit-on."
        for n in range(8)
    )
    body = json.dumps({"text": text}).encode()
    with StubServer(delay=0.4) as stub, live(stub.base_url, chunk_chars=200) as url:
        sock = raw(url)
        sock.sendall(
            b"POST /v1/extract HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        while stub.requests < 1:
            time.sleep(0.01)
        sock.close()
        time.sleep(2.0)  # five more chunks' time
        asked = stub.requests
    assert asked <= 2, f"the model was asked {asked} times for a client that had left"


# -- 2. SIGTERM during a verify: a JSON 503, and the process gone within seconds


def test_sigterm_during_a_verify_answers_json_503_and_exits_within_seconds(tmp_path: Path) -> None:
    import httpx2

    # About two seconds of CPU, inside the default budget of 5.
    body = heavy_verify(4_000_000, claims=1, quotes=12)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "claimex",
            "serve",
            "--port",
            "0",
            "--base-url",
            UNREACHABLE,
            "--grace",
            "0.3",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        line = process.stderr.readline()
        assert "claimex: serving" in line, line
        url = line.split(" at ", 1)[1].split(" ", 1)[0]
        answers: list[Any] = []
        with httpx2.Client(base_url=url, timeout=60) as http:
            request = threading.Thread(target=lambda: answers.append(http.post("/v1/verify", json=body)))
            request.start()
            time.sleep(1.0)  # decoded, admitted, being checked
            process.send_signal(signal.SIGTERM)
            started = time.monotonic()
            process.wait(timeout=15)
            took = time.monotonic() - started
            request.join(5)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    stderr = process.stderr.read()
    assert process.returncode == 0, stderr
    assert took < 5, f"stopping took {took:.1f} s"
    (answer,) = answers
    assert answer.status_code == 503 and answer.headers["content-type"] == "application/json", answer.text
    assert "stopped before the verification was done" in answer.json()["error"]
    assert "Traceback" not in stderr


# -- 3. and 4. malformed claims are 4xx, never 500, and nothing but strict JSON goes in or out


@pytest.mark.parametrize(
    ("claim", "status", "fragment"),
    [
        ('{"statement": "\\ud800", "evidence": []}', 400, "lone surrogate"),
        ('{"statement": "s", "evidence": ["\\udfff"]}', 400, "lone surrogate"),
        ('{"statement": "s", "evidence": [], "note": "\\ud800"}', 400, "lone surrogate"),
        ('{"statement": "s", "evidence": [], "quantities": 5}', 422, '"claims.0.quantities" must be a list'),
        (
            '{"statement": "s", "evidence": [], "quantities": true}',
            422,
            '"claims.0.quantities" must be a list',
        ),
        (
            '{"statement": "s", "evidence": [], "quantities": "307"}',
            422,
            '"claims.0.quantities" must be a list',
        ),
        ('{"statement": "s", "evidence": [], "entities": "GUR"}', 422, '"claims.0.entities" must be a list'),
        ('{"statement": 3, "evidence": []}', 422, '"claims.0.statement" must be a string'),
        ('{"statement": "s", "evidence": [{"quote": 3}]}', 422, "claims.0.evidence.0"),
        (
            '{"statement": "s", "evidence": [], "quantities": [{"value": NaN}]}',
            400,
            "NaN is not a JSON number",
        ),
        ('{"statement": "s", "evidence": [], "x": Infinity}', 400, "Infinity is not a JSON number"),
        ('{"statement": "s", "evidence": [], "x": -Infinity}', 400, "-Infinity is not a JSON number"),
        ('{"statement": "s", "evidence": [], "x": 1e999}', 400, "1e999 is too large for a double"),
        ('{"statement": "s", "evidence": [], "x": ' + "7" * 5000 + "}", 400, "a number of 5,000 digits"),
        ('{"statement": "s", "evidence": [], "quantities": [{"value": true}]}', 422, "claims.0.quantities.0"),
    ],
)
def test_malformed_claims_are_a_4xx_that_says_what_is_wrong(claim: str, status: int, fragment: str) -> None:
    body = '{"text": "Selon le GUR, 30 soldats ont été tués.", "claims": [' + claim + "]}"
    with served(UNREACHABLE) as client:
        response = client.post(
            "/v1/verify", content=body.encode(), headers={"content-type": "application/json"}
        )
    assert_error(response, status, fragment)


def test_what_verify_answers_is_strict_json_a_browser_reads() -> None:
    claims = [
        {
            "statement": "30 soldats ont été tués.",
            "evidence": ["30 soldats ont été tués"],
            "score": 1.5e300,
            "kept": [1, 2.5, None],
        },
        {"statement": "31 soldats ont été tués.", "evidence": [{"quote": "31 soldats", "why": "é ☃ \u2028"}]},
    ]
    with served(UNREACHABLE) as client:
        response = client.post(
            "/v1/verify", json={"text": "Selon le GUR, 30 soldats ont été tués.", "claims": claims}
        )
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    answer = strict_json(response.text)
    assert [claim["verified"] for claim in answer["claims"]] == [True, False]
    assert answer["claims"][0]["kept"] == [1, 2.5, None] and answer["claims"][1]["evidence"][0]["why"]


# -- 7. DNS rebinding: only the Host names the service answers to


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("127.0.0.1:8000", 200),
        ("localhost", 200),
        ("LOCALHOST.:8000", 200),
        ("[::1]:8000", 200),
        ("attacker.example", 400),
        ("attacker.example:8000", 400),
        ("127.0.0.1.attacker.example", 400),
        ("", 400),
    ],
)
def test_only_allowed_host_names_are_answered(host: str, status: int) -> None:
    with served(UNREACHABLE, allowed_hosts=("localhost", "127.0.0.1", "::1")) as client:
        health = client.get("/healthz", headers={"host": host})
        extract = client.post("/v1/verify", json={"text": "x", "claims": []}, headers={"host": host})
    assert health.status_code == status
    if status == 400:
        assert_error(health, 400, "is not one this service answers to")
        assert_error(extract, 400, "--allowed-host")


def test_serve_answers_the_names_it_is_told_and_wants_them_on_every_address() -> None:
    from claimex.errors import InputError
    from claimex.service.run import allowed_hosts

    assert allowed_hosts("127.0.0.1") == ("localhost", "127.0.0.1", "::1")
    assert "claims.internal" in allowed_hosts("claims.internal")
    assert allowed_hosts("0.0.0.0", ("claims.example.org",))[-1] == "claims.example.org"
    with pytest.raises(InputError, match="--allowed-host NAME"):
        allowed_hosts("0.0.0.0")


# -- 8. authentication before the body is read


class _Recorder:
    """An ASGI receive that records whether the application asked for the body at all."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.calls = 0

    async def __call__(self) -> dict[str, Any]:
        self.calls += 1
        return {"type": "http.request", "body": self.body, "more_body": False}


@pytest.mark.parametrize(
    "body", [b'{"text": "abc", ', b"[" * 100_000, b'{"text": "' + b"x" * 2_000_000 + b'"}']
)
def test_without_the_token_not_one_byte_of_the_body_is_read(body: bytes) -> None:
    import asyncio

    with served(UNREACHABLE, token="s3cret-token-value", max_body=1_000_000) as client:
        application = client.app
        for path in ("/v1/extract", "/v1/verify", "/v1/jobs"):
            receive = _Recorder(body)
            sent: list[dict[str, Any]] = []

            async def send(message: dict[str, Any], sent: list[dict[str, Any]] = sent) -> None:
                sent.append(message)

            scope = {
                "type": "http",
                "asgi": {"version": "3.0"},
                "http_version": "1.1",
                "method": "POST",
                "scheme": "http",
                "path": path,
                "raw_path": path.encode(),
                "root_path": "",
                "query_string": b"",
                "headers": [
                    (b"host", b"127.0.0.1"),
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
                "client": ("127.0.0.1", 1),
                "server": ("127.0.0.1", 80),
                "state": {},
            }
            asyncio.run(application(scope, receive, send))
            assert sent[0]["status"] == 401, (path, sent[:2])
            assert json.loads(sent[1]["body"])["error"].startswith("this service needs a token")
            assert receive.calls == 0, f"{path}: the body was read before the token was checked"


# -- 9. connections and the time a request's head may take


def test_idle_and_half_sent_connections_are_closed_and_connections_are_bounded() -> None:
    with live(max_connections=5, header_timeout=0.5) as url:
        idle = [raw(url) for _ in range(3)]
        half = raw(url)
        half.sendall(b"GET /healthz HTT")
        slow_headers = raw(url)
        slow_headers.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        time.sleep(0.1)
        beyond = raw(url)  # the sixth: refused at once
        status, headers, body = json_of(read_all(beyond))
        assert status == 503 and headers["content-type"] == "application/json"
        assert "too many connections: 5 open" in body["error"]
        started = time.monotonic()
        closed = [json_of(read_all(sock)) for sock in [*idle, half, slow_headers]]
        took = time.monotonic() - started
        # Once they are gone, a client is served again.
        with raw(url) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            healthy = json_of(read_all(sock))
    assert took < 2.0, f"the idle connections were closed after {took:.1f} s"
    for status, headers, body in closed:
        assert status == 408 and headers["content-type"] == "application/json"
        assert "no complete request head within 0.5 s" in body["error"]
    assert healthy[0] == 200 and healthy[2] == {"status": "ok"}


def test_a_kept_alive_connection_must_send_its_next_head_in_time_too() -> None:
    with live(header_timeout=0.5) as url, raw(url) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        first = b""
        while not first.endswith(b'{"status":"ok"}'):
            first += sock.recv(65536)
        assert first.startswith(b"HTTP/1.1 200")
        sock.sendall(b"GET /heal")  # a byte now and then would have held it open forever
        started = time.monotonic()
        rest = read_all(sock)
        took = time.monotonic() - started
    assert rest.startswith(b"HTTP/1.1 408") and took < 2.0


def test_a_body_that_stops_coming_is_408_not_a_wait_forever() -> None:
    with live(body_timeout=0.5) as url, raw(url) as sock:
        sock.sendall(
            b"POST /v1/verify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b'Content-Length: 1000\r\n\r\n{"text": "'
        )
        started = time.monotonic()
        status, headers, body = json_of(read_all(sock))
        took = time.monotonic() - started
    assert headers["connection"] == "close"
    assert status == 408 and "the body did not come within 0.5 s" in body["error"]
    assert took < 2.0


# -- 10. the rest: protocol errors in JSON, zero-width text, HEAD, long numbers, the description


def test_a_request_that_is_not_http_gets_json_400() -> None:
    with live() as url, raw(url) as sock:
        sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        status, headers, body = json_of(read_all(sock))
    assert status == 400 and headers["content-type"] == "application/json"
    assert "not valid HTTP/1.1" in body["error"]


@pytest.mark.parametrize(
    "text", ["\u200b\u200b\u200b", "\ufeff\u200d\u2060", " \u00a0\u3000\n", "\u202e\u200f"]
)
def test_text_of_only_invisible_characters_is_no_article(text: str) -> None:
    with served(UNREACHABLE) as client:
        extract = client.post("/v1/extract", json={"text": text})
        verify = client.post("/v1/verify", json={"text": text, "claims": []})
        job = client.post("/v1/jobs", json={"text": text})
    for response in (extract, verify, job):
        assert_error(response, 422, "holds no visible character")


def test_head_on_both_health_endpoints() -> None:
    with StubServer() as stub, served(stub.base_url) as client:
        time.sleep(0.3)
        health = client.head("/healthz")
        ready = client.head("/readyz")
    assert health.status_code == 200 and health.content == b""
    assert ready.status_code == 200 and ready.content == b""


def test_a_5000_digit_number_is_named_for_what_it_is() -> None:
    with served(UNREACHABLE) as client:
        response = client.post(
            "/v1/extract",
            content=b'{"text": "x", "max_claims": ' + b"9" * 5000 + b"}",
            headers={"content-type": "application/json"},
        )
    assert_error(response, 400, "a number of 5,000 digits")


def test_the_description_says_what_each_input_must_be_and_every_status() -> None:
    with served(UNREACHABLE, token="s3cret-token-value") as client:
        spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    assert schemas["ExtractRequest"]["properties"]["text"]["type"] == "string"
    assert "pattern" in schemas["ExtractRequest"]["properties"]["text"]
    assert set(schemas["ClaimIn"]["required"]) == {"statement", "evidence"}
    assert schemas["VerifyRequest"]["properties"]["claims"]["maxItems"] == 500
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert {"400", "408", "500", "503"} <= set(responses), (method, path)
            if path.startswith("/v1/") or path == "/metrics":
                assert "401" in responses, (method, path)
            for code, response in responses.items():
                if code.startswith(("4", "5")):
                    assert response["content"]["application/json"]["schema"] == {
                        "$ref": "#/components/schemas/ErrorBody"
                    }, (method, path, code)
