"""How close `claimex batch` comes to ideal concurrency, and that a cached re-run asks nothing.

A stub OpenAI-compatible server on loopback (its own process, so it takes no CPU time from
claimex's threads) answers every chat completion with the same valid reply after a fixed
delay, so the only thing measured is claimex's own scheduling and per-article work (decode,
prompt, parse, verify, write). Ideal wall time is
N × delay / concurrency; the ratio to it is what counts (absolute times vary between runs).

    python benchmarks/batch_bench.py [--articles 200] [--delay 0.2] [--levels 1,4,8,16]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from typer.testing import CliRunner

from claimex.cli import app

STUB = Path(__file__).resolve().parents[1] / "tests" / "stub_openai.py"
QUOTE = "au moins 30 soldats nord-coréens"  # the quote the stub's answer cites


class Stub:
    """The stub server in a child process."""

    def __init__(self, delay: float) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(STUB), str(delay)], stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        self.base_url = self.process.stdout.readline().strip()

    @property
    def requests(self) -> int:
        with urllib.request.urlopen(self.base_url.removesuffix("/v1") + "/stats") as response:
            return int(json.load(response)["requests"])

    def __enter__(self) -> Stub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.kill()
        self.process.wait()


ARTICLE = (
    "Article {number}. Selon le GUR, {quote} auraient été tués ce week-end près de Koursk. "
    "Kiev a averti que la Russie avait massé quelque 50.000 hommes dans la zone frontalière.\n\n"
)


def make_articles(folder: Path, count: int) -> None:
    for number in range(count):
        (folder / f"article-{number:04}.txt").write_text(
            ARTICLE.format(number=number, quote=QUOTE) * 3, encoding="utf-8"
        )


def run_batch(stub: Stub, inputs: Path, outputs: Path, *extra: str) -> float:
    args = ["batch", str(inputs), "-o", str(outputs), "--base-url", stub.base_url, "--mode", "tools", *extra]
    started = time.perf_counter()
    result = CliRunner().invoke(app, args, catch_exceptions=False)
    elapsed = time.perf_counter() - started
    if result.exit_code != 0:
        raise SystemExit(f"batch failed ({result.exit_code}): {result.output}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--delay", type=float, default=0.2, help="seconds the stub takes per answer")
    parser.add_argument("--levels", default="1,4,8,16", help="concurrency levels to run")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch, Stub(options.delay) as stub:
        root = Path(scratch)
        inputs = root / "in"
        inputs.mkdir()
        make_articles(inputs, options.articles)
        print(f"{options.articles} articles, stub delay {options.delay * 1000:.0f} ms, cache off")
        print(f"{'concurrency':>11} {'wall s':>8} {'ideal s':>8} {'ratio':>6} {'requests':>9}")
        for level in (int(part) for part in options.levels.split(",")):
            before = stub.requests
            wall = run_batch(stub, inputs, root / f"out-{level}", "--no-cache", "--concurrency", str(level))
            ideal = options.articles * options.delay / level
            print(f"{level:>11} {wall:>8.2f} {ideal:>8.2f} {wall / ideal:>6.3f} {stub.requests - before:>9}")

        cache = root / "cache"
        before = stub.requests
        first = run_batch(stub, inputs, root / "cached-1", "--cache-dir", str(cache), "--concurrency", "8")
        filled = stub.requests - before
        before = stub.requests
        second = run_batch(stub, inputs, root / "cached-2", "--cache-dir", str(cache), "--concurrency", "8")
        print(
            f"cache on, concurrency 8: first run {first:.2f} s with {filled} requests; "
            f"second run (new output folder) {second:.2f} s with {stub.requests - before} requests"
        )


if __name__ == "__main__":
    main()
