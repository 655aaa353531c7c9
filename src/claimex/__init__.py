"""claimex: checkable claims out of news articles, every quote proved against the text.

    import claimex

    with claimex.Extractor() as extractor:
        result = extractor.extract("article.txt")
    for claim in result.claims:
        print(claim.verified, claim.statement)

The public names are re-exported lazily, so that `import claimex` (and `claimex --help`) pays
for neither pydantic, openai nor the verifier until one of them is used.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from . import _compat

__version__ = "0.1.0"

_EXPORTS = {
    # The front door.
    "Extractor": "extractor",
    # The pipeline's own steps, for callers who hold their own client or document.
    "extract": "pipeline",
    "extract_task": "pipeline",
    "reverify": "reverifying",
    "load_task": "tasks.loading",
    "Task": "tasks.loading",
    "Document": "text.documents",
    "load_document": "text.documents",
    "SourceIndex": "checks.verify",
    "verify_quote": "checks.verify",
    "ModelClient": "llm.client",
    "ModelSettings": "llm.settings",
    "resolve_settings": "llm.settings",
    "LocalServer": "local.server",
    # What a result is made of.
    "Result": "models",
    "TaskResult": "models",
    "Claim": "models",
    "Evidence": "models",
    "Support": "models",
    "Problem": "models",
    "ClaimsResponse": "models",
    "ExtractedClaim": "models",
    # The error family (claimex/errors.py draws it as a tree).
    "ClaimexError": "errors",
    "InputError": "errors",
    "TaskError": "errors",
    "ModelError": "errors",
    "ServerError": "errors",
    "ServerUnreachable": "errors",
    "AnswerTimeout": "errors",
    "AnswerCutOff": "errors",
    "LocalServerError": "errors",
    "EmbeddedModelError": "errors",
}

__all__ = [
    "AnswerCutOff",
    "AnswerTimeout",
    "Claim",
    "ClaimexError",
    "ClaimsResponse",
    "Document",
    "EmbeddedModelError",
    "Evidence",
    "ExtractedClaim",
    "Extractor",
    "InputError",
    "LocalServer",
    "LocalServerError",
    "ModelClient",
    "ModelError",
    "ModelSettings",
    "Problem",
    "Result",
    "ServerError",
    "ServerUnreachable",
    "SourceIndex",
    "Support",
    "Task",
    "TaskError",
    "TaskResult",
    "__version__",
    "extract",
    "extract_task",
    "load_document",
    "load_task",
    "resolve_settings",
    "reverify",
    "verify_quote",
]

if TYPE_CHECKING:
    from .checks.verify import SourceIndex, verify_quote
    from .errors import (
        AnswerCutOff,
        AnswerTimeout,
        ClaimexError,
        EmbeddedModelError,
        InputError,
        LocalServerError,
        ModelError,
        ServerError,
        ServerUnreachable,
        TaskError,
    )
    from .extractor import Extractor
    from .llm.client import ModelClient
    from .llm.settings import ModelSettings, resolve_settings
    from .local.server import LocalServer
    from .models import (
        Claim,
        ClaimsResponse,
        Evidence,
        ExtractedClaim,
        Problem,
        Result,
        Support,
        TaskResult,
    )
    from .pipeline import extract, extract_task
    from .reverifying import reverify
    from .tasks.loading import Task, load_task
    from .text.documents import Document, load_document

# Modules moved when the package took its layers keep their old names until 2027-06-01.
_compat.install()


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'claimex' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
