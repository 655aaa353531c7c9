"""The embedded server's lifecycle: started, waited for, and always stopped.

A stand-in server (tests/stand_in_server.py) plays llama.cpp here, so these tests exercise the
real process handling — start, readiness, errors, Ctrl-C, SIGKILL of claimex — in milliseconds.
Tests with the real llama.cpp server are marked `local_model` (make test-local).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from claimex.errors import ClaimexError
from claimex.local.model import DEFAULT_MODEL
from claimex.local.server import LocalServer, running_server, server_answers, server_command

STAND_IN = Path(__file__).with_name("stand_in_server.py")
loopback = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])


def stand_in(*extra: str):
    return lambda port: [sys.executable, str(STAND_IN), str(port), *extra]


def gone(pid: int, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        # A zombie child of this process counts as gone once reaped by its parent.
        try:
            if os.waitpid(pid, os.WNOHANG) != (0, 0):
                return True
        except ChildProcessError:
            pass
        time.sleep(0.05)
    return False


def test_llama_cpp_command_line_is_loopback_and_bounded() -> None:
    argv = server_command(Path("/m/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"), 8123)
    joined = " ".join(argv)
    assert "-m llama_cpp.server" in joined
    assert "--host 127.0.0.1 --port 8123" in joined
    assert "--logits_all False" in joined
    assert "--model_alias qwen2.5-coder-1.5b-instruct " in joined


@loopback
def test_server_is_ready_then_stopped(tmp_path: Path) -> None:
    with LocalServer(command=stand_in(), log_path=tmp_path / "log") as server:
        assert server_answers(server.base_url)
        pid = server.process.pid
    assert gone(pid)
    assert not server_answers(server.base_url)


@loopback
def test_two_servers_at_once_keep_one_log_each_and_old_logs_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAIMEX_STATE_DIR", str(tmp_path))
    old, recent = tmp_path / "server-9.log", tmp_path / "server-10.log"
    for log, age_days in ((old, 8), (recent, 6)):
        log.write_text("earlier run\n")
        then = time.time() - age_days * 86400
        os.utime(log, (then, then))
    with LocalServer(command=stand_in()) as first, LocalServer(command=stand_in()) as second:
        logs = {first.log_path, second.log_path}
        assert logs == {tmp_path / f"server-{first.port}.log", tmp_path / f"server-{second.port}.log"}
        assert len(logs) == 2 and all(log.is_file() for log in logs)
    assert not old.exists(), "a log older than a week is removed by a new start"
    assert recent.exists(), "a log of the last week is kept"


@loopback
def test_a_server_started_by_a_short_lived_thread_outlives_it(tmp_path: Path) -> None:
    # Linux's parent-death signal follows the thread that forked, not the process: a chunk
    # worker that first needs the server must not take it down when it ends.
    server = LocalServer(command=stand_in(), log_path=tmp_path / "log")
    worker = threading.Thread(target=server.start)
    worker.start()
    worker.join()
    try:
        time.sleep(0.3)
        assert server.process is not None and server.process.poll() is None, "killed with its thread"
        assert server_answers(server.base_url)
    finally:
        server.stop()


@loopback
def test_an_error_inside_the_command_still_stops_the_server(tmp_path: Path) -> None:
    server = LocalServer(command=stand_in(), log_path=tmp_path / "log")
    with pytest.raises(RuntimeError), server:
        pid = server.process.pid
        raise RuntimeError("boom")
    assert gone(pid)


@loopback
def test_a_server_that_dies_while_starting_is_reported_with_its_last_words(tmp_path: Path) -> None:
    server = LocalServer(command=stand_in("--crash"), log_path=tmp_path / "log")
    with pytest.raises(ClaimexError, match=r"exited with code 3 while starting: error: failed to load model"):
        server.start()


@loopback
def test_a_server_that_never_answers_is_stopped_after_the_timeout(tmp_path: Path) -> None:
    server = LocalServer(command=stand_in("--slow", "60"), log_path=tmp_path / "log", ready_timeout=0.5)
    with pytest.raises(ClaimexError, match=r"did not answer within 0 s|did not answer within 1 s"):
        server.start()
    assert server.process is None


PARENT = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {tests!r})
    from claimex.local.server import LocalServer
    server = LocalServer(command=lambda port: [sys.executable, {stand_in!r}, str(port)], log_path={log!r})
    with server:
        print(server.process.pid, flush=True)
        time.sleep(60)
    """
)


@loopback
@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL])
def test_no_stray_server_after_ctrl_c_or_sigkill_of_claimex(tmp_path: Path, how: signal.Signals) -> None:
    """Ctrl-C unwinds and stops the server; SIGKILL leaves it to the kernel (PR_SET_PDEATHSIG)."""
    script = PARENT.format(tests=str(STAND_IN.parent), stand_in=str(STAND_IN), log=str(tmp_path / "log"))
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    server_pid = int(parent.stdout.readline())
    assert not gone(server_pid, within=0.2)

    parent.send_signal(how)
    parent.wait(timeout=20)

    assert gone(server_pid), f"server {server_pid} outlived claimex after {how.name}"


def test_status_is_none_without_a_server() -> None:
    assert running_server() is None


@pytest.mark.local_model
@loopback
def test_model_serve_answers_v1_models_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    """The real embedded server: `claimex model serve`, then /v1/models, status, Ctrl-C."""
    import json
    import urllib.request

    from claimex.local.server import free_port

    port = free_port()
    serve = subprocess.Popen(
        [sys.executable, "-m", "claimex", "model", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = serve.stdout.readline()
        assert f"at http://127.0.0.1:{port}/v1" in line, line + serve.stderr.read()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=10) as response:
            models = json.load(response)
        assert models["data"][0]["id"] == DEFAULT_MODEL
        info = running_server()
        assert info is not None and info.port == port
        server_pid = info.pid
    finally:
        serve.send_signal(signal.SIGINT)
        serve.wait(timeout=30)
    assert serve.returncode == 0 and serve.stdout.read().strip() == "stopped"
    assert gone(server_pid)
    assert running_server() is None
