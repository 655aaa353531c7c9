"""`claimex tasks` and `claimex tasks check`: the tasks at hand, and what one asks of the model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

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
    """Your own extraction: list the given tasks, or check what one asks (tasks check PATH).

    Alone, claimex tasks lists the tasks that come with claimex (examples/tasks/), each with what it extracts.

    A task is your own extraction: Jinja templates (system.j2 and user.j2, or one prompt.j2) and the record's schema (a field list, a JSON Schema or a pydantic model), with the fields that are evidence (verbatim quotes, located in the article) and the values that evidence must carry (numbers, names, dates). Run one with claimex extract ARTICLE --task PATH_OR_NAME; see what it asks with claimex tasks check PATH_OR_NAME. The README's "Your own task" has a folder to copy.
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
        from ..tasks.asking import answer_models
        from ..tasks.loading import load_task
        from ..tasks.schema import FIELD_TYPES
        from ..text.documents import load_document

        loaded = load_task(task)
        text = load_document(str(sample)).text if sample is not None else SAMPLE
        max_records = max_claims or MAX_CLAIMS
        spec = loaded.record.spec
        typer.echo(f"task {loaded.name} ({loaded.path}), sha256 {loaded.sha256}")
        if loaded.description:
            typer.echo(loaded.description)
        typer.echo(f"files: {', '.join(loaded.files)}")
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
        checked, _ = answer_models(loaded, max_records)
        for message in loaded.messages(text, max_records=max_records):
            typer.echo(f"\n--- {message['role']} message ---\n{message['content']}")
        typer.echo("\n--- the schema the answer must fill ---")
        typer.echo(json.dumps(checked.model_json_schema(), indent=2, ensure_ascii=False))
