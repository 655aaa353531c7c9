"""The option vocabulary: every option that more than one command takes, declared once.

typer needs each parameter declared on each command; these aliases give each one the same
name, environment variable and help text wherever it appears.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from .console import EXIT_UNVERIFIED


class OutputFormat(StrEnum):
    json = "json"
    table = "table"


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
            "At most this many claims per article, the most check-worthy (by sentences), or per chunk of "
            "a long one (single). Default: 30 for the local model by sentences (8 with --strategy single), "
            "30 for other providers."
        ),
        show_default=False,
    ),
]
MinCheckworthinessOption = Annotated[
    float | None,
    typer.Option(
        "--min-checkworthiness",
        min=0,
        max=1,
        help=(
            "Leave out claims scoring under this (0 to 1). A figure, a named source, a named actor and a "
            "time raise the score; opinion words and possibilities lower it. Default: 0.25, which leaves "
            "out claims with no figure, name or source; 0 keeps every claim."
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
            "How claims are asked for. [bold]sentences[/bold] (the local model's default): each "
            "sentence with something to check is a claim, its evidence the sentence, its speaker and "
            "hedging read from the text; the model restates only those that do not stand alone. "
            "[bold]single[/bold] (the default elsewhere): one call per text, the model picks the claims "
            "and quotes its evidence."
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


def task_option(what: str) -> typer.models.OptionInfo:
    """`--task`, said for one command (`what`: what the task does there)."""
    return typer.Option(
        "--task",
        "-t",
        help=(
            f"{what}: a task folder (task.toml, the templates, the schema), one .toml file, or the name of a "
            "given task (claimex tasks lists them). See claimex tasks check PATH for what is asked."
        ),
        show_default=False,
    )
