"""The failure policy's pure parts on an injected clock: no network, no sleeping."""

from __future__ import annotations

import random

import pytest
import requests
from openeo.rest import OpenEoApiError
from openeo_grid_jobs.core.errors import RunError
from openeo_grid_jobs.core.run.failures import Failure, FailureKind, classify, parse_retry_after
from openeo_grid_jobs.core.run.scheduler import LAUNCH, READ, RunPolicy, Scheduler
from openeo_grid_jobs.core.run.tile_rules import Breaker, keep_one, moves_forward


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def scheduler(parallel=None, **policy):
    clock = Clock()
    return (
        Scheduler(
            parallel or {"a": 4, "b": 2},
            RunPolicy(**{"backoff_base": 1.0, "backoff_max": 30.0, **policy}),
            clock=clock,
            wall_clock=clock,
            rng=random.Random(0),
        ),
        clock,
    )


TRANSIENT = Failure(FailureKind.TRANSIENT, "HTTP 503: down")


def api_error(status, code="Whatever", message="msg"):
    return OpenEoApiError(http_status_code=status, code=code, message=message)


# --- classification -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("exc", "kind", "answered"),
    [
        (requests.exceptions.ConnectionError("Connection reset by peer"), "transient", False),
        (requests.exceptions.ReadTimeout("read timed out"), "transient", False),
        (api_error(503, "ServiceUnavailable"), "transient", True),
        (api_error(500, "Internal"), "transient", True),
        (api_error(504, "GatewayTimeout"), "transient", False),
        (api_error(429, "TooManyRequests", "rate limit exceeded"), "transient", True),
        (api_error(429, "ConcurrentJobLimit", "too many jobs running"), "concurrency", True),
        (api_error(400, "JobLimit", "limit of 2 running jobs reached"), "concurrency", True),
        (api_error(400, "TooManyQueuedJobs", "Too many queued jobs"), "concurrency", True),
        (api_error(400, "Whatever", "too many queued jobs: wait"), "concurrency", True),
        (api_error(401, "AuthenticationRequired"), "auth", True),
        (api_error(403, "TokenInvalid"), "auth", True),
        (api_error(403, "PermissionDenied"), "permanent", True),
        (api_error(404, "JobNotFound"), "gone", True),
        (api_error(400, "CollectionNotFound", "Collection 'X' does not exist."), "permanent", True),
        (RuntimeError("bug in a template"), "permanent", True),
    ],
)
def test_every_failure_has_a_kind(exc, kind, answered):
    failure = classify(exc, retry_after=2.0)
    assert failure.kind.value == kind
    assert failure.answered is answered
    assert failure.message


def test_retry_after_header():
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") is None
    assert parse_retry_after("-1") is None
    assert parse_retry_after(None) is None


# --- backoff and outages ----------------------------------------------------------------
def test_backoff_is_exponential_jittered_capped_and_honours_retry_after():
    s, _ = scheduler()
    for attempt, step in ((1, 1), (2, 2), (3, 4), (4, 8), (10, 30)):
        for _ in range(20):
            assert step * 0.5 <= s.backoff(attempt) <= step
    assert s.backoff(1, retry_after=7.0) == 7.0


def test_a_failing_channel_pauses_alone_and_an_outage_is_said_once():
    s, clock = scheduler(outage_after=3, outage_seconds=10)
    assert s.failed("a", LAUNCH, TRANSIENT) is None  # one failure: no outage yet
    assert s.ready("a", LAUNCH), "one failure is its tile's: healthy slots go on"
    assert s.failed("a", LAUNCH, TRANSIENT) is None
    assert not s.ready("a", LAUNCH)  # two in a row: the channel backs off
    assert s.ready("a", READ)  # tracking goes on while launches back off
    assert s.ready("b", LAUNCH)
    clock.now += 1
    assert s.failed("a", LAUNCH, TRANSIENT) is None  # three in a burst: not an outage
    clock.now += 60
    assert s.ready("a", LAUNCH)
    event = s.failed("a", LAUNCH, TRANSIENT)
    assert event.level == "warning"
    assert "a refuses new jobs since" in event.message
    assert s.failed("a", LAUNCH, TRANSIENT) is None  # said once
    assert s.outages() == {"a": event.message.split("Back-end ")[1].split(" (")[0] + ", retrying"}
    clock.now += 120
    back = s.succeeded("a", LAUNCH)
    assert back.level == "info"
    assert "accepting jobs again after 2 min" in back.message
    assert s.succeeded("a", LAUNCH) is None
    assert s.outages() == {}


def test_concurrency_refusal_lowers_and_recovers_step_by_step():
    s, clock = scheduler(recover_after=60)
    event = s.refused("a", busy=2)
    assert s.limit("a") == 2
    assert "2 at once now (of 4)" in event.message
    assert s.refused("a", busy=2) is None  # no lower: nothing new to say
    clock.now += 59
    assert s.recover() is None
    assert s.limit("a") == 2
    clock.now += 1
    s.recover()
    assert s.limit("a") == 3
    clock.now += 60
    assert "takes 4 jobs at once again" in s.recover().message
    clock.now += 600
    s.recover()
    assert s.limit("a") == 4  # never above the configured number
    s.refused("b", busy=0)
    assert s.limit("b") == 1  # never below one


def test_picks_fill_free_slots_round_robin():
    s, _ = scheduler()
    picks = s.picks(range(10), {"a": 1, "b": 0})
    assert picks == [(0, "a"), (1, "b"), (2, "a"), (3, "b"), (4, "a")]
    s.failed("b", LAUNCH, TRANSIENT)
    s.failed("b", LAUNCH, TRANSIENT)  # two in a row: b is paused
    assert [n for _, n in s.picks(range(10), {})] == ["a"] * 4
    assert s.picks(range(10), {}, usable=[]) == []
    assert s.picks([], {}) == []


def test_a_queue_cap_holds_launches_below_it_whatever_the_free_slots():
    clock = Clock()
    s = Scheduler({"a": 5, "b": 5}, RunPolicy(), clock=clock, queue_caps={"a": 2, "b": 0})
    # a: 1 running, 1 queued of 2 at most → one more; b has no cap → its 5 slots
    picks = s.picks(range(10), {"a": 2}, queued={"a": 1})
    assert [n for _, n in picks].count("a") == 1
    assert [n for _, n in picks].count("b") == 5
    assert [n for _, n in s.picks(range(10), {"a": 2, "b": 5}, queued={"a": 2})] == []
    # running jobs leave the queue: parallel slots again
    assert len(s.picks(range(10), {"a": 3}, queued={"a": 0}, usable=["a"])) == 2


def test_room_is_whether_picks_would_give_a_slot():
    """The loop asks ``room`` before it lists the waiting rows (a big table's worth)."""
    s, _ = scheduler()
    cases = [({"a": 4, "b": 2}, None, None), ({"a": 3}, ["b"], None), ({"a": 3}, None, None)]
    cases.append(({"a": 1}, None, {"a": 1}))
    s.failed("b", LAUNCH, TRANSIENT)
    s.failed("b", LAUNCH, TRANSIENT)  # b paused
    cases += [({"a": 4}, None, None), ({"a": 3}, ["b"], None)]
    for busy, usable, queued in cases:
        picks = s.picks(range(10), busy, usable, queued)
        assert s.room(busy, usable, queued) == bool(picks), (busy, usable, picks)
    assert [s.room({"a": 4}), s.room({"a": 3})] == [False, True]


def test_polls_are_due_once_per_interval():
    s, clock = scheduler(poll_interval=5)
    assert s.poll_due("a")
    s.polled("a")
    clock.now += 4.9
    assert not s.poll_due("a")
    clock.now += 0.1
    assert s.poll_due("a")
    s.failed("a", READ, TRANSIENT)
    s.failed("a", READ, TRANSIENT)
    assert not s.poll_due("a")


@pytest.mark.parametrize(
    "bad",
    [
        {"poll_interval": 0},
        {"poll_interval": float("nan")},
        {"request_timeout": -1},
        {"lookup_grace": float("inf")},
        {"breaker": 0},
        {"download_threads": 0},
    ],
)
def test_policy_refuses_nonsense(bad):
    with pytest.raises(RunError):
        RunPolicy(**bad)


# --- tile rules -------------------------------------------------------------------------
def test_statuses_only_move_forward():
    assert moves_forward("queued", "running")
    assert not moves_forward("running", "queued")
    assert not moves_forward("finished", "error")
    assert not moves_forward("queued", "queued")
    assert not moves_forward("queued", "nonsense")
    assert moves_forward("running", "canceled")


def test_which_duplicate_is_kept():
    jobs = [
        {"id": "old", "status": "created", "created": "2024-01-01"},
        {"id": "done", "status": "finished", "created": "2024-01-02"},
        {"id": "new", "status": "queued", "created": "2024-01-03"},
    ]
    assert keep_one(jobs, None)[0]["id"] == "done"
    kept, extra = keep_one(jobs, "new")
    assert kept["id"] == "new"
    assert {j["id"] for j in extra} == {"old", "done"}


def test_a_job_listed_twice_is_not_its_own_duplicate():
    """A listing paged while jobs are made may show a job twice: it is one job."""
    done = {"id": "done", "status": "finished", "created": "2024-01-02"}
    old = {"id": "old", "status": "created", "created": "2024-01-01"}
    assert keep_one([done, dict(done)], "done") == (done, [])
    assert keep_one([done, dict(done)], None) == (done, [])
    kept, extra = keep_one([dict(done), old, done, dict(old)], "done")
    assert kept["id"] == "done"
    assert extra == [old]


def test_breaker_trips_on_the_same_first_failures_only():
    breaker = Breaker(3)
    assert breaker.failed("Band 'B99' unknown (job 1)") is None
    assert breaker.failed("Band 'B99' unknown (job 2)") is None
    assert breaker.failed("Band 'B99' unknown (job 3)") == "Band 'B99' unknown (job 3)"
    mixed = Breaker(3)
    for reason in ("a", "b", "a", "a"):
        assert mixed.failed(reason) is None
    after_success = Breaker(3)
    after_success.finished()
    for _ in range(5):
        assert after_success.failed("same") is None


def test_intent_times_keep_milliseconds():
    from openeo_grid_jobs.core.jobs.rows import parse_time, utc_text

    assert abs(parse_time(utc_text(1_700_000_000.1234)) - 1_700_000_000.123) < 1e-6
    assert parse_time("2024-05-01T10:00:00Z") == 1714557600.0
    assert parse_time(None) == 0.0
    assert parse_time("not a time") == 0.0
