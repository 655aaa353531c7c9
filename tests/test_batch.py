"""Batch mode over real folders, against a stub OpenAI-compatible server on loopback."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from claimex.cli import app
from conftest import SEED
from stub_openai import QUOTE, StubServer

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
runner = CliRunner()
ARTICLE = "Selon le GUR, {quote} ce week-end près de Koursk.\n\nDeuxième paragraphe."


def batch(stub: StubServer, in_dir: Path, out_dir: Path, *extra: str):
    args = [
        "batch",
        str(in_dir),
        "-o",
        str(out_dir),
        "--base-url",
        stub.base_url,
        "--mode",
        "tools",
        "--no-cache",
    ]
    return runner.invoke(app, [*args, *extra], catch_exceptions=False)


def index_of(out_dir: Path) -> dict[str, dict]:
    lines = [json.loads(line) for line in (out_dir / "index.jsonl").read_text(encoding="utf-8").splitlines()]
    by_path = {line["path"]: line for line in lines}
    assert len(by_path) == len(lines), "an article appears twice in the index"
    return by_path


def spans_text(out_dir: Path, in_dir: Path, relative: str) -> list[str]:
    """The source passages a result's spans point at, read from the text the offsets index."""
    result_file = out_dir / (relative + ".json")
    result = json.loads(result_file.read_text(encoding="utf-8"))
    if result["source"]["text_path"]:
        text = (result_file.parent / result["source"]["text_path"]).read_text(encoding="utf-8")
    else:
        text = (in_dir / relative).read_bytes().decode("utf-8")
    assert len(text) == result["source"]["length"]
    return [text[s:e] for claim in result["claims"] for ev in claim["evidence"] for s, e in ev["spans"]]


@pytest.fixture
def mixed_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    (folder / "nested" / "deeper").mkdir(parents=True)
    shutil.copy(SEED, folder / "seed.txt")
    (folder / "nested" / "crlf.md").write_bytes(
        ("Titre\n\n" + ARTICLE.format(quote=QUOTE)).replace("\n", "\r\n").encode()
    )
    (folder / "nested" / "deeper" / "page.html").write_text(
        "<html><head><title>x</title><script>var a = '<p>';</script></head><body><nav>Menu</nav>"
        f"<article><p>{ARTICLE.format(quote=QUOTE)}</p></article></body></html>",
        encoding="utf-8",
    )
    (folder / "legacy.txt").write_bytes(("L'armée l'a dit : " + ARTICLE.format(quote=QUOTE)).encode("cp1252"))
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (folder / "undecodable.txt").write_bytes(bytes(range(128, 256)) * 4)
    (folder / "long.txt").write_text("mot " * 5000, encoding="utf-8")
    (folder / "model-error.txt").write_text(ARTICLE.format(quote=QUOTE) + " STUB-500", encoding="utf-8")
    (folder / "dangling.txt").symlink_to(folder / "nowhere.txt")
    (folder / "notes.json").write_text("{}", encoding="utf-8")  # not an article type: ignored
    return folder


def test_mixed_folder_every_bad_file_recorded_and_the_rest_done(mixed_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with StubServer() as stub:
        result = batch(stub, mixed_folder, out, "--max-chars", "10000", "--concurrency", "3")

    assert result.exit_code == 1, result.output
    index = index_of(out)
    assert set(index) == {
        "seed.txt",
        "nested/crlf.md",
        "nested/deeper/page.html",
        "legacy.txt",
        "empty.txt",
        "binary.txt",
        "undecodable.txt",
        "long.txt",
        "model-error.txt",
        "dangling.txt",
    }
    expected_errors = {
        "empty.txt": "the file is empty",
        "binary.txt": "looks like a binary file",
        "undecodable.txt": "not valid UTF-8 text",
        "long.txt": "too long (20,000 characters; --max-chars is 10,000)",
        "model-error.txt": "answered HTTP 500",
        "dangling.txt": "broken symbolic link",
    }
    for path, fragment in expected_errors.items():
        assert index[path]["status"] == "failed" and fragment in index[path]["error"], index[path]
        assert index[path]["error"].startswith(f"{mixed_folder / path}: "), "the reason names its file"
        assert "\n" not in index[path]["error"]
        assert not (out / (path + ".json")).exists()
    for path in ("seed.txt", "nested/crlf.md", "nested/deeper/page.html", "legacy.txt"):
        assert index[path]["status"] == "ok", index[path]
        assert index[path]["claims"] == 1
    for path in ("nested/crlf.md", "nested/deeper/page.html", "legacy.txt"):
        assert index[path]["verified"] == 1
        assert spans_text(out, mixed_folder, path) == [QUOTE], path

    html_result = json.loads((out / "nested/deeper/page.html.json").read_text(encoding="utf-8"))
    assert html_result["source"]["text_path"] == "page.html.text.txt"
    saved = (out / "nested/deeper/page.html.text.txt").read_text(encoding="utf-8")
    assert "Menu" not in saved and "var a" not in saved and QUOTE in saved
    legacy = json.loads((out / "legacy.txt.json").read_text(encoding="utf-8"))
    assert legacy["source"]["encoding"] == "cp1252"
    crlf = json.loads((out / "nested/crlf.md.json").read_text(encoding="utf-8"))
    crlf_text = (mixed_folder / "nested/crlf.md").read_bytes().decode("utf-8")
    assert crlf["claims"][0]["evidence"][0]["spans"] == [
        [crlf_text.index(QUOTE), crlf_text.index(QUOTE) + len(QUOTE)]
    ]
    assert crlf_text.index(QUOTE) == len("Titre\r\n\r\nSelon le GUR, "), (
        "offsets count both characters of CRLF"
    )
    assert "done: 10 articles (4 ok, 0 already done, 6 failed)" in result.stdout
    assert "claims: 4, verified: 4 (100%)" in result.stdout


def test_rerun_skips_what_is_done_and_redoes_what_changed(mixed_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with StubServer() as stub:
        batch(stub, mixed_folder, out)
        first_requests = stub.requests
        again = batch(stub, mixed_folder, out)
        # Only the model-error article goes back to the model (HTTP 500 is tried 4 times).
        assert stub.requests == first_requests + 4

        (mixed_folder / "legacy.txt").write_text(ARTICLE.format(quote=QUOTE) + " Modifié.", encoding="utf-8")
        third = batch(stub, mixed_folder, out)
        assert stub.requests == first_requests + 4 + 1 + 4, (
            "the changed article and the failing one are redone"
        )
        forced = batch(stub, mixed_folder, out, "--force")

    index = index_of(out)
    assert index["legacy.txt"]["status"] == "ok"
    assert index["seed.txt"]["status"] == "ok"  # after --force
    assert "already done" in again.stdout and third.exit_code == 1 and forced.exit_code == 1
    statuses = [json.loads(line)["status"] for line in again.stdout.splitlines() if line.startswith("{")]
    assert statuses == []  # the summary is prose, the index is the data


def test_batch_report_links_every_article(mixed_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with StubServer() as stub:
        result = batch(stub, mixed_folder, out, "--report", "--glob", "*.*[lt]")  # .html and .txt files

    assert f"report: {out / 'index.html'}" in result.stdout
    index = (out / "index.html").read_text(encoding="utf-8")
    for page in ("seed.txt.html", "legacy.txt.html", "nested/deeper/page.html.html"):
        assert (out / page).is_file(), page
        assert page in index
    assert "the file is empty" in index, "failures get a row with their reason"
    assert index.index(">legacy.txt<") < index.index(">long.txt<") < index.index(">seed.txt<"), (
        "rows are named by their path in the input folder and sorted"
    )
    html_page = (out / "nested/deeper/page.html.html").read_text(encoding="utf-8")
    assert "Menu" not in html_page, "the page shows the extracted text the offsets index"


def test_output_inside_input_is_never_read_back(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(ARTICLE.format(quote=QUOTE), encoding="utf-8")
    (folder / "b.html").write_text(f"<p>{ARTICLE.format(quote=QUOTE)}</p>", encoding="utf-8")
    with StubServer() as stub:
        batch(stub, folder, folder / "results")
        second = batch(stub, folder, folder / "results")
    assert second.exit_code == 0
    assert set(index_of(folder / "results")) == {"a.txt", "b.html"}


def test_a_symlink_in_the_output_cannot_lead_results_outside(tmp_path: Path) -> None:
    folder, out, elsewhere = tmp_path / "in", tmp_path / "out", tmp_path / "elsewhere"
    (folder / "sub").mkdir(parents=True)
    elsewhere.mkdir()
    out.mkdir()
    (out / "sub").symlink_to(elsewhere, target_is_directory=True)
    (folder / "sub" / "a.txt").write_text(ARTICLE.format(quote=QUOTE), encoding="utf-8")
    (folder / "ok.txt").write_text(ARTICLE.format(quote=QUOTE), encoding="utf-8")
    with StubServer() as stub:
        result = batch(stub, folder, out)

    assert result.exit_code == 1
    index = index_of(out)
    assert index["sub/a.txt"]["status"] == "failed"
    assert "would land outside" in index["sub/a.txt"]["error"]
    assert list(elsewhere.iterdir()) == []
    assert index["ok.txt"]["status"] == "ok"


def test_glob_chooses_the_inputs(mixed_folder: Path, tmp_path: Path) -> None:
    with StubServer() as stub:
        result = batch(stub, mixed_folder, tmp_path / "out", "--glob", "*.html")
    assert result.exit_code == 0
    assert set(index_of(tmp_path / "out")) == {"nested/deeper/page.html"}


def _start_batch(stub: StubServer, folder: Path, out: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "claimex",
            "batch",
            str(folder),
            "-o",
            str(out),
            "--base-url",
            stub.base_url,
            "--mode",
            "tools",
            "--no-cache",
            "--concurrency",
            "2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_results(out: Path, count: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(list(out.rglob("*.txt.json"))) >= count:
            return
        time.sleep(0.02)
    raise AssertionError("the batch made no progress")


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT])
def test_killed_batch_finishes_on_the_next_run_with_every_article_once(
    tmp_path: Path, how: signal.Signals
) -> None:
    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    for number in range(16):
        (folder / f"article-{number:02}.txt").write_text(
            ARTICLE.format(quote=QUOTE) + f" n°{number}", encoding="utf-8"
        )
    with StubServer(delay=0.15) as stub:
        process = _start_batch(stub, folder, out)
        _wait_for_results(out, 4)
        process.send_signal(how)
        stdout, stderr = process.communicate(timeout=30)
        if how == signal.SIGINT:
            assert process.returncode == 130, stderr
            assert "interrupted after" in stdout
        else:
            assert process.returncode == -signal.SIGKILL
        done_before = len(list(out.rglob("*.txt.json")))
        assert 4 <= done_before < 16, "the kill came mid-batch"

        rerun = batch(stub, folder, out)

    assert rerun.exit_code == 0, rerun.output
    index = index_of(out)
    assert sorted(index) == [f"article-{n:02}.txt" for n in range(16)]
    assert sum(line["status"] == "skipped" for line in index.values()) == done_before
    assert sum(line["status"] == "ok" for line in index.values()) == 16 - done_before
    for number in range(16):
        result = json.loads((out / f"article-{number:02}.txt.json").read_text(encoding="utf-8"))
        assert result["claims"][0]["verified"]
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")], "a half-written file was left"
    assert stub.requests <= 16 + 2, "at most the in-flight articles were asked twice"


def test_missing_input_folder(tmp_path: Path) -> None:
    result = runner.invoke(app, ["batch", str(tmp_path / "nope"), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"claimex: error: {tmp_path / 'nope'}: not a folder"


def test_unwritable_output_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "file").write_text("x")
    with StubServer() as stub:
        result = batch(stub, tmp_path / "in", tmp_path / "file" / "out")
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert result.stderr.startswith("claimex: error: ")
    assert os.path.isfile(tmp_path / "file")


def test_every_worker_has_its_request_in_flight_on_a_connection_of_its_own(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for number in range(16):
        (folder / f"a{number:02}.txt").write_text(
            f"{number}. " + ARTICLE.format(quote=QUOTE), encoding="utf-8"
        )
    with StubServer(delay=0.2) as stub:
        result = batch(stub, folder, tmp_path / "out", "--concurrency", "8")

    assert result.exit_code == 0, result.output
    assert stub.requests == 16
    assert stub.most_in_flight == 8, "as many requests in flight as --concurrency"
    assert stub.connections == 8, "one connection per request in flight, kept open for the next article"


def test_concurrency_goes_to_256(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for number in range(3):
        (folder / f"a{number}.txt").write_text(ARTICLE.format(quote=QUOTE), encoding="utf-8")
    with StubServer() as stub:
        wide = batch(stub, folder, tmp_path / "out", "--concurrency", "256")
        too_wide = batch(stub, folder, tmp_path / "out2", "--concurrency", "257")

    assert wide.exit_code == 0, wide.output
    assert len(index_of(tmp_path / "out")) == 3
    assert too_wide.exit_code == 2 and "less than or equal to 256" in too_wide.output


def test_a_summary_keeps_only_the_failures_it_shows(tmp_path: Path) -> None:
    from claimex.batch import SHOWN_FAILURES, Batch, BatchOptions
    from claimex.llm.client import ModelClient
    from claimex.llm.settings import resolve_settings

    folder = tmp_path / "in"
    folder.mkdir()
    for number in range(SHOWN_FAILURES + 5):
        (folder / f"empty-{number:02}.txt").write_bytes(b"")  # fails before any model call
    settings = resolve_settings(base_url="http://127.0.0.1:9/v1", mode="tools", environ={})
    summary = Batch(BatchOptions(folder, tmp_path / "out", concurrency=4), ModelClient(settings)).run()

    assert summary.failed == SHOWN_FAILURES + 5
    assert len(summary.failures) == SHOWN_FAILURES, "a folder of failures is not held in memory"
    assert len(index_of(tmp_path / "out")) == SHOWN_FAILURES + 5, "each has its line in the index"


def test_a_new_result_gets_a_new_files_mode_and_one_made_again_keeps_its_own(tmp_path: Path) -> None:
    """A result the batch found no file for is written without asking for a mode (batch.py's
    LocalFiles); one it makes again, as an incomplete result is, keeps the mode it had."""
    import stat

    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    for name in ("a", "b"):
        (folder / f"{name}.txt").write_text(ARTICLE.format(quote=QUOTE), encoding="utf-8")
    previous = os.umask(0o022)
    try:
        with StubServer() as stub:
            assert batch(stub, folder, out, "-s", "single").exit_code == 0
            kept = out / "b.txt.json"
            result = json.loads(kept.read_text(encoding="utf-8"))
            kept.write_text(json.dumps({**result, "complete": False}), encoding="utf-8")
            kept.chmod(0o640)
            assert batch(stub, folder, out, "-s", "single").exit_code == 0
    finally:
        os.umask(previous)
    assert stat.S_IMODE((out / "a.txt.json").stat().st_mode) == 0o644
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640, "a result made again keeps its mode"
    assert json.loads(kept.read_text(encoding="utf-8"))["complete"] is True


def test_the_walk_stays_a_few_rounds_ahead_of_the_workers(tmp_path: Path) -> None:
    """The folder is walked lazily: the batch's workers call for more paths once the queue is down
    to one each, and no more than the queue's twice `--concurrency` wait besides those in flight."""
    from claimex.batch import Batch, BatchOptions, LocalFiles
    from claimex.llm.client import model_client
    from claimex.llm.settings import resolve_settings

    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    for number in range(60):
        (folder / f"a-{number:02}.txt").write_text(ARTICLE.format(quote=QUOTE), encoding="utf-8")
    walked: list[int] = []
    started: list[int] = []

    class Counted(LocalFiles):
        def inputs(self):  # type: ignore[no-untyped-def]
            for path in super().inputs():
                walked.append(len(started))  # how many had started when this path was taken
                yield path

        def read(self, article: Path) -> bytes:
            started.append(1)
            return super().read(article)

    options = BatchOptions(folder, out, concurrency=4, strategy="single", max_claims=8)
    with StubServer(delay=0.02) as stub:
        settings = resolve_settings(base_url=stub.base_url, mode="tools", environ={})
        with model_client(settings, use_cache=False, cache_dir=None, connections=4) as client:
            summary = Batch(options, client, Counted(options)).run()
    assert summary.ok == 60 and len(walked) == 60
    ahead = [taken - before for taken, before in enumerate(walked, start=1)]
    assert max(ahead) <= 2 * 4 + 4 + 1, "paths waiting: the queue's, those in flight, the one in hand"


def test_finished_articles_are_taken_in_groups_the_first_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While articles finish fast, the run's thread pauses after each group it takes (at most
    `GATHER_SECONDS`), so that the next ones come in one wake and one index write; it never
    pauses before the first."""
    import threading

    import claimex.batch
    from claimex.batch import GATHER_SECONDS, Batch, BatchOptions
    from claimex.llm.client import model_client
    from claimex.llm.settings import resolve_settings

    folder, out = tmp_path / "in", tmp_path / "out"
    folder.mkdir()
    for number in range(12):
        (folder / f"a-{number:02}.txt").write_text(ARTICLE.format(quote=QUOTE), encoding="utf-8")
    events: list[tuple[str, float]] = []
    sleep = time.sleep

    def recorded(seconds: float) -> None:
        if threading.current_thread() is threading.main_thread():
            events.append(("pause", seconds))
        sleep(seconds)

    monkeypatch.setattr(claimex.batch.time, "sleep", recorded)
    options = BatchOptions(folder, out, concurrency=4, strategy="single", max_claims=8)
    with StubServer(delay=0.01) as stub:
        settings = resolve_settings(base_url=stub.base_url, mode="tools", environ={})
        with model_client(settings, use_cache=False, cache_dir=None, connections=4) as client:
            summary = Batch(options, client).run(lambda outcome: events.append(("outcome", 0.0)))
    assert summary.ok == 12
    assert events[0][0] == "outcome", "the first article is taken at once"
    pauses = [seconds for kind, seconds in events if kind == "pause"]
    assert pauses and all(0 < seconds <= GATHER_SECONDS for seconds in pauses)
    lines = (out / "index.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 12


def test_what_the_first_request_loads_is_frozen_for_the_rest_of_the_run(tmp_path: Path) -> None:
    """The client's endpoint, and what its first request imports, are made after the run froze what
    existed: once an article is done they are frozen too, so that no full collection of the run
    walks them again (each one stops every worker for 50 to 100 ms)."""
    import gc

    from claimex.batch import Batch, BatchOptions
    from claimex.llm.client import model_client
    from claimex.llm.settings import resolve_settings

    folder = tmp_path / "in"
    folder.mkdir()
    for number in range(6):
        (folder / f"a-{number}.txt").write_text(ARTICLE.format(quote=QUOTE), encoding="utf-8")
    options = BatchOptions(folder, tmp_path / "out", concurrency=1, strategy="single", max_claims=8)
    collected: list[bool] = []  # after each article: is the endpoint one the collector walks?
    with StubServer() as stub:
        settings = resolve_settings(base_url=stub.base_url, mode="tools", environ={})
        with model_client(settings, use_cache=False, cache_dir=None, connections=1) as client:
            assert client._endpoint is None, "made by the first request, after the run's freeze"

            def seen(_outcome: object) -> None:
                endpoint = client._endpoint
                collected.append(any(item is endpoint for item in gc.get_objects()))

            summary = Batch(options, client).run(seen)
    assert summary.ok == 6 and len(collected) == 6
    assert not any(collected[1:]), collected
