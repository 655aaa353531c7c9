"""The import paths of claimex 0.1 before the package took its layers, kept working until 2027-06-01.

`import claimex.verify`, `from claimex.llm import ModelClient` and the like still work, with a
DeprecationWarning that names the new place. This module (and the `__getattr__` of
`claimex.llm`, `claimex.service`, `claimex.cli` and `claimex.session` that use it) goes on 2027-06-01, or with
claimex 0.3, whichever comes first. The public API is `claimex.*` itself (`claimex.__all__`).
"""

from __future__ import annotations

import importlib
import importlib.machinery
import sys
import types
import warnings
from collections.abc import Callable, Sequence
from typing import Any

REMOVAL = "2027-06-01"

# Old module → where it lives now.
MOVED_MODULES = {
    "claimex.documents": "claimex.text.documents",
    "claimex.sentences": "claimex.text.sentences",
    "claimex.chunking": "claimex.text.chunking",
    "claimex.selection": "claimex.text.selection",
    "claimex.verify": "claimex.checks.verify",
    "claimex.figures": "claimex.checks.figures",
    "claimex.support": "claimex.checks.support",
    "claimex.cache": "claimex.llm.cache",
    "claimex.transport": "claimex.llm.transport",
    "claimex.structured": "claimex.llm.structured",
    "claimex.embedded_model": "claimex.local.model",
    "claimex.local_server": "claimex.local.server",
    "claimex.ask_quotes": "claimex.strategies.single",
    "claimex.ask_sentences": "claimex.strategies.sentences",
    "claimex.prompting": "claimex.strategies.prompting",
    "claimex.admission": "claimex.service.admission",
    "claimex.service_models": "claimex.service.models",
    "claimex.service_errors": "claimex.service.errors",
    "claimex.service_run": "claimex.service.run",
}

_ERRORS = ("ModelError", "ServerError", "ServerUnreachable", "AnswerTimeout", "AnswerCutOff")

# Old module (or one that is a package now) → its names that moved, and where to.
MOVED_NAMES: dict[str, dict[str, str]] = {
    "claimex.checking": {
        **dict.fromkeys(("Article", "verify_claim", "claim_parts", "judged"), "claimex.checks.verdict"),
        **dict.fromkeys(("ChunkAnswer", "checking_against", "current_article"), "claimex.strategies.context"),
    },
    "claimex.llm": {
        **dict.fromkeys(_ERRORS, "claimex.errors"),
        **dict.fromkeys(
            ("Preset", "PRESETS", "MODES", "ModelSettings", "resolve_settings"), "claimex.llm.settings"
        ),
        **dict.fromkeys(
            ("is_retryable", "retry_after_seconds", "MAX_RETRY_AFTER", "Backoff"), "claimex.llm.retries"
        ),
        **dict.fromkeys(("describe_api_error", "describe_unexpected_body"), "claimex.llm.diagnosis"),
        **dict.fromkeys(
            ("CACHE_FORMAT", "cache_key", "CallRecord", "ModelClient", "model_client"), "claimex.llm.client"
        ),
    },
    "claimex.session": dict.fromkeys(
        ("extraction_options", "ExtractionOptions", "check_strategy"), "claimex.pipeline"
    ),
    "claimex.service": {
        **dict.fromkeys(
            ("DEFAULT_QUEUE", "DEFAULT_MAX_BODY", "HTTP_SOURCE", "ServiceConfig", "NotCached", "Service"),
            "claimex.service.app",
        ),
        "create_app": "claimex.service.app",
    },
    "claimex.cli": {
        **dict.fromkeys(
            ("EXIT_UNVERIFIED", "EXIT_PARTIAL", "EXIT_INTERRUPTED", "EXIT_TERMINATED"), "claimex.cli.console"
        ),
        **dict.fromkeys(("cache_app", "model_app"), "claimex.cli.root"),
        "OutputFormat": "claimex.cli.options",
        **dict.fromkeys(("extract", "verify"), "claimex.cli.article"),
        **dict.fromkeys(("cache_info", "cache_clear"), "claimex.cli.cache"),
        **dict.fromkeys(("model_serve", "model_status"), "claimex.cli.model"),
    },
}


def _warn(old: str, new: str) -> None:
    warnings.warn(
        f"{old} is now {new}; the old name goes on {REMOVAL} (claimex 0.3)", DeprecationWarning, stacklevel=3
    )


def old_names(module: str) -> Callable[[str], Any]:
    """A module `__getattr__` that finds `module`'s moved names where they are now."""
    moved = MOVED_NAMES[module]

    def __getattr__(name: str) -> Any:
        if name not in moved:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        _warn(f"{module}.{name}", f"{moved[name]}.{name}")
        value = getattr(importlib.import_module(moved[name]), name)
        setattr(sys.modules[module], name, value)  # warned once: `from m import x` asks twice
        return value

    return __getattr__


class _Alias:
    """Finds the old modules (after every real finder has not): the new module itself, or, for a
    module whose names went to several places, a module that looks them up there.

    A finder and loader by their methods alone: importlib.abc costs 12 ms to import.
    """

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname in MOVED_MODULES or (fullname in MOVED_NAMES and fullname.count(".") == 1):
            return importlib.machinery.ModuleSpec(fullname, self)  # type: ignore[arg-type]
        return None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        if spec.name in MOVED_MODULES:
            _warn(spec.name, MOVED_MODULES[spec.name])
            return importlib.import_module(MOVED_MODULES[spec.name])
        module = types.ModuleType(spec.name, f"Moved: see {sorted(set(MOVED_NAMES[spec.name].values()))}.")
        module.__getattr__ = old_names(spec.name)  # type: ignore[method-assign]
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        pass  # the new module ran already


_finder = _Alias()


def install() -> None:
    if _finder not in sys.meta_path:
        sys.meta_path.append(_finder)
