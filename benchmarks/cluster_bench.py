"""Claim clusters: pair precision and recall on the desk set, and time, memory, P/R on 10,000 results.

    python benchmarks/cluster_bench.py              # desk set P/R, then 1,000 and 10,000 results
    python benchmarks/cluster_bench.py --embeddings # also with the sentence model blended in
    python benchmarks/cluster_bench.py --sizes 1000 # only the desk set and 1,000 results
    python benchmarks/cluster_bench.py --baseline ../other/src  # the same folders by another checkout
    python benchmarks/cluster_bench.py --sizes 10000 --outlets 10000  # one story in every article

Precision and recall are over pairs of claims: a pair is right when both claims are in one
expected cluster and in one found cluster. The desk set has two parts, each scored alone: the
part the thresholds and lexicon were tuned on (benchmarks/desk/) and the held-out part
(benchmarks/desk/heldout/), written after them. Conflicts found are checked against the
expected ones. The large folders are made of synthetic articles (one story per 25 results,
worded by templates in French or English, with repeated, conflicting and unrelated figures),
turned into results by claimex's own verifier like the desk set, each claim labelled with its
cluster; each folder is clustered in a child process, whose peak RSS is reported.
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


def desk_scores(out_dir: Path, embeddings: bool, part: str = "dev") -> dict[str, object]:
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
    expected = desk_set.expected(part)
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


# Syllables of invented names: a consonant and a vowel, 70 of them.
SYLLABLES = [consonant + vowel for consonant in "bdfgklmnprstvz" for vowel in "aeiou"]

# How outlets word each claim of a synthetic story: English and French, figures typed each
# language's way. {n} is the story's figure for that claim.
TEMPLATES = {
    "deployed": (
        "{person} said {n} soldiers of {group} had been deployed in {place}.",
        "Selon {person}, {n} soldats de {group} ont été déployés à {place}.",
        "Some {n} {group} troops are now deployed in {place}, {person} said.",
    ),
    "evacuated": (
        "Selon {person}, {n} civils ont été évacués de {place}.",
        "{n} civilians were evacuated from {place}, according to {person}.",
    ),
    "denied": (
        "The {group} ministry denied any operation near {place}.",
        "Le ministère de {group} a démenti toute opération près de {place}.",
    ),
    "arrests": (
        "Les autorités de {place} ont annoncé {n} arrestations.",
        "Authorities in {place} announced {n} arrests.",
    ),
    "festival": (
        "The {name} festival drew {n} visitors.",
        "Le festival de {name} a attiré {n} visiteurs.",
    ),
}


def typed(number: int, french: bool) -> str:
    return f"{number:,}".replace(",", "\u202f" if french else ",") if number >= 1000 else str(number)


def synthetic(out_dir: Path, count: int, seed: int = 7, outlets: int = 25) -> dict[str, str]:
    """`count` results in a batch's layout, from stories told by several outlets.

    Each story (one per `outlets` results) has four claims that its outlets word in English or French
    (one of them, a force's size, in two conflicting figures), and each article one unrelated
    claim of its own. Returns the expected cluster of every claim, named "RESULT#INDEX".
    """
    from claimex.checks.figures import find_figures
    from claimex.clusters.features import STOPWORDS, key_of
    from claimex.models import Claim, Result
    from claimex.output import json_bytes, write_atomically
    from claimex.pipeline import reverify, source_of, stats_of
    from claimex.text.documents import Document

    rng = random.Random(seed)
    syllables = SYLLABLES
    taken: set[str] = set()

    def word() -> str:
        return "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))).capitalize()

    def name() -> str:
        # Different things have different names: none two that claimex would read as one
        # ("Tinfel" and "Tinfelri" share a key), as two real places seldom are. What is then
        # measured at scale is the clustering, not collisions between invented names.
        for _ in range(1000):
            made = word()
            # Nor a lexicon word, a number ("Zero") or a function word ("Some").
            key = key_of(made)
            if (
                key not in taken
                and not key.startswith("~")
                and not find_figures(made)
                and made.casefold() not in STOPWORDS
            ):
                taken.add(key)
                return made
        raise RuntimeError("out of distinct names: more syllables needed")

    stories = []
    for _ in range(max(1, count // outlets)):
        base = rng.choice([30, 120, 1500, 10000, 250000])
        stories.append(
            {
                "names": {"place": name(), "person": f"{name()} {name()}", "group": name()},
                "deployed": (base, base * 6 // 5),
                "evacuated": (max(2, base // 10),),
                "denied": (0,),
                "arrests": (rng.randint(2, 90),),
            }
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    lines = []
    labels: dict[str, str] = {}
    for number in range(count):
        story_number = number % len(stories)
        story = stories[story_number]
        sentences: list[tuple[str, str]] = []
        for kind in ("deployed", "evacuated", "denied", "arrests"):
            figures = story[kind]
            variant = 1 if len(figures) > 1 and rng.random() < 0.2 else 0
            template = rng.choice(TEMPLATES[kind])
            french = " de " in template or " ont " in template
            text = template.format(n=typed(figures[variant], french), **story["names"])
            sentences.append((text, f"{story_number}/{kind}/{variant}"))
        festival, visitors = name(), rng.randint(2, 40) * 500
        template = rng.choice(TEMPLATES["festival"])
        sentences.append(
            (
                template.format(name=festival, n=typed(visitors, "attiré" in template)),
                f"festival/{festival}/{visitors}",
            )
        )
        text = "\n\n".join([f"Outlet {number % 25}", *(sentence for sentence, _ in sentences)]) + "\n"
        document = Document(
            text=text, path=f"synthetic/{number:05d}.txt", sha256=f"{number:064x}", encoding="utf-8"
        )
        claims_in = {
            "claims": [
                {
                    "statement": sentence,
                    "type": "quantity",
                    "speaker": "outlet",
                    "hedging": "reported",
                    "evidence": [sentence],
                }
                for sentence, _ in sentences
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
        for position, (claim, (_, label)) in enumerate(zip(claims, sentences, strict=True)):
            if claim.verified:
                labels[f"{number:05d}.txt#{position}"] = label
    (out_dir / "index.jsonl").write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return labels


# The child's peak RSS is its own memory's high-water mark (VmHWM). Not ru_maxrss: Linux carries
# the spawning parent's peak into it across exec, and the parent has just made the folder.
CHILD = """
import json, resource, sys, time
sys.path.insert(0, {src!r})
from pathlib import Path
from claimex.clusters.folder import cluster_folder
started = time.perf_counter()
summary, _ = cluster_folder(Path({folder!r}))
seconds = round(time.perf_counter() - started, 2)
try:
    with open("/proc/self/status") as status:
        peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM"))
except OSError:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"seconds": seconds, "claims": summary.claims,
  "clusters": summary.clusters, "repeated": summary.repeated, "conflicts": summary.conflicts,
  "compared": summary.compared, "kept": getattr(summary, "kept", None),
  "peak_rss_mb": round(peak / 1024, 1)}}))
"""


def scored(found: list[list[str]], labels: dict[str, str]) -> dict[str, object]:
    """Pair precision and recall of found clusters against the label of every claim."""
    groups: dict[str, list[str]] = {}
    for member, label in labels.items():
        groups.setdefault(label, []).append(member)
    gold = sum(len(group) * (len(group) - 1) // 2 for group in groups.values())
    predicted = right = 0
    for cluster in found:
        predicted += len(cluster) * (len(cluster) - 1) // 2
        by_label: dict[str, int] = {}
        for member in cluster:
            by_label[labels[member]] = by_label.get(labels[member], 0) + 1
        right += sum(size * (size - 1) // 2 for size in by_label.values())
    return {
        "pair precision": round(right / predicted, 3) if predicted else 1.0,
        "pair recall": round(right / gold, 3) if gold else 1.0,
    }


def conflicts_scored(records: list[dict], found: list[list[str]], labels: dict[str, str]) -> str:
    """How many conflicts found are between the two figures of one story's force, of how many."""
    majority = {
        record["id"]: max(set(labels[m] for m in members), key=[labels[m] for m in members].count)
        for record, members in zip(records, found, strict=True)
    }
    pairs = {
        frozenset((majority[record["id"]], majority[conflict["cluster"]]))
        for record in records
        for conflict in record["conflicts"]
    }
    right = {pair for pair in pairs if len({label.rsplit("/", 1)[0] for label in pair}) == 1}
    given = set(labels.values())
    both = {label.rsplit("/", 1)[0] for label in given if label.endswith("/deployed/1")}
    both = {story for story in both if f"{story}/0" in given}
    return f"{len(right)} of {len(both)} expected found, {len(pairs - right)} others"


def large(sizes: list[int], baseline: Path | None = None, outlets: int = 25) -> None:
    """Each size's synthetic folder clustered in a child process (by `baseline`'s claimex too)."""
    for size in sizes:
        with tempfile.TemporaryDirectory() as folder:
            started = time.perf_counter()
            labels = synthetic(Path(folder), size, outlets=outlets)
            made = time.perf_counter() - started
            sources = [("", HERE.parent / "src")] + ([("baseline ", baseline)] if baseline else [])
            for label, src in sources:
                run = subprocess.run(
                    [sys.executable, "-c", CHILD.format(src=str(src), folder=folder)],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                figures = json.loads(run.stdout)
                with open(Path(folder) / "clusters.jsonl", encoding="utf-8") as lines:
                    records = [json.loads(line) for line in lines]
                found = [[f"{m['article']}#{m['claim']}" for m in record["members"]] for record in records]
                figures |= scored(found, labels)
                figures["conflicts"] = conflicts_scored(records, found, labels)
                print(f"{label}{size:>6} results (made in {made:.0f} s): {json.dumps(figures)}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--embeddings", action="store_true")
    parser.add_argument(
        "--sizes", type=lambda value: [int(part) for part in value.split(",") if part], default=[1000, 10000]
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        help="the src folder of another claimex checkout, to cluster each synthetic folder with it too",
    )
    parser.add_argument(
        "--outlets",
        type=int,
        default=25,
        help="results per synthetic story (--outlets 10000: every article repeats one story)",
    )
    options = parser.parse_args()
    for part, about in (("dev", "tuned on"), ("heldout", "held out")):
        with tempfile.TemporaryDirectory() as folder:
            desk_set.build(Path(folder), part)
            scores = desk_scores(Path(folder), False, part)
            print(f"desk set, {part} ({about}), deterministic:", json.dumps(scores, ensure_ascii=False))
            if options.embeddings:
                started = time.perf_counter()
                scores = desk_scores(Path(folder), True, part)
                print(
                    f"desk set, {part} ({about}), with embeddings ({time.perf_counter() - started:.1f} s):",
                    json.dumps(scores, ensure_ascii=False),
                )
    large(options.sizes, options.baseline, options.outlets)


if __name__ == "__main__":
    main()
