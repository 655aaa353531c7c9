"""`claimex model serve` and `claimex model status`: the embedded llama.cpp server by hand."""

from __future__ import annotations

from typing import Annotated

import typer

from .console import fail, reported_errors, status
from .options import ModelPathOption, VerboseOption
from .root import model_app


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
    with reported_errors(verbose):
        from ..local.server import LocalServer, resolve_model_path, state_file

        server = LocalServer(resolve_model_path(model_path, status=status), port=port, n_ctx=n_ctx)
        with status(f"starting local model {server.model}…"):
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
            fail(f"the local model server exited with code {code} (log: {server.log_path})", 1)
        finally:
            server.stop()
            state_file().unlink(missing_ok=True)


@model_app.command("status")
def model_status() -> None:
    """Say whether a `claimex model serve` server is up, and where the local model file is.

    The local model is CLAIMEX_LOCAL_MODEL if set, else the embedded model: Qwen2.5-Coder-1.5B-Instruct from claimex\\[local], or the one CLAIMEX_EMBEDDED_MODEL names (qwen2.5-coder-0.5b-instruct, from claimex\\[local-small]). Its parts are assembled once, on first use, into one GGUF file in the user data folder (CLAIMEX_DATA_DIR moves it). Nothing is started or assembled here.

    Exit code: 0 a server is running; 1 none is running, and the local model can start; 2 none is running, and the local model cannot start (parts or llama-cpp-python missing, no such file).
    """
    with reported_errors(False):
        from ..local.server import local_model_status, running_server

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
