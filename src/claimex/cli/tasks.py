"""`claimex tasks` and `claimex tasks check`: the tasks at hand, and what one asks of the model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from .console import reported_errors
from .options import MaxClaimsOption, VerboseOption
from .root import tasks_app

# What `tasks check` renders the templates on, unless --sample names an article.
SAMPLE = (
    "Crues dans l'Arvel : la préfecture fait le point\n\n"
    "Près de 12 000 foyers étaient privés de courant mercredi, selon le gestionnaire du réseau. "
    "« Nous rétablirons tout d'ici vendredi », a déclaré son directeur, Marc Lenoir.\n"
)


@tasks_app.callback(invoke_without_command=True)
def tasks(ctx: typer.Context, verbose: VerboseOption = False) -> None:
    """What is extracted: list the tasks that come with claimex, or check what one asks (tasks check PATH).

    Alone, claimex tasks lists the tasks that come with claimex, each with what it extracts: claims (the built-in, the default of every command), then the example tasks (examples/tasks/).

    A task is what is extracted: Jinja templates, asked per chunk (system.j2 and user.j2, --strategy single) and/or per sentence (sentence_system.j2 and sentence_user.j2, --strategy sentences), and the record's schema (a field list, a JSON Schema or a pydantic model), with the fields that are evidence (verbatim quotes, located in the article) and the values that evidence must carry (numbers, names, dates); or record = "claims" for claimex's own claims in your own words. Run one with claimex extract ARTICLE --task PATH_OR_NAME; see what it asks with claimex tasks check PATH_OR_NAME. The README's "Your own task" has a folder to copy.
    """
    if ctx.invoked_subcommand is not None:
        return
    with reported_errors(verbose):
        from ..tasks.loading import given_tasks, load_task

        given = given_tasks()
        if not given:
            typer.echo("no task comes with this installation of claimex")
        for name, path in given.items():
            task = load_task(path)
            typer.echo(f"{name:12} {task.description}  ({path})")


@tasks_app.command("check")
def check(
    task: Annotated[
        str, typer.Argument(help="A task folder, a one-file .toml task, or a given task's name.")
    ],
    sample: Annotated[
        Path | None,
        typer.Option(
            help="Render the templates on this article instead of a three-line sample.", show_default=False
        ),
    ] = None,
    max_claims: MaxClaimsOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Load a task as claimex extract --task would, and print what the model will be asked and the schema it must fill.

    Refuses a task that cannot be used with one line naming its file and the problem (exit 2): a missing template, an unknown variable, a syntax error, a schema that does not load, no evidence field. Prints the record's fields and how each is checked, what claimex bounded for a grammar-constrained local model (strings and lists the task leaves open), the messages rendered on a short sample, and the answer's JSON Schema. Nothing is asked of a model.

    Examples:

    claimex tasks check examples/tasks/quotes

    claimex tasks check my-task/ --sample article.txt
    """
    with reported_errors(verbose):
        from ..models import MAX_CLAIMS
        from ..tasks.loading import load_task
        from ..tasks.schema import FIELD_TYPES
        from ..text.documents import load_document

        loaded = load_task(task)
        text = load_document(str(sample)).text if sample is not None else SAMPLE
        max_records = max_claims or MAX_CLAIMS
        spec = loaded.record.spec
        typer.echo(f"task {loaded.name} ({loaded.ref.path}), sha256 {loaded.sha256}")
        if loaded.description:
            typer.echo(loaded.description)
        typer.echo(f"files: {', '.join(loaded.files)}")
        typer.echo(f"asked: {_asked(loaded)}")
        if loaded.claims:
            typer.echo(
                "\nThe record is claimex's claim (record = \"claims\"): every quote located, every claim's "
                "numbers, names, wording and speaker checked against its evidence (the claims' rules)."
            )
        else:
            typer.echo("\nThe record, and how claimex checks each field:")
            for name in loaded.record.model.model_fields:
                if name in spec.quotations:
                    role = "evidence, a quotation: located in the article, between quotation marks"
                elif name in spec.evidence:
                    role = "evidence: located in the article (exact or normalized to verify)"
                elif name in spec.values:
                    role = FIELD_TYPES[spec.values[name]].replace(" (checked)", "")
                    role = f"value ({spec.values[name]}): {role}"
                else:
                    role = "not checked: the model's, as it comes"
                typer.echo(f"  {name:14} {role}")
            typer.echo("\nBounded by claimex for a grammar-constrained local model (left open by the task):")
            for bound in (*loaded.record.bounds, f"records: at most {max_records} per chunk (--max-claims)"):
                typer.echo(f"  {bound}")
        for strategy in loaded.strategies:
            for message in _sample_messages(loaded, strategy, text, max_records):
                typer.echo(f"\n--- {strategy}: {message['role']} message ---\n{message['content']}")
        typer.echo("\n--- the schema the answer must fill ---")
        typer.echo(json.dumps(_answer_schema(loaded, max_records), indent=2, ensure_ascii=False))


def _asked(task: Any) -> str:
    from ..tasks.loading import SENTENCE_CHOICES

    ways = []
    if "single" in task.strategies:
        ways.append("per chunk (--strategy single: system, user)")
    if "sentences" in task.strategies:
        about = (
            "the sentences claimex's readers cannot settle alone"
            if task.claims
            else SENTENCE_CHOICES[task.sentences]
        )
        ways.append(f"per sentence (--strategy sentences: sentence_system, sentence_user), about {about}")
    return "; ".join(ways)


def _sample_messages(task: Any, strategy: str, text: str, max_records: int) -> list[dict[str, str]]:
    """The messages `strategy` sends, rendered on the sample: the article whole, or the first
    sentence the task asks about, with the title and the article's own voice as the one speaker."""
    from ..checks.figures import find_figures
    from ..checks.records import quotations_in
    from ..checks.verdict import Article
    from ..models import MAX_EVIDENCE, MAX_SENTENCE_CLAIMS
    from ..tasks.asking import sentences_asked
    from ..text.selection import headline, select_sentences

    if strategy == "single":
        return task.templates.messages(text, max_records=max_records, context_header=None)
    title = headline(text)
    article, sentences = Article.of(text), select_sentences(text)
    if task.claims:
        kept = [s for s in sentences if s.skip is None and (s.start, s.end) != title]
    else:
        kept = [sentences[at] for at, _ in sentences_asked(task, article, sentences)]
    sentence = text[kept[0].start : kept[0].end].strip() if kept else text.strip()
    return task.templates.messages_for(
        "sentences",
        sentence=sentence,
        title=text[title[0] : title[1]] if title else None,
        before=None,
        speakers=[("A", "the article itself")],
        instruction=None,
        quotations=quotations_in(sentence),
        figures=[figure.text.strip() for figure in find_figures(sentence)],
        max_records=min(max_records, MAX_SENTENCE_CLAIMS),
        max_evidence=MAX_EVIDENCE,
    )


def _answer_schema(task: Any, max_records: int) -> dict[str, Any]:
    if task.claims:
        from ..strategies.single import bounded

        return bounded(max_records)[1].model_json_schema()
    from ..tasks.asking import answer_models

    return answer_models(task, max_records)[0].model_json_schema()
