"""One writer per review tool. Each writes a folder: the pre-annotations and the configuration to
import them with, so that a reviewer opens the claims in the tool, accepts or corrects them.

What is exported is the verified evidence (quotes located `exact` or `normalized`) of every
claim, verified or not, with the claim's verdict beside it: an unverified claim whose quote is
in the article is exactly what a reviewer must look at. Fuzzy and missing quotes have no true
span and are left out of the tools (the CSV lists them).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from itertools import pairwise
from pathlib import Path, PurePosixPath
from typing import Literal
from xml.sax.saxutils import quoteattr

from ..models import ClaimType, Hedging
from ..output import write_atomically
from .offsets import Offsets, Unit
from .source import Exported, spans_of

Format = Literal["label-studio", "doccano", "brat", "csv"]
FORMATS: tuple[Format, ...] = ("label-studio", "doccano", "brat", "csv")
# The units each tool counts offsets in, unless told otherwise (`--offsets`).
DEFAULT_UNITS: dict[Format, Unit] = {
    # Label Studio's Text tag stores code points (its editor converts, since 2021).
    "label-studio": "code-points",
    # doccano's editor indexes JavaScript strings: UTF-16 code units, or grapheme clusters when
    # the project counts "grapheme clusters as one character".
    "doccano": "utf-16",
    # brat's server reads the text in Python and checks every span against it: code points.
    "brat": "code-points",
    "csv": "code-points",
}
CLAIM_TYPES = [kind.value for kind in ClaimType]
HEDGINGS = [kind.value for kind in Hedging]
VERDICTS = ["supported", "unsupported"]
# Colours for the labels of doccano and brat, one per claim type.
COLOURS = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1"]


def export(
    items: Iterable[Exported],
    out_dir: Path,
    to: Format,
    *,
    unit: Unit | None = None,
    clusters: dict[tuple[str, int], str] | None = None,
    base: Path | None = None,
) -> tuple[list[Path], int]:
    """Write `items` for tool `to` into `out_dir`; return the files written and the spans exported."""
    unit = unit or DEFAULT_UNITS[to]
    out_dir.mkdir(parents=True, exist_ok=True)
    if to == "label-studio":
        return _label_studio(items, out_dir, unit)
    if to == "doccano":
        return _doccano(items, out_dir, unit)
    if to == "brat":
        return _brat(items, out_dir, unit)
    return _csv(items, out_dir, unit, clusters or {}, base)


LABEL_STUDIO_CONFIG = """<View>
  <Labels name="claim" toName="text">
{labels}
  </Labels>
  <Text name="text" value="$text"/>
  <View visibleWhen="region-selected">
    <Header value="Statement"/>
    <TextArea name="statement" toName="text" perRegion="true" editable="true" rows="2"/>
    <Header value="Speaker"/>
    <TextArea name="speaker" toName="text" perRegion="true" editable="true"/>
    <Header value="Verdict"/>
    <Choices name="verdict" toName="text" perRegion="true">
{verdicts}
    </Choices>
    <Header value="Hedging"/>
    <Choices name="hedging" toName="text" perRegion="true">
{hedgings}
    </Choices>
  </View>
</View>
"""


def label_studio_config() -> str:
    def options(tag: str, values: list[str]) -> str:
        return "\n".join(f"      <{tag} value={quoteattr(value)}/>" for value in values)

    return LABEL_STUDIO_CONFIG.format(
        labels=options("Label", CLAIM_TYPES).replace("      <", "    <"),
        verdicts=options("Choice", VERDICTS),
        hedgings=options("Choice", HEDGINGS),
    )


def label_studio_task(item: Exported, unit: Unit = "code-points") -> tuple[dict[str, object], int]:
    """One article as a Label Studio task, its claims' evidence as one prediction."""
    offsets = Offsets(item.text, unit)
    regions: list[dict[str, object]] = []
    count = 0
    for number, claim in enumerate(item.result.claims, start=1):
        for evidence, spans in spans_of(claim):
            parts: list[str] = []
            for part, (start, end) in enumerate(spans, start=1):
                region = f"c{number}e{evidence}p{part}"
                where = {"start": offsets.start(start), "end": offsets.end(end), "text": item.text[start:end]}
                regions.append(
                    {
                        "id": region,
                        "from_name": "claim",
                        "to_name": "text",
                        "type": "labels",
                        "value": {**where, "labels": [claim.type.value]},
                    }
                )
                # Per-region answers: Label Studio shows them with the region, editable.
                for name, kind, value in (
                    ("statement", "textarea", {"text": [claim.statement]}),
                    ("speaker", "textarea", {"text": [claim.speaker]}),
                    ("verdict", "choices", {"choices": [claim.support.verdict]}),
                    ("hedging", "choices", {"choices": [claim.hedging.value]}),
                ):
                    regions.append(
                        {
                            "id": region,
                            "from_name": name,
                            "to_name": "text",
                            "type": kind,
                            "value": {"start": where["start"], "end": where["end"], **value},
                        }
                    )
                parts.append(region)
                count += 1
            # The parts of an elided quote are one quote: related, in order.
            for first, second in pairwise(parts):
                regions.append({"type": "relation", "from_id": first, "to_id": second, "direction": "right"})
    task: dict[str, object] = {
        "data": {"text": item.text, "article": item.name, "source": item.result.source.path},
        "predictions": [
            {"model_version": f"claimex {item.result.provider}/{item.result.model}", "result": regions}
        ],
    }
    return task, count


def _label_studio(items: Iterable[Exported], out_dir: Path, unit: Unit) -> tuple[list[Path], int]:
    tasks: list[dict[str, object]] = []
    count = 0
    for item in items:
        task, spans = label_studio_task(item, unit)
        tasks.append(task)
        count += spans
    write_atomically(out_dir / "tasks.json", json.dumps(tasks, ensure_ascii=False, indent=1) + "\n")
    write_atomically(out_dir / "label_config.xml", label_studio_config())
    return [out_dir / "tasks.json", out_dir / "label_config.xml"], count


def doccano_line(item: Exported, unit: Unit = "utf-16") -> tuple[dict[str, object], int]:
    """One article as a doccano sequence-labelling line: `label` is `[start, end, type]`."""
    offsets = Offsets(item.text, unit)
    labels: list[list[object]] = []
    claims: list[dict[str, object]] = []
    for number, claim in enumerate(item.result.claims, start=1):
        located = spans_of(claim)
        for _, spans in located:
            labels += [[offsets.start(start), offsets.end(end), claim.type.value] for start, end in spans]
        claims.append(
            {
                "claim": number,
                "statement": claim.statement,
                "speaker": claim.speaker,
                "type": claim.type.value,
                "hedging": claim.hedging.value,
                "verdict": claim.support.verdict,
                "spans": [[offsets.start(s), offsets.end(e)] for _, spans in located for s, e in spans],
            }
        )
    # Columns other than text and label are kept by doccano as the example's metadata.
    line: dict[str, object] = {
        "text": item.text,
        "label": labels,
        "article": item.name,
        "offsets": unit,
        "claims": claims,
    }
    return line, len(labels)


def _doccano(items: Iterable[Exported], out_dir: Path, unit: Unit) -> tuple[list[Path], int]:
    lines: list[str] = []
    count = 0
    for item in items:
        line, spans = doccano_line(item, unit)
        lines.append(json.dumps(line, ensure_ascii=False))
        count += spans
    labels = [
        {
            "text": kind,
            "suffix_key": kind[0],
            "background_color": COLOURS[n % len(COLOURS)],
            "text_color": "#ffffff",
        }
        for n, kind in enumerate(CLAIM_TYPES)
    ]
    write_atomically(out_dir / "claims.jsonl", "".join(line + "\n" for line in lines))
    write_atomically(out_dir / "labels.json", json.dumps(labels, indent=1) + "\n")
    return [out_dir / "claims.jsonl", out_dir / "labels.json"], count


BRAT_CONF = """[entities]
{entities}

[relations]

<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>

[events]

[attributes]
Verdict\tArg:<ENTITY>, Value:{verdicts}
Hedging\tArg:<ENTITY>, Value:{hedgings}
"""


def brat_conf() -> str:
    return BRAT_CONF.format(
        entities="\n".join(CLAIM_TYPES), verdicts="|".join(VERDICTS), hedgings="|".join(HEDGINGS)
    )


def brat_ann(item: Exported, unit: Unit = "code-points") -> tuple[str, int]:
    """The standoff annotations of one article: one text-bound annotation per evidence quote
    (an elided quote is one discontinuous annotation, `start end;start end`), its claim's
    verdict and hedging as attributes, its statement and speaker as a note."""
    offsets = Offsets(item.text, unit)
    lines: list[str] = []
    entity = attribute = note = 0
    for number, claim in enumerate(item.result.claims, start=1):
        for _, spans in spans_of(claim):
            entity += 1
            where = ";".join(f"{offsets.start(start)} {offsets.end(end)}" for start, end in spans)
            # brat joins the fragments' texts with a space; a line of the file holds no line break.
            shown = " ".join(_one_line(item.text[start:end]) for start, end in spans)
            lines.append(f"T{entity}\t{claim.type.value} {where}\t{shown}")
            for name, value in (("Verdict", claim.support.verdict), ("Hedging", claim.hedging.value)):
                attribute += 1
                lines.append(f"A{attribute}\t{name} T{entity} {value}")
            note += 1
            lines.append(
                f"#{note}\tAnnotatorNotes T{entity}\t"
                + _one_line(f"claim {number}: {claim.statement} — speaker: {claim.speaker}")
            )
    return "".join(line + "\n" for line in lines), entity


def _brat(items: Iterable[Exported], out_dir: Path, unit: Unit) -> tuple[list[Path], int]:
    written: list[Path] = []
    count = 0
    for item in items:
        stem = _safe_stem(item.name.removesuffix(".txt"))
        text_file = out_dir / f"{stem}.txt"
        text_file.parent.mkdir(parents=True, exist_ok=True)
        # The text byte for byte (CR LF stays CR LF): brat's offsets count every character.
        write_atomically(text_file, item.text.encode("utf-8"))
        annotations, spans = brat_ann(item, unit)
        write_atomically(out_dir / f"{stem}.ann", annotations)
        written += [text_file, out_dir / f"{stem}.ann"]
        count += spans
    write_atomically(out_dir / "annotation.conf", brat_conf())
    return [*written, out_dir / "annotation.conf"], count


CSV_FIELDS = [
    "article", "claim", "cluster", "verified", "verdict", "type", "speaker", "hedging", "statement",
    "problems", "quotes", "statuses", "spans", "entities", "quantities", "time",
]  # fmt: skip


def _csv(
    items: Iterable[Exported],
    out_dir: Path,
    unit: Unit,
    clusters: dict[tuple[str, int], str],
    base: Path | None,
) -> tuple[list[Path], int]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, CSV_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    count = 0
    for item in items:
        offsets = Offsets(item.text, unit)
        relative = item.result_path.relative_to(base).as_posix() if base else item.result_path.name
        for position, claim in enumerate(item.result.claims):
            writer.writerow(
                {
                    "article": item.name,
                    "claim": position + 1,
                    "cluster": clusters.get((relative, position), ""),
                    "verified": "yes" if claim.verified else "no",
                    "verdict": claim.support.verdict,
                    "type": claim.type.value,
                    "speaker": claim.speaker,
                    "hedging": claim.hedging.value,
                    "statement": claim.statement,
                    "problems": " | ".join(problem.message for problem in claim.support.blocking),
                    "quotes": " | ".join(evidence.quote for evidence in claim.evidence),
                    "statuses": " | ".join(evidence.status for evidence in claim.evidence),
                    "spans": " | ".join(
                        ";".join(f"{offsets.start(s)}-{offsets.end(e)}" for s, e in evidence.spans)
                        for evidence in claim.evidence
                    ),
                    "entities": " | ".join(claim.entities),
                    "quantities": " | ".join(quantity.text for quantity in claim.quantities),
                    "time": claim.time or "",
                }
            )
            count += 1
    # A BOM, so that a spreadsheet opens the file as UTF-8 (accents intact).
    write_atomically(out_dir / "claims.csv", "\ufeff" + buffer.getvalue())
    return [out_dir / "claims.csv"], count


def _one_line(text: str) -> str:
    # One character for one: the span's length is kept, so brat's check of the text still holds.
    return re.sub(r"[\r\n\t\u2028\u2029\x0b\x0c\x85]", " ", text)


def _safe_stem(name: str) -> str:
    """A relative path inside the export folder (a batch's subfolders are brat's collections)."""
    parts = [part for part in PurePosixPath(name).parts if part not in ("", ".", "..", "/")]
    return "/".join(parts) or "article"
