"""A batch's articles and results at fsspec URLs: object storage (s3://, gs://, az://) or any other.

`claimex batch s3://bucket/day/ -o s3://bucket/claims/` (either side may also be a local folder).
Paths are universal-pathlib's `UPath`, pathlib's interface over fsspec, so that the batch's one
per-article function (`Batch.process`) runs on them unchanged; what differs is here: how inputs
are listed, read and results written, and where the index is kept while the run appends to it.

- Listing is fsspec's walk, one folder (prefix) at a time, sorted, never the whole tree at once.
- A result is never half-written: an object store's single PUT is atomic (the object appears whole
  or not at all), and any other filesystem gets a temporary name, then a rename (`fs.mv`).
- The index cannot be appended to in an object store: it is kept in a local file for the run
  (the earlier index first copied in) and put whole at OUT_DIR/index.jsonl when the run ends.
"""

from __future__ import annotations

import contextlib
import fnmatch
import os
import random
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from .batch import INPUT_SUFFIXES, BatchOptions, LocalFiles, in_shard
from .errors import ClaimexError, InputError

# Filesystems whose single write of a whole file is atomic: an object appears whole or not at all.
ATOMIC_PUT = frozenset({"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "adl", "oci", "memory"})


def is_url(location: str | os.PathLike[str]) -> bool:
    """Whether a command-line location is an fsspec URL (`s3://…`) rather than a local path."""
    return "://" in str(location)


def upath(location: str) -> Any:
    """The URL as a `UPath`; one line naming it when its scheme has no filesystem installed."""
    try:
        from upath import UPath
    except ImportError:
        raise InputError(f"{location}: URLs need universal-pathlib: pip install 'claimex[remote]'") from None
    try:
        path = UPath(location)
        path.fs  # noqa: B018  (the filesystem is made, and its package found, now rather than mid-run)
    except (ImportError, ValueError) as error:
        raise InputError(f"{location}: no filesystem for this URL ({error})") from None
    return path


def _protocol(path: Any) -> str:
    protocol = path.protocol
    return protocol[0] if isinstance(protocol, (tuple, list)) else str(protocol)


class RemoteFiles(LocalFiles):
    """LocalFiles with IN_DIR, OUT_DIR or both at fsspec URLs (`UPath`s in the options)."""

    def __init__(self, options: BatchOptions) -> None:
        super().__init__(options)
        self.remote_in = is_url(options.in_dir)
        self.remote_out = is_url(options.out_dir)
        self._spool: Path | None = None  # the index while the run appends to it

    # -- inputs ------------------------------------------------------------------------------

    def inputs(self) -> Iterator[Any]:
        if not self.remote_in:
            yield from super().inputs()
            return
        options = self.options
        root: Any = options.in_dir
        fs = root.fs
        out: Any = options.out_dir
        excluded = out.path.rstrip("/") if self.remote_out else None  # OUT_DIR inside IN_DIR: never read
        try:
            walk = fs.walk(root.path, topdown=True)
            for folder, subfolders, files in walk:
                subfolders[:] = sorted(
                    name for name in subfolders if f"{folder.rstrip('/')}/{name}" != excluded
                )
                base = PurePosixPath(folder).relative_to(PurePosixPath(root.path))
                for name in sorted(files):
                    relative = (base / name).as_posix()
                    if options.shard is not None and not in_shard(relative, options.shard):
                        continue
                    if options.pattern is not None:
                        if not (
                            fnmatch.fnmatch(relative, options.pattern)
                            or fnmatch.fnmatch(name, options.pattern)
                        ):
                            continue
                    elif PurePosixPath(name).suffix.lower() not in INPUT_SUFFIXES:
                        continue
                    yield root / relative
        except (OSError, ValueError) as error:
            raise ClaimexError(f"{root}: cannot list it ({error})") from None

    def read(self, article: Any) -> bytes:
        if not self.remote_in:
            return super().read(article)
        limit = self.options.max_bytes
        fs = article.fs
        try:
            info = fs.info(article.path)
            if info.get("type") != "file":
                raise InputError(f"{article}: not a file")
            size = info.get("size")
            if size is not None and size > limit:
                raise InputError(f"{article}: too large ({size:,} bytes; the limit is {limit:,})")
            if size == 0:
                data = b""  # S3 refuses a range of an empty object (416)
            elif size is not None:
                data = fs.cat_file(article.path)
            else:  # a filesystem that does not say: no more than the limit is read
                data = fs.cat_file(article.path, start=0, end=limit + 1)
        except FileNotFoundError:
            raise InputError(f"{article}: no such file") from None
        except PermissionError:
            raise InputError(f"{article}: permission denied") from None
        except InputError:
            raise
        except Exception as error:  # each filesystem has errors of its own (botocore's, aiohttp's…)
            raise InputError(f"{article}: cannot be read ({type(error).__name__}: {error})") from None
        if len(data) > limit:
            raise InputError(f"{article}: too large (over {limit:,} bytes; it grew while being read)")
        return bytes(data)

    # -- outputs -----------------------------------------------------------------------------

    def open(self) -> None:
        if not self.remote_out:
            super().open()
            return
        out: Any = self.options.out_dir
        fs = out.fs
        try:
            fs.makedirs(out.path, exist_ok=True)
            self._remove_temporaries()
        except Exception as error:
            raise ClaimexError(f"{out}: cannot create the output folder ({error})") from None
        # The index is appended to locally, starting from the one the last run left.
        folder = Path(tempfile.mkdtemp(prefix="claimex-index-"))
        self._spool = folder / self.options.index_name
        remote_index = out / self.options.index_name
        try:
            if fs.exists(remote_index.path):
                fs.get_file(remote_index.path, str(self._spool))
        except Exception as error:
            raise ClaimexError(f"{remote_index}: cannot read the index ({error})") from None

    def attach(self) -> None:
        if not self.remote_out:
            super().attach()

    def target(self, article: Any) -> Any:
        if not self.remote_out:
            return super().target(article)
        relative = PurePosixPath(article.relative_to(self.options.in_dir).as_posix())
        if relative.is_absolute() or ".." in relative.parts:
            raise ClaimexError(f"{article}: its path leads outside the output folder")
        return self.options.out_dir / (str(relative) + ".json")

    def stored(self, target: Any) -> bytes | None:
        if not self.remote_out:
            return super().stored(target)
        try:
            return bytes(target.fs.cat_file(target.path))
        except Exception:  # not there, or unreadable: made again
            return None

    def write(self, path: Any, content: str | bytes) -> None:
        if not self.remote_out:
            super().write(path, content)
            return
        data = content.encode("utf-8") if isinstance(content, str) else content
        fs = path.fs
        try:
            if _protocol(path) in ATOMIC_PUT:
                fs.pipe_file(path.path, data)
            else:
                with _renamed_into(fs, path.path) as temporary:
                    try:
                        fs.pipe_file(temporary, data)
                    except FileNotFoundError:  # a filesystem with folders, and this one is new
                        fs.makedirs(temporary.rpartition("/")[0], exist_ok=True)
                        fs.pipe_file(temporary, data)
        except Exception as error:
            raise ClaimexError(f"{path}: cannot write ({type(error).__name__}: {error})") from None

    def index(self) -> Path:
        if self._spool is None:
            return super().index()
        return self._spool

    def _remove_temporaries(self) -> None:
        out: Any = self.options.out_dir
        if _protocol(out) not in ATOMIC_PUT:
            for stale in out.fs.find(out.path):
                if PurePosixPath(stale).name.startswith(".") and stale.endswith(".tmp"):
                    out.fs.rm_file(stale)

    def sweep(self) -> None:
        if not self.remote_out:
            super().sweep()
            return
        with contextlib.suppress(Exception):  # a leftover is removed by the next run's start too
            self._remove_temporaries()

    def publish_index(self) -> None:
        if self._spool is None:
            return
        out: Any = self.options.out_dir
        remote_index = out / self.options.index_name
        fs = out.fs
        try:
            if self._spool.exists():
                if _protocol(out) in ATOMIC_PUT:
                    fs.put_file(str(self._spool), remote_index.path)
                else:
                    with _renamed_into(fs, remote_index.path) as temporary:
                        fs.put_file(str(self._spool), temporary)
        except Exception as error:
            raise ClaimexError(f"{remote_index}: cannot write the index ({error})") from None
        finally:
            shutil.rmtree(self._spool.parent, ignore_errors=True)
            self._spool = None


@contextlib.contextmanager
def _renamed_into(fs: Any, path: str) -> Iterator[str]:
    """A temporary name beside `path` to write to, renamed to `path` when the write is whole;
    removed if the write or the rename fails (a kill leaves it, and the next run removes it)."""
    folder, _, name = path.rpartition("/")
    temporary = f"{folder}/.{name}.{random.getrandbits(48):012x}.tmp"
    try:
        yield temporary
        fs.mv(temporary, path)
    except BaseException:
        with contextlib.suppress(Exception):
            fs.rm_file(temporary)
        raise
