"""Claim clusters: the desk set's expected clusters, the figures rule, and `batch --cluster` end to end."""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import stub_openai
from claimex.cli import app
from claimex.clusters.features import claim_features, conflicting, key_of
from claimex.clusters.folder import cluster_folder
from conftest import ROOT
from stub_openai import StubServer

sys.path.insert(0, str(ROOT / "benchmarks"))
import desk_set

runner = CliRunner()


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    out = tmp_path_factory.mktemp("desk")
    desk_set.build(out)
    summary, _ = cluster_folder(out)
    records = [json.loads(line) for line in (out / "clusters.jsonl").read_text(encoding="utf-8").splitlines()]
    assert summary.claims == 34 and summary.clusters == len(records)
    return out, records


def name(member: dict) -> str:
    return f"{Path(member['article']).stem}#{member['claim']}"


def test_keys_meet_across_french_and_english() -> None:
    for french, english in [
        ("Kouvrane", "Kuvran"),
        ("Norvalie", "Norvalian"),
        ("déployés", "deployed"),
        ("évacués", "evacuated"),
    ]:
        assert key_of(french) == key_of(english), (french, english)
    assert key_of("soldats") != key_of("Kouvrane")


def test_the_repeated_claim_is_one_cluster_with_its_outlets_and_the_first_by_date(desk) -> None:
    _, records = desk
    top = records[0]
    assert sorted(name(m) for m in top["members"]) == sorted(desk_set.expected()["clusters"]["marsh-10000"])
    assert top["articles"] == 6
    assert top["first"] == {
        "article": "02_northern_wire.txt",
        "date": "2025-03-04T06:45:00+00:00",
        "by": "date",
    }
    assert top["speakers"] == [{"speaker": "Helen Marsh", "articles": 6}]
    assert {text.casefold() for text in top["figures"][0]["texts"]} == {
        "10.000",
        "10,000",
        "10 000",
        "dix mille",
    }
    # The conflicting figure is its own cluster, beside it.
    (conflict,) = top["conflicts"]
    other = next(record for record in records if record["id"] == conflict["cluster"])
    assert sorted(name(m) for m in other["members"]) == sorted(
        desk_set.expected()["clusters"]["dalvik-12000"]
    )
    assert (conflict["other"], conflict["other_articles"]) == ("12,000", 2)
    for member in top["members"]:  # every member carries its spans, which give back its quote
        text = (desk_set.ARTICLES / member["article"]).read_text(encoding="utf-8")
        assert [text[s:e] for item in member["evidence"] for s, e in item["spans"]] == [
            item["quote"] for item in member["evidence"]
        ]


def test_desk_set_pair_precision_and_recall(desk) -> None:
    _, records = desk
    expected = desk_set.expected()

    def pairs(groups):
        return {tuple(sorted(p)) for group in groups for p in itertools.combinations(group, 2)}

    found = pairs([[name(m) for m in record["members"]] for record in records])
    gold = pairs(expected["clusters"].values())
    # The figures of benchmarks/cluster_bench.py; a change that loses them fails here.
    assert len(found & gold) / len(found) == 1.0
    assert len(found & gold) / len(gold) >= 0.8
    label = {m: k for k, ms in expected["clusters"].items() for m in ms}
    by_id = {record["id"]: record for record in records}
    conflicts = {
        frozenset((label[name(record["members"][0])], label[name(by_id[c["cluster"]]["members"][0])]))
        for record in records
        for c in record["conflicts"]
    }
    assert conflicts == {frozenset(pair) for pair in expected["conflicts"]}


def test_no_cluster_holds_two_figures_of_one_kind(desk) -> None:
    out, records = desk
    for record in records:
        claims = [
            json.loads((out / m["result"]).read_text(encoding="utf-8"))["claims"][m["claim"]]
            for m in record["members"]
        ]
        figures = [claim_features(claim).figures for claim in claims]
        for a, b in itertools.combinations(figures, 2):
            assert not conflicting(a, b), record["id"]
    # The rule bites: the two estimates of one force conflict.
    marsh = claim_features({"statement": "10.000 soldats norvaliens ont été déployés."}).figures
    dalvik = claim_features({"statement": "12 000 soldats norvaliens seraient stationnés."}).figures
    runners = claim_features({"statement": "Le marathon a réuni 12.000 coureurs."}).figures
    assert conflicting(marsh, dalvik) and not conflicting(marsh, runners)


def test_unreadable_results_are_named_and_the_rest_clustered(tmp_path: Path) -> None:
    desk_set.build(tmp_path)
    (tmp_path / "01_quotidien_du_nord.txt.json").write_text("{not json", encoding="utf-8")
    summary, _ = cluster_folder(tmp_path)
    assert summary.results == 12 and summary.claims == 31
    assert summary.unreadable == [
        f"{tmp_path / '01_quotidien_du_nord.txt.json'}: not a readable result (not JSON)"
    ]


def test_cluster_command_refuses_a_missing_folder(tmp_path: Path) -> None:
    done = runner.invoke(app, ["cluster", str(tmp_path / "nowhere")])
    assert done.exit_code == 2
    assert done.output.strip() == f"claimex: error: {tmp_path / 'nowhere'}: not a folder"


FORCE = "Selon {speaker}, {figure} soldats norvaliens ont été déployés en Kouvrane, près de l'Estmark."


@pytest.mark.block_network(allowed_hosts=["127.0.0.1"])
def test_batch_with_cluster_gives_clusters_and_a_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer = {
        "claims": [
            {
                "statement": f"{figure} soldats norvaliens ont été déployés en Kouvrane.",
                "type": "quantity",
                "speaker": speaker,
                "hedging": "reported",
                "entities": ["Kouvrane"],
                "quantities": [{"text": figure, "value": value, "unit": "soldats", "approximate": False}],
                "time": None,
                "evidence": [f"{figure} soldats norvaliens ont été déployés en Kouvrane"],
            }
            for figure, value, speaker in (("10.000", 10000, "Helen Marsh"), ("12.000", 12000, "Dalvik"))
        ]
    }
    # The stub answers every article alike; each article holds one of the two quotes, so only
    # that claim is verified in it (the other's quote is missing).
    monkeypatch.setattr(stub_openai, "ANSWER", answer)
    articles = tmp_path / "in"
    articles.mkdir()
    for number, (figure, day) in enumerate(
        [("10.000", 4), ("10.000", 3), ("10.000", 5), ("12.000", 4), ("12.000", 6)]
    ):
        (articles / f"outlet{number}.txt").write_text(
            f"Outlet {number}\nPublié le {day} mars 2025\n\n"
            + FORCE.format(figure=figure, speaker="Helen Marsh" if figure == "10.000" else "Dalvik")
            + "\n",
            encoding="utf-8",
        )
    out = tmp_path / "out"
    with StubServer() as stub:
        done = runner.invoke(
            app,
            [
                "batch",
                str(articles),
                "-o",
                str(out),
                "--base-url",
                stub.base_url,
                "--mode",
                "tools",
                "--no-cache",
                "--report",
                "--cluster",
            ],
            catch_exceptions=False,
        )
    assert done.exit_code == 0, done.output
    assert "2 clusters of 5 verified claims from 5 results" in done.output
    records = [json.loads(line) for line in (out / "clusters.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(r["articles"], r["first"]["article"], r["speakers"][0]["speaker"]) for r in records] == [
        (3, "outlet1.txt", "Helen Marsh"),
        (2, "outlet3.txt", "Dalvik"),
    ]
    assert records[0]["conflicts"][0]["cluster"] == records[1]["id"]
    page = (out / "clusters.html").read_text(encoding="utf-8")
    assert "vs" in page and "10.000" in page and "12.000" in page
    assert 'href="./outlet0.txt.html#claim-1"' in page  # each member links to its highlighted evidence
    assert (out / "outlet0.txt.html").is_file()
    assert "<script" not in page
