"""`claimex report`: the article with every evidence span highlighted, as one HTML page."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .console import reported_errors
from .options import VerboseOption
from .root import app


@app.command()
def report(
    result: Annotated[
        Path,
        typer.Argument(
            help="A result file written by `claimex extract -o` or `claimex batch` (claims, or a task's records with --task)."
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="The HTML file to write (default: RESULT.html beside the result).",
            show_default=False,
        ),
    ] = None,
    article: Annotated[
        Path | None,
        typer.Option(
            "--article",
            help="The article, when it is no longer where the result says (its sha256 must match).",
            show_default=False,
        ),
    ] = None,
    verbose: VerboseOption = False,
) -> None:
    """Write a self-contained HTML page: the article with every evidence span highlighted, and its claims (or a task's records).

    Highlights sit at the exact offsets the verifier found, coloured by status; hover or click one to see its claim. A task's result gets its records in a table, one column per field, each evidence quote with its status. The page loads nothing from the network and runs no script from the article. Open it in any browser.

    Example: claimex extract article.txt -o claims.json && claimex report claims.json
    """
    with reported_errors(verbose):
        from ..report import write_report

        written = write_report(result, output, article)
        typer.echo(f"report written to {written}")
