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
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .._resources import resource_dir
from ..errors import TaskError
from ..models import TaskRef
from .schema import Record, from_field_list, from_json_schema, from_python, record_of
from .templates import Message, Templates, compile_templates

MANIFEST = "task.toml"
MAX_FILE_BYTES = 1 << 20
_KEYS = {"name", "description", "fields", "schema", "model", "evidence", "quotations", "values"}
_INLINE = {"system", "user"}


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
    _answers: dict[int, tuple[type[BaseModel], type[BaseModel]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @property
    def ref(self) -> TaskRef:
        return TaskRef(name=self.name, sha256=self.sha256, path=str(self.path))

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
    """The task at `spec` (a folder, a `.toml` file, or the name of a given task), or a `TaskError`."""
    path = Path(spec)
    if not path.exists():
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
    record = _record(manifest, files, where)
    return Task(
        name=name,
        description=_string(manifest, "description", where) or "",
        path=manifest_path if inline else folder,
        sha256=files.sha256(),
        templates=templates,
        record=record,
        files=tuple(sorted(files.read)),
    )


def _string(manifest: Mapping[str, Any], key: str, where: str) -> str | None:
    value = manifest.get(key)
    if value is not None and not isinstance(value, str):
        raise TaskError(f"{where}: {key} must be a string")
    return value


def _templates(manifest: Mapping[str, Any], files: _Files, where: str, *, inline: bool) -> Templates:
    if inline:
        sources = {}
        for role in ("system", "user"):
            source = _string(manifest, role, where)
            if source is None:
                raise TaskError(f'{where}: no {role} template: write it as {role} = """…"""')
            sources[role] = (source, f"{where} ({role})")
        return compile_templates(sources, {role: (role, None) for role in ("system", "user")})
    if (files.folder / "prompt.j2").exists():
        source, path = files.text("prompt.j2", "prompt template")
        return compile_templates(
            {"prompt.j2": (source, str(path))}, {r: ("prompt.j2", r) for r in ("system", "user")}
        )
    if not (files.folder / "system.j2").exists() and not (files.folder / "user.j2").exists():
        raise TaskError(f"{files.folder}: no template: give system.j2 and user.j2, or one prompt.j2")
    sources = {}
    for role in ("system", "user"):
        source, path = files.text(f"{role}.j2", f"{role} template")
        sources[f"{role}.j2"] = (source, str(path))
    return compile_templates(sources, {role: (f"{role}.j2", None) for role in ("system", "user")})


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


def given_tasks() -> dict[str, Path]:
    """The tasks that come with claimex (`examples/tasks/`), by name: folders with task.toml, .toml files."""
    folder = _given_dir()
    if folder is None:
        return {}
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.is_dir() and (path / MANIFEST).is_file():
            found[path.name] = path
        elif path.suffix == ".toml" and path.is_file():
            found[path.stem] = path
    return found
