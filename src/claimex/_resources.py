"""Where the prompts and schemas are, installed or in a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """`prompts/` or `schemas/`: package data in a wheel, the repository's top level in a checkout.

    An editable install does not copy force-included data into the package, so the checkout's
    own folder is the fallback.
    """
    for candidate in (_PACKAGE_DIR / name, _PACKAGE_DIR.parents[1] / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"claimex is installed without its {name}/ folder")
