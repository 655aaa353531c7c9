"""A task from disk: a folder with `task.toml`, or one `.toml` file; refused whole, in one line, or loaded.

A task folder:

    quotes/
      task.toml     name, description, the record (fields = "…" or schema = "schema.json"/"schema.py"),
                    evidence = [...], [values]
      system.j2     the system template  ┐ or one prompt.j2 with {% block system %}
      user.j2       the user template    ┘ and {% block user %}
      schema.json   (or schema.py) when task.toml says schema = "…"

A one-file task is the same `task.toml` with the templates written in it: `system` and `user`
as TOML's multi-line strings. The task's sha256 is of its files in name order: editing any of them
changes what is asked (the cache key holds it), an unchanged task is answered from the cache.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .._resources import resource_dir
from ..errors import TaskError
from ..models import TaskRef
from .schema import Record, from_field_list, from_json_schema, from_python, record_of
from .templates import ROLES, STRATEGY_ROLES, Message, Templates, compile_templates

MANIFEST = "task.toml"
MAX_FILE_BYTES = 1 << 20
_KEYS = {
    "name", "description", "fields", "schema", "model", "record", "evidence", "quotations", "values",
    "sentences",
}  # fmt: skip
_INLINE = {"system", "user", "sentence_system", "sentence_user"}
SENTENCE_CHOICES: dict[str, str] = {
    "every": "every sentence claimex keeps (not bylines, captions, calls to action)",
    "quoted": "the sentences with a quotation mark",
    "figures": "the sentences that give a figure (not only a year or a date)",
}
"""Which sentences a task's per-sentence templates are asked about (`sentences = "…"` in task.toml)."""
CLAIMS = "claims"
"""The name of the built-in task, and of `record = "claims"`: claimex's own claims and their checks."""


@dataclass(frozen=True)
class Task:
    """A loaded task: what it asks (templates), what it wants back (the record), and how it is checked."""

    name: str
    description: str
    path: Path
    sha256: str
    templates: Templates
    record: Record
    files: tuple[str, ...]
    claims: bool = False
    """The record is claimex's claims (`record = "claims"`): asked with this task's templates,
    checked by the claims' rules (checks/support.py), written as a claims result."""
    sentences: str = "every"
    """Which sentences the per-sentence templates are asked about (`SENTENCE_CHOICES`)."""
    builtin: bool = False
    """The task that comes inside claimex (`claims`): its results name it `claimex:claims`, not a path."""
    _answers: dict[int, tuple[type[BaseModel], type[BaseModel]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @property
    def strategies(self) -> tuple[str, ...]:
        """The strategies the task can be asked with: `single` with per-chunk templates,
        `sentences` with per-sentence ones."""
        return self.templates.strategies

    @property
    def ref(self) -> TaskRef:
        return TaskRef(
            name=self.name,
            sha256=self.sha256,
            path=f"claimex:{self.name}" if self.builtin else str(self.path),
        )

    def messages(self, text: str, *, max_records: int, context_header: str | None = None) -> list[Message]:
        return self.templates.messages(text, max_records=max_records, context_header=context_header)


class _Files:
    """The task's files as read, for its hash; every read error names the file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.read: dict[str, bytes] = {}

    def text(self, name: str, what: str) -> tuple[str, Path]:
        path = self.folder / name
        try:
            if path.is_dir():
                raise TaskError(f"{path}: the {what} is a folder, not a file")
            if path.stat().st_size > MAX_FILE_BYTES:
                raise TaskError(f"{path}: the {what} is over {MAX_FILE_BYTES >> 20} MiB")
            data = path.read_bytes()
        except FileNotFoundError:
            raise TaskError(f"{path}: the {what} is missing") from None
        except OSError as error:
            raise TaskError(f"{path}: cannot read the {what} ({error.strerror or error})") from None
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise TaskError(f"{path}: the {what} is not UTF-8 text") from None
        self.read[name] = data
        return text, path

    def sha256(self) -> str:
        digest = hashlib.sha256()
        for name in sorted(self.read):
            data = self.read[name]
            digest.update(f"{name}\0{len(data)}\0".encode())
            digest.update(data)
        return digest.hexdigest()


def load_task(spec: str | Path) -> Task:
    """The task at `spec` (a folder, a `.toml` file, or the name of a given task), or a `TaskError`.

    A task folder of yours wins over a given task of the same name; a folder that is no task (no
    task.toml) does not hide one."""
    path = Path(spec)
    # A given task's name beside a folder of that name which is no task (a batch's output
    # folder "quotes/", say) means the given task: a folder is a task only with its manifest.
    shadowed = path.is_dir() and not (path / MANIFEST).is_file() and Path(str(spec)).name == str(spec)
    if str(spec) == CLAIMS and (not path.exists() or shadowed):
        return builtin_claims()
    if not path.exists() or (shadowed and str(spec) in given_tasks()):
        given = given_tasks()
        if str(spec) in given:
            path = given[str(spec)]
        else:
            names = ", ".join(given) or "none"
            raise TaskError(f"{spec}: no such task folder or file (given tasks: {names})")
    if path.is_dir():
        return _load(path, MANIFEST, inline=False)
    if path.suffix != ".toml":
        raise TaskError(f"{path}: a task is a folder with {MANIFEST}, or one .toml file")
    return _load(path.parent, path.name, inline=True)


def _load(folder: Path, manifest_name: str, *, inline: bool) -> Task:
    files = _Files(folder)
    text, manifest_path = files.text(manifest_name, "task manifest")
    where = str(manifest_path)
    try:
        manifest = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise TaskError(f"{where}: not TOML: {error}") from None
    allowed = _KEYS | (_INLINE if inline else set())
    unknown = sorted(set(manifest) - allowed)
    if unknown:
        raise TaskError(
            f"{where}: unknown key {', '.join(map(repr, unknown))}; the keys are {', '.join(sorted(allowed))}"
        )
    name = _string(manifest, "name", where) or (manifest_path.stem if inline else folder.name)
    if not re.fullmatch(r"[\w.-]{1,64}", name):
        raise TaskError(f"{where}: the name {name!r} must be 1 to 64 letters, digits, '_', '-' or '.'")
    templates = _templates(manifest, files, where, inline=inline)
    claims = manifest.get("record") is not None
    record = _claims_record(manifest, where) if claims else _record(manifest, files, where)
    sentences = _string(manifest, "sentences", where) or "every"
    if sentences not in SENTENCE_CHOICES:
        raise TaskError(
            f"{where}: sentences = {sentences!r} is not one of {', '.join(map(repr, SENTENCE_CHOICES))}"
        )
    if "sentences" in manifest and "sentences" not in templates.strategies:
        raise TaskError(f"{where}: sentences = … chooses the sentences of per-sentence templates; give them")
    return Task(
        name=name,
        description=_string(manifest, "description", where) or "",
        path=manifest_path if inline else folder,
        sha256=files.sha256(),
        templates=templates,
        record=record,
        files=tuple(sorted(files.read)),
        claims=claims,
        sentences=sentences,
    )


def _string(manifest: Mapping[str, Any], key: str, where: str) -> str | None:
    value = manifest.get(key)
    if value is not None and not isinstance(value, str):
        raise TaskError(f"{where}: {key} must be a string")
    return value


def _templates(manifest: Mapping[str, Any], files: _Files, where: str, *, inline: bool) -> Templates:
    """The templates the task gives: per chunk (system, user), per sentence (sentence_system,
    sentence_user), or both; one pair half given is refused, naming the half that is missing."""
    sources: dict[str, tuple[str, str]] = {}
    roles: dict[str, tuple[str, str | None]] = {}
    if inline:
        for role in ROLES:
            source = _string(manifest, role, where)
            if source is not None:
                sources[role], roles[role] = (source, f"{where} ({role})"), (role, None)
        _whole_pairs(set(roles), lambda role: f'{where}: no {role} template: write it as {role} = """…"""')
        return compile_templates(sources, roles)
    if (files.folder / "prompt.j2").exists():
        source, path = files.text("prompt.j2", "prompt template")
        blocks = set(re.findall(r"{%-?\s*block\s+(\w+)", source)) & set(ROLES)
        # A prompt.j2 without a block of either pair is told of the per-chunk one it needs.
        given = [role for role in ROLES if role in blocks] or list(STRATEGY_ROLES["single"])
        roles = {role: ("prompt.j2", role) for role in given}
        _whole_pairs(set(roles), lambda role: f"{path}: no {{% block {role} %}}: give both blocks of a pair")
        return compile_templates({"prompt.j2": (source, str(path))}, roles)
    present = {role for role in ROLES if (files.folder / f"{role}.j2").exists()}
    if not present:
        raise TaskError(
            f"{files.folder}: no template: give system.j2 and user.j2 (asked per chunk), "
            "sentence_system.j2 and sentence_user.j2 (per sentence), or one prompt.j2"
        )
    for pair in STRATEGY_ROLES.values():
        if present & set(pair):
            for role in pair:  # the missing half of a pair is read, and so named, here
                source, path = files.text(f"{role}.j2", f"{role.replace('_', ' ')} template")
                sources[f"{role}.j2"], roles[role] = (source, str(path)), (f"{role}.j2", None)
    return compile_templates(sources, roles)


def _whole_pairs(given: set[str], missing: Any) -> None:
    if not given:
        raise TaskError(missing("system").replace("no system template", "no template"))
    for pair in STRATEGY_ROLES.values():
        if given & set(pair):
            for role in pair:
                if role not in given:
                    raise TaskError(missing(role))


def _claims_record(manifest: Mapping[str, Any], where: str) -> Record:
    """`record = "claims"`: claimex's own claim (models.ExtractedClaim) and its checks."""
    if manifest.get("record") != CLAIMS:
        raise TaskError(f'{where}: record = … can only be "{CLAIMS}" (claimex\'s own claims)')
    given = sorted(
        key for key in ("fields", "schema", "model", "evidence", "quotations", "values") if key in manifest
    )
    if given:
        raise TaskError(
            f'{where}: record = "{CLAIMS}" is claimex\'s claim record; it takes no {", ".join(given)}'
        )
    from ..checks.records import RecordSpec
    from ..models import ExtractedClaim

    return Record(ExtractedClaim, RecordSpec(evidence=("evidence",), values={}, quotations=()), ())


def _record(manifest: Mapping[str, Any], files: _Files, where: str) -> Record:
    fields, schema = manifest.get("fields"), _string(manifest, "schema", where)
    evidence = manifest.get("evidence", [])
    quotations = manifest.get("quotations", [])
    values = manifest.get("values", {})
    for key, listed in (("evidence", evidence), ("quotations", quotations)):
        if not isinstance(listed, list) or not all(isinstance(item, str) for item in listed):
            raise TaskError(f'{where}: {key} must be a list of field names, as {key} = ["quote"]')
    if not isinstance(values, dict) or not all(isinstance(kind, str) for kind in values.values()):
        raise TaskError(f'{where}: values must be a table of field = kind, as [values] speaker = "name"')
    if (fields is None) == (schema is None):
        raise TaskError(
            f'{where}: give the record either as fields = "…" or as schema = "schema.json" (or .py)'
        )
    if fields is not None:
        if not isinstance(fields, str):
            raise TaskError(
                f'{where}: fields must be a string, as fields = "speaker name: who speaks, quote evidence: …"'
            )
        model, typed_evidence, typed_values, typed_quotations = from_field_list(fields, where)
        evidence = [*typed_evidence, *(name for name in evidence if name not in typed_evidence)]
        quotations = [*typed_quotations, *(name for name in quotations if name not in typed_quotations)]
        values = {**typed_values, **values}
        return record_of(model, evidence, values, where, quotations)
    assert schema is not None
    source, path = files.text(schema, "schema")
    if path.suffix == ".json":
        model = from_json_schema(path, source)
    elif path.suffix == ".py":
        model = from_python(path, _string(manifest, "model", where))
    else:
        raise TaskError(f"{path}: a task's schema is a .json (JSON Schema) or .py (pydantic) file")
    try:
        return record_of(model, evidence, values, where, quotations)
    except TaskError as error:
        if str(error).startswith(where) or str(error).startswith(str(path)):
            raise
        raise TaskError(f"{path}: {error}") from None


@cache
def _given_dir() -> Path | None:
    try:
        return resource_dir("examples/tasks")
    except FileNotFoundError:
        return None


def builtin_path() -> Path:
    """The built-in claims task's folder (`prompts/claims/`)."""
    return resource_dir("prompts") / CLAIMS


@cache
def builtin_claims() -> Task:
    """The built-in claims task, loaded once per process as any task is loaded."""
    return replace(load_task(builtin_path()), builtin=True)


def given_tasks() -> dict[str, Path]:
    """The tasks that come with claimex, by name: the built-in claims, then `examples/tasks/`
    (folders with task.toml, .toml files)."""
    found: dict[str, Path] = {CLAIMS: builtin_path()}
    folder = _given_dir()
    if folder is None:
        return found
    for path in sorted(folder.iterdir()):
        if path.is_dir() and (path / MANIFEST).is_file():
            found.setdefault(path.name, path)
        elif path.suffix == ".toml" and path.is_file():
            found.setdefault(path.stem, path)
    return found
