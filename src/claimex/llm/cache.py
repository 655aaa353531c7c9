"""The disk cache of model answers (diskcache), which never stops a run.

A cache is only a cache: when it is damaged it is set aside and started anew, when it is
read-only it still answers what it holds, and when it cannot be used at all claimex says so in
one line and goes on without it. `clear` always leaves a working cache behind.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import ClaimexError

log = logging.getLogger(__name__)

DATABASE = "cache.db"
_DATABASE_FILES = (DATABASE, f"{DATABASE}-wal", f"{DATABASE}-shm")


def default_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if env.get("CLAIMEX_CACHE_DIR"):
        return Path(env["CLAIMEX_CACHE_DIR"])
    import platformdirs

    return Path(platformdirs.user_cache_dir("claimex")) / "responses"


def _reason(error: BaseException) -> str:
    return str(getattr(error, "strerror", None) or error) or type(error).__name__


def _is_damaged(error: BaseException) -> bool:
    # "file is not a database", "database disk image is malformed"; a read-only or locked
    # database raises OperationalError, which is not damage.
    return isinstance(error, sqlite3.DatabaseError) and not isinstance(error, sqlite3.OperationalError)


class AnswerCache:
    """Model answers by key. Thread-safe; every failure of the store is a warning, never an error."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.problem: str | None = None  # why the cache is not fully usable, for `cache info`
        self._store: Any = None
        self._reader: _ReadOnlyCache | None = None
        self._warned = False
        self._lock = threading.Lock()
        self._open()

    def _open(self) -> None:
        import diskcache

        try:
            self._store = diskcache.Cache(str(self.directory))
            return
        except (sqlite3.Error, OSError) as error:
            first = error
        if _is_damaged(first) and self._set_aside():
            try:
                self._store = diskcache.Cache(str(self.directory))
                self._warn(
                    f"the cache at {self.directory} was damaged ({_reason(first)}); it was set aside "
                    "and a new one started"
                )
                return
            except (sqlite3.Error, OSError) as error:
                first = error
        self.problem = _reason(first)
        self._reader = _ReadOnlyCache.open(self.directory)
        if self._reader is not None:
            self._warn(
                f"the cache at {self.directory} is read-only ({self.problem}): answers it holds are "
                "used, new ones are not stored"
            )
        else:
            self._warn(f"the cache at {self.directory} cannot be used ({self.problem}); going on without it")

    def _set_aside(self) -> bool:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        try:
            for name in _DATABASE_FILES:
                path = self.directory / name
                if path.exists():
                    path.rename(path.with_name(f"{name}.damaged-{stamp}"))
        except OSError:
            return False
        return True

    def _warn(self, message: str) -> None:
        # Once per run: a batch of 10,000 articles must not print it 10,000 times.
        with self._lock:
            if self._warned:
                return
            self._warned = True
        log.warning(message)

    def get(self, key: str) -> Any | None:
        source = self._store if self._store is not None else self._reader
        if source is None:
            return None
        try:
            return source.get(key)
        except (sqlite3.Error, OSError, ValueError, EOFError) as error:
            self._warn(
                f"the cache at {self.directory} could not be read ({_reason(error)}); going on without it"
            )
            return None

    def set(self, key: str, value: Any) -> None:
        if self._store is None:
            return
        try:
            self._store.set(key, value)
        except (sqlite3.Error, OSError) as error:
            self._warn(
                f"an answer could not be stored in the cache at {self.directory} ({_reason(error)}); "
                "going on without storing"
            )

    def __len__(self) -> int:
        if self._store is not None:
            return len(self._store)
        return len(self._reader) if self._reader is not None else 0

    def volume(self) -> int:
        if self._store is not None:
            return int(self._store.volume())
        return sum(
            (self.directory / name).stat().st_size
            for name in _DATABASE_FILES
            if (self.directory / name).is_file()
        )

    def clear(self) -> int:
        """Remove every answer and any damaged database set aside; leaves a working, empty cache."""
        try:
            removed = len(self)
        except (sqlite3.Error, OSError):
            removed = 0
        try:
            if self._store is None:
                self._start_anew()
            else:
                try:
                    self._store.clear()
                except sqlite3.DatabaseError as error:
                    if not _is_damaged(error):
                        raise
                    self._start_anew()
            for damaged in self.directory.glob(f"{DATABASE}*.damaged-*"):
                damaged.unlink()
        except (sqlite3.Error, OSError) as error:
            raise ClaimexError(f"cannot clear the cache at {self.directory}: {_reason(error)}") from None
        return removed

    def _start_anew(self) -> None:
        import diskcache

        self.close()
        for name in _DATABASE_FILES:
            (self.directory / name).unlink(missing_ok=True)
        self._store = diskcache.Cache(str(self.directory))
        self.problem = None

    def close(self) -> None:
        for source in (self._store, self._reader):
            if source is not None:
                source.close()
        self._store = self._reader = None

    def __enter__(self) -> AnswerCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _ReadOnlyCache:
    """Reads a diskcache database it may not write (a shared, read-only cache)."""

    _SELECT = (
        "SELECT mode, filename, value FROM Cache WHERE key = ? AND raw = 1"
        " AND (expire_time IS NULL OR expire_time > ?)"
    )

    def __init__(self, directory: Path, connection: sqlite3.Connection) -> None:
        import diskcache

        self._disk = diskcache.Disk(str(directory))
        self._connection = connection
        self._lock = threading.Lock()

    @classmethod
    def open(cls, directory: Path) -> _ReadOnlyCache | None:
        database = directory / DATABASE
        if not database.is_file():
            return None
        try:
            # immutable: a read-only folder cannot hold the -shm file a WAL reader would make.
            uri = f"{database.resolve().as_uri()}?mode=ro&immutable=1"
            connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
            connection.execute("SELECT count(*) FROM Cache").fetchone()
        except (sqlite3.Error, OSError):
            return None
        return cls(directory, connection)

    def get(self, key: str) -> Any | None:
        with self._lock:
            rows = self._connection.execute(self._SELECT, (key, time.time())).fetchall()
        if not rows:
            return None
        mode, filename, value = rows[0]
        return self._disk.fetch(mode, filename, value, False)

    def __len__(self) -> int:
        with self._lock:
            return int(self._connection.execute("SELECT count(*) FROM Cache").fetchone()[0])

    def close(self) -> None:
        self._connection.close()


def open_cache(directory: Path) -> AnswerCache:
    return AnswerCache(directory)
