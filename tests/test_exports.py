"""claimex export: every span of every format gives back its quote, counted as the tool counts.

The article holds what offsets trip on: an emoji outside the Basic Multilingual Plane (two
UTF-16 units, one code point), letters written with combining accents (two code points, one
grapheme), a family emoji (seven code points, one grapheme) and an elided quote (two spans).
Results are made by claimex's own verifier from written claims; no span is written by hand.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from claimex.cli import app
from claimex.exports.offsets import Offsets, slice_in
from claimex.models import Claim, Result
from claimex.output import json_bytes
from claimex.pipeline import reverify, source_of, stats_of
from claimex.text.documents import load_document

runner = CliRunner()
ARTICLE = (
    "Valmeyre 🔥 : la maire 👨‍👩‍👧‍👦 Claire Dubreuil a confirme\u0301 dimanche que 1 500 habitants "
    "ont été évacués après l'incendie de l'usine Solvéra.\n\n"
    "Selon la préfecture, trois personnes ont été légèrement blessées et quarante pompiers "
    "restaient mobilisés lundi matin.\n"
)
CLAIMS = [
    {
        "statement": "1 500 habitants ont été évacués après l'incendie de l'usine Solvéra.",
        "type": "quantity",
        "speaker": "Claire Dubreuil",
        "hedging": "reported",
        "entities": ["Claire Dubreuil", "Solvéra"],
        "quantities": [{"text": "1 500", "value": 1500, "unit": "habitants"}],
        "evidence": [
            "Claire Dubreuil a confirmé dimanche que 1 500 habitants ont été évacués après l'incendie de "
            "l'usine Solvéra"
        ],
    },
    {
        "statement": "Trois personnes ont été légèrement blessées et quarante pompiers restaient mobilisés.",
        "type": "quantity",
        "speaker": "la préfecture",
        "hedging": "reported",
        "quantities": [{"text": "trois", "value": 3}, {"text": "quarante", "value": 40}],
        # An elided quote: two spans, one discontinuous annotation in brat.
        "evidence": [
            "trois personnes ont été légèrement blessées [...] quarante pompiers restaient mobilisés"
        ],
    },
    {
        "statement": "Douze camions ont brûlé.",
        "type": "quantity",
        "speaker": "la préfecture",
        "hedging": "asserted",
        "evidence": ["douze camions ont brûlé"],  # not in the article: no span to export
    },
]


@pytest.fixture
def result_file(tmp_path: Path) -> Path:
    article = tmp_path / "valmeyre.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    document = load_document(article)
    checked = reverify(document, {"claims": json.loads(json.dumps(CLAIMS))}, name="claims")
    for claim in checked["claims"]:  # what schema 2.2 adds: read around, never choked on
        claim["checkworthiness"] = {"score": 0.8, "reasons": ["a figure (40)"]}
        claim["speaker_spans"] = [[0, 3]]
    claims = [Claim.model_validate(claim) for claim in checked["claims"]]
    assert [claim.verified for claim in claims] == [True, True, False]
    assert len(claims[1].evidence[0].spans) == 2
    result = Result(
        source=source_of(document), provider="test", model="written", claims=claims, stats=stats_of(claims)
    )
    target = tmp_path / "valmeyre.txt.json"
    target.write_bytes(json_bytes(result))
    return target


def quotes_of(result_file: Path) -> list[tuple[str, str]]:
    """(claim type, passage) of every verified evidence span, by code points: what exports give back."""
    result = Result.model_validate_json(result_file.read_text(encoding="utf-8"))
    return [
        (claim.type.value, ARTICLE[start:end])
        for claim in result.claims
        for item in claim.evidence
        if item.status in ("exact", "normalized")
        for start, end in item.spans
    ]


def export(source: Path, to: str, *extra: str) -> Path:
    out = source.parent / f"out-{to}-{'-'.join(extra) or 'default'}"
    done = runner.invoke(
        app, ["export", str(source), "--to", to, "-o", str(out), *extra], catch_exceptions=False
    )
    assert done.exit_code == 0, done.output
    return out


def test_offsets_count_as_each_unit_does() -> None:
    text = "a😀b e\u0301x 👨‍👩‍👧‍👦!"
    b, x, bang = text.index("b"), text.index("x"), text.index("!")
    utf16 = Offsets(text, "utf-16")
    assert (utf16.start(b), utf16.start(x)) == (b + 1, x + 1)  # the emoji is two units
    assert slice_in(text, utf16.start(b), utf16.end(x + 1), "utf-16") == text[b : x + 1]
    graphemes = Offsets(text, "graphemes")
    assert graphemes.start(x) == x - 1  # e + U+0301 is one grapheme
    # The family emoji's 7 code points are one grapheme, and so are e + U+0301.
    assert graphemes.start(bang) == bang - 6 - 1
    assert slice_in(text, graphemes.start(b), graphemes.end(bang + 1), "graphemes") == text[b:]
    # A boundary inside a grapheme moves outward, never cutting the accent from its letter.
    inside = text.index("\u0301")
    assert (graphemes.start(inside), graphemes.end(inside)) == (
        graphemes.start(inside - 1),
        graphemes.end(inside + 1),
    )


def test_label_studio_tasks_load_in_the_sdk_with_every_span_intact(result_file: Path) -> None:
    label_interface = pytest.importorskip("label_studio_sdk.label_interface")
    out = export(result_file, "label-studio")
    interface = label_interface.LabelInterface((out / "label_config.xml").read_text(encoding="utf-8"))
    tasks = json.loads((out / "tasks.json").read_text(encoding="utf-8"))
    assert len(tasks) == 1
    task = tasks[0]
    assert interface.validate_task({"data": task["data"]})
    assert interface.validate_prediction(task["predictions"][0], return_errors=True) == []
    regions = [region for region in task["predictions"][0]["result"] if region.get("from_name") == "claim"]
    # Label Studio's Text counts code points: the offsets are claimex's own.
    assert [
        (r["value"]["labels"][0], task["data"]["text"][r["value"]["start"] : r["value"]["end"]])
        for r in regions
    ] == quotes_of(result_file)
    assert all(
        r["value"]["text"] == task["data"]["text"][r["value"]["start"] : r["value"]["end"]] for r in regions
    )
    by_name = {(r["id"], r["from_name"]): r["value"] for r in task["predictions"][0]["result"] if "id" in r}
    assert by_name[("c1e1p1", "statement")]["text"] == [CLAIMS[0]["statement"]]
    assert by_name[("c1e1p1", "speaker")]["text"] == ["Claire Dubreuil"]
    assert by_name[("c1e1p1", "verdict")]["choices"] == ["supported"]
    relations = [r for r in task["predictions"][0]["result"] if r.get("type") == "relation"]
    assert relations == [{"type": "relation", "from_id": "c2e1p1", "to_id": "c2e1p2", "direction": "right"}]
    # A label the configuration does not have is refused: the check above can fail.
    regions[0]["value"]["labels"] = ["rumour"]
    assert interface.validate_prediction(task["predictions"][0], return_errors=True)


@pytest.mark.parametrize("unit", ["utf-16", "graphemes"])
def test_doccano_offsets_in_the_units_of_its_editor(result_file: Path, unit: str) -> None:
    out = export(result_file, "doccano", *([] if unit == "utf-16" else ["--offsets", unit]))
    lines = [json.loads(line) for line in (out / "claims.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 1 and lines[0]["offsets"] == unit
    line = lines[0]
    assert line["text"] == ARTICLE
    given_back = [(label, slice_in(line["text"], start, end, unit)) for start, end, label in line["label"]]
    assert [(label, passage) for label, passage in given_back] == quotes_of(result_file)
    # After the emojis the units differ from code points: the conversion did something.
    first_start = line["label"][0][0]
    assert first_start != ARTICLE.index("Claire Dubreuil")
    labels = json.loads((out / "labels.json").read_text(encoding="utf-8"))
    assert {label["text"] for label in labels} >= {"quantity", "event"}
    assert [claim["verdict"] for claim in line["claims"]] == ["supported", "supported", "unsupported"]


def test_brat_standoff_reads_back_with_discontinuous_spans(result_file: Path) -> None:
    bratly_io = pytest.importorskip("bratly.io")
    from bratly import AttributeAnnotation, EntityAnnotation, NoteAnnotation

    out = export(result_file, "brat")
    # bratly reads the text as brat does, CR LF kept, and checks each line's text against its offsets.
    text = bratly_io.read_from_file(str(out / "valmeyre.txt"))
    assert text == ARTICLE
    annotations = bratly_io.read_and_load_ann_file(str(out / "valmeyre.ann"), no_duplicates=False)
    entities = annotations.get_annotations(EntityAnnotation)
    passages = [(entity.label, text[f.start : f.end]) for entity in entities for f in entity.fragments]
    assert passages == quotes_of(result_file)
    assert [len(entity.fragments) for entity in entities] == [1, 2]
    assert all(
        entity.content == " ".join(text[f.start : f.end] for f in entity.fragments) for entity in entities
    )
    attributes = {
        (a.component.id, a.label, tuple(a.values or ()))
        for a in annotations.get_annotations(AttributeAnnotation)
    }
    assert (entities[1].id, "Verdict", ("supported",)) in attributes
    notes = [note.value for note in annotations.get_annotations(NoteAnnotation)]
    assert any("Claire Dubreuil" in note and CLAIMS[0]["statement"] in note for note in notes)
    conf = (out / "annotation.conf").read_text(encoding="utf-8")
    assert "quantity" in conf and "Verdict\tArg:<ENTITY>, Value:supported|unsupported" in conf


def test_csv_one_row_per_claim(result_file: Path) -> None:
    out = export(result_file, "csv")
    with open(out / "claims.csv", encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file))
    assert [row["claim"] for row in rows] == ["1", "2", "3"]
    assert [row["verified"] for row in rows] == ["yes", "yes", "no"]
    assert rows[2]["statuses"] == "missing" and rows[2]["verdict"] == "unsupported" and rows[2]["problems"]
    start, end = (int(part) for part in rows[0]["spans"].split("-"))
    assert ARTICLE[start:end] == quotes_of(result_file)[0][1]
    assert rows[1]["spans"].count(";") == 1  # the elided quote's two parts


def test_export_refuses_what_is_not_a_result(tmp_path: Path) -> None:
    bad = tmp_path / "notes.json"
    bad.write_text("[1, 2", encoding="utf-8")
    done = runner.invoke(app, ["export", str(bad), "--to", "csv"])
    assert done.exit_code == 2
    assert done.output.count("\n") == 1 and str(bad) in done.output and "Traceback" not in done.output
    empty = tmp_path / "empty"
    empty.mkdir()
    done = runner.invoke(app, ["export", str(empty), "--to", "brat"])
    assert done.exit_code == 2 and "no claimex result" in done.output
