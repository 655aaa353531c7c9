"""`claimex cluster`: the same claim across the articles of a batch, once, with its outlets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .console import reported_errors
from .options import VerboseOption
from .root import app


@app.command()
def cluster(
    out_dir: Annotated[Path, typer.Argument(help="A batch's output folder (what `claimex batch -o` wrote).")],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Where to write the clusters (default: OUT_DIR/clusters.jsonl).",
            show_default=False,
        ),
    ] = None,
    page: Annotated[
        bool,
        typer.Option(
            "--page/--no-page", help="Also write OUT_DIR/clusters.html, linked to the articles' report pages."
        ),
    ] = True,
    embeddings: Annotated[
        bool,
        typer.Option(
            "--embeddings",
            help="Blend in a meaning-based score from a small sentence model on CPU (needs claimex\\[cluster-embeddings]).",
        ),
    ] = False,
    verbose: VerboseOption = False,
) -> None:
    """Group the verified claims of every result in a batch into clusters of the same claim.

    Claims are compared on their figures as values ("10.000" = "10 000" = "dix mille"), their names and their words, across French and English (common news words through a small bilingual lexicon: "pompiers" = "firefighters"), with no model. A cluster never holds two different figures of the same kind: 10.000 and 12.000 soldiers are two clusters, shown side by side as a conflict. Two claims that name different people or places are never one claim. Each cluster in clusters.jsonl has a representative statement, every member (article, claim, speaker, spans), who is credited with it in how many articles, and the first article to carry it (by the date the index or the article's dateline gives, else by the batch's order).

    Only result files are read, one at a time, with a progress bar. Memory is bounded per claim: a claim's statement, speaker and spans wait on disk; what stays in memory is a few hundred bytes of its features, and each claim is compared with at most 32 earlier claims and keeps at most 9 pairs, so a batch of 10,000 results takes time and memory in proportion to its claims, however many articles repeat one claim.

    Example: claimex batch articles/ -o results/ --report && claimex cluster results/
    """
    with reported_errors(verbose):
        lines = run_clusters(out_dir, output=output, page=page, embeddings=embeddings)
        for line in lines:
            typer.echo(line)


def run_clusters(out_dir: Path, *, output: Path | None, page: bool, embeddings: bool = False) -> list[str]:
    """Cluster a batch folder (the command's work, shared with `claimex batch --cluster`)."""
    from ..clusters.folder import CLUSTERS_NAME, cluster_folder
    from .progress import step_progress

    extra = None
    if embeddings:
        from ..clusters.embeddings import pair_scorer

        extra = pair_scorer
    with step_progress() as on_progress:
        summary, _ = cluster_folder(out_dir, output=output, extra=extra, on_progress=on_progress)
    lines = [*summary.lines(), f"clusters: {summary.path or out_dir / CLUSTERS_NAME}"]
    for problem in summary.unreadable[:20]:
        typer.echo(f"  skipped: {problem}", err=True)
    if page and summary.path is not None:
        from ..report import write_clusters_page

        lines.append(f"page: {write_clusters_page(summary.path, out_dir / 'clusters.html')}")
    return lines
