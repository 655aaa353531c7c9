"""A batch's output folder into `clusters.jsonl`, result by result, in bounded memory.

Results are read in the order of `index.jsonl` (or, without one, of their paths), one at a time.
What clustering needs of each verified claim (`features`) stays in memory, a few hundred bytes;
what `clusters.jsonl` shows of it (statement, speaker, spans) waits in a spill file and is read
back by offset when its cluster is written. The folder's articles, texts and results are never
held together.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..output import atomic_file
from . import dates
from .features import ClaimFeatures, claim_features
from .grouping import Grouping, Settings, group

INDEX_NAME = "index.jsonl"  # what `claimex batch` writes (claimex.batch.INDEX_NAME)
CLUSTERS_NAME = "clusters.jsonl"
VERIFIED_STATUSES = ("exact", "normalized")

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Entry:
    """One result of the batch, in the order given."""

    article: str  # as the index names it (the path relative to the input folder)
    result: Path
    date: datetime | None = None  # from the index, when it gives one


@dataclass
class ClusterSummary:
    results: int = 0
    claims: int = 0  # verified claims clustered
    clusters: int = 0
    repeated: int = 0  # clusters with members in two articles or more
    conflicts: int = 0
    compared: int = 0  # pairs of claims scored
    seconds: float = 0.0
    unreadable: list[str] = field(default_factory=list)  # one line each: the file and the problem
    path: Path | None = None

    def lines(self) -> list[str]:
        return [
            f"{self.clusters} clusters of {self.claims} verified claims from {self.results} results "
            f"({self.repeated} in two articles or more, {self.conflicts} conflicting figures) "
            f"in {self.seconds:.1f} s"
        ]


def entries(out_dir: Path) -> Iterator[Entry]:
    """The results of a batch folder: those `index.jsonl` lists, else every result file under it."""
    index = out_dir / INDEX_NAME
    if index.is_file():
        with open(index, encoding="utf-8") as lines:
            for line in lines:
                try:
                    item = json.loads(line)
                except ValueError:
                    continue  # a line cut short by a kill says nothing
                if isinstance(item, dict) and isinstance(item.get("result"), str):
                    yield Entry(
                        str(item.get("path") or item["result"]),
                        out_dir / item["result"],
                        dates.from_index(item),
                    )
        return
    for path in sorted(out_dir.rglob("*.json")):
        yield Entry(path.relative_to(out_dir).as_posix().removesuffix(".json"), path)


def count_entries(out_dir: Path) -> int:
    return sum(1 for _ in entries(out_dir))


def cluster_folder(
    out_dir: Path,
    settings: Settings | None = None,
    *,
    output: Path | None = None,
    extra: Callable[[list[str]], Callable[[int, int], float]] | None = None,
    on_progress: Progress | None = None,
) -> tuple[ClusterSummary, Grouping]:
    """Cluster the verified claims of every result under `out_dir`; write `clusters.jsonl`.

    `extra`, given every clustered statement in order, returns a pair score to blend in
    (`embeddings`). Raises `InputError` when `out_dir` is not a folder.
    """
    if not out_dir.is_dir():
        raise InputError(f"{out_dir}: not a folder")
    started = time.monotonic()
    summary = ClusterSummary()
    total = count_entries(out_dir)
    features: list[ClaimFeatures] = []
    offsets: list[int] = []
    articles: list[int] = []  # the entry number of each claim
    speakers: list[str] = []  # interned: a batch has few speakers and many claims
    statements: list[str] | None = [] if extra is not None else None
    article_names: list[str] = []
    article_dates: list[datetime | None] = []
    with tempfile.TemporaryFile() as spill:
        for number, entry in enumerate(entries(out_dir)):
            summary.results += 1
            try:
                data = json.loads(entry.result.read_bytes())
            except (OSError, ValueError, RecursionError) as error:
                summary.unreadable.append(f"{entry.result}: not a readable result ({_reason(error)})")
                data = None
            claims = data.get("claims") if isinstance(data, dict) else None
            if data is not None and not isinstance(claims, list):
                summary.unreadable.append(f"{entry.result}: not a claimex result (no claims list)")
            article_names.append(entry.article)
            article_dates.append(
                entry.date or (_dateline(data, entry.result) if isinstance(claims, list) else None)
            )
            for position, claim in enumerate(claims if isinstance(claims, list) else []):
                if not isinstance(claim, dict) or claim.get("verified") is not True:
                    continue
                features.append(claim_features(claim))
                articles.append(number)
                speakers.append(sys.intern(str(claim.get("speaker") or "")))
                offsets.append(spill.tell())
                spill.write(
                    json.dumps(_member(entry, out_dir, position, claim), ensure_ascii=False).encode() + b"\n"
                )
                if statements is not None:
                    statements.append(str(claim.get("statement") or ""))
            if on_progress is not None:
                on_progress("results", summary.results, total)
        summary.claims = len(features)
        grouping = group(
            features,
            settings or Settings(),
            extra=extra(statements) if extra is not None and statements is not None else None,
            on_progress=(lambda done, all_: on_progress("claims", done, all_)) if on_progress else None,
        )
        target = output or out_dir / CLUSTERS_NAME
        _write(target, grouping, features, articles, speakers, article_names, article_dates, offsets, spill)
    summary.path = target
    summary.clusters = len(grouping.clusters)
    summary.repeated = sum(len({articles[i] for i in members}) > 1 for members in grouping.clusters)
    summary.conflicts = len(grouping.conflicts)
    summary.compared = grouping.compared
    summary.seconds = round(time.monotonic() - started, 3)
    return summary, grouping


def _member(entry: Entry, out_dir: Path, position: int, claim: dict[str, Any]) -> dict[str, Any]:
    evidence = [
        {"quote": item.get("quote"), "status": item.get("status"), "spans": item.get("spans") or []}
        for item in claim.get("evidence") or []
        if isinstance(item, dict) and item.get("status") in VERIFIED_STATUSES
    ]
    return {
        "article": entry.article,
        "result": entry.result.relative_to(out_dir).as_posix(),
        "claim": position,
        "statement": claim.get("statement"),
        "speaker": claim.get("speaker"),
        "type": claim.get("type"),
        "hedging": claim.get("hedging"),
        "evidence": evidence,
    }


def _write(
    target: Path,
    grouping: Grouping,
    features: list[ClaimFeatures],
    articles: list[int],
    speakers: list[str],
    article_names: list[str],
    article_dates: list[datetime | None],
    offsets: list[int],
    spill: Any,
) -> None:
    order = sorted(
        range(len(grouping.clusters)),
        key=lambda number: (
            -len({articles[i] for i in grouping.clusters[number]}),
            -len(grouping.clusters[number]),
            grouping.clusters[number][0],
        ),
    )
    names = {number: f"c{rank}" for rank, number in enumerate(order, start=1)}

    def credited(number: int) -> list[tuple[str, int]]:
        """Who is credited with the cluster's claim, by the number of articles that say so."""
        pairs = {(speakers[index], articles[index]) for index in grouping.clusters[number]}
        return sorted(Counter(speaker for speaker, _ in pairs).items(), key=lambda item: (-item[1], item[0]))

    conflicts: dict[int, list[dict[str, Any]]] = {}
    for conflict in grouping.conflicts:
        first, second = conflict.clusters
        figure_first, figure_second = conflict.figures
        for here, there, mine, theirs in (
            (first, second, figure_first, figure_second),
            (second, first, figure_second, figure_first),
        ):
            top = credited(there)[0]
            conflicts.setdefault(here, []).append(
                {
                    "cluster": names[there],
                    "figure": mine.text,
                    "other": theirs.text,
                    "other_speaker": top[0],
                    "other_articles": len({articles[i] for i in grouping.clusters[there]}),
                    "score": round(conflict.score, 3),
                }
            )

    def read(index: int) -> dict[str, Any]:
        spill.seek(offsets[index])
        member: dict[str, Any] = json.loads(spill.readline())
        moment = article_dates[articles[index]]
        member["date"] = moment.isoformat() if moment else None
        return member

    with atomic_file(target) as out:
        for number in order:
            claims = grouping.clusters[number]
            members = [read(index) for index in claims]
            dated = [(article_dates[articles[i]], articles[i]) for i in claims if article_dates[articles[i]]]
            first_article = min(dated)[1] if dated else min(articles[i] for i in claims)
            figures = _figures(features, claims)
            record = {
                "id": names[number],
                "statement": members[_representative(features, claims)]["statement"],
                "size": len(claims),
                "articles": len({articles[i] for i in claims}),
                "first": {
                    "article": article_names[first_article],
                    "date": moment.isoformat() if (moment := article_dates[first_article]) else None,
                    "by": "date" if dated else "order",
                },
                "figures": figures,
                "speakers": [{"speaker": name, "articles": count} for name, count in credited(number)],
                "conflicts": sorted(conflicts.get(number, []), key=lambda item: int(item["cluster"][1:])),
                "members": members,
            }
            out.write(json.dumps(record, ensure_ascii=False).encode() + b"\n")


def _representative(features: list[ClaimFeatures], claims: list[int]) -> int:
    """The member whose keys the others share most: the cluster's most typical statement."""
    counts: Counter[str] = Counter()
    for index in claims:
        counts.update(features[index].keys)
    scores = [
        sum(counts[key] for key in features[index].keys) / (len(features[index].keys) or 1)
        for index in claims
    ]
    return max(range(len(claims)), key=lambda position: (scores[position], -position))


def _figures(features: list[ClaimFeatures], claims: list[int]) -> list[dict[str, Any]]:
    texts: dict[tuple[Any, bool], Counter[str]] = {}
    for index in claims:
        for figure in features[index].figures:
            texts.setdefault(figure.slot, Counter())[figure.text] += 1
    return [
        {
            "value": format(value, "f"),
            "percent": percent,
            "texts": [text for text, _ in counter.most_common()],
        }
        for (value, percent), counter in texts.items()
    ]


def _dateline(data: dict[str, Any], result: Path) -> datetime | None:
    raw = data.get("source")
    source: dict[str, Any] = raw if isinstance(raw, dict) else {}
    candidates: list[Path] = []
    if isinstance(source.get("text_path"), str):
        candidates.append(result.parent / source["text_path"])
    if isinstance(source.get("path"), str) and source["path"] not in ("", "-", "<stdin>", "<http>"):
        candidates += [Path(source["path"]), result.parent / source["path"]]
    for path in candidates:
        try:
            with open(path, "rb") as file:
                head = file.read(dates.HEAD_CHARS * 4).decode("utf-8", errors="ignore")
        except OSError:
            continue
        return dates.dateline(head)
    return None


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError):
        return error.strerror or type(error).__name__
    return "not JSON" if isinstance(error, ValueError) else "nested too deep"
