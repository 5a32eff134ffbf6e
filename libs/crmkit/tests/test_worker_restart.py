"""H3: a worker whose nameko container died (an acknowledgement lost with the broker) starts it
again instead of exiting, so events are consumed again once the broker is back."""

from __future__ import annotations

import pytest

pytest.importorskip("nameko")

from crmkit import worker  # noqa: E402


class Runner:
    def __init__(self, outcomes: list):
        self.outcomes = outcomes

    def start(self):
        pass

    def wait(self):
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome

    def stop(self):
        pass


def test_h3_a_died_container_is_started_again_until_it_stops_cleanly(monkeypatch):
    outcomes = [ConnectionResetError(104, "Connection reset by peer"), ConnectionResetError(104, "again"), None]
    made, pauses = [], []
    monkeypatch.setattr(worker.eventlet, "sleep", pauses.append)
    monkeypatch.setattr(worker.signal, "signal", lambda *a: None)

    def make_runner(cls, url, max_workers):
        made.append(url)
        return Runner(outcomes)

    worker.run_worker(object, "amqp://x", make_runner=make_runner)

    assert len(made) == 3 and outcomes == []
    assert pauses == [worker.RESTART_PAUSES[1], worker.RESTART_PAUSES[2]]


def test_h3_the_pause_starts_over_after_a_container_ran_a_while(monkeypatch):
    outcomes = [ConnectionResetError(104, "reset"), None]
    pauses = []
    ticks = iter([0.0, worker.HEALTHY_AFTER_SECONDS + 1, 100.0, 100.0])
    monkeypatch.setattr(worker.eventlet, "sleep", pauses.append)
    monkeypatch.setattr(worker.signal, "signal", lambda *a: None)

    worker.run_worker(object, "amqp://x", make_runner=lambda *a: Runner(outcomes), clock=lambda: next(ticks))

    assert pauses == [worker.RESTART_PAUSES[0]]
