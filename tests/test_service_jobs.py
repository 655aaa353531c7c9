"""Jobs: `POST /v1/jobs` answers 202 at once; the job runs, reports progress, survives a restart.

Model answers come from the stub OpenAI server on loopback (tests/stub_openai.py). A text of
several chunks (`chunk_chars`) makes one model call per chunk, so progress and a resumed job's
calls can be counted.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from claimex.cli import app as cli
from stub_openai import QUOTE, StubServer
from test_service import assert_error, served

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
runner = CliRunner()
PARAGRAPH = "Paragraphe {n}. Selon le GUR, {quote} auraient été tués ce week-end près de Koursk, dit-on."


def long_text(paragraphs: int, tag: str = "") -> str:
    return "\n\n".join(PARAGRAPH.format(n=f"{tag}{n}", quote=QUOTE) for n in range(paragraphs))


def wait_for(
    client: TestClient, job_id: str, statuses: tuple[str, ...], within: float = 20.0
) -> dict[str, Any]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        job = client.get(f"/v1/jobs/{job_id}").json()
        if job.get("status") in statuses:
            return dict(job)
        time.sleep(0.05)
    raise AssertionError(f"job never {statuses}: {job}")


def test_a_job_answers_202_at_once_and_ends_with_what_extract_gives(stub: StubServer, tmp_path: Path) -> None:
    text = long_text(3, "a")
    with served(stub.base_url, chunk_chars=200, cache_dir=tmp_path / "cache") as client:
        started = time.monotonic()
        created = client.post("/v1/jobs", json={"text": text})
        took = time.monotonic() - started
        job = created.json()
        assert created.status_code == 202, created.text
        assert created.headers["location"] == f"/v1/jobs/{job['id']}" == job["url"]
        assert job["status"] in ("queued", "running") and job["progress"]["texts"] == 1
        done = wait_for(client, job["id"], ("done",))
        listed = client.get("/v1/jobs").json()["jobs"]
        again = client.post("/v1/extract", json={"text": text}).json()
    assert took < 1.0
    (result,) = done["results"]
    assert done["progress"] == {"texts_done": 1, "texts": 1, "done": 3, "total": 3}
    assert done["expires"] == pytest.approx(done["updated"] + 24 * 3600, abs=1)
    assert result["claims"] == again["claims"] and again["stats"]["cache_hit"], (
        "extract answered from the cache"
    )
    assert [entry["id"] for entry in listed] == [job["id"]] and "results" not in listed[0]

    path = tmp_path / "article.txt"
    path.write_text(text, encoding="utf-8")
    from_cli = runner.invoke(
        cli,
        [
            "extract",
            str(path),
            "--base-url",
            stub.base_url,
            "--mode",
            "tools",
            "--chunk-chars",
            "200",
            "--no-cache",
        ],
    )
    assert from_cli.exit_code == 0, from_cli.output
    expected = json.loads(from_cli.stdout)
    assert result["claims"] == expected["claims"]
    assert {**result["source"], "path": str(path)} == expected["source"]


def test_a_job_of_several_texts_has_a_result_or_an_error_for_each(stub: StubServer) -> None:
    texts = [long_text(1, "x"), "<html><body><script>x</script></body></html>", long_text(1, "y")]
    with served(stub.base_url) as client:
        job = client.post("/v1/jobs", json={"texts": texts, "html": False}).json()
        plain = wait_for(client, job["id"], ("done", "failed"))
        pages = client.post("/v1/jobs", json={"texts": texts[1:2], "html": True}).json()
        failed = wait_for(client, pages["id"], ("done", "failed"))
    assert plain["status"] == "done" and len(plain["results"]) == 3
    assert all("claims" in result for result in plain["results"])
    assert failed["status"] == "failed" and failed["error"] == "text: the HTML holds no readable text"
    assert "results" not in failed


def test_progress_comes_as_server_sent_events_until_the_job_ends() -> None:
    with StubServer(delay=0.2) as stub, served(stub.base_url, chunk_chars=200) as client:
        job = client.post("/v1/jobs", json={"text": long_text(4, "sse")}).json()
        events = []
        with client.stream("GET", f"/v1/jobs/{job['id']}/events") as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            kind = None
            for line in stream.iter_lines():
                if line.startswith("event: "):
                    kind = line.removeprefix("event: ")
                elif line.startswith("data: "):
                    events.append((kind, json.loads(line.removeprefix("data: "))))
    kinds = [kind for kind, _ in events]
    assert kinds[-1] == "end" and set(kinds[:-1]) == {"progress"}
    done = [data["progress"]["done"] for kind, data in events if data["status"] == "running"]
    assert done == sorted(done) and len(set(done)) >= 3, "each chunk answered is an event"
    assert events[-1][1]["status"] == "done" and events[-1][1]["progress"]["done"] == 4


def test_delete_cancels_a_running_job_and_forgets_it(tmp_path: Path) -> None:
    jobs_dir = tmp_path / "jobs"
    with StubServer(delay=0.3) as stub, served(stub.base_url, chunk_chars=200, jobs_dir=jobs_dir) as client:
        job = client.post("/v1/jobs", json={"text": long_text(10, "del")}).json()
        wait_for(client, job["id"], ("running",))
        while stub.requests < 2:
            time.sleep(0.01)
        deleted = client.delete(f"/v1/jobs/{job['id']}")
        asked = stub.requests
        time.sleep(1.0)
        after = client.get(f"/v1/jobs/{job['id']}")
        again = client.delete(f"/v1/jobs/{job['id']}")
        listed = client.get("/v1/jobs").json()
    assert deleted.status_code == 200 and deleted.json()["status"] == "cancelled"
    assert stub.requests - asked <= 1, "a cancelled job went on asking the model"
    assert_error(after, 404, f"no job {job['id']}")
    assert_error(again, 404, "never made, deleted, or expired")
    assert listed == {"jobs": []} and list(jobs_dir.iterdir()) == []


def test_a_finished_job_expires(stub: StubServer, tmp_path: Path) -> None:
    with served(stub.base_url, job_ttl=0.5, jobs_dir=tmp_path / "jobs") as client:
        job = client.post("/v1/jobs", json={"text": long_text(1, "ttl")}).json()
        done = wait_for(client, job["id"], ("done",))
        assert done["expires"] == pytest.approx(done["updated"] + 0.5, abs=0.01)
        time.sleep(0.7)
        gone = client.get(f"/v1/jobs/{job['id']}")
    assert_error(gone, 404, "expired")
    assert list((tmp_path / "jobs").iterdir()) == []


def test_a_job_running_when_the_service_stops_resumes_from_the_cache_when_it_starts(tmp_path: Path) -> None:
    cache, jobs_dir = tmp_path / "cache", tmp_path / "jobs"
    with StubServer(delay=0.25) as stub:
        with served(stub.base_url, chunk_chars=200, cache_dir=cache, jobs_dir=jobs_dir, grace=0.1) as client:
            job = client.post("/v1/jobs", json={"text": long_text(6, "restart")}).json()
            while client.get(f"/v1/jobs/{job['id']}").json()["progress"]["done"] < 3:
                time.sleep(0.02)
        # Stopped part-way: what is on disk says so.
        on_disk = json.loads((jobs_dir / f"{job['id']}.json").read_text(encoding="utf-8"))
        chunks = on_disk["total"]
        assert on_disk["status"] == "running" and 3 <= on_disk["done"] < chunks
        time.sleep(0.5)
        asked_before = stub.requests

        with served(stub.base_url, chunk_chars=200, cache_dir=cache, jobs_dir=jobs_dir) as client:
            done = wait_for(client, job["id"], ("done",))
        asked_after = stub.requests - asked_before
    # Only the call in flight at the stop may be asked twice: its answer came after the cache closed.
    assert chunks <= asked_before + asked_after <= chunks + 1
    assert asked_after <= chunks - on_disk["done"]
    result = done["results"][0]
    assert result["stats"]["chunks"] == chunks and result["complete"] and result["claims"]


def test_jobs_beyond_the_limit_are_429_and_a_stopping_service_takes_none() -> None:
    with StubServer(delay=0.5) as stub, served(stub.base_url, max_jobs=1) as client:
        first = client.post("/v1/jobs", json={"text": long_text(1, "one")})
        second = client.post("/v1/jobs", json={"text": long_text(1, "two")})
        client.app.state.service.close()
        third = client.post("/v1/jobs", json={"text": long_text(1, "three")})
    assert first.status_code == 202
    assert_error(second, 429, "busy: 1 jobs queued or running")
    assert second.headers["retry-after"]
    assert_error(third, 503, "stopping")


def test_a_job_past_its_deadline_fails_saying_so() -> None:
    with (
        StubServer(delay=0.3) as stub,
        served(stub.base_url, chunk_chars=200, job_timeout=0.4) as client,
    ):
        job = client.post("/v1/jobs", json={"text": long_text(6, "late")}).json()
        failed = wait_for(client, job["id"], ("failed",))
    assert failed["error"] == "the job did not finish within 0.4 s (--job-timeout)"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({}, '"text" is required'),
        ({"texts": []}, '"texts": List should have at least 1 item'),
        ({"texts": ["ok", " "]}, '"texts.1" holds no visible character'),
        ({"text": "ok", "texts": ["ok"]}, 'unknown field "text"'),
        ({"texts": "ok"}, '"texts" must be a list'),
    ],
)
def test_bad_job_bodies_are_422_naming_the_field(body: dict[str, Any], fragment: str) -> None:
    with served("http://127.0.0.1:9/v1") as client:
        response = client.post("/v1/jobs", json=body)
    assert_error(response, 422, fragment)


def test_job_ids_are_checked_before_they_are_looked_up() -> None:
    with served("http://127.0.0.1:9/v1") as client:
        assert_error(client.get("/v1/jobs/not-an-id"), 422, '"job_id": String should match pattern')
        assert_error(client.get("/v1/jobs/" + "0" * 32), 404, "no job")
        assert_error(client.get("/v1/jobs/" + "0" * 32 + "/events"), 404, "no job")


@pytest.fixture(scope="module")
def stub() -> Any:
    with StubServer() as server:
        yield server
