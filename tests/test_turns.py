"""A batch's workers run their Python in turns, give the turn up while they wait, never wait long for it."""

from __future__ import annotations

import threading
import time

import pytest

from claimex.llm import turns
from claimex.llm.turns import Turns, waiting


def test_a_thread_with_the_turn_runs_alone_until_it_waits() -> None:
    shared = Turns()
    events: list[str] = []
    a_has_it, b_tries = threading.Event(), threading.Event()

    def a() -> None:
        with shared.taken():
            events.append("a runs")
            a_has_it.set()
            b_tries.wait(5)
            time.sleep(0.05)  # b, meanwhile, must not get the turn
            events.append("a waits")
            with waiting():
                time.sleep(0.05)
            events.append("a again")

    def b() -> None:
        a_has_it.wait(5)
        b_tries.set()
        with shared.taken():
            events.append("b runs")

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert events == ["a runs", "a waits", "b runs", "a again"]


def test_the_turn_is_not_waited_for_past_turn_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker that holds the turn through a wait not given up (a lock another worker holds)
    delays the others by TURN_WAIT at most: nothing deadlocks on it."""
    monkeypatch.setattr(turns, "TURN_WAIT", 0.05)
    shared = Turns()
    held, release = threading.Event(), threading.Event()
    waited: list[float] = []

    def holder() -> None:
        with shared.taken():
            held.set()
            release.wait(5)

    def other() -> None:
        held.wait(5)
        started = time.monotonic()
        with shared.taken():
            waited.append(time.monotonic() - started)
        release.set()

    threads = [threading.Thread(target=holder), threading.Thread(target=other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert waited and 0.04 <= waited[0] < 1.0
    assert release.is_set()


def test_the_turn_is_given_back_after_the_block_and_after_each_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside a batch's workers (claimex extract, the service) there is no turn to give up, and
    a turn taken is given back whole: the next thread to ask has it at once."""
    monkeypatch.setattr(turns, "TURN_WAIT", 2.0)
    shared = Turns()
    with waiting():
        pass
    with shared.taken(), waiting():
        pass
    with waiting():  # this thread's turn ended with its block: nothing to give up or take back
        pass

    took: list[float] = []

    def other() -> None:
        started = time.monotonic()
        with shared.taken():
            took.append(time.monotonic() - started)

    thread = threading.Thread(target=other)
    thread.start()
    thread.join(5)
    assert took and took[0] < 1.0
