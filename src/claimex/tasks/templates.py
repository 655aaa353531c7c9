"""A task's prompt templates: Jinja in a sandbox, the documented variables only, checked at load.

A task asks in one of two ways, each a system and a user template:

- per chunk (`--strategy single`): `system.j2` and `user.j2`, rendered with `CHUNK_VARIABLES`
  (the article, or one chunk of a long one);
- per sentence (`--strategy sentences`): `sentence_system.j2` and `sentence_user.j2`, rendered
  with `SENTENCE_VARIABLES` (one sentence, the title and the sentences before it, and who
  claimex's reporting cues say may be speaking).

Or one `prompt.j2` with a `{% block %}` for each of those four names it gives. A task gives one
pair or both. They are the user's, so they render in Jinja's `SandboxedEnvironment` (no
attribute of Python's internals is reachable) with `StrictUndefined` (a misspelt variable is
an error, not ""), from the task's own sources only (an `{% include %}` of anything else is not
found). The article is passed as a value: `{{ 7*7 }}` or `{% include %}` written in an article
reach the model as written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import jinja2
from jinja2 import meta
from jinja2.sandbox import SandboxedEnvironment

from ..errors import TaskError
from ..models import MAX_EVIDENCE

CHUNK_VARIABLES: Mapping[str, str] = {
    "text": "the article, or the chunk of a long article being asked about",
    "max_records": "the most records the answer may hold",
    "context_header": "the title and first lines of the article, for a chunk that does not start with them; "
    "none for the first chunk or a whole article",
    "max_evidence": "the most quotes one list of evidence may hold",
}
"""What a task's per-chunk templates (system.j2, user.j2) may use, with what each holds."""

SENTENCE_VARIABLES: Mapping[str, str] = {
    "sentence": "the sentence being asked about, as the article writes it",
    "title": "the article's title; none when it has none or the sentence is the title",
    "before": "the sentences just before it (up to two), joined; none for the first",
    "speakers": "who may be saying the sentence, as (letter, name) pairs: A is the article itself, "
    "then the people and bodies claimex's reporting cues credit it to",
    "instruction": "what claimex asks to be done with the sentence beyond the task's own ask "
    "(e.g. replace a pronoun by who it is); none for most sentences",
    "quotations": "the passages the sentence puts between quotation marks, without the marks, "
    "as claimex reads them (a list, empty for most sentences)",
    "figures": 'the figures the sentence gives, as it writes them ("au moins 30", "50.000"), '
    "as claimex's figure reader finds them, not years (a list)",
    "max_records": "the most records the answer may hold",
    "max_evidence": "the most quotes one list of evidence may hold",
}
"""What a task's per-sentence templates (sentence_system.j2, sentence_user.j2) may use."""

VARIABLES: Mapping[str, str] = {**CHUNK_VARIABLES, **SENTENCE_VARIABLES}
"""Every variable a template may use, with what each holds."""

STRATEGY_ROLES: Mapping[str, tuple[str, str]] = {
    "single": ("system", "user"),
    "sentences": ("sentence_system", "sentence_user"),
}
"""The templates (system, user) each strategy asks with."""
ROLE_VARIABLES: Mapping[str, Mapping[str, str]] = {
    "system": CHUNK_VARIABLES,
    "user": CHUNK_VARIABLES,
    "sentence_system": SENTENCE_VARIABLES,
    "sentence_user": SENTENCE_VARIABLES,
}
ROLES = tuple(ROLE_VARIABLES)
Message = dict[str, str]

# What the templates are rendered with when the task is loaded: every branch a variable opens, too.
_SAMPLES: Mapping[str, tuple[dict[str, object], ...]] = {
    "chunk": (
        {"text": "Sample article.", "max_records": 3, "context_header": None, "max_evidence": 2},
        {"text": "Sample article.", "max_records": 3, "context_header": "Sample title", "max_evidence": 2},
    ),
    "sentence": (
        {
            "sentence": "Sample sentence.",
            "title": None,
            "before": None,
            "speakers": [("A", "the article itself")],
            "instruction": None,
            "quotations": [],
            "figures": [],
            "max_records": 3,
            "max_evidence": 2,
        },
        {
            "sentence": "Sample sentence.",
            "title": "Sample title",
            "before": "A sentence before.",
            "speakers": [("A", "the article itself"), ("B", "the ministry")],
            "instruction": "it begins with “It”: write who or what “It” is.",
            "quotations": ["a sample quotation"],
            "figures": ["12 000"],
            "max_records": 3,
            "max_evidence": 2,
        },
    ),
}


@dataclass(frozen=True)
class Templates:
    """The task's templates, each role's template and where it came from (for errors)."""

    environment: jinja2.Environment
    # role → (template name in the environment, block name or None, what to call it in an error)
    roles: Mapping[str, tuple[str, str | None, str]]
    # role → the variables its template uses: a system message using none of the per-call ones
    # is rendered once per run (and llama.cpp keeps it in its KV cache).
    uses: Mapping[str, frozenset[str]] = field(default_factory=dict)
    _rendered: dict[tuple[str, tuple[tuple[str, object], ...]], str] = field(
        default_factory=dict, compare=False, repr=False
    )

    @property
    def strategies(self) -> tuple[str, ...]:
        """The strategies this task can be asked with: those whose two templates it gives."""
        return tuple(s for s, pair in STRATEGY_ROLES.items() if all(role in self.roles for role in pair))

    def render(self, role: str, **variables: object) -> str:
        used = self.uses.get(role)
        key = None
        if used is not None and used <= {"max_records", "max_evidence"}:
            key = (role, tuple(sorted((name, variables.get(name)) for name in used)))
            if key in self._rendered:
                return self._rendered[key]
        name, block, _ = self.roles[role]
        template = self.environment.get_template(name)
        if block is None:
            text = template.render(**variables).strip()
        else:
            text = "".join(template.blocks[block](template.new_context(dict(variables)))).strip()
        if key is not None:
            self._rendered[key] = text
        return text

    def messages_for(self, strategy: str, **variables: object) -> list[Message]:
        """The system and user messages `strategy` asks with, rendered with `variables`."""
        system, user = STRATEGY_ROLES[strategy]
        return [
            {"role": "system", "content": self.render(system, **variables)},
            {"role": "user", "content": self.render(user, **variables)},
        ]

    def messages(
        self, text: str, *, max_records: int, context_header: str | None, max_evidence: int = MAX_EVIDENCE
    ) -> list[Message]:
        """The per-chunk messages (the single strategy's)."""
        return self.messages_for(
            "single",
            text=text,
            max_records=max_records,
            context_header=context_header,
            max_evidence=max_evidence,
        )


def compile_templates(
    sources: Mapping[str, tuple[str, str]], roles: Mapping[str, tuple[str, str | None]]
) -> Templates:
    """`sources`: template name → (source, what to call it in an error: its file). `roles`: role →
    (template name, block). Refuses a syntax error, an unknown variable, a missing block, and a
    template that fails on a sample article, naming the file."""
    environment = SandboxedEnvironment(
        loader=jinja2.DictLoader({name: source for name, (source, _) in sources.items()}),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
        auto_reload=False,
    )
    trees = {}
    for name, (source, where) in sources.items():
        try:
            trees[name] = environment.parse(source, name=name)
        except jinja2.TemplateSyntaxError as error:
            raise TaskError(f"{where}:{error.lineno}: template syntax error: {error.message}") from None
    # What each template may use: the variables of the roles it is rendered for (one prompt.j2
    # renders all of them, each block with its own; its variables are checked together).
    allowed: dict[str, set[str]] = {}
    for role, (name, _) in roles.items():
        allowed.setdefault(name, set()).update(ROLE_VARIABLES[role])
    uses: dict[str, frozenset[str]] = {}
    for name, tree in trees.items():
        used = meta.find_undeclared_variables(tree)
        unknown = sorted(used - allowed.get(name, set()))
        if unknown:
            listed = ", ".join(f"“{variable}”" for variable in unknown)
            kinds = [role for role, (n, _) in roles.items() if n == name]
            may = list(dict.fromkeys(v for role in kinds for v in ROLE_VARIABLES[role]))
            which = "per-sentence templates" if all(k.startswith("sentence_") for k in kinds) else "templates"
            raise TaskError(
                f"{sources[name][1]}: unknown variable {listed}; a task's {which} may use {', '.join(may)}"
            )
        for role, (n, block) in roles.items():
            if n == name:
                uses[role] = frozenset(used) if block is None else frozenset(VARIABLES)
    templates = Templates(
        environment, {role: (name, block, sources[name][1]) for role, (name, block) in roles.items()}, uses
    )
    for role, (name, block, where) in templates.roles.items():
        if block is not None and block not in environment.get_template(name).blocks:
            raise TaskError(
                f"{where}: no {{% block {block} %}}: a one-file prompt needs a system and a user block"
            )
        for sample in _SAMPLES["sentence" if role.startswith("sentence_") else "chunk"]:
            try:
                templates.render(role, **sample)
            except jinja2.TemplateError as error:
                raise TaskError(f"{where}: the {role} template fails: {error.message or error}") from None
            except (
                Exception
            ) as error:  # the sandbox turns unsafe calls into errors; any other is the template's
                raise TaskError(
                    f"{where}: the {role} template fails: {type(error).__name__}: {error}"
                ) from None
    templates._rendered.clear()
    return templates
