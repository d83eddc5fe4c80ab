"""What ``openeo-grid-jobs run`` prints of the engine's events: the counts when they
change, at most once a second, and never stale for longer than the next summary."""

from __future__ import annotations

from openeo_grid_jobs.cli.run import PRINT_EVERY, _Printer
from openeo_grid_jobs.core.engine.events import EventKind, Outcome, event


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def counts(**values: int) -> dict:
    return event(EventKind.UPDATES, rows=[], counts=values)


def lines(capsys) -> list[str]:
    return capsys.readouterr().out.splitlines()


def test_counts_print_at_once_then_at_most_once_per_pause(capsys):
    clock = Clock()
    printer = _Printer(clock=clock)
    printer(counts(queued=2))
    printer(counts(queued=1, running=1))  # same instant: held back
    printer(counts(running=2))
    assert lines(capsys) == ["2 tiles: queued 2"]
    clock.now += PRINT_EVERY
    printer(counts(running=1, finished=1))
    assert lines(capsys) == ["2 tiles: finished 1 · running 1"]


def test_counts_held_back_are_printed_by_the_next_summary(capsys):
    clock = Clock()
    printer = _Printer(clock=clock)
    printer(counts(queued=2))
    printer(counts(finished=2))
    printer(event(EventKind.SUMMARY, text="…"))  # within the pause: still held
    assert lines(capsys) == ["2 tiles: queued 2"]
    clock.now += PRINT_EVERY
    printer(event(EventKind.SUMMARY, text="…"))
    printer(event(EventKind.SUMMARY, text="…"))  # printed once
    assert lines(capsys) == ["2 tiles: finished 2"]


def test_counts_that_went_back_to_what_is_shown_are_not_printed_later(capsys):
    clock = Clock()
    printer = _Printer(clock=clock)
    printer(counts(running=2))
    printer(counts(running=1, error=1))  # held back...
    printer(counts(running=2))  # ...and undone: the terminal is right again
    clock.now += PRINT_EVERY
    printer(event(EventKind.SUMMARY, text="…"))
    assert lines(capsys) == ["2 tiles: running 2"]


def test_the_end_prints_the_counts_even_within_the_pause(capsys):
    clock = Clock()
    printer = _Printer(clock=clock)
    printer(counts(running=3))
    printer(event(EventKind.ENDED, outcome=Outcome.DONE, counts={"finished": 3}))
    assert lines(capsys)[:2] == ["3 tiles: running 3", "3 tiles: finished 3"]
