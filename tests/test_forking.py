"""Work spread over forked processes (`claimex._forking`), and `claimex verify` spread with it."""

from __future__ import annotations

import gc
import json
import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest

from claimex._forking import available_cores, can_fork, map_shares
from claimex.errors import InputError
from claimex.reverifying import REVERIFY_SHARE, reverify
from claimex.text.documents import load_document
from conftest import SEED


@pytest.fixture
def alone() -> None:
    """No other thread running, as in `claimex verify`: a test before may leave a server's
    request threads waiting on a connection that a client not yet collected keeps open."""
    if sys.platform != "linux":
        pytest.skip("forks only on Linux")
    gc.collect()
    for thread in threading.enumerate():
        if thread is not threading.current_thread():
            thread.join(timeout=10)
    assert can_fork(), f"threads still running: {threading.enumerate()}"


forking = pytest.mark.usefixtures("alone")


def _pids_and_squares(share: Sequence[int]) -> list[tuple[int, int, int]]:
    return [(item, item * item, os.getpid()) for item in share]


@forking
def test_shares_are_computed_in_children_and_merged_in_order() -> None:
    results = map_shares(_pids_and_squares, list(range(10)), 3)
    assert [(item, square) for item, square, _ in results] == [(n, n * n) for n in range(10)]
    pids = {pid for _, _, pid in results}
    assert len(pids) == 3 and os.getpid() in pids, "two children and this process, one share each"
    assert {results[k][2] for k in (0, 3, 6, 9)} == {os.getpid()}, "shares are interleaved"


def _records(share: Sequence[int]) -> list[dict[str, list[int]]]:
    return [{"item": [item]} for item in share]  # a list in it: a dict the collector tracks


@forking
def test_what_the_shares_made_is_not_left_to_the_youngest_generation() -> None:
    # The results are kept: a collection of the youngest generation would traverse them all to
    # find nothing. With the collector off, nothing moves them on but map_shares itself.
    gc.disable()
    try:
        results = map_shares(_records, list(range(400)), 2)
        young = {id(record) for record in gc.get_objects(generation=0)}
        oldest = {id(record) for record in gc.get_objects(generation=2)}
    finally:
        gc.enable()
    assert results == [{"item": [n]} for n in range(400)]
    assert not young & {id(record) for record in results}
    assert {id(record) for record in results} <= oldest


def test_one_job_or_one_item_runs_here() -> None:
    assert {pid for *_, pid in map_shares(_pids_and_squares, list(range(5)), 1)} == {os.getpid()}
    assert map_shares(_pids_and_squares, [4], 8) == [(4, 16, os.getpid())]
    assert map_shares(_pids_and_squares, [], 4) == []


def test_with_another_thread_running_nothing_is_forked() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not can_fork()
        assert {pid for *_, pid in map_shares(_pids_and_squares, list(range(6)), 3)} == {os.getpid()}
    finally:
        stop.set()
        thread.join()


@forking
def test_a_child_that_dies_loses_nothing() -> None:
    parent = os.getpid()

    def dies_in_a_child(share: Sequence[int]) -> list[tuple[int, int]]:
        if os.getpid() != parent and 1 in share:
            os.kill(os.getpid(), signal.SIGKILL)
        return [(item, os.getpid()) for item in share]

    results = map_shares(dies_in_a_child, list(range(6)), 3)
    assert [item for item, _ in results] == list(range(6))
    assert {pid for item, pid in results if item in (1, 4)} == {parent}, "its share is computed here"
    assert len({pid for _, pid in results}) == 2


@forking
def test_an_error_in_a_child_is_raised_here() -> None:
    def fails_on_seven(share: Sequence[int]) -> list[int]:
        if 7 in share:
            raise ValueError("seven")
        return list(share)

    with pytest.raises(ValueError, match="seven"):
        map_shares(fails_on_seven, list(range(9)), 3)


@forking
def test_children_are_reaped() -> None:
    map_shares(_pids_and_squares, list(range(8)), 4)
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def _claims(seed_text: str, count: int) -> dict[str, object]:
    """Claims over the seed's words: quotes as they are, retyped, and with one word changed."""
    words = seed_text.split()
    claims = []
    for n in range(count):
        quote = words[(7 * n) % (len(words) - 9) :][: 3 + n % 6]
        if n % 3 == 1:
            quote = [word.replace("’", "'") for word in quote]
        elif n % 3 == 2:
            quote[len(quote) // 2] = "trente"
        claims.append({"statement": max(quote, key=len), "n": n, "evidence": [{"quote": " ".join(quote)}]})
    return {"note": "kept", "claims": claims}


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The children forked while the test runs (by the real `os.fork`, only counted)."""
    forked: list[int] = []
    real = os.fork

    def counted() -> int:
        pid = real()
        if pid:
            forked.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", counted)
    return forked


@forking
def test_reverify_in_several_processes_writes_what_one_writes(seed_text: str, forks: list[int]) -> None:
    document = load_document(SEED)
    count = 3 * REVERIFY_SHARE + 17
    alone = reverify(document, _claims(seed_text, count), name="claims.json")
    assert forks == []
    spread = reverify(document, _claims(seed_text, count), name="claims.json", jobs=4)
    assert len(forks) == 2, "three processes: one per 250 claims at most"
    assert json.dumps(spread, ensure_ascii=False) == json.dumps(alone, ensure_ascii=False)
    by_status = alone["stats"]["by_status"]
    assert by_status["exact"] and by_status["fuzzy"], "the claims reach more than one kind of verdict"


def test_reverify_refuses_a_bad_claim_before_checking_any(seed_text: str) -> None:
    payload = _claims(seed_text, 2 * REVERIFY_SHARE)
    payload["claims"][REVERIFY_SHARE + 3]["evidence"] = [{"quote": 30}]  # type: ignore[index]
    with pytest.raises(InputError, match=rf'claims\[{REVERIFY_SHARE + 3}\]\.evidence\[0\] has no "quote"'):
        reverify(load_document(SEED), payload, name="claims.json", jobs=2)
    assert "verified" not in payload["claims"][0], "nothing was filled in"  # type: ignore[index]


@forking
def test_cli_verify_spreads_a_long_claims_file_and_writes_the_same(
    tmp_path: Path, seed_text: str, forks: list[int]
) -> None:
    from test_cli import run

    claims = tmp_path / "claims.json"
    claims.write_text(
        json.dumps(_claims(seed_text, 2 * REVERIFY_SHARE + 1), ensure_ascii=False), encoding="utf-8"
    )
    outputs = []
    for jobs in ("1", "2"):
        result = run("verify", str(SEED), str(claims), "--jobs", jobs, "-o", str(tmp_path / f"{jobs}.json"))
        assert result.exit_code == 0, result.output
        outputs.append((tmp_path / f"{jobs}.json").read_bytes())
        assert len(forks) == int(jobs) - 1
    assert outputs[0] == outputs[1]
    # By default, as many processes as this machine has cores, one per 250 claims at most.
    assert run("verify", str(SEED), str(claims), "-o", str(tmp_path / "default.json")).exit_code == 0
    assert (tmp_path / "default.json").read_bytes() == outputs[0]
    assert len(forks) == 1 + min(available_cores(), 2) - 1
    assert run("verify", str(SEED), str(claims), "--jobs", "0").exit_code == 2


def test_forking_is_linux_only() -> None:
    assert can_fork() == (sys.platform == "linux" and threading.active_count() == 1)


def test_the_cores_available_are_the_affinitys_within_a_containers_quota(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import claimex._forking as forking_module

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(6)), raising=False)
    real_path = forking_module.Path
    quota = tmp_path / "cpu.max"
    monkeypatch.setattr(
        forking_module, "Path", lambda p: quota if p == "/sys/fs/cgroup/cpu.max" else real_path(p)
    )
    assert available_cores() == 6, "no quota file: the affinity"
    quota.write_text("max 100000\n")
    assert available_cores() == 6
    quota.write_text("150000 100000\n")
    assert available_cores() == 2, "1.5 CPUs of quota: two processes"
    quota.write_text("garbage\n")
    assert available_cores() == 6
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(64)), raising=False)
    quota.unlink()
    assert available_cores() == forking_module.MAX_JOBS
