"""The tasks a service offers, by name: loaded at its start, listed at `GET /v1/tasks`, named in requests.

A client never sends a path or a template. `claimex serve --task PATH_OR_NAME` loads every task
once, before the server listens (`offered_tasks`: a task that cannot be used, or two tasks of
one name, stop it there in one line), and a request names one with `"task": NAME`.

The request models are made for each application (`request_models`), so that its OpenAPI
description says which names it takes and what each task's records are: what the description
allows is what the service answers 2xx (schemathesis holds it to that), and a name it does not
offer is refused by the model itself, its message listing the names offered.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request, Response
from pydantic import BeforeValidator, ConfigDict, Discriminator, Field, Tag, create_model

from ..errors import TaskError
from ..tasks.loading import Task, load_task
from .models import (
    CLAIMS_TASK,
    MAX_CLAIMS,
    TASK_DESCRIPTION,
    VERIFY_BRANCH,
    ExtractRequest,
    JobTexts,
    RecordIn,
    RecordsVerifyRequest,
    TaskInfo,
    TaskList,
    VerifyRequest,
    job_kind,
)
from .strict import dumps


def offered_tasks(specs: Sequence[str]) -> tuple[Task, ...]:
    """Every task of `claimex serve --task`, loaded, or the `TaskError` of the first that cannot be.

    "claims" is the built-in, always offered: naming it adds nothing. Names must be distinct, or
    a request's name would not say which task it means.
    """
    offered: dict[str, Task] = {}
    for spec in specs:
        if spec == CLAIMS_TASK:
            continue
        task = load_task(spec)
        if task.name == CLAIMS_TASK:
            raise TaskError(f"{task.path}: the name {CLAIMS_TASK} is the built-in task's; give yours another")
        if task.claims:
            # Its results are claims results, re-verified as claims: a request body of its own
            # (the claims' with a task name) is not made yet.
            raise TaskError(
                f'{task.path}: a task with record = "claims" is not offered by the service yet; '
                "it offers the built-in claims as claims"
            )
        if task.name in offered:
            raise TaskError(
                f"--task {spec}: two tasks are named {task.name} ({offered[task.name].path} and "
                f"{task.path}); a service offers each name once: rename one (name = … in its task.toml)"
            )
        offered[task.name] = task
    return tuple(offered.values())


def _known(names: Sequence[str]) -> Callable[[Any], Any]:
    listed = ", ".join(names)

    def check(value: Any) -> Any:
        # Before the enum's own check, so that the message lists every name this service offers.
        if isinstance(value, str) and value not in names:
            shown = value if len(value) <= 64 else value[:61] + "..."
            raise ValueError(
                f"no task {shown!r} is offered here; the tasks offered: {listed} (GET /v1/tasks)"
            )
        return value

    return check


def _class_name(task_name: str, taken: set[str]) -> str:
    """A JSON Schema-safe, distinct class name for a task's models ("my-task.v2" → "MyTaskV2")."""
    words = "".join(char if char.isascii() and char.isalnum() else " " for char in task_name).split()
    name = "".join(word[:1].upper() + word[1:] for word in words) or "Task"
    if name[0].isdigit():
        name = "Task" + name
    candidate, number = name, 2
    while candidate in taken:
        candidate, number = f"{name}{number}", number + 1
    taken.add(candidate)
    return candidate


@dataclass(frozen=True)
class RequestModels:
    """One application's request bodies: the claims' models, with the `task` names it offers."""

    extract: type[ExtractRequest]
    job: Any
    verify: Any


_RECORDS_DESCRIPTION = RecordsVerifyRequest.model_fields["records"].description


def request_models(tasks: Sequence[Task]) -> RequestModels:
    """The bodies of /v1/extract, /v1/jobs and /v1/verify for a service offering `tasks`."""
    names = (CLAIMS_TASK, *(task.name for task in tasks))
    field: Any = (
        Annotated[Literal[names], BeforeValidator(_known(names))] | None,
        Field(default=None, description=TASK_DESCRIPTION),
    )
    # The same class names as the static models: errors and the description name them so.
    extract = create_model("ExtractRequest", __base__=ExtractRequest, task=field)
    one: Any = extract
    texts: Any = create_model("JobTexts", __base__=JobTexts, task=field)
    job: Any = Annotated[
        Annotated[one, Tag("ExtractRequest")] | Annotated[texts, Tag("JobTexts")],
        Discriminator(job_kind),
    ]
    # /v1/verify: the claims, or one task's records, told apart by the task's name.
    claims_only: Any = (
        Annotated[Literal[CLAIMS_TASK], BeforeValidator(_known(names))] | None,
        Field(default=None, description=TASK_DESCRIPTION),
    )
    branches: list[Any] = [
        Annotated[create_model("VerifyRequest", __base__=VerifyRequest, task=claims_only), Tag(VERIFY_BRANCH)]
    ]
    taken = {"ExtractRequest", "JobTexts", "VerifyRequest"}
    for task in tasks:
        name = _class_name(task.name, taken)
        record = type(
            f"{name}Record",
            (task.record.model,),
            {
                # What a request sends is refused, never coerced, as everywhere in the service.
                "model_config": ConfigDict(extra="forbid", strict=True),
                "__doc__": f"A record of the task {task.name}.",
                "__module__": __name__,
            },
        )
        record_in = create_model(f"{name}RecordIn", __base__=RecordIn, fields=(record, ...))
        only: Any = Literal[task.name]
        records: Any = list[record_in]  # type: ignore[valid-type]
        body = create_model(
            f"{name}VerifyRequest",
            __base__=RecordsVerifyRequest,
            __doc__=f"/v1/verify for the records of the task {task.name}: no model is asked.",
            task=(only, Field(description="The task the records are of.")),
            records=(records, Field(max_length=MAX_CLAIMS, description=_RECORDS_DESCRIPTION)),
        )
        branches.append(Annotated[body, Tag(f"{VERIFY_BRANCH} {task.name}")])
    offered = set(names)

    def kind(value: Any) -> str:
        # A task's records for a task's name; anything else is the claims' body, whose own check
        # of "task" refuses a name not offered (listing the names).
        chosen = value.get("task") if isinstance(value, dict) else None
        offered_task = isinstance(chosen, str) and chosen in offered and chosen != CLAIMS_TASK
        return f"{VERIFY_BRANCH} {chosen}" if offered_task else VERIFY_BRANCH

    verify: Any = Annotated[reduce(or_, branches), Discriminator(kind)]
    return RequestModels(extract=extract, job=job, verify=verify)


def task_info(task: Task, *, default: bool = False) -> TaskInfo:
    spec = task.record.spec
    return TaskInfo(
        name=task.name,
        description=task.description,
        default=default,
        sha256=task.sha256,
        record=task.record.model.model_json_schema(),
        evidence=list(spec.evidence),
        quotations=list(spec.quotations),
        values=dict(spec.values),
    )


def task_list(tasks: Sequence[Task]) -> str:
    """`GET /v1/tasks`' answer, made once: the tasks do not change while the service runs."""
    # The built-in claims are a task loaded as the others are: its record is claimex's claim.
    claims = task_info(load_task(CLAIMS_TASK), default=True)
    listed = TaskList(tasks=[claims, *(task_info(task) for task in tasks)])
    return dumps(listed.model_dump(mode="json"))


def add_task_routes(v1: APIRouter, tasks: Mapping[str, Task], responses: dict[int | str, Any]) -> None:
    answer = task_list(list(tasks.values()))

    @v1.get(
        "/tasks",
        tags=["tasks"],
        response_model=TaskList,
        responses=responses,
        summary="The tasks this service offers, by name: the built-in claims and those it was started with.",
        description=(
            'A request names one with `"task": NAME` (`POST /v1/extract`, `/v1/jobs`, `/v1/verify`). The '
            "service offers the tasks given to `claimex serve --task` when it started; a request never "
            "sends a path or a template."
        ),
    )
    async def list_tasks(request: Request) -> Response:
        return Response(answer, media_type="application/json")


def body_of(model: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A route's body model made for this application: FastAPI reads it from the annotation."""

    def given(endpoint: Callable[..., Any]) -> Callable[..., Any]:
        endpoint.__annotations__ = {**endpoint.__annotations__, "body": model}
        return endpoint

    return given


__all__ = ["RequestModels", "add_task_routes", "body_of", "offered_tasks", "request_models", "task_list"]
