"""Fault injection: bad files, damaged state and misbehaving servers end in one clear line, never a hang.

Every model here is tests/stub_openai.py's stub, switched to one misbehaviour; every file is a
real one (a FIFO, a device, random bytes in the cache). Each test is a promise of the README.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from claimex.batch import Batch, BatchOptions
from claimex.cli import app
from claimex.cli.console import EXIT_PARTIAL
from claimex.llm.client import ModelClient
from claimex.llm.retries import Backoff
from claimex.llm.settings import resolve_settings
from conftest import missing_tool
from stub_openai import QUOTE, StubServer

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
runner = CliRunner()
ARTICLE = f"Selon le GUR, {QUOTE} ce week-end près de Koursk.\n"


def run(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input, catch_exceptions=False)


def extract(stub: StubServer | str, article: Path, *extra: str):
    base_url = stub if isinstance(stub, str) else stub.base_url
    return run("extract", str(article), "--base-url", base_url, "--mode", "tools", "-s", "single", *extra)


def one_line(result, *fragments: str, code: int) -> str:
    assert result.exit_code == code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("claimex: error: "), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert "Traceback" not in result.output
    return lines[0]


@pytest.fixture
def article(tmp_path: Path) -> Path:
    path = tmp_path / "article.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    return path


@contextlib.contextmanager
def within(seconds: int) -> Iterator[None]:
    """Fail, rather than hang the suite, when the block waits on something forever."""

    def hung(signum: int, frame: object) -> None:
        raise AssertionError(f"still waiting after {seconds} s")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


# --- 1. anything but a regular file is refused at once ----------------------------------------


def test_a_fifo_a_device_or_a_link_to_one_is_refused_without_reading(tmp_path: Path, article: Path) -> None:
    fifo = tmp_path / "fifo.txt"
    os.mkfifo(fifo)
    link = tmp_path / "link.txt"
    link.symlink_to(fifo)
    with within(10):
        one_line(run("extract", str(fifo)), "fifo.txt: is a named pipe (FIFO), not an article file", code=2)
        one_line(run("extract", str(link)), "link.txt: is a named pipe (FIFO)", code=2)
        one_line(run("extract", "/dev/zero"), "/dev/zero: is a character device, not an article file", code=2)
        one_line(run("verify", str(article), str(fifo)), "is a named pipe (FIFO), not a claims file", code=2)
        one_line(
            run("verify", str(fifo), str(article)), "is a named pipe (FIFO), not an article file", code=2
        )
        one_line(run("verify", str(article), str(tmp_path)), "is a directory, not a claims file", code=2)


def test_a_fifo_in_a_batch_folder_fails_alone_and_the_batch_ends(tmp_path: Path) -> None:
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    os.mkfifo(folder / "a0.txt")
    (folder / "a1.txt").symlink_to("/dev/zero")
    (folder / "a2.txt").write_text(ARTICLE, encoding="utf-8")
    with StubServer() as stub:
        options = ["--base-url", stub.base_url, "--mode", "tools", "-s", "single", "--concurrency", "1"]
        with within(20):
            result = run("batch", str(folder), "-o", str(out), *options)
    assert result.exit_code == 1, result.output
    index = {line["path"]: line for line in map(json.loads, (out / "index.jsonl").read_text().splitlines())}
    assert index["a0.txt"]["status"] == "failed" and "named pipe (FIFO)" in index["a0.txt"]["error"]
    assert index["a1.txt"]["status"] == "failed" and "character device" in index["a1.txt"]["error"]
    assert index["a2.txt"]["status"] == "ok"


# --- 2. a damaged or read-only cache is never fatal --------------------------------------------


def test_a_damaged_cache_is_set_aside_and_clear_always_repairs_it(tmp_path: Path, article: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "cache.db").write_bytes(os.urandom(40_000))
    with StubServer() as stub:
        first = extract(stub, article, "--cache-dir", str(cache))
        assert first.exit_code == 0, first.output
        assert first.stderr.count("\n") == 1 and "was damaged (file is not a database)" in first.stderr
        second = extract(stub, article, "--cache-dir", str(cache))
        assert second.exit_code == 0 and second.stderr == "" and stub.requests == 1, "the new cache works"

    for command in (["cache", "info"], ["cache", "clear"]):
        (cache / "cache.db").write_bytes(os.urandom(40_000))
        result = run(*command, "--cache-dir", str(cache))
        assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    assert "removed" in result.stdout
    assert sorted(path.name for path in cache.iterdir()) == ["cache.db"], "clear leaves one, working, cache"
    assert "entries: 0" in run("cache", "info", "--cache-dir", str(cache)).stdout


def _read_only(path: Path) -> list[str]:
    """A command prefix under which `path` cannot be written, even by root; skips when there is none."""
    if os.geteuid() != 0:
        for item in [path, *path.rglob("*")]:
            item.chmod(item.stat().st_mode & ~0o222)
        return []
    if shutil.which("unshare") is None:
        missing_tool("running as root, and no unshare to mount the cache read-only")
    mount = f'mount --bind "{path}" "{path}" && mount -o remount,bind,ro "{path}" && exec "$@"'
    prefix = ["unshare", "-m", "sh", "-c", mount, "sh"]
    if subprocess.run([*prefix, "true"], capture_output=True).returncode != 0:
        missing_tool("running as root, and this machine does not allow a read-only bind mount")
    return prefix


def test_a_read_only_cache_still_answers_what_it_holds(tmp_path: Path, article: Path) -> None:
    cache = tmp_path / "cache"
    with StubServer() as stub:
        assert extract(stub, article, "--cache-dir", str(cache)).exit_code == 0
    prefix = _read_only(cache)
    # The same URL (the cache key has it), with no server behind it any more.
    command = [sys.executable, "-m", "claimex", "extract", str(article), "--base-url", stub.base_url]
    options = ["--mode", "tools", "-s", "single", "--cache-dir", str(cache), "--format", "table"]
    result = subprocess.run([*prefix, *command, *options], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith("claimex: warning: the cache at") and "is read-only" in result.stderr
    assert "nord-coréens" in result.stdout, "the answer came from the read-only cache"


# --- 3. a partial result says so, and a rerun asks for the missing part only -------------------


def _two_chunk_article(tmp_path: Path) -> Path:
    path = tmp_path / "long.txt"
    first = ARTICLE.strip() + " " + "Le ministère a confirmé ces chiffres lundi soir. " * 3
    second = "FAULT-HERE Un second paragraphe parle d'autre chose, à Kiev, mardi. " * 4
    path.write_text(f"{first}\n\n{second}\n", encoding="utf-8")
    return path


def test_a_partial_extract_says_so_and_a_rerun_asks_only_the_failed_chunks(tmp_path: Path) -> None:
    article, out = _two_chunk_article(tmp_path), tmp_path / "claims.json"
    options = ["--chunk-chars", "300", "-o", str(out)]
    with StubServer(fault="unavailable", fault_on="FAULT-HERE") as stub:
        partial = extract(stub, article, *options, "--timeout", "3")
    assert partial.exit_code == EXIT_PARTIAL, partial.output
    data = json.loads(out.read_text(encoding="utf-8"))
    failed, chunks = data["stats"]["failed_chunks"], data["stats"]["chunks"]
    assert data["complete"] is False and 0 < failed < chunks and data["claims"]
    assert f"claimex: warning: partial result: {failed} of {chunks} chunks got no answer" in partial.stderr
    assert "HTTP 503" in partial.stderr

    # Back on the same address: the cache key holds the server's URL.
    with StubServer(port=stub.port) as healthy:
        again = extract(healthy, article, *options)
    assert again.exit_code == 0, again.output
    assert healthy.requests == failed, "only the chunks that failed were asked again"
    assert json.loads(out.read_text(encoding="utf-8"))["complete"] is True


def test_a_partial_article_in_a_batch_is_not_taken_for_done(tmp_path: Path) -> None:
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    _two_chunk_article(folder)
    (folder / "short.txt").write_text(ARTICLE, encoding="utf-8")
    options = ["--base-url", "", "--mode", "tools", "-s", "single", "--chunk-chars", "300", "--timeout", "3"]

    def batch(stub: StubServer):
        options[1] = stub.base_url
        return run("batch", str(folder), "-o", str(out), *options)

    with StubServer(fault="unavailable", fault_on="FAULT-HERE") as stub:
        first = batch(stub)
    assert first.exit_code == 1 and "1 partial" in first.stdout, first.output
    index = {line["path"]: line for line in map(json.loads, (out / "index.jsonl").read_text().splitlines())}
    assert index["long.txt"]["status"] == "partial" and "HTTP 503" in index["long.txt"]["error"]
    failed = json.loads((out / "long.txt.json").read_text(encoding="utf-8"))["stats"]["failed_chunks"]
    assert failed, "what was found is kept, and what was not is counted"

    with StubServer(port=stub.port) as healthy:
        second = batch(healthy)
    assert second.exit_code == 0, second.output
    assert healthy.requests == failed, "the rerun asked for the failed chunks only"
    index = {line["path"]: line for line in map(json.loads, (out / "index.jsonl").read_text().splitlines())}
    assert (index["long.txt"]["status"], index["short.txt"]["status"]) == ("ok", "skipped")


# --- 4. --timeout is a deadline for one answer -------------------------------------------------


@pytest.mark.parametrize("fault", ["drip", "drip-headers", "hang"])
def test_timeout_is_a_deadline_however_slowly_the_answer_comes(article: Path, fault: str) -> None:
    with StubServer(fault=fault) as stub:
        started = time.monotonic()
        with within(20):
            result = extract(stub, article, "--timeout", "2", "--no-cache")
        took = time.monotonic() - started
    one_line(result, "gave no complete answer within 2 s (--timeout, 1 try)", code=1)
    assert took < 5, f"{fault}: still reading after {took:.1f} s"


def test_an_unreasonable_retry_after_gives_up_at_once_saying_why(article: Path) -> None:
    with StubServer(fault="retry-after") as stub:
        started = time.monotonic()
        with within(20):
            result = extract(stub, article, "--no-cache")
    one_line(result, "HTTP 429", "asks to wait 3600 s before the next try (Retry-After)", code=1)
    assert time.monotonic() - started < 5 and stub.requests == 1


def test_waiting_on_a_retry_after_is_announced(article: Path) -> None:
    with StubServer(fault="retry-after-once") as stub:
        result = extract(stub, article, "--no-cache")
    assert result.exit_code == 0, result.output
    assert "claimex: warning: the model server at" in result.stderr
    assert "asks to wait 2 s (Retry-After); waiting" in result.stderr
    assert stub.requests == 2


# --- 5. a dead server stops a batch, it is not hammered article by article --------------------


def test_a_batch_stops_when_the_server_is_down_and_a_rerun_resumes(tmp_path: Path) -> None:
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    for number in range(12):
        (folder / f"a{number:02}.txt").write_text(ARTICLE + f" n°{number}", encoding="utf-8")
    settings = resolve_settings(base_url=closed_port_url(), mode="tools", environ={})
    # Short pauses between tries, so that the test does not take the default backoff's seconds.
    client = ModelClient(settings, backoff=Backoff(initial=0.01, maximum=0.02))
    options = BatchOptions(in_dir=folder, out_dir=out, concurrency=2, strategy="single")
    summary = Batch(options, client).run()

    assert summary.stopped and "3 articles in a row found no server" in summary.stopped
    assert summary.failed <= 4 and summary.ok == 0, "only the articles in flight were tried"
    assert len((out / "index.jsonl").read_text().splitlines()) == summary.failed

    with StubServer() as stub:
        result = run("batch", str(folder), "-o", str(out), "--base-url", stub.base_url, "--mode", "tools")
    assert result.exit_code == 0, result.output
    assert "12 ok" in result.stdout


def test_the_cli_says_why_the_batch_stopped(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for number in range(8):
        (folder / f"a{number}.txt").write_text(ARTICLE + f" n°{number}", encoding="utf-8")
    options = ["--base-url", closed_port_url(), "--timeout", "1", "--concurrency", "1"]
    result = run("batch", str(folder), "-o", str(tmp_path / "out"), *options)
    assert result.exit_code == 1
    assert "stopped after 3 articles (0 ok, 0 already done, 3 failed)" in result.stdout
    last = result.stderr.strip().splitlines()[-1]  # after one progress line per article
    assert last.startswith("claimex: error: batch stopped: 3 articles in a row found no server: cannot reach")
    assert last.endswith("run the same command again when the server is back")


# --- 6. hostile JSON -----------------------------------------------------------------------------


def test_deeply_nested_json_is_one_line(tmp_path: Path, article: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    one_line(run("verify", str(article), str(deep)), "deep.json: JSON nested too deeply", code=2)
    one_line(run("report", str(deep)), "deep.json: JSON nested too deeply", code=2)
    with StubServer(fault="deep-json") as stub:
        one_line(extract(stub, article, "--no-cache"), "did not fit the claims schema", code=1)


# --- 7. small lies -------------------------------------------------------------------------------


def test_result_files_get_the_mode_of_a_normally_created_file(tmp_path: Path, article: Path) -> None:
    out, kept = tmp_path / "claims.json", tmp_path / "kept.json"
    kept.write_text("{}")
    kept.chmod(0o640)
    previous = os.umask(0o022)
    try:
        with StubServer() as stub:
            assert extract(stub, article, "-o", str(out)).exit_code == 0
            assert extract(stub, article, "-o", str(kept)).exit_code == 0
    finally:
        os.umask(previous)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640, "an existing file keeps its mode"


def _start_batch(stub: StubServer, folder: Path, out: Path, *extra: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "claimex", "batch", str(folder), "-o", str(out)]
    options = ["--base-url", stub.base_url, "--mode", "tools", "-s", "single", "--no-cache", *extra]
    return subprocess.Popen([*command, *options], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_results(out: Path, count: int, after: float = 0.0) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if sum(path.stat().st_mtime > after for path in out.rglob("*.txt.json")) >= count:
            return
        time.sleep(0.02)
    raise AssertionError("the batch made no progress")


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_a_stopped_rerun_keeps_the_index_of_every_article(tmp_path: Path, how: signal.Signals) -> None:
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    for number in range(12):
        (folder / f"a{number:02}.txt").write_text(ARTICLE + f" n°{number}", encoding="utf-8")
    with StubServer(delay=0.1) as stub:
        assert _start_batch(stub, folder, out).wait(timeout=60) == 0
        started = time.time()
        process = _start_batch(stub, folder, out, "--force", "--concurrency", "1")
        _wait_for_results(out, 2, after=started)
        process.send_signal(how)
        stdout, stderr = process.communicate(timeout=30)
    lines = [json.loads(line) for line in (out / "index.jsonl").read_text().splitlines()]
    paths = [line["path"] for line in lines]
    if how == signal.SIGTERM:
        assert process.returncode == 143, stderr
        assert "interrupted after" in stdout and "run the same command again" in stderr
        assert sorted(paths) == sorted(set(paths)), "one line per article"
    else:
        assert process.returncode == -signal.SIGKILL
    assert set(paths) == {f"a{number:02}.txt" for number in range(12)}, "no article lost from the index"


@pytest.mark.parametrize(
    ("fault", "fragment"),
    [
        ("no-choices", "answered HTTP 200 with JSON that is not a chat completion (no choices"),
        ("html", "answered with an HTML page (“Sign in”), not a chat completion"),
        ("not-json", "answered HTTP 200 with a body that is not JSON (“upstream connect error"),
    ],
)
def test_a_body_that_is_no_chat_completion_is_named_for_what_it_is(
    article: Path, fault: str, fragment: str
) -> None:
    with StubServer(fault=fault) as stub:
        line = one_line(extract(stub, article, "--no-cache"), fragment, code=1)
        assert stub.requests == 1 and "tries" not in line


def test_utf16_without_a_bom_is_read_as_text(tmp_path: Path) -> None:
    path = tmp_path / "windows.txt"
    path.write_bytes(ARTICLE.encode("utf-16-le"))
    result = run("verify", str(path), str(_claims_file(tmp_path)), "--format", "table")
    assert result.exit_code == 0, result.output
    assert "exact" in result.stdout


def _claims_file(tmp_path: Path) -> Path:
    claims = tmp_path / "claims.json"
    claims.write_text(
        json.dumps(
            {
                "claims": [
                    {
                        "statement": "Selon le GUR, 30 soldats nord-coréens auraient été tués.",
                        "evidence": [{"quote": ARTICLE.strip()}],
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    return claims


# --- 8. what claimex imports is declared ----------------------------------------------------------


def test_html_support_is_declared_for_every_pip() -> None:
    # justext asks for lxml[html_clean]; Python 3.11's pip does not match that extra to lxml's
    # "html-clean", so the package that provides lxml.html.clean must be named itself.
    requirements = importlib.metadata.requires("claimex") or []
    plain = [req for req in requirements if "extra ==" not in req]
    assert any(req.lower().replace("-", "_").startswith("lxml_html_clean") for req in plain), plain


def test_sigterm_is_said_and_stops_within_a_second(article: Path) -> None:
    with StubServer(fault="hang") as stub:
        command = [sys.executable, "-m", "claimex", "extract", str(article), "--base-url", stub.base_url]
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 20
        while stub.requests == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        sent = time.monotonic()
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=10)
    assert process.returncode == 143 and time.monotonic() - sent < 2
    assert stderr.strip().splitlines()[-1] == "claimex: error: terminated (SIGTERM)" and stdout == ""
