"""A task's records proved again against an article, with no model: `claimex verify --task`.

What `reverifying.reverify` is for claims, for the records of a user's task: every evidence field
located again, every value checked again against it (`checks.records`, the rules the extraction
used), from a task result file (`claimex extract --task -o`, `claimex batch --task`) or from a
bare list of records (each a JSON object of the task's fields, as the model gives them).

The result is a task result: the records' `evidence`, `support` and `verified`, the stats, and
`source` and `task` (what the spans index now, and which task's rules judged them) are new;
every other field of the file is kept. A file made by another task, or by this task before an
edit, is re-grounded by the task given, and said so in a warning, never silently.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from .checks.records import ground_record
from .checks.verdict import Article
from .errors import InputError
from .models import TASK_RESULT_VERSION
from .pipeline import source_of
from .text.documents import Document

if TYPE_CHECKING:
    from .tasks.loading import Task

STATUSES = ("exact", "normalized", "fuzzy", "missing")


def reground(document: Document, payload: Any, task: Task, *, name: str) -> tuple[dict[str, Any], list[str]]:
    """The records of `payload` grounded against `document` by `task`'s rules, and the warnings to say.

    `payload`: a task result (`{"task": …, "records": [{"fields": {…}, …}]}`), `{"records": [...]}`,
    or a list of records; a record is `{"fields": {…}}` (as a result holds it) or the fields themselves.
    """
    if isinstance(payload, list):
        payload = {"records": payload}
    if not isinstance(payload, dict) or not isinstance(payload.get("records"), list):
        raise InputError(
            f'{name}: expected a task result (a JSON object with a "records" list) or a list of records'
        )
    warnings = _other_task(payload.get("task"), task, name)
    article = Article.of(document.text)
    spec = task.record.spec
    records: list[dict[str, Any]] = []
    counts: Counter[str] = Counter()
    for position, item in enumerate(payload["records"]):
        where = f"{name}: records[{position}]"
        if not isinstance(item, dict):
            raise InputError(f"{where} is not an object")
        fields = item.get("fields", item)
        if not isinstance(fields, dict):
            raise InputError(f'{where}: "fields" is not an object')
        for field in spec.evidence:
            value = fields.get(field)
            if not (
                value is None
                or isinstance(value, str)
                or (isinstance(value, list) and all(isinstance(q, str) for q in value))
            ):
                raise InputError(
                    f"{where}: the evidence field {field!r} must be a string or a list of strings"
                )
        grounded = ground_record(fields, spec, article).model_dump(mode="json")
        counts.update(quote["status"] for quotes in grounded["evidence"].values() for quote in quotes)
        records.append({**item, **grounded} if "fields" in item else grounded)
    stats = payload.get("stats")
    given = payload.get("warnings")
    kept_warnings: list[Any] = given if isinstance(given, list) else []
    result = {
        "schema_version": TASK_RESULT_VERSION,
        "provider": "none",
        "model": "none",
        "strategy": "single",
        "complete": True,
        **{key: value for key, value in payload.items() if key not in ("records", "stats", "warnings")},
        "task": task.ref.model_dump(mode="json"),
        "source": source_of(document).model_dump(mode="json"),
        "records": records,
        "stats": {
            **(stats if isinstance(stats, dict) else {}),
            "records": len(records),
            "verified": sum(bool(record["verified"]) for record in records),
            "by_status": {status: counts.get(status, 0) for status in STATUSES},
        },
        "warnings": [*kept_warnings, *warnings],
    }
    return result, warnings


def _other_task(ref: Any, task: Task, name: str) -> list[str]:
    """The warning a file of another task (or of this one before an edit) gets, if it is one."""
    if not isinstance(ref, dict):
        return []
    made_by, sha256 = ref.get("name"), ref.get("sha256")
    if made_by == task.name and sha256 == task.sha256:
        return []
    if made_by != task.name:
        said = f"made by the task {made_by!r}"
    else:
        said = f"made by the task {made_by!r} as it was before an edit (sha256 {str(sha256)[:12]})"
    return [
        f"{name}: {said}, re-grounded by the task {task.name!r} (sha256 {task.sha256[:12]}), whose evidence "
        "and value fields judge its records"
    ]
