"""The trees of claimex a benchmark times side by side, and the environment that runs one.

Every benchmark that times claimex in processes of its own takes `--claimex LABEL=SRC_DIR`
(repeatable: a `git worktree` of an older commit beside this checkout, measured in the same run)
and runs each tree's `python -m claimex` with its source folder first on Python's path.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1] / "src"


def add_option(
    parser: argparse.ArgumentParser,
    help: str = "a tree of claimex to measure (repeatable); default: this checkout",
) -> None:
    parser.add_argument("--claimex", action="append", metavar="LABEL=SRC_DIR", help=help)


def parse(given: list[str] | None) -> list[tuple[str, str]]:
    """(label, source folder) of each `LABEL=SRC_DIR` given; this checkout's, labelled "this", if none."""
    return [
        (label, src) for label, _, src in (entry.partition("=") for entry in given or [f"this={CHECKOUT}"])
    ]


def environment(src: str | Path | None, bytecode: str | None = None) -> dict[str, str]:
    """This process's environment with `src` first on Python's path (none given: as it is).

    `bytecode`: a folder where the process keeps its compiled modules (PYTHONPYCACHEPREFIX), as an
    installed claimex has its own: a tree on PYTHONPATH in an environment that sets
    PYTHONDONTWRITEBYTECODE would otherwise compile every module of claimex on every run."""
    env = dict(os.environ)
    if src:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), env.get("PYTHONPATH")]))
    if bytecode is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = bytecode
    return env
