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
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from importlib import metadata


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


def measure(size: int) -> dict[str, float]:
    """Segment `size` code points in this process (start-up excluded), with pysbd loaded first."""
    from claimex.text.sentences import _segmenter, sentence_spans

    text = real_text(size)
    _segmenter().segment("Warm up. Once.")
    started, cpu_started = time.perf_counter(), time.process_time()
    spans = sentence_spans(text)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return {"size": len(text), "sentences": len(spans), "seconds": seconds, "cpu": cpu}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="1000000,2000000", help="text sizes in code points")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        print(json.dumps(measure(args.child)))
        return 0
    first: dict[str, float] | None = None
    for size in (int(value) for value in args.sizes.split(",")):
        # A fresh process per size: the first size's cache and warm-up do not help the second.
        child = subprocess.run(
            [sys.executable, __file__, "--child", str(size)], capture_output=True, text=True, check=True
        )
        figures = json.loads(child.stdout)
        first = first or figures
        print(
            f"segment {figures['size'] / 1e6:.1f} M code points: {figures['seconds']:.2f} s wall "
            f"({figures['cpu']:.2f} s CPU), {figures['sentences']:,} sentences; "
            f"{figures['seconds'] / first['seconds']:.2f} x the first size's wall "
            f"({figures['cpu'] / first['cpu']:.2f} x its CPU)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
