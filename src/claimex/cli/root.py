"""The root command `claimex` and its groups, `claimex cache`, `claimex model` and `claimex tasks`.

Commands register on these from their own modules (`claimex.cli` imports them all).
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="claimex",
    help=(
        "Pull checkable claims out of a news article with a language model, and prove every "
        "evidence quote against the text.\n\n"
        "Each claim comes with who asserts it, how hedged it is, its entities and numbers, and "
        "verbatim quotes located in the article by character offsets. A quote that changed a "
        "number, a name or a negation is never verified.\n\n"
        "Quick start: claimex extract article.txt --format table"
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)
cache_app = typer.Typer(help="Inspect or empty the on-disk cache of model answers.", no_args_is_help=True)
model_app = typer.Typer(
    help="Run the embedded local model server (needs claimex\\[local]).", no_args_is_help=True
)
# Its help is its callback's docstring (cli/tasks.py): the group lists the given tasks itself.
tasks_app = typer.Typer()
app.add_typer(cache_app, name="cache")
app.add_typer(model_app, name="model")
app.add_typer(tasks_app, name="tasks")
