"""Claim clusters: pair precision and recall on the desk set, and time and memory on 10,000 results.

    python benchmarks/cluster_bench.py              # desk set P/R, then 1,000 and 10,000 results
    python benchmarks/cluster_bench.py --embeddings # also with the sentence model blended in
    python benchmarks/cluster_bench.py --sizes 1000 # only the desk set and 1,000 results

Precision and recall are over pairs of claims: a pair is right when both claims are in one
expected cluster (benchmarks/desk/expected_clusters.json) and in one found cluster. Conflicts
found are checked against the expected ones. The large folders are made of synthetic articles
(400 stories told by 25 outlets each, with repeated, conflicting and unrelated figures), turned
into results by claimex's own verifier like the desk set; each is clustered in a child process,
whose peak RSS is reported.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "src"))

import desk_set  # noqa: E402


def pairs(groups: list[list[str]]) -> set[tuple[str, str]]:
    return {tuple(sorted(pair)) for group in groups for pair in itertools.combinations(group, 2)}  # type: ignore[misc]


def desk_scores(out_dir: Path, embeddings: bool) -> dict[str, object]:
    from claimex.clusters.folder import cluster_folder

    extra = None
    if embeddings:
        from claimex.clusters.embeddings import pair_scorer

        extra = pair_scorer
    summary, _ = cluster_folder(out_dir, extra=extra)
    found: list[list[str]] = []
    conflicts: set[frozenset[str]] = set()
    ids: dict[str, list[str]] = {}
    with open(summary.path, encoding="utf-8") as lines:  # type: ignore[arg-type]
        records = [json.loads(line) for line in lines]
    for record in records:
        ids[record["id"]] = [f"{Path(m['article']).stem}#{m['claim']}" for m in record["members"]]
        found.append(ids[record["id"]])
    expected = desk_set.expected()
    label = {member: name for name, members in expected["clusters"].items() for member in members}
    for record in records:
        for conflict in record["conflicts"]:
            mine = {label[m] for m in ids[record["id"]]}
            theirs = {label[m] for m in ids[conflict["cluster"]]}
            conflicts |= {frozenset((a, b)) for a in mine for b in theirs}
    gold = pairs(list(expected["clusters"].values()))
    predicted = pairs(found)
    right = len(gold & predicted)
    wanted = {frozenset(pair) for pair in expected["conflicts"]}
    return {
        "claims": summary.claims,
        "clusters": f"{summary.clusters} (expected {len(expected['clusters'])})",
        "pair precision": round(right / len(predicted), 3) if predicted else 1.0,
        "pair recall": round(right / len(gold), 3),
        "pairs": f"{right} right of {len(predicted)} found, {len(gold)} expected",
        "conflicts": f"{len(wanted & conflicts)} of {len(wanted)} expected found, "
        f"{len(conflicts - wanted)} others",
    }


SYLLABLES = "ka lo ri ven tor sal mi dra nov esk ul bar tin go rak fel"


def synthetic(out_dir: Path, count: int, seed: int = 7) -> None:
    """`count` results in a batch's layout, from stories told by several outlets."""
    from claimex.models import Claim, Result
    from claimex.output import json_bytes, write_atomically
    from claimex.pipeline import reverify, source_of, stats_of
    from claimex.text.documents import Document

    rng = random.Random(seed)
    syllables = SYLLABLES.split()

    def name() -> str:
        return "".join(rng.choice(syllables) for _ in range(rng.randint(2, 3))).capitalize()

    stories = []
    for _ in range(max(1, count // 25)):
        place, person, group = name(), f"{name()} {name()}", name()
        base = rng.choice([30, 120, 1500, 10000, 250000])
        stories.append(
            [
                (
                    f"{person} said {base:,} soldiers of {group} had been deployed in {place}.",
                    f"{person} said {base * 6 // 5:,} soldiers of {group} had been deployed in {place}.",
                ),
                (f"Selon {person}, {base // 10} civils ont été évacués de {place}.", None),
                (f"The {group} ministry denied any operation near {place}.", None),
                (f"Les autorités de {place} ont annoncé {rng.randint(2, 90)} arrestations.", None),
            ]
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    lines = []
    for number in range(count):
        story = stories[number % len(stories)]
        sentences = [variant if variant and rng.random() < 0.2 else first for first, variant in story]
        sentences.append(f"The {name()} festival drew {rng.randint(2, 40) * 500} visitors.")
        text = "\n\n".join([f"Outlet {number % 25}", *sentences]) + "\n"
        document = Document(
            text=text, path=f"synthetic/{number:05d}.txt", sha256=f"{number:064x}", encoding="utf-8"
        )
        claims_in = {
            "claims": [
                {
                    "statement": s,
                    "type": "quantity",
                    "speaker": "outlet",
                    "hedging": "reported",
                    "evidence": [s],
                }
                for s in sentences
            ]
        }
        checked = reverify(document, claims_in, name=document.path)
        claims = [Claim.model_validate(claim) for claim in checked["claims"]]
        result = Result(
            source=source_of(document),
            provider="synthetic",
            model="none",
            claims=claims,
            stats=stats_of(claims),
        )
        target = out_dir / f"{number:05d}.txt.json"
        write_atomically(target, json_bytes(result))
        lines.append(json.dumps({"path": f"{number:05d}.txt", "status": "ok", "result": target.name}))
    (out_dir / "index.jsonl").write_text("".join(line + "\n" for line in lines), encoding="utf-8")


CHILD = """
import json, resource, sys, time
sys.path.insert(0, {src!r})
from pathlib import Path
from claimex.clusters.folder import cluster_folder
started = time.perf_counter()
summary, _ = cluster_folder(Path({folder!r}))
print(json.dumps({{"seconds": round(time.perf_counter() - started, 2), "claims": summary.claims,
  "clusters": summary.clusters, "repeated": summary.repeated, "conflicts": summary.conflicts,
  "compared": summary.compared,
  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}}))
"""


def large(sizes: list[int]) -> None:
    for size in sizes:
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            synthetic(Path(folder), size)
            made = time.perf_counter() - started
            run = subprocess.run(
                [sys.executable, "-c", CHILD.format(src=str(HERE.parent / "src"), folder=folder)],
                capture_output=True,
                text=True,
                check=True,
            )
            figures = json.loads(run.stdout)
            print(f"{size:>6} results (made in {made:.0f} s): {json.dumps(figures)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--embeddings", action="store_true")
    parser.add_argument(
        "--sizes", type=lambda value: [int(part) for part in value.split(",") if part], default=[1000, 10000]
    )
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        desk_set.build(Path(folder))
        print("desk set, deterministic:", json.dumps(desk_scores(Path(folder), False), ensure_ascii=False))
        if options.embeddings:
            started = time.perf_counter()
            scores = desk_scores(Path(folder), True)
            print(
                f"desk set, with embeddings ({time.perf_counter() - started:.1f} s):",
                json.dumps(scores, ensure_ascii=False),
            )
    large(options.sizes)


if __name__ == "__main__":
    main()
