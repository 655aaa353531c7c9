"""A user's own task: loading refuses bad tasks in one line, records are grounded, bad ones re-asked.

The model is scripted (httpx MockTransport): its answers are chosen so that each rule can be seen
to hold or to fail. What is expected of the seed (where a quote is, who is named near it) is
read off the article by a person, not computed with the code under test. What the real embedded
model answers for the two example tasks is replayed in test_tasks_examples.py.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx2
import pytest
from rich.console import Console
from typer.testing import CliRunner

from claimex.checks.records import RecordSpec, ground_record
from claimex.checks.verdict import Article
from claimex.cli import app
from claimex.errors import TaskError
from claimex.llm.cache import open_cache
from claimex.llm.client import ModelClient
from claimex.llm.settings import resolve_settings
from claimex.models import TaskResult
from claimex.output import records_table
from claimex.pipeline import extract_task
from claimex.tasks.loading import given_tasks, load_task
from claimex.text.documents import document_from_text, load_document
from conftest import ROOT, SEED

runner = CliRunner()

ZELENSKY_QUOTE = "des assauts"
AUSTIN = "environ 10.000 le nombre de soldats nord-coréens présents dans la région de Koursk"
SYSTEM = "Find the quotations. At most {{ max_records }}."
USER = "{% if context_header %}{{ context_header }}\n{% endif %}Article:\n{{ text }}"


def write_task(folder: Path, *, manifest: str | None = None, **files: str | bytes) -> Path:
    """A task folder: a quotations task by default, with any file replaced or added."""
    folder.mkdir(parents=True, exist_ok=True)
    contents: dict[str, str | bytes] = {
        "task.toml": manifest
        if manifest is not None
        else 'fields = "speaker name: who speaks, quote evidence: the words"\n',
        "system.j2": SYSTEM,
        "user.j2": USER,
        **files,
    }
    for name, content in contents.items():
        if content is None:
            continue
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def completion(arguments: dict[str, Any]) -> dict[str, Any]:
    call = {
        "id": "c",
        "type": "function",
        "function": {"name": "TaskRecords", "arguments": json.dumps(arguments)},
    }
    return {
        "id": "x",
        "object": "chat.completion",
        "created": 0,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "finish_reason": "tool_calls",
                "message": {"role": "assistant", "content": None, "tool_calls": [call]},
            }
        ],
        "usage": {"prompt_tokens": 50, "completion_tokens": 10, "total_tokens": 60},
    }


class ScriptedModel:
    """Gives its answers in turn (the last one again when they run out); records what it was asked."""

    def __init__(self, *answers: list[dict[str, Any]]) -> None:
        self.answers = list(answers)
        self.requests: list[dict[str, Any]] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(json.loads(request.content))
        answer = self.answers[min(len(self.requests), len(self.answers)) - 1]
        return httpx2.Response(200, json=completion({"records": answer}))

    def client(self, cache_dir: Path | None = None) -> ModelClient:
        settings = resolve_settings(
            provider="compatible", base_url="http://model.test/v1", model="m", mode="tools", environ={}
        )
        settings = replace(settings, max_attempts=1)
        return ModelClient(
            settings,
            cache=open_cache(cache_dir) if cache_dir is not None else None,
            http_client=httpx2.Client(transport=httpx2.MockTransport(self)),
        )


def run_task(task: Any, model: ScriptedModel, text: str | None = None, **options: Any) -> TaskResult:
    document = load_document(SEED) if text is None else document_from_text(text)
    return extract_task(document, model.client(options.pop("cache_dir", None)), task, **options)


def refused(path: Path) -> str:
    with pytest.raises(TaskError) as error:
        load_task(path)
    message = str(error.value)
    assert "\n" not in message
    return message


# --- bad tasks: one line naming the file and the problem ------------------------------------------


def test_a_missing_template_is_named(tmp_path: Path) -> None:
    task = write_task(tmp_path / "t")
    (task / "user.j2").unlink()
    assert refused(task) == f"{task / 'user.j2'}: the user template is missing"


def test_an_unreadable_template_is_named(tmp_path: Path) -> None:
    task = write_task(tmp_path / "t", **{"user.j2": b"Article: \xff\xfe {{ text }}"})
    assert refused(task) == f"{task / 'user.j2'}: the user template is not UTF-8 text"
    (task / "user.j2").unlink()
    (task / "user.j2").mkdir()
    assert refused(task) == f"{task / 'user.j2'}: the user template is a folder, not a file"


def test_a_misspelt_variable_is_named_with_the_variables_there_are(tmp_path: Path) -> None:
    task = write_task(tmp_path / "t", **{"user.j2": "Article:\n{{ txt }}"})
    assert refused(task) == (
        f"{task / 'user.j2'}: unknown variable “txt”; "
        "a task's templates may use text, max_records, context_header, max_evidence"
    )


def test_an_undefined_attribute_fails_at_load_not_at_the_first_article(tmp_path: Path) -> None:
    task = write_task(tmp_path / "t", **{"system.j2": "{{ text.title_case }}"})
    message = refused(task)
    assert message.startswith(f"{task / 'system.j2'}: the system template fails: ")
    assert "title_case" in message


def test_the_sandbox_refuses_python_internals(tmp_path: Path) -> None:
    task = write_task(tmp_path / "t", **{"system.j2": "{{ text.__class__.__mro__ }}"})
    assert refused(task).startswith(f"{task / 'system.j2'}: the system template fails: ")


def test_a_template_syntax_error_is_named_with_its_line(tmp_path: Path) -> None:
    task = write_task(tmp_path / "t", **{"user.j2": "Article:\n{% if text %}\n{{ text }}\n"})
    message = refused(task)
    assert message.startswith(f"{task / 'user.j2'}:")
    assert "template syntax error" in message and "endif" in message


def test_a_python_schema_that_fails_to_import_is_named(tmp_path: Path) -> None:
    manifest = 'schema = "schema.py"\nevidence = ["quote"]\n'
    task = write_task(tmp_path / "t", manifest=manifest, **{"schema.py": "import no_such_module_here\n"})
    assert refused(task) == (
        f"{task / 'schema.py'}: cannot import: ModuleNotFoundError: No module named 'no_such_module_here'"
    )
    (task / "schema.py").write_text("class Quote(BaseModel:\n", encoding="utf-8")
    assert refused(task).startswith(f"{task / 'schema.py'}:1: cannot import: SyntaxError")


def test_a_python_schema_with_no_model_is_named(tmp_path: Path) -> None:
    manifest = 'schema = "schema.py"\nevidence = ["quote"]\n'
    task = write_task(
        tmp_path / "t", manifest=manifest, **{"schema.py": "from pydantic import BaseModel\nX = 1\n"}
    )
    assert refused(task) == (
        f"{task / 'schema.py'}: defines no pydantic model (a class deriving from pydantic.BaseModel)"
    )


def test_an_invalid_json_schema_is_named_with_where(tmp_path: Path) -> None:
    schema = {"type": "object", "properties": {"quote": {"type": "strin"}}}
    manifest = 'schema = "schema.json"\nevidence = ["quote"]\n'
    task = write_task(tmp_path / "t", manifest=manifest, **{"schema.json": json.dumps(schema)})
    message = refused(task)
    assert message.startswith(f"{task / 'schema.json'}: invalid JSON Schema at properties/quote/type: ")
    (task / "schema.json").write_text("{not json", encoding="utf-8")
    assert (
        refused(task)
        == f"{task / 'schema.json'}: not JSON: Expecting property name enclosed in double quotes (line 1)"
    )


def test_a_recursive_json_schema_is_refused(tmp_path: Path) -> None:
    schema = {
        "$defs": {
            "Node": {
                "type": "object",
                "properties": {"quote": {"type": "string"}, "next": {"$ref": "#/$defs/Node"}},
            }
        },
        "$ref": "#/$defs/Node",
    }
    manifest = 'schema = "schema.json"\nevidence = ["quote"]\n'
    task = write_task(tmp_path / "t", manifest=manifest, **{"schema.json": json.dumps(schema)})
    assert refused(task) == (
        f"{task / 'schema.json'}: recursive schema: #/$defs/Node refers back to itself; "
        "a record must be finite"
    )


def test_a_recursive_python_model_is_refused(tmp_path: Path) -> None:
    source = (
        "from __future__ import annotations\nfrom pydantic import BaseModel\n\n"
        "class Node(BaseModel):\n    quote: str\n    next: Node | None = None\n"
    )
    manifest = 'schema = "schema.py"\nevidence = ["quote"]\n'
    task = write_task(tmp_path / "t", manifest=manifest, **{"schema.py": source})
    assert (
        refused(task)
        == f"{task / 'schema.py'}: the record is recursive: Node holds itself; a record must be finite"
    )


def test_a_task_without_evidence_is_refused(tmp_path: Path) -> None:
    task = write_task(tmp_path / "t", manifest='fields = "speaker: who speaks, words: what they say"\n')
    assert refused(task) == (
        f"{task / 'task.toml'}: no evidence field: name the fields that quote the article, "
        'as evidence = ["quote"] (or type them `evidence` in a field list)'
    )


def test_an_evidence_field_that_is_not_text_is_refused(tmp_path: Path) -> None:
    task = write_task(
        tmp_path / "t", manifest='fields = "speaker: who speaks, count int: how many"\nevidence = ["count"]\n'
    )
    assert refused(task) == (
        f"{task / 'task.toml'}: the evidence field “count” must be a string or a list of strings, not int"
    )
    schema = {
        "type": "object",
        "properties": {"quote": {"type": "array", "items": {"type": "integer"}}},
        "required": ["quote"],
    }
    manifest = 'schema = "schema.json"\nevidence = ["quote"]\n'
    write_task(task, manifest=manifest, **{"schema.json": json.dumps(schema)})
    assert refused(task) == (
        f"{task / 'task.toml'}: the evidence field “quote” must be a string or a list of strings, "
        "not list[int]"
    )


def test_a_misspelt_manifest_key_or_field_is_named(tmp_path: Path) -> None:
    task = write_task(tmp_path / "t", manifest='fields = "quote evidence: the words"\nevidense = ["quote"]\n')
    assert refused(task).startswith(f"{task / 'task.toml'}: unknown key 'evidense'; the keys are ")
    write_task(task, manifest='fields = "quote evidence: the words"\n[values]\nspeaker = "name"\n')
    assert (
        refused(task)
        == f"{task / 'task.toml'}: the value field “speaker” is not in the record (its fields: quote)"
    )


@pytest.mark.parametrize(
    "broken",
    [
        {"user.j2": "{{ txt }}"},
        {"system.j2": "{% for %}"},
        {"task.toml": 'fields = "speaker: who speaks"\n'},
    ],
    ids=["misspelt variable", "syntax error", "no evidence"],
)
def test_the_cli_refuses_a_bad_task_in_one_line_exit_2_before_any_model(
    tmp_path: Path, broken: dict[str, str]
) -> None:
    task = write_task(tmp_path / "t", **broken)
    # A server nobody listens on: had the model been asked, the exit would be 1 (unreachable).
    args = ["extract", str(SEED), "--task", str(task), "--base-url", "http://127.0.0.1:9/v1"]
    result = runner.invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"claimex: error: {task}"), result.stderr
    assert "Traceback" not in result.output and result.stdout == ""
    check = runner.invoke(app, ["tasks", "check", str(task)], catch_exceptions=False)
    assert check.exit_code == 2 and check.stderr.strip() == lines[0]


# --- the templates: documented variables, the article as data ------------------------------------


def test_an_article_with_template_syntax_reaches_the_model_as_written(tmp_path: Path) -> None:
    article = 'Le maire a dit « {{ 7*7 }} et {% include "/etc/passwd" %} » jeudi.\n'
    model = ScriptedModel([])
    run_task(load_task(write_task(tmp_path / "t")), model, text=article)

    (request,) = model.requests
    user = request["messages"][1]["content"]
    assert user == "Article:\n" + article.strip()
    assert "49" not in user
    # The compatible preset's cap on one chunk's records (--max-claims).
    assert request["messages"][0]["content"] == "Find the quotations. At most 30."


def test_a_one_file_task_and_a_one_file_prompt_load_as_a_folder_does(tmp_path: Path) -> None:
    one = tmp_path / "quotes.toml"
    one.write_text(
        'fields = "speaker name: who, quote evidence: the words"\n'
        f'system = """{SYSTEM}"""\nuser = """{USER}"""\n',
        encoding="utf-8",
    )
    blocks = write_task(
        tmp_path / "blocks",
        **{
            "prompt.j2": "{% block system %}"
            + SYSTEM
            + "{% endblock %}{% block user %}"
            + USER
            + "{% endblock %}"
        },
    )
    (blocks / "system.j2").unlink()
    (blocks / "user.j2").unlink()
    folder = load_task(write_task(tmp_path / "folder"))
    for task in (load_task(one), load_task(blocks)):
        assert task.messages("Un texte.", max_records=3) == folder.messages("Un texte.", max_records=3)
    assert load_task(one).name == "quotes"


# --- grounding: evidence located, values carried ---------------------------------------------------


SPEC = RecordSpec(evidence=("quote",), values={"speaker": "name"})


def test_a_quotation_whose_speaker_is_named_beside_it_is_verified(seed_text: str) -> None:
    record = ground_record(
        {"speaker": "Volodymyr Zelensky", "quote": ZELENSKY_QUOTE}, SPEC, Article.of(seed_text)
    )

    assert record.verified and record.support.problems == []
    ((start, end),) = record.evidence["quote"][0].spans
    assert seed_text[start:end] == ZELENSKY_QUOTE
    # A name given longer than the article writes it still names the same person.
    assert ground_record(
        {"speaker": "President Zelensky", "quote": ZELENSKY_QUOTE}, SPEC, Article.of(seed_text)
    ).verified


def test_a_speaker_the_article_names_elsewhere_or_nowhere_is_not_verified(seed_text: str) -> None:
    article = Article.of(seed_text)
    far = ground_record({"speaker": "Lloyd Austin", "quote": ZELENSKY_QUOTE}, SPEC, article)
    nowhere = ground_record({"speaker": "Emmanuel Macron", "quote": ZELENSKY_QUOTE}, SPEC, article)

    assert not far.verified and not nowhere.verified
    assert [p.message for p in far.support.problems] == [
        "speaker: the article writes the name “Lloyd Austin”, but not near its evidence"
    ]
    assert [p.message for p in nowhere.support.problems] == [
        "speaker: the name “Emmanuel Macron” occurs nowhere in the article"
    ]
    # The lede names them so, far from Zelensky's words; "Les" is no name of its own.
    lede = ground_record(
        {"speaker": "Les services de renseignement ukrainiens", "quote": ZELENSKY_QUOTE}, SPEC, article
    )
    assert [p.message for p in lede.support.problems] == [
        "speaker: the article writes the name “Les services de renseignement ukrainiens”, "
        "but not near its evidence"
    ]
    # Beside the GUR's figure the article names them in other forms of the same words.
    thirty = "au moins 30 soldats nord-coréens auraient été tués ou blessés ce week-end"
    gur = ground_record(
        {"speaker": "Les services de renseignement ukrainiens", "quote": thirty}, SPEC, article
    )
    assert gur.verified, gur.support.problems


def test_a_quotation_must_stand_between_quotation_marks(seed_text: str) -> None:
    spec = RecordSpec(evidence=("quote",), values={"speaker": "name"}, quotations=("quote",))
    article = Article.of(seed_text)
    reported = "au moins 30 soldats nord-coréens auraient été tués ou blessés ce week-end"
    past_the_end = "des assauts » dans la région de Koursk"

    for quote in (ZELENSKY_QUOTE, "« des assauts »", "une autre étape"):
        assert ground_record({"speaker": "Zelensky", "quote": quote}, spec, article).verified, quote
    for speaker, quote in (("GUR", reported), ("Zelensky", past_the_end)):
        record = ground_record({"speaker": speaker, "quote": quote}, spec, article)
        assert record.evidence["quote"][0].verified, "located, and still no quotation"
        assert not record.verified
        assert [p.message for p in record.support.problems] == [
            f"quote: the article does not put “{quote}” between quotation marks"
        ]
    # Reported speech is evidence enough for a task that does not ask for quotations.
    assert ground_record({"speaker": "GUR", "quote": reported}, SPEC, article).verified


def test_a_changed_quote_is_fuzzy_and_never_verified(seed_text: str) -> None:
    record = ground_record(
        {"speaker": "Zelensky", "quote": "des assauts massifs"}, SPEC, Article.of(seed_text)
    )
    assert not record.verified
    assert record.evidence["quote"][0].status in ("fuzzy", "missing")
    assert record.support.problems[0].rule == "quotes" and record.support.problems[0].field == "quote"


def test_a_number_value_must_be_the_value_its_evidence_states(seed_text: str) -> None:
    spec = RecordSpec(evidence=("passage",), values={"value": "number", "source": "name", "when": "date"})
    article = Article.of(seed_text)
    right = {"value": 10000, "source": "Lloyd Austin", "when": "Fin novembre", "passage": AUSTIN}

    assert ground_record(right, spec, article).verified
    assert ground_record({**right, "value": "10 000"}, spec, article).verified, (
        "the same value, other typography"
    )
    wrong = ground_record({**right, "value": 11000}, spec, article)
    assert not wrong.verified
    assert [p.message for p in wrong.support.problems] == [
        "value: 11000 is in none of its quotes (they give 10000)"
    ]
    late = ground_record({**right, "when": "samedi"}, spec, article)
    assert [p.message for p in late.support.problems] == [
        "when: the article writes the date “samedi”, but not near its evidence"
    ]


# --- asking: one call per chunk, a bad record re-asked once naming it ------------------------------


def test_a_quote_not_in_the_article_is_asked_again_once_naming_it(tmp_path: Path, seed_text: str) -> None:
    bad = [{"speaker": "Volodymyr Zelensky", "quote": "des assauts répétés"}]
    good = [{"speaker": "Volodymyr Zelensky", "quote": ZELENSKY_QUOTE}]
    model = ScriptedModel(bad, good)
    result = run_task(load_task(write_task(tmp_path / "t")), model)

    assert len(model.requests) == 2 == result.stats.requests
    reask = json.dumps(model.requests[1]["messages"], ensure_ascii=False)
    assert "Record 1, quote: “des assauts répétés” is not in the article word for word" in reask
    (record,) = result.records
    assert record.verified and record.fields == good[0]
    assert result.task.name == "t" and len(result.task.sha256) == 64


def test_a_record_still_wrong_after_the_re_ask_is_kept_marked(tmp_path: Path) -> None:
    wrong = [{"speaker": "Emmanuel Macron", "quote": ZELENSKY_QUOTE}]
    model = ScriptedModel(wrong)
    result = run_task(load_task(write_task(tmp_path / "t")), model)

    assert len(model.requests) == 2, "asked once more, not more"
    assert "“Emmanuel Macron” as speaker, which the article does not write near its quotes" in json.dumps(
        model.requests[1]["messages"], ensure_ascii=False
    )
    (record,) = result.records
    assert not record.verified and record.support.problems[0].rule == "names"
    assert result.stats.verified == 0 and any("still failed" in w for w in result.warnings)


def test_the_cache_key_holds_the_task_editing_it_asks_again(tmp_path: Path) -> None:
    good = [{"speaker": "Volodymyr Zelensky", "quote": ZELENSKY_QUOTE}]
    model = ScriptedModel(good)
    folder = write_task(tmp_path / "t")
    cache = tmp_path / "cache"
    first = run_task(load_task(folder), model, cache_dir=cache)
    again = run_task(load_task(folder), model, cache_dir=cache)
    assert len(model.requests) == 1 and again.stats.cache_hit and again.records == first.records
    # The checks decide the re-ask, so they are part of the key though the request is the same.
    (folder / "task.toml").write_text(
        'fields = "speaker name: who speaks, quote evidence: the words"\n# edited\n'
    )
    edited = run_task(load_task(folder), model, cache_dir=cache)
    assert len(model.requests) == 2 and not edited.stats.cache_hit
    assert edited.task.sha256 != first.task.sha256


# --- schemas: a field list, a JSON Schema, a pydantic model; bounds --------------------------------


def test_a_python_model_keeps_its_validators_and_gets_bounds(tmp_path: Path) -> None:
    source = (
        "from pydantic import BaseModel, Field, field_validator\n\n"
        "class Quotation(BaseModel):\n"
        '    """A direct quotation."""\n'
        "    speaker: str = Field(max_length=50)\n"
        "    quote: str\n"
        "    topics: list[str] = []\n\n"
        "    @field_validator('speaker')\n"
        "    @classmethod\n"
        "    def no_outlet(cls, value: str) -> str:\n"
        "        if value == 'the outlet':\n"
        "            raise ValueError('a quotation has a speaker')\n"
        "        return value\n"
    )
    manifest = 'schema = "schema.py"\nevidence = ["quote"]\n[values]\nspeaker = "name"\n'
    task = load_task(write_task(tmp_path / "t", manifest=manifest, **{"schema.py": source}))

    schema = task.record.model.model_json_schema()
    assert schema["properties"]["speaker"]["maxLength"] == 50, "the task's own bound is kept"
    assert schema["properties"]["quote"]["maxLength"] == 400
    assert (
        schema["properties"]["topics"]["maxItems"] == 3
        and schema["properties"]["topics"]["items"]["maxLength"] == 200
    )
    assert task.record.bounds == (
        "quote: at most 400 characters",
        "topics[]: at most 200 characters",
        "topics: at most 3 items",
    )
    with pytest.raises(ValueError, match="a quotation has a speaker"):
        task.record.model(speaker="the outlet", quote="x")


def test_tasks_check_shows_the_prompt_the_schema_and_the_bounds() -> None:
    result = runner.invoke(app, ["tasks", "check", "quotes"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "speaker        value (name): a name the article writes near its evidence" in out
    assert "quote          evidence, a quotation: located in the article, between quotation marks" in out
    assert "quote: at most 400 characters" in out and "records: at most 8 per chunk" in out
    assert "--- single: system message ---\nYou find the direct quotations" in out
    assert "« Nous rétablirons tout d'ici vendredi », a déclaré son directeur, Marc Lenoir." in out
    assert "about the sentences with a quotation mark" in out
    # Per sentence, the sample's first sentence the task asks about: the quoted one.
    assert (
        "--- sentences: user message ---\nTitle: Crues dans l'Arvel : la préfecture fait le point\n"
        "Sentence: « Nous rétablirons tout d'ici vendredi », a déclaré son directeur, Marc Lenoir."
    ) in out
    schema = json.loads(out.split("--- the schema the answer must fill ---\n", 1)[1])
    assert schema["properties"]["records"]["maxItems"] == 8


def test_tasks_lists_the_given_tasks() -> None:
    assert set(given_tasks()) == {"claims", "quotes", "figures"}
    result = runner.invoke(app, ["tasks"], catch_exceptions=False)
    assert result.exit_code == 0
    # The built-in claims first: the default, loaded as the others are.
    assert [line.split()[0] for line in result.stdout.splitlines()] == ["claims", "figures", "quotes"]


def test_the_table_shows_any_task_s_fields_and_verdicts(tmp_path: Path) -> None:
    answer = [
        {"speaker": "Volodymyr Zelensky", "quote": ZELENSKY_QUOTE},
        {"speaker": "Emmanuel Macron", "quote": "une autre étape"},
    ]
    result = run_task(load_task(ROOT / "examples" / "tasks" / "quotes"), ScriptedModel(answer, answer))
    console = Console(record=True, width=400)
    console.print(records_table(result))
    shown = console.export_text()
    assert "speaker" in shown and "quote: status, offsets, quote" in shown
    assert "Volodymyr Zelensky" in shown and "exact" in shown
    assert "✘ speaker: the name “Emmanuel Macron” occurs nowhere in the article" in shown
    assert "1/2 records verified" in shown
    TaskResult.model_validate_json(result.model_dump_json())


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            ["--task", "no-such-task"],
            "no-such-task: no such task folder or file (given tasks: claims, figures, quotes)",
        ),
        (
            ["--task", "quotes", "--min-checkworthiness", "0.5"],
            "--min-checkworthiness ranks claims; the records of the task quotes are all kept",
        ),
        (
            ["--task", "quotes", "--strategy", "paragraphs"],
            "unknown strategy 'paragraphs'; choose one of: single, sentences",
        ),
    ],
    ids=["unknown task", "checkworthiness", "unknown strategy"],
)
def test_extract_task_refuses_what_it_cannot_do_in_one_line(options: list[str], message: str) -> None:
    args = ["extract", str(SEED), *options, "--base-url", "http://127.0.0.1:9/v1"]
    result = runner.invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == f"claimex: error: {message}"
