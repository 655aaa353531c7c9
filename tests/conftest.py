"""Every test runs offline, in its own user folders, with no claimex settings from the caller."""

from __future__ import annotations

from pathlib import Path

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
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
)


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in _SETTINGS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    monkeypatch.setenv("CLAIMEX_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("CLAIMEX_STATE_DIR", str(tmp_path / "state"))
    return tmp_path


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, object]:
    return {
        # The body is part of the match: a changed prompt must not replay an old answer.
        "match_on": ["method", "uri", "body"],
        "filter_headers": ["authorization", "api-key", "x-api-key", "openai-organization", "openai-project"],
        "decode_compressed_response": True,
    }


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
