"""Batch: every article of a folder, concurrently, resumable, one bad file never stopping the rest.

Results mirror the input tree under OUT_DIR (`a/b.txt` → `a/b.txt.json`), each written
atomically, so a batch killed at any moment leaves only whole results; the next run skips
every article whose result is complete and whose input bytes are unchanged (sha256).

Where articles come from and results go is a `LocalFiles` (folders of this machine) or
`claimex.remote.RemoteFiles` (fsspec URLs); who runs the articles is the batch's own threads, or
another engine's workers (`claimex.raybatch`) running the same `Batch.process`.

With a task (`BatchOptions.task`, `claimex batch --task`), each article's result is the task's
`TaskResult` instead of claims, at the same place, skipped, counted and indexed by the same
rules, with records where claims are counted. A result of another task (or of claims) is never
taken as done.
"""

from __future__ import annotations

import contextlib
import fnmatch
import gc
import hashlib
import json
import os
import queue
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from .errors import (
    AnswerTimeout,
    ClaimexError,
    InputError,
    ModelError,
    ServerUnreachable,
    TaskError,
    Terminated,
)
from .llm.client import ModelClient
from .llm.turns import Turns
from .models import SCHEMA_VERSION, TASK_RESULT_VERSION, Result, TaskRef, TaskResult
from .output import atomic_file, json_bytes, write_atomically
from .pipeline import DEFAULT_MIN_CHECKWORTHINESS, claims_task, extract_task, first_failure, prepare
from .tasks.loading import CLAIMS
from .text.documents import DEFAULT_MAX_BYTES, HTML_SUFFIXES, document_from_bytes, read_bytes

INPUT_SUFFIXES = frozenset({".txt", ".md", *HTML_SUFFIXES})
INDEX_NAME = "index.jsonl"
# Longer texts are chunked; past this a file is more likely a dump than an article.
DEFAULT_MAX_CHARS = 2_000_000
# Articles in a row that could not reach the model server (each after its retries) before the
# batch stops: the server is down, and the rest would only fail the same way, slowly.
UNREACHABLE_LIMIT = 3
# Failures a summary keeps to show (every one has its line in index.jsonl): a folder of 100,000
# unreadable files must not hold 100,000 outcomes in memory.
SHOWN_FAILURES = 20
# The run's thread takes finished articles at most this often while they come fast (seconds): each
# time it wakes, the GIL is handed to it and back, and the index gets a write. 64 workers finish
# some 130 articles a second; woken for each, it would cost every article a hand-over and a write.
GATHER_SECONDS = 0.05

if TYPE_CHECKING:
    from .tasks.loading import Task


@dataclass
class ArticleOutcome:
    """One line of index.jsonl."""

    path: str
    status: str  # ok | partial (some model calls failed; redone by the next run) | failed | skipped
    claims: int = 0
    verified: int = 0
    error: str | None = None
    result: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cache_hit: bool = False
    seconds: float = 0.0
    # The task whose records `claims` counts (`--task`); None for claims.
    task: str | None = None

    def line(self) -> dict[str, Any]:
        """The index line: a task's says `"task"` and counts `"records"`; a claims line is as it was."""
        fields = vars(self)
        if self.task is None:
            return {name: value for name, value in fields.items() if name != "task"}
        line: dict[str, Any] = {"path": self.path, "status": self.status, "task": self.task}
        for name, value in fields.items():
            if name not in line:
                line["records" if name == "claims" else name] = value
        return line


@dataclass
class BatchSummary:
    articles: int = 0
    ok: int = 0
    partial: int = 0
    failed: int = 0
    skipped: int = 0
    claims: int = 0
    verified: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cache_hits: int = 0
    seconds: float = 0.0
    interrupted: bool = False
    terminated: bool = False  # by SIGTERM rather than Ctrl-C
    # Why the batch stopped before the end on its own (the model server down), if it did.
    stopped: str | None = None
    # The first `SHOWN_FAILURES` failed or partial articles; `failed + partial` counts them all.
    failures: list[ArticleOutcome] = field(default_factory=list)
    # What `claims` and `verified` count: claims, or a task's records (`--task`).
    counted: str = "claims"

    def add(self, outcome: ArticleOutcome) -> None:
        self.articles += 1
        setattr(self, outcome.status, getattr(self, outcome.status) + 1)
        self.claims += outcome.claims
        self.verified += outcome.verified
        self.prompt_tokens += outcome.prompt_tokens
        self.completion_tokens += outcome.completion_tokens
        self.cache_hits += outcome.cache_hit
        if outcome.status in ("failed", "partial") and len(self.failures) < SHOWN_FAILURES:
            self.failures.append(outcome)

    def lines(self) -> list[str]:
        share = f"{100 * self.verified / self.claims:.0f}%" if self.claims else "n/a"
        head = "interrupted after" if self.interrupted else "stopped after" if self.stopped else "done:"
        partial = f"{self.partial} partial, " if self.partial else ""
        return [
            f"{head} {self.articles} articles ({self.ok} ok, {partial}{self.skipped} already done, "
            f"{self.failed} failed) in {self.seconds:.1f} s",
            f"{self.counted}: {self.claims}, verified: {self.verified} ({share}); tokens: "
            f"{self.prompt_tokens} in / {self.completion_tokens} out; cache hits: {self.cache_hits}",
        ]


def discover(
    in_dir: Path,
    *,
    pattern: str | None = None,
    exclude: Path | None = None,
    shard: tuple[int, int] | None = None,
) -> Iterator[Path]:
    """Input files under `in_dir`, in a stable order, lazily (a huge folder is never listed whole).

    With no pattern, every .txt, .md, .html and .htm file; a pattern is matched against the
    path relative to `in_dir` (`*.txt`, `2024/**/*.html`). Broken symlinks are yielded too, to
    be reported as failures rather than silently skipped. `exclude` (OUT_DIR inside IN_DIR) is
    never walked, so results are never taken for inputs. `shard` (I, N): only the files of
    shard I of N (`in_shard`).
    """
    excluded = exclude.resolve() if exclude else None
    for folder, subfolders, files in os.walk(in_dir):
        current = Path(folder)
        subfolders[:] = sorted(
            name for name in subfolders if excluded is None or (current / name).resolve() != excluded
        )
        for name in sorted(files):
            path = current / name
            if shard is None and pattern is None:
                # Walked twice per run (the progress total, then the articles): no more than needed.
                if path.suffix.lower() in INPUT_SUFFIXES:
                    yield path
                continue
            relative = path.relative_to(in_dir).as_posix()
            if shard is not None and not in_shard(relative, shard):
                continue
            if pattern is not None:
                if fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(name, pattern):
                    yield path
            elif path.suffix.lower() in INPUT_SUFFIXES:
                yield path


def in_shard(relative: str, shard: tuple[int, int]) -> bool:
    """Whether the input at `relative` (its path under IN_DIR) belongs to shard I of N.

    Decided by a hash of the relative path alone: the N shards are disjoint and together the
    whole folder, and a file stays in its shard when others are added or removed (a position
    in the listing would move every file after a new one into another shard).
    """
    index, count = shard
    digest = hashlib.blake2b(relative.encode("utf-8", "surrogateescape"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % count == index


def parse_shard(text: str) -> tuple[int, int]:
    """`I/N` (0 ≤ I < N), as SLURM array and Kubernetes indexed-job indices count from 0."""
    index, slash, count = text.partition("/")
    try:
        shard = int(index), int(count)
    except ValueError:
        shard = None
    if not slash or shard is None or not (shard[1] >= 1 and 0 <= shard[0] < shard[1]):
        raise InputError(f"--shard {text}: expected I/N with 0 <= I < N, e.g. 0/4 (the first of 4 shards)")
    return shard


def index_name(shard: tuple[int, int] | None) -> str:
    """`index.jsonl`, or a shard's own (`index.shard-0-of-4.jsonl`): shards run at once in one OUT_DIR."""
    return INDEX_NAME if shard is None else f"index.shard-{shard[0]}-of-{shard[1]}.jsonl"


class OutputFolders:
    """Whether results land inside OUT_DIR: each folder resolved once per run, not once per article."""

    def __init__(self, out_dir: Path) -> None:
        self.root = out_dir.resolve()
        self._inside: dict[Path, bool] = {}

    def holds(self, path: Path) -> bool:
        folder = path.parent
        inside = self._inside.get(folder)
        if inside is None:
            inside = self._inside[folder] = folder.resolve().is_relative_to(self.root)
        # The folder is inside; so is the file, unless it is itself a link elsewhere.
        return inside and (not path.is_symlink() or path.resolve().is_relative_to(self.root))


def result_path_for(
    in_dir: Path, out_dir: Path, article: Path, *, folders: OutputFolders | None = None
) -> Path:
    """`OUT_DIR/<relative path>.json`, refusing any path that would land outside OUT_DIR."""
    relative = PurePosixPath(article.relative_to(in_dir).as_posix())
    if relative.is_absolute() or ".." in relative.parts:
        raise ClaimexError(f"{article}: its path leads outside the output folder")
    target = out_dir / (str(relative) + ".json")
    if not (folders or OutputFolders(out_dir)).holds(target):
        raise ClaimexError(f"{article}: its result would land outside {out_dir} (a symlink in the way?)")
    return target


def _complete_result(
    stored: bytes | None, sha256: str, task: TaskRef | None = None, *, records: bool = False
) -> dict[str, Any] | None:
    """The stored result if it is whole, was made from these exact input bytes, and is of this run's
    kind: claims (`task` None: the built-in claims, whatever their version), or the records
    (`records`) or claims of this very task `task` (its name and the sha256 of its files)."""
    if stored is None:
        return None
    try:
        data = json.loads(stored)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    ref = data.get("task")
    if data.get("schema_version") != (TASK_RESULT_VERSION if records else SCHEMA_VERSION):
        return None
    if task is None:
        if ref is not None and (not isinstance(ref, dict) or ref.get("name") != CLAIMS):
            return None  # a claims task of a user's own
    elif not isinstance(ref, dict) or ref.get("name") != task.name or ref.get("sha256") != task.sha256:
        return None  # another task's, or this task's before an edit: asked again
    source = data.get("source")
    if not isinstance(source, dict) or source.get("sha256") != sha256:
        return None
    if data.get("complete") is not True:
        return None  # some model calls failed: asked again (the others come from the cache)
    return data


def _remove_stale_temporaries(out_dir: Path) -> None:
    # A SIGKILL between writing and renaming leaves `.name.json.XXXX.tmp` behind: never a result.
    for stale in out_dir.rglob(".*.tmp"):
        stale.unlink(missing_ok=True)


@dataclass
class BatchOptions:
    in_dir: Path
    out_dir: Path
    concurrency: int = 1
    force: bool = False
    max_chars: int = DEFAULT_MAX_CHARS
    chunk_chars: int | None = None
    max_bytes: int = DEFAULT_MAX_BYTES
    pattern: str | None = None
    max_claims: int = 8
    min_checkworthiness: float = DEFAULT_MIN_CHECKWORTHINESS
    strategy: str = "single"
    # (I, N): only shard I of N of the folder (`in_shard`), with an index of its own.
    shard: tuple[int, int] | None = None
    # The task whose records are asked for instead of claims: its name, sha256 and the path every
    # worker loads it from (a loaded `Task` holds compiled templates and made classes: never pickled).
    task: TaskRef | None = None

    @property
    def index_name(self) -> str:
        return index_name(self.shard)


class LocalFiles:
    """Where a batch's articles come from and its results go: folders of this machine.

    `claimex.remote.RemoteFiles` is the same for fsspec URLs (object storage); `Batch.process`
    and `Batch.run` go through one or the other.
    """

    def __init__(self, options: BatchOptions) -> None:
        self.options = options
        self._folders: OutputFolders | None = None  # once OUT_DIR exists
        # The result each thread last found no file for (`stored`), by thread, until it is written
        # (`write`): one entry a worker at most, and picklable (Ray's workers get a copy).
        self._absent: dict[int, Path] = {}

    def open(self) -> None:
        """Before the first article: OUT_DIR made, what a kill left half-written removed."""
        out_dir = self.options.out_dir
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise ClaimexError(f"{out_dir}: cannot create the output folder ({error.strerror})") from None
        _remove_stale_temporaries(out_dir)
        self.attach()

    def attach(self) -> None:
        """OUT_DIR exists: its folders are resolved once from now on, not once per article."""
        self._folders = OutputFolders(self.options.out_dir)

    def inputs(self) -> Iterator[Path]:
        options = self.options
        return discover(options.in_dir, pattern=options.pattern, exclude=options.out_dir, shard=options.shard)

    def target(self, article: Path) -> Path:
        options = self.options
        return result_path_for(options.in_dir, options.out_dir, article, folders=self._folders)

    def read(self, article: Path) -> bytes:
        return read_bytes(article, max_bytes=self.options.max_bytes)

    def stored(self, target: Path) -> bytes | None:
        """The result a run before left, if there is one."""
        try:
            with open(target, "rb") as file:
                return file.read()
        except FileNotFoundError:
            self._absent[threading.get_ident()] = target
            return None
        except OSError:
            return None

    def write(self, path: Path, content: str | bytes) -> None:
        # A result this thread has just found no file for has no mode to keep: not asked again.
        new = self._absent.get(threading.get_ident()) == path
        if new:
            del self._absent[threading.get_ident()]
        write_atomically(path, content, new=new)

    def index(self) -> Path:
        """The index file this run appends to."""
        return self.options.out_dir / self.options.index_name

    def publish_index(self) -> None:
        """The index made one line per article is where it belongs (here, it already is)."""

    def sweep(self) -> None:
        """Every article done: what a killed worker left half-written goes now, not next run."""
        _remove_stale_temporaries(self.options.out_dir)


# What runs the articles instead of the batch's own threads (claimex.raybatch's engine): it takes
# paths from `todo` until a None, puts each article's outcome in `done`, and returns when all it
# took are done, or sooner once the callable says the batch is ending (nothing new is started).
Workers = Callable[["queue.Queue[Path | None]", "queue.Queue[ArticleOutcome]", Callable[[], bool]], None]


def task_of(ref: TaskRef) -> Task:
    """The task `ref` names, loaded from its path (a given task by its name when the path is not on
    this machine), and refused unless its files are the ones the run started with (sha256)."""
    from .tasks.loading import load_task

    task = load_task(ref.path if Path(ref.path).exists() else ref.name)
    if task.sha256 != ref.sha256:
        raise TaskError(
            f"{ref.path}: the task changed since the batch started (sha256 {task.sha256[:12]}, "
            f"not {ref.sha256[:12]}); run the batch again"
        )
    return task


class Batch:
    def __init__(
        self,
        options: BatchOptions,
        client: ModelClient,
        files: LocalFiles | None = None,
        *,
        task: Task | None = None,
    ) -> None:
        """`task`: the task `options.task` names, already loaded (the command's); else loaded here
        from its path, as a Ray worker does, and checked against its sha256."""
        self.options = options
        self.client = client
        self.files = files or LocalFiles(options)
        if options.task is not None and task is None:
            task = task_of(options.task)
        self.task = task if options.task is not None else None
        # A task of its own records (not a claims task, as `--task claims` is): counted as records.
        self.records = self.task is not None and not self.task.claims
        self._abandon = threading.Event()  # interrupted: drop what is in flight
        self._stop = threading.Event()  # the server is down: start nothing new
        self._stopped: str | None = None
        self._unreachable_streak = 0
        self._lock = threading.Lock()
        self._first_frozen = False  # what the first article loaded is frozen (`process`)

    def process(self, article: Path) -> ArticleOutcome:
        """One article, start to finish; every failure becomes an outcome, never an exception."""
        options = self.options
        relative = article.relative_to(options.in_dir).as_posix()
        started = time.monotonic()
        try:
            target = self.files.target(article)
            data = self.files.read(article)
            sha256 = hashlib.sha256(data).hexdigest()
            if not options.force:
                done = _complete_result(self.files.stored(target), sha256, options.task, records=self.records)
                if done is not None:
                    stats = done.get("stats") or {}
                    return ArticleOutcome(
                        relative,
                        "skipped",
                        claims=int(stats.get("records" if self.records else "claims", 0)),
                        verified=int(stats.get("verified", 0)),
                        result=str(target.relative_to(options.out_dir)),
                        task=self._task_name,
                    )
            document = document_from_bytes(
                data,
                str(article),
                max_bytes=options.max_bytes,
                html=article.suffix.lower() in HTML_SUFFIXES,
                sha256=sha256,
            )
            if len(document.text) > options.max_chars:
                raise ClaimexError(
                    f"{article}: too long ({len(document.text):,} characters; "
                    f"--max-chars is {options.max_chars:,})"
                )
            result = self._extract(document)
            if self._abandon.is_set():
                # Interrupted while the model answered: leave no result, the next run redoes it.
                return ArticleOutcome(relative, "failed", error="interrupted")
            if not document.text_is_file:
                text_file = target.with_name(target.name.removesuffix(".json") + ".text.txt")
                self.files.write(text_file, document.text)
                result.source.text_path = text_file.name
            self.files.write(target, json_bytes(result))
        except ClaimexError as error:
            self._count_reach(error)
            # Every reason names its file, also those that come from the model's side.
            reason = str(error) if str(error).startswith(str(article)) else f"{article}: {error}"
            return ArticleOutcome(
                relative,
                "failed",
                error=reason,
                seconds=round(time.monotonic() - started, 3),
                task=self._task_name,
            )
        except Exception as error:  # a bug must not sink the other articles; say what it was
            return ArticleOutcome(
                relative,
                "failed",
                error=f"{article}: unexpected {type(error).__name__}: {error}",
                task=self._task_name,
            )
        self._count_reach(None)
        if not self._first_frozen:
            # What the first article loaded lives as long as the run (or the Ray worker), as what
            # existed when it began does, which the run froze: the OpenAI client, instructor, the
            # answer's schema (60,000 objects, imported on the first request so that a run the
            # cache answers never loads them). Otherwise every full collection walks them: three
            # in a run of 1,280 articles at 64 in flight, 50 to 100 ms each, every worker stopped.
            self._first_frozen = True
            gc.freeze()
        stats = result.stats
        return ArticleOutcome(
            relative,
            "ok" if result.complete else "partial",
            error=None if result.complete else f"{article}: {_first_failure(result.warnings)}",
            claims=result.stats.records if isinstance(result, TaskResult) else result.stats.claims,
            verified=stats.verified,
            result=str(target.relative_to(options.out_dir)),
            prompt_tokens=stats.prompt_tokens,
            completion_tokens=stats.completion_tokens,
            cache_hit=stats.cache_hit,
            seconds=round(time.monotonic() - started, 3),
            task=self._task_name,
        )

    @property
    def _task_name(self) -> str | None:
        """The task an index line names: a task of records (a claims line is as it always was)."""
        return self.task.name if self.records and self.task is not None else None

    def _extract(self, document: Any) -> Result | TaskResult:
        """The article's claims, or its records of the run's task; the batch's --concurrency counts
        articles in flight, so each article asks one call at a time."""
        options = self.options
        # The claims are a task too: every article goes the way `claimex extract [--task]` goes.
        return extract_task(
            document,
            self.client,
            self.task or claims_task(),
            strategy=options.strategy,
            max_records=options.max_claims,
            chunk_chars=options.chunk_chars,
            concurrency=1,
            min_checkworthiness=None if self.records else options.min_checkworthiness,
        )

    def prepare(self) -> None:
        """What every article of the run is asked with, built once before the first (`pipeline.prepare`)."""
        options = self.options
        if not self.records:
            prepare(options.strategy, options.max_claims, self.task)  # type: ignore[arg-type]
        elif options.strategy == "single" and self.task is not None:
            from .tasks.asking import answer_models

            answer_models(self.task, options.max_claims)

    def _count_reach(self, error: ClaimexError | None) -> None:
        """Stop the batch after `UNREACHABLE_LIMIT` articles in a row found no server."""
        with self._lock:
            if not isinstance(error, ServerUnreachable):
                if error is None or (isinstance(error, ModelError) and not isinstance(error, AnswerTimeout)):
                    self._unreachable_streak = 0  # the server answered (a bad file says nothing of it)
                return
            self._unreachable_streak += 1
            if self._unreachable_streak >= UNREACHABLE_LIMIT and self._stopped is None:
                self.stop(
                    f"{UNREACHABLE_LIMIT} articles in a row found no server: {error}; the articles not "
                    "started are left undone: run the same command again when the server is back"
                )

    @property
    def stopped(self) -> str | None:
        """Why the batch stopped starting articles (the model server down), if it did."""
        return self._stopped

    def stop(self, reason: str) -> None:
        """Start no new article (those started finish); the first reason given is kept."""
        if self._stopped is None:
            self._stopped = reason
        self._stop.set()

    def attach_output(self) -> None:
        """OUT_DIR exists (a worker's, made by the run): resolved once from now on."""
        self.files.attach()

    def run(
        self, on_outcome: Callable[[ArticleOutcome], None] | None = None, *, workers: Workers | None = None
    ) -> BatchSummary:
        """Process every article with `concurrency` workers; Ctrl-C returns a partial summary.

        Workers are daemon threads fed through a small queue: a folder is discovered lazily, at
        most a few paths wait in memory, and an interrupted batch does not wait for in-flight
        model calls to end before it exits. `workers`, when given, runs the articles instead
        (another engine's, e.g. Ray's), fed from the same queue; the index, the summary and
        interruptions are this run's either way.
        """
        options = self.options
        self.files.open()
        summary = BatchSummary(counted="records" if self.records else "claims")
        started = time.monotonic()
        todo: queue.Queue[Path | None] = queue.Queue(maxsize=options.concurrency * 2)
        done: queue.Queue[ArticleOutcome | BaseException | None] = queue.Queue()

        # The engine, when one runs the articles, takes paths until the first None.
        consumers = options.concurrency if workers is None else 1
        engine_returned = threading.Event()

        def ending() -> bool:
            return self._abandon.is_set() or self._stop.is_set()

        # The batch's own workers say when the queue is down to one article each, and the walk
        # tops it up then: woken once a round of articles, not by every article taken (each wake
        # a hand-over of the GIL). An engine's workers take from the queue as they like: for them
        # the walk waits on the queue itself.
        low = threading.Event()
        # The workers' Python in turns (`llm.turns`): at 64 in flight, half the context switches of
        # an article, and its CPU from 3.31 to 3.06 ms (the stub's answer; the seed's recorded one,
        # 8.50 to 8.29 ms, 30 switches to 19). Not for remote files, whose every read and write
        # waits on the network with the turn held.
        turns = Turns() if type(self.files) is LocalFiles else None

        def feed() -> None:
            try:
                for article in self.files.inputs():
                    while not ending():
                        if workers is None and todo.full():
                            low.wait(0.2)
                            low.clear()
                            continue
                        try:
                            todo.put(article, timeout=0.2)
                            break
                        except queue.Full:
                            continue
                    if ending():
                        return
            except BaseException as error:  # an unreadable folder ends the batch, with its reason
                done.put(error)
            finally:
                for _ in range(consumers):
                    while not engine_returned.is_set():  # an engine that stopped takes no more
                        try:
                            todo.put(None, timeout=0.2)
                            break
                        except queue.Full:
                            continue

        def work() -> None:
            while (article := todo.get()) is not None:
                if todo.qsize() <= options.concurrency:
                    low.set()
                if ending():
                    continue  # not started: left undone, and out of the index
                with turns.taken() if turns is not None else contextlib.nullcontext():
                    outcome = self.process(article)
                done.put(outcome)
            done.put(None)

        def engine() -> None:
            assert workers is not None
            try:
                workers(todo, done, ending)  # type: ignore[arg-type]
            except ClaimexError as error:  # the engine failed as a whole: the batch ends with its reason
                done.put(error)
            except BaseException as error:
                said = next((line for line in str(error).splitlines() if line.strip()), "")
                done.put(ClaimexError(f"the workers failed: {type(error).__name__}: {said}".rstrip(": ")))
            finally:
                engine_returned.set()
                done.put(None)

        threads = [threading.Thread(target=feed, daemon=True, name="claimex-discover")]
        if workers is None:
            threads += [
                threading.Thread(target=work, daemon=True, name=f"claimex-worker-{n}")
                for n in range(options.concurrency)
            ]
        else:
            threads.append(threading.Thread(target=engine, daemon=True, name="claimex-engine"))
        index_path = self.files.index()
        # A callback may hold what it shows until the end of each group (the plain progress lines).
        flush: Callable[[], None] | None = getattr(on_outcome, "flush", None)
        workers_left = len(threads) - 1
        this_run = 0
        try:
            # Appended to, so a run killed at any moment loses none of the earlier lines; made
            # one line per article again when the run ends (`_compact_index`).
            with open(index_path, "a", encoding="utf-8") as index:
                this_run = index.tell()
                if this_run and not _ends_with_newline(index_path):
                    index.write("\n")  # a line cut short by a kill is left alone, not glued to
                    this_run = index.tell()
                self.prepare()
                # What exists now lives as long as the run (modules, schemas, the client): the
                # cyclic collector need not walk it again and again while articles go through.
                # (And what the first article loads, by `process`.)
                gc.freeze()
                for thread in threads:
                    thread.start()
                gathered = 0.0
                while workers_left:
                    # Right after a group, let the next one gather (a first outcome after a
                    # quiet spell is taken at once); Ctrl-C interrupts the sleep as it does the wait.
                    pause = gathered + GATHER_SECONDS - time.monotonic()
                    if pause > 0:
                        time.sleep(pause)
                    try:
                        items = [done.get(timeout=0.2)]
                    except queue.Empty:
                        continue
                    gathered = time.monotonic()
                    # What else has finished meanwhile goes out with it, in one write.
                    with contextlib.suppress(queue.Empty):
                        while len(items) < 1000:
                            items.append(done.get_nowait())
                    outcomes: list[ArticleOutcome] = []
                    failure: BaseException | None = None
                    for item in items:
                        if item is None:
                            workers_left -= 1
                        elif isinstance(item, BaseException):
                            failure = failure or item
                        else:
                            outcomes.append(item)
                    if outcomes:
                        # Whole lines, flushed as they come: a killed batch still leaves a readable index.
                        index.write(
                            "".join(json.dumps(item.line(), ensure_ascii=False) + "\n" for item in outcomes)
                        )
                        index.flush()
                    for outcome in outcomes:
                        summary.add(outcome)
                        if on_outcome is not None:
                            on_outcome(outcome)
                    if outcomes and flush is not None:
                        flush()  # the group's progress lines in one write
                    if isinstance(failure, ClaimexError):
                        raise failure  # the engine's, which says what failed
                    if failure is not None:
                        raise ClaimexError(f"{options.in_dir}: cannot list the folder ({failure})")
        except KeyboardInterrupt as stop:
            self._abandon.set()
            summary.interrupted = True
            summary.terminated = isinstance(stop, Terminated)
        finally:
            gc.unfreeze()
            self._abandon.set()
            summary.stopped = self._stopped
            summary.seconds = round(time.monotonic() - started, 3)
        _compact_index(index_path, this_run, whole=not (summary.interrupted or summary.stopped))
        self.files.publish_index()
        if not (summary.interrupted or summary.stopped):
            self.files.sweep()  # no article is being written any more
        return summary


def _first_failure(warnings: list[str]) -> str:
    return f"partial result: {first_failure(warnings) or (warnings or ['some model calls failed'])[0]}"


def _ends_with_newline(path: Path) -> bool:
    with open(path, "rb") as file:
        file.seek(-1, os.SEEK_END)
        return file.read(1) == b"\n"


def _compact_index(index_path: Path, this_run: int, *, whole: bool) -> None:
    """One line per article: this run's lines, and earlier lines only for articles it did not reach.

    A run that went through the whole folder supersedes every earlier line (of inputs deleted
    since, too). The file is replaced atomically and streamed, never held in memory whole.
    """
    if this_run == 0:
        return
    try:
        with open(index_path, "rb") as index:
            index.seek(this_run)
            reached = set() if whole else {_path_of(line) for line in index}
        reached.add("")  # a line that cannot be read says nothing: dropped
        with atomic_file(index_path) as out, open(index_path, "rb") as index:
            if not whole:
                for line in iter(index.readline, b""):
                    if index.tell() > this_run:
                        break
                    if line.endswith(b"\n") and _path_of(line) not in reached:
                        out.write(line)
            index.seek(this_run)
            shutil.copyfileobj(index, out)
    except OSError as error:
        raise ClaimexError(f"{index_path}: cannot rewrite the index ({error.strerror or error})") from None


def _path_of(line: bytes) -> str:
    try:
        return str(json.loads(line).get("path", ""))
    except (ValueError, AttributeError, RecursionError):
        return ""


def count_inputs(
    in_dir: Path,
    *,
    pattern: str | None = None,
    exclude: Path | None = None,
    shard: tuple[int, int] | None = None,
) -> int:
    """How many inputs there are, for the progress bar's total: names only, nothing is read."""
    return sum(1 for _ in discover(in_dir, pattern=pattern, exclude=exclude, shard=shard))
