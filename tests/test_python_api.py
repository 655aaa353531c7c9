"""The Python API: the README's example runs as it stands, and `claimex.Extractor` is `claimex extract`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import claimex
from claimex.cli import app
from claimex.local.server import LocalServer
from conftest import ROOT, SEED
from stub_openai import QUOTE, StubServer

# The stub model server and the stand-in llama.cpp listen on loopback; nothing else is reached.
pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])

README = ROOT / "README.md"


def readme_python_example() -> str:
    """The first Python block of the README's "Python" section."""
    section = README.read_text(encoding="utf-8").split("\n## Python\n", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match, "the README's Python section has no python block"
    return match.group(1)


def test_the_readmes_python_example_prints_claims(tmp_path: Path) -> None:
    """`python - <<< "$(the README's example)"` from a checkout, against any server CLAIMEX_BASE_URL names."""
    with StubServer() as stub:
        env = {**os.environ, "CLAIMEX_BASE_URL": stub.base_url, "CLAIMEX_CACHE_DIR": str(tmp_path / "cache")}
        run = subprocess.run(
            [sys.executable, "-"],
            input=readme_python_example(),
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode == 0, run.stderr
        assert stub.requests >= 1
    assert run.stdout == (
        "verified | les services de renseignement militaire ukrainien (GUR) | "
        "Au moins 30 soldats nord-coréens auraient été tués.\n"
    )


def _without_timing(result: dict[str, Any]) -> dict[str, Any]:
    result["stats"].pop("seconds")
    return result


@pytest.mark.parametrize(
    "environ",
    [
        {},
        {"CLAIMEX_STRATEGY": "single", "CLAIMEX_MODEL": "other-model"},
        {"CLAIMEX_PROVIDER": "compatible", "CLAIMEX_MODE": "json_schema"},
    ],
    ids=["defaults", "strategy-and-model", "provider-and-mode"],
)
def test_an_extractor_gives_what_claimex_extract_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, environ: dict[str, str]
) -> None:
    """Same variables, same defaults, same requests: the two results are equal but for timing."""
    with StubServer() as stub:
        variables = {"CLAIMEX_BASE_URL": stub.base_url, **environ}
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        cli = CliRunner().invoke(app, ["extract", str(SEED), "--no-cache"])
        assert cli.exit_code == 0, cli.output
        after_cli = stub.requests
        with claimex.Extractor(cache=False) as extractor:
            result = extractor.extract(SEED)
        assert stub.requests == 2 * after_cli
    assert _without_timing(json.loads(cli.stdout)) == _without_timing(result.model_dump(mode="json"))


def test_with_nothing_set_it_is_the_embedded_model_sentence_by_sentence(tmp_path: Path) -> None:
    """The trap of claimex 0.1: `extract(document, client)` asked a long text in one call."""
    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF")
    with claimex.Extractor(model_path=model, environ={}) as extractor:
        settings, options = extractor.settings, extractor.options
    assert (settings.provider, settings.model) == ("local", "model")
    assert (options.strategy, options.max_claims, options.chunk_chars, options.concurrency) == (
        "sentences",
        30,
        4000,
        1,
    )


def test_the_pipelines_own_extract_takes_the_presets_defaults() -> None:
    """claimex.extract(document, client) with nothing else: the preset's cap, not 0.1's 8 claims."""
    import httpx2

    from stub_openai import ANSWER, completion

    caps: list[int] = []

    def answer(request: httpx2.Request) -> httpx2.Response:
        tool = json.loads(request.content)["tools"][0]["function"]["parameters"]
        caps.append(tool["properties"]["claims"]["maxItems"])
        return httpx2.Response(200, json=completion(ANSWER))

    settings = claimex.resolve_settings(base_url="http://model.test/v1", mode="tools", environ={})
    client = claimex.ModelClient(settings, http_client=httpx2.Client(transport=httpx2.MockTransport(answer)))
    result = claimex.extract(claimex.load_document(SEED), client)

    # The compatible preset: the text in one chunk (up to 40,000 characters), up to 30 claims.
    assert (result.strategy, result.stats.chunks) == ("single", 1)
    assert caps and set(caps) == {30}


def test_text_and_verify_without_the_model() -> None:
    with StubServer() as stub:
        with claimex.Extractor(base_url=stub.base_url, cache=False) as extractor:
            from_text = extractor.extract(text=SEED.read_text(encoding="utf-8"))
            claims = [{"statement": "Au moins 30 soldats ont été tués.", "evidence": [QUOTE]}]
            asked = stub.requests
            checked = extractor.verify(SEED, claims)
        assert asked >= 1 and stub.requests == asked, "verify asks no model"
    assert from_text.source.path == "<text>" and from_text.claims[0].verified
    assert claims == [{"statement": "Au moins 30 soldats ont été tués.", "evidence": [QUOTE]}], "unchanged"
    (claim,) = checked["claims"]
    assert claim["evidence"][0]["status"] == "exact" and claim["verified"] is True


def test_bad_input_is_one_claimex_error_line(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    with StubServer() as stub, claimex.Extractor(base_url=stub.base_url, cache=False) as extractor:
        with pytest.raises(claimex.InputError, match=r"empty\.txt"):
            extractor.extract(empty)
        with pytest.raises(claimex.InputError, match="text: contains NUL"):
            extractor.extract(text="a\x00b")
        with pytest.raises(TypeError, match="not both"):
            extractor.extract(SEED, text="x")
        assert stub.requests == 0
    with pytest.raises(claimex.ClaimexError, match="unknown provider"):
        claimex.Extractor(provider="nope", environ={})
    with pytest.raises(RuntimeError, match="closed"):
        extractor.extract(SEED)


def test_the_embedded_server_starts_on_the_first_question_and_stops_at_close(
    stand_in_llama: tuple[Path, list[LocalServer]],
) -> None:
    """llama.cpp played by the stand-in of test_local_server.py, which answers no chat completion."""
    model, started = stand_in_llama
    extractor = claimex.Extractor(model_path=model, cache=False, environ={})
    assert started == [] or started[0].process is None, "started before any question"
    # The stand-in answers no chat completion: the sentence is kept as the readers read it, and
    # the result says the model gave no answer for it.
    result = extractor.extract(
        text="Près de 12 000 foyers étaient privés de courant mercredi, selon le gestionnaire du réseau, "
        "tandis que 85 personnes ont été mises à l'abri, d'après les pompiers."
    )
    assert not result.complete and result.stats.failed_sentences == 1
    assert any("HTTP 501" in warning for warning in result.warnings)
    (server,) = started
    assert server.process is not None
    pid = server.process.pid
    extractor.close()
    assert server.process is None and not Path(f"/proc/{pid}").exists(), "left running after close()"
