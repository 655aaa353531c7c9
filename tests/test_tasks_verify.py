"""`claimex verify ARTICLE RECORDS --task`: a task's records grounded again, with no model.

A result the embedded model gave (the example tasks' cassettes, replayed through `extract --task`)
verified again gives the same verdicts; records written by anyone are grounded by the task's
rules; a file of another task, or of the task before an edit, is said in a warning.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from claimex.cli import app
from claimex.models import TaskResult
from conftest import ROOT, SEED
from test_tasks_batch import ASKED, QUOTES

runner = CliRunner()
# A quotation of the seed: Zelensky's « des assauts ».
QUOTED = "des assauts"


def verify(records: Path, *options: str, article: Path = SEED):
    return runner.invoke(app, ["verify", str(article), str(records), *options], catch_exceptions=False)


@pytest.fixture
def extracted(tmp_path: Path) -> Path:
    """The quotes task's result on the seed, as the embedded model answered (the cassette)."""
    out = tmp_path / "quotes.json"
    args = ["extract", str(SEED), "--task", "quotes", *ASKED, "-o", str(out), "--format", "table"]
    assert runner.invoke(app, args, catch_exceptions=False).exit_code == 0
    return out


@pytest.mark.vcr(QUOTES)
def test_a_result_verified_again_gives_its_own_verdicts(extracted: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.json"
    done = verify(extracted, "--task", "quotes", "-o", str(again))

    assert done.exit_code == 0, done.output
    assert done.stderr == "", "the same task: nothing to warn about"
    before = TaskResult.model_validate_json(extracted.read_text(encoding="utf-8"))
    after = TaskResult.model_validate_json(again.read_text(encoding="utf-8"))
    assert after.records == before.records and after.task == before.task
    assert after.stats.records == before.stats.records and after.stats.verified == before.stats.verified
    assert after.stats.by_status == before.stats.by_status
    assert (after.provider, after.model, after.stats.prompt_tokens) == (
        before.provider,
        before.model,
        before.stats.prompt_tokens,
    ), "every other field is kept"


@pytest.mark.vcr(QUOTES)
def test_an_edited_quote_is_grounded_anew(extracted: Path, tmp_path: Path) -> None:
    data = json.loads(extracted.read_text(encoding="utf-8"))
    data["records"] = [{**data["records"][0], "fields": {"quote": QUOTED, "speaker": "Volodymyr Zelensky"}}]
    data["records"].append({"fields": {"quote": "des assauts répétés et massifs", "speaker": "Zelensky"}})
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(data), encoding="utf-8")

    done = verify(edited, "--task", "quotes", "--fail-unverified")
    assert done.exit_code == 3, done.output
    result = json.loads(done.stdout)
    first, second = result["records"]
    assert first["verified"] and first["evidence"]["quote"][0]["status"] == "exact"
    assert not second["verified"] and second["evidence"]["quote"][0]["status"] in ("fuzzy", "missing")
    assert result["stats"]["records"] == 2 and result["stats"]["verified"] == 1


def test_a_list_of_records_is_grounded_by_the_tasks_rules(tmp_path: Path) -> None:
    records = [
        {"quote": QUOTED, "speaker": "Volodymyr Zelensky"},
        # Located, but the article does not put it between quotation marks: no direct quotation.
        {"quote": "au moins 30 soldats nord-coréens", "speaker": "GUR"},
        {"quote": "une phrase que l'article n'a pas", "speaker": "personne"},
    ]
    listed = tmp_path / "records.json"
    listed.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    done = verify(listed, "--task", "quotes")
    table = verify(listed, "--task", "quotes", "--format", "table")
    assert done.exit_code == 0, done.output
    result = TaskResult.model_validate_json(done.stdout)
    assert [record.verified for record in result.records] == [True, False, False]
    assert [p.rule for p in result.records[1].support.blocking] == ["quotation"]
    assert [p.rule for p in result.records[2].support.blocking] == ["quotes"]
    assert result.task.name == "quotes" and result.source.path == str(SEED)
    assert table.exit_code == 0 and "task quotes" in table.stdout and "1/3 records verified" in table.stdout


@pytest.mark.vcr(QUOTES)
def test_a_file_of_another_task_or_of_an_edited_one_is_said_in_a_warning(
    extracted: Path, tmp_path: Path
) -> None:
    other = verify(extracted, "--task", "figures")
    assert other.exit_code == 0, other.output
    (warning,) = other.stderr.strip().splitlines()
    assert warning.startswith(
        f"claimex: warning: {extracted}: made by the task 'quotes', re-grounded by the task 'figures'"
    )
    result = json.loads(other.stdout)
    assert (
        result["task"]["name"] == "figures"
        and warning.removeprefix("claimex: warning: ") in result["warnings"]
    )

    task = tmp_path / "quotes"
    shutil.copytree(ROOT / "examples" / "tasks" / "quotes", task)
    (task / "task.toml").write_text(
        (task / "task.toml").read_text(encoding="utf-8") + "# edited\n", encoding="utf-8"
    )
    edited = verify(extracted, "--task", str(task))
    assert edited.exit_code == 0
    (warning,) = edited.stderr.strip().splitlines()
    assert "made by the task 'quotes' as it was before an edit (sha256 " in warning


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "malformed JSON"),
        (
            '{"claims": []}',
            'expected a task result (a JSON object with a "records" list) or a list of records',
        ),
        ("[3]", "records[0] is not an object"),
        ('[{"fields": 3}]', 'records[0]: "fields" is not an object'),
        (
            '[{"quote": 3, "speaker": "x"}]',
            "records[0]: the evidence field 'quote' must be a string or a list of strings",
        ),
    ],
    ids=["not json", "no records", "not an object", "fields not an object", "evidence not text"],
)
def test_bad_records_are_one_line_exit_2(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "r.json"
    path.write_text(content, encoding="utf-8")
    done = verify(path, "--task", "quotes")
    assert done.exit_code == 2, done.output
    assert done.stderr.strip().startswith(f"claimex: error: {path}: {message}"), done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.output


def test_a_bad_task_is_one_line_before_the_records_are_read(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_text("[]", encoding="utf-8")
    done = verify(path, "--task", "no-such-task")
    assert done.exit_code == 2
    assert done.stderr.strip() == (
        "claimex: error: no-such-task: no such task folder or file (given tasks: claims, figures, quotes)"
    )
