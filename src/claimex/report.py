"""Report: one self-contained HTML page per result, with every evidence span highlighted in the article.

The article and everything the model wrote are untrusted. The page is rendered by Jinja2 with
autoescaping on, and the highlighted article is built from code-point offsets into fragments of
plain text (`highlight_fragments`), so no byte of the article or of the model's output ever reaches
the page as markup. A Content-Security-Policy allows only the page's own inline script (by hash)
and no network at all, as a second line of defence.

The split into fragments happens here, in Python, because spans are code-point offsets: JavaScript
strings count UTF-16 units, so any offset arithmetic in the page would drift after an emoji.
The page's script only reads the fragments' `data-` attributes.

A task's result (`claimex extract --task`, `claimex batch --task`) gets its own page
(`render_task_report`): its records in a table, one column per field, every evidence quote with
its verdict, and the article with every evidence span highlighted, by the same fragments.

`render_report`, `render_task_report` and `render_index` are pure; `write_report` and
`write_batch_report` do the file I/O, for claims and tasks alike.
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote as url_quote

import pydantic
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from .errors import InputError
from .models import SCHEMA_VERSION, TASK_RESULT_VERSION, Claim, Evidence, Result, TaskRecord, TaskResult
from .output import shown_value, write_atomically
from .text.documents import Document, load_document, read_json

TEMPLATES = Path(__file__).parent / "templates"

STATUSES = ("exact", "normalized", "fuzzy", "missing")
# A passage covered by several quotes is coloured by the weakest of them: the doubtful reading is
# the one a reviewer must not miss. The tooltip lists every claim.
_WEAKNESS = {status: rank for rank, status in enumerate(STATUSES)}


@dataclass(frozen=True)
class Mark:
    """One span to highlight: one part of one evidence quote (an elided quote has several)."""

    start: int
    end: int
    evidence_id: str
    claim_number: int
    status: str


@dataclass(frozen=True)
class Fragment:
    """A run of the article that the same set of marks covers; `text` is `article[start:end]`."""

    start: int
    end: int
    text: str
    marks: tuple[Mark, ...] = ()

    @property
    def status(self) -> str | None:
        if not self.marks:
            return None
        return max((mark.status for mark in self.marks), key=lambda status: _WEAKNESS.get(status, 0))

    @property
    def evidence_ids(self) -> list[str]:
        return list(dict.fromkeys(mark.evidence_id for mark in self.marks))

    @property
    def claim_numbers(self) -> list[int]:
        return list(dict.fromkeys(mark.claim_number for mark in self.marks))


def highlight_fragments(text: str, marks: Iterable[Mark]) -> list[Fragment]:
    """Cut `text` at every mark boundary; each fragment lists the marks covering it, in input order.

    The fragments tile the whole text (their texts joined are `text`). Empty marks are ignored;
    a mark outside the text raises `ValueError`.
    """
    ordered: list[Mark] = []
    for mark in marks:
        if not 0 <= mark.start <= mark.end <= len(text):
            raise ValueError(f"span [{mark.start}, {mark.end}] is outside a text of {len(text)} characters")
        if mark.start < mark.end:
            ordered.append(mark)
    boundaries = sorted({0, len(text)} | {mark.start for mark in ordered} | {mark.end for mark in ordered})
    by_start = sorted(range(len(ordered)), key=lambda position: ordered[position].start)
    # A sweep over the boundaries keeps this linear in practice, whatever a result file holds.
    active: list[tuple[int, int]] = []  # heap of (end, position in `ordered`)
    next_mark = 0
    fragments: list[Fragment] = []
    for start, end in pairwise(boundaries):
        while next_mark < len(by_start) and ordered[by_start[next_mark]].start <= start:
            position = by_start[next_mark]
            heapq.heappush(active, (ordered[position].end, position))
            next_mark += 1
        while active and active[0][0] <= start:
            heapq.heappop(active)
        covering = tuple(ordered[position] for position in sorted(position for _, position in active))
        fragments.append(Fragment(start, end, text[start:end], covering))
    return fragments


def evidence_id(claim_number: int, evidence_number: int) -> str:
    return f"c{claim_number}e{evidence_number}"


def _marks(
    located: Iterable[tuple[str, int, Evidence, str]], text: str, source_length: int
) -> tuple[list[Mark], list[str]]:
    """The marks of every span of `located` ((mark id, row number, evidence, what to call it in a
    problem)), and the problems a reader should know of: an article of another length than the
    result's, and each span that does not fit it."""
    marks: list[Mark] = []
    problems: list[str] = []
    if len(text) != source_length:
        problems.append(
            f"the article has {len(text)} characters but the result was made from {source_length}; "
            "highlights may be misplaced"
        )
    for key, number, item, where in located:
        for start, end in item.spans:
            if 0 <= start < end <= len(text):
                marks.append(Mark(start, end, key, number, item.status))
            else:
                problems.append(
                    f"{where}: span [{start}, {end}] does not fit the article ({len(text)} characters); "
                    "not highlighted"
                )
    return marks, problems


def claim_marks(claims: Sequence[Claim], text: str, source_length: int) -> tuple[list[Mark], list[str]]:
    """The marks of every claim's evidence spans, and the problems (`_marks`)."""
    located = (
        (
            evidence_id(claim_number, evidence_number),
            claim_number,
            item,
            f"claim {claim_number}, quote {evidence_number}",
        )
        for claim_number, claim in enumerate(claims, start=1)
        for evidence_number, item in enumerate(claim.evidence, start=1)
    )
    return _marks(located, text, source_length)


def record_evidence_id(record_number: int, field_number: int, quote_number: int) -> str:
    return f"r{record_number}f{field_number}e{quote_number}"


def evidence_fields(result: TaskResult) -> list[str]:
    """The record's evidence fields, in the order the records give them."""
    return list(dict.fromkeys(name for record in result.records for name in record.evidence))


def record_marks(result: TaskResult, text: str) -> tuple[list[Mark], list[str]]:
    """The marks of every evidence span of every record (`claim_number` is the record's number),
    and the problems (`_marks`)."""
    fields = evidence_fields(result)
    located = (
        (
            record_evidence_id(number, field_number, quote_number),
            number,
            item,
            f"record {number}, {name} quote {quote_number}",
        )
        for number, record in enumerate(result.records, start=1)
        for field_number, name in enumerate(fields, start=1)
        for quote_number, item in enumerate(record.evidence.get(name, []), start=1)
    )
    return _marks(located, text, result.source.length)


def _passage(text: str) -> Callable[[Sequence[tuple[int, int]]], str]:
    """What the page shows of a quote: its spans' text, joined by an elision."""

    def passage(spans: Sequence[tuple[int, int]]) -> str:
        return " … ".join(text[start:end] for start, end in spans if 0 <= start < end <= len(text))

    return passage


@dataclass(frozen=True)
class IndexRow:
    """One article of a batch on the index page. `href` is relative to the index; None if it failed."""

    article: str
    href: str | None
    claims: int = 0
    verified: int = 0
    fuzzy: int = 0
    missing: int = 0
    error: str | None = None
    # What `claims` counts: claims, or a task's records (then `task` names it).
    counted: str = "claims"
    task: str | None = None

    @property
    def verified_percent(self) -> int | None:
        return round(100 * self.verified / self.claims) if self.claims else None

    @property
    def unverified(self) -> int:
        return self.claims - self.verified


def index_row(result: Result | TaskResult, href: str | None) -> IndexRow:
    if isinstance(result, TaskResult):
        quoted = [
            item.status for record in result.records for items in record.evidence.values() for item in items
        ]
        return IndexRow(
            article=result.source.path,
            href=href,
            claims=len(result.records),
            verified=sum(record.verified for record in result.records),
            fuzzy=quoted.count("fuzzy"),
            missing=quoted.count("missing"),
            counted="records",
            task=result.task.name,
        )
    statuses: list[str] = [item.status for claim in result.claims for item in claim.evidence]
    return IndexRow(
        article=result.source.path,
        href=href,
        claims=len(result.claims),
        verified=sum(claim.verified for claim in result.claims),
        fuzzy=statuses.count("fuzzy"),
        missing=statuses.count("missing"),
    )


def render_report(result: Result, text: str, *, result_date: datetime | None = None) -> str:
    """The HTML page of one result over its article `text` (the text the spans index)."""
    marks, problems = claim_marks(result.claims, text, result.source.length)
    statuses: list[str] = [item.status for claim in result.claims for item in claim.evidence]

    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            result=result,
            claims=list(enumerate(result.claims, start=1)),
            fragments=highlight_fragments(text, marks),
            evidence_id=evidence_id,
            passage=_passage(text),
            status_counts={status: statuses.count(status) for status in STATUSES},
            verified_claims=sum(claim.verified for claim in result.claims),
            types=sorted({claim.type.value for claim in result.claims}),
            speakers=sorted({claim.speaker for claim in result.claims}, key=str.casefold),
            problems=problems,
            result_date=_format_date(result_date),
        )
    )


def render_task_report(result: TaskResult, text: str, *, result_date: datetime | None = None) -> str:
    """The HTML page of a task's result over its article `text`: the records' fields in a table,
    their evidence highlighted in the article."""
    marks, problems = record_marks(result, text)
    located = [item for record in result.records for items in record.evidence.values() for item in items]
    statuses: list[str] = [item.status for item in located]
    evidence = evidence_fields(result)
    values = list(
        dict.fromkeys(name for record in result.records for name in record.fields if name not in evidence)
    )

    def record_statuses(record: TaskRecord) -> list[str]:
        return list(dict.fromkeys(item.status for items in record.evidence.values() for item in items))

    def summary(record: TaskRecord) -> str:
        """The record in one line, for the highlight's tooltip."""
        return " · ".join(f"{name}: {shown_value(record.fields.get(name))}" for name in [*values, *evidence])

    return (
        _environment()
        .get_template("task_report.html.j2")
        .render(
            result=result,
            records=list(enumerate(result.records, start=1)),
            value_fields=values,
            evidence_fields=evidence,
            fragments=highlight_fragments(text, marks),
            record_evidence_id=record_evidence_id,
            record_statuses=record_statuses,
            summary=summary,
            shown_value=shown_value,
            passage=_passage(text),
            status_counts={status: statuses.count(status) for status in STATUSES},
            verified_records=sum(record.verified for record in result.records),
            problems=problems,
            result_date=_format_date(result_date),
        )
    )


def render_index(rows: Sequence[IndexRow], *, title: str = "claimex batch report") -> str:
    """The batch index: one row per article, linking to its page; it counts claims, or records
    when the articles' results are a task's."""
    counted = {row.counted for row in rows if row.error is None} or {"claims"}
    tasks = sorted({row.task for row in rows if row.task is not None})
    return (
        _environment()
        .get_template("index.html.j2")
        .render(
            rows=rows,
            title=title,
            href=_safe_href,
            total_claims=sum(row.claims for row in rows),
            total_verified=sum(row.verified for row in rows),
            failed=sum(row.error is not None for row in rows),
            counted=counted.pop() if len(counted) == 1 else "claims or records",
            tasks=tasks,
        )
    )


def write_report(result_path: Path, output: Path | None = None, article: Path | None = None) -> Path:
    """Read a result file and its article, write the HTML page, and return where it went.

    `output` defaults to the result's path with an `.html` suffix. The article is `article` if
    given, else `result.source.path` relative to the current folder or to the result's folder;
    its sha256 must equal the result's. Raises `InputError` for an unreadable or invalid result
    or a missing or different article, `ClaimexError` when the page cannot be written.
    """
    return _write_page(Path(result_path), output, article)[0]


def write_batch_report(
    result_paths: Sequence[Path],
    index_path: Path,
    *,
    failures: Mapping[str, str] | None = None,
    names: Mapping[Path, str] | None = None,
) -> Path:
    """Write each result's page beside it, then an index linking to them; return the index path.

    `failures` maps articles that produced no result to their error message; they get a row
    without a link. `names` gives a result the name to show (batch mode: the path relative to
    the input folder, as failures are named); rows are sorted by name. Raises like
    `write_report` on the first result that cannot be reported.
    """
    index_path = Path(index_path)
    rows: list[IndexRow] = []
    for result_path in result_paths:
        page, result = _write_page(Path(result_path), None, None)
        row = index_row(result, os.path.relpath(page, index_path.parent))
        if names and Path(result_path) in names:
            row = replace(row, article=names[Path(result_path)])
        rows.append(row)
    for name, message in (failures or {}).items():
        rows.append(IndexRow(article=name, href=None, error=message))
    rows.sort(key=lambda row: row.article)
    write_atomically(index_path, render_index(rows))
    return index_path


def _write_page(
    result_path: Path, output: Path | None, article: Path | None
) -> tuple[Path, Result | TaskResult]:
    result = read_any_result(result_path)
    document = find_article(result, result_path, article)
    render = render_task_report if isinstance(result, TaskResult) else render_report
    page = render(result, document.text, result_date=_modified(result_path))  # type: ignore[arg-type]
    target = Path(output) if output is not None else default_output(result_path)
    write_atomically(target, page)
    return target, result


def default_output(result_path: Path) -> Path:
    target = result_path.with_suffix(".html")
    return target if target != result_path else result_path.with_name(result_path.name + ".html")


def read_any_result(path: Path) -> Result | TaskResult:
    """A claims result, or a task's records (a claims task's result is a claims result), as the file says."""
    payload = read_json(path, what="a claimex result file")
    if isinstance(payload, dict) and "records" in payload and "claims" not in payload:
        return read_task_result(path, payload)
    return read_result(path, payload)


def read_task_result(path: Path, payload: object = None) -> TaskResult:
    """A task's result file (`claimex extract --task -o`, `claimex batch --task`)."""
    return _read_versioned(
        path, payload, TaskResult, TASK_RESULT_VERSION, "task result", "claimex extract --task"
    )


def read_result(path: Path, payload: object = None) -> Result:
    return _read_versioned(path, payload, Result, SCHEMA_VERSION, "result", "claimex extract")


ResultT = TypeVar("ResultT", Result, TaskResult)


def _read_versioned(
    path: Path, payload: object, model: type[ResultT], version: str, what: str, command: str
) -> ResultT:
    """`payload` (read from `path` when not given) as `model`, refused in one line when it is of
    another schema version than this claimex writes, or not such a document."""
    if payload is None:
        payload = read_json(path, what=f"a claimex {what} file")
    found = payload.get("schema_version") if isinstance(payload, dict) else None
    if isinstance(found, str) and found != version:
        raise InputError(
            f"{path}: a {what} of schema {found}, and this claimex reads {version}: run "
            f"`{command}` on the article again (answers come from the cache)"
        )
    try:
        return model.model_validate(payload)
    except pydantic.ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "top level"
        raise InputError(f"{path}: not a claimex {what} ({where}: {first['msg']})") from None


def find_article(result: Result | TaskResult, result_path: Path, article: Path | None) -> Document:
    """The article the result was made from, checked by sha256 so that every span lands where it belongs."""
    if article is not None:
        document = load_document(article)
        if document.sha256 != result.source.sha256:
            raise InputError(f"{article}: not the article {result_path} was made from (sha256 differs)")
        return document
    recorded = result.source.path
    if result.source.text_path:
        # Batch mode saved the text the spans index (HTML, legacy encodings) beside the result.
        saved = result_path.parent / result.source.text_path
        if saved.is_file():
            text = saved.read_text(encoding="utf-8")
            if len(text) == result.source.length:
                return Document(text=text, path=recorded, sha256=result.source.sha256, encoding="utf-8")
    if recorded in ("", "-", "<stdin>"):
        raise InputError(f"{result_path}: made from stdin, so the article cannot be found; pass --article")
    candidates = [Path(recorded), result_path.parent / recorded]  # an absolute path makes both the same
    existing = list(dict.fromkeys(path for path in candidates if path.is_file()))
    if not existing:
        raise InputError(
            f"{recorded}: article not found (looked in the current folder and beside {result_path}); "
            "pass --article"
        )
    for path in existing:
        document = load_document(path)
        if document.sha256 == result.source.sha256:
            return document
    raise InputError(f"{existing[0]}: changed since the result was made (sha256 differs); pass --article")


def _modified(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    except OSError:
        return None


def _format_date(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else None


def _safe_href(relative: str) -> str:
    """A link that can only be a relative path: every ':' is percent-encoded, so no scheme survives."""
    return "./" + url_quote(Path(relative).as_posix().lstrip("/"), safe="/")


def _article_text(value: str) -> Markup:
    """Escaped article text; a carriage return becomes `&#13;` because HTML parsing would fold a raw
    CR LF into LF, and the page's text must stay the article's text, character for character."""
    return Markup(str(escape(value)).replace("\r", "&#13;"))


def _csp_hash(script: str) -> str:
    """The CSP source that allows exactly this inline script and no other."""
    return "sha256-" + base64.b64encode(hashlib.sha256(str(script).encode("utf-8")).digest()).decode("ascii")


@lru_cache(maxsize=1)
def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    environment.filters["article_text"] = _article_text
    environment.filters["csp_hash"] = _csp_hash
    return environment


# The clusters page of a batch (`claimex cluster`): `clusters.jsonl` as read, one dict per cluster.
CLUSTERS_SHOWN = 2000  # a page past this many clusters is no page a person reads; the file has all


def render_clusters(
    clusters: Sequence[Mapping[str, object]],
    *,
    pages: Mapping[str, str] | None = None,
    hidden: int = 0,
    title: str = "claimex claim clusters",
) -> str:
    """The clusters page: clusters by size, conflicting figures side by side, members linked.

    `pages` maps a member's result path to its report page, relative to this page (members of
    results without a page are listed without a link); `hidden` counts the clusters left out.
    """
    return (
        _environment()
        .get_template("clusters.html.j2")
        .render(clusters=clusters, pages=pages or {}, hidden=hidden, title=title, href=_safe_href)
    )


def write_clusters_page(clusters_path: Path, page: Path) -> Path:
    """Write the page of a `clusters.jsonl` beside the batch's report pages; return its path."""
    import json

    shown: list[Mapping[str, object]] = []
    hidden = 0
    pages: dict[str, str] = {}
    with open(clusters_path, encoding="utf-8") as lines:
        for line in lines:
            if len(shown) >= CLUSTERS_SHOWN:
                hidden += 1
                continue
            cluster = json.loads(line)
            shown.append(cluster)
            for member in cluster["members"]:
                result = member["result"]
                if result not in pages:
                    target = default_output(clusters_path.parent / result)
                    pages[result] = os.path.relpath(target, page.parent) if target.is_file() else ""
    write_atomically(page, render_clusters(shown, pages={k: v for k, v in pages.items() if v}, hidden=hidden))
    return page
