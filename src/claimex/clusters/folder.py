"""A batch's output folder into `clusters.jsonl`, result by result, in bounded memory.

Results are read in the order of `index.jsonl` (or, without one, of their paths), one at a time.
What clustering needs of each verified claim stays in memory in compact form (`table`: a few
tuples of integers, about 200 bytes), with its article's number, its speaker and an offset;
what `clusters.jsonl` shows of it (statement, speaker, spans, how its figures are written) waits
in a spill file and is read back by offset when its cluster is written. The folder's articles,
texts and results are never held together, and `grouping` keeps a few pairs per claim at most.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from array import array
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..output import atomic_file
from . import dates
from .features import claim_features
from .grouping import Grouping, Settings, group
from .table import FeatureTable

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
    kept: int = 0  # candidate pairs kept for merging (at most a few per claim)
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
    table = FeatureTable()
    offsets = array("q")  # where each claim's member waits in the spill file
    articles = array("l")  # the entry number of each claim
    speakers: list[str] = []  # interned: a batch has few speakers and many claims
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
            article_names.append(sys.intern(entry.article))
            article_dates.append(
                entry.date or (_dateline(data, entry.result) if isinstance(claims, list) else None)
            )
            for position, claim in enumerate(claims if isinstance(claims, list) else []):
                if not isinstance(claim, dict) or claim.get("verified") is not True:
                    continue
                features = claim_features(claim)
                table.add(features)
                articles.append(number)
                speakers.append(sys.intern(str(claim.get("speaker") or "")))
                offsets.append(spill.tell())
                # How its figures are written, in the table's order, for the cluster's line.
                spilled = [_member(entry, out_dir, position, claim), [f.text for f in features.figures]]
                spill.write(json.dumps(spilled, ensure_ascii=False).encode() + b"\n")
            del data, claims
            if on_progress is not None:
                on_progress("results", summary.results, total)
        summary.claims = len(table)
        scorer = None
        if extra is not None:
            scorer = extra([str(_spilled(spill, offset)[0].get("statement") or "") for offset in offsets])
        grouping = group(
            table,
            settings or Settings(),
            extra=scorer,
            on_progress=(lambda done, all_: on_progress("claims", done, all_)) if on_progress else None,
        )
        target = output or out_dir / CLUSTERS_NAME
        _write(target, grouping, table, articles, speakers, article_names, article_dates, offsets, spill)
    summary.path = target
    summary.clusters = len(grouping.clusters)
    summary.repeated = sum(len({articles[i] for i in members}) > 1 for members in grouping.clusters)
    summary.conflicts = len(grouping.conflicts)
    summary.compared = grouping.compared
    summary.kept = grouping.kept
    summary.seconds = round(time.monotonic() - started, 3)
    return summary, grouping


def _spilled(spill: Any, offset: int) -> tuple[dict[str, Any], list[str]]:
    spill.seek(offset)
    member, texts = json.loads(spill.readline())
    return member, texts


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
    table: FeatureTable,
    articles: array[int],
    speakers: list[str],
    article_names: list[str],
    article_dates: list[datetime | None],
    offsets: array[int],
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
    tops: dict[int, tuple[str, int]] = {}

    def credited(number: int) -> list[tuple[str, int]]:
        """Who is credited with the cluster's claim, by the number of articles that say so."""
        pairs = {(speakers[index], articles[index]) for index in grouping.clusters[number]}
        return sorted(Counter(speaker for speaker, _ in pairs).items(), key=lambda item: (-item[1], item[0]))

    def top(number: int) -> tuple[str, int]:
        if number not in tops:
            tops[number] = credited(number)[0]
        return tops[number]

    def text_of(claim: int, figure: int) -> str:
        # The figure as that claim writes it ("dix mille", "10,000").
        _, texts = _spilled(spill, offsets[claim])
        return texts[table.figures[claim].index(figure)]

    conflicts: dict[int, list[dict[str, Any]]] = {}
    for conflict in grouping.conflicts:
        first, second = conflict.clusters
        claim_first, claim_second = conflict.claims
        figure_first, figure_second = (
            table.figure_ids[(figure.slot, figure.unit)] for figure in conflict.figures
        )
        shown_first, shown_second = text_of(claim_first, figure_first), text_of(claim_second, figure_second)
        for here, there, mine, theirs in (
            (first, second, shown_first, shown_second),
            (second, first, shown_second, shown_first),
        ):
            conflicts.setdefault(here, []).append(
                {
                    "cluster": names[there],
                    "figure": mine,
                    "other": theirs,
                    "other_speaker": top(there)[0],
                    "other_articles": len({articles[i] for i in grouping.clusters[there]}),
                    "score": round(conflict.score, 3),
                }
            )

    def member_at(index: int) -> dict[str, Any]:
        member, _ = _spilled(spill, offsets[index])
        moment = article_dates[articles[index]]
        member["date"] = moment.isoformat() if moment else None
        return member

    with atomic_file(target) as out:
        for number in order:
            claims = grouping.clusters[number]
            texts: dict[int, Counter[str]] = {}
            for index in claims:
                _, written = _spilled(spill, offsets[index])
                for figure, text in zip(table.figures[index], written, strict=True):
                    texts.setdefault(table.figure_list[figure].slot, Counter())[text] += 1
            dated = [(article_dates[articles[i]], articles[i]) for i in claims if article_dates[articles[i]]]
            first_article = min(dated)[1] if dated else min(articles[i] for i in claims)
            record = {
                "id": names[number],
                "statement": member_at(claims[_representative(table, claims)])["statement"],
                "size": len(claims),
                "articles": len({articles[i] for i in claims}),
                "first": {
                    "article": article_names[first_article],
                    "date": moment.isoformat() if (moment := article_dates[first_article]) else None,
                    "by": "date" if dated else "order",
                },
                "figures": _figures(table, texts),
                "speakers": [{"speaker": name, "articles": count} for name, count in credited(number)],
                "conflicts": sorted(conflicts.pop(number, []), key=lambda item: int(item["cluster"][1:])),
                "members": [],
            }
            # The members are written one at a time, read back from the spill file: a cluster
            # of every article's copy of one claim is never held whole.
            head = json.dumps(record, ensure_ascii=False).encode()
            out.write(head[: -len(b"[]}")] + b"[")
            for position, index in enumerate(claims):
                out.write(
                    (b", " if position else b"") + json.dumps(member_at(index), ensure_ascii=False).encode()
                )
            out.write(b"]}\n")


def _representative(table: FeatureTable, claims: list[int]) -> int:
    """The member whose keys the others share most: the cluster's most typical statement."""
    counts: Counter[int] = Counter()
    for index in claims:
        counts.update(table.keys[index])
    scores = [
        sum(counts[key] for key in table.keys[index]) / (len(table.keys[index]) or 1) for index in claims
    ]
    return max(range(len(claims)), key=lambda position: (scores[position], -position))


def _figures(table: FeatureTable, texts: dict[int, Counter[str]]) -> list[dict[str, Any]]:
    return [
        {
            "value": format(table.slot_values[slot][0], "f"),
            "percent": table.slot_values[slot][1],
            "texts": [text for text, _ in counter.most_common()],
        }
        for slot, counter in texts.items()
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
