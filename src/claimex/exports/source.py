"""What an export reads: results with the text their spans index, one at a time."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..clusters.folder import CLUSTERS_NAME, entries
from ..errors import InputError
from ..models import Claim, Result
from ..report import find_article, read_result

VERIFIED_STATUSES = ("exact", "normalized")


@dataclass
class Exported:
    """One result to export: its name (the path relative to the batch's input folder), the
    result, the text its spans index, and where the result file is relative to the input."""

    name: str
    result: Result
    text: str
    result_path: Path


def results(path: Path) -> Iterator[Exported]:
    """A result file, or every result of a batch folder in the order of its index."""
    if path.is_dir():
        found = False
        for entry in entries(path):
            found = True
            result = read_result(entry.result)
            yield Exported(entry.article, result, find_article(result, entry.result, None).text, entry.result)
        if not found:
            raise InputError(f"{path}: no claimex result in this folder")
        return
    result = read_result(path)
    yield Exported(path.name.removesuffix(".json"), result, find_article(result, path, None).text, path)


def spans_of(claim: Claim) -> list[tuple[int, list[tuple[int, int]]]]:
    """The verified evidence of a claim: (evidence number from 1, its spans), in order."""
    return [
        (number, [(start, end) for start, end in item.spans])
        for number, item in enumerate(claim.evidence, start=1)
        if item.status in VERIFIED_STATUSES and item.spans
    ]


def cluster_ids(path: Path) -> dict[tuple[str, int], str]:
    """(result path relative to the folder, claim index) → cluster id, when the folder was clustered."""
    import json

    clusters = path / CLUSTERS_NAME if path.is_dir() else path.parent / CLUSTERS_NAME
    ids: dict[tuple[str, int], str] = {}
    if clusters.is_file():
        with open(clusters, encoding="utf-8") as lines:
            for line in lines:
                cluster = json.loads(line)
                for member in cluster["members"]:
                    ids[(member["result"], member["claim"])] = cluster["id"]
    return ids
