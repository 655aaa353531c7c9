"""The package's plan holds: the layers contract of pyproject.toml, and a rule stated in every subpackage."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "claimex"
SUBPACKAGES = sorted(path.parent for path in PACKAGE.glob("*/__init__.py"))


def test_every_layer_imports_only_from_the_layers_below_it() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--no-cache", "--config", str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_the_contract_names_every_module_of_the_package() -> None:
    """`exhaustive = true` makes import-linter refuse an unlisted module; this says which one."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (layers,) = [c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers"]
    listed = {name.strip() for layer in layers["layers"] for name in layer.replace(":", "|").split("|")}
    present = {path.stem for path in PACKAGE.glob("*.py") if path.stem != "__init__"}
    present |= {path.name for path in SUBPACKAGES}
    assert present == listed


@pytest.mark.parametrize("package", SUBPACKAGES, ids=lambda path: path.name)
def test_each_subpackage_says_what_it_owns_and_what_it_may_import(package: Path) -> None:
    tree = ast.parse((package / "__init__.py").read_text(encoding="utf-8"))
    docstring = ast.get_docstring(tree) or ""
    assert "Rule:" in docstring, f"claimex.{package.name} states no rule in its docstring"
    for module in (path.stem for path in package.glob("*.py") if path.stem != "__init__"):
        assert f"`{module}`" in docstring, f"claimex.{package.name}'s docstring does not name {module}.py"
