"""The embedded model's assembly from its part packages, exercised on small fake parts.

Each test makes its own part packages (`<name>/data/partNN.bin`) under tmp_path, puts them on
sys.path and adds a table entry for them; everything else is the real code: discovery through
importlib, the locked, atomic and checked assembly, the stamp that spares a re-hash, the errors.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import threading
import time
import tomllib
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import platformdirs
import pytest
from typer.testing import CliRunner

from claimex.cli import app
from claimex.errors import EmbeddedModelError
from claimex.llm.settings import PRESETS
from claimex.local import model as embedded_model
from claimex.local.model import (
    DEFAULT_MODEL,
    MODELS,
    EmbeddedModel,
    alias_for,
    data_dir,
    distribution,
    ensure_assembled,
    is_assembled,
    model_file,
    part_paths,
    selected_model,
)
from claimex.local.server import default_model_path, model_alias
from conftest import ROOT, missing_tool

CHUNKS = [b"GGUF-first part-", b"second part, a little longer-", b"third"]
MakeModel = Callable[..., EmbeddedModel]


@pytest.fixture
def make_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> MakeModel:
    # Small reads, so that every part takes several and progress moves within a part.
    monkeypatch.setattr(embedded_model, "CHUNK_BYTES", 7)

    def make(
        chunks: list[bytes] = CHUNKS,
        *,
        installed: set[int] | None = None,
        size: int | None = None,
        sha256: str | None = None,
    ) -> EmbeddedModel:
        # A new name every time: imports and importlib's caches never mix two tests' parts.
        prefix = f"claimexfake{uuid.uuid4().hex[:8]}_part"
        packages = tuple(f"{prefix}{number}" for number in range(1, len(chunks) + 1))
        site = tmp_path / "site"
        for number, (package, chunk) in enumerate(zip(packages, chunks, strict=True), start=1):
            if installed is not None and number not in installed:
                continue
            (site / package / "data").mkdir(parents=True)
            (site / package / "__init__.py").write_text("")
            (site / package / "data" / f"part{number:02d}.bin").write_bytes(chunk)
        monkeypatch.syspath_prepend(str(site))
        whole = b"".join(chunks)
        model = EmbeddedModel(
            alias=f"fake-{prefix}",
            title="Fake-0B, Q0",
            packages=packages,
            version="1.0",
            extra="local",
            size=len(whole) if size is None else size,
            sha256=hashlib.sha256(whole).hexdigest() if sha256 is None else sha256,
        )
        monkeypatch.setitem(MODELS, model.alias, model)
        monkeypatch.setenv("CLAIMEX_EMBEDDED_MODEL", model.alias)
        return model

    return make


def models_folder(tmp_path: Path) -> list[str]:
    folder = tmp_path / "data" / "models"
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def temporaries(tmp_path: Path) -> list[str]:
    return [name for name in models_folder(tmp_path) if name.endswith(".tmp")]


class Shown:
    """Stands in for a rich Status: records the message and every update."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def update(self, message: str) -> None:
        self.messages.append(message)


def recording_status(shown: Shown) -> Callable[[str], object]:
    @contextmanager
    def status(message: str) -> Iterator[Shown]:
        shown.messages.append(message)
        yield shown

    return status


def test_assembles_the_concatenation_once_into_the_data_folder(make_model: MakeModel, tmp_path: Path) -> None:
    model = make_model()
    path = ensure_assembled(model)
    assert path == tmp_path / "data" / "models" / f"{model.alias}.gguf"
    assert path.read_bytes() == b"".join(CHUNKS)
    assert models_folder(tmp_path) == [path.name, f"{path.name}.lock", f"{path.name}.verified"]
    assert is_assembled(model)


def test_a_second_call_trusts_the_file_without_rewriting_or_reading_the_parts(
    make_model: MakeModel, tmp_path: Path
) -> None:
    model = make_model()
    before = ensure_assembled(model).stat()
    for part in (tmp_path / "site").rglob("*.bin"):
        part.unlink()
    after = ensure_assembled(model).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_progress_goes_to_the_status_callback_up_to_100_percent(make_model: MakeModel) -> None:
    model = make_model()
    shown = Shown()
    ensure_assembled(model, status=recording_status(shown))
    assert shown.messages[0].startswith(f"assembling the embedded model {model.alias}")
    percents = [int(message.rsplit(" ", 1)[1].rstrip("%")) for message in shown.messages[1:]]
    assert len(percents) > len(CHUNKS) and percents == sorted(percents) and percents[-1] == 100


def test_a_bad_sha256_leaves_no_file_and_says_how_to_fix_it(make_model: MakeModel, tmp_path: Path) -> None:
    model = make_model(sha256="0" * 64)
    with pytest.raises(EmbeddedModelError) as caught:
        ensure_assembled(model)
    message = str(caught.value)
    assert "\n" not in message
    assert f"the parts of the embedded model {model.alias} do not add up" in message
    assert "pip install --force-reinstall 'claimex[local]'" in message
    assert models_folder(tmp_path) == [f"{model.alias}.gguf.lock"]


def test_parts_longer_than_the_table_says_stop_at_the_expected_size(
    make_model: MakeModel, tmp_path: Path
) -> None:
    model = make_model(size=20)
    with pytest.raises(EmbeddedModelError, match=r"got more than the 20 bytes expected"):
        ensure_assembled(model)
    assert models_folder(tmp_path) == [f"{model.alias}.gguf.lock"]


def test_a_missing_part_names_its_package_and_the_fix(make_model: MakeModel, tmp_path: Path) -> None:
    model = make_model(installed={1, 3})
    with pytest.raises(EmbeddedModelError) as caught:
        default_model_path()
    message = str(caught.value)
    assert "\n" not in message
    assert f"is incomplete: 1 of 3 part packages missing ({distribution(model.packages[1])})" in message
    assert "fix: pip install 'claimex[local]'" in message
    assert "-" in distribution(model.packages[1]) and "_" not in distribution(model.packages[1])
    assert models_folder(tmp_path) == []


def test_no_part_installed_says_the_model_is_not_installed(make_model: MakeModel) -> None:
    model = make_model(installed=set())
    with pytest.raises(EmbeddedModelError, match=rf"{model.alias} is not installed \(.*\); fix: pip install"):
        ensure_assembled(model)


def test_a_part_package_without_its_data_file_counts_as_missing(
    make_model: MakeModel, tmp_path: Path
) -> None:
    model = make_model()
    next((tmp_path / "site").rglob("part02.bin")).unlink()
    assert part_paths(model)[1] == [distribution(model.packages[1])]


def test_a_file_claimex_did_not_verify_is_replaced(make_model: MakeModel) -> None:
    model = make_model()
    target = model_file(model)
    target.parent.mkdir(parents=True)
    target.write_bytes(b"x" * model.size)  # the right size, but no stamp says it was checked
    assert not is_assembled(model)
    assert ensure_assembled(model).read_bytes() == b"".join(CHUNKS)


def test_a_new_model_version_of_the_same_size_is_assembled_again(
    make_model: MakeModel, tmp_path: Path
) -> None:
    old = make_model()
    ensure_assembled(old)
    for part in (tmp_path / "site").rglob("*.bin"):
        part.write_bytes(part.read_bytes().upper())
    new = dataclasses.replace(old, sha256=hashlib.sha256(b"".join(CHUNKS).upper()).hexdigest())
    assert not is_assembled(new)
    assert ensure_assembled(new).read_bytes() == b"".join(CHUNKS).upper()


def test_temporary_files_of_a_killed_run_are_removed(make_model: MakeModel, tmp_path: Path) -> None:
    model = make_model()
    folder = tmp_path / "data" / "models"
    folder.mkdir(parents=True)
    (folder / f".{model.alias}.gguf.abc123.tmp").write_bytes(b"half a model")
    ensure_assembled(model)
    assert temporaries(tmp_path) == []


def test_an_interrupted_assembly_leaves_no_temporary_file(make_model: MakeModel, tmp_path: Path) -> None:
    model = make_model()

    class Interrupting(Shown):
        def update(self, message: str) -> None:
            if int(message.rsplit(" ", 1)[1].rstrip("%")) >= 50:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ensure_assembled(model, status=recording_status(Interrupting()))
    assert models_folder(tmp_path) == [f"{model.alias}.gguf.lock"]


def test_two_assemblies_at_once_write_the_file_once(
    make_model: MakeModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = make_model()
    real_assemble = embedded_model._assemble
    calls: list[str] = []

    def slow_assemble(*args: object) -> None:
        calls.append(threading.current_thread().name)
        time.sleep(0.3)  # the other thread arrives while this one holds the lock
        real_assemble(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(embedded_model, "_assemble", slow_assemble)
    results: list[Path] = []
    threads = [threading.Thread(target=lambda: results.append(ensure_assembled(model))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(calls) == 1
    assert len(results) == 2 and results[0] == results[1]
    assert results[0].read_bytes() == b"".join(CHUNKS)


def test_an_unwritable_data_folder_is_a_one_line_error(
    make_model: MakeModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = make_model()
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("CLAIMEX_DATA_DIR", str(blocker))
    with pytest.raises(EmbeddedModelError, match=rf"cannot assemble the embedded model {model.alias} into"):
        ensure_assembled(model)


def test_the_data_folder_is_the_user_data_folder_unless_claimex_data_dir_says(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    assert data_dir() == tmp_path / "data"
    monkeypatch.delenv("CLAIMEX_DATA_DIR")
    assert data_dir() == Path(platformdirs.user_data_dir("claimex"))
    assert str(data_dir()).startswith(str(tmp_path))  # conftest points XDG_DATA_HOME there


def test_the_default_local_model_path_is_the_assembled_model(make_model: MakeModel) -> None:
    model = make_model()
    path = default_model_path()
    assert path == model_file(model) and model_alias(path) == model.alias


def test_the_embedded_model_is_chosen_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    assert selected_model().alias == DEFAULT_MODEL
    monkeypatch.setenv("CLAIMEX_EMBEDDED_MODEL", "qwen2.5-coder-0.5b-instruct")
    assert selected_model().extra == "local-small"
    monkeypatch.setenv("CLAIMEX_EMBEDDED_MODEL", "gpt-5")
    with pytest.raises(EmbeddedModelError, match=r"unknown embedded model 'gpt-5' .*known: qwen2\.5-coder"):
        selected_model()


def test_known_model_files_get_the_model_name() -> None:
    assert alias_for("Qwen2.5-Coder-1.5B-Instruct-Q4_K_M") == "qwen2.5-coder-1.5b-instruct"
    assert alias_for("qwen2.5-coder-0.5b-instruct-q4_k_m") == "qwen2.5-coder-0.5b-instruct"
    assert alias_for("llama-3.2-1b-instruct") is None


def test_the_table_matches_the_pins_in_pyproject() -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"
    ]
    for model in MODELS.values():
        pins = [f"{distribution(package)}=={model.version}" for package in model.packages]
        assert [pin for pin in extras[model.extra] if not pin.startswith("llama-cpp-python")] == pins
    assert MODELS[DEFAULT_MODEL].extra == "local"
    assert PRESETS["local"].model == DEFAULT_MODEL
    assert not any("smollm" in pin for pins in extras.values() for pin in pins)


def test_the_installed_parts_add_up_to_the_size_in_the_table() -> None:
    model = MODELS[DEFAULT_MODEL]
    if importlib.util.find_spec(model.packages[0]) is None:
        missing_tool("claimex[local] is not installed: its model parts cannot be measured")
    parts, missing = part_paths(model)
    assert missing == []
    assert [part.name for part in parts] == [f"part{number:02d}.bin" for number in range(1, 23)]
    assert sum(part.stat().st_size for part in parts) == model.size


runner = CliRunner()
LLAMA_CPP = importlib.util.find_spec("llama_cpp") is not None


def test_model_status_says_where_the_model_is_or_will_be(make_model: MakeModel) -> None:
    model = make_model()
    target = model_file(model)

    before = runner.invoke(app, ["model", "status"])
    assert before.exit_code == (1 if LLAMA_CPP else 2), before.output
    assert "no local model server is running" in before.stdout
    assert f"{model.alias} (Fake-0B, Q0, Apache-2.0), not assembled yet" in before.stdout
    assert str(target) in before.stdout
    assert not target.exists()  # status assembles nothing

    ensure_assembled(model)
    after = runner.invoke(app, ["model", "status"])
    assert f"assembled: {target} ({model.size:,} bytes)" in after.stdout


def test_model_status_names_missing_parts_and_exits_2(make_model: MakeModel) -> None:
    model = make_model(installed={2, 3})
    result = runner.invoke(app, ["model", "status"])
    assert result.exit_code == 2, result.output
    assert f"({distribution(model.packages[0])}); fix: pip install 'claimex[local]'" in result.stdout


def test_model_status_reports_a_model_path_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = tmp_path / "mine.gguf"
    monkeypatch.setenv("CLAIMEX_LOCAL_MODEL", str(mine))
    assert f"local model: {mine}: no such file" in runner.invoke(app, ["model", "status"]).stdout
    mine.write_bytes(b"GGUF")
    result = runner.invoke(app, ["model", "status"])
    assert f"local model: {mine} (from CLAIMEX_LOCAL_MODEL)" in result.stdout
    assert result.exit_code == (1 if LLAMA_CPP else 2)


def test_each_models_source_size_and_sha256_are_in_the_readme() -> None:
    """The README's provenance table says, for each model, the publisher's file whose size and
    sha256 the table pins, and the part packages: what a reader needs to check the weights."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for model in MODELS.values():
        repository, file = model.source.split("/", 2)[:2], model.source.rsplit("/", 1)[1]
        (row,) = [line for line in readme.splitlines() if line.startswith(f"| {model.alias} |")]
        first, last = distribution(model.packages[0]), f"part{model.part_count}"
        assert f"`{first}` … `{last}` {model.version}" in row
        assert f"`{'/'.join(repository)}`, `{file}`" in row
        assert f"| {model.size:,} |" in row and f"`{model.sha256}`" in row
        assert file.startswith(model.alias) and file.endswith("-q4_k_m.gguf") and "Q4_K_M" in model.title
