"""A task's prompt templates: Jinja in a sandbox, the documented variables only, checked at load.

A task gives a system and a user template (`system.j2` and `user.j2`, or one `prompt.j2` with
`{% block system %}` and `{% block user %}`). They are the user's, so they render in Jinja's
`SandboxedEnvironment` (no attribute of Python's internals is reachable) with `StrictUndefined`
(a misspelt variable is an error, not ""), from the task's own sources only (an `{% include %}`
of anything else is not found). The article is passed as a value: `{{ 7*7 }}` or `{% include %}`
written in an article reach the model as written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import jinja2
from jinja2 import meta
from jinja2.sandbox import SandboxedEnvironment

from ..errors import TaskError

VARIABLES: Mapping[str, str] = {
    "text": "the article, or the chunk of a long article being asked about",
    "max_records": "the most records the answer may hold",
    "context_header": "the title and first lines of the article, for a chunk that does not start with them; "
    "none for the first chunk or a whole article",
}
"""What a task's templates may use, with what each holds."""

ROLES = ("system", "user")
Message = dict[str, str]

# What the templates are rendered with when the task is loaded: every branch a header opens, too.
_SAMPLES = (
    {"text": "Sample article.", "max_records": 3, "context_header": None},
    {"text": "Sample article.", "max_records": 3, "context_header": "Sample title"},
)


@dataclass(frozen=True)
class Templates:
    """The task's templates, each role's template and where it came from (for errors)."""

    environment: jinja2.Environment
    # role → (template name in the environment, block name or None, what to call it in an error)
    roles: Mapping[str, tuple[str, str | None, str]]

    def render(self, role: str, **variables: object) -> str:
        name, block, _ = self.roles[role]
        template = self.environment.get_template(name)
        if block is None:
            return template.render(**variables).strip()
        return "".join(template.blocks[block](template.new_context(dict(variables)))).strip()

    def messages(self, text: str, *, max_records: int, context_header: str | None) -> list[Message]:
        variables = {"text": text, "max_records": max_records, "context_header": context_header}
        return [{"role": role, "content": self.render(role, **variables)} for role in ROLES]


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
    for name, (source, where) in sources.items():
        try:
            tree = environment.parse(source, name=name)
        except jinja2.TemplateSyntaxError as error:
            raise TaskError(f"{where}:{error.lineno}: template syntax error: {error.message}") from None
        unknown = sorted(meta.find_undeclared_variables(tree) - set(VARIABLES))
        if unknown:
            listed = ", ".join(f"“{variable}”" for variable in unknown)
            raise TaskError(
                f"{where}: unknown variable {listed}; a task's templates may use {', '.join(VARIABLES)}"
            )
    templates = Templates(
        environment, {role: (name, block, sources[name][1]) for role, (name, block) in roles.items()}
    )
    for role, (name, block, where) in templates.roles.items():
        if block is not None and block not in environment.get_template(name).blocks:
            raise TaskError(
                f"{where}: no {{% block {block} %}}: a one-file prompt needs a system and a user block"
            )
        for sample in _SAMPLES:
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
    return templates
