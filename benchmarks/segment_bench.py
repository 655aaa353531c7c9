"""Time sentence segmentation of a 1 MB and a 2 MB text, and whether its cost grows linearly.

Run: ``PYTHONPATH=src python benchmarks/segment_bench.py [--sizes 1000000,2000000]``

The text is real prose that needs no download: CPython's documentation topics
(`pydoc_data.topics`, 465 KB) followed by the package descriptions of every distribution
installed beside claimex (their METADATA files, in name order). No paragraph is repeated, so
the per-paragraph cache of `claimex.text.sentences` saves nothing here: each size is segmented
in a fresh process, paragraph by paragraph, as `sentence_spans` does for chunking and the
sentence strategy. Each size prints its seconds (wall, and CPU, which other work on the machine
disturbs less), its sentences, and the ratios to the first size; linear means the 2 MB text
takes at most 2.2 x the 1 MB one.

Several trees of claimex can be measured in one run, interleaved size by size, with
``--claimex LABEL=SRC_DIR`` (repeatable; e.g. a ``git worktree`` of main as ``before``): each
tree's figures are printed beside the ratio of its CPU to the first tree's, and whether its
sentences are the first tree's, span for span.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import trees

ROOT = Path(__file__).resolve().parent.parent


def real_text(size: int) -> str:
    """`size` code points of real prose in which no paragraph occurs twice."""
    from pydoc_data.topics import topics

    from claimex.text.sentences import PARAGRAPH_BREAK

    sources = [topics[key] for key in sorted(topics)]
    for distribution in sorted(metadata.distributions(), key=lambda d: d.metadata["Name"] or ""):
        description = distribution.read_text("METADATA")
        if description:
            sources.append(description)
    seen: set[str] = set()
    kept: list[str] = []
    total = 0
    for source in sources:
        for paragraph in PARAGRAPH_BREAK.split(source):
            paragraph = paragraph.strip()
            if not paragraph or paragraph in seen:
                continue
            seen.add(paragraph)
            kept.append(paragraph)
            total += len(paragraph) + 2
            if total >= size:
                return "\n\n".join(kept)[:size]
    raise SystemExit(f"only {total:,} code points of distinct real text here; ask for less")


def measure(size: int) -> dict[str, float | str]:
    """Segment `size` code points in this process (start-up excluded), its rules loaded first."""
    from claimex.text.sentences import sentence_spans

    text = real_text(size)
    sentence_spans("Warm up. Once.")
    started, cpu_started = time.perf_counter(), time.process_time()
    spans = sentence_spans(text)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    digest = hashlib.sha256(json.dumps(spans).encode()).hexdigest()[:16]
    return {"size": len(text), "sentences": len(spans), "seconds": seconds, "cpu": cpu, "spans": digest}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="1000000,2000000", help="text sizes in code points")
    trees.add_option(parser)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        print(json.dumps(measure(args.child)))
        return 0
    measured = [(label, Path(path).resolve()) for label, path in trees.parse(args.claimex)]
    width = max(len(label) for label, _ in measured)
    first_size: dict[str, dict[str, float | str]] = {}
    for size in (int(value) for value in args.sizes.split(",")):
        first_tree: dict[str, float | str] | None = None
        for label, src in measured:
            # A fresh process per size and tree: one's cache and warm-up do not help another.
            env = trees.environment(src)
            child = subprocess.run(
                [sys.executable, __file__, "--child", str(size)],
                capture_output=True,
                text=True,
                check=True,
                env=env,
            )
            figures = json.loads(child.stdout)
            first = first_size.setdefault(label, figures)
            first_tree = first_tree or figures
            same = "same spans" if figures["spans"] == first_tree["spans"] else "OTHER SPANS"
            print(
                f"{label:<{width}} segment {float(figures['size']) / 1e6:.1f} M code points: "
                f"{float(figures['seconds']):.2f} s wall ({float(figures['cpu']):.2f} s CPU), "
                f"{figures['sentences']:,} sentences; "
                f"{float(figures['seconds']) / float(first['seconds']):.2f} x "
                f"the first size's wall ({float(figures['cpu']) / float(first['cpu']):.2f} x its CPU); "
                f"{float(figures['cpu']) / float(first_tree['cpu']):.2f} x {measured[0][0]}'s CPU, {same}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
