"""What `make demo` must show a new user: the seed's key figures in claims that are verified.

CI runs it on the demo's table (`python tests/demo_check.py demo.txt`); a demo with no verified
claim, or whose verified claims lost a figure, exits 1 saying which. The figures are the seed's
own (benchmarks/devset/seed.facts.json): at least 30 North Korean soldiers killed or wounded,
some 50.000 men massed by Russia, about 10.000 soldiers in the Kursk region.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

FIGURES = ("30", "50.000", "10.000")


def rows(table: str) -> list[tuple[str, bool]]:
    """Each row of the rich table: its claim column's text, and whether its last column is a tick."""
    found: list[tuple[str, bool]] = []
    cells: list[list[str]] = []
    for line in table.splitlines():
        if line.startswith("│"):
            cells.append([cell.strip() for cell in line.strip().strip("│").split("│")])
        elif line.startswith(("├", "└")) and cells:
            claim = " ".join(row[2] for row in cells if len(row) >= 5)
            verified = any(row[-1] == "✔" for row in cells if len(row) >= 5)
            found.append((claim, verified))
            cells = []
    return found


def problems(table: str) -> list[str]:
    """What is wrong with the demo's table; empty when every figure is in a verified claim."""
    table_rows = rows(table)
    verified = [claim for claim, ok in table_rows if ok]
    if not verified:
        return [f"no verified claim in the demo's table ({len(table_rows)} rows)"]
    return [
        f"no verified claim carries the seed's figure {figure}"
        for figure in FIGURES
        if not any(re.search(rf"(?<![\d.,]){re.escape(figure)}(?![\d]|[.,]\d)", claim) for claim in verified)
    ]


def main(path: str) -> int:
    found = problems(Path(path).read_text(encoding="utf-8"))
    for problem in found:
        print(f"error: make demo: {problem}", file=sys.stderr)
    if not found:
        print(f"CI: the demo shows {', '.join(FIGURES)} in verified claims")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
