"""The embedded model: llama-cpp-python's OpenAI-compatible server, started and stopped by claimex.

The server runs in its own process group (so a Ctrl-C in the terminal reaches claimex, which
then stops it in order) and is told by the kernel to die with claimex (PR_SET_PDEATHSIG), so
not even a SIGKILL of claimex leaves it running.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import ctypes
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import EmbeddedModelError, LocalServerError
from .model import (
    Status,
    alias_for,
    ensure_assembled,
    is_assembled,
    missing_message,
    model_file,
    part_paths,
    selected_model,
)

if TYPE_CHECKING:
    from ..llm.settings import ModelSettings

# A chunk of 4,000 characters, the instructions, an answer, and a re-ask that repeats the answer
# and names its problems: past 4,096 tokens (seen: 5,909 asked). Qwen2.5 takes 32k; the KV cache
# of 8,192 tokens costs the 1.5B model about 230 MB.
DEFAULT_N_CTX = 8192
READY_TIMEOUT = 180.0
INSTALL_HINT = (
    "install the embedded model with `pip install 'claimex[local]'` (or run `make demo` in a "
    "checkout), or use another model: `--provider ollama` for a local Ollama, or "
    "`--base-url URL --model NAME` for any OpenAI-compatible server"
)


def state_dir() -> Path:
    if os.environ.get("CLAIMEX_STATE_DIR"):
        return Path(os.environ["CLAIMEX_STATE_DIR"])
    import platformdirs

    return Path(platformdirs.user_state_dir("claimex"))


def state_file() -> Path:
    return state_dir() / "server.json"


def default_model_path(status: Status | None = None) -> Path:
    """The embedded model's GGUF file (CLAIMEX_EMBEDDED_MODEL picks which), assembled on first use."""
    return ensure_assembled(selected_model(), status=status)


def resolve_model_path(explicit: str | Path | None = None, *, status: Status | None = None) -> Path:
    chosen = explicit or os.environ.get("CLAIMEX_LOCAL_MODEL")
    if not chosen:
        return default_model_path(status)
    path = Path(chosen).expanduser()
    if not path.is_file():
        raise LocalServerError(f"{path}: no such model file (from --model-path or CLAIMEX_LOCAL_MODEL)")
    return path


def local_model_status() -> tuple[list[str], bool]:
    """Lines on the model `extract` would serve, and whether it can start; assembles nothing."""
    lines: list[str] = []
    usable = True
    if importlib.util.find_spec("llama_cpp") is None:
        lines.append(f"llama-cpp-python: not installed; {INSTALL_HINT}")
        usable = False
    chosen = os.environ.get("CLAIMEX_LOCAL_MODEL")
    if chosen:
        path = Path(chosen).expanduser()
        found = path.is_file()
        lines.append(f"local model: {path}{'' if found else ': no such file'} (from CLAIMEX_LOCAL_MODEL)")
        return lines, usable and found
    try:
        model = selected_model()
    except EmbeddedModelError as error:
        return [*lines, f"embedded model: {error}"], False
    head = f"embedded model: {model.alias} ({model.title}, {model.licence})"
    target = model_file(model)
    if is_assembled(model):
        return [*lines, f"{head}, assembled: {target} ({model.size:,} bytes)"], usable
    _, missing = part_paths(model)
    if missing:
        return [*lines, f"embedded model: {missing_message(model, missing)}"], False
    lines.append(
        f"{head}, not assembled yet: the first `claimex extract` or `claimex model serve` writes "
        f"{target} ({model.size / 1e6:,.0f} MB, a few seconds)"
    )
    return lines, usable


def model_alias(model_path: Path) -> str:
    """A short model name for results: the embedded model's name for any of its files, else the stem."""
    return alias_for(model_path.stem) or model_path.stem


def embedded_identity(model_path: Path) -> str:
    """The embedded server as the cache knows it: its model file, not its (random) port."""
    stat = model_path.stat()
    return f"embedded:{model_path.name}:{stat.st_size}:{int(stat.st_mtime)}"


def server_command(model_path: Path, port: int, *, n_ctx: int = DEFAULT_N_CTX) -> list[str]:
    return [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(model_path),
        "--model_alias",
        model_alias(model_path),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        str(n_ctx),
        # The default keeps logits for every position: n_ctx × vocabulary floats.
        "--logits_all",
        "False",
        # llama-cpp-python generates on half the cores by default: one thread on a 2-core machine.
        "--n_threads",
        str(usable_cores()),
    ]


def usable_cores() -> int:
    """The cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def server_answers(base_url: str, timeout: float = 1.0, *, api_key: str | None = None) -> bool:
    """Whether the server lists its models (a hosted API wants the key even for that)."""
    request = urllib.request.Request(f"{base_url}/models")
    if api_key:
        request.add_header("Authorization", f"Bearer {api_key}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return bool(response.status == 200)
    except (OSError, urllib.error.URLError, ValueError):
        return False


@dataclass
class ServerInfo:
    base_url: str
    port: int
    pid: int
    model: str
    model_path: str
    started_at: float

    def save(self) -> None:
        path = state_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")
        temporary.replace(path)


def running_server() -> ServerInfo | None:
    """The server `claimex model serve` left running, if it is still alive and answering."""
    path = state_file()
    try:
        info = ServerInfo(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None
    if not _pid_alive(info.pid) or not server_answers(info.base_url):
        return None
    return info


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _die_with_parent() -> None:
    # Runs in the child between fork and exec: ask Linux to SIGTERM it when claimex dies.
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


# Started on first use, its one thread lives as long as claimex.
_spawner = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="claimex-spawner")


def _popen_from_a_lasting_thread(*args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
    """`subprocess.Popen` from the main thread, or from one thread that lives as long as claimex.

    PR_SET_PDEATHSIG fires when the *thread* that forked the child ends, not the process: a
    server first needed by a short-lived worker (a chunk asked concurrently, a service's
    request) would be killed with that thread.
    """

    def popen() -> subprocess.Popen[bytes]:
        return subprocess.Popen(*args, **kwargs)

    if threading.current_thread() is threading.main_thread():
        return popen()
    return _spawner.submit(popen).result()


LOG_DAYS = 7
"""Server logs are kept this long, for a failure to be looked into; then a new start removes them."""


def _forget_old_logs(folder: Path) -> None:
    cutoff = time.time() - LOG_DAYS * 86400
    for old in folder.glob("server-*.log"):
        with contextlib.suppress(OSError):
            if old.stat().st_mtime < cutoff:
                old.unlink()


class LocalServer:
    """Start the embedded server, wait until it answers, and always stop it.

    `command` replaces the llama.cpp command line (tests use a stand-in server to exercise the
    lifecycle without a model).
    """

    def __init__(
        self,
        model_path: Path | None = None,
        *,
        port: int | None = None,
        n_ctx: int = DEFAULT_N_CTX,
        command: Callable[[int], Sequence[str]] | None = None,
        log_path: str | Path | None = None,
        ready_timeout: float = READY_TIMEOUT,
    ) -> None:
        self.model_path = model_path
        self.port = port
        self.n_ctx = n_ctx
        self._command = command
        # One log per server: two claimex runs at once (a batch and a benchmark) must not write
        # over each other's. The name is chosen when the port is, in start().
        self._default_log = log_path is None
        self.log_path = Path(log_path) if log_path else state_dir() / "server.log"
        self.ready_timeout = ready_timeout
        self.process: subprocess.Popen[bytes] | None = None
        self.load_seconds: float | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def model(self) -> str:
        return model_alias(self.model_path) if self.model_path else "stand-in"

    def start(self) -> LocalServer:
        if self._command is None:
            if importlib.util.find_spec("llama_cpp") is None:
                raise LocalServerError(
                    f"the embedded model server (llama-cpp-python) is not installed: {INSTALL_HINT}"
                )
            self.model_path = self.model_path or default_model_path()
        self.port = self.port or free_port()
        if self._command is not None:
            argv = list(self._command(self.port))
        else:
            assert self.model_path is not None
            argv = server_command(self.model_path, self.port, n_ctx=self.n_ctx)
        if self._default_log:
            self.log_path = state_dir() / f"server-{self.port}.log"
            _forget_old_logs(state_dir())
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        with open(self.log_path, "wb") as log:
            self.process = _popen_from_a_lasting_thread(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
            )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        self.load_seconds = time.monotonic() - started
        return self

    def _wait_ready(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise LocalServerError(
                    f"the local model server exited with code {self.process.returncode} while starting: "
                    f"{self._last_log_line()} (log: {self.log_path})"
                )
            if server_answers(self.base_url, timeout=0.5):
                return
            time.sleep(0.2)
        raise LocalServerError(
            f"the local model server did not answer within {self.ready_timeout:.0f} s (log: {self.log_path})"
        )

    def _last_log_line(self) -> str:
        try:
            lines = [line for line in self.log_path.read_text(errors="replace").splitlines() if line.strip()]
        except OSError:
            return "no log"
        return lines[-1].strip()[:300] if lines else "no output"

    def stop(self, grace: float = 10.0) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def wait(self) -> int:
        assert self.process is not None
        return self.process.wait()

    def info(self) -> ServerInfo:
        assert self.process is not None and self.port is not None
        return ServerInfo(
            base_url=self.base_url,
            port=self.port,
            pid=self.process.pid,
            model=self.model,
            model_path=str(self.model_path or ""),
            started_at=time.time(),
        )

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@contextlib.contextmanager
def serving(
    settings: ModelSettings,
    *,
    model_path: str | Path | None = None,
    n_ctx: int = DEFAULT_N_CTX,
    status: Status | None = None,
) -> Iterator[tuple[ModelSettings, Callable[[], str] | None]]:
    """The settings for one command, and how to reach a server when one is first needed.

    For the `local` provider with no base URL: reuse the server `claimex model serve` runs
    (same model), else hand out `connect`, which starts one on the first call that needs it
    (a run answered from the cache starts none) and is stopped when the command ends,
    whatever happens (errors, Ctrl-C, SIGTERM, raised as `Terminated` by the CLI).
    """
    if settings.provider != "local" or settings.base_url:
        yield settings, None
        return
    path = resolve_model_path(model_path, status=status)
    embedded = replace(settings, model=model_alias(path), server_identity=embedded_identity(path))
    running = running_server()
    if running is not None and Path(running.model_path) == path:
        yield embedded.with_base_url(running.base_url), None
        return
    server = LocalServer(path, n_ctx=n_ctx)
    lock = threading.Lock()

    def connect() -> str:
        with lock:
            if server.process is None:
                with (status or (lambda _message: contextlib.nullcontext()))(
                    f"starting local model {server.model}…"
                ):
                    server.start()
            return server.base_url

    try:
        yield embedded, connect
    finally:
        server.stop()
