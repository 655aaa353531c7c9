"""Prompt: render `prompts/*.j2` into the chat messages sent to the model."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import TYPE_CHECKING

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


@cache
def _instructions(template: str, max_claims: int) -> str:
    """A system message: the same for every text of a run, so rendered once."""
    return render(template, max_claims=max_claims, max_evidence=MAX_EVIDENCE)


def extraction_messages(
    text: str, *, max_claims: int = MAX_CLAIMS, context_header: str | None = None
) -> list[Message]:
    """The system instructions with the few-shot examples, then the article itself.

    The article is passed as a template *value*, never as template source, so braces or
    `{%` in an article reach the model untouched.
    """
    return [
        {
            "role": "system",
            "content": _instructions("extract_system.j2", max_claims),
        },
        {"role": "user", "content": render("extract_user.j2", text=text, context_header=context_header)},
    ]


def restatement_messages(
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
    return [
        {"role": "system", "content": _instructions("restate_system.j2", max_claims)},
        {
            "role": "user",
            "content": render(
                "restate_user.j2",
                title=title,
                before=before,
                sentence=sentence,
                task=task,
                speakers=list(speakers),
            ),
        },
    ]


def reask_message(
    missing_quotes: Sequence[str], unsupported: Sequence[str] = (), *, fix_only: bool = False
) -> str:
    """What the model is told when quotes are not in the article or do not state their claim.

    `fix_only`: the claims are right to exist (their sentence has something to check) and
    need correcting; a small model offered to drop them drops them.
    """
    return render("reask.j2", quotes=list(missing_quotes), unsupported=list(unsupported), fix_only=fix_only)
