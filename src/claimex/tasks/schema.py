"""A task's record: its fields from a field list, a JSON Schema or a pydantic model, bounded and checked.

Three ways to write it, one model out (a pydantic model of one record, which the answer holds a
list of):

* a field list in the spirit of simonw/llm's `--schema`: `"speaker name: who speaks, quote
  evidence: the words"` (comma- or line-separated `name [type]: description`), where the type
  is `str` (the default), `int`, `float`, `bool`, or one that also says how the field is checked:
  `evidence` (a verbatim quote), `evidence[]` (several), `quotation` (a quote the article puts
  between quotation marks), `number`, `name`, `date` (values);
* a JSON Schema file of one record (an object of strings, numbers, integers, booleans, enums,
  arrays and nested objects; local `$ref`s);
* a pydantic model in a `.py` file: local code the user trusts, imported as pytest imports a
  `conftest.py`; its validators run on every answer.

A grammar-constrained local model given an unbounded string or list may generate until it runs
out of tokens, so claimex bounds what the task leaves open (`STRING_CHARS`, `QUOTE_CHARS`,
`LIST_ITEMS`) and says what it bounded (`tasks check`).
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import re
import sys
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from annotated_types import MaxLen
from pydantic import BaseModel, Field, create_model
from pydantic.fields import FieldInfo

from ..checks.records import VALUE_KINDS, RecordSpec, ValueKind
from ..errors import TaskError
from ..models import MAX_EVIDENCE, MAX_QUOTE_CHARS

STRING_CHARS = 200
"""A string field the task leaves open is bounded at this many characters."""
QUOTE_CHARS = MAX_QUOTE_CHARS
"""An evidence string (a quote) the task leaves open, at this many (claims' quotes are bounded so)."""
LIST_ITEMS = MAX_EVIDENCE
"""A list the task leaves open, at this many items."""

FIELD_TYPES: Mapping[str, str] = {
    "str": "a string",
    "int": "an integer",
    "float": "a number",
    "bool": "true or false",
    "evidence": "a verbatim quote of the article (checked: located)",
    "evidence[]": "verbatim quotes of the article (checked: located)",
    "quotation": "a direct quotation: a verbatim quote the article puts between quotation marks (checked)",
    "number": "a number its evidence must state (checked)",
    "name": "a name the article writes near its evidence (checked)",
    "date": "a date the article writes near its evidence (checked)",
}
_FIELD = re.compile(
    r"^\s*(?P<name>[A-Za-z_]\w*)(?:\s+(?P<type>[\w\[\]]+))?\s*(?::\s*(?P<description>.*?))?\s*$", re.S
)


@dataclass(frozen=True)
class Record:
    """The record's bounded model, how its fields are checked, and what claimex bounded."""

    model: type[BaseModel]
    spec: RecordSpec
    bounds: tuple[str, ...]


# --- a field list ---------------------------------------------------------------------------------


def from_field_list(
    fields: str, where: str
) -> tuple[type[BaseModel], list[str], dict[str, ValueKind], list[str]]:
    """The record's model, its evidence fields, its value fields and its quotations, from
    `"name type: description, …"`."""
    parts = [part for part in re.split(r"\n" if "\n" in fields.strip() else r",", fields) if part.strip()]
    if not parts:
        raise TaskError(f"{where}: the field list is empty")
    definitions: dict[str, Any] = {}
    evidence: list[str] = []
    values: dict[str, ValueKind] = {}
    quotations: list[str] = []
    for part in parts:
        match = _FIELD.match(part)
        kind = (match.group("type") or "str") if match else None
        if match is None or kind not in FIELD_TYPES:
            shown = part.strip()
            raise TaskError(
                f"{where}: cannot read the field “{shown}”: write `name type: description`, the type one of "
                + ", ".join(FIELD_TYPES)
            )
        name, description = match.group("name"), match.group("description") or None
        if name in definitions:
            raise TaskError(f"{where}: the field “{name}” is given twice")
        types_of: dict[str, Any] = {"str": str, "int": int, "float": float, "bool": bool, "number": float}
        annotation: Any = types_of.get(str(kind), str)
        if kind == "evidence[]":
            annotation = list[str]
        if kind in ("evidence", "evidence[]", "quotation"):
            evidence.append(name)
        if kind == "quotation":
            quotations.append(name)
        elif kind in VALUE_KINDS:
            values[name] = kind  # type: ignore[assignment]
        definitions[name] = (annotation, Field(description=description))
    return create_model("Record", **definitions), evidence, values, quotations


# --- a JSON Schema --------------------------------------------------------------------------------


def from_json_schema(path: Path, text: str) -> type[BaseModel]:
    """The record's model from a JSON Schema: checked against its metaschema, `$ref`s resolved, and
    refused when it is recursive or uses what a record cannot be (a free-form object, `oneOf`…)."""
    import jsonschema

    where = str(path)
    try:
        schema = json.loads(text)
    except json.JSONDecodeError as error:
        raise TaskError(f"{where}: not JSON: {error.msg} (line {error.lineno})") from None
    if not isinstance(schema, dict):
        raise TaskError(f"{where}: a JSON Schema of one record is an object, not {type(schema).__name__}")
    try:
        jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator).check_schema(
            schema
        )
    except jsonschema.SchemaError as error:
        at = "/".join(str(part) for part in error.absolute_path) or "the top"
        raise TaskError(f"{where}: invalid JSON Schema at {at}: {error.message}") from None
    return _JsonSchemaModels(schema, where).model(schema, "Record", ())


class _JsonSchemaModels:
    def __init__(self, root: dict[str, Any], where: str) -> None:
        self.root = root
        self.where = where

    def resolve(self, node: Any, refs: tuple[str, ...]) -> tuple[dict[str, Any], tuple[str, ...]]:
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            if ref in refs:
                raise TaskError(
                    f"{self.where}: recursive schema: {ref} refers back to itself; a record must be finite"
                )
            if not isinstance(ref, str) or not ref.startswith("#"):
                raise TaskError(f"{self.where}: only local references (#/$defs/…) are followed, not {ref!r}")
            target: Any = self.root
            for part in ref[1:].split("/")[1:]:
                part = part.replace("~1", "/").replace("~0", "~")
                if not isinstance(target, dict) or part not in target:
                    raise TaskError(f"{self.where}: {ref} points to nothing")
                target = target[part]
            node, refs = target, (*refs, ref)
        if not isinstance(node, dict):
            raise TaskError(f"{self.where}: a field's schema must be an object, not {node!r}")
        return node, refs

    def model(self, node: Any, name: str, refs: tuple[str, ...]) -> type[BaseModel]:
        node, refs = self.resolve(node, refs)
        if (
            node.get("type") != "object"
            or not isinstance(node.get("properties"), dict)
            or not node["properties"]
        ):
            raise TaskError(f'{self.where}: {name} must be an object with properties ("type": "object")')
        required = set(node.get("required") or ())
        fields: dict[str, Any] = {}
        for field, schema in node["properties"].items():
            annotation = self.annotation(schema, f"{name}.{field}", refs)
            resolved, _ = self.resolve(schema, refs)
            info = Field(description=resolved.get("description"))
            if field not in required:
                annotation, info = (
                    annotation | None,
                    Field(default=None, description=resolved.get("description")),
                )
            fields[field] = (annotation, info)
        title = node.get("title") or name
        model_name = re.sub(r"\W", "", str(title)) or "Record"
        return create_model(model_name, __doc__=node.get("description"), **fields)

    def annotation(self, node: Any, where: str, refs: tuple[str, ...]) -> Any:
        node, refs = self.resolve(node, refs)
        if "enum" in node:
            return Literal[tuple(node["enum"])]
        if "const" in node:
            return Literal[node["const"]]
        kind = node.get("type")
        nullable = False
        if isinstance(kind, list):
            nullable = "null" in kind
            kinds = [k for k in kind if k != "null"]
            kind = kinds[0] if len(kinds) == 1 else None
        options = node.get("anyOf")
        if kind is None and isinstance(options, list):
            nulls = [o for o in options if isinstance(o, dict) and o.get("type") == "null"]
            others = [o for o in options if o not in nulls]
            if nulls and len(others) == 1:
                return self.annotation(others[0], where, refs) | None
        base: Any
        if kind == "string":
            base = Annotated[str, Field(max_length=node["maxLength"])] if "maxLength" in node else str
        elif kind in ("integer", "number", "boolean"):
            base = {"integer": int, "number": float, "boolean": bool}[kind]
        elif kind == "array":
            item = self.annotation(node.get("items", {"type": "string"}), f"{where}[]", refs)
            base = (
                Annotated[list[item], Field(max_length=node["maxItems"])]  # type: ignore[valid-type]
                if "maxItems" in node
                else list[item]  # type: ignore[valid-type]
            )
        elif kind == "object":
            base = self.model(node, where.rsplit(".", 1)[-1].title(), refs)
        else:
            raise TaskError(
                f"{self.where}: {where}: a field must be a string, number, integer, boolean, enum, array or "
                f"object (with properties), not {json.dumps(node, ensure_ascii=False)[:80]}"
            )
        return base | None if nullable else base


# --- a pydantic model in a .py file ---------------------------------------------------------------


def from_python(path: Path, model_name: str | None) -> type[BaseModel]:
    """The record's model from a `.py` file the user wrote: its one pydantic model, or the named one.

    The file is run: it is the user's own code, trusted as pytest trusts a `conftest.py`.
    """
    module_name = f"claimex_task_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise TaskError(f"{path}: cannot be imported as Python")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # pydantic resolves the module's forward references through it
    try:
        spec.loader.exec_module(module)
    except SyntaxError as error:
        raise TaskError(f"{path}:{error.lineno}: cannot import: SyntaxError: {error.msg}") from None
    except Exception as error:  # the user's code: whatever it raises is the task's problem
        raise TaskError(f"{path}: cannot import: {type(error).__name__}: {error}") from None
    finally:
        sys.modules.pop(module_name, None)
    models = {
        name: value
        for name, value in vars(module).items()
        if inspect.isclass(value) and issubclass(value, BaseModel) and value.__module__ == module_name
    }
    if model_name is not None:
        if model_name not in models:
            raise TaskError(
                f"{path}: defines no pydantic model named {model_name!r} "
                f"(it defines: {', '.join(models) or 'none'})"
            )
        return models[model_name]
    if not models:
        raise TaskError(f"{path}: defines no pydantic model (a class deriving from pydantic.BaseModel)")
    if len(models) == 1:
        return next(iter(models.values()))
    # The record is the model no other model of the file uses as a field.
    used = {
        inner
        for model in models.values()
        for field in model.model_fields.values()
        for inner in _classes_in(field.annotation)
        if inner is not model
    }
    records = [model for model in models.values() if model not in used]
    if len(records) != 1:
        raise TaskError(
            f"{path}: defines several models ({', '.join(models)}): "
            'name the record\'s with model = "…" in task.toml'
        )
    return records[0]


def _classes_in(annotation: Any) -> set[Any]:
    found = {annotation} if inspect.isclass(annotation) else set()
    for argument in get_args(annotation):
        found |= _classes_in(argument)
    return found


# --- bounds, evidence and values ------------------------------------------------------------------


def bounded(model: type[BaseModel], evidence: Sequence[str]) -> tuple[type[BaseModel], list[str]]:
    """`model` with every string and list it leaves open bounded (a subclass, so its validators run),
    and what was bounded, in words."""
    bounds: list[str] = []
    return _bounded_model(model, evidence, "", bounds, ()), bounds


def _bounded_model(
    model: type[BaseModel], evidence: Sequence[str], prefix: str, bounds: list[str], seen: tuple[type, ...]
) -> type[BaseModel]:
    if model in seen:
        raise TaskError(f"the record is recursive: {model.__name__} holds itself; a record must be finite")
    overrides: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        limited = any(isinstance(item, MaxLen) for item in field.metadata)
        chars = QUOTE_CHARS if not prefix and name in evidence else STRING_CHARS
        annotation = _bounded(
            field.annotation, limited, f"{prefix}{name}", chars, bounds, (*seen, model), evidence
        )
        if annotation != field.annotation:
            overrides[name] = (annotation, field)
    if not overrides:
        return model
    return create_model(
        model.__name__, __base__=model, __doc__=model.__doc__, __module__=model.__module__, **overrides
    )


def _bounded(
    annotation: Any,
    limited: bool,
    where: str,
    chars: int,
    bounds: list[str],
    seen: tuple[type, ...],
    evidence: Sequence[str],
) -> Any:
    origin, arguments = get_origin(annotation), get_args(annotation)
    if annotation is str:
        if limited:
            return annotation
        bounds.append(f"{where}: at most {chars} characters")
        return Annotated[str, MaxLen(chars)]
    if origin is Annotated:
        inner_limited = any(isinstance(item, MaxLen) for item in _metadata(arguments[1:]))
        inner = _bounded(arguments[0], inner_limited, where, chars, bounds, seen, evidence)
        return annotation if inner == arguments[0] else Annotated[(inner, *arguments[1:])]
    if origin is list:
        item = _bounded(
            arguments[0] if arguments else str, False, f"{where}[]", chars, bounds, seen, evidence
        )
        if limited:
            return list[item]  # type: ignore[valid-type]
        bounds.append(f"{where}: at most {LIST_ITEMS} items")
        return Annotated[list[item], MaxLen(LIST_ITEMS)]  # type: ignore[valid-type]
    if origin in (Union, types.UnionType):
        options = [_bounded(option, limited, where, chars, bounds, seen, evidence) for option in arguments]
        return Union[tuple(options)]  # noqa: UP007  (built from a list)
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return _bounded_model(annotation, evidence, f"{where}.", bounds, seen)
    if origin in (dict, set, frozenset, tuple) or annotation in (dict, set, tuple, Any):
        raise TaskError(
            f"{where}: a {getattr(origin, '__name__', annotation)} field cannot be bounded "
            "for a local model's grammar; "
            "use a list or a nested model"
        )
    return annotation


def _metadata(items: Sequence[Any]) -> list[Any]:
    flat: list[Any] = []
    for item in items:
        flat.extend(item.metadata if isinstance(item, FieldInfo) else [item])
    return flat


def _base(annotation: Any) -> Any:
    """The annotation without its constraints (`Annotated`) nor `| None`."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        options = [option for option in get_args(annotation) if option is not type(None)]
        if len(options) == 1:
            return _base(options[0])
    return annotation


def _is(annotation: Any, *kinds: type) -> bool:
    base = _base(annotation)
    if get_origin(base) is list:
        (item,) = get_args(base) or (str,)
        return _base(item) in kinds
    return base in kinds


def record_of(
    model: type[BaseModel],
    evidence: Sequence[str],
    values: Mapping[str, str],
    where: str,
    quotations: Sequence[str] = (),
) -> Record:
    """The task's record: evidence and value fields checked against the model, then bounded."""
    fields = model.model_fields
    named = ", ".join(fields)
    if not evidence:
        raise TaskError(
            f"{where}: no evidence field: name the fields that quote the article, "
            'as evidence = ["quote"] (or type them `evidence` in a field list)'
        )
    for name in evidence:
        if name not in fields:
            raise TaskError(
                f"{where}: the evidence field “{name}” is not in the record (its fields: {named})"
            )
        annotation = fields[name].annotation
        base = _base(annotation)
        if not (base is str or (get_origin(base) is list and _is(base, str))):
            raise TaskError(
                f"{where}: the evidence field “{name}” must be a string or a list of strings, "
                f"not {_shown(annotation)}"
            )
        if base is not _strip_annotated(annotation) or not fields[name].is_required():
            raise TaskError(
                f"{where}: the evidence field “{name}” must be required: a record is checked by it"
            )
    for name, kind in values.items():
        if name not in fields:
            raise TaskError(f"{where}: the value field “{name}” is not in the record (its fields: {named})")
        if kind not in VALUE_KINDS:
            raise TaskError(
                f"{where}: the value field “{name}” is of an unknown kind {kind!r}; "
                f"use {', '.join(VALUE_KINDS)}"
            )
        if name in evidence:
            raise TaskError(
                f"{where}: “{name}” is both evidence and a value; a value is checked against the evidence"
            )
        annotation = fields[name].annotation
        allowed = (int, float, str) if kind == "number" else (str,)
        if not _is(annotation, *allowed) or _base(annotation) is bool:
            wanted = "a number or a string" if kind == "number" else "a string"
            raise TaskError(
                f"{where}: the {kind} field “{name}” must be {wanted} (or a list), not {_shown(annotation)}"
            )
    for name in quotations:
        if name not in evidence:
            raise TaskError(
                f"{where}: the quotation “{name}” is not an evidence field; list it in evidence too"
            )
    bounded_model, bounds = bounded(model, evidence)
    spec = RecordSpec(evidence=tuple(evidence), values=dict(values), quotations=tuple(quotations))  # type: ignore[arg-type]
    return Record(bounded_model, spec, tuple(bounds))


def _strip_annotated(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _shown(annotation: Any) -> str:
    base = _strip_annotated(annotation)
    return getattr(base, "__name__", None) if inspect.isclass(base) else str(base).replace("typing.", "")  # type: ignore[return-value]
