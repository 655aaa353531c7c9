"""Whole commands, start-up included, where claimex's own work (not the model) is the time.

Run: ``PYTHONPATH=src python benchmarks/startup_bench.py [--size 1200000] [--repeat 3]``
and, to time an older tree beside this one in the same run (a `git worktree` of it):
``... startup_bench.py --claimex now=src --claimex before=/tmp/claimex-before/src``

Three commands, each in a process of its own as a user runs them, the best of `--repeat`
interleaved runs kept:

* ``claimex extract --strategy single`` of a long real text (`segment_bench.real_text`: CPython's
  documentation and the package descriptions installed here, no paragraph twice) against the
  stub server answering at once, and of its first half: what claimex costs around the model
  (reading, chunking, prompts, locating and checking the stub's claim in every chunk);
* a one-article ``claimex batch`` answered wholly from the cache (a second run into a new
  output folder), which needs no model server at all;
* ``claimex --help``, the floor of any command.

Each tree's modules are compiled once before anything is timed, as installing claimex compiles
them (PYTHONPYCACHEPREFIX in a folder of the run's).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import trees
from batch_bench import SEED, Stub
from segment_bench import real_text


def run(command: list[str], src: str | None, bytecode: str, cwd: Path) -> float:
    """Wall seconds of `command` (python -m claimex ...) with `src` first on its path."""
    env = trees.environment(src, bytecode)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "claimex", *command], env=env, cwd=cwd, capture_output=True)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 3):  # 3: a claim unverified, which the stub's may be here
        raise SystemExit(f"claimex {' '.join(command[:2])} failed: {done.stderr.decode()[-500:]}")
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--size", type=int, default=1_200_000, help="code points of the long text")
    parser.add_argument("--repeat", type=int, default=3, help="runs per command and tree, best kept (3)")
    trees.add_option(parser, "a tree to time (repeatable); default: this checkout")
    args = parser.parse_args(argv)
    measured = trees.parse(args.claimex)

    with tempfile.TemporaryDirectory() as scratch, Stub(delay=0.0) as stub:
        folder = Path(scratch)
        long = folder / "long.txt"
        long.write_text(real_text(args.size), encoding="utf-8")
        half = folder / "half.txt"
        half.write_text(long.read_text(encoding="utf-8")[: args.size // 2], encoding="utf-8")
        (folder / "one").mkdir()
        shutil.copy(SEED, folder / "one" / SEED.name)
        bytecode = str(folder / "bytecode")
        server = [
            "--base-url",
            stub.base_url,
            "--model",
            "stub",
            "--provider",
            "compatible",
            "--mode",
            "tools",
        ]
        asked = ["--strategy", "single", "--no-cache", *server]
        best: dict[tuple[str, str], float] = {}
        for label, src in measured:  # compiled once, and the batch's cache filled, not timed
            run(["--help"], src or None, bytecode, folder)
            cache = ["--cache-dir", str(folder / f"cache-{label}")]
            run(
                ["batch", str(folder / "one"), "-o", str(folder / f"first-{label}"), *cache, *server],
                src,
                bytecode,
                folder,
            )
        for round_ in range(args.repeat):
            for label, src in measured:
                again = folder / f"again-{label}-{round_}"
                cache = ["--cache-dir", str(folder / f"cache-{label}")]
                timings = {
                    "extract long": ["extract", str(long), *asked, "-o", str(folder / "long.json")],
                    "extract half": ["extract", str(half), *asked, "-o", str(folder / "half.json")],
                    "batch cached": ["batch", str(folder / "one"), "-o", str(again), *cache, *server],
                    "--help": ["--help"],
                }
                for name, command in timings.items():
                    asked_before = stub.requests
                    seconds = run(command, src or None, bytecode, folder)
                    if name == "batch cached" and stub.requests != asked_before:
                        raise SystemExit(f"[{label}] the cached batch asked the model: not a cached run")
                    best[(label, name)] = min(seconds, best.get((label, name), seconds))
    print(
        f"long text: {args.size:,} code points (half: {args.size // 2:,}); stub answering at once; "
        f"best of {args.repeat}"
    )
    for label, _ in measured:
        long_s, half_s = best[(label, "extract long")], best[(label, "extract half")]
        print(
            f"[{label}] extract --strategy single: {long_s:.2f} s (half the text {half_s:.2f} s, "
            f"{half_s / long_s:.2f} ×); one-article batch from the cache "
            f"{best[(label, 'batch cached')]:.2f} s; --help {best[(label, '--help')]:.2f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
