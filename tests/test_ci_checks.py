"""CI's own checks: `make demo`'s output (tests/demo_check.py) passes the demo and fails a broken
one; a test whose tool is missing fails under CI=true."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from claimex.cli import app
from conftest import RECORDING_BASE_URL, SEED, missing_tool
from demo_check import main, problems, rows


def demo_table() -> str:
    """What `make demo` prints (`claimex extract SEED --format table`); the seed needs no model."""
    args = [
        "extract",
        str(SEED),
        "--format",
        "table",
        "--provider",
        "local",
        "--base-url",
        RECORDING_BASE_URL,
    ]
    result = CliRunner().invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_demo_passes_and_its_rows_are_read_whole(tmp_path: Path) -> None:
    table = demo_table()
    assert problems(table) == []
    found = rows(table)
    assert len(found) == table.count("✔") > 3
    # A row's claim is read across its wrapped lines: the Austin sentence, whole.
    austin = (
        "Fin novembre, le secrétaire américain à la Défense Lloyd Austin avait quant à lui estimé à "
        "environ 10.000 le nombre de soldats nord-coréens présents dans la région de Koursk."
    )
    assert any(austin in claim and ok for claim, ok in found)
    path = tmp_path / "demo.txt"
    path.write_text(table, encoding="utf-8")
    assert main(str(path)) == 0


def test_a_demo_with_nothing_verified_fails() -> None:
    assert problems(demo_table().replace("✔", "✘")) == ["no verified claim in the demo's table (13 rows)"]


def test_a_demo_whose_verified_claims_lost_a_figure_fails() -> None:
    table = demo_table().replace("50.000", "cinquante mille")
    assert problems(table) == ["no verified claim carries the seed's figure 50.000"]
    # 30 only as part of another number is not the figure.
    assert "no verified claim carries the seed's figure 30" in problems(table.replace(" 30 ", " 300 "))


@pytest.mark.parametrize(("ci", "outcome"), [("true", pytest.fail.Exception), ("", pytest.skip.Exception)])
def test_a_missing_tool_skips_except_in_ci(monkeypatch: pytest.MonkeyPatch, ci: str, outcome: type) -> None:
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="no chromium"):
        missing_tool("no chromium")
