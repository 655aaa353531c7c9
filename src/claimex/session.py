"""What every entry point (the CLI's commands, the HTTP service) sets up the same way.

A model session: the client, its cache, and the embedded server when the `local` provider
needs one, started on the first call that misses the cache and always stopped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ._compat import old_names
from .llm.client import ModelClient, model_client
from .llm.settings import ModelSettings
from .local.model import Status
from .local.server import serving


@dataclass(frozen=True)
class ModelSession:
    client: ModelClient
    # Starts the embedded server now rather than on the first call that misses the cache (the
    # service warms up with it); None when the server is not claimex's to start.
    connect: Callable[[], str] | None


@contextmanager
def model_session(
    settings: ModelSettings,
    *,
    model_path: Path | None,
    cache_dir: Path | None,
    no_cache: bool,
    status: Status | None = None,
    connections: int = 4,
) -> Iterator[ModelSession]:
    """A client for a whole run, with the embedded server started if it is needed and always stopped.

    `connections`: HTTP connections to the model server, one per model call in flight.
    """
    with (
        serving(settings, model_path=model_path, status=status) as (ready, connect),
        model_client(
            ready, use_cache=not no_cache, cache_dir=cache_dir, connect=connect, connections=connections
        ) as client,
    ):
        yield ModelSession(client, connect)


# Names this module had before the preset's defaults moved to the pipeline (until 2027-06-01).
__getattr__ = old_names(__name__)
