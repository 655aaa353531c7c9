"""What every strategy shares: the article its answer's validators check against, and one chunk's answer.

The validators of an answer schema (the re-ask: "this quote is not in the article") run inside
instructor's parsing, where claimex can pass nothing; they find the article here.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from ..checks.verdict import Article
from ..llm.client import CallRecord
from ..models import Claim

# The article being checked, for the validators that make instructor re-ask. A context variable
# rather than instructor's `context`: instructor renders the messages as Jinja templates whenever
# a context is given, and an article may contain `{{` or `{%`. Each thread sees its own value.
_current: ContextVar[tuple[Article, Any] | None] = ContextVar("claimex_article", default=None)


@contextlib.contextmanager
def checking_against(article: Article, question: Any = None) -> Iterator[None]:
    """Validators run inside see `article` (and what the strategy asked about it, `question`).
    Set it in the thread that validates: threads do not inherit it."""
    token = _current.set((article, question))
    try:
        yield
    finally:
        _current.reset(token)


def current_article() -> Article | None:
    current = _current.get()
    return None if current is None else current[0]


def current_question() -> Any:
    """What the strategy asked about the article in this call (a sentence's reading), or None."""
    current = _current.get()
    return None if current is None else current[1]


@dataclass
class ChunkAnswer:
    """The claims of one chunk of the text, what asking for them cost, and what went wrong."""

    claims: list[Claim]
    record: CallRecord
    warnings: list[str]
    # Questions that failed within the chunk (sentences): their claims are missing.
    failed: int = 0
    # Sentences read, and of those the ones the model was asked to restate (sentence strategy).
    sentences: int = 0
    restated: int = 0
