"""`claimex export`: claims out to a review tool (Label Studio, doccano, brat) or a spreadsheet."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from .console import reported_errors
from .options import VerboseOption
from .root import app


class ExportFormat(StrEnum):
    label_studio = "label-studio"
    doccano = "doccano"
    brat = "brat"
    csv = "csv"


class OffsetUnit(StrEnum):
    code_points = "code-points"
    utf16 = "utf-16"
    graphemes = "graphemes"


@app.command()
def export(
    source: Annotated[Path, typer.Argument(help="A result file, or a batch's output folder.")],
    to: Annotated[ExportFormat, typer.Option("--to", help="The tool to export for.", case_sensitive=False)],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="The folder to write (default: export-FORMAT inside the batch folder, or beside the result).",
            show_default=False,
        ),
    ] = None,
    offsets: Annotated[
        OffsetUnit | None,
        typer.Option(
            "--offsets",
            help="Count offsets in these units (default: what the tool counts: code points for Label Studio, brat and CSV; UTF-16 for doccano; graphemes for a doccano project that counts grapheme clusters as one character).",
            show_default=False,
        ),
    ] = None,
    verbose: VerboseOption = False,
) -> None:
    """Export verified evidence spans as pre-annotations, with each claim's statement, speaker, type and verdict, and the configuration to import them with.

    label-studio: tasks.json (one task per article, its claims as predictions: labels by claim type, statement and speaker as per-region text, verdict and hedging as per-region choices) and label_config.xml. doccano: claims.jsonl ({"text", "label": [[start, end, type]], ...}) and labels.json. brat: one .txt and .ann per article (an elided quote is one discontinuous span) and annotation.conf. csv: claims.csv, one row per claim (with its cluster when the folder was clustered).

    Only result files and their articles are read. Example: claimex export results/ --to label-studio
    """
    with reported_errors(verbose):
        from ..exports.formats import export as write_export
        from ..exports.source import cluster_ids, results

        target = output or _default_output(source, to.value)
        base = source if source.is_dir() else source.parent
        written, spans = write_export(
            results(source),
            target,
            to.value,
            unit=offsets.value if offsets else None,
            clusters=cluster_ids(source) if to is ExportFormat.csv else None,
            base=base,
        )
        what = "claims" if to is ExportFormat.csv else "spans"
        typer.echo(f"{spans} {what} exported for {to.value} to {target} ({len(written)} files)")


def _default_output(source: Path, to: str) -> Path:
    if source.is_dir():
        return source / f"export-{to}"
    return source.with_name(f"{source.name.removesuffix('.json')}.export-{to}")
