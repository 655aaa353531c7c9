"""Prompt: the chat messages sent to the model.

The claims' prompts are a task's templates (the built-in `prompts/claims/`, or a user's task with
`record = "claims"`), handed in as `Prompts`; claimex's own messages (the re-asks,
`prompts/*.j2`) are rendered here.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING, Protocol

from .._resources import resource_dir
from ..models import MAX_CLAIMS, MAX_EVIDENCE

if TYPE_CHECKING:
    import jinja2

Message = dict[str, str]


@cache
def _environment() -> jinja2.Environment:
    import jinja2  # on the first prompt: `claimex verify` and a run answered from the cache render none

    # Prompts are plain text: no HTML escaping, and a misspelt variable is an error, not "".
    # Loaded once: not checked for changes before every render (two file stats a question).
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(resource_dir("prompts")),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
        auto_reload=False,
    )


def render(template: str, **variables: object) -> str:
    return _environment().get_template(template).render(**variables).strip()


class Prompts(Protocol):
    """A task's templates (`claimex.tasks.templates.Templates`): what claims are asked with.

    The built-in claims are a task (`prompts/claims/`), loaded as any task is; the strategies
    render whichever claims task they are given through this one method."""

    def messages_for(self, strategy: str, **variables: object) -> list[Message]: ...


def extraction_messages(
    prompts: Prompts, text: str, *, max_claims: int = MAX_CLAIMS, context_header: str | None = None
) -> list[Message]:
    """The system instructions with the few-shot examples, then the article itself.

    The article is passed as a template *value*, never as template source, so braces or
    `{%` in an article reach the model untouched.
    """
    return prompts.messages_for(
        "single", text=text, max_records=max_claims, context_header=context_header, max_evidence=MAX_EVIDENCE
    )


def restatement_messages(
    prompts: Prompts,
    sentence: str,
    *,
    speakers: Sequence[tuple[str, str]],
    title: str | None = None,
    before: str | None = None,
    task: str | None = None,
    max_claims: int,
) -> list[Message]:
    """The instructions (the same for every question of a run: llama.cpp keeps them in its KV
    cache), then the article's title, the sentences before this one, the sentence, what is to
    be done with it (`task`: "replace “He” by who he is") and who may say it, lettered."""
    return prompts.messages_for(
        "sentences",
        sentence=sentence,
        title=title,
        before=before,
        speakers=list(speakers),
        instruction=task,
        quotations=[],
        figures=[],
        max_records=max_claims,
        max_evidence=MAX_EVIDENCE,
    )


def reask_message(
    missing_quotes: Sequence[str], unsupported: Sequence[str] = (), *, fix_only: bool = False
) -> str:
    """What the model is told when quotes are not in the article or do not state their claim.

    `fix_only`: the claims are right to exist (their sentence has something to check) and
    need correcting; a small model offered to drop them drops them.
    """
    return render("reask.j2", quotes=list(missing_quotes), unsupported=list(unsupported), fix_only=fix_only)
