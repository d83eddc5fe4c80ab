"""The job-manager loop against the local openEO back-end over HTTP."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from dataclasses import replace

import pytest
from helpers.runs import (
    DATES,
    RequestLog,
    assert_one_job_per_tile,
    backend,
    make_runner,
    run_in_thread,
    small_grid,
    wait_until,
)
from openeo_grid_jobs.core.jobs.database import JobDatabase
from openeo_grid_jobs.core.jobs.rows import tile_update, tile_updates
from openeo_grid_jobs.core.jobs.table import frame_from_tiles
from openeo_grid_jobs.core.jobs.template import JobTemplate
from openeo_grid_jobs.core.run.gateway import BackendGateway, CallFailed
from openeo_grid_jobs.core.run.row_index import RowIndex
from openeo_grid_jobs.core.run.runner import RANK, GridJobRunner, RunError, reset_failed
from openeo_grid_jobs.core.run.scheduler import RunPolicy


def statuses_by_tile(updates):
    seen = defaultdict(list)
    for u in updates:
        if not seen[u.tile_id] or seen[u.tile_id][-1] != u.status:
            seen[u.tile_id].append(u.status)
    return seen


def assert_index_matches_table(runner):
    """The loop's row index, kept up to date change by change, says what the table says."""
    fresh = RowIndex(runner.frame)
    kept = runner.state.rows
    for name in ("position", "status", "backend", "job_id", "result", "unfetched"):
        assert getattr(kept, name) == getattr(fresh, name), name
    nonempty = lambda sets: {k: v for k, v in sets.items() if v}  # noqa: E731
    assert nonempty(kept.by_status) == nonempty(fresh.by_status)
    assert nonempty(kept.active) == nonempty(fresh.active)


def test_tile_updates_read_by_column_match_the_rows(tmp_path):
    frame = frame_from_tiles(small_grid(3, 2), *DATES)
    frame.loc[1, ["status", "id", "backend_name", "costs"]] = ["finished", "j-1", "local", 2.5]
    frame.loc[2, ["status", "message", "duration_s"]] = ["error", "broken", 12.0]
    updates = tile_updates(frame)
    assert [u.index for u in updates] == list(frame.index)
    assert (updates[1].job_id, updates[1].costs, updates[1].status) == ("j-1", 2.5, "finished")
    assert (updates[2].message, updates[2].duration) == ("broken", 12.0)
    assert (updates[0].job_id, updates[0].costs, updates[0].duration) == (None, None, None)
    assert tile_updates(frame, [2, 0]) == [updates[2], updates[0]]
    assert tile_update(frame, 1) == updates[1]


def test_full_run_finishes_every_tile_and_downloads_results(local_backend, tmp_path):
    updates = []
    runner = make_runner(tmp_path, [backend(local_backend.url)], updates=updates)
    counts = runner.run(threading.Event())
    assert counts == {"finished": 6}
    frame = JobDatabase(tmp_path / "jobs.csv").read()
    assert set(frame["status"]) == {"finished"}
    assert frame["id"].notna().all()
    assert set(frame["backend_name"]) == {"local"}
    assert_one_job_per_tile([local_backend], frame)
    assert_index_matches_table(runner)
    for path in frame["result"]:
        assert path.endswith("openEO.nc")
        assert (tmp_path / "results").exists()
    for sequence in statuses_by_tile(updates).values():
        assert sequence[0] == "queued_for_start"  # the intent, saved before the request
        assert sequence[-1] == "finished"
        assert "running" in sequence


def test_parallel_limit_per_backend_and_two_backends(local_backend, make_backend, tmp_path):
    other = make_backend(job_duration=1.0)
    updates = []
    runner = make_runner(
        tmp_path,
        [backend(local_backend.url, "first", 2), backend(other.url, "second", 1)],
        small_grid(4, 2),
        updates=updates,
    )
    most = defaultdict(int)

    def watch(batch):
        updates.extend(batch)
        active = runner.frame[runner.frame["status"].isin(["created", "queued", "running"])]
        for name, n in active.groupby("backend_name").size().items():
            most[name] = max(most[name], n)

    runner.on_update = watch
    assert runner.run(threading.Event()) == {"finished": 8}
    assert dict(most) == {"first": 2, "second": 1}
    assert set(runner.frame["backend_name"]) == {"first", "second"}
    assert len(other.all_jobs()) == (runner.frame["backend_name"] == "second").sum()
    assert_one_job_per_tile([local_backend, other], runner.frame)


def test_status_changes_arrive_within_one_poll_and_never_go_backwards(local_backend, tmp_path):
    local_backend.knobs(job_duration=1.5)
    stamps = []
    runner = make_runner(tmp_path, [backend(local_backend.url, parallel=6)], poll=0.5)
    runner.on_update = lambda batch: stamps.extend((time.monotonic(), u) for u in batch)
    runner.run(threading.Event())
    first_seen = {}
    for t, u in stamps:
        first_seen.setdefault((u.tile_id, u.status), t)
    for tile in runner.frame["tile_id"]:
        # The back-end runs a job for 1.5 s: the GUI sees running → finished within
        # that plus one poll interval (and a little slack for the request itself).
        gap = first_seen[(tile, "finished")] - first_seen[(tile, "running")]
        assert gap < 1.5 + 0.5 + 0.4, (tile, gap)
    for sequence in statuses_by_tile([u for _, u in stamps]).values():
        ranks = [RANK[s] for s in sequence]
        assert ranks == sorted(ranks), sequence


def test_backend_status_going_backwards_is_ignored(local_backend, tmp_path):
    runner = make_runner(tmp_path, [backend(local_backend.url)], small_grid(1, 1))
    runner.run(threading.Event())
    runner.statuses.apply(0, "queued", {})
    runner.statuses.apply(0, "running", {})
    assert runner.frame.at[0, "status"] == "finished"


def test_each_finished_job_is_handled_once(local_backend, tmp_path):
    handled = defaultdict(int)
    runner = make_runner(tmp_path, [backend(local_backend.url, parallel=6)], poll=0.2)
    apply = runner.statuses.apply

    def counted(i, new, info):
        if new == "finished" and runner.frame.at[i, "status"] != "finished":
            handled[runner.frame.at[i, "tile_id"]] += 1
        apply(i, new, info)

    # polling, adopting, launching, canceling and the limits all report a job's status
    # through this one object
    runner.statuses.apply = counted
    runner.run(threading.Event())
    # running again after the end must not handle anything again
    assert runner.run(threading.Event()) == {"finished": 6}
    assert dict(handled) == {t: 1 for t in runner.frame["tile_id"]}
    files = list((tmp_path / "results").rglob("openEO.nc"))
    assert len(files) == 6


def test_create_errors_mark_one_tile_and_the_run_goes_on(local_backend, tmp_path):
    tiles = small_grid(3, 2)
    bad_4xx, bad_5xx = tiles.tile_id.iloc[1], tiles.tile_id.iloc[4]
    local_backend.knobs(reject_titles=[bad_4xx])

    class Broken(JobTemplate):
        def create_job(self, connection, tile, title):
            if tile.tile_id == bad_5xx:
                raise RuntimeError("bug in the template")
            return super().create_job(connection, tile, title)

    runner = make_runner(tmp_path, [backend(local_backend.url)], tiles, template=Broken(*DATES))
    counts = runner.run(threading.Event())
    assert counts == {"finished": 4, "start_failed": 2}
    by_tile = runner.frame.set_index("tile_id")
    assert "refused" in by_tile.at[bad_4xx, "message"]
    assert (
        "400" in by_tile.at[bad_4xx, "message"]
        or "ProcessGraphInvalid" in by_tile.at[bad_4xx, "message"]
    )
    assert "bug in the template" in by_tile.at[bad_5xx, "message"]
    assert_index_matches_table(runner)


def test_server_error_on_create_is_transient_the_tile_waits(local_backend, tmp_path):
    """HTTP 500 on create: looked up (no job made), submitted again once it works."""
    tiles = small_grid(2, 1)
    local_backend.knobs(reject_titles=[tiles.tile_id.iloc[0]], reject_status=500)
    events = []
    runner = make_runner(tmp_path, [backend(local_backend.url)], tiles)
    runner.on_event = events.append
    seen_waiting = threading.Event()

    def watch(batch):
        if any((u.message or "").startswith("waiting") for u in batch):
            seen_waiting.set()
            local_backend.knobs(reject_titles=[])

    runner.on_update = watch
    assert runner.run(threading.Event()) == {"finished": 2}
    assert seen_waiting.is_set()
    titles = [j["title"] for j in local_backend.all_jobs() if runner.run_tag in (j["title"] or "")]
    assert len(titles) == 2


def test_job_error_on_backend_gets_the_log_message(local_backend, tmp_path):
    tiles = small_grid(2, 1)
    local_backend.knobs(error_titles=[tiles.tile_id.iloc[0]])
    runner = make_runner(tmp_path, [backend(local_backend.url)], tiles)
    assert runner.run(threading.Event()) == {"finished": 1, "error": 1}
    assert "Simulated failure" in runner.frame.at[0, "message"]


def test_stop_is_quick_final_and_loses_no_result(local_backend, tmp_path):
    local_backend.knobs(job_duration=1.0)
    log = RequestLog()
    runner = make_runner(
        tmp_path, [backend(local_backend.url, parallel=3, log=log)], small_grid(3, 3), poll=0.3
    )
    thread, stop, _ = run_in_thread(runner)
    deadline = time.monotonic() + 20
    while (runner.frame["status"] == "finished").sum() < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    t0 = time.monotonic()
    stop.set()
    thread.join(2.0)
    assert not thread.is_alive(), "the loop did not end within 2 s"
    assert time.monotonic() - t0 < 2.0
    stopped = time.monotonic()
    time.sleep(1.0)
    assert [e for e in log.after(stopped) if "/results" not in e[2]] == [], "polled after stop"
    # jobs keep running on the back-end
    assert any(j["status"] in ("queued", "running", "finished") for j in local_backend.all_jobs())
    # everything finished so far is saved; a resume downloads what is missing
    saved = JobDatabase(tmp_path / "jobs.csv").read()
    assert (saved["status"] == "finished").sum() >= 2
    again = GridJobRunner(
        runner.db,
        saved,
        runner.template,
        runner.backends,
        policy=RunPolicy(poll_interval=0.3),
        output_dir=tmp_path / "results",
    )
    assert again.run(threading.Event()) == {"finished": 9}
    assert again.frame["result"].notna().all()
    assert_one_job_per_tile([local_backend], again.frame)


def test_after_stop_no_call_begins_and_nothing_that_changes_a_job_is_sent(local_backend, tmp_path):
    """On a busy machine a pool thread may pick up a create just before Stop and send it
    after: once the run has stopped (its gateways halted) no call begins, and a call
    already running sends nothing more (no job made, no poll); a download still finishes."""
    local_backend.knobs(job_duration=0.3, queue_time=0.0)
    runner = make_runner(tmp_path, [backend(local_backend.url)], small_grid(1, 1))
    gateway = runner.gateways["local"]
    gateway.connect()
    tile = next(iter(runner.extents.values()))

    def titled(title):
        return [j for j in local_backend.all_jobs() if j["title"] == title]

    finished_id = gateway.create(runner.template, tile, "halt test: finished")
    gateway.start(finished_id)
    wait_until(lambda: titled("halt test: finished")[0]["status"] == "finished")

    gateway.halt()
    with pytest.raises(CallFailed, match="the run stopped"):
        gateway.create(runner.template, tile, "halt test: after stop")

    gateway.resume()

    def create_while_stopping(connection):
        gateway.halt()  # Stop arrives while the call is under way, before its POST
        return runner.template.create_job(connection, tile, "halt test: under way")

    with pytest.raises(CallFailed, match="not sent, the run stopped: POST"):
        gateway.call(create_while_stopping)
    assert titled("halt test: after stop") == []
    assert titled("halt test: under way") == []

    def poll_while_stopping(connection):
        gateway.halt()
        return connection.list_jobs()

    gateway.resume()
    with pytest.raises(CallFailed, match="not sent, the run stopped: GET"):
        gateway.call(poll_while_stopping)

    files = gateway.download(finished_id, tmp_path / "after-stop")
    assert files
    assert all(f.stat().st_size > 0 for f in files)


def test_resume_adopts_jobs_missing_from_the_table(local_backend, tmp_path):
    """A job created on the back-end just before a crash (table not saved) is not duplicated."""
    runner = make_runner(tmp_path, [backend(local_backend.url, parallel=6)], small_grid(2, 2))
    con = runner.backends[0].connect()
    tile = runner.frame.at[0, "tile_id"]
    orphan = runner.template.create_job(
        con, runner.extents[tile], runner.template.job_title(tile, runner.run_tag)
    )
    orphan.start()
    assert runner.frame.at[0, "status"] == "not_started"
    before = {j["id"] for j in local_backend.all_jobs()}
    runner.run(threading.Event())
    assert runner.frame.at[0, "id"] == orphan.job_id
    created = {j["id"] for j in local_backend.all_jobs()} - before
    assert len(created) == 3  # only the three other tiles


def test_retry_failed_resubmits_only_failed_tiles(local_backend, tmp_path):
    tiles = small_grid(3, 1)
    local_backend.knobs(error_titles=[tiles.tile_id.iloc[0]], reject_titles=[tiles.tile_id.iloc[1]])
    runner = make_runner(tmp_path, [backend(local_backend.url)], tiles)
    assert runner.run(threading.Event()) == {"error": 1, "start_failed": 1, "finished": 1}
    finished_id = runner.frame.at[2, "id"]
    local_backend.knobs(error_titles=[], reject_titles=[])
    before = len(local_backend.all_jobs())
    assert reset_failed(runner.frame) == [0, 1]
    assert runner.run(threading.Event()) == {"finished": 3}
    assert len(local_backend.all_jobs()) == before + 2
    assert runner.frame.at[2, "id"] == finished_id
    assert_one_job_per_tile([local_backend], runner.frame)


def test_cancel_selected_jobs(local_backend, tmp_path):
    local_backend.knobs(job_duration=30)
    runner = make_runner(tmp_path, [backend(local_backend.url, parallel=4)], small_grid(2, 2))
    thread, _, _ = run_in_thread(runner)
    deadline = time.monotonic() + 10
    while not runner.frame["status"].eq("running").all() and time.monotonic() < deadline:
        time.sleep(0.05)
    runner.request_cancel([0, 1])
    deadline = time.monotonic() + 5
    while (runner.frame["status"] == "canceled").sum() < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(runner.frame["status"]) == ["canceled", "canceled", "running", "running"]
    runner.request_cancel(None)
    thread.join(5)
    assert not thread.is_alive()
    assert set(runner.frame["status"]) == {"canceled"}
    statuses = {j["id"]: j["status"] for j in local_backend.all_jobs()}
    assert {statuses[i] for i in runner.frame["id"]} == {"canceled"}


def test_no_backend_or_bad_connection_is_a_run_error(local_backend, tmp_path):
    with pytest.raises(RunError, match="at least one"):
        make_runner(tmp_path, [])
    runner = make_runner(tmp_path, [backend("http://127.0.0.1:9")], small_grid(1, 1))
    with pytest.raises(RunError, match="Cannot reach"):
        runner.run(threading.Event())


def test_custom_process_graph_gets_the_tile_extent(connection, local_backend, tmp_path):
    graph = {
        "load": {
            "process_id": "load_collection",
            "arguments": {
                "id": "SENTINEL2_L2A",
                "bands": ["B04"],
                "spatial_extent": None,
                "temporal_extent": None,
            },
        },
        "save": {
            "process_id": "save_result",
            "arguments": {"data": {"from_node": "load"}, "format": "GTiff"},
            "result": True,
        },
    }
    template = JobTemplate(*DATES, process="process_graph", process_graph=graph)
    runner = make_runner(
        tmp_path, [backend(local_backend.url)], small_grid(1, 1), template=template
    )
    assert runner.run(threading.Event()) == {"finished": 1}
    process = connection.job(runner.frame.at[0, "id"]).describe()["process"]["process_graph"]
    extent = process["load"]["arguments"]["spatial_extent"]
    assert extent == {
        "west": 595000,
        "south": 5660000,
        "east": 600000,
        "north": 5665000,
        "crs": 32631,
    }
    assert runner.frame.at[0, "result"].endswith(".tif")


def test_udp_template_sends_extent_to_the_process(connection, local_backend, tmp_path):
    template = JobTemplate(*DATES, process="udp", udp_id="my_ndvi")
    tiles = small_grid(1, 1)
    frame = frame_from_tiles(tiles, *DATES)
    runner = GridJobRunner(
        JobDatabase(tmp_path / "j.csv"), frame, template, [backend(local_backend.url)]
    )
    job = template.create_job(connection, runner.extents[tiles.tile_id.iloc[0]], "tag")
    graph = job.describe()["process"]["process_graph"]
    (udp,) = [n for n in graph.values() if n["process_id"] == "my_ndvi"]
    assert udp["arguments"]["spatial_extent"]["crs"] == 32631
    assert udp["arguments"]["temporal_extent"] == list(DATES)


def test_results_that_cannot_be_written_wait_for_the_disk(local_backend, tmp_path):
    """A results folder that cannot be written does not use up the downloads' tries:
    said once, the run goes on tracking and the downloads wait; once the folder can be
    written, every result lands and the run ends."""
    events = []
    runner = make_runner(tmp_path, [backend(local_backend.url)], small_grid(2, 1))
    runner.policy = replace(runner.policy, disk_retry=0.5, download_attempts=1)
    runner.on_event = events.append
    tries = []
    results = runner.results
    on_download = results.on_download
    results.on_download = lambda i, path, failure: (tries.append(i), on_download(i, path, failure))
    runner.output_dir.parent.mkdir(parents=True, exist_ok=True)
    runner.output_dir.write_text("a file where the results folder should be")
    thread, _, result = run_in_thread(runner)
    # each download tried more often than download_attempts allows for other failures
    wait_until(lambda: len(tries) >= 6, timeout=30)
    assert thread.is_alive(), "the run ended without its results"
    assert runner.frame["result"].isna().all()
    assert all("download failed" in m for m in runner.frame["message"])
    said = [e.message for e in events if "Cannot write results" in e.message]
    assert len(said) == 1
    runner.output_dir.unlink()  # the disk is free again
    thread.join(30)
    assert not thread.is_alive(), "the run never ended"
    assert result == {"finished": 2}
    assert runner.frame["result"].notna().all()
    assert any("written in" in e.message and "again" in e.message for e in events)


def test_preflight_validation_stops_an_unknown_collection_before_any_job(local_backend, tmp_path):
    before = len(local_backend.all_jobs())
    template = JobTemplate(*DATES, collection="SENTINEL9_NOPE")
    runner = make_runner(tmp_path, [backend(local_backend.url)], template=template)
    with pytest.raises(RunError, match="Collection 'SENTINEL9_NOPE' does not exist"):
        runner.run(threading.Event())
    assert len(local_backend.all_jobs()) == before
    assert set(JobDatabase(tmp_path / "jobs.csv").read()["status"]) == {"not_started"}


def test_same_first_failures_skip_the_rest_with_the_reason(local_backend, tmp_path):
    """An unknown band passes validation here but fails every job: after the first
    three, the remaining tiles are not submitted."""
    events = []
    template = JobTemplate(*DATES, bands=["B04", "B99"])
    runner = make_runner(
        tmp_path, [backend(local_backend.url, parallel=3)], small_grid(4, 3), template=template
    )
    runner.on_event = events.append
    counts = runner.run(threading.Event())
    assert counts == {"error": 3, "skipped": 9}
    skipped = runner.frame[runner.frame["status"] == "skipped"]
    assert skipped["message"].str.contains("B99").all()
    assert skipped["id"].isna().all()
    assert any("first 3 jobs all failed" in e.message for e in events)
    assert_index_matches_table(runner)
    assert reset_failed(runner.frame) == list(range(12))  # Retry failed takes them all


def test_every_thread_of_a_run_keeps_its_connection_open(local_backend):
    """Each back-end session keeps as many connections for reuse as a run has threads
    calling that back-end (launch, poll, download): requests keeps 10, and a request
    beyond that opened a connection closed after one use (a TCP and TLS handshake)."""
    gateway = BackendGateway(backend(local_backend.url))
    gateway.connect()
    session = gateway.call(lambda connection: connection.session)
    policy = RunPolicy()
    threads = policy.launch_threads + 2 + policy.download_threads
    for url in (local_backend.url, "https://openeo.example.org/"):
        assert session.get_adapter(url)._pool_maxsize >= threads


def test_a_job_pushed_onto_the_next_page_while_listing_is_listed_once(
    local_backend, tmp_path, monkeypatch
):
    """Pages count from the newest job: a job made while the listing is paged pushes
    the last job of page 1 onto page 2, which lists it again. Taken twice, it looked
    like a duplicate of itself and the run deleted the tile's only job (seen in the
    makespan benchmark under faults: tiles finished whose job was gone)."""
    import openeo
    from openeo_grid_jobs.core.run import gateway as gateway_module
    from openeo_grid_jobs.core.run.runner import Backend

    monkeypatch.setattr(gateway_module, "PAGE_SIZE", 5)
    # a user of its own (the local back-end lets <vowel name> in with <name>123): the
    # other tests' jobs stay out of its listing
    local_backend.seed_jobs(8, user_id="ursula", title_prefix="older")
    url = local_backend.url
    gateway = BackendGateway(
        Backend("local", lambda: openeo.connect(url).authenticate_basic("ursula", "ursula123"), 2)
    )
    gateway.connect()
    get, made = openeo.Connection.get, []

    def get_then_make_a_job(self, path, *args, **kwargs):
        answer = get(self, path, *args, **kwargs)
        if "/jobs?" in str(path) and not made:  # after page 1: a new job, as a run would
            made.append(
                self.create_job(
                    {"p": {"process_id": "add", "arguments": {"x": 1, "y": 2}, "result": True}},
                    title="made meanwhile",
                ).job_id
            )
        return answer

    monkeypatch.setattr(openeo.Connection, "get", get_then_make_a_job)
    listing = gateway.list_jobs()
    ids = [job["id"] for job in listing.jobs]
    assert made  # the listing really shifted under it
    assert len(ids) == len(set(ids)) == 8
    assert listing.complete
    mine = {j["id"] for j in local_backend.all_jobs() if j["user_id"] == "ursula"}
    assert set(ids) == mine - set(made)


def test_a_freed_slot_is_refilled_when_its_job_should_end_not_a_poll_later(local_backend, tmp_path):
    """Polled every 60 s, one job at a time: the first job is looked at 2 s after its
    start, the next ones when the first one's time says they end. Three jobs one after
    the other take seconds, not three poll intervals."""
    from openeo_grid_jobs.core.run.polling import next_check

    local_backend.knobs(job_duration=1.0, queue_time=0.1)
    runner = make_runner(
        tmp_path, [backend(local_backend.url, parallel=1)], small_grid(3, 1), poll=60.0
    )
    t0 = time.monotonic()
    assert runner.run(threading.Event()) == {"finished": 3}
    assert time.monotonic() - t0 < 30, "a finished job waited for the next regular poll"
    assert len(runner.state.durations) >= 2
    # when a job is looked at: before any job ended, at ages 2, 4, 8 s...; after, at its
    # expected end, then ever more slowly while it is late
    assert [next_check(100.0, None, t) for t in (0, 102, 104.5)] == [102.0, 104.0, 108.0]
    assert next_check(100.0, 3.0, 0) == pytest.approx(103.05)
    assert next_check(100.0, 3.0, 103.05) == pytest.approx(103.3)
    assert next_check(100.0, 3.0, 103.3) == pytest.approx(104.05)


def test_before_any_job_has_ended_its_end_is_expected_from_its_progress(local_backend, tmp_path):
    """One 5 s job, polled every 60 s: without a finished job's time, it would be looked
    at ages 2, 4 and 8 s. Its progress at the look at 2 s (about 40 %) says it ends near
    5 s: it is looked at then, not 3 s after it ended."""
    from helpers.runs import RequestLog

    local_backend.knobs(job_duration=5.0, queue_time=0.1)
    log = RequestLog()
    runner = make_runner(
        tmp_path, [backend(local_backend.url, parallel=1, log=log)], small_grid(1, 1), poll=60.0
    )
    assert runner.run(threading.Event()) == {"finished": 1}
    started = next(t for t, method, url in log.entries if url.endswith("/results"))
    listings = [t - started for t, method, url in log.entries if "/jobs?" in url and t > started]
    assert listings, log.entries
    assert listings[-1] < 7.0, listings  # the listing that saw it finished: before age 8
    assert_one_job_per_tile([local_backend], runner.frame)


def test_a_jobs_end_is_narrowed_by_what_the_run_saw():
    """The back-end says 12:00:10 (the end is within that second); the run saw the job
    unfinished at :10.6 and learnt it had ended by :10.9: it ended about :10.75."""
    from openeo_grid_jobs.core.jobs.rows import parse_time
    from openeo_grid_jobs.core.run.statuses import job_end

    second = parse_time("2024-05-01T12:00:10Z")
    assert job_end("2024-05-01T12:00:10Z", second + 0.6, second + 0.9) == pytest.approx(
        second + 0.75
    )
    # nothing seen before: the second, cut where the run learnt of the end
    assert job_end("2024-05-01T12:00:10Z", None, second + 0.4) == pytest.approx(second + 0.2)
    assert job_end("2024-05-01T12:00:10Z", None, second + 5) == pytest.approx(second + 0.5)
    # fractions from the back-end: its own word
    assert job_end("2024-05-01T12:00:10.25Z", second, second + 1) == pytest.approx(second + 0.25)
    # a back-end clock 3 s behind ours: the run's own bounds
    assert job_end("2024-05-01T12:00:10Z", second + 3.2, second + 3.6) == pytest.approx(
        second + 3.4
    )
