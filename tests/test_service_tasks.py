"""`claimex serve --task`: the service offers the tasks it was started with, by name, and no other.

The records path replays the embedded model's answers recorded for tests/test_tasks_examples.py
(the seed, `--max-claims 4`: the same request bodies, byte for byte), so that what the service
answers is compared with what `claimex extract --task` writes from the same answers. Everything
else runs on the stub OpenAI server, which answers a task's question with no records.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from claimex.checks.records import ground_record
from claimex.checks.verdict import Article
from claimex.cli import app as cli
from claimex.models import TaskResult
from claimex.service.tasks import offered_tasks
from claimex.tasks.loading import load_task
from conftest import RECORDING_BASE_URL, ROOT, SEED, http_requests
from stub_openai import QUOTE, StubServer
from test_service import assert_error, served, wait_ready
from test_tasks import write_task

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
runner = CliRunner()
CASSETTES = ROOT / "cassettes"
# The conversations of `claimex extract SEED --task NAME --max-claims 4` with the embedded model.
QUOTES_CASSETTE = CASSETTES / "test_tasks_examples" / "test_the_quotations_task_on_the_seed.yaml"
FIGURES_CASSETTE = CASSETTES / "test_tasks_examples" / "test_the_figures_task_on_the_seed.yaml"
# Its GET /v1/models, which the service's readiness asks and the command does not.
MODELS_CASSETTE = (
    CASSETTES / "test_service" / "test_an_article_over_http_gives_the_claims_claimex_extract_gives.yaml"
)
ARTICLE = f"Selon le GUR, « {QUOTE} » ce week-end près de Koursk, a déclaré Kyrylo Boudanov."


@pytest.fixture(scope="module")
def stub() -> Any:
    with StubServer() as server:
        yield server


def _cli_records(task: str, out: Path) -> dict[str, Any]:
    args = ["extract", str(SEED), "--task", task, "--base-url", RECORDING_BASE_URL, "--provider", "local"]
    # --strategy single: what the example tasks' cassettes recorded (the whole article in one call).
    args += ["--strategy", "single", "--max-claims", "4", "-o", str(out)]
    result = runner.invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return dict(json.loads(out.read_text(encoding="utf-8")))


def _comparable(result: dict[str, Any]) -> dict[str, Any]:
    """A task result without what differs by entry point (where the article and the task are) or run."""
    stats = {k: v for k, v in result["stats"].items() if k not in ("seconds", "cache_hit", "requests")}
    return {
        **result,
        "source": {**result["source"], "path": None},
        "task": {**result["task"], "path": None},
        "stats": stats,
    }


@pytest.mark.vcr(str(QUOTES_CASSETTE), str(MODELS_CASSETTE))
def test_a_task_over_http_gives_the_records_extract_task_writes(vcr: Any, tmp_path: Path) -> None:
    text = SEED.read_text(encoding="utf-8")
    quotes = load_task("quotes")
    with served(RECORDING_BASE_URL, provider="local", tasks=(quotes,)) as client:
        wait_ready(client)
        readiness = http_requests(vcr)  # its GET /v1/models
        response = client.post(
            "/v1/extract", json={"text": text, "task": "quotes", "max_claims": 4, "strategy": "single"}
        )
        assert response.status_code == 200, response.text
        asked = http_requests(vcr) - readiness
        again = client.post(
            "/v1/extract", json={"text": text, "task": "quotes", "max_claims": 4, "strategy": "single"}
        )
        assert again.status_code == 200, again.text
        assert http_requests(vcr) - readiness == asked, "a task's article answered before makes no model call"

        served_result = response.json()
        # The records go back to /v1/verify as the result holds them: the same verdicts, no model.
        checked = client.post(
            "/v1/verify", json={"text": text, "task": "quotes", "records": served_result["records"]}
        )
        assert http_requests(vcr) - readiness == asked

    result = TaskResult.model_validate(served_result)
    assert result.records, "the seed quotes Zelensky and the GUR"
    assert result.stats.requests == asked >= 1
    assert again.json()["stats"]["cache_hit"] and again.json()["records"] == served_result["records"]
    # The task is named as its folder, not by where the service keeps it.
    assert (
        result.task.name == "quotes" and result.task.sha256 == quotes.sha256 and result.task.path == "quotes"
    )
    assert result.source.path == "<http>"
    # Every record grounded as the checks ground it again (verdicts not taken from the model).
    article = Article.of(text)
    for record in result.records:
        again_grounded = ground_record(record.fields, quotes.record.spec, article)
        assert again_grounded.support == record.support and again_grounded.verified == record.verified

    assert checked.status_code == 200, checked.text
    verified = checked.json()
    assert verified["task"] == served_result["task"]
    assert [r["support"] for r in verified["records"]] == [r["support"] for r in served_result["records"]]
    assert [r["evidence"] for r in verified["records"]] == [r["evidence"] for r in served_result["records"]]
    assert verified["stats"]["verified"] == result.stats.verified and verified["stats"]["requests"] == 0

    # `claimex extract --task` on the same article, from the answers the service cached.
    from_cli = _cli_records("quotes", tmp_path / "quotes.json")
    assert _comparable(from_cli) == _comparable(served_result)


@pytest.mark.vcr(str(FIGURES_CASSETTE), str(MODELS_CASSETTE))
def test_a_job_of_a_task_gives_that_tasks_results(vcr: Any, tmp_path: Path) -> None:
    text = SEED.read_text(encoding="utf-8")
    tasks = offered_tasks(["figures", "quotes"])
    with served(RECORDING_BASE_URL, provider="local", tasks=tasks, jobs_dir=tmp_path / "jobs") as client:
        wait_ready(client)
        readiness = http_requests(vcr)  # its GET /v1/models
        created = client.post(
            "/v1/jobs", json={"texts": [text], "task": "figures", "max_claims": 4, "strategy": "single"}
        )
        assert created.status_code == 202, created.text
        url = created.json()["url"]
        deadline = time.monotonic() + 120
        while (job := client.get(url).json())["status"] in ("queued", "running"):
            assert time.monotonic() < deadline, job
            time.sleep(0.1)
    assert job["status"] == "done", job
    (result,) = job["results"]
    records = TaskResult.model_validate(result)
    assert records.task.name == "figures" and records.records
    assert records.stats.requests == http_requests(vcr) - readiness >= 1
    assert _comparable(_cli_records("figures", tmp_path / "figures.json")) == _comparable(result)


def test_the_tasks_are_listed_by_name_with_their_records(stub: StubServer) -> None:
    tasks = offered_tasks(["quotes", "figures"])
    with served(stub.base_url, tasks=tasks) as client:
        listed = client.get("/v1/tasks")
        spec = client.get("/openapi.json").json()
    assert listed.status_code == 200, listed.text
    by_name = {task["name"]: task for task in listed.json()["tasks"]}
    assert list(by_name) == ["claims", "quotes", "figures"]
    assert by_name["claims"]["default"] and not by_name["quotes"]["default"]
    # The built-in claims are a task loaded as the others are: its sha256 is its results', its
    # record claimex's claim.
    claims = load_task("claims")
    assert by_name["claims"]["sha256"] == claims.sha256 and by_name["claims"]["evidence"] == ["evidence"]
    assert by_name["claims"]["record"]["title"] == "ExtractedClaim"
    for task in tasks:
        shown = by_name[task.name]
        assert shown["sha256"] == task.sha256 and shown["description"] == task.description
        assert shown["record"] == task.record.model.model_json_schema()
        assert shown["evidence"] == list(task.record.spec.evidence)
        assert shown["values"] == dict(task.record.spec.values)
    assert by_name["quotes"]["quotations"] == ["quote"] and by_name["quotes"]["values"] == {"speaker": "name"}
    assert str(ROOT) not in listed.text, "the service does not say where it keeps its tasks"

    # The description says which names a request may send, and what each task's records are.
    schemas = spec["components"]["schemas"]
    for body in ("ExtractRequest", "JobTexts"):
        (names,) = [kind["enum"] for kind in schemas[body]["properties"]["task"]["anyOf"] if "enum" in kind]
        assert names == ["claims", "quotes", "figures"]
    verify = spec["paths"]["/v1/verify"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    refs = [branch["$ref"].rsplit("/", 1)[-1] for branch in verify["oneOf"]]
    assert refs == ["VerifyRequest", "QuotesVerifyRequest", "FiguresVerifyRequest"]
    record = schemas["QuotesRecord"]
    assert set(record["properties"]) == {"quote", "speaker"} and record["additionalProperties"] is False
    assert "/v1/tasks" in spec["paths"] and "422" in spec["paths"]["/v1/extract"]["post"]["responses"]


def test_a_name_not_offered_a_path_or_a_template_is_refused_before_any_model_call(
    stub: StubServer, tmp_path: Path
) -> None:
    bodies: list[dict[str, Any]] = [
        {"text": ARTICLE, "task": "nope"},
        # A given task's name is no task of a service not started with it.
        {"text": ARTICLE, "task": "figures"},
        {"text": ARTICLE, "task": str(ROOT / "examples" / "tasks" / "quotes")},
        {"text": ARTICLE, "task": "examples/tasks/quotes"},
        {"text": ARTICLE, "task": "../quotes/task.toml"},
    ]
    template_bodies: list[dict[str, Any]] = [
        {"text": ARTICLE, "task": "quotes", "template": "{{ 7*7 }}"},
        {"text": ARTICLE, "system": "You are …", "user": "{{ text }}"},
        {"text": ARTICLE, "task": "quotes", "schema": {"type": "object"}},
        {"text": ARTICLE, "fields": "speaker name, quote evidence"},
    ]
    before = stub.requests
    chunks_only = write_task(tmp_path / "chunky")  # per chunk only: no per-sentence templates
    with served(stub.base_url, tasks=offered_tasks(["quotes", str(chunks_only)])) as client:
        for body in bodies:
            for route, sent in (
                ("/v1/extract", body),
                ("/v1/jobs", body),
                ("/v1/jobs", {**body, "texts": [ARTICLE]}),
            ):
                sent = {k: v for k, v in sent.items() if not (k == "text" and "texts" in sent)}
                response = client.post(route, json=sent)
                assert_error(response, 422, '"task"', f"no task {body['task']!r}", "claims, quotes, chunky")
            verify = client.post("/v1/verify", json={"text": ARTICLE, "task": body["task"], "records": []})
            assert_error(verify, 422, '"task"', "the tasks offered: claims, quotes, chunky")
        for body in template_bodies:
            unknown = next(key for key in body if key not in ("text", "task"))
            for route in ("/v1/extract", "/v1/jobs"):
                assert_error(client.post(route, json=body), 422, f'unknown field "{unknown}"')
        # A task is asked the ways it gives templates for; the 422 names it, never its path.
        sentences = {"text": ARTICLE, "task": "chunky", "strategy": "sentences"}
        for route in ("/v1/extract", "/v1/jobs"):
            response = client.post(route, json=sentences)
            assert_error(response, 422, '"strategy"', "the task chunky is asked with single, not sentences")
            assert str(tmp_path) not in response.text
        assert client.get("/v1/jobs").json()["jobs"] == [], "no job was made of a refused body"
    assert stub.requests == before, "nothing was asked of the model"


def test_without_a_task_or_with_claims_the_claims_are_extracted(stub: StubServer) -> None:
    with served(stub.base_url, tasks=offered_tasks(["quotes"])) as client:
        plain = client.post("/v1/extract", json={"text": ARTICLE})
        named = client.post("/v1/extract", json={"text": ARTICLE, "task": "claims"})
        records = client.post("/v1/extract", json={"text": ARTICLE, "task": "quotes"})
        verify = client.post(
            "/v1/verify",
            json={
                "text": ARTICLE,
                "task": "claims",
                "claims": [{"statement": "30 tués.", "evidence": [QUOTE]}],
            },
        )
    assert plain.status_code == named.status_code == 200, (plain.text, named.text)
    assert plain.json()["claims"] and named.json()["claims"] == plain.json()["claims"]
    # A claims result names its task too: the built-in one, by name, not by where it is installed.
    assert plain.json()["task"] == {
        "name": "claims",
        "sha256": load_task("claims").sha256,
        "path": "claimex:claims",
    }
    # The stub answers a task's question with no records: a task result, asked once, not claims.
    assert records.status_code == 200, records.text
    assert records.json()["task"]["name"] == "quotes" and records.json()["records"] == []
    assert records.json()["stats"]["requests"] == 1 and "claims" not in records.json()
    assert verify.status_code == 200 and verify.json()["claims"][0]["evidence"][0]["status"] == "exact"


def test_verify_grounds_a_tasks_records_again_and_refuses_a_record_that_does_not_fit(
    stub: StubServer,
) -> None:
    text = "Près de 12 000 foyers étaient privés de courant, selon le gestionnaire du réseau Enedis."
    record = {"passage": "Près de 12 000 foyers", "value": 12000, "counted": "foyers", "source": "Enedis"}
    figures = load_task("figures")
    assert set(record) == set(figures.record.model.model_fields), "the figures task's record"
    wrong_value = {**record, "value": 15000}
    not_there = {**record, "passage": "Près de 20 000 foyers"}
    before = stub.requests
    with served(stub.base_url, tasks=(figures,)) as client:
        answer = client.post(
            "/v1/verify",
            json={
                "text": text,
                "task": "figures",
                "records": [{"fields": r} for r in (record, wrong_value, not_there)],
            },
        )
        refused = [
            ({"fields": {**record, "value": "12000"}}, '"records.0.fields.value"'),
            ({"fields": {**record, "where": "/etc/passwd"}}, 'unknown field "records.0.fields.where"'),
            (
                {"fields": {k: v for k, v in record.items() if k != "passage"}},
                '"records.0.fields.passage" is required',
            ),
            ({"fields": record, "template": "{{ 7*7 }}"}, 'unknown field "records.0.template"'),
        ]
        answers = [
            client.post("/v1/verify", json={"text": text, "task": "figures", "records": [body]})
            for body, _ in refused
        ]
        claims_for_records = client.post("/v1/verify", json={"text": text, "task": "figures", "claims": []})
    assert stub.requests == before, "verifying asks no model"
    assert answer.status_code == 200, answer.text
    good, bad_value, missing = answer.json()["records"]
    assert good["verified"] and good["evidence"]["passage"][0]["status"] == "exact"
    assert not bad_value["verified"]
    assert any(p["field"] == "value" and p["blocking"] for p in bad_value["support"]["problems"])
    assert not missing["verified"] and missing["evidence"]["passage"][0]["status"] != "exact"
    assert any(p["field"] == "passage" for p in missing["support"]["problems"])
    assert answer.json()["stats"]["records"] == 3 and answer.json()["stats"]["verified"] == 1
    assert answer.json()["task"] == {"name": "figures", "sha256": figures.sha256, "path": "figures"}
    for response, (_, fragment) in zip(answers, refused, strict=True):
        assert_error(response, 422, fragment)
    assert_error(claims_for_records, 422, '"records" is required')


def test_tasks_need_the_token_as_every_v1_route_does(stub: StubServer) -> None:
    with served(stub.base_url, token="s3cret-token-value", tasks=offered_tasks(["quotes"])) as client:
        assert_error(client.get("/v1/tasks"), 401)
        shown = client.get("/v1/tasks", headers={"Authorization": "Bearer s3cret-token-value"})
        spec = client.get("/openapi.json").json()
    assert shown.status_code == 200 and [t["name"] for t in shown.json()["tasks"]] == ["claims", "quotes"]
    assert "401" in spec["paths"]["/v1/tasks"]["get"]["responses"]


def _serve(*args: str) -> subprocess.CompletedProcess[str]:
    # A service that started would listen until killed: the timeout fails the test instead.
    command = [sys.executable, "-m", "claimex", "serve", "--port", "0", "--base-url", "http://127.0.0.1:9/v1"]
    return subprocess.run([*command, *args], capture_output=True, text=True, timeout=60)


def test_serve_refuses_a_task_that_cannot_be_used_or_a_name_twice_before_it_listens(tmp_path: Path) -> None:
    twin = tmp_path / "twin"
    twin.mkdir()
    for path in (ROOT / "examples" / "tasks" / "quotes").iterdir():
        (twin / path.name).write_bytes(path.read_bytes())
    (twin / "task.toml").write_text(
        (twin / "task.toml").read_text(encoding="utf-8").replace('name = "quotes"', "")
        + '\nname = "quotes"\n',
        encoding="utf-8",
    )
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "task.toml").write_text('fields = "quote evidence: the words"\n', encoding="utf-8")
    (broken / "system.j2").write_text("Find quotes.", encoding="utf-8")
    (broken / "user.j2").write_text("{{ text }", encoding="utf-8")
    claims = tmp_path / "claims.toml"
    claims.write_text(
        'fields = "quote evidence: the words"\nsystem = "Find."\nuser = "{{ text }}"\n', encoding="utf-8"
    )
    cases = [
        ((str(tmp_path / "nowhere"),), ["nowhere", "no such task"]),
        (("quotes", str(twin)), ["two tasks are named quotes"]),
        ((str(broken),), ["user.j2"]),
        ((str(claims),), ["claims.toml", "built-in"]),
    ]
    for tasks, fragments in cases:
        run = _serve(*(arg for task in tasks for arg in ("--task", task)))
        lines = run.stderr.strip().splitlines()
        assert run.returncode == 2, run.stderr
        assert len(lines) == 1 and "Traceback" not in run.stderr, run.stderr
        assert "serving" not in run.stderr, "it listened"
        for fragment in fragments:
            assert fragment in lines[0], lines[0]


def test_a_tasks_job_goes_on_with_its_task_after_a_restart_and_fails_saying_so_without_it(
    tmp_path: Path,
) -> None:
    """A job keeps its task's name (never its path): the service that starts again with that task
    finishes it as that task's; one started without it fails the job, naming the task."""
    from test_service_jobs import long_text, wait_for

    cache, jobs_dir = tmp_path / "cache", tmp_path / "jobs"
    quotes = offered_tasks(["quotes"])
    body = {"text": long_text(6, "task"), "task": "quotes"}
    with StubServer(delay=0.25) as stub:
        options: dict[str, Any] = {"chunk_chars": 200, "cache_dir": cache, "jobs_dir": jobs_dir}
        with served(stub.base_url, **options, grace=0.1, tasks=quotes) as client:
            kept = client.post("/v1/jobs", json=body).json()
            while client.get(f"/v1/jobs/{kept['id']}").json()["progress"]["done"] < 2:
                time.sleep(0.02)
        with served(stub.base_url, **options, grace=0.1, tasks=quotes) as client:
            done = wait_for(client, kept["id"], ("done",))
            orphan = client.post("/v1/jobs", json={**body, "text": long_text(6, "orphan")}).json()
            while client.get(f"/v1/jobs/{orphan['id']}").json()["progress"]["done"] < 1:
                time.sleep(0.02)
        on_disk = json.loads((jobs_dir / f"{orphan['id']}.json").read_text(encoding="utf-8"))
        assert on_disk["status"] == "running" and str(ROOT) not in json.dumps(on_disk)
        time.sleep(0.5)
        asked = stub.requests
        with served(stub.base_url, **options) as client:
            failed = wait_for(client, orphan["id"], ("failed",))
        assert stub.requests == asked, "a job whose task is not offered asks nothing"
    result = TaskResult.model_validate(done["results"][0])
    assert result.task.name == "quotes" and result.complete and result.stats.chunks > 1
    assert "no task 'quotes' is offered here" in failed["error"] and "claims" in failed["error"]
