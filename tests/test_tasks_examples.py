"""The two example tasks on the seed, as the embedded model answered them (cassettes: `make record`).

Each runs as a user runs it, `claimex extract SEED --task NAME -o result.json --format table`, and
what comes back is checked for honesty rather than for what a particular model said: every
record's verdict is the one the checks give again on what the result holds, every located quote
is where its spans say, and the table shows the task's own fields.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from claimex.checks.records import ground_record, quotes_of
from claimex.checks.verdict import Article
from claimex.cli import app
from claimex.models import TaskResult
from claimex.tasks.loading import load_task
from conftest import RECORDING_BASE_URL, SEED, http_requests

runner = CliRunner()


def _run(task: str, out: Path) -> tuple[TaskResult, str]:
    args = ["extract", str(SEED), "--task", task, "--base-url", RECORDING_BASE_URL, "--provider", "local"]
    # Four records at most: a 1.5B model asked for eight pads its answer with made-up ones, and on a
    # busy 2-core machine an answer and its re-ask can take past the default --timeout of 300 s.
    args += ["--max-claims", "4", "--timeout", "900", "--strategy", "single"]
    result = runner.invoke(app, [*args, "-o", str(out), "--format", "table"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return TaskResult.model_validate_json(out.read_text(encoding="utf-8")), result.stdout


def _assert_honest(result: TaskResult, text: str) -> None:
    task = load_task(result.task.name)
    assert result.task.sha256 == task.sha256
    article = Article.of(text)
    for record in result.records:
        again = ground_record(record.fields, task.record.spec, article)
        assert again.support == record.support and again.verified == record.verified
        for name in task.record.spec.evidence:
            located = record.evidence[name]
            assert [item.quote for item in located] == quotes_of(record.fields[name])
            for item in located:
                if item.status == "exact":
                    ((start, end),) = item.spans
                    assert text[start:end] == item.quote
                if item.status == "missing":
                    assert item.spans == []
    assert result.stats.records == len(result.records)
    assert result.stats.verified == sum(record.verified for record in result.records)


@pytest.mark.vcr
def test_the_quotations_task_on_the_seed(tmp_path: Path, seed_text: str, vcr) -> None:
    result, table = _run("quotes", tmp_path / "quotes.json")

    assert result.records, "the seed quotes Zelensky and the GUR"
    _assert_honest(result, seed_text)
    assert result.stats.requests == http_requests(vcr) >= 1
    assert "task quotes" in table and "speaker" in table and "records verified" in table
    for record in result.records:
        if record.verified:
            # A verified quotation is words the article puts between quotation marks.
            ((start, end),) = record.evidence["quote"][0].spans
            opening = max(seed_text.rfind(mark, 0, start + 1) for mark in "«“")
            assert opening >= 0 and seed_text.find("»", opening) >= end - 1


@pytest.mark.vcr
def test_the_figures_task_on_the_seed(tmp_path: Path, seed_text: str, vcr) -> None:
    result, table = _run("figures", tmp_path / "figures.json")

    assert result.records, "the seed gives 30, 50.000 and 10.000 soldiers"
    _assert_honest(result, seed_text)
    assert result.stats.requests == http_requests(vcr) >= 1
    assert "task figures" in table and "value" in table and "source" in table
    assert json.loads((tmp_path / "figures.json").read_text(encoding="utf-8"))["task"]["name"] == "figures"
