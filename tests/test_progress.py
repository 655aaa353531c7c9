"""Progress of a batch off a terminal: one plain line per article, written a group of outcomes at a time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from claimex.batch import ArticleOutcome, Batch, BatchOptions
from claimex.cli.progress import batch_progress

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])


def test_plain_lines_wait_for_the_end_of_their_group_and_none_is_lost(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with batch_progress(3) as on_outcome:
        on_outcome(ArticleOutcome("a.txt", "ok", claims=2, verified=1))
        on_outcome(ArticleOutcome("b.txt", "failed", error="b.txt: cannot be read"))
        assert capsys.readouterr().err == "", "a group's lines are written when it ends"
        on_outcome.flush()
        assert capsys.readouterr().err == (
            "[1/3] ok      a.txt (2 claims, 1 verified)\n[2/3] failed  b.txt: cannot be read\n"
        )
        on_outcome(ArticleOutcome("c.txt", "ok", claims=1, verified=1))
    assert capsys.readouterr().err == "[3/3] ok      c.txt (1 claim, 1 verified)\n", "the last, at the end"


def test_the_batch_flushes_each_group_of_outcomes_as_it_is_taken(tmp_path: Path) -> None:
    from claimex.llm.client import model_client
    from claimex.llm.settings import resolve_settings
    from stub_openai import QUOTE, StubServer

    folder = tmp_path / "in"
    folder.mkdir()
    for number in range(6):
        (folder / f"a-{number}.txt").write_text(
            f"Article {number}. Selon le GUR, {QUOTE}.\n", encoding="utf-8"
        )
    events: list[str] = []

    class Shown:
        def __call__(self, outcome: Any) -> None:
            events.append("outcome")

        def flush(self) -> None:
            events.append("flush")

    with StubServer(delay=0.01) as stub:
        settings = resolve_settings(base_url=stub.base_url, mode="tools", environ={})
        with model_client(settings, use_cache=False, cache_dir=None, connections=2) as client:
            summary = Batch(BatchOptions(folder, tmp_path / "out", concurrency=2), client).run(Shown())
    assert summary.ok == 6, summary.failures[:1]
    assert events.count("outcome") == 6
    assert events[-1] == "flush", "the last group is shown before the run returns"
    groups = "".join("o" if event == "outcome" else "|" for event in events).split("|")
    assert all(groups[:-1]), "every flush follows a group of outcomes"
