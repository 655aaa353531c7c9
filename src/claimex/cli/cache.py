"""`claimex cache info` and `claimex cache clear`: the on-disk cache of model answers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer

from .console import reported_errors
from .options import CacheDirOption
from .root import cache_app


@contextmanager
def _existing_cache(cache_dir: Path | None) -> Iterator[tuple[Path, Any]]:
    """The cache folder and the open cache, or None when there is none yet (nothing is created)."""
    from ..llm.cache import default_cache_dir, open_cache

    directory = cache_dir or default_cache_dir()
    if not directory.exists():
        yield directory, None
        return
    with open_cache(directory) as cache:
        yield directory, cache


@cache_app.command("info")
def cache_info(cache_dir: CacheDirOption = None) -> None:
    """Where the cache is, how many answers it holds and its size on disk."""
    with reported_errors(False), _existing_cache(cache_dir) as (directory, cache):
        entries, size = (len(cache), cache.volume()) if cache is not None else (0, 0)
        typer.echo(f"cache: {directory}\nentries: {entries}\nsize: {size:,} bytes")
        if cache is not None and cache.problem:
            typer.echo(f"problem: {cache.problem} (new answers are not stored)")


@cache_app.command("clear")
def cache_clear(cache_dir: CacheDirOption = None) -> None:
    """Remove every cached model answer. A damaged cache is deleted and a new one made."""
    with reported_errors(False), _existing_cache(cache_dir) as (directory, cache):
        removed = cache.clear() if cache is not None else 0
        typer.echo(f"cache: removed {removed} entries from {directory}")
