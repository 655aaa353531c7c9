"""`claimex extract` and `claimex verify`: one article, with the model or without it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .console import (
    EXIT_PARTIAL,
    EXIT_UNVERIFIED,
    all_verified,
    collecting_rarely,
    command_session,
    emit,
    reported_errors,
)
from .options import (
    BaseUrlOption,
    CacheDirOption,
    ChunkCharsOption,
    ConcurrencyOption,
    FailUnverifiedOption,
    FormatOption,
    MaxClaimsOption,
    MaxTokensOption,
    MinCheckworthinessOption,
    ModelOption,
    ModelPathOption,
    ModeOption,
    NoCacheOption,
    OutputFormat,
    OutputOption,
    ProviderOption,
    StrategyOption,
    TimeoutOption,
    VerboseOption,
    task_option,
)
from .progress import chunk_progress
from .root import app


@app.command()
def extract(
    article: Annotated[
        str, typer.Argument(help="The article: a UTF-8 (or BOM-marked UTF-16) text file, or - for stdin.")
    ],
    output: OutputOption = None,
    output_format: FormatOption = OutputFormat.json,
    provider: ProviderOption = None,
    base_url: BaseUrlOption = None,
    model: ModelOption = None,
    mode: ModeOption = None,
    model_path: ModelPathOption = None,
    max_claims: MaxClaimsOption = None,
    min_checkworthiness: MinCheckworthinessOption = None,
    strategy: StrategyOption = None,
    max_tokens: MaxTokensOption = 1500,
    timeout: TimeoutOption = 300.0,
    cache_dir: CacheDirOption = None,
    no_cache: NoCacheOption = False,
    chunk_chars: ChunkCharsOption = None,
    concurrency: ConcurrencyOption = None,
    fail_unverified: FailUnverifiedOption = False,
    task: Annotated[
        str | None,
        task_option(
            "What to extract: claims (the default, the built-in task), or your own records, asked per chunk "
            "(--strategy single) or per sentence (--strategy sentences) where the task gives the templates "
            "(--max-claims bounds a chunk's records; a sentence's, 3 at most), every evidence field located in "
            "the article and every value checked against it"
        ),
    ] = None,
    verbose: VerboseOption = False,
) -> None:
    """Extract claims (or a task's records, with --task) from one article and verify every quote.

    Prints the result JSON (or a table with --format table). Every evidence quote gets a status: [green]exact[/green], [cyan]normalized[/cyan] (typography only), [yellow]fuzzy[/yellow] (a letter or digit differs: never verified) or [red]missing[/red], with \\[start, end] offsets into the article. A repeated run of the same article is answered from the cache.

    A claim is [bold]verified[/bold] only when its evidence is in the article and states it: every number of the claim is in the evidence, the evidence is more than a few words (or a whole sentence), and every name it gives is in the article. When it is not, the table says why.

    With the embedded model (--strategy sentences) each sentence with something to check is a claim whose evidence is the sentence: who says it is read from the text's reporting cues ("selon le GUR", "the company said") and kept as a span of the article, how firmly from its words ("auraient été tués" is reported). The model is asked only about the sentences that do not stand alone ("Selon eux, …"), state several facts, or could be credited to several speakers: it restates them and picks the speaker. Other providers get the whole text in one call and quote their evidence (--strategy single).

    Claims come most check-worthy first (a figure, a named source, a named actor, a time); --min-checkworthiness leaves out the others. When some sentences (or chunks of a long text, by --strategy single) get no answer, the result is still written, marked "complete": false, and the command says so and exits 4; run it again and only those are asked again (the rest is cached).

    Exit codes: 0 done; 1 the model failed (one line says why); 2 bad input; 3 --fail-unverified and a claim is not verified; 4 partial result; 130 Ctrl-C; 143 SIGTERM. --timeout bounds each model answer as a whole, retries and waits included.

    Examples:

    claimex extract article.txt --format table

    claimex extract article.txt -o claims.json --fail-unverified

    claimex extract article.txt --provider ollama --model llama3.2

    claimex extract article.txt --task examples/tasks/quotes --format table
    """
    with reported_errors(verbose):
        from ..llm.settings import resolve_settings
        from ..pipeline import extract_task, first_failure, task_options
        from ..tasks.loading import CLAIMS, load_task
        from ..text.documents import load_document

        # Every extraction is a task's, the built-in claims' by default: loaded (or refused, in
        # one line naming its file) before the article is read or anything is asked.
        loaded = load_task(task or CLAIMS)
        document = load_document(article)
        settings = resolve_settings(
            provider=provider,
            base_url=base_url,
            model=model,
            mode=mode,
            max_tokens=max_tokens,
            timeout=timeout,
        )
        chosen = task_options(
            settings,
            loaded,
            strategy=strategy,
            max_records=max_claims,
            chunk_chars=chunk_chars,
            concurrency=concurrency,
            min_checkworthiness=min_checkworthiness,
        )
        with (
            command_session(
                settings, model_path, cache_dir, no_cache, connections=chosen.concurrency
            ) as client,
            chunk_progress("sentences" if chosen.strategy == "sentences" else "chunks") as on_chunk,
        ):
            result = extract_task(
                document,
                client,
                loaded,
                strategy=chosen.strategy,
                max_records=chosen.max_claims,
                chunk_chars=chosen.chunk_chars,
                concurrency=chosen.concurrency,
                min_checkworthiness=chosen.min_checkworthiness if loaded.claims else None,
                on_chunk=on_chunk,
            )
        emit(result, output, output_format)
        if not result.complete:
            stats = result.stats
            lost = (
                f"{stats.failed_chunks} of {stats.chunks} chunks"
                if stats.failed_chunks
                else f"{stats.failed_sentences} sentence{'s' if stats.failed_sentences > 1 else ''}"
            )
            first = first_failure(result.warnings) or ""
            typer.echo(
                f"claimex: warning: partial result: {lost} got no answer from the model ({first}); "
                "run the same command again to ask for those only",
                err=True,
            )
            raise typer.Exit(EXIT_PARTIAL)
        if fail_unverified and not all_verified(result):
            raise typer.Exit(EXIT_UNVERIFIED)


@app.command()
def verify(
    article: Annotated[str, typer.Argument(help="The article the quotes should come from (or - for stdin).")],
    claims: Annotated[
        Path,
        typer.Argument(
            help='A JSON file with {"claims": [{"statement": ..., "evidence": [{"quote": ...}]}]}; with --task, a task result file (claimex extract --task -o) or a list of records.'
        ),
    ],
    output: OutputOption = None,
    output_format: FormatOption = OutputFormat.json,
    fail_unverified: FailUnverifiedOption = False,
    task: Annotated[
        str | None,
        task_option("Re-ground a task's records instead of claims, by the task's evidence and value fields"),
    ] = None,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            min=1,
            help=(
                "Processes to check claims in: this one and copies of it, one per 250 claims at most, "
                "on Linux (default: this machine's cores, for a file of 500 claims or more; a task's "
                "records are checked in one). The output is the same for any number."
            ),
            show_default=False,
        ),
    ] = None,
    verbose: VerboseOption = False,
) -> None:
    """Re-verify a claims file (or a task's records, with --task) against an article. No model is called.

    Fills in each quote's status, spans, score and differences, each claim's support (verdict and problems) and its verified flag; every other field of the file is kept as it was. Each claim needs a "statement"; its "quantities" and "entities" are checked when present.

    With --task: every record's evidence fields located again and its values checked again, as extract --task checks them. The file is a task result (its records' "fields" are read) or a JSON list of records, each an object of the task's fields. A file made by another task, or by this one before an edit, is re-grounded by the task given, with a warning.

    Example: claimex verify article.txt quotes.json --task quotes --format table
    """
    if task is not None:
        with reported_errors(verbose):
            from ..regrounding import reground
            from ..tasks.loading import load_task
            from ..text.documents import load_document, read_json

            loaded = load_task(task)
            document = load_document(article)
            if loaded.claims:  # --task claims: a claims file, verified as claims are
                from ..reverifying import reverify

                payload = read_json(claims, what="a claims file")
                result = reverify(document, payload, name=str(claims), jobs=jobs)
            else:
                payload = read_json(claims, what="a task result or a list of records")
                result, warnings = reground(document, payload, loaded, name=str(claims))
                for warning in warnings:
                    typer.echo(f"claimex: warning: {warning}", err=True)
            emit(result, output, output_format)
            if fail_unverified and not all_verified(result):
                raise typer.Exit(EXIT_UNVERIFIED)
        return
    with reported_errors(verbose), collecting_rarely():
        from ..reverifying import reverify
        from ..text.documents import load_document, read_json

        document = load_document(article)
        payload = read_json(claims, what="a claims file")
        result = reverify(document, payload, name=str(claims), jobs=jobs)
        emit(result, output, output_format)
        if fail_unverified and not all_verified(result):
            raise typer.Exit(EXIT_UNVERIFIED)
