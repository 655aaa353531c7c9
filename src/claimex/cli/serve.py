"""`claimex serve`: the pipeline over HTTP (the service itself is `claimex.service`)."""

from __future__ import annotations

from typing import Annotated

import typer

from .console import fail, reported_errors, said
from .options import (
    BaseUrlOption,
    CacheDirOption,
    ChunkCharsOption,
    ConcurrencyOption,
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
)
from .root import app


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
    allowed_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allowed-host",
            help="Another name clients reach the service by, checked against the Host header (repeatable; '*' for any). Loopback names and --host are always allowed; listening on 0.0.0.0 needs one.",
            show_default=False,
        ),
    ] = None,
    max_connections: Annotated[
        int,
        typer.Option(
            "--max-connections",
            min=1,
            max=100_000,
            help="Open connections kept at once; a new one past them gets 503.",
        ),
    ] = 1024,
    header_timeout: Annotated[
        float,
        typer.Option(
            "--header-timeout",
            min=0.1,
            max=600,
            help="Seconds a connection has to send a whole request head; then 408 and closed.",
        ),
    ] = 10.0,
    verify_timeout: Annotated[
        float,
        typer.Option(
            "--verify-timeout",
            min=0.1,
            max=3600,
            help="Seconds one /v1/verify may take; then it is stopped and answered 504.",
        ),
    ] = 30.0,
    max_jobs: Annotated[
        int,
        typer.Option(
            "--max-jobs",
            min=1,
            max=100_000,
            help="Jobs queued or running at once; past them POST /v1/jobs gets 429.",
        ),
    ] = 64,
    job_ttl: Annotated[
        float,
        typer.Option(
            "--job-ttl",
            min=1,
            help="Seconds a finished job (and its results) is kept before it is forgotten.",
        ),
    ] = 86_400.0,
    grace: Annotated[
        float,
        typer.Option(
            min=0,
            max=600,
            help="Seconds running extractions may still take after SIGTERM or Ctrl-C; then they are answered 503.",
        ),
    ] = 5.0,
    task: Annotated[
        list[str] | None,
        typer.Option(
            "--task",
            help='Offer this task too: a task folder, a one-file .toml task, or a given task\'s name (repeatable; claims are always offered). Loaded at start: a task that cannot be used, or two with one name, stop the service before it listens. A request names one with "task": NAME; GET /v1/tasks lists them.',
            show_default=False,
        ),
    ] = None,
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
    verbose: VerboseOption = False,
) -> None:
    """Serve extraction over HTTP: POST an article, get its verified claims back as JSON.

    POST /v1/extract with {"text": "...", "html": false, "max_claims": 10, "strategy": "sentences"} (only "text" is required) answers with the result document `claimex extract` writes; with "task": NAME, one of the tasks given with --task, the records `claimex extract --task` writes. POST /v1/jobs takes the same body (or {"texts": [...]}) and answers 202 at once: follow GET /v1/jobs/ID (or /v1/jobs/ID/events) until it is done; jobs survive a restart. POST /v1/verify with {"text": "...", "claims": [...]} re-verifies claims as `claimex verify` does, without the model ({"text": "...", "task": NAME, "records": [...]}: a task's records). GET /v1/tasks lists the tasks offered. GET /healthz says the process is up, GET /readyz that the model answers now, GET /metrics is for Prometheus. The API is described at /docs and /openapi.json.

    The same model options, environment variables and disk cache as `claimex extract`: an article answered before is answered again without a model call. The embedded model is started once and stopped with the service. At most --concurrency model calls run at once and --queue requests wait; past that the answer is 429 with Retry-After. Errors are JSON: {"error": "one line"}.

    Listens on 127.0.0.1 only, by default. With a token (CLAIMEX_API_TOKEN), every /v1 request needs Authorization: Bearer TOKEN; listening beyond loopback needs one. SIGTERM or Ctrl-C stops it within seconds (--grace).

    Needs claimex\\[serve] (FastAPI, uvicorn, prometheus-client, fastapi-offline).

    Example:

    claimex serve --port 8000

    claimex serve --task quotes --task ./my-task

    curl -s localhost:8000/v1/extract -H 'Content-Type: application/json' -d '{"text": "Selon le GUR, au moins 30 soldats ont été tués."}'
    """
    import importlib.util

    needed = ("fastapi", "uvicorn", "prometheus_client", "fastapi_offline")
    if any(importlib.util.find_spec(module) is None for module in needed):
        fail(
            "`claimex serve` needs FastAPI, uvicorn, prometheus-client and fastapi-offline: "
            "pip install 'claimex[serve]'",
            2,
        )
    with reported_errors(verbose):
        from contextlib import closing

        from ..llm.settings import resolve_settings
        from ..pipeline import extraction_options
        from ..service.app import ServiceConfig, create_app
        from ..service.run import allowed_hosts, check_exposure, listen, run, url_of
        from ..service.tasks import offered_tasks
        from ..session import model_session

        check_exposure(host, token, insecure)
        # Every task loaded (or refused, in one line) before anything listens or starts a model.
        tasks = offered_tasks(task or ())
        hosts = allowed_hosts(host, tuple(allowed_host or ()))
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
            min_checkworthiness=min_checkworthiness,
            chunk_chars=chunk_chars,
            concurrency=slots,
            queue=queue,
            token=token,
            max_body=max_body,
            cors_origins=tuple(cors_origin or ()),
            grace=grace,
            allowed_hosts=hosts,
            verify_timeout=verify_timeout,
            verify_prestart=True,
            max_jobs=max_jobs,
            job_ttl=job_ttl,
            tasks=tasks,
        )
        with (
            closing(listen(host, port)) as sock,
            model_session(
                settings,
                model_path=model_path,
                cache_dir=cache_dir,
                no_cache=no_cache,
                status=said,
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
            if tasks:
                typer.echo(f"claimex: tasks offered: claims, {', '.join(t.name for t in tasks)}", err=True)
            run(
                service,
                sock,
                grace=grace,
                verbose=verbose,
                max_connections=max_connections,
                header_timeout=header_timeout,
            )
        typer.echo("claimex: stopped", err=True)
