"""`claimex batch --engine ray` on a local Ray (2 CPUs, loopback) against the stub server.

The same folder through both engines gives the same index lines, result files, summary and exit
code, bad files among good ones included; resume works as locally; a worker killed mid-run costs
only the articles it held, which Ray runs again, with every article in the index exactly once.
Inputs and outputs at fsspec URLs (memory://, file://, S3 on loopback) give the same lines.
Most tests join one Ray started for this module (`ray_cluster`, about 10 s to start on 2 cores);
one starts its own through the command, as a user's run does, and interrupts it. Those marked
`ray_long` run in `make test-ray` (and CI), to keep `make test` under 5 minutes.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from claimex.batch import in_shard
from claimex.errors import ClaimexError
from conftest import ROOT
from stub_openai import QUOTE, StubServer
from test_batch import ARTICLE, batch, index_of, mixed_folder, spans_text

# Ray is not imported here: the command imports it, once the environment says loopback only
# (`RAY_ENV`), which Ray reads when it is first imported.
pytestmark = [
    pytest.mark.block_network(allowed_hosts=["127.0.0.1"]),
    pytest.mark.skipif(
        importlib.util.find_spec("ray") is None, reason="the Ray engine's tests need claimex[ray]"
    ),
]
__all__ = ["mixed_folder"]  # a fixture of test_batch's, used here too

TOKEN = uuid.uuid4().hex
# Every process a test's Ray starts inherits its environment: this marks them, to find any left.
MARKER = "CLAIMEX_RAY_TEST"
RAY_ENV = {
    "RAY_AUTH_MODE": "token",
    "RAY_AUTH_TOKEN": TOKEN,
    "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",  # loopback only
    "RAY_USAGE_STATS_ENABLED": "0",
}


def processes_marked(value: str) -> list[int]:
    """Live processes whose environment carries MARKER=value (zombies have none left)."""
    found = []
    needle = f"{MARKER}={value}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def wait_until_gone(value: str, timeout: float = 30) -> list[int]:
    deadline = time.monotonic() + timeout
    while (left := processes_marked(value)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


S3_INSTALLED = all(importlib.util.find_spec(name) for name in ("s3fs", "moto"))


@pytest.fixture(scope="module")
def s3() -> Iterator[dict[str, str]]:
    """An S3 API on loopback (moto's server), and the variables that point boto at it: empty when
    s3fs and moto are not installed. Started before the module's Ray, whose workers need them."""
    if not S3_INSTALLED:
        yield {}
        return
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield {
            "AWS_ENDPOINT_URL": f"http://{host}:{port}",
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
    finally:
        server.stop()


@pytest.fixture(scope="module")
def ray_cluster(tmp_path_factory: pytest.TempPathFactory, s3: dict[str, str]) -> Iterator[str]:
    """A local Ray for the module's tests: its address, to pass as --ray-address."""
    home = tmp_path_factory.mktemp("ray-home")
    marker = uuid.uuid4().hex
    env = {**os.environ, **RAY_ENV, **s3, "HOME": str(home), MARKER: marker}
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "ray_cluster.py")],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdin is not None
    try:
        address = process.stdout.readline().strip()
        assert address, "the test's Ray did not start"
        yield address
    finally:
        process.stdin.close()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        left = wait_until_gone(marker)
        for pid in left:  # ours, marked: never left running whatever the test did
            os.kill(pid, signal.SIGKILL)
        assert not left, f"processes of the test's Ray outlived it: {left}"


@pytest.fixture
def ray_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """What a process joining the module's Ray needs (the in-process command is one)."""
    for name, value in RAY_ENV.items():
        monkeypatch.setenv(name, value)
    return RAY_ENV


def on_ray(stub: StubServer, in_dir: Path, out_dir: Path, address: str, *extra: str):
    return batch(stub, in_dir, out_dir, "--engine", "ray", "--ray-address", address, *extra)


def without_timings(value: object) -> object:
    """A result or an index line less what the clock decides (seconds)."""
    if isinstance(value, dict):
        return {key: without_timings(item) for key, item in value.items() if key != "seconds"}
    if isinstance(value, list):
        return [without_timings(item) for item in value]
    return value


def results_of(out_dir: Path) -> dict[str, object]:
    files = {}
    for path in sorted(out_dir.rglob("*")):
        relative = path.relative_to(out_dir).as_posix()
        if path.name.endswith(".json"):
            files[relative] = without_timings(json.loads(path.read_text(encoding="utf-8")))
        elif path.name.endswith(".text.txt"):
            files[relative] = path.read_text(encoding="utf-8")
    return files


def numbered_folder(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True)
    for number in range(count):
        (folder / f"article-{number:02}.txt").write_text(
            ARTICLE.format(quote=QUOTE) + f" n°{number}", encoding="utf-8"
        )
    return folder


def test_the_same_index_results_and_exit_code_as_the_local_engine(
    mixed_folder: Path, tmp_path: Path, ray_cluster: str, ray_env: dict[str, str]
) -> None:
    with StubServer() as stub:
        local = batch(stub, mixed_folder, tmp_path / "local", "--max-chars", "10000", "--concurrency", "3")
        on_local = stub.requests
        remote = on_ray(
            stub, mixed_folder, tmp_path / "ray", ray_cluster, "--max-chars", "10000", "--concurrency", "3"
        )

    assert remote.exit_code == local.exit_code == 1, remote.output
    assert stub.requests == 2 * on_local, "the same model calls, made once each"
    local_index, ray_index = index_of(tmp_path / "local"), index_of(tmp_path / "ray")
    assert len(ray_index) == 10
    assert without_timings(ray_index) == without_timings(local_index), (
        "the same lines: statuses, reasons, counts"
    )
    assert ray_index["empty.txt"]["error"] == f"{mixed_folder / 'empty.txt'}: the file is empty"
    assert ray_index["model-error.txt"]["status"] == "failed", "a model's error is a line, not a retried task"
    ray_results = results_of(tmp_path / "ray")
    assert ray_results == results_of(tmp_path / "local"), "the same claims, statuses and spans"
    assert "nested/deeper/page.html.text.txt" in ray_results
    for path in ("seed.txt", "nested/crlf.md", "nested/deeper/page.html", "legacy.txt"):
        assert ray_index[path]["status"] == "ok"
    assert spans_text(tmp_path / "ray", mixed_folder, "legacy.txt") == [QUOTE]
    summary = [
        line.split(" in ")[0] for line in remote.stdout.splitlines() if line.startswith(("done", "claims"))
    ]
    assert summary == [
        line.split(" in ")[0] for line in local.stdout.splitlines() if line.startswith(("done", "claims"))
    ]
    assert "done: 10 articles (4 ok, 0 already done, 6 failed)" in remote.stdout


def test_a_rerun_skips_what_is_done_and_asks_again_what_changed_or_failed(
    tmp_path: Path, ray_cluster: str, ray_env: dict[str, str]
) -> None:
    folder, out = numbered_folder(tmp_path / "in", 6), tmp_path / "out"
    (folder / "empty.txt").write_bytes(b"")
    with StubServer() as stub:
        first = on_ray(stub, folder, out, ray_cluster)
        (out / "article-01.txt.json").unlink()
        (folder / "article-02.txt").write_text(ARTICLE.format(quote=QUOTE) + " Modifié.", encoding="utf-8")
        (folder / "empty.txt").write_text(ARTICLE.format(quote=QUOTE), encoding="utf-8")
        again = on_ray(stub, folder, out, ray_cluster)
        assert stub.requests == 6 + 3, "the missing result, the changed article and the failed one"

    assert (first.exit_code, again.exit_code) == (1, 0), again.output
    assert "(3 ok, 4 already done, 0 failed)" in again.stdout
    index = index_of(out)
    assert [index[f"article-0{n}.txt"]["status"] for n in range(6)] == [
        "skipped",
        "ok",
        "ok",
        "skipped",
        "skipped",
        "skipped",
    ]
    assert index["empty.txt"]["status"] == "ok"


# The longer ones (past make test's 5 minutes on 2 busy cores) run in make test-ray.
@pytest.mark.ray_long
def test_a_partial_article_is_asked_again_for_what_failed_only(
    tmp_path: Path, ray_cluster: str, ray_env: dict[str, str]
) -> None:
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    first_part = ARTICLE.format(quote=QUOTE) + " " + "Le ministère a confirmé ces chiffres lundi soir. " * 3
    second_part = "FAULT-HERE Un second paragraphe parle d'autre chose, à Kiev, mardi. " * 4
    (folder / "long.txt").write_text(f"{first_part}\n\n{second_part}\n", encoding="utf-8")
    (folder / "short.txt").write_text(ARTICLE.format(quote=QUOTE), encoding="utf-8")
    # The workers' cache (the same node's here), so that the rerun has the answered chunks.
    options = [
        "-s",
        "single",
        "--chunk-chars",
        "300",
        # A fresh worker's first call loads the OpenAI client and instructor within its deadline:
        # 8 s, not the 3 s of the local test, on 2 busy cores.
        "--timeout",
        "8",
        "--cache-dir",
        str(tmp_path / "cache"),
    ]
    args = [
        "batch",
        str(folder),
        "-o",
        str(out),
        "--mode",
        "tools",
        "--engine",
        "ray",
        "--ray-address",
        ray_cluster,
    ]
    from typer.testing import CliRunner

    from claimex.cli import app

    with StubServer(fault="unavailable", fault_on="FAULT-HERE") as stub:
        first = CliRunner().invoke(app, [*args, "--base-url", stub.base_url, *options])
    assert first.exit_code == 1 and "1 partial" in first.stdout, first.output
    failed = json.loads((out / "long.txt.json").read_text(encoding="utf-8"))["stats"]["failed_chunks"]
    assert failed and index_of(out)["long.txt"]["status"] == "partial"

    with StubServer(port=stub.port) as healthy:
        second = CliRunner().invoke(app, [*args, "--base-url", healthy.base_url, *options])
    assert second.exit_code == 0, second.output
    assert healthy.requests == failed, "the rerun asked for the failed chunks only"
    index = index_of(out)
    assert (index["long.txt"]["status"], index["short.txt"]["status"]) == ("ok", "skipped")


def _ancestors(pid: int) -> Iterator[int]:
    while pid > 1:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return
        pid = int(stat.rpartition(")")[2].split()[1])
        yield pid


def _article_workers(under: int) -> list[int]:
    """The pids of claimex's Ray workers that descend from process `under`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                worker = (entry / "cmdline").read_bytes().startswith(b"ray::ArticleWorker")
                if worker and under in _ancestors(int(entry.name)):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_a_worker_killed_mid_run_loses_nothing_and_doubles_nothing(
    tmp_path: Path, ray_cluster: str, ray_env: dict[str, str]
) -> None:
    folder, out = numbered_folder(tmp_path / "in", 40), tmp_path / "out"
    earlier = set(_article_workers(os.getpid()))  # an earlier test's, on their way out
    with StubServer(delay=0.3) as stub:
        command = [sys.executable, "-m", "claimex", "batch", str(folder), "-o", str(out), "--base-url"]
        command += [stub.base_url, "--mode", "tools", "--no-cache", "--concurrency", "4"]
        command += ["--engine", "ray", "--ray-address", ray_cluster]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 90
        while (
            len(list(out.glob("*.txt.json"))) < 6 and time.monotonic() < deadline and process.poll() is None
        ):
            time.sleep(0.05)
        # The kill comes while all four articles in flight have been asked: each worker's two go
        # out and come back together, so a file appearing is the moment its worker has just
        # written them and asked for nothing yet; killed then, it held nothing to ask again.
        while stub.in_flight < 4 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.01)
        # The workers of this run: the module's Ray started them, for the command.
        workers = [pid for pid in _article_workers(os.getpid()) if pid not in earlier]
        assert len(workers) == 2, workers
        done_before = len(list(out.glob("*.txt.json")))
        os.kill(workers[0], signal.SIGKILL)
        stdout, stderr = process.communicate(timeout=120)

    assert 6 <= done_before < 40, "the kill came mid-run"
    assert process.returncode == 0, stderr
    assert "done: 40 articles (" in stdout and ", 0 failed)" in stdout
    index = index_of(out)  # fails if an article has two lines
    assert sorted(index) == [f"article-{n:02}.txt" for n in range(40)], "no article lost"
    # An article whose result the dead worker wrote just before it died (it could not say so) is
    # found whole when Ray runs it again: skipped, rather than ok; never asked twice.
    assert {line["status"] for line in index.values()} <= {"ok", "skipped"}
    for number in range(40):
        result = json.loads((out / f"article-{number:02}.txt.json").read_text(encoding="utf-8"))
        assert result["complete"] and result["claims"][0]["verified"], "every result whole"
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")], "no half-written file left"
    # The articles the dead worker held (2 of 4 in flight) were asked again, nothing else.
    assert 40 < stub.requests <= 40 + 2, stub.requests


@pytest.mark.ray_long
def test_a_local_ray_for_the_run_is_stopped_after_it_on_ctrl_c_too(
    tmp_path: Path, ray_cluster: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, out = numbered_folder(tmp_path / "in", 30), tmp_path / "out"
    marker = uuid.uuid4().hex
    env = {**os.environ, **RAY_ENV, MARKER: marker}
    del env["RAY_AUTH_TOKEN"], env["RAY_AUTH_MODE"]  # a user's run: Ray makes its own token
    with StubServer(delay=0.4) as stub:
        command = [sys.executable, "-m", "claimex", "batch", str(folder), "-o", str(out), "--base-url"]
        command += [stub.base_url, "--mode", "tools", "--no-cache", "--concurrency", "2", "--engine", "ray"]
        interrupted = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + 90
        while (
            len(list(out.glob("*.txt.json"))) < 3
            and time.monotonic() < deadline
            and interrupted.poll() is None
        ):
            time.sleep(0.05)
        assert processes_marked(marker), "a local Ray runs for the batch"
        interrupted.send_signal(signal.SIGINT)
        stdout, stderr = interrupted.communicate(timeout=60)
        assert interrupted.returncode == 130, stderr
        assert "interrupted after" in stdout
        assert wait_until_gone(marker) == [], "the local Ray was stopped with the run"
        assert "raylet" not in stderr and "WARNING" not in stderr, "no Ray chatter"
        done_before = len(list(out.glob("*.txt.json")))

        # The rest, on the module's Ray (quicker to join than a new one to start).
        for name, value in RAY_ENV.items():
            monkeypatch.setenv(name, value)
        finished = on_ray(stub, folder, out, ray_cluster)
    assert finished.exit_code == 0, finished.output
    index = index_of(out)
    assert sorted(index) == [f"article-{n:02}.txt" for n in range(30)]
    assert sum(line["status"] == "skipped" for line in index.values()) == done_before


def test_shards_are_disjoint_cover_the_folder_and_keep_their_files(tmp_path: Path) -> None:
    folder, out = numbered_folder(tmp_path / "in", 12), tmp_path / "out"
    with StubServer() as stub:
        runs = [batch(stub, folder, out, "--shard", f"{index}/3") for index in range(3)]
        assert [run.exit_code for run in runs] == [0, 0, 0], runs[0].output
        shards = [
            {
                json.loads(line)["path"]
                for line in (out / f"index.shard-{index}-of-3.jsonl").read_text().splitlines()
            }
            for index in range(3)
        ]
        assert not (out / "index.jsonl").exists(), "each shard writes an index of its own"
        assert set.union(*shards) == {f"article-{n:02}.txt" for n in range(12)}
        assert sum(map(len, shards)) == 12, "disjoint"
        assert all(shards), "a hash spreads 12 files over 3 shards"
        assert stub.requests == 12
        (folder / "article-99.txt").write_text(ARTICLE.format(quote=QUOTE), encoding="utf-8")
        again = batch(stub, folder, out, "--shard", "1/3")
    assert again.exit_code == 0
    index = {json.loads(line)["path"] for line in (out / "index.shard-1-of-3.jsonl").read_text().splitlines()}
    assert index - {"article-99.txt"} == shards[1], "a new file moves no other into another shard"
    assert ("article-99.txt" in index) == in_shard("article-99.txt", (1, 3))


@pytest.mark.parametrize("shard", ["3/3", "-1/2", "1", "a/b", "0/0"])
def test_a_shard_that_is_not_i_of_n_is_one_line(tmp_path: Path, shard: str) -> None:
    (tmp_path / "in").mkdir()
    with StubServer() as stub:
        result = batch(stub, tmp_path / "in", tmp_path / "out", "--shard", shard)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"claimex: error: --shard {shard}: expected I/N with 0 <= I < N, e.g. 0/4 (the first of 4 shards)"
    )


def test_the_ray_engine_refuses_what_it_cannot_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from claimex.cli import app

    (tmp_path / "in").mkdir()
    args = ["batch", str(tmp_path / "in"), "-o", str(tmp_path / "out")]
    embedded = CliRunner().invoke(app, [*args, "--engine", "ray"])
    assert embedded.exit_code == 2
    assert "--engine ray needs a model server every worker can reach" in embedded.stderr
    stray = CliRunner().invoke(app, [*args, "--ray-address", "auto"])
    assert stray.exit_code == 2 and "need --engine ray" in stray.stderr

    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "ray" else real(name, *a)
    )
    missing = CliRunner().invoke(app, [*args, "--engine", "ray", "--base-url", "http://127.0.0.1:9/v1"])
    assert missing.exit_code == 2
    assert missing.stderr.strip() == "claimex: error: --engine ray needs Ray: pip install 'claimex[ray]'"


def test_a_cluster_address_where_nothing_answers_is_one_line_at_once(tmp_path: Path) -> None:
    """Ray's client retries a dead address for over ten minutes, saying nothing."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(ARTICLE, encoding="utf-8")
    command = [sys.executable, "-m", "claimex", "batch", str(tmp_path / "in"), "-o", str(tmp_path / "out")]
    command += ["--engine", "ray", "--base-url", "http://127.0.0.1:9/v1", "--no-cache"]
    started = time.monotonic()
    for how in (["--ray-address", "127.0.0.1:9"], ["--ray-address", "ray://127.0.0.1:9"]):
        done = subprocess.run(command + how, capture_output=True, text=True, timeout=120)
        assert done.returncode == 1, done.stderr
        address = how[1]
        assert done.stderr.strip().splitlines()[-1] == (
            f"claimex: error: Ray cluster {address}: cannot join it (nothing accepts a connection "
            "there: Connection refused)"
        )
    env = {**os.environ, "RAY_ADDRESS": "127.0.0.1:9"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 1 and "Ray cluster 127.0.0.1:9: cannot join it" in done.stderr
    assert time.monotonic() - started < 60
    assert not (tmp_path / "out").exists(), "nothing was started, nothing was written"


# --- a task's records (batch --task) -----------------------------------------------------------


@pytest.mark.ray_long
def test_a_task_through_ray_gives_the_local_engines_records_index_and_exit_code(
    tmp_path: Path, ray_cluster: str, ray_env: dict[str, str]
) -> None:
    """The quotes task on the seed, the embedded model's recorded answers served to both engines."""
    import shutil

    from typer.testing import CliRunner

    from claimex.cli import app
    from replay_server import ReplayServer
    from test_tasks_batch import QUOTES

    folder = tmp_path / "in"
    (folder / "nested").mkdir(parents=True)
    shutil.copy(ROOT / "seeds" / "000_a74d49738eea9ff9.txt", folder / "seed.txt")
    shutil.copy(ROOT / "seeds" / "000_a74d49738eea9ff9.txt", folder / "nested" / "again.txt")
    (folder / "empty.txt").write_bytes(b"")
    on_the_cluster = ["--engine", "ray", "--ray-address", ray_cluster]
    with ReplayServer(Path(QUOTES)) as replay:
        asked = [
            "--task",
            "quotes",
            "--base-url",
            replay.base_url,
            "--provider",
            "local",
            "--max-claims",
            "4",
        ]
        asked += ["--timeout", "900", "--strategy", "single", "--no-cache", "--concurrency", "2"]
        local = CliRunner().invoke(app, ["batch", str(folder), "-o", str(tmp_path / "local"), *asked])
        on_local = replay.requests
        remote = CliRunner().invoke(
            app,
            ["batch", str(folder), "-o", str(tmp_path / "ray"), *asked, *on_the_cluster],
        )
    assert replay.unmatched == 0, "every request was one the embedded model answered"
    assert on_local == 4 and replay.requests == 2 * on_local, "the seed twice: an answer and its re-ask each"
    assert remote.exit_code == local.exit_code == 1, remote.output
    ray_index = index_of(tmp_path / "ray")
    assert without_timings(ray_index) == without_timings(index_of(tmp_path / "local"))
    assert ray_index["seed.txt"]["task"] == "quotes" and ray_index["seed.txt"]["records"] > 0
    ray_results = results_of(tmp_path / "ray")
    assert ray_results == results_of(tmp_path / "local"), "the same records, statuses and spans"
    assert ray_results["seed.txt.json"]["task"]["name"] == "quotes"  # type: ignore[index]
    assert "records: " in remote.stdout and "claims: " not in remote.stdout

    # Rerun: the task's results are done, on Ray as locally.
    with ReplayServer(Path(QUOTES)) as replay:
        asked[asked.index("--base-url") + 1] = replay.base_url
        again = CliRunner().invoke(
            app,
            ["batch", str(folder), "-o", str(tmp_path / "ray"), *asked, *on_the_cluster],
        )
    assert again.exit_code == 1 and replay.requests == 0
    assert index_of(tmp_path / "ray")["seed.txt"]["status"] == "skipped"


@pytest.mark.ray_long
def test_a_ray_worker_refuses_a_task_whose_files_are_not_the_drivers(
    tmp_path: Path, ray_cluster: str, ray_env: dict[str, str]
) -> None:
    """Each worker loads the task again from its path; one edited since the driver loaded it is refused."""
    from claimex.batch import Batch, BatchOptions
    from claimex.llm.client import ModelClient
    from claimex.llm.settings import resolve_settings
    from claimex.raybatch.engine import ray_workers
    from claimex.tasks.loading import load_task

    task = load_task("quotes")
    edited = task.ref.model_copy(
        update={"sha256": "0" * 64}
    )  # the files the driver read, as workers see them now
    (tmp_path / "in").mkdir()
    options = BatchOptions(tmp_path / "in", tmp_path / "out", task=edited)
    settings = resolve_settings(base_url="http://127.0.0.1:9/v1", mode="tools", environ={})
    batch = Batch(options, ModelClient(settings), task=task)
    (tmp_path / "out").mkdir()
    started = ray_workers(batch, settings, address=ray_cluster, workers=1, cache_dir=None, no_cache=True)
    with pytest.raises(ClaimexError) as error, started:
        pass
    message = str(error.value)
    assert message.startswith("a Ray worker could not start: ")
    assert "the task changed since the batch started" in message and "\n" not in message


# --- inputs and outputs at fsspec URLs ---------------------------------------------------------


@pytest.mark.ray_long
def test_a_folder_at_a_url_gives_the_same_results_through_ray_and_resumes(
    mixed_folder: Path, tmp_path: Path, ray_cluster: str, ray_env: dict[str, str]
) -> None:
    """file:// goes through fsspec as any URL does: listing, reading, writing, the index put whole."""
    (mixed_folder / "dangling.txt").unlink()  # fsspec lists no broken link (local folders do)
    url_in, url_out = f"file://{mixed_folder}", f"file://{tmp_path / 'url'}"
    with StubServer() as stub:
        local = batch(stub, mixed_folder, tmp_path / "local", "--max-chars", "10000")
        engine = ["--engine", "ray", "--ray-address", ray_cluster, "--max-chars", "10000"]
        remote = batch(stub, url_in, url_out, *engine)  # type: ignore[arg-type]
        url_index = index_of(tmp_path / "url")
        again = batch(stub, url_in, url_out, *engine)  # type: ignore[arg-type]

    assert remote.exit_code == local.exit_code == 1, remote.output
    local_index = index_of(tmp_path / "local")
    assert set(url_index) == set(local_index)
    for path, line in local_index.items():
        # The same line, but that a reason names the article by its URL.
        expected = {
            **without_timings(line),
            "error": line["error"] and line["error"].replace(str(mixed_folder), url_in),
        }  # type: ignore[dict-item]
        assert without_timings(url_index[path]) == expected, path
    local_results, url_results = results_of(tmp_path / "local"), results_of(tmp_path / "url")
    assert set(url_results) == set(local_results)
    for name, result in local_results.items():
        if isinstance(result, dict):
            result["source"]["path"] = result["source"]["path"].replace(str(mixed_folder), url_in)
        assert url_results[name] == result, name
    assert "(0 ok, 4 already done, 5 failed)" in again.stdout
    assert not [p for p in (tmp_path / "url").rglob("*") if p.name.endswith(".tmp")]


def test_the_local_engine_reads_and_writes_urls_too_and_the_index_is_put_whole(tmp_path: Path) -> None:
    import fsspec

    memory = fsspec.filesystem("memory")
    for number in range(5):
        memory.pipe_file(f"/day/a{number}.txt", (ARTICLE.format(quote=QUOTE) + f" {number}").encode())
    memory.pipe_file("/day/sub/empty.txt", b"")
    memory.pipe_file("/day/notes.json", b"{}")  # not an article
    try:
        with StubServer() as stub:
            first = batch(stub, "memory://day", "memory://claims")  # type: ignore[arg-type]
            memory.rm_file("/claims/a1.txt.json")
            again = batch(stub, "memory://day", "memory://claims")  # type: ignore[arg-type]
        assert first.exit_code == again.exit_code == 1, first.output
        assert "(1 ok, 4 already done, 1 failed)" in again.stdout
        lines = [json.loads(line) for line in memory.cat_file("/claims/index.jsonl").decode().splitlines()]
        assert sorted(line["path"] for line in lines) == [
            "a0.txt",
            "a1.txt",
            "a2.txt",
            "a3.txt",
            "a4.txt",
            "sub/empty.txt",
        ]
        failed = next(line for line in lines if line["status"] == "failed")
        assert failed["error"] == "memory://day/sub/empty.txt: the file is empty"
        result = json.loads(memory.cat_file("/claims/a1.txt.json"))
        assert result["source"]["path"] == "memory://day/a1.txt" and result["claims"][0]["verified"]
    finally:
        memory.rm("/day", recursive=True)
        if memory.exists("/claims"):
            memory.rm("/claims", recursive=True)


@pytest.mark.filterwarnings("ignore:UPath 'flaky' filesystem not explicitly implemented")
def test_a_write_that_fails_midway_leaves_no_result_on_a_filesystem_without_atomic_puts(
    tmp_path: Path,
) -> None:
    """Where a PUT is not atomic (here a local filesystem under a scheme of its own), a result is
    written under a temporary name and renamed: a write cut short leaves neither."""
    import fsspec
    from fsspec.implementations.local import LocalFileSystem

    from claimex.batch import BatchOptions
    from claimex.remote import RemoteFiles, upath

    class Flaky(LocalFileSystem):
        protocol = "flaky"
        root_marker = "/"

        def pipe_file(self, path: str, value: bytes, **kwargs: object) -> None:
            with open(path, "wb") as file:
                file.write(value[: len(value) // 2])  # half of it, then the connection drops
            raise ConnectionResetError("connection reset by peer")

    fsspec.register_implementation("flaky", Flaky, clobber=True)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(ARTICLE.format(quote=QUOTE), encoding="utf-8")
    options = BatchOptions(upath(f"flaky://{tmp_path / 'in'}"), upath(f"flaky://{tmp_path / 'out'}"))
    files = RemoteFiles(options)
    files.open()
    target = files.target(options.in_dir / "a.txt")
    with pytest.raises(ClaimexError, match=r"^flaky://.*a\.txt\.json: cannot write \(ConnectionResetError"):
        files.write(target, b'{"whole": true}')
    assert list((tmp_path / "out").iterdir()) == [], "neither a half result nor its temporary"
    files.publish_index()


@pytest.mark.ray_long
@pytest.mark.skipif(not S3_INSTALLED, reason="needs s3fs and moto (claimex[dev])")
def test_from_s3_to_s3_on_ray(
    tmp_path: Path,
    ray_cluster: str,
    ray_env: dict[str, str],
    s3: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The issue's own example: `claimex batch s3://… -o s3://… --engine ray`, against an S3 API on
    loopback that the workers (other processes) reach as the command does."""
    import s3fs

    for name, value in s3.items():
        monkeypatch.setenv(name, value)
    bucket = f"news-{uuid.uuid4().hex[:8]}"
    fs = s3fs.S3FileSystem(skip_instance_cache=True)
    fs.mkdir(bucket)
    for number in range(6):
        fs.pipe_file(f"{bucket}/day/{number:02}.txt", (ARTICLE.format(quote=QUOTE) + f" n°{number}").encode())
    fs.pipe_file(
        f"{bucket}/day/sub/page.html",
        f"<html><body><p>{ARTICLE.format(quote=QUOTE)}</p></body></html>".encode(),
    )
    fs.pipe_file(f"{bucket}/day/sub/empty.txt", b"")
    engine = ["--engine", "ray", "--ray-address", ray_cluster]
    with StubServer() as stub:
        first = batch(stub, f"s3://{bucket}/day/", f"s3://{bucket}/claims/", *engine)  # type: ignore[arg-type]
        fs.rm_file(f"{bucket}/claims/03.txt.json")
        again = batch(stub, f"s3://{bucket}/day/", f"s3://{bucket}/claims/", *engine)  # type: ignore[arg-type]
        assert stub.requests == 7 + 1, "the rerun asked for the one result that went missing"

    assert first.exit_code == again.exit_code == 1, first.output
    assert "done: 8 articles (7 ok, 0 already done, 1 failed)" in first.stdout
    assert "(1 ok, 6 already done, 1 failed)" in again.stdout
    fs.invalidate_cache()
    lines = [json.loads(line) for line in fs.cat_file(f"{bucket}/claims/index.jsonl").decode().splitlines()]
    assert len(lines) == 8 and len({line["path"] for line in lines}) == 8
    empty = next(line for line in lines if line["path"] == "sub/empty.txt")
    assert empty["error"] == f"s3://{bucket}/day/sub/empty.txt: the file is empty"
    page = json.loads(fs.cat_file(f"{bucket}/claims/sub/page.html.json"))
    text = fs.cat_file(f"{bucket}/claims/sub/{page['source']['text_path']}").decode()
    ((start, end),) = page["claims"][0]["evidence"][0]["spans"]
    assert text[start:end] == QUOTE and page["source"]["path"] == f"s3://{bucket}/day/sub/page.html"
    assert not [key for key in fs.find(bucket) if key.endswith(".tmp")]
