"""`claimex batch --task`: a folder's articles each give the task's records, replayed from the
answers the embedded model gave the example tasks on the seed (cassettes/test_tasks_examples/).

The seed is asked exactly as `claimex extract SEED --task NAME --max-claims 4` asked it, so the
requests are byte for byte those recorded; a batch that asked anything else would find no
recording and fail. What comes back is checked against the checks themselves (`_assert_honest`
of test_tasks_examples), not against what the model happened to say.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from claimex.cli import app
from claimex.models import TaskResult
from conftest import RECORDING_BASE_URL, ROOT, SEED, VCR_CONFIG, http_requests
from test_tasks_examples import _assert_honest

runner = CliRunner()
RECORDED = ROOT / "cassettes" / "test_tasks_examples"
QUOTES = str(RECORDED / "test_the_quotations_task_on_the_seed.yaml")
FIGURES = str(RECORDED / "test_the_figures_task_on_the_seed.yaml")
# As test_tasks_examples asks: four records at most, and time for a busy machine's answer.
ASKED = ["--base-url", RECORDING_BASE_URL, "--provider", "local", "--max-claims", "4", "--timeout", "900"]
ASKED += ["--strategy", "single"]


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, object]:
    # A task edited in a way the model is not shown (a TOML comment) is asked again, as its sha256
    # is in the cache key: the one recorded answer is then played a second time.
    return {**VCR_CONFIG, "allow_playback_repeats": True}


def run_batch(in_dir: Path, out_dir: Path, task: str, *extra: str):
    args = ["batch", str(in_dir), "-o", str(out_dir), "--task", task, *ASKED, *extra]
    return runner.invoke(app, args, catch_exceptions=False)


def index_of(out_dir: Path) -> dict[str, dict]:
    lines = [json.loads(line) for line in (out_dir / "index.jsonl").read_text(encoding="utf-8").splitlines()]
    by_path = {line["path"]: line for line in lines}
    assert len(by_path) == len(lines), "an article appears twice in the index"
    return by_path


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The seed twice (one nested), and files that cannot be articles, among them."""
    folder = tmp_path / "in"
    (folder / "nested").mkdir(parents=True)
    shutil.copy(SEED, folder / "seed.txt")
    shutil.copy(SEED, folder / "nested" / "again.txt")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    return folder


@pytest.mark.vcr(QUOTES)
def test_every_article_gets_the_tasks_records_and_bad_files_do_not_stop_the_others(
    folder: Path, tmp_path: Path, seed_text: str, vcr
) -> None:
    out = tmp_path / "out"
    done = run_batch(folder, out, "quotes")

    assert done.exit_code == 1, done.output  # two files are no articles
    index = index_of(out)
    assert {path: line["status"] for path, line in index.items()} == {
        "seed.txt": "ok",
        "nested/again.txt": "ok",
        "empty.txt": "failed",
        "binary.txt": "failed",
    }
    for relative in ("seed.txt", "nested/again.txt"):
        line = index[relative]
        result = TaskResult.model_validate_json((out / line["result"]).read_text(encoding="utf-8"))
        assert line["result"] == relative + ".json"
        _assert_honest(result, seed_text)
        assert result.task.name == "quotes" and result.records
        # The index counts records, and says whose.
        assert line["task"] == "quotes" and "claims" not in line
        assert line["records"] == result.stats.records and line["verified"] == result.stats.verified
    assert "empty" in index["empty.txt"]["error"] and index["empty.txt"]["task"] == "quotes"
    records = sum(index[name]["records"] for name in ("seed.txt", "nested/again.txt"))
    assert f"records: {records}, verified:" in done.stdout and "claims:" not in done.stdout
    # The same article twice is asked once (the second from the cache): 2 calls, an answer and its re-ask.
    assert http_requests(vcr) == 2

    again = run_batch(folder, out, "quotes")
    assert again.exit_code == 1
    index = index_of(out)
    assert index["seed.txt"]["status"] == index["nested/again.txt"]["status"] == "skipped"
    assert index["seed.txt"]["records"] > 0 and http_requests(vcr) == 2


@pytest.mark.vcr(QUOTES, FIGURES)
def test_a_result_of_another_task_or_of_an_edited_task_is_not_taken_as_done(
    tmp_path: Path, seed_text: str, vcr
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(SEED, folder / "seed.txt")
    out = tmp_path / "out"
    task = tmp_path / "quotes"
    shutil.copytree(ROOT / "examples" / "tasks" / "quotes", task)

    assert run_batch(folder, out, str(task)).exit_code == 0
    first = json.loads((out / "seed.txt.json").read_text(encoding="utf-8"))
    assert first["task"]["path"] == str(task.resolve())

    # Another task in the same folder: asked, and its result takes the place of the other's.
    figures = run_batch(folder, out, "figures")
    assert figures.exit_code == 0, figures.output
    assert index_of(out)["seed.txt"]["status"] == "ok"
    result = TaskResult.model_validate_json((out / "seed.txt.json").read_text(encoding="utf-8"))
    assert result.task.name == "figures"
    _assert_honest(result, seed_text)
    asked = http_requests(vcr)

    # Back to the quotes, edited where the model does not look: a new sha256, so asked again.
    manifest = task / "task.toml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    assert run_batch(folder, out, str(task)).exit_code == 0
    assert index_of(out)["seed.txt"]["status"] == "ok" and http_requests(vcr) > asked
    edited = json.loads((out / "seed.txt.json").read_text(encoding="utf-8"))
    assert edited["task"]["name"] == "quotes" and edited["task"]["sha256"] != first["task"]["sha256"]

    # The same task unchanged: done.
    asked = http_requests(vcr)
    assert run_batch(folder, out, str(task)).exit_code == 0
    assert index_of(out)["seed.txt"]["status"] == "skipped" and http_requests(vcr) == asked

    # Claims are claims: a task's result is not a claims batch's, which asks for its own.
    from claimex.batch import _complete_result

    stored = (out / "seed.txt.json").read_bytes()
    assert _complete_result(stored, edited["source"]["sha256"]) is None


# --- bad input: one line, exit 2, nothing asked --------------------------------------------------


def _one_line_exit_2(result, starts: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"claimex: error: {starts}"), result.stderr
    assert "Traceback" not in result.output and result.stdout == ""


@pytest.mark.parametrize(
    "broken",
    [
        {"user.j2": "Article: {{ txt }}"},
        {"user.j2": "{% if text %}unclosed"},
        {"task.toml": 'fields = "speaker: who speaks"\n'},
    ],
    ids=["misspelt variable", "syntax error", "no evidence"],
)
def test_a_bad_task_is_refused_before_the_first_article(folder: Path, tmp_path: Path, broken: dict) -> None:
    task = tmp_path / "t"
    shutil.copytree(ROOT / "examples" / "tasks" / "quotes", task)
    for name, content in broken.items():
        (task / name).write_text(content, encoding="utf-8")
    # A server nobody listens on: had an article been asked about, it would fail as unreachable (exit 1).
    args = ["batch", str(folder), "-o", str(tmp_path / "out"), "--task", str(task)]
    result = runner.invoke(app, [*args, "--base-url", "http://127.0.0.1:9/v1"], catch_exceptions=False)
    _one_line_exit_2(result, str(task))
    assert not (tmp_path / "out").exists(), "nothing started: no output folder, no index"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            ["--task", "no-such-task"],
            "no-such-task: no such task folder or file (given tasks: claims, figures, quotes)",
        ),
        (
            ["--task", "{single_only}", "--strategy", "sentences"],
            "{single_only}: the task quotes gives no templates for --strategy sentences (sentence_system.j2 "
            "and sentence_user.j2); it can be asked with --strategy single",
        ),
        (
            ["--task", "quotes", "--min-checkworthiness", "0.5"],
            "--min-checkworthiness ranks claims; the records of the task quotes are all kept",
        ),
        (
            ["--task", "quotes", "--cluster"],
            "--cluster groups claims across articles; the records of the task quotes are not clustered",
        ),
        (
            ["--task", "quotes", "--engine", "ray", "--provider", "local"],
            "--engine ray needs a model server every worker can reach",
        ),
    ],
    ids=["unknown task", "sentences", "checkworthiness", "cluster", "ray without a server"],
)
def test_batch_task_refuses_what_it_cannot_do_in_one_line(
    folder: Path, tmp_path: Path, options: list[str], message: str
) -> None:
    # The quotes task without its per-sentence templates: asked one call per chunk only.
    single_only = tmp_path / "quotes"
    shutil.copytree(ROOT / "examples" / "tasks" / "quotes", single_only)
    for template in single_only.glob("sentence_*.j2"):
        template.unlink()
    manifest = single_only / "task.toml"
    lines = manifest.read_text(encoding="utf-8").splitlines()
    manifest.write_text(
        "\n".join(line for line in lines if not line.startswith("sentences =")), encoding="utf-8"
    )
    options = [option.format(single_only=single_only) for option in options]
    if "ray" in options:
        # Found, never imported: Ray reads at import whether it may leave loopback (test_batch_ray).
        if importlib.util.find_spec("ray") is None:
            pytest.skip("the Ray engine's refusals need claimex[ray]")
        args = ["batch", str(folder), "-o", str(tmp_path / "out"), *options]
    else:
        args = [
            "batch",
            str(folder),
            "-o",
            str(tmp_path / "out"),
            *options,
            "--base-url",
            "http://127.0.0.1:9/v1",
        ]
    result = runner.invoke(app, args, catch_exceptions=False)
    _one_line_exit_2(result, message.format(single_only=single_only.resolve()))
    assert not (tmp_path / "out").exists()


# --- shards and the report ----------------------------------------------------------------------


@pytest.mark.vcr(QUOTES)
def test_shards_of_a_task_batch_have_their_own_index_and_the_same_results(
    folder: Path, tmp_path: Path, vcr
) -> None:
    out = tmp_path / "out"
    for shard in ("0/2", "1/2"):
        run_batch(folder, out, "quotes", "--shard", shard)
    lines = {}
    for shard in ("0-of-2", "1-of-2"):
        for line in (out / f"index.shard-{shard}.jsonl").read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            assert entry["task"] == "quotes" and entry["path"] not in lines
            lines[entry["path"]] = entry
    assert set(lines) == {"seed.txt", "nested/again.txt", "empty.txt", "binary.txt"}
    assert lines["seed.txt"]["records"] == lines["nested/again.txt"]["records"] > 0
    assert http_requests(vcr) == 2  # the seed asked once, in whichever shard came first; then cached


@pytest.mark.vcr(QUOTES)
def test_the_batch_report_shows_every_articles_records(folder: Path, tmp_path: Path, seed_text: str) -> None:
    out = tmp_path / "out"
    done = run_batch(folder, out, "quotes", "--report")
    assert done.exit_code == 1 and f"report: {out / 'index.html'}" in done.stdout

    index = (out / "index.html").read_text(encoding="utf-8")
    assert "task quotes" in index and "<th>records</th>" in index and "claims" not in index
    assert "./seed.txt.html" in index and "failed: " in index
    result = TaskResult.model_validate_json((out / "seed.txt.json").read_text(encoding="utf-8"))
    page = (out / "seed.txt.html").read_text(encoding="utf-8")
    from test_tasks_report import record_page

    shown = record_page(page)
    assert shown.article_text == seed_text
    # Every located quote of every record is highlighted, where its spans say, and nothing else is.
    covered = {
        position
        for record in result.records
        for items in record.evidence.values()
        for item in items
        for start, end in item.spans
        for position in range(start, end)
    }
    highlighted = {position for h in shown.highlights for position in range(h.start, h.end)}
    assert covered and highlighted == covered
    for highlight in shown.highlights:
        assert seed_text[highlight.start : highlight.end] == highlight.text
    assert shown.columns == ["#", "speaker", "quote evidence", "verified"]
    assert len(shown.rows) == len(result.records)


@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
def test_task_claims_is_the_claims_batch_and_a_records_result_is_not_taken_for_claims(tmp_path: Path) -> None:
    """`--task claims` is the built-in claims task: its results are the claims batch's, either way."""
    from stub_openai import QUOTE, StubServer
    from test_batch import ARTICLE

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(ARTICLE.format(quote=QUOTE), encoding="utf-8")
    out = tmp_path / "out"
    with StubServer() as stub:
        asked = ["--base-url", stub.base_url, "--mode", "tools", "--strategy", "single"]
        first = runner.invoke(app, ["batch", str(folder), "-o", str(out), "--task", "claims", *asked])
        assert first.exit_code == 0, first.output
        line = index_of(out)["a.txt"]
        assert line["status"] == "ok" and line["claims"] == 1 and "task" not in line
        assert json.loads((out / "a.txt.json").read_text(encoding="utf-8"))["task"]["name"] == "claims"
        assert "claims: 1, verified: 1" in first.stdout

        # The default is the same task: done.
        again = runner.invoke(app, ["batch", str(folder), "-o", str(out), *asked])
        assert index_of(out)["a.txt"]["status"] == "skipped" and stub.requests == 1, again.output

        # A task of records over it: asked (the stub gives no records), and claims again after it.
        records = runner.invoke(app, ["batch", str(folder), "-o", str(out), "--task", "quotes", *asked])
        assert records.exit_code == 0 and index_of(out)["a.txt"]["records"] == 0, records.output
        back = runner.invoke(app, ["batch", str(folder), "-o", str(out), *asked])
        assert (
            back.exit_code == 0
            and index_of(out)["a.txt"]["status"] == "ok"
            and index_of(out)["a.txt"]["claims"] == 1
        )
