"""claimex: checkable claims out of news articles, every quote proved against the text.

The public names are re-exported lazily, so that `claimex --help` does not pay for pydantic,
openai or the verifier.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS = {
    "Document": "documents",
    "load_document": "documents",
    "ClaimexError": "errors",
    "InputError": "errors",
    "Claim": "models",
    "ClaimsResponse": "models",
    "Evidence": "models",
    "ExtractedClaim": "models",
    "Result": "models",
    "ModelClient": "llm",
    "ModelSettings": "llm",
    "resolve_settings": "llm",
    "extract": "pipeline",
    "reverify": "pipeline",
    "SourceIndex": "verify",
    "verify_quote": "verify",
    "LocalServer": "local_server",
}

__all__ = [
    "Claim",
    "ClaimexError",
    "ClaimsResponse",
    "Document",
    "Evidence",
    "ExtractedClaim",
    "InputError",
    "LocalServer",
    "ModelClient",
    "ModelSettings",
    "Result",
    "SourceIndex",
    "extract",
    "load_document",
    "resolve_settings",
    "reverify",
    "verify_quote",
]

if TYPE_CHECKING:
    from .checks.verify import SourceIndex, verify_quote
    from .errors import ClaimexError, InputError
    from .llm.client import ModelClient
    from .llm.settings import ModelSettings, resolve_settings
    from .local.server import LocalServer
    from .models import Claim, ClaimsResponse, Evidence, ExtractedClaim, Result
    from .pipeline import extract, reverify
    from .text.documents import Document, load_document


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'claimex' has no attribute {name!r}")
