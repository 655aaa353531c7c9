"""What `claimex serve` adds to a model's own delay, at 1, 16 and 64 requests in flight.

A stub OpenAI-compatible server (its own process) answers every chat completion after a fixed
delay; `claimex serve` runs as it would in production (its own process, uvicorn, the disk cache
in a fresh folder) with --concurrency equal to the requests in flight. Each level posts distinct
articles (one model call each), `level` at a time, from a pool of client threads, and reports
throughput and latency next to the stub's delay: the ideal is `level / delay` requests per
second and a latency of `delay`. A last run posts articles answered before: the cache's path,
which takes no model slot.

    python benchmarks/serve_bench.py [--delay 0.2] [--levels 1,16,64] [--rounds 8]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2

sys.path.insert(0, str(Path(__file__).resolve().parent))
from batch_bench import Stub  # a script beside this one

QUOTE = "au moins 30 soldats nord-coréens"  # the quote the stub's answer cites
ARTICLE = (
    "Article {number}. Selon le GUR, {quote} auraient été tués ce week-end près de Koursk. "
    "Kiev a averti que la Russie avait massé quelque 50.000 hommes dans la zone frontalière.\n\n"
)


class Service:
    """`claimex serve` in a child process, on a free port."""

    def __init__(self, stub: Stub, concurrency: int, folder: Path) -> None:
        options = ["--port", "0", "--base-url", stub.base_url, "--mode", "tools", "--cache-dir", str(folder)]
        options += ["--concurrency", str(concurrency), "--queue", str(concurrency)]
        # uvicorn logs every request: to a file, which nobody has to keep reading.
        log = folder.with_suffix(".log")
        with open(log, "w", encoding="utf-8") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "claimex", "serve", *options], stdout=subprocess.DEVNULL, stderr=stderr
            )
        deadline = time.monotonic() + 30
        while " at http://" not in (said := log.read_text(encoding="utf-8")):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"claimex serve did not start: {said}")
            time.sleep(0.05)
        self.url = said.split(" at ", 1)[1].split(" ", 1)[0]

    def __enter__(self) -> Service:
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def drive(url: str, level: int, texts: list[str]) -> tuple[float, list[float], int]:
    """Post every text, `level` at a time: wall seconds, each request's seconds, refusals."""
    refused = 0
    with httpx2.Client(base_url=url, timeout=120, limits=httpx2.Limits(max_connections=level)) as http:

        def post(text: str) -> float:
            nonlocal refused
            started = time.perf_counter()
            response = http.post("/v1/extract", json={"text": text})
            if response.status_code == 429:
                refused += 1
            elif response.status_code != 200:
                raise SystemExit(f"HTTP {response.status_code}: {response.text}")
            return time.perf_counter() - started

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=level) as pool:
            latencies = list(pool.map(post, texts))
        return time.perf_counter() - started, latencies, refused


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def articles(prefix: str, count: int) -> list[str]:
    return [ARTICLE.format(number=f"{prefix}-{number}", quote=QUOTE) * 3 for number in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--delay", type=float, default=0.2, help="seconds the stub takes per answer")
    parser.add_argument("--levels", default="1,16,64", help="requests in flight")
    parser.add_argument(
        "--rounds", type=int, default=8, help="requests per level = rounds × level (at least 32)"
    )
    options = parser.parse_args()
    delay_ms = options.delay * 1000

    print(f"stub delay {delay_ms:.0f} ms per answer; one model call per article; {os.cpu_count()} cores")
    print(
        f"{'in flight':>9} {'requests':>8} {'req/s':>7} {'ideal':>7} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'+p50 ms':>8} {'+p95 ms':>8} {'429':>4}"
    )
    with tempfile.TemporaryDirectory() as scratch, Stub(options.delay) as stub:
        for level in (int(part) for part in options.levels.split(",")):
            cache_dir = Path(scratch) / f"cache-{level}"
            with Service(stub, level, cache_dir) as service:
                drive(service.url, level, articles(f"warm-{level}", level))  # connections, imports
                texts = articles(f"run-{level}", max(32, options.rounds * level))
                wall, latencies, refused = drive(service.url, level, texts)
            p50, p95 = percentile(latencies, 0.5) * 1000, percentile(latencies, 0.95) * 1000
            print(
                f"{level:>9} {len(texts):>8} {len(texts) / wall:>7.1f} {level / options.delay:>7.1f} "
                f"{p50:>7.0f} {p95:>7.0f} {p50 - delay_ms:>8.0f} {p95 - delay_ms:>8.0f} {refused:>4}"
            )

        level = 16
        with Service(stub, level, Path(scratch) / "cache-repeat") as service:
            texts = articles("cached", 64)
            drive(service.url, level, texts)
            before = stub.requests
            wall, latencies, _ = drive(service.url, level, texts)
            p50, p95 = statistics.median(latencies) * 1000, percentile(latencies, 0.95) * 1000
            print(
                f"cached, {level} in flight: {len(texts) / wall:.1f} req/s, p50 {p50:.0f} ms, "
                f"p95 {p95:.0f} ms, {stub.requests - before} model calls"
            )


if __name__ == "__main__":
    main()
