"""Where claimex's time goes per article of a batch, seen from the worker threads that do the work.

cProfile follows one thread; a batch's articles go through worker threads. A profiler is enabled
in each worker around each article (`Batch.process`), the profiles are merged, and the top
functions are printed in milliseconds per article. One worker against the stub answering at once
(its own process, so its time is not counted): wall time is then claimex's CPU time, apart from
the waits it shows itself (`poll` and `recv` for the answer, `fsync` for the disk). Profiling
costs time of its own, about as much again: compare the shares, not the totals. `--clock cpu`
times each function by its thread's CPU time instead (`time.thread_time`), so that the waits
drop out and what is left is what claimex's CPU is spent on. Which claimex is profiled is the
one Python imports:

    python benchmarks/batch_profile.py [--articles 300] [--top 25] [--clock cpu] [--answer recorded]
    PYTHONPATH=/tmp/claimex-before/src python benchmarks/batch_profile.py
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from batch_bench import SEED, Stub, recorded_seed_answer

import claimex
from claimex.batch import Batch, BatchOptions
from claimex.llm.client import model_client
from claimex.llm.settings import resolve_settings


def run(
    base_url: str,
    folder: Path,
    out: Path,
    profiles: list[cProfile.Profile] | None,
    clock: Callable[[], float] = time.perf_counter,
) -> None:
    settings = resolve_settings(base_url=base_url, mode="tools", environ={})
    with model_client(settings, use_cache=False, cache_dir=None) as client:
        batch = Batch(BatchOptions(folder, out, concurrency=1, strategy="single", max_claims=30), client)
        if profiles is not None:
            process = batch.process
            mine = threading.local()

            def profiled(article: Path) -> object:
                if not hasattr(mine, "profile"):
                    mine.profile = cProfile.Profile(clock)
                    profiles.append(mine.profile)
                mine.profile.enable()
                try:
                    return process(article)
                finally:
                    mine.profile.disable()

            batch.process = profiled  # type: ignore[method-assign]
        batch.run()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument(
        "--answer",
        choices=("stub", "recorded"),
        default="stub",
        help="the stub's reply: its own one claim (stub), or every claim the recordings give for the seed",
    )
    parser.add_argument(
        "--clock", choices=("wall", "cpu"), default="wall", help="time functions by wall or thread CPU time"
    )
    options = parser.parse_args()
    seed = SEED.read_text(encoding="utf-8")
    with (
        tempfile.TemporaryDirectory() as scratch,
        Stub(0.0, recorded_seed_answer() if options.answer == "recorded" else None) as stub,
    ):
        root = Path(scratch)
        for name, count in (("warm", 10), ("in", options.articles)):
            (root / name).mkdir()
            for number in range(count):
                (root / name / f"article-{number:05}.txt").write_text(
                    f"Article {number}.\n\n{seed}", encoding="utf-8"
                )
        run(stub.base_url, root / "warm", root / "warm-out", None)  # imports and first calls, not counted
        profiles: list[cProfile.Profile] = []
        clock = time.thread_time if options.clock == "cpu" else time.perf_counter
        run(stub.base_url, root / "in", root / "out", profiles, clock)
    stats = pstats.Stats(profiles[0])
    for profile in profiles[1:]:
        stats.add(profile)
    per_article = 1000 / options.articles
    print(
        f"claimex from {Path(claimex.__file__).parent}; {options.articles} seed-sized articles, 1 worker, "
        f"{options.clock} time, the {options.answer} answer"
    )
    print(f"total {stats.total_tt * per_article:.2f} ms per article (profiled)")  # type: ignore[attr-defined]
    for title, key in (("by cumulative time", "cumulative"), ("by own time", "tottime")):
        print(f"\n{title}\n{'total ms':>8} {'own ms':>8} {'calls':>8}  (per article)")
        rows = stats.stats  # type: ignore[attr-defined]
        order = sorted(rows.items(), key=lambda item: -item[1][3 if key == "cumulative" else 2])
        for (file, line, function), (_, calls, own, cumulative, _) in order[: options.top]:
            where = f"{Path(file).name}:{line}({function})" if line else function
            per = calls / options.articles
            print(f"{cumulative * per_article:8.3f} {own * per_article:8.3f} {per:8.1f}  {where}")


if __name__ == "__main__":
    sys.exit(main())
