"""`claimex batch`: every article of a folder, resumable, with an index and an optional report."""

from __future__ import annotations

import contextlib
import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import InputError
from .console import (
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    command_session,
    fail,
    reported_errors,
    status,
    stderr,
)
from .options import (
    BaseUrlOption,
    BatchConcurrencyOption,
    CacheDirOption,
    ChunkCharsOption,
    MaxClaimsOption,
    MaxTokensOption,
    MinCheckworthinessOption,
    ModelOption,
    ModelPathOption,
    ModeOption,
    NoCacheOption,
    ProviderOption,
    StrategyOption,
    TimeoutOption,
    VerboseOption,
    task_option,
)
from .progress import batch_progress
from .root import app


class Engine(StrEnum):
    local = "local"
    ray = "ray"


@app.command()
def batch(
    # Strings, not paths: a URL (s3://bucket/day/) would lose a slash as a Path.
    in_dir: Annotated[
        str,
        typer.Argument(
            help="Folder of articles (.txt, .md, .html, .htm), searched recursively; or an fsspec URL (s3://bucket/day/, gs://…: pip install 'claimex\\[remote]' and the filesystem's package, e.g. s3fs).",
            show_default=False,
        ),
    ],
    out_dir: Annotated[
        str,
        typer.Option(
            "--output",
            "-o",
            metavar="OUT_DIR",
            help="Folder for the results (created if needed), or an fsspec URL.",
        ),
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
    min_checkworthiness: MinCheckworthinessOption = None,
    strategy: StrategyOption = None,
    max_tokens: MaxTokensOption = 1500,
    timeout: TimeoutOption = 300.0,
    cache_dir: CacheDirOption = None,
    no_cache: NoCacheOption = False,
    with_report: Annotated[
        bool, typer.Option("--report", help="Also write an HTML page per article and OUT_DIR/index.html.")
    ] = False,
    with_clusters: Annotated[
        bool,
        typer.Option(
            "--cluster",
            help="Also group the claims into clusters of the same claim (OUT_DIR/clusters.jsonl and clusters.html).",
        ),
    ] = False,
    engine: Annotated[
        Engine,
        typer.Option(
            help="Who runs the articles: this process's threads (local), or the workers of a Ray cluster (ray; pip install 'claimex\\[ray]'). Same results, index and exit codes either way.",
        ),
    ] = Engine.local,
    ray_address: Annotated[
        str | None,
        typer.Option(
            help="With --engine ray: the cluster to join (auto, HOST:PORT, ray://HOST:10001); default: RAY_ADDRESS (set inside `ray job submit`), else a local Ray started for the run and stopped after it.",
            show_default=False,
        ),
    ] = None,
    ray_workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=4096,
            help="With --engine ray: how many workers, one CPU each, sharing --concurrency (default: the cluster's CPUs).",
            show_default=False,
        ),
    ] = None,
    shard: Annotated[
        str | None,
        typer.Option(
            metavar="I/N",
            help="Only shard I of N of the folder (0 ≤ I < N), e.g. --shard $SLURM_ARRAY_TASK_ID/8: the N shards are disjoint, cover the folder, and keep their files when others are added. Each shard writes OUT_DIR/index.shard-I-of-N.jsonl.",
            show_default=False,
        ),
    ] = None,
    task: Annotated[
        str | None,
        task_option(
            "Extract your own records instead of claims, from every article (loaded once, before the first; "
            "each result is the task's, at the same place; a result of another task is not taken as done)"
        ),
    ] = None,
    verbose: VerboseOption = False,
) -> None:
    """Extract and verify claims (or a task's records, with --task) for every article in a folder.

    Writes OUT_DIR/<relative path>.json per article (atomically), the extracted text beside it when the file is not plain UTF-8 text (HTML, legacy encodings), and OUT_DIR/index.jsonl with one line per article: ok, partial (some model calls failed: the result is written and the next run asks for the rest), failed (with the reason) or skipped (already done, input unchanged).

    Safe to interrupt (Ctrl-C, SIGTERM): run the same command again and it finishes the rest, with no duplicate. When the model server cannot be reached for 3 articles in a row, the batch stops rather than fail every other article slowly; the rest is done by the next run. Anything but a regular file (a FIFO, a device) is failed at once, never read.

    Exit code 0 when every article succeeded, 1 when any failed or is partial (or the batch stopped), 130 on Ctrl-C, 143 on SIGTERM.

    Example: claimex batch articles/ -o results/ --glob '*.html'

    On Ray: claimex batch articles/ -o results/ --engine ray --base-url http://vllm:8000/v1 --concurrency 256

    Your own records: claimex batch articles/ -o quotes/ --task quotes --report
    """
    with reported_errors(verbose):
        from ..batch import DEFAULT_MAX_CHARS, Batch, BatchOptions, LocalFiles, parse_shard
        from ..llm.settings import resolve_settings
        from ..pipeline import extraction_options, task_options

        loaded = _task(task, with_clusters) if task is not None else None
        if engine is not Engine.ray and (ray_address is not None or ray_workers is not None):
            raise InputError("--ray-address and --ray-workers need --engine ray")
        source, results = _location(in_dir), _location(out_dir)
        remote = not (isinstance(source, Path) and isinstance(results, Path))
        if remote and (with_report or with_clusters):
            raise InputError("--report and --cluster read OUT_DIR as a folder of this machine, not a URL")
        if not source.is_dir():
            raise InputError(f"{source}: not a folder")
        shard_of = parse_shard(shard) if shard is not None else None
        settings = resolve_settings(
            provider=provider,
            base_url=base_url,
            model=model,
            mode=mode,
            max_tokens=max_tokens,
            timeout=timeout,
        )
        if loaded is not None:
            # The strategy and the floor taken, or refused, as `extract --task` takes them.
            chosen = task_options(
                settings,
                loaded,
                strategy=strategy,
                max_records=max_claims,
                min_checkworthiness=min_checkworthiness,
                chunk_chars=chunk_chars,
                concurrency=concurrency,
            )
        else:
            chosen = extraction_options(
                settings,
                strategy=strategy,
                max_claims=max_claims,
                min_checkworthiness=min_checkworthiness,
                chunk_chars=chunk_chars,
                concurrency=concurrency,
            )
        options = BatchOptions(
            in_dir=source,
            out_dir=results,
            concurrency=chosen.concurrency,
            force=force,
            max_chars=max_chars or DEFAULT_MAX_CHARS,
            chunk_chars=chosen.chunk_chars,
            pattern=glob,
            strategy=chosen.strategy,
            max_claims=chosen.max_claims,
            min_checkworthiness=chosen.min_checkworthiness,
            shard=shard_of,
            task=loaded.ref if loaded is not None else None,
        )
        files = _remote_files(options) if remote else LocalFiles(options)
        if engine is Engine.ray:
            summary = _run_on_ray(
                options, files, settings, ray_address, ray_workers, model_path, cache_dir, no_cache, loaded
            )
        else:
            total = sum(1 for _ in files.inputs())
            with (
                command_session(
                    settings, model_path, cache_dir, no_cache, connections=options.concurrency
                ) as client,
                batch_progress(total, _counted(loaded)) as on_outcome,
            ):
                summary = Batch(options, client, files, task=loaded).run(on_outcome)
        for line in summary.lines():
            typer.echo(line)
        if with_report and not summary.interrupted:
            typer.echo(f"report: {_batch_report(results, options.index_name)}")
        if with_clusters and not summary.interrupted:
            from .cluster import run_clusters

            for line in run_clusters(results, output=None, page=True):
                typer.echo(line)
        # Off a terminal every failure already had its line; on one, the bar showed only a count.
        shown = summary.failures if stderr().is_terminal else []
        for failure in shown:
            typer.echo(f"  {failure.status}: {failure.error}", err=True)
        if shown and summary.failed + summary.partial > len(shown):
            more = summary.failed + summary.partial - len(shown)
            typer.echo(f"  … and {more} more failures in {results / options.index_name}", err=True)
        if summary.interrupted:
            typer.echo("interrupted: run the same command again to finish the rest", err=True)
            raise typer.Exit(EXIT_TERMINATED if summary.terminated else EXIT_INTERRUPTED)
        if summary.stopped:
            fail(f"batch stopped: {summary.stopped}", 1)
        if summary.failed or summary.partial:
            raise typer.Exit(1)


def _task(spec: str, cluster: bool) -> Any:
    """The run's task, loaded once before anything else (or refused in one line), from an absolute
    path: Ray's workers load it again from there, and every result names the same path."""
    from dataclasses import replace

    from ..tasks.loading import load_task

    loaded = load_task(spec)
    if cluster and not loaded.claims:
        raise InputError(
            f"--cluster groups claims across articles; the records of the task {loaded.name} are not clustered"
        )
    return replace(loaded, path=loaded.path.resolve())


def _counted(task: Any) -> str:
    return "records" if task is not None and not task.claims else "claims"


def _location(text: str) -> Any:
    """A local folder as a Path, an fsspec URL as a UPath (claimex.remote)."""
    from ..remote import is_url, upath

    return upath(text) if is_url(text) else Path(text)


def _remote_files(options: Any) -> Any:
    from ..remote import RemoteFiles

    return RemoteFiles(options)


def _run_on_ray(
    options: Any,
    files: Any,
    settings: Any,
    address: str | None,
    workers: int | None,
    model_path: Path | None,
    cache_dir: Path | None,
    no_cache: bool,
    task: Any,
) -> Any:
    """The batch with Ray workers in place of this process's threads (claimex.raybatch); each
    worker loads the task (if any) from its path, and is refused unless its sha256 is `task`'s."""
    from ..batch import Batch
    from ..llm.client import ModelClient
    from ..raybatch.engine import ray_workers, require_ray

    require_ray()
    if (settings.provider == "local" and not settings.base_url) or model_path is not None:
        # Each worker would start an embedded server of its own (2 GB each, on every node).
        raise InputError(
            "--engine ray needs a model server every worker can reach (--base-url, or a hosted "
            "--provider); the embedded model serves one machine: use --engine local"
        )
    # The run's own client is never asked: each worker has its own.
    batch = Batch(options, ModelClient(settings), files, task=task)
    total = sum(1 for _ in files.inputs())
    with contextlib.ExitStack() as stack:
        with status("starting Ray workers…"):  # a local Ray takes seconds to start
            engine = stack.enter_context(
                ray_workers(
                    batch, settings, address=address, workers=workers, cache_dir=cache_dir, no_cache=no_cache
                )
            )
        with batch_progress(total, _counted(task)) as on_outcome:
            return batch.run(on_outcome, workers=engine)


def _batch_report(out_dir: Path, index_name: str) -> Path:
    from ..report import write_batch_report

    lines = [json.loads(line) for line in (out_dir / index_name).read_text(encoding="utf-8").splitlines()]
    names = {out_dir / line["result"]: line["path"] for line in lines if line.get("result")}
    failures = {line["path"]: line["error"] for line in lines if line["status"] == "failed"}
    return write_batch_report(list(names), out_dir / "index.html", failures=failures, names=names)
