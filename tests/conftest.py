"""Every test runs offline, in its own user folders, with no claimex settings from the caller."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import platformdirs
import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "000_a74d49738eea9ff9.txt"

# Cassettes match on the full URI, so tests and `make record` use one fixed loopback address.
RECORDING_PORT = 8765
RECORDING_BASE_URL = f"http://127.0.0.1:{RECORDING_PORT}/v1"

_SETTINGS_VARIABLES = (
    "CLAIMEX_PROVIDER",
    "CLAIMEX_BASE_URL",
    "CLAIMEX_MODEL",
    "CLAIMEX_MODE",
    "CLAIMEX_LOCAL_MODEL",
    "CLAIMEX_EMBEDDED_MODEL",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
)


def missing_tool(reason: str) -> NoReturn:
    """A test that cannot run here (no Chromium, no read-only mount, no model parts) skips, saying
    why; in CI (`CI=true`, which .ci/run sets) it fails instead: CI is where it must run."""
    if os.environ.get("CI", "").strip().lower() in ("true", "1"):
        pytest.fail(
            f"{reason} (CI=true: a test whose tool is missing fails rather than skips)", pytrace=False
        )
    pytest.skip(reason)


# The embedded model as `make demo` assembled it (1.1 GB), read before HOME is redirected.
USER_DATA_DIR = os.environ.get("CLAIMEX_DATA_DIR") or platformdirs.user_data_dir("claimex")


@pytest.fixture(autouse=True)
def isolated_user_dirs(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    for name in _SETTINGS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("CLAIMEX_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CLAIMEX_STATE_DIR", str(tmp_path / "state"))
    # Tests of the real server share the user's assembled model rather than writing 1.1 GB
    # into every test's folder; all others get an empty data folder of their own.
    real_model = request.node.get_closest_marker("local_model") is not None
    monkeypatch.setenv("CLAIMEX_DATA_DIR", USER_DATA_DIR if real_model else str(tmp_path / "data"))
    return tmp_path


VCR_CONFIG: dict[str, object] = {
    # The body is part of the match: a changed prompt must not replay an old answer.
    "match_on": ["method", "uri", "body"],
    # No credential is ever written to a cassette.
    "filter_headers": ["authorization", "api-key", "x-api-key", "openai-organization", "openai-project"],
    "decode_compressed_response": True,
}


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, object]:
    return dict(VCR_CONFIG)


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    return str(ROOT / "cassettes" / request.module.__name__.rsplit(".", 1)[-1])


@pytest.fixture
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")


def http_requests(cassette: object) -> int:
    """Requests the code under test sent: replayed ones, plus new ones when recording."""
    recorded_now = len(cassette.data) - cassette._loaded_count  # type: ignore[attr-defined]
    return int(cassette.play_count) + recorded_now  # type: ignore[attr-defined]


@pytest.fixture
def stand_in_llama(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, list]:
    """The embedded server played by tests/stand_in_server.py: a real child process, no model.

    Yields a model file to name (any file will do) and the list of servers claimex made.
    """
    import sys
    from typing import Any

    import claimex.local.server
    from claimex.local.server import LocalServer

    started: list[LocalServer] = []
    stand_in = Path(__file__).with_name("stand_in_server.py")

    class StandIn(LocalServer):
        def __init__(self, model_path: Path | None = None, **options: Any) -> None:
            super().__init__(
                model_path,
                command=lambda port: [sys.executable, str(stand_in), str(port)],
                log_path=tmp_path / "server.log",
            )
            started.append(self)

    monkeypatch.setattr(claimex.local.server, "LocalServer", StandIn)
    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF")
    return model, started
