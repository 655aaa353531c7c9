"""The batch on Ray against the local batch, on 400 seed-sized articles, with a Ray worker killed.

Three `claimex batch` runs over the same folder against the stub server (its own process): the
local engine; `--engine ray`; and `--engine ray` again, with one of its workers SIGKILLed once a
quarter of the results are written. Each run's index (less the seconds) and result files (less
the seconds) must be the same; the killed run must have every article exactly once and no
temporary file left, and its model calls show how many articles Ray ran again.

    python benchmarks/ray_faults.py            # 400 articles, stub 0.2 s, 32 in flight
    python benchmarks/ray_faults.py --articles 2000 --concurrency 128
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from batch_bench import Articles, Stub, _descendants


def without_seconds(value: object) -> object:
    if isinstance(value, dict):
        return {key: without_seconds(item) for key, item in value.items() if key != "seconds"}
    if isinstance(value, list):
        return [without_seconds(item) for item in value]
    return value


def index_of(out: Path) -> dict[str, object]:
    lines = [json.loads(line) for line in (out / "index.jsonl").read_text(encoding="utf-8").splitlines()]
    by_path = {line["path"]: without_seconds(line) for line in lines}
    if len(by_path) != len(lines):
        raise SystemExit(f"{out}: an article has two lines in the index")
    return by_path


def results_of(out: Path) -> dict[str, object]:
    return {
        path.name: without_seconds(json.loads(path.read_text(encoding="utf-8")))
        for path in out.glob("*.txt.json")
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=400)
    parser.add_argument("--delay", type=float, default=0.2, help="seconds the stub takes per answer (0.2)")
    parser.add_argument("--concurrency", type=int, default=32)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch, Stub(options.delay) as stub:
        root = Path(scratch)
        inputs = Articles(root).folder(options.articles)

        def command(out: Path, *extra: str) -> list[str]:
            return [
                sys.executable, "-m", "claimex", "batch", str(inputs), "-o", str(out),
                "--base-url", stub.base_url, "--mode", "tools", "--no-cache",
                "--concurrency", str(options.concurrency), *extra,
            ]  # fmt: skip

        runs: dict[str, tuple[Path, int, int, float]] = {}
        for label, extra in (("local", ()), ("ray", ("--engine", "ray"))):
            out, before, started = root / label, stub.requests, time.perf_counter()
            code = subprocess.run(command(out, *extra), capture_output=True).returncode
            runs[label] = (out, code, stub.requests - before, time.perf_counter() - started)

        out, before, started = root / "ray-killed", stub.requests, time.perf_counter()
        process = subprocess.Popen(
            command(out, "--engine", "ray"), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        killed = None
        while process.poll() is None and killed is None:
            if len(list(out.glob("*.txt.json"))) >= options.articles // 4:
                for pid in _descendants(process.pid):
                    try:
                        title = Path(f"/proc/{pid}/cmdline").read_bytes()
                    except OSError:
                        continue
                    if title.startswith(b"ray::ArticleWorker"):
                        done_at_kill = len(list(out.glob("*.txt.json")))
                        os.kill(pid, signal.SIGKILL)
                        killed = pid
                        break
            time.sleep(0.02)
        process.wait()
        runs["ray, a worker killed"] = (
            out,
            process.returncode,
            stub.requests - before,
            time.perf_counter() - started,
        )

        reference = index_of(runs["local"][0])
        reference_results = results_of(runs["local"][0])
        print(
            f"{options.articles} seed-sized articles, stub {options.delay * 1000:.0f} ms, "
            f"{options.concurrency} in flight"
        )
        print(f"{'run':<22} {'exit':>4} {'model calls':>11} {'wall s':>7}  index and results")
        for label, (out, code, calls, wall) in runs.items():
            index = index_of(out)
            # An article whose result the killed worker wrote just before it died, and could not
            # say so, is found whole when Ray runs it again: its line says skipped, not ok.
            late = [path for path, line in index.items() if line["status"] == "skipped"]  # type: ignore[index]
            for path in late:
                mine, theirs = dict(index[path]), reference[path]  # type: ignore[call-overload]
                index[path] = {**theirs, **{key: mine[key] for key in ("claims", "verified", "result")}}
            same = index == reference and results_of(out) == reference_results
            leftovers = [path.name for path in out.rglob("*.tmp")]
            verdict = "the same as local" if same else "DIFFERENT"
            if late:
                verdict += f", {len(late)} written just before the kill and so skipped"
            if leftovers:
                verdict += f", {len(leftovers)} temporary files left"
            print(f"{label:<22} {code:>4} {calls:>11} {wall:>7.1f}  {verdict} ({len(index)} articles)")
        if killed is None:
            print("no worker was killed: the run ended first")
        else:
            print(f"killed worker {killed} with {done_at_kill} of {options.articles} results written")


if __name__ == "__main__":
    main()
