"""The two example tasks on the seed sentence by sentence, as the embedded model answered them.

`claimex extract SEED --task NAME --strategy sentences` (the embedded model's own strategy): each
sentence the task asks about (those with a quotation mark; those with a figure) is one question.
Recorded with `python tests/record_cassettes.py tests/test_tasks_examples_sentences.py`. What
comes back is checked for honesty (the verdicts are those the checks give again, every located
quote is where its spans say), and against what the seed holds: a verified quotation stands
between quotation marks, a verified figure's value is written in its passage.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from claimex.checks.verdict import Article
from claimex.cli import app
from claimex.models import TaskResult
from claimex.tasks.asking import sentences_asked
from claimex.tasks.loading import load_task
from claimex.text.selection import select_sentences
from conftest import RECORDING_BASE_URL, SEED, http_requests
from test_tasks_examples import _assert_honest

runner = CliRunner()


def _run(task: str, out: Path) -> tuple[TaskResult, str]:
    args = ["extract", str(SEED), "--task", task, "--base-url", RECORDING_BASE_URL, "--provider", "local"]
    args += ["--strategy", "sentences", "--timeout", "900", "-o", str(out), "--format", "table"]
    result = runner.invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return TaskResult.model_validate_json(out.read_text(encoding="utf-8")), result.stdout


def _asked(task: str, text: str) -> int:
    return len(sentences_asked(load_task(task), Article.of(text), select_sentences(text)))


@pytest.mark.vcr
def test_the_quotations_task_sentence_by_sentence(tmp_path: Path, seed_text: str, vcr) -> None:
    result, table = _run("quotes", tmp_path / "quotes.json")

    assert result.strategy == "sentences" and result.complete
    assert result.stats.sentences == _asked("quotes", seed_text) >= 3
    assert http_requests(vcr) == result.stats.requests >= result.stats.sentences
    _assert_honest(result, seed_text)
    assert "task quotes" in table and "records verified" in table
    verified = [record for record in result.records if record.verified]
    assert verified, "one question a sentence: the embedded model copies a quotation it is shown"
    for record in verified:
        ((start, end),) = record.evidence["quote"][0].spans
        opening = max(seed_text.rfind(mark, 0, start + 1) for mark in "«“")
        assert opening >= 0 and seed_text.find("»", opening) >= end - 1


@pytest.mark.vcr
def test_the_figures_task_sentence_by_sentence(tmp_path: Path, seed_text: str, vcr) -> None:
    result, table = _run("figures", tmp_path / "figures.json")

    assert result.strategy == "sentences" and result.complete
    assert result.stats.sentences == _asked("figures", seed_text) >= 4
    assert http_requests(vcr) == result.stats.requests >= result.stats.sentences
    _assert_honest(result, seed_text)
    assert "task figures" in table and "value" in table
    verified = [record for record in result.records if record.verified]
    assert verified, "one question a sentence: the embedded model copies a figure it is shown"
    for record in verified:
        assert record.evidence["passage"][0].status in ("exact", "normalized")
        assert record.support.verdict == "supported"
