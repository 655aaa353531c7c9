"""A task's record against the article: every evidence field located, every value carried. Pure, no model.

A user's task (`claimex.tasks`) declares which fields of its record are evidence (verbatim
quotes) and which are values that evidence must carry. A record is verified only when:

* quotes: every quote of every evidence field is `exact` or `normalized` (the verifier's
  verdict; `support.quote_problems`, its rule and messages);
* quotation: a quote of a field the task says is a quotation stands between quotation marks in
  the article (« », “ ”, „ “, ‹ ›, "…"), whole or as part of what they enclose: reported speech
  without them is no direct quotation, however well it is located;
* numbers: a number value (an integer, a float, or the figures a string writes) is stated, as
  the same value, in the passages its quotes point to (`support.number_problems`, read by
  `figures`: "50.000" = 50000, "30" never inside "130");
* names: a name value is written in the article near its evidence: in the passages, or in their
  paragraph within `NEAR_CHARS` of them (a quotation's speaker is named in the sentence that
  quotes them, not in the quote);
* dates: the same for a date value ("samedi", "fin novembre"), as the article writes it.

Other fields are the model's, reported as they came and not checked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from ..models import Evidence, Problem, RecordProblem, RecordRule, RecordSupport, TaskRecord
from ..text.sentences import paragraph_at
from .figures import shown
from .folding import normalize
from .support import ClaimParts, mentions, number_problems, quote_problems
from .verdict import Article
from .wording import content_words, uncarried

ValueKind = Literal["number", "name", "date"]
VALUE_KINDS: tuple[str, ...] = ("number", "name", "date")

NEAR_CHARS = 300
"""How far from its evidence (within the same paragraph) a name or a date may be written."""

_NAME_WORD = re.compile(r"[^\W\d_][\w-]*")


@dataclass(frozen=True)
class RecordSpec:
    """Which fields of a record are evidence (of those, which are quotations), and which are values."""

    evidence: tuple[str, ...]
    values: Mapping[str, ValueKind]
    quotations: tuple[str, ...] = ()


# Opening mark → the closing marks that end it. The ASCII double quote opens and closes alike (the
# apostrophe does not count: "l'armée" would open a quotation).
_CLOSING = {"«": "»", "“": "”", "„": "“”", "‹": "›"}
_SAME = '"'


def quotes_of(value: Any) -> list[str]:
    """An evidence field's quotes: a string is one quote, a list of strings several, none is none."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [item for item in value if isinstance(item, str)]


def ground_record(
    fields: Mapping[str, Any], spec: RecordSpec, article: Article, prefer: tuple[int, int] | None = None
) -> TaskRecord:
    """Locate the record's evidence (preferring the region `prefer`) and check that it carries its values."""
    evidence = {
        name: [article.index.locate(quote, prefer=prefer) for quote in quotes_of(fields.get(name))]
        for name in spec.evidence
    }
    problems: list[RecordProblem] = []
    for name, located in evidence.items():
        problems += _of_field(name, quote_problems(located))
        if name in spec.quotations:
            problems += _quotation_problems(name, located, article.text)
    verified = [item for located in evidence.values() for item in located if item.verified]
    if verified:
        spans = [span for item in verified for span in item.spans]
        passages = [article.text[start:end] for start, end in spans]
        around = [article.text[a:b] for a, b in _near(article.text, spans)]
        near = " … ".join(normalize(passage)[0] for passage in around)
        for name, kind in spec.values.items():
            for value in _values_of(fields.get(name)):
                if kind == "number":
                    problems += _number_problems(name, value, verified, passages)
                else:
                    problems += _written_near(name, kind, value, near, around, article)
    blocking = any(problem.blocking for problem in problems)
    return TaskRecord(
        fields=dict(fields),
        evidence=evidence,
        support=RecordSupport(verdict="unsupported" if blocking else "supported", problems=problems),
        verified=not blocking,
    )


def _of_field(name: str, problems: Iterable[Problem], rule: str | None = None) -> list[RecordProblem]:
    """support's problems, said of one field of the record."""
    return [
        RecordProblem(
            field=name,
            rule=rule or problem.rule,  # type: ignore[arg-type]
            blocking=problem.blocking,
            message=f"{name}: {problem.message}",
            subject=problem.subject,
        )
        for problem in problems
    ]


def _quotation_problems(name: str, located: Sequence[Evidence], text: str) -> list[RecordProblem]:
    problems = []
    for item in located:
        if item.verified and not all(_quoted(text, start, end) for start, end in item.spans):
            message = f"{name}: the article does not put “{item.quote.strip()}” between quotation marks"
            problems.append(
                RecordProblem(
                    field=name, rule="quotation", blocking=True, message=message, subject=item.quote.strip()
                )
            )
    return problems


def quotations_in(text: str) -> list[str]:
    """The passages `text` puts between quotation marks, in order, without the marks and the
    spaces inside them: « d’importantes » → "d’importantes". A mark left open ends nothing."""
    found: list[str] = []
    at = 0
    while at < len(text):
        mark = text[at]
        closers = _CLOSING.get(mark) or (_SAME if mark == _SAME else None)
        if closers is None:
            at += 1
            continue
        end = min((i for i in (text.find(c, at + 1) for c in closers) if i >= 0), default=-1)
        if end < 0:
            break
        inside = text[at + 1 : end].strip(" \u00a0\u202f")
        if inside:
            found.append(inside)
        at = end + 1
    return found


def _quoted(text: str, start: int, end: int) -> bool:
    """Whether `text[start:end]` lies inside a pair of quotation marks of its paragraph (marks
    the span itself begins or ends with count too)."""
    inside = text[start:end].strip(' «»“”„‹›"')
    if any(mark in inside for mark in '«»“”„‹›"'):
        return False  # it runs past a quotation's end, or joins two
    paragraph_start, paragraph_end = paragraph_at(text, start)
    before, after = text[paragraph_start : start + 1], text[end - 1 : paragraph_end]
    for mark in _SAME:
        if before.count(mark) % 2 == 1 and mark in after:
            return True
    opening = max(before.rfind(mark) for mark in _CLOSING)
    if opening < 0:
        return False
    closers = _CLOSING[before[opening]]
    if any(closer in before[opening + 1 :] for closer in closers):
        return False  # the last quotation before it closed before it began
    return any(closer in after for closer in closers)


def _values_of(value: Any) -> list[Any]:
    values = value if isinstance(value, list) else [value]
    return [item for item in values if item is not None and item != ""]


def _number_problems(
    name: str, value: Any, verified: Sequence[Evidence], passages: Sequence[str]
) -> list[RecordProblem]:
    """A number value is the statement of a claim that says only it: support's numbers rule, as is."""
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        try:
            value = shown(Decimal(repr(value)))
        except (InvalidOperation, ValueError):
            return []
    return _of_field(name, number_problems(ClaimParts(statement=str(value), evidence=verified), passages))


def _near(text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The passages, widened by `NEAR_CHARS` each way within their paragraph."""
    windows = []
    for start, end in spans:
        paragraph_start, paragraph_end = paragraph_at(text, start)
        windows.append((max(paragraph_start, start - NEAR_CHARS), min(paragraph_end, end + NEAR_CHARS)))
    return windows


def _written_near(
    name: str, kind: str, value: Any, near: str, around: Sequence[str], article: Article
) -> list[RecordProblem]:
    """A name or a date is supported when the article writes it near the record's evidence.

    A name may be given longer than the article writes it ("President Zelensky" for "le président
    Volodymyr Zelensky"): one of its capitalised words, written there, is enough, as for a
    claim's speaker; but not one the article also writes in lower case ("Les" of "Les services
    de renseignement" is no name, and is written everywhere). A name all of whose content words
    are written there, in any of their forms, is the article's too ("les services de
    renseignement ukrainiens" for "les services de renseignement militaire ukrainien"), as the
    wording rule reads a claim's words.
    """
    value = str(value).strip()
    common = article.checker.lower_case_words
    words = [
        word
        for word in _NAME_WORD.findall(value)
        if len(word) > 2 and word[0].isupper() and word.lower() not in common
    ]
    rule: RecordRule = "names" if kind == "name" else "dates"
    what = "the name" if kind == "name" else "the date"
    if not (article.checker.in_article(value) or any(article.checker.in_article(w) for w in words)):
        message = f"{name}: {what} “{value}” occurs nowhere in the article"
    elif mentions(near, value) or (
        kind == "name"
        and (
            any(mentions(near, word) for word in words)
            or (content_words(value) and not uncarried(value, around))
        )
    ):
        return []
    else:
        message = f"{name}: the article writes {what} “{value}”, but not near its evidence"
    return [RecordProblem(field=name, rule=rule, blocking=True, message=message, subject=value)]


def reask_lines(number: int, record: TaskRecord) -> list[str]:
    """What to tell the model about record `number` so that it can fix it."""
    lines = []
    for problem in record.support.blocking:
        subject = problem.subject or ""
        if problem.rule == "quotation":
            line = (
                f"Record {number}, {problem.field}: the article does not put “{subject}” between quotation "
                "marks; give only words it quotes, or leave the record out."
            )
        elif problem.rule == "quotes":
            line = (
                f"Record {number}, {problem.field}: “{subject}” is not in the article word for word; "
                "copy it character for character."
            )
            if not subject:
                line = f"Record {number} has no {problem.field}; quote the article."
        elif problem.rule == "numbers":
            line = (
                f"Record {number} gives {subject} as {problem.field}; "
                f"quote the passage of the article that says {subject}."
            )
        elif problem.rule == "names":
            line = (
                f"Record {number} gives “{subject}” as {problem.field}, which the article does not write "
                "near its quotes; copy the name the article writes there."
            )
        else:
            line = (
                f"Record {number} gives “{subject}” as {problem.field}, which the article does not write "
                "near its quotes; give the date as the article writes it there."
            )
        lines.append(line)
    return lines
