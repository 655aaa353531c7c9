"""One Ray worker of a batch: the local batch's per-article function behind a Ray actor.

Ray calls `process` from up to `in_flight` threads at once (a threaded actor), as the local
batch's own worker threads do; each call is one article start to finish, and every failure of
the article (bad input, the model's error) comes back as its outcome, never as an exception, so
Ray never retries an article that failed as an article: it retries only calls whose worker died.
"""

from __future__ import annotations

import contextlib
import gc
import os
from pathlib import Path

from ..batch import ArticleOutcome, Batch, BatchOptions, LocalFiles
from ..errors import ClaimexError
from ..llm.settings import ModelSettings
from ..session import model_session


class ArticleWorker:
    """One pipeline, one connection pool (`in_flight` connections) and its own cache, for the run."""

    def __init__(
        self,
        options: BatchOptions,
        settings: ModelSettings,
        *,
        files: LocalFiles,
        cache_dir: Path | None,
        no_cache: bool,
        in_flight: int,
    ) -> None:
        self._session = contextlib.ExitStack()
        # A cluster's nodes share no disk: the cache is this node's (`--cache-dir` there, or the
        # user cache folder of the worker's user), shared by the workers of one node.
        session = self._session.enter_context(
            model_session(
                settings, model_path=None, cache_dir=cache_dir, no_cache=no_cache, connections=in_flight
            )
        )
        # A task (`--task`) is loaded here from its path, and refused unless it is the driver's
        # (sha256). The refusal is kept for `ready` to say: an error raised here would reach the
        # driver as Ray's "the actor died" and a traceback, not as its one line.
        self.refused: str | None = None
        try:
            self._batch = Batch(options, session.client, files)
        except ClaimexError as error:
            self.refused = str(error)
            self._session.close()
            return
        self._batch.attach_output()  # the driver made OUT_DIR before any worker started
        self._batch.prepare()
        # What exists now lives as long as the worker, as in the local batch's run (and what its
        # first article loads, by `Batch.process`).
        gc.freeze()

    def ready(self) -> tuple[int, str | None]:
        """Answered once the worker is set up: its process id, and why it cannot work, if it cannot."""
        return os.getpid(), self.refused

    def process(self, article: Path) -> tuple[ArticleOutcome, str | None]:
        """The article's outcome, and why this worker's batch stopped, if it did (the server down).

        `article` is a local path, or a `UPath` at an fsspec URL (claimex.remote)."""
        return self._batch.process(article), self._batch.stopped
