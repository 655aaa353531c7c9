"""Tasks asked sentence by sentence, and the built-in claims as a task.

A task that gives per-sentence templates (`sentence_system.j2`, `sentence_user.j2`, or those
blocks of `prompt.j2`) is asked about each sentence claimex keeps that it names (`sentences =
"every" | "quoted" | "figures"`), with documented variables only. The built-in claims are a task
too (`prompts/claims/`), loaded as any other: `--task claims` is the default, and a user's task
with `record = "claims"` asks claimex's claims with its own templates.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import httpx2
import pytest
from typer.testing import CliRunner

from claimex.cli import app
from claimex.errors import InputError, TaskError
from claimex.models import Result, TaskResult
from claimex.pipeline import extract_task
from claimex.tasks.loading import builtin_path, load_task
from claimex.text.documents import document_from_text
from claimex.text.selection import select_sentences
from conftest import ROOT, SEED
from test_tasks import SYSTEM, USER, ScriptedModel, completion, refused, run_task, write_task

runner = CliRunner()

SENTENCE_SYSTEM = "You list the quotations of one sentence. At most {{ max_records }}."
SENTENCE_USER = (
    "{% if title %}Title: {{ title }}\n{% endif %}{% if before %}Before: {{ before }}\n{% endif %}"
    "Sentence: {{ sentence }}\n{% for letter, name in speakers %}{{ letter }}: {{ name }}\n{% endfor %}"
)
MARKS = '«»“”„"'


def sentence_task(folder: Path, manifest: str = "", **files: Any) -> Path:
    return write_task(
        folder,
        manifest='fields = "speaker name: who speaks, quote evidence: the words"\n' + manifest,
        **{"sentence_system.j2": SENTENCE_SYSTEM, "sentence_user.j2": SENTENCE_USER, **files},
    )


def asked_sentences(model: ScriptedModel) -> list[str]:
    users = [request["messages"][1]["content"] for request in model.requests]
    return [next(line for line in user.splitlines() if line.startswith("Sentence: "))[10:] for user in users]


def kept_sentences(text: str) -> list[str]:
    return [text[s.start : s.end].strip() for s in select_sentences(text) if s.skip is None]


# --- which sentences are asked about ---------------------------------------------------------------


def test_every_kept_sentence_is_asked_about_by_default(tmp_path: Path, seed_text: str) -> None:
    model = ScriptedModel([])
    result = run_task(load_task(sentence_task(tmp_path / "t")), model, strategy="sentences")
    assert isinstance(result, TaskResult) and result.strategy == "sentences"
    assert asked_sentences(model) == kept_sentences(seed_text)
    assert result.stats.sentences == len(model.requests) > 5 and result.complete


def test_a_quotations_task_asks_only_about_sentences_with_a_quotation_mark(seed_text: str) -> None:
    model = ScriptedModel([])
    result = run_task(load_task("quotes"), model, strategy="sentences")
    quoted = [s for s in kept_sentences(seed_text) if any(mark in s for mark in MARKS)]
    assert len(quoted) >= 2, "the seed quotes Zelensky and the GUR"
    asked = asked_sentences(model)
    assert asked == quoted
    assert result.stats.sentences == len(quoted) < len(kept_sentences(seed_text))


def test_a_figures_task_asks_only_about_sentences_with_a_figure(seed_text: str) -> None:
    model = ScriptedModel([])
    run_task(load_task("figures"), model, strategy="sentences")
    asked = asked_sentences(model)
    kept = kept_sentences(seed_text)
    assert set(asked) < set(kept)
    assert any("50.000" in sentence for sentence in asked) and any("10.000" in sentence for sentence in asked)
    # "les deux pays" is a figure to claimex's reader; a sentence with no number at all is not asked.
    assert any("les deux pays" in sentence for sentence in asked)
    assert not any(sentence.startswith("Ni confirmation, ni démenti") for sentence in asked)
    assert not any(sentence.startswith("Si le Kremlin a jusqu’ici éludé") for sentence in asked)


def test_a_sentence_s_records_are_grounded_at_that_sentence(tmp_path: Path, seed_text: str) -> None:
    quote = "des assauts"
    start = seed_text.find(quote)
    assert start > 0
    model = ScriptedModel([{"speaker": "le président Volodymyr Zelensky", "quote": quote}])
    result = run_task(load_task(sentence_task(tmp_path / "t")), model, strategy="sentences")
    located = [record.evidence["quote"][0] for record in result.records]
    # Every sentence was answered with the same record; it is the one place the words are.
    assert located and all(item.status == "exact" for item in located)
    assert {tuple(map(tuple, item.spans)) for item in located} == {((start, start + len(quote)),)}
    assert len(result.records) == 1, "the same record from several sentences is kept once"


def test_the_title_before_and_speakers_reach_the_template_and_the_article_stays_data(tmp_path: Path) -> None:
    text = (
        "Crues dans l'Arvel : la préfecture fait le point\n\n"
        "La préfecture a compté 800 évacués jeudi. "
        "Selon le ministère, le {{ 7*7 }} et {% include 'x' %} 1 200 foyers restent sans courant.\n"
    )
    model = ScriptedModel([])
    run_task(load_task(sentence_task(tmp_path / "t")), model, text=text, strategy="sentences")
    last = model.requests[-1]["messages"][-1]["content"]
    assert "Title: Crues dans l'Arvel : la préfecture fait le point" in last
    assert "Before: La préfecture a compté 800 évacués jeudi." in last
    assert "{{ 7*7 }} et {% include 'x' %}" in last, "the article reaches the model as written"
    assert "A: the article itself" in last and "B: le ministère" in last


class FailingOnce(ScriptedModel):
    """No records for every sentence, but an answer that fits no schema about one of them."""

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        self.requests.append(body)
        if "Sentence: Ni confirmation, ni démenti" in body["messages"][1]["content"]:
            return httpx2.Response(200, json=completion({"nothing": "here"}))
        return httpx2.Response(200, json=completion({"records": []}))


def test_a_failed_sentence_is_a_partial_result_and_the_others_are_kept(tmp_path: Path) -> None:
    model = FailingOnce()
    result = run_task(load_task(sentence_task(tmp_path / "t")), model, strategy="sentences")
    assert isinstance(result, TaskResult)
    assert result.stats.failed_sentences == 1 and not result.complete
    asked = asked_sentences(model)
    assert result.stats.sentences == len(set(asked)) == len(asked) - 1 > 2, "asked twice: the re-ask"
    assert not asked[-1].startswith("Ni confirmation"), "the sentences after it were asked"
    assert sum("no records from the model" in warning for warning in result.warnings) == 1


# --- bad per-sentence tasks: one line, before anything is asked ------------------------------------


def test_half_a_pair_of_sentence_templates_is_named(tmp_path: Path) -> None:
    task = sentence_task(tmp_path / "t")
    (task / "sentence_user.j2").unlink()
    assert refused(task) == f"{task / 'sentence_user.j2'}: the sentence user template is missing"


def test_a_per_sentence_template_may_use_only_the_sentence_variables(tmp_path: Path) -> None:
    task = sentence_task(tmp_path / "t", **{"sentence_user.j2": "Sentence: {{ text }}"})
    assert refused(task) == (
        f"{task / 'sentence_user.j2'}: unknown variable “text”; a task's per-sentence templates may use "
        "sentence, title, before, speakers, instruction, quotations, figures, max_records, max_evidence"
    )


def test_sentences_must_be_one_of_the_choices_and_needs_sentence_templates(tmp_path: Path) -> None:
    task = sentence_task(tmp_path / "t", 'sentences = "paragraphs"\n')
    assert refused(task) == (
        f"{task / 'task.toml'}: sentences = 'paragraphs' is not one of 'every', 'quoted', 'figures'"
    )
    plain = write_task(
        tmp_path / "p",
        manifest='fields = "speaker name: who, quote evidence: the words"\nsentences = "quoted"\n',
    )
    assert "chooses the sentences of per-sentence templates" in refused(plain)


def test_a_strategy_the_task_gives_no_templates_for_is_refused_in_one_line(tmp_path: Path) -> None:
    task = write_task(tmp_path / "t")  # per chunk only
    args = ["extract", str(SEED), "--task", str(task), "--strategy", "sentences"]
    result = runner.invoke(app, [*args, "--base-url", "http://127.0.0.1:9/v1"], catch_exceptions=False)
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == (
        f"claimex: error: {task}: the task t gives no templates for --strategy sentences "
        "(sentence_system.j2 and sentence_user.j2); it can be asked with --strategy single"
    )
    only_sentences = tmp_path / "s"
    sentence_task(only_sentences)
    (only_sentences / "system.j2").unlink()
    (only_sentences / "user.j2").unlink()
    assert load_task(only_sentences).strategies == ("sentences",)
    with pytest.raises(InputError, match="gives no templates for --strategy single"):
        run_task(load_task(only_sentences), ScriptedModel([]), strategy="single")


def test_a_one_file_task_can_give_both_pairs(tmp_path: Path) -> None:
    manifest = tmp_path / "quotes.toml"
    manifest.write_text(
        'fields = "speaker name: who, quote evidence: the words"\n'
        f"system = {json.dumps(SYSTEM)}\nuser = {json.dumps(USER)}\n"
        f"sentence_system = {json.dumps(SENTENCE_SYSTEM)}\nsentence_user = {json.dumps(SENTENCE_USER)}\n",
        encoding="utf-8",
    )
    assert load_task(manifest).strategies == ("single", "sentences")
    lone = tmp_path / "lone.toml"
    lone.write_text(
        f'fields = "quote evidence: the words"\nsentence_system = {json.dumps(SENTENCE_SYSTEM)}\n',
        encoding="utf-8",
    )
    assert refused(lone) == f'{lone}: no sentence_user template: write it as sentence_user = """…"""'


# --- the built-in claims are a task ----------------------------------------------------------------


def test_the_claims_are_a_task_loaded_as_any_other() -> None:
    claims = load_task("claims")
    assert claims.claims and claims.builtin and claims.strategies == ("single", "sentences")
    assert claims.ref.path == "claimex:claims"
    again = load_task(builtin_path())  # the folder itself, as a user would give it
    assert again.sha256 == claims.sha256 and again.claims and not again.builtin
    assert sorted(claims.files) == [
        "sentence_system.j2", "sentence_user.j2", "system.j2", "task.toml", "user.j2"
    ]  # fmt: skip


def test_task_claims_is_the_default(tmp_path: Path) -> None:
    # The seed needs no model by the sentence strategy: the default and --task claims answer alike.
    outputs = []
    for extra in ([], ["--task", "claims"]):
        out = tmp_path / f"result{len(extra)}.json"
        args = [
            "extract",
            str(SEED),
            "--provider",
            "local",
            "--base-url",
            "http://127.0.0.1:9/v1",
            "-o",
            str(out),
        ]
        result = runner.invoke(app, [*args, *extra], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        data = json.loads(out.read_text(encoding="utf-8"))
        data["stats"].pop("seconds")
        outputs.append(data)
    assert outputs[0] == outputs[1]
    parsed = Result.model_validate(outputs[0])
    assert parsed.task is not None and parsed.task.name == "claims" and parsed.task.path == "claimex:claims"
    assert parsed.task.sha256 == load_task("claims").sha256 and parsed.claims


class NoClaims(ScriptedModel):
    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(json.loads(request.content))
        return httpx2.Response(200, json=completion({"claims": []}))


def test_a_user_s_claims_task_asks_with_its_own_templates(tmp_path: Path) -> None:
    mine = tmp_path / "desk-claims"
    shutil.copytree(builtin_path(), mine)
    (mine / "task.toml").write_text(
        'name = "desk-claims"\ndescription = "Our desk\'s wording."\nrecord = "claims"\n', encoding="utf-8"
    )
    system = (mine / "system.j2").read_text(encoding="utf-8")
    (mine / "system.j2").write_text("Our desk checks every figure twice.\n" + system, encoding="utf-8")
    model = NoClaims()
    document = document_from_text("Le ministère a compté 12 morts lundi à Porto.")
    result = extract_task(document, model.client(), load_task(mine), strategy="single")
    assert isinstance(result, Result) and result.task is not None
    assert result.task.name == "desk-claims" and result.task.path == str(mine)
    assert len(model.requests) == 1
    assert model.requests[0]["messages"][0]["content"].startswith("Our desk checks every figure twice.")


def test_a_claims_record_takes_no_fields_of_its_own(tmp_path: Path) -> None:
    task = write_task(tmp_path / "t", manifest='record = "claims"\nfields = "quote evidence: the words"\n')
    assert refused(task) == (
        f'{task / "task.toml"}: record = "claims" is claimex\'s claim record; it takes no fields'
    )
    other = write_task(tmp_path / "o", manifest='record = "quotes"\n')
    assert refused(other) == f'{other / "task.toml"}: record = … can only be "claims" (claimex\'s own claims)'


def test_the_shipped_prompts_folder_is_the_built_in_task() -> None:
    # In a checkout the repository's prompts/claims/; installed, the same files inside the package.
    assert (builtin_path() / "task.toml").is_file()
    shipped = sorted(path.name for path in builtin_path().iterdir())
    assert shipped == sorted(path.name for path in (ROOT / "prompts" / "claims").iterdir())


def test_the_python_api_takes_a_task_and_refuses_a_bad_one_before_asking(tmp_path: Path) -> None:
    import claimex

    options = {"provider": "local", "base_url": "http://127.0.0.1:9/v1", "cache_dir": tmp_path / "cache"}
    with claimex.Extractor(**options) as default, claimex.Extractor(task="claims", **options) as named:
        assert default.task.name == named.task.name == "claims"
        first, second = default.extract(SEED), named.extract(SEED)
    assert isinstance(first, claimex.Result) and isinstance(second, claimex.Result)
    assert [c.statement for c in first.claims] == [c.statement for c in second.claims] != []
    broken = write_task(tmp_path / "broken", **{"user.j2": "{{ txt }}"})
    with pytest.raises(claimex.TaskError, match="unknown variable “txt”"):
        claimex.Extractor(task=broken, **options)
    with pytest.raises(claimex.InputError, match="--min-checkworthiness ranks claims"):
        claimex.Extractor(task="quotes", min_checkworthiness=0.5, **options)


def test_tasks_check_shows_the_claims_task_s_two_ways_of_asking() -> None:
    result = runner.invoke(app, ["tasks", "check", "claims"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith(f"task claims (claimex:claims), sha256 {load_task('claims').sha256}\n")
    assert 'The record is claimex\'s claim (record = "claims")' in out
    assert "--- single: system message ---\nYou extract checkable claims from a news article." in out
    assert "--- sentences: system message ---\nYou restate one sentence of a news article" in out
    assert "Return at most 8 claims" in out
    schema = json.loads(out.split("--- the schema the answer must fill ---\n", 1)[1])
    assert schema["title"] == "ClaimsResponse" and schema["properties"]["claims"]["maxItems"] == 8


def test_quotations_in_reads_the_passages_between_quotation_marks() -> None:
    from claimex.checks.records import quotations_in

    sentence = "Zelensky a pointé « des assauts » et « une autre étape » dans “cette” guerre, l'armée."
    assert quotations_in(sentence) == ["des assauts", "une autre étape", "cette"]
    assert quotations_in("ces pertes qualifiées «\u00a0d’importantes\u00a0» se") == ["d’importantes"]
    assert quotations_in('„Wir schaffen das“, sagte sie, "ok" and “open') == ["Wir schaffen das", "ok"]
    assert quotations_in("l'armée d'Ukraine, rien entre guillemets") == []


def test_a_folder_that_is_no_task_does_not_hide_a_given_task_of_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "quotes").mkdir()  # a batch's output folder, say: results, no task.toml
    (tmp_path / "claims").mkdir()
    assert load_task("quotes").path == load_task(ROOT / "examples" / "tasks" / "quotes").path
    assert load_task("claims").builtin
    mine = sentence_task(tmp_path / "figures")  # a task folder of one's own wins over the given one
    assert load_task("figures").path.resolve() == mine.resolve()
    # Given as a path, the folder is what is asked for: it is no task, and says so.
    with pytest.raises(TaskError, match=r"^quotes/task\.toml: the task manifest is missing$"):
        load_task("./quotes")
