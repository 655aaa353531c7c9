"""Claim clusters: the desk set's expected clusters, the figures rule, and `batch --cluster` end to end."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import stub_openai
from claimex.cli import app
from claimex.clusters import lexicon
from claimex.clusters.features import claim_features, conflicting, key_of
from claimex.clusters.folder import cluster_folder
from claimex.clusters.grouping import Settings, group
from claimex.clusters.table import FeatureTable
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


def pair_scores(records: list[dict], expected: dict) -> tuple[float, float]:
    def pairs(groups):
        return {tuple(sorted(p)) for group in groups for p in itertools.combinations(group, 2)}

    found = pairs([[name(m) for m in record["members"]] for record in records])
    gold = pairs(expected["clusters"].values())
    return len(found & gold) / len(found), len(found & gold) / len(gold)


def test_desk_set_pair_precision_and_recall(desk) -> None:
    _, records = desk
    expected = desk_set.expected()
    # The figures of benchmarks/cluster_bench.py; a change that loses them fails here.
    precision, recall = pair_scores(records, expected)
    assert precision == 1.0 and recall >= 0.93
    label = {m: k for k, ms in expected["clusters"].items() for m in ms}
    by_id = {record["id"]: record for record in records}
    conflicts = {
        frozenset((label[name(record["members"][0])], label[name(by_id[c["cluster"]]["members"][0])]))
        for record in records
        for c in record["conflicts"]
    }
    assert conflicts == {frozenset(pair) for pair in expected["conflicts"]}


def test_held_out_part_pair_precision_and_recall(tmp_path: Path) -> None:
    # The part nothing was tuned on (benchmarks/desk/heldout/): its figures as the benchmark
    # printed them when it was first run, so that a change losing them is seen.
    desk_set.build(tmp_path, "heldout")
    summary, _ = cluster_folder(tmp_path)
    records = [json.loads(line) for line in summary.path.read_text(encoding="utf-8").splitlines()]
    assert summary.claims == 37
    precision, recall = pair_scores(records, desk_set.expected("heldout"))
    assert precision == 1.0 and recall >= 0.72


def test_every_lexicon_word_is_its_concept() -> None:
    # No word of the lexicon is silently taken by another concept (a fold or a stem shared).
    for line in lexicon.LINES.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        english, french = line.split("|")
        words = [word.strip() for word in f"{english},{french}".split(",") if word.strip()]
        for word in words:
            if " " not in word and "'" not in word:
                assert key_of(word) == "~" + lexicon.fold(words[0]), (word, key_of(word))
    french = claim_features({"statement": "Quarante pompiers étaient toujours mobilisés lundi matin."})
    english = claim_features({"statement": "Forty firefighters were still at the scene on Monday morning."})
    assert {"~firefighter", "~monday", "~morning"} <= french.keys & english.keys
    assert french.figures[0].unit == english.figures[0].unit == "~firefighter"
    assert not english.names  # a lexicon word ("Monday") is never a name


def features_of(*statements: str) -> FeatureTable:
    return FeatureTable.of(claim_features({"statement": statement}) for statement in statements)


def together(grouping, a: int, b: int) -> bool:
    return any(a in cluster and b in cluster for cluster in grouping.clusters)


def test_a_figure_is_shared_only_when_it_counts_the_same_thing() -> None:
    table = features_of(
        "Orvan Delk said 30 soldiers of Brastia had been deployed in Orbel.",
        "Authorities in Orbel announced 30 arrests.",
        "Selon Orvan Delk, 30 soldats de Brastia ont été déployés à Orbel.",
    )
    grouping = group(table)
    assert together(grouping, 0, 2) and not together(grouping, 0, 1)


# A batch's other festivals, so that "festival" and "visitors" weigh as common words do.
PLACES = ["Dorsk", "Malvi", "Trenor", "Ustave", "Pellin", "Garmo", "Sirtel", "Bovran"]
OTHER_FESTIVALS = [f"The {place} festival drew {number},500 visitors." for number, place in enumerate(PLACES)]


def test_claims_that_name_different_things_are_not_one_claim() -> None:
    table = features_of(
        "The Kalori festival drew 5,000 visitors.",
        "The Venmi festival drew 5,000 visitors.",
        "Le festival de Kalori a attiré 5 000 visiteurs.",
        "The Venmi festival drew 6,000 visitors.",
        *OTHER_FESTIVALS,
    )
    grouping = group(table)
    assert together(grouping, 0, 2)
    assert not together(grouping, 0, 1) and not together(grouping, 1, 2)
    assert len(grouping.clusters) == len(table) - 1
    # Different festivals with different counts are not a conflict either; one festival's are.
    assert [conflict.clusters for conflict in grouping.conflicts] == [
        (grouping.clusters.index([1]), grouping.clusters.index([3]))
    ]


def test_a_chain_whose_ends_share_nothing_is_not_one_cluster() -> None:
    # Each shares a word of a name with the next; the first and the last share no name.
    table = features_of(
        "Le festival de Kalori Venmi a attiré 5 000 visiteurs.",
        "Le festival de Kalori Dostin a attiré 5 000 visiteurs.",
        "Le festival de Ruvel Dostin a attiré 5 000 visiteurs.",
        *OTHER_FESTIVALS,
    )
    assert not together(group(table), 0, 2)


def test_work_and_pairs_kept_are_bounded_per_claim_whatever_the_batch() -> None:
    # One claim repeated by every article of a batch (every key and the figure in every claim),
    # with a conflicting figure in one article of five: each claim meets a bounded number of
    # earlier ones and keeps a few pairs, and the copies still make one cluster.
    statements = [
        "Selon Helen Marsh, 10 000 soldats norvaliens ont été déployés en Kouvrane."
        if number % 5
        else "Helen Marsh said 12,000 Norvalian soldiers had been deployed in Kuvran."
        for number in range(3000)
    ]
    settings = Settings()
    table = FeatureTable.of([claim_features({"statement": statement}) for statement in statements])
    grouping = group(table, settings)
    assert grouping.compared <= settings.candidates * len(table)
    assert grouping.kept <= (settings.pairs + settings.conflicts) * len(table)
    assert sorted(len(cluster) for cluster in grouping.clusters) == [600, 2400]
    assert len(grouping.conflicts) == 1


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


def test_a_meaning_score_is_given_every_statement_in_claim_order(tmp_path: Path) -> None:
    # What --embeddings is handed: the clustered statements, read back from the spill file in
    # the claims' order, and asked about pairs by position. A score of 0 for every pair halves
    # every pair's score (extra_weight 0.5): a pair that scored under twice its threshold is lost.
    desk_set.build(tmp_path)
    seen: list[list[str]] = []

    def extra(statements: list[str]):
        seen.append(statements)
        return lambda a, b: 0.0

    summary, grouping = cluster_folder(tmp_path, extra=extra)
    claims = [
        claim["statement"]
        for line in (tmp_path / "index.jsonl").read_text(encoding="utf-8").splitlines()
        for claim in json.loads((tmp_path / json.loads(line)["result"]).read_text(encoding="utf-8"))["claims"]
        if claim["verified"]
    ]
    assert seen == [claims] and summary.claims == 34
    alone, _ = cluster_folder(tmp_path, output=tmp_path / "alone.jsonl")
    assert len(grouping.clusters) > alone.clusters  # the halved scores lose a pair


HASHING = """
from claimex.clusters.features import claim_features
from claimex.clusters.table import FeatureTable
table = FeatureTable.of(
    claim_features({"statement": statement})
    for statement in [
        "Orla Venn said 500 soldiers had been deployed in Kestrel on Monday.",
        "Selon Bram Tessel, 600 soldats ont été déployés à Dunmore vendredi.",
    ]
)
print(list(table.key_ids))
"""


def test_clusters_do_not_depend_on_the_processes_string_hashing() -> None:
    # Sets of strings iterate in an order each process draws anew (PYTHONHASHSEED). Blocks and
    # candidates break ties between keys by their ids: ids drawn in a set's order made 10,000
    # results compare 1,292,470 pairs in one run and 1,292,483 in the next.
    runs = {
        subprocess.run(
            [sys.executable, "-c", HASHING],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(runs) == 1
