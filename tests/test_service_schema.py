"""schemathesis against the service: every operation of its OpenAPI description, all checks.

The service runs under uvicorn on loopback (claimex's own protocol, guard and limits), its model
the stub OpenAI server on loopback; schemathesis (its CLI, as the outside probe of issue 21 ran
it) generates requests from the description — valid ones, invalid ones, unexpected methods,
missing and wrong auth, the stateful links of jobs, the two example tasks' names and records
(`serve --task`) — and every check must pass: no 5xx, every
status and content type documented, every answer matching its schema, invalid data refused,
valid data accepted. The number of examples per operation is bounded (and the seed fixed), so
the test takes seconds; `SCHEMATHESIS_EXAMPLES` raises it for a deeper run.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from claimex.service.tasks import offered_tasks
from stub_openai import StubServer
from test_service_bounds import live

pytestmark = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "5"))
TOKEN = "s3cret-token-value"


def schemathesis_run(token: str | None, folder: Path) -> tuple[int, str]:
    """One run of schemathesis against a service of its own: its exit code and its output."""
    auth = ["-H", f"Authorization: Bearer {token}"] if token else []
    folder.mkdir()
    tasks = offered_tasks(["quotes", "figures"])
    with StubServer() as stub, live(stub.base_url, token=token, jobs_dir=folder / "jobs", tasks=tasks) as url:
        run = subprocess.run(
            [
                str(SCHEMATHESIS),
                "run",
                f"{url}/openapi.json",
                "--checks",
                "all",
                "--max-examples",
                str(EXAMPLES),
                "--seed",
                "1",
                "--workers",
                "1",
                "--request-timeout",
                "30",
                *auth,
            ],
            capture_output=True,
            text=True,
            timeout=240,
            cwd=folder,
            env={**os.environ, "NO_COLOR": "1"},
        )
    return run.returncode, run.stdout + run.stderr


@pytest.mark.skipif(
    not SCHEMATHESIS.is_file(), reason="schemathesis is not installed (pip install 'claimex[dev]')"
)
def test_every_operation_passes_every_schemathesis_check(tmp_path: Path) -> None:
    """Without a token (the README's default) and with one (401s, ignored auth), side by side."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = pool.map(schemathesis_run, (None, TOKEN), (tmp_path / "open", tmp_path / "token"))
        runs = dict(zip(("no token", "token"), outcomes, strict=True))
    for name, (code, output) in runs.items():
        assert code == 0, f"{name}: {output[-6000:]}"
        counts = re.search(r"(\d+) generated, (\d+) passed", output)
        assert counts is not None, output[-2000:]
        generated, passed = map(int, counts.groups())
        assert generated == passed and generated >= 300, output[-2000:]
        print(f"schemathesis ({name}): {generated} generated, {passed} passed")
