"""Re-record every cassette against the embedded model: `make record`.

Starts the embedded llama.cpp server on the fixed port the cassettes name, replays nothing,
records every model-calling test anew, and stops the server whatever happens. With test files
as arguments (`python tests/record_cassettes.py tests/test_tasks_examples.py`), only their
cassettes are recorded anew, and the others are left as they are.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from claimex.local.server import LocalServer, resolve_model_path
from conftest import RECORDING_PORT, ROOT


def main(files: list[str]) -> int:
    cassettes = ROOT / "cassettes"
    with LocalServer(resolve_model_path(), port=RECORDING_PORT) as server:
        print(
            f"recording against {server.model} at {server.base_url} (loaded in {server.load_seconds:.1f} s)"
        )
        # Old recordings go first, so a test that no longer calls the model leaves none behind.
        for folder in [cassettes / Path(name).stem for name in files] if files else [cassettes]:
            shutil.rmtree(folder, ignore_errors=True)
        completed = subprocess.run(
            [sys.executable, "-m", "pytest", "-m", "vcr", "--record-mode=all", "-p", "no:randomly", *files],
            cwd=ROOT,
            check=False,
        )
    print(f"cassettes written under {cassettes}")
    return completed.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
