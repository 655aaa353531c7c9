"""Which server is asked, and how: the presets (provider quirks as data) and the settings of a run.

Options win over `CLAIMEX_*` variables, which win over the preset (`resolve_settings`). The CLI,
the service and the Python API all resolve settings here, so they read the environment alike.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ..errors import ClaimexError


@dataclass(frozen=True)
class Preset:
    name: str
    base_url: str | None
    model: str
    # How structured output is asked for. llama.cpp's server answers HTTP 500 to
    # response_format={"type": "json_schema"} but constrains tool calls with a grammar built
    # from the tool's JSON Schema; Ollama and OpenAI take json_schema natively.
    mode: str
    needs_api_key: bool = False
    # Extra request fields the server understands beyond the OpenAI API.
    extra_body: Mapping[str, Any] = field(default_factory=dict)
    # Requests in flight that the server takes in parallel, and the characters of article text
    # that fit its context beside the prompt and the answer.
    concurrency: int = 4
    chunk_chars: int = 40_000
    # How claims are asked for (pipeline.STRATEGIES), and how many one chunk may give by each
    # strategy: a capable model finds 20-30 checkable claims in a news article.
    strategy: str = "single"
    max_claims_single: int = 30
    max_claims_sentences: int = 60
    # By sentences: whether the model restates a sentence that opens on a reference ("Selon
    # eux", "The company") or claimex's readers do it (the pronoun named, or the sentences it
    # refers to joined). The embedded 1.5B model copied such sentences as they were 7 times in 8.
    restate_references: bool = True
    help: str = ""

    def max_claims(self, strategy: str) -> int:
        return self.max_claims_sentences if strategy == "sentences" else self.max_claims_single


PRESETS: dict[str, Preset] = {
    "local": Preset(
        name="local",
        base_url=None,  # the embedded server claimex starts, or one `claimex model serve` runs
        model="qwen2.5-coder-1.5b-instruct",
        mode="tools",
        # A tiny model left alone repeats itself until max_tokens.
        extra_body={"repeat_penalty": 1.15},
        # llama.cpp's server answers one request at a time. Its 8,192-token context holds a
        # 4,000-character chunk of French with the instructions and a 1,500-token answer, and
        # a re-ask that repeats that answer; a small model does no better with more text.
        concurrency=1,
        chunk_chars=4_000,
        # A small model cannot quote faithfully nor pick 20 facts at once; it can state the
        # claims of one sentence. One call for the whole text stays possible (--strategy single),
        # asking for few claims, which is what such a model manages.
        strategy="sentences",
        max_claims_single=8,
        max_claims_sentences=30,
        restate_references=False,
        help="the embedded llama.cpp server with the model shipped in claimex[local]",
    ),
    "ollama": Preset(
        name="ollama",
        base_url="http://localhost:11434/v1",
        model="llama3.2",
        mode="json_schema",
        help="a local Ollama (ollama serve); pick the model with --model",
    ),
    "openai": Preset(
        name="openai",
        base_url="https://api.openai.com/v1",
        model="gpt-4o-mini",
        mode="json_schema",
        needs_api_key=True,
        help="OpenAI's hosted API (needs OPENAI_API_KEY)",
    ),
    "compatible": Preset(
        name="compatible",
        base_url=None,
        model="default",
        mode="json_schema",
        help="any OpenAI-compatible server: give --base-url (and --model)",
    ),
}

MODES = ("tools", "json_schema", "json", "md_json")


@dataclass(frozen=True)
class ModelSettings:
    """Everything that decides which server is asked and how. The API key never leaves here."""

    provider: str
    base_url: str | None
    model: str
    mode: str
    api_key: str | None = field(default=None, repr=False)
    temperature: float = 0.0
    max_tokens: int = 1500
    timeout: float = 300.0
    max_attempts: int = 4
    reasks: int = 1
    extra_body: Mapping[str, Any] = field(default_factory=dict)
    # What answers, for the cache key, when the URL says nothing lasting: the embedded server
    # gets a new port every run, but the same model file gives the same answers.
    server_identity: str | None = None

    def with_base_url(self, base_url: str) -> ModelSettings:
        return replace(self, base_url=base_url)


def resolve_settings(
    *,
    provider: str | None = None,
    base_url: str | None = None,
    model: str | None = None,
    mode: str | None = None,
    environ: Mapping[str, str] | None = None,
    **overrides: Any,
) -> ModelSettings:
    """Options win over `CLAIMEX_*` variables, which win over the preset.

    A base URL given with no provider means "an OpenAI-compatible server at that URL".
    """
    env = os.environ if environ is None else environ
    provider = provider or env.get("CLAIMEX_PROVIDER") or None
    base_url = base_url or env.get("CLAIMEX_BASE_URL") or None
    if provider is None:
        base_url = base_url or env.get("OPENAI_BASE_URL") or None
        provider = "compatible" if base_url else "local"
    if provider not in PRESETS:
        raise ClaimexError(f"unknown provider {provider!r}; choose one of: {', '.join(PRESETS)}")
    preset = PRESETS[provider]
    if provider == "openai":
        base_url = base_url or env.get("OPENAI_BASE_URL") or None
    base_url = base_url or preset.base_url
    if provider == "compatible" and not base_url:
        raise ClaimexError("provider 'compatible' needs --base-url (or CLAIMEX_BASE_URL / OPENAI_BASE_URL)")
    mode = mode or env.get("CLAIMEX_MODE") or preset.mode
    if mode not in MODES:
        raise ClaimexError(f"unknown mode {mode!r}; choose one of: {', '.join(MODES)}")
    api_key = env.get("OPENAI_API_KEY") or None
    if preset.needs_api_key and not api_key:
        raise ClaimexError(f"provider {provider!r} needs an API key: set OPENAI_API_KEY")
    return ModelSettings(
        provider=provider,
        base_url=base_url.rstrip("/") if base_url else None,
        model=model or env.get("CLAIMEX_MODEL") or preset.model,
        mode=mode,
        api_key=api_key,
        extra_body=dict(preset.extra_body),
        **overrides,
    )
