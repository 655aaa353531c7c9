"""What `claimex serve` adds to a model's own delay, at 1, 16 and 64 requests in flight.

A stub OpenAI-compatible server (its own process) answers every chat completion after a fixed
delay; `claimex serve` runs as it would in production (its own process, uvicorn, the disk cache
in a fresh folder) with --concurrency equal to the requests in flight. Each level posts distinct
articles (one model call each), `level` at a time, from a pool of client threads, and reports
throughput and latency next to the stub's delay: the ideal is `level / delay` requests per
second and a latency of `delay`. A last run posts articles answered before: the cache's path,
which takes no model slot.

    python benchmarks/serve_bench.py [--delay 0.2] [--levels 1,16,64] [--rounds 8]

Two other measures:

    python benchmarks/serve_bench.py --verify-flood [--verifies 24]

posts 24 large verifications at once (a 4.5 MB text: 50 claims, refused 413 for their work;
then 10 quotes, within it: one runs, 8 wait, the rest get 429) and times `/healthz` meanwhile,
next to its latency on an idle service.

    python benchmarks/serve_bench.py --jobs-restart [--job-minutes 12] [--job-paragraphs 8]

submits one article as a job to a stub slow enough for its model calls (one per distinct chunk)
to take `--job-minutes` in all, stops the service with SIGTERM half-way, starts it again on
the same state and cache folders, waits for the job, and compares its result with what
`claimex extract` gives for the same article (against a stub that answers at once, no cache).
"""

from __future__ import annotations

import argparse
import json
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


CLAIMEX = (sys.executable, "-m", "claimex")


class Service:
    """`claimex serve` in a child process, on a free port."""

    def __init__(
        self,
        stub: Stub,
        concurrency: int,
        folder: Path,
        *,
        extra: tuple[str, ...] = (),
        state: Path | None = None,
        log_name: str = "",
    ) -> None:
        options = ["--port", "0", "--base-url", stub.base_url, "--mode", "tools", "--cache-dir", str(folder)]
        options += ["--concurrency", str(concurrency), "--queue", str(concurrency), *extra]
        # uvicorn logs every request: to a file, which nobody has to keep reading.
        log = folder.with_name(f"{folder.name}{log_name}.log")
        environment = {**os.environ, **({"CLAIMEX_STATE_DIR": str(state)} if state else {})}
        with open(log, "w", encoding="utf-8") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "claimex", "serve", *options],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                env=environment,
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
        self.stop()

    def stop(self) -> float:
        """SIGTERM, and the seconds until the process is gone."""
        if self.process.poll() is not None:
            return 0.0
        started = time.perf_counter()
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)
        return time.perf_counter() - started


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


def post_verifies(url: str, payload: Path, count: int) -> list[int]:
    """`count` verifications of the body in `payload`, all at once: their statuses."""
    body = payload.read_bytes()

    def post(_: int) -> int:
        with httpx2.Client(base_url=url, timeout=600) as own:
            response = own.post("/v1/verify", content=body, headers={"content-type": "application/json"})
            return response.status_code

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(post, range(count)))


def verify_flood(verifies: int) -> None:
    """`/healthz` while `verifies` large verifications arrive at once, refused or queued.

    The verifications are sent from a process of their own (as `verifies` curls would be), so
    that what /healthz waits for is the service, not this process's threads.
    """
    seed = (Path(__file__).resolve().parents[1] / "seeds" / "000_a74d49738eea9ff9.txt").read_text("utf-8")
    text = seed * (4_500_000 // len(seed.encode()))  # 4.5 MB of UTF-8, under --max-body's 5 MB
    words = seed.split()
    print(
        f"{verifies} verifications of a {len(text.encode()):,}-byte text at once; "
        "/healthz every 50 ms meanwhile"
    )
    print(
        f"{'claims':>6} {'statuses':<22} {'healthz p50':>11} {'p95':>7} {'max':>8} "
        f"{'idle p50':>9} {'wall s':>7}"
    )
    with (
        tempfile.TemporaryDirectory() as scratch,
        Stub(0.0) as stub,
        Service(stub, 1, Path(scratch) / "cache") as service,
        httpx2.Client(base_url=service.url, timeout=300) as http,
    ):
        idle = []
        for _ in range(40):
            started = time.perf_counter()
            http.get("/healthz")
            idle.append(time.perf_counter() - started)
        # 50 claims: about 6 s of checking, over the budget (413); 5 claims: about 1.4 s, within it.
        for claims in (50, 5):
            payload = Path(scratch) / f"verify-{claims}.json"
            evidence = [
                {"statement": f"claim {n}", "evidence": [" ".join(words[n : n + 12])]} for n in range(claims)
            ]
            payload.write_text(json.dumps({"text": text, "claims": evidence}, ensure_ascii=False), "utf-8")
            started_all = time.perf_counter()
            posting = subprocess.Popen(
                [sys.executable, __file__, "--post-verifies", service.url, str(payload), str(verifies)],
                stdout=subprocess.PIPE,
                text=True,
            )
            latencies = []
            while posting.poll() is None:
                started = time.perf_counter()
                http.get("/healthz")
                latencies.append(time.perf_counter() - started)
                time.sleep(0.05)
            wall = time.perf_counter() - started_all
            statuses = json.loads(posting.stdout.read() if posting.stdout else "[]")
            counted = ", ".join(f"{statuses.count(code)}×{code}" for code in sorted(set(statuses)))
            print(
                f"{claims:>6} {counted:<22} {statistics.median(latencies) * 1000:>9.1f}ms "
                f"{percentile(latencies, 0.95) * 1000:>5.1f}ms {max(latencies) * 1000:>6.1f}ms "
                f"{statistics.median(idle) * 1000:>7.1f}ms {wall:>7.1f}"
            )
        status = Path(f"/proc/{service.process.pid}/status").read_text()
        peak = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM"))
        print(f"the service's peak RSS: {int(peak) / 1024:.0f} MB (its verifying process apart)")


def jobs_restart(minutes: float, paragraphs: int) -> None:
    """A long job across a SIGTERM and a start, on a slow stub; its result next to `claimex extract`'s."""
    paragraph = ARTICLE.replace("\n\n", " ")
    text = "\n\n".join(paragraph.format(number=n, quote=QUOTE) for n in range(paragraphs))
    chunk = str(len(paragraph.format(number=0, quote=QUOTE)) + 10)
    options = ["--mode", "tools", "--chunk-chars", chunk, "--strategy", "single", "--concurrency", "1"]
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        article = scratch / "article.txt"
        article.write_text(text, encoding="utf-8")
        # What `claimex extract` gives, from a stub that answers at once (the same answers), with a
        # cache of its own and one call at a time, as a job makes them: its requests are the job's.
        with Stub(0.0) as fast:
            cli = subprocess.run(
                [
                    *CLAIMEX,
                    "extract",
                    str(article),
                    "--base-url",
                    fast.base_url,
                    *options,
                    "--cache-dir",
                    str(scratch / "cli-cache"),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
        expected = json.loads(cli.stdout)
        calls = expected["stats"]["requests"]
        delay = minutes * 60 / calls
        extra = (*options[2:6], "--grace", "1")
        with Stub(delay) as stub:
            started = time.perf_counter()
            first = Service(stub, 1, scratch / "cache", extra=extra, state=scratch / "state", log_name="-1")
            with httpx2.Client(base_url=first.url, timeout=60) as http:
                job = http.post("/v1/jobs", json={"text": text}).json()
                print(f"job {job['id']}: {calls} model calls of {delay:.0f} s each (~{minutes:g} min)")
                while stub.requests <= calls // 2:
                    time.sleep(1)
                progress = http.get(job["url"]).json()["progress"]
            print(
                f"  {time.perf_counter() - started:6.0f} s  "
                f"{progress['done']}/{progress['total']} chunks done; SIGTERM"
            )
            stopped = first.stop()
            asked_before = stub.requests
            print(f"  stopped in {stopped:.1f} s; the stub had been asked {asked_before} times")
            second = Service(stub, 1, scratch / "cache", extra=extra, state=scratch / "state", log_name="-2")
            with second, httpx2.Client(base_url=second.url, timeout=60) as http:
                resumed = http.get(job["url"]).json()
                print(f"  restarted: the job is {resumed['status']}")
                while (state := http.get(job["url"]).json())["status"] in ("queued", "running"):
                    time.sleep(1)
            total = time.perf_counter() - started
            asked = stub.requests
        print(
            f"  {total:6.0f} s  job {state['status']}; the stub was asked {asked} times "
            f"({asked_before} before the restart, {asked - asked_before} after) for {calls} distinct calls"
        )
        (result,) = state["results"]
        same = (
            result["claims"] == expected["claims"]
            and {**result["source"], "path": str(article)} == (expected["source"])
        )
        print(
            f"  same claims and source as `claimex extract`: {same} ({len(result['claims'])} claims, "
            f"{result['stats']['chunks']} chunks, complete {result['complete']})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--verify-flood", action="store_true", help="time /healthz under large verifications")
    parser.add_argument("--verifies", type=int, default=24)
    parser.add_argument("--jobs-restart", action="store_true", help="a long job across a restart")
    parser.add_argument("--job-minutes", type=float, default=12.0)
    parser.add_argument("--job-paragraphs", type=int, default=8, help="the article's paragraphs")
    parser.add_argument("--delay", type=float, default=0.2, help="seconds the stub takes per answer")
    parser.add_argument("--levels", default="1,16,64", help="requests in flight")
    parser.add_argument(
        "--rounds", type=int, default=8, help="requests per level = rounds × level (at least 32)"
    )
    parser.add_argument("--post-verifies", nargs=3, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.post_verifies:
        url, payload, count = options.post_verifies
        print(json.dumps(post_verifies(url, Path(payload), int(count))))
        return
    if options.verify_flood:
        verify_flood(options.verifies)
        return
    if options.jobs_restart:
        jobs_restart(options.job_minutes, options.job_paragraphs)
        return
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
