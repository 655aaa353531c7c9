"""The HTML report of a task's result: its records' fields in a table, their evidence highlighted.

Records here are grounded by the checks themselves (`checks.records.ground_record`, with the
quotes task's rules), never given a verdict by hand; the pages are read back as a browser's
parser reads them (test_report's `ReportPage`), and everything untrusted must stay text.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from claimex.checks.records import ground_record
from claimex.checks.verdict import Article
from claimex.cli import app
from claimex.models import TASK_RESULT_VERSION, RecordStats, Source, TaskResult
from claimex.report import IndexRow, render_index, render_task_report, write_report
from claimex.tasks.loading import load_task
from test_report import ReportPage

runner = CliRunner()


class RecordPage(ReportPage):
    """The report page as read, with the records table's column heads and rows."""

    def __init__(self) -> None:
        super().__init__()
        self.columns: list[str] = []
        self.rows: list[dict[str, str | None]] = []
        self._head: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "mark" and self._article_depth:
            attrs = [*attrs, ("data-claims", attributes.get("data-records"))]
        super().handle_starttag(tag, attrs)
        if tag == "th":
            self._head = ""
        if tag == "tr" and "record" in (attributes.get("class") or "").split():
            self.rows.append(attributes)

    def handle_endtag(self, tag: str) -> None:
        super().handle_endtag(tag)
        if tag == "th" and self._head is not None:
            self.columns.append(" ".join(self._head.split()))
            self._head = None

    def handle_data(self, data: str) -> None:
        super().handle_data(data)
        if self._head is not None:
            self._head += data


def record_page(html: str) -> RecordPage:
    page = RecordPage()
    page.feed(html)
    page.close()
    return page


def task_result(text: str, records: list[dict], *, path: str = "article.txt") -> TaskResult:
    """The records grounded against `text` by the quotes task, as `extract --task` grounds them."""
    task = load_task("quotes")
    article = Article.of(text)
    grounded = [ground_record(fields, task.record.spec, article) for fields in records]
    return TaskResult(
        task=task.ref,
        source=Source(path=path, sha256=hashlib.sha256(text.encode()).hexdigest(), length=len(text)),
        provider="local",
        model="m",
        records=grounded,
        stats=RecordStats(records=len(grounded), verified=sum(r.verified for r in grounded)),
    )


def test_every_record_has_a_row_every_quote_a_highlight_at_its_spans(seed_text: str) -> None:
    quoted = "des assauts"
    assert quoted in seed_text
    result = task_result(
        seed_text,
        [
            {"quote": quoted, "speaker": "Volodymyr Zelensky"},
            {"quote": "au moins 30 soldats nord-coréens", "speaker": "GUR"},  # not between quotation marks
            {"quote": "une phrase que l'article n'a pas", "speaker": "personne"},
        ],
    )
    html = render_task_report(result, seed_text)
    page = record_page(html)

    assert page.article_text == seed_text
    assert page.columns == ["#", "speaker", "quote evidence", "verified"]
    assert [row["data-verified"] for row in page.rows] == [
        "true" if record.verified else "false" for record in result.records
    ]
    for number, record in enumerate(result.records, start=1):
        (item,) = record.evidence["quote"]
        covered = "".join(h.text for h in page.highlights if f"r{number}f1e1" in h.evidence)
        assert covered == "".join(seed_text[start:end] for start, end in item.spans)
        assert all(h.claims == [str(number)] for h in page.highlights if f"r{number}f1e1" in h.evidence)
    assert [record.verified for record in result.records] == [True, False, False]
    # Why a record is not verified is said in its row, by the checks' own message.
    (problem,) = result.records[1].support.blocking
    assert problem.rule == "quotation" and f"✘ {problem.message}</span>" in html
    assert "not found in the article" in html
    verified = sum(record.verified for record in result.records)
    assert f"{verified} / 3 records verified" in html


def test_hostile_fields_quotes_and_paths_are_only_text() -> None:
    article = (
        "Le maire a dit « <script>document.title='PWNED'</script> » jeudi, "
        '<img src=x onerror="alert(1)"> selon " onmouseover="alert(1)".'
    )
    result = task_result(
        article,
        [
            {"quote": "<script>document.title='PWNED'</script>", "speaker": '<img src=x onerror="alert(1)">'},
            {"quote": '" onmouseover="alert(1)', "speaker": "</textarea><b>bold</b>"},
        ],
        path='<script>alert("path")</script>.txt',
    )
    html = render_task_report(result, article)
    page = record_page(html)
    assert page.article_text == article
    assert len(page.scripts) == 1 and "PWNED" not in page.scripts[0] and html.count("<script") == 1
    for raw in ("<img", "</textarea>", "<b>bold", 'onmouseover="alert'):
        assert raw not in html
    assert page.title == 'claimex · quotes · <script>alert("path")</script>.txt'
    (script,) = page.scripts
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in html
    assert not re.search(r"(src|href)=\"(https?:)?//", html)


def test_spans_that_do_not_fit_the_text_are_reported_not_rendered(seed_text: str) -> None:
    result = task_result(seed_text, [{"quote": "des assauts", "speaker": "Zelensky"}])
    short = seed_text[:100]
    html = render_task_report(result, short)
    assert record_page(html).highlights == []
    assert "record 1, quote quote 1: span [" in html and "not highlighted" in html
    assert "highlights may be misplaced" in html


def test_the_index_counts_records_of_a_task() -> None:
    rows = [
        IndexRow("a.txt", "a.txt.html", claims=3, verified=1, counted="records", task="quotes"),
        IndexRow("b.txt", None, error="b.txt: the file is empty"),
    ]
    html = render_index(rows)
    assert "task quotes · 1 / 3 records verified · 1 failed" in html
    assert "<th>records</th>" in html and "2 unverified records" in html


def test_claimex_report_writes_a_task_results_page(tmp_path: Path, seed_text: str) -> None:
    article = tmp_path / "seed.txt"
    article.write_text(seed_text, encoding="utf-8")
    result = task_result(
        seed_text, [{"quote": "des assauts", "speaker": "Volodymyr Zelensky"}], path=str(article)
    )
    saved = tmp_path / "quotes.json"
    saved.write_text(result.model_dump_json(), encoding="utf-8")

    done = runner.invoke(app, ["report", str(saved)], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    page = record_page((tmp_path / "quotes.html").read_text(encoding="utf-8"))
    assert page.article_text == seed_text and len(page.rows) == 1 and page.highlights
    assert write_report(saved, tmp_path / "again.html") == tmp_path / "again.html"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"schema_version": "0.9"},
            f"a task result of schema 0.9, and this claimex reads {TASK_RESULT_VERSION}",
        ),
        ({"records": "none"}, "not a claimex task result (records: Input should be a valid list)"),
    ],
)
def test_a_task_result_claimex_cannot_read_is_one_line(
    tmp_path: Path, seed_text: str, change: dict, message: str
) -> None:
    result = task_result(seed_text, [{"quote": "des assauts", "speaker": "Zelensky"}])
    saved = tmp_path / "r.json"
    saved.write_text(json.dumps({**result.model_dump(mode="json"), **change}), encoding="utf-8")
    done = runner.invoke(app, ["report", str(saved)], catch_exceptions=False)
    assert done.exit_code == 2 and done.stderr.strip().startswith(f"claimex: error: {saved}: {message}")
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.output
