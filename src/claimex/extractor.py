"""The Python API's front door: `Extractor`, claims out of articles as `claimex extract` gives them.

    import claimex

    with claimex.Extractor() as extractor:
        result = extractor.extract("article.txt")

The same settings as the CLI, read the same way (arguments win over `CLAIMEX_*` variables,
which win over the provider's preset), the same pipeline, cache and embedded server: started on
the first question the cache cannot answer, stopped when the `with` block ends.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

from .llm.client import ModelClient
from .llm.settings import ModelSettings, resolve_settings
from .models import Result, TaskResult
from .pipeline import ExtractionOptions, extract_task, task_options
from .reverifying import reverify
from .session import model_session
from .text.documents import Document, document_from_text, load_document, read_json

log = logging.getLogger("claimex")


@contextmanager
def _logged(message: str) -> Iterator[None]:
    """Status lines (the embedded model assembled or started) as log records, not terminal output."""
    log.info("%s", message)
    yield


class Extractor:
    """Extracts and verifies claims with one model for as long as it is open.

    Every argument is optional and means what the `claimex extract` option of the same name
    means; what is left out comes from `CLAIMEX_PROVIDER`, `CLAIMEX_BASE_URL`, `CLAIMEX_MODEL`,
    `CLAIMEX_MODE`, `CLAIMEX_STRATEGY`, `CLAIMEX_LOCAL_MODEL`, `CLAIMEX_CACHE_DIR` (and
    `OPENAI_API_KEY`, `OPENAI_BASE_URL`), then from the provider's preset: with nothing set, the
    embedded model, sentence by sentence. `environ` replaces `os.environ` as the place they are
    read from. `cache=False` asks the model even for questions answered before.

    `task` is what is extracted, as `claimex extract --task`: the built-in `"claims"` (the
    default), a given task's name (`"quotes"`, `"figures"`), or a task folder or `.toml` file of
    your own; it is loaded (or refused with a `TaskError`) here, before anything is asked.

    Use it as a context manager, or call `close()`: it stops the embedded server it started.
    """

    def __init__(
        self,
        *,
        provider: str | None = None,
        base_url: str | None = None,
        model: str | None = None,
        mode: str | None = None,
        model_path: str | Path | None = None,
        strategy: str | None = None,
        max_claims: int | None = None,
        chunk_chars: int | None = None,
        concurrency: int | None = None,
        min_checkworthiness: float | None = None,
        task: str | Path | None = None,
        max_tokens: int = 1500,
        timeout: float = 300.0,
        cache: bool = True,
        cache_dir: str | Path | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        env = os.environ if environ is None else environ
        settings = resolve_settings(
            provider=provider,
            base_url=base_url,
            model=model,
            mode=mode,
            environ=env,
            max_tokens=max_tokens,
            timeout=timeout,
        )
        from .tasks.loading import CLAIMS, load_task

        self.task = load_task(task or CLAIMS)
        self.options: ExtractionOptions = task_options(
            settings,
            self.task,
            strategy=strategy or env.get("CLAIMEX_STRATEGY") or None,
            max_records=max_claims,
            chunk_chars=chunk_chars,
            concurrency=concurrency,
            min_checkworthiness=min_checkworthiness,
        )
        chosen_model = model_path or env.get("CLAIMEX_LOCAL_MODEL") or None
        chosen_cache = cache_dir or env.get("CLAIMEX_CACHE_DIR") or None
        self._stack = ExitStack()
        session = self._stack.enter_context(
            model_session(
                settings,
                model_path=Path(chosen_model) if chosen_model else None,
                cache_dir=Path(chosen_cache) if chosen_cache else None,
                no_cache=not cache,
                status=_logged,
                connections=self.options.concurrency,
            )
        )
        self.client: ModelClient = session.client
        self._closed = False

    @property
    def settings(self) -> ModelSettings:
        """Which server is asked and how (the embedded model's name is its file's)."""
        return self.client.settings

    def extract(
        self,
        path: str | Path | Document | None = None,
        *,
        text: str | None = None,
        html: bool = False,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> Result | TaskResult:
        """The claims of one article, every quote located and every claim's support checked
        (a `Result`); with a task of your own, its records (a `TaskResult`), every one grounded.

        Give a file's path (or "-" for stdin; `.html` files are read as pages), a `Document`, or
        the article itself as `text=` (`html=True` if it is a page). `on_progress(done, total)`
        is called as sentences (or, by the single strategy, chunks of a long article) are done.
        The claims come most check-worthy first. A result with `complete == False` lacks what
        the model gave no answer for; the same call again asks for that only.
        """
        document = self._document(path, text, html)
        return extract_task(
            document,
            self.client,
            self.task,
            strategy=self.options.strategy,
            max_records=self.options.max_claims,
            chunk_chars=self.options.chunk_chars,
            concurrency=self.options.concurrency,
            min_checkworthiness=self.options.min_checkworthiness if self.task.claims else None,
            on_chunk=on_progress,
        )

    def verify(
        self,
        path: str | Path | Document | None = None,
        claims: str | Path | dict[str, Any] | list[Any] | None = None,
        *,
        text: str | None = None,
    ) -> dict[str, Any]:
        """`claimex verify` without the model: claims (a claims file's path, its JSON, or a list of
        claims) re-checked against the article; each quote gets its status and spans, each claim
        its support and `verified`. The claims given are not changed; a checked copy is returned."""
        document = self._document(path, text, False)
        if claims is None:
            raise TypeError("verify() needs claims: a claims file's path, its JSON, or a list of claims")
        if isinstance(claims, str | Path):
            return reverify(document, read_json(Path(claims), what="a claims file"), name=str(claims))
        import copy

        payload = {"claims": copy.deepcopy(claims)} if isinstance(claims, list) else copy.deepcopy(claims)
        return reverify(document, payload, name="claims")

    def close(self) -> None:
        """Stop what this extractor started (the embedded server) and close its cache."""
        if not self._closed:
            self._closed = True
            self._stack.close()

    def __enter__(self) -> Extractor:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def _document(self, path: str | Path | Document | None, text: str | None, html: bool) -> Document:
        if self._closed:
            raise RuntimeError("this Extractor is closed: open a new one")
        if (path is None) == (text is None):
            raise TypeError("give an article's path (or a Document), or its text=..., and not both")
        if text is not None:
            return document_from_text(text, html=html)
        if isinstance(path, Document):
            return path
        assert path is not None
        return load_document(path)
