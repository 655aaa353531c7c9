"""`claimex serve`: the HTTP service, in process through FastAPI's test client, and once for real.

Model answers come from the stub OpenAI server on loopback (tests/stub_openai.py), except the
seed article, whose conversation with the embedded model is recorded (cassettes/test_service/).
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from claimex.cli import app as cli
from claimex.errors import (
    AnswerCutOff,
    AnswerTimeout,
    ClaimexError,
    InputError,
    LocalServerError,
    ModelError,
    ServerError,
)
from claimex.llm.settings import resolve_settings
from claimex.local.server import LocalServer
from claimex.service.admission import ClientGone
from claimex.service.app import ServiceConfig, create_app
from claimex.service.errors import one_line, status_of
from claimex.service.models import ExtractRequest
from claimex.service.run import check_exposure, is_loopback
from claimex.session import model_session
from conftest import RECORDING_BASE_URL, SEED, http_requests
from stub_openai import QUOTE, StubServer

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
ARTICLE = "Article {n}. Selon le GUR, {quote} ce week-end près de Koursk."
UNREACHABLE = "http://127.0.0.1:9/v1"
runner = CliRunner()


@contextmanager
def served(
    base_url: str | None,
    *,
    provider: str | None = None,
    cache_dir: Path | None = None,
    model_path: Path | None = None,
    **config: Any,
) -> Iterator[TestClient]:
    """The application on a model session, as `claimex serve` builds it, with its lifespan running."""
    overrides = config.pop("settings", {})
    # Starlette's test client sends Host: testserver.
    config.setdefault("allowed_hosts", ("localhost", "127.0.0.1", "::1", "testserver"))
    mode = None if provider == "local" else "tools"
    settings = resolve_settings(provider=provider, base_url=base_url, mode=mode, **overrides)
    with model_session(settings, model_path=model_path, cache_dir=cache_dir, no_cache=False) as session:
        application = create_app(ServiceConfig(**config), session)
        with TestClient(application, raise_server_exceptions=False) as client:
            yield client


def article(n: int | str) -> dict[str, str]:
    return {"text": ARTICLE.format(n=n, quote=QUOTE)}


def assert_error(response: Any, status: int, *fragments: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert "\n" not in body["error"] and "Traceback" not in body["error"]
    for fragment in fragments:
        assert fragment in body["error"]


def wait_ready(client: TestClient, within: float = 10.0) -> dict[str, Any]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        response = client.get("/readyz")
        if response.status_code == 200:
            return dict(response.json())
        time.sleep(0.05)
    raise AssertionError(f"never ready: {response.text}")


def post_all(client: TestClient, bodies: list[dict[str, Any]]) -> list[tuple[Any, float]]:
    """Every body posted at once from its own thread: (response, seconds it took), in order."""
    outcomes: list[Any] = [None] * len(bodies)
    started = time.monotonic()

    def post(index: int) -> None:
        response = client.post("/v1/extract", json=bodies[index])
        outcomes[index] = (response, time.monotonic() - started)

    threads = [threading.Thread(target=post, args=(index,)) for index in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


@pytest.fixture(scope="module")
def stub() -> Iterator[StubServer]:
    """One stub for the module: each stub takes half a second to shut down."""
    with StubServer() as server:
        yield server


HARTWELL = SEED.parents[1] / "benchmarks" / "devset" / "en_hartwell_glass.txt"


@pytest.mark.vcr
def test_an_article_over_http_gives_the_claims_claimex_extract_gives(vcr: Any) -> None:
    """An article whose sentences the embedded model must restate: the same claims over HTTP as
    from the command, and a second request answered without a model call."""
    text = HARTWELL.read_text(encoding="utf-8")
    with served(RECORDING_BASE_URL, provider="local") as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert wait_ready(client)["model"] == "qwen2.5-coder-1.5b-instruct"
        response = client.post("/v1/extract", json={"text": text})
        assert response.status_code == 200, response.text
        asked = http_requests(vcr)
        assert asked >= 1, "the model was asked"

        again = client.post("/v1/extract", json={"text": text})
        assert http_requests(vcr) == asked, "an article answered before makes no model call"

    served_result = response.json()
    assert served_result["source"]["path"] == "<http>"
    assert served_result["source"]["sha256"] == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert served_result["strategy"] == "sentences" and served_result["claims"]
    assert again.json()["stats"]["cache_hit"] and again.json()["claims"] == served_result["claims"]

    cli_run = runner.invoke(
        cli, ["extract", str(HARTWELL), "--base-url", RECORDING_BASE_URL, "--provider", "local"]
    )
    assert cli_run.exit_code == 0, cli_run.output
    from_cli = json.loads(cli_run.stdout)
    for field in ("schema_version", "provider", "model", "strategy", "claims", "warnings"):
        assert served_result[field] == from_cli[field], field
    assert {**served_result["source"], "path": str(HARTWELL)} == from_cli["source"]


def test_health_readiness_and_the_openapi_description(stub: StubServer) -> None:
    with served(stub.base_url) as client:
        assert client.get("/healthz").status_code == 200
        assert wait_ready(client) == {"status": "ready", "provider": "compatible", "model": "default"}
        spec = client.get("/openapi.json").json()
        assert "text/html" in client.get("/docs").headers["content-type"]
    assert {"/v1/extract", "/v1/verify", "/healthz", "/readyz"} <= set(spec["paths"])
    schemas = spec["components"]["schemas"]
    assert schemas["ExtractRequest"]["required"] == ["text"]
    assert {"source", "claims", "stats"} <= set(schemas["Result"]["properties"])
    assert "429" in spec["paths"]["/v1/extract"]["post"]["responses"]


def test_the_embedded_server_starts_with_the_service_and_stops_with_it(
    stand_in_llama: tuple[Path, list[LocalServer]],
) -> None:
    """llama.cpp played by the stand-in of test_local_server.py: a real child process, no model."""
    model, started = stand_in_llama
    with served(None, provider="local", model_path=model) as client:
        assert wait_ready(client)["model"] == "model"
        (server,) = started
        assert server.process is not None
        pid = server.process.pid
        time.sleep(0.3)
        # The thread that started it has nothing more to do; the server must outlive it.
        assert server.process.poll() is None, "the embedded server died after the warm-up"
        assert client.get("/readyz").status_code == 200
    assert server.process is None and not Path(f"/proc/{pid}").exists(), "left running after the service"


def test_not_ready_while_the_model_does_not_answer() -> None:
    with served(UNREACHABLE) as client:
        time.sleep(0.1)
        response = client.get("/readyz")
        assert client.get("/healthz").status_code == 200
    assert_error(response, 503, "not ready", "does not answer")
    assert response.headers["retry-after"]


def test_extract_over_http_equals_the_cli_and_a_repeat_asks_nothing(stub: StubServer, tmp_path: Path) -> None:
    text = article("cli")["text"]
    path = tmp_path / "article.txt"
    path.write_text(text, encoding="utf-8")
    before = stub.requests
    with served(stub.base_url) as client:
        first = client.post("/v1/extract", json={"text": text})
        asked = stub.requests - before
        second = client.post("/v1/extract", json={"text": text})
    cli_run = runner.invoke(
        cli, ["extract", str(path), "--base-url", stub.base_url, "--mode", "tools", "--no-cache"]
    )
    assert first.status_code == 200 and second.status_code == 200
    assert asked == 1 and stub.requests - before == 2, "the repeat came from the cache, the CLI asked anew"
    assert second.json()["stats"]["cache_hit"] is True and second.json()["stats"]["requests"] == 0
    result, expected = first.json(), json.loads(cli_run.stdout)
    assert result["claims"] == expected["claims"] and result["claims"][0]["verified"]
    assert {**result["source"], "path": str(path)} == expected["source"]
    assert first.text == json.dumps(result, indent=2, ensure_ascii=False) + "\n", (
        "the CLI's JSON, byte for byte"
    )


def test_html_strategy_and_max_claims_can_be_asked_per_request(stub: StubServer) -> None:
    page = f"<html><body><nav>Menu</nav><article><p>{article('html')['text']}</p></article></body></html>"
    with served(stub.base_url) as client:
        response = client.post(
            "/v1/extract", json={"text": page, "html": True, "strategy": "sentences", "max_claims": 1}
        )
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["strategy"] == "sentences" and len(result["claims"]) == 1
    assert result["source"]["length"] < len(page), "spans index the page's main text"


@pytest.fixture(scope="module")
def shared(
    stub: StubServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[StubServer, TestClient]]:
    """One service for the tests that must never reach the model."""
    with served(stub.base_url, cache_dir=tmp_path_factory.mktemp("cache")) as client:
        yield stub, client


@pytest.mark.parametrize(
    ("content", "headers", "status", "fragment"),
    [
        (b'{"text": "abc", ', {}, 400, "not valid JSON"),
        (b"\xff\xfe\x00", {}, 400, "the body is not UTF-8 text"),
        (b"just text", {"content-type": "text/plain"}, 400, "Content-Type: application/json"),
        (b"", {}, 400, "the body is empty"),
        (b"[1, 2]", {}, 400, "must be a JSON object"),
        (b"{}", {}, 422, '"text" is required'),
        (b'{"text": ""}', {}, 422, '"text" holds no visible character'),
        (b'{"text": 42}', {}, 422, '"text" must be a string'),
        (b'{"text": "x", "txet": "y"}', {}, 422, 'unknown field "txet"'),
        (b'{"text": "\\u0000\\u0001binary"}', {}, 422, '"text" contains NUL characters'),
        (b'{"text": "a\\u0000b\\u0000c\\u0000d\\u0000"}', {}, 422, '"text" contains NUL characters'),
        (b'{"text": "\\u0001\\u0002\\u0003\\u0004"}', {}, 422, '"text" contains control characters'),
        (b'{"text": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", {}, 400, "nests arrays or objects deeper"),
        (b'{"text": " \\n\\t "}', {}, 422, '"text" holds no visible character'),
        (b'{"text": "x", "max_claims": 0}', {}, 422, '"max_claims"'),
        (b'{"text": "x", "strategy": "all"}', {}, 422, '"strategy"'),
        (b'{"text": "x", "html": "yes"}', {}, 422, '"html"'),
    ],
)
def test_bad_requests_get_a_4xx_a_client_can_act_on(
    shared: tuple[StubServer, TestClient], content: bytes, headers: dict[str, str], status: int, fragment: str
) -> None:
    stub, client = shared
    before = stub.requests
    response = client.post(
        "/v1/extract", content=content, headers={"content-type": "application/json", **headers}
    )
    assert_error(response, status, fragment)
    assert stub.requests == before


def test_unknown_paths_and_methods_are_json_too() -> None:
    with served(UNREACHABLE) as client:
        assert_error(client.get("/v1/nope"), 404, "no such endpoint: /v1/nope")
        assert_error(client.get("/v1/extract"), 405, "GET is not allowed on /v1/extract")


def test_a_token_guards_every_v1_call_and_nothing_else(stub: StubServer) -> None:
    token = "s3cret-token-value"
    before = stub.requests
    with served(stub.base_url, token=token) as client:
        missing = client.post("/v1/extract", json=article(1))
        wrong = client.post("/v1/extract", json=article(1), headers={"Authorization": "Bearer nope"})
        basic = client.post(
            "/v1/verify", json={"text": "x", "claims": []}, headers={"Authorization": f"Basic {token}"}
        )
        right = client.post("/v1/extract", json=article(1), headers={"Authorization": f"Bearer {token}"})
        assert client.get("/healthz").status_code == 200
        spec = client.get("/openapi.json").json()
    for response in (missing, wrong, basic):
        assert_error(response, 401, "Authorization: Bearer")
        assert response.headers["www-authenticate"] == "Bearer"
        assert token not in response.text
    assert right.status_code == 200
    assert stub.requests - before == 1
    assert "HTTPBearer" in spec["components"]["securitySchemes"]


def test_bodies_over_the_limit_get_413_whether_sized_or_streamed(stub: StubServer) -> None:
    big = json.dumps({"text": "mot " * 3000}).encode()
    before = stub.requests
    with served(stub.base_url, max_body=10_000) as client:
        sized = client.post("/v1/extract", content=big, headers={"content-type": "application/json"})
        streamed = client.post(
            "/v1/extract",
            content=iter([big[:6000], big[6000:]]),
            headers={"content-type": "application/json"},
        )
    for response in (sized, streamed):
        assert_error(response, 413, "larger than 10,000 bytes")
    assert stub.requests == before


def test_verify_rechecks_claims_as_claimex_verify_does(tmp_path: Path, seed_text: str) -> None:
    claims = [
        {"statement": quote, "evidence": [{"quote": quote}], "note": "kept"}
        for quote in ("au moins 30 soldats nord-coréens", "au moins 31 soldats nord-coréens")
    ]
    claims_file = tmp_path / "claims.json"
    claims_file.write_text(json.dumps({"claims": claims}, ensure_ascii=False), encoding="utf-8")
    with served(UNREACHABLE) as client:
        response = client.post("/v1/verify", json={"text": seed_text, "claims": claims})
        bad = client.post("/v1/verify", json={"text": seed_text, "claims": [{"evidence": []}]})
    assert response.status_code == 200, response.text
    result = response.json()
    assert [claim["verified"] for claim in result["claims"]] == [True, False]
    assert result["claims"][0]["note"] == "kept"
    assert result == json.loads(runner.invoke(cli, ["verify", str(SEED), str(claims_file)]).stdout)
    assert_error(bad, 422, '"claims.0.statement" is required')


def test_model_failures_are_502_or_504_with_the_cli_reason(stub: StubServer) -> None:
    with served(stub.base_url, settings={"max_attempts": 1}) as client:
        failed = client.post("/v1/extract", json={"text": article(1)["text"] + " STUB-500"})
    assert_error(failed, 502, f"the model server at {stub.base_url} answered HTTP 500")

    with served(UNREACHABLE, settings={"max_attempts": 1}) as client:
        unreachable = client.post("/v1/extract", json=article(2))
    assert_error(unreachable, 502, f"cannot reach the model server at {UNREACHABLE}")

    with (
        StubServer(delay=2) as slow,
        served(slow.base_url, settings={"max_attempts": 1, "timeout": 0.5}) as client,
    ):
        late = client.post("/v1/extract", json=article(3))
    assert_error(late, 504, f"the model at {slow.base_url}")


def test_error_classes_map_to_status_codes_without_local_paths() -> None:
    assert status_of(InputError("text: empty")) == 422
    assert status_of(AnswerCutOff("cut off")) == 502
    assert status_of(ModelError("unusable")) == 502
    assert status_of(LocalServerError("exited")) == 502
    assert status_of(AnswerTimeout("the model at http://x/v1 gave no complete answer within 5 s")) == 504
    assert status_of(ServerError("the model server at http://x/v1 answered HTTP 500")) == 502
    assert status_of(ClaimexError("other")) == 500
    message = one_line("exited with code 3 (log: /home/me/.local/state/claimex/server.log)\nmore")
    assert message == "exited with code 3 (log: server.log) more"
    assert (
        one_line("cannot reach http://127.0.0.1:9/v1 at ~/x/y.gguf")
        == "cannot reach http://127.0.0.1:9/v1 at y.gguf"
    )


def test_beyond_the_queue_429_with_retry_after_and_model_calls_one_at_a_time() -> None:
    with StubServer(delay=0.5) as stub, served(stub.base_url, concurrency=1, queue=1) as client:
        outcomes = post_all(client, [article(n) for n in range(3)])
    statuses = sorted(response.status_code for response, _ in outcomes)
    assert statuses == [200, 200, 429]
    refused = next(response for response, _ in outcomes if response.status_code == 429)
    assert_error(refused, 429, "busy: 1 extraction running and 1 waiting")
    assert int(refused.headers["retry-after"]) >= 1
    done = sorted(seconds for response, seconds in outcomes if response.status_code == 200)
    assert done[1] >= 2 * 0.5, "the second model call waited for the first"
    assert stub.requests == 2


def test_a_cached_article_needs_no_model_slot() -> None:
    with StubServer(delay=0.6) as stub, served(stub.base_url, concurrency=1, queue=2) as client:
        assert client.post("/v1/extract", json=article("cached")).status_code == 200
        slow = threading.Thread(target=client.post, args=("/v1/extract",), kwargs={"json": article("slow")})
        slow.start()
        while stub.requests < 2:
            time.sleep(0.01)
        started = time.monotonic()
        cached = client.post("/v1/extract", json=article("cached"))
        waited = time.monotonic() - started
        slow.join()
    assert cached.status_code == 200 and cached.json()["stats"]["cache_hit"]
    assert waited < 0.4, f"the cached answer waited {waited:.2f} s behind the running extraction"


def test_no_model_call_for_a_client_that_hung_up_while_waiting(stub: StubServer) -> None:
    async def hung_up() -> bool:
        return True

    before = stub.requests
    with served(stub.base_url) as client:
        service = client.app.state.service
        with pytest.raises(ClientGone):
            client.portal.call(service.extract, ExtractRequest(text=article("gone")["text"]), hung_up)
    assert stub.requests == before


def test_a_stop_answers_waiting_requests_503_and_running_ones_after_the_grace() -> None:
    with StubServer(delay=1.5) as stub, served(stub.base_url, concurrency=1, queue=2, grace=0.3) as client:
        results: list[Any] = []
        threads = [
            threading.Thread(target=lambda n=n: results.append(client.post("/v1/extract", json=article(n))))
            for n in range(2)
        ]
        for thread in threads:
            thread.start()
        while stub.requests < 1:
            time.sleep(0.01)
        time.sleep(0.05)
        started = time.monotonic()
        client.app.state.service.close()  # what SIGTERM does
        for thread in threads:
            thread.join(10)
        took = time.monotonic() - started
        ready = client.get("/readyz")
    messages = sorted(response.json()["error"] for response in results)
    assert [response.status_code for response in results] == [503, 503]
    assert "was not started" in messages[0] and "stopped before the answer was ready" in messages[1]
    assert all(response.headers["retry-after"] for response in results)
    assert took < 1.0, "the running request was answered after the grace, not when the model finished"
    assert_error(ready, 503, "stopping")


def test_cors_only_when_asked_for() -> None:
    origin = {"Origin": "https://cms.example.org"}
    with served(UNREACHABLE) as client:
        assert "access-control-allow-origin" not in client.get("/healthz", headers=origin).headers
    with served(UNREACHABLE, cors_origins=("https://cms.example.org",)) as client:
        allowed = client.get("/healthz", headers=origin).headers
    assert allowed["access-control-allow-origin"] == "https://cms.example.org"


def test_listening_beyond_loopback_needs_a_token_or_insecure() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("example.org")
    check_exposure("0.0.0.0", "token", False)
    check_exposure("0.0.0.0", None, True)
    with pytest.raises(InputError, match=r"refusing to listen on 0\.0\.0\.0 without a token"):
        check_exposure("0.0.0.0", None, False)
    with pytest.raises(InputError, match="the token is empty"):
        check_exposure("127.0.0.1", " ", False)

    result = runner.invoke(cli, ["serve", "--host", "0.0.0.0", "--base-url", UNREACHABLE])
    assert result.exit_code == 2
    assert result.stderr.strip().startswith("claimex: error: refusing to listen on 0.0.0.0 without a token")


def test_serve_without_the_extra_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    for missing in ("fastapi", "prometheus_client", "fastapi_offline"):
        monkeypatch.setattr(
            importlib.util,
            "find_spec",
            lambda name, *a, missing=missing: None if name == missing else real(name, *a),
        )
        result = runner.invoke(cli, ["serve"])
        assert result.exit_code == 2
        assert result.stderr == (
            "claimex: error: `claimex serve` needs FastAPI, uvicorn, prometheus-client and "
            "fastapi-offline: pip install 'claimex[serve]'\n"
        )


def test_help_shows_no_token_and_loads_no_web_framework(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAIMEX_API_TOKEN", "s3cret-token-value")
    result = runner.invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0 and "CLAIMEX_API_TOKEN" in result.stdout and "curl" in result.stdout
    assert "s3cret-token-value" not in result.stdout
    probe = (
        "import sys, claimex.cli; print([m for m in ('fastapi', 'uvicorn', 'starlette') if m in sys.modules])"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def _processes_in_group(group: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == group and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def test_the_real_process_serves_then_stops_on_sigterm_within_seconds(tmp_path: Path, seed_text: str) -> None:
    import httpx2

    token = "s3cret-token-value"
    with StubServer(delay=1.0) as stub:
        options = ["--port", "0", "--base-url", stub.base_url, "--mode", "tools", "--grace", "0.5"]
        process = subprocess.Popen(
            [sys.executable, "-m", "claimex", "serve", *options],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "CLAIMEX_API_TOKEN": token},
            start_new_session=True,
        )
        try:
            line = process.stderr.readline()
            assert "claimex: serving compatible/default at http://127.0.0.1:" in line, line
            url = line.split(" at ", 1)[1].split(" ", 1)[0]
            with httpx2.Client(
                base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=30
            ) as http:
                first = http.post("/v1/extract", json={"text": seed_text})
                assert first.status_code == 200, first.text
                assert first.json()["claims"][0]["evidence"][0]["quote"] == QUOTE

                in_flight: list[Any] = []
                request = threading.Thread(
                    target=lambda: in_flight.append(http.post("/v1/extract", json=article("late")))
                )
                request.start()
                while stub.requests < 2:
                    time.sleep(0.01)
                process.send_signal(signal.SIGTERM)
                started = time.monotonic()
                process.wait(timeout=10)
                took = time.monotonic() - started
                request.join(5)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        stderr = process.stderr.read()
    assert process.returncode == 0, stderr
    assert took < 5, f"stopping took {took:.1f} s"
    assert in_flight and in_flight[0].status_code == 503
    assert "claimex: stopped" in stderr and "Traceback" not in stderr
    assert token not in stderr + process.stdout.read()
    assert _processes_in_group(process.pid) == [], "something the service started is still running"
