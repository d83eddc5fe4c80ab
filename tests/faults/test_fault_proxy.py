"""The fault-injecting proxy, in front of the real local back-end, with plain clients."""

from __future__ import annotations

import json
import socket
import struct
import subprocess
import sys
import time
import uuid

import openeo
import pytest
import requests
from openeo.rest import OpenEoApiError

from devtools.fault_proxy import READY_PREFIX, FaultProxy
from devtools.faults import Decision, Faults
from devtools.local_backend.launcher import PASSWORD, REPO_ROOT, USERNAME

JOBS = r"/jobs$"  # POST /openeo/1.2/jobs: create a job


@pytest.fixture
def proxy(local_backend):
    """A fault proxy in front of the session's back-end, faultless until told."""
    with FaultProxy(local_backend.url, seed=1) as p:
        yield p


@pytest.fixture
def pcon(proxy):
    """An openeo connection through the proxy (no client retries), logged in as alice."""
    return openeo.connect(proxy.url, retry=False).authenticate_basic(USERNAME, PASSWORD)


def unique_title(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def create_job(con, title: str):
    cube = con.load_collection(
        "SENTINEL2_L2A",
        spatial_extent={"west": 4.40, "south": 51.10, "east": 4.41, "north": 51.11},
        temporal_extent=["2024-05-01", "2024-05-03"],
        bands=["B04", "B08"],
        fetch_metadata=False,
    )
    # no validation request first: POST /jobs is the only POST
    return cube.ndvi().create_job(title=title, out_format="GTiff", validate=False)


def titles_on_backend(local_backend) -> set[str]:
    return {j["title"] for j in local_backend.all_jobs()}


def wait_until(condition, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return bool(condition())


def plain_session() -> requests.Session:
    return requests.Session()  # requests' own default: no retries


# --- decisions ------------------------------------------------------------------------


def test_seed_reproduces_the_decisions(local_backend):
    faults = Faults(error_5xx=0.3, rate_429=0.2, reset=0.1, delay=0.3, max_delay=0.01)

    def run(seed: int) -> tuple[list, list]:
        outcomes = []
        with FaultProxy(local_backend.url, faults, seed=seed) as p, plain_session() as s:
            for _ in range(25):
                try:
                    outcomes.append(s.get(p.url + "/openeo/1.2/", timeout=5).status_code)
                except requests.ConnectionError:
                    outcomes.append("reset")
            decisions = [(d["fault"], d["status"], d["delay"]) for d in p.decisions()]
        return outcomes, decisions

    first, again, other = run(7), run(7), run(8)
    assert first == again
    assert first != other
    outcomes, decisions = first
    assert {d[0] for d in decisions} >= {None, "error_5xx", "rate_429", "reset"}
    assert outcomes.count("reset") == sum(d[0] == "reset" for d in decisions)


def test_decisions_ignore_requests_the_faults_do_not_apply_to(local_backend):
    """Only matching requests draw from the generator: the other traffic in between
    does not change what the matching ones get."""
    faults = Faults(error_5xx=0.5, methods={"POST"}, paths=JOBS)
    with (
        FaultProxy(local_backend.url, faults, seed=3) as a,
        FaultProxy(local_backend.url, faults, seed=3) as b,
    ):
        plain = [a.decide("POST", "/openeo/1.2/jobs") for _ in range(20)]
        mixed = []
        for _ in range(20):
            assert b.decide("GET", "/openeo/1.2/jobs") == Decision()
            assert b.decide("POST", "/openeo/1.2/jobs/j-1/results") == Decision()
            mixed.append(b.decide("POST", "/openeo/1.2/jobs"))
    assert plain == mixed
    assert {d.fault for d in plain} == {None, "error_5xx"}


def test_faults_are_validated():
    with pytest.raises(ValueError, match="at most 1"):
        Faults(error_5xx=0.6, reset=0.6)
    with pytest.raises(ValueError, match="fraction"):
        Faults(delay=2)
    with pytest.raises(ValueError, match="unknown"):
        Faults.from_dict({"error5xx": 0.1})


@pytest.mark.parametrize(
    "upstream", ["http://example.com:8080", "http://10.0.0.1", "https://127.0.0.1:1", "ftp://x"]
)
def test_refuses_anything_but_a_loopback_http_upstream(upstream):
    with pytest.raises(ValueError, match="upstream must be"):
        FaultProxy(upstream)


# --- forwarding -----------------------------------------------------------------------


def test_forwards_and_points_urls_at_itself(local_backend, proxy, pcon):
    """Discovery, Location headers, pagination links and asset hrefs name the proxy, so
    a client never leaves it."""
    assert pcon.root_url.startswith(proxy.url)
    job = create_job(pcon, unique_title("through proxy"))
    job.start()
    assert wait_until(lambda: job.status() == "finished", timeout=20)
    (asset,) = job.get_results().get_assets()
    assert asset.href.startswith(proxy.url + "/")
    data = requests.get(
        asset.href, headers={"Authorization": f"Bearer {pcon.auth.bearer}"}, timeout=10
    )
    assert data.status_code == 200
    assert data.content[:4] in (b"II*\x00", b"MM\x00*")  # a GeoTIFF, byte for byte

    local_backend.seed_jobs(3, user_id="ines")
    ines = openeo.connect(proxy.url, retry=False).authenticate_basic("ines", "ines123")
    page = ines.list_jobs(limit=2)
    (link,) = page.links
    assert link.rel == "next"
    assert link.href.startswith(proxy.url + "/")
    rest = requests.get(
        link.href, headers={"Authorization": f"Bearer {ines.auth.bearer}"}, timeout=10
    ).json()
    assert len(page) + len(rest["jobs"]) == 3
    stats = proxy.stats()
    assert stats["forwarded"] == stats["requests"] > 0
    assert stats["by_method"]["POST"]["forwarded"] >= 2  # login is GET; create and start


def test_upstream_down_gives_502(local_backend):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        free_port = s.getsockname()[1]
    with FaultProxy(f"http://127.0.0.1:{free_port}") as p:
        answer = requests.get(p.url + "/openeo/1.2/", timeout=5)
        assert answer.status_code == 502
        assert p.stats()["upstream_error"] == 1


# --- fault kinds ----------------------------------------------------------------------


def test_error_5xx_without_forwarding(local_backend, proxy):
    proxy.set_faults(Faults(error_5xx=1.0))
    statuses = set()
    with plain_session() as s:
        for _ in range(30):
            answer = s.get(proxy.url + "/openeo/1.2/", timeout=5)
            assert answer.json()["code"] == "ServiceUnavailable"
            assert "injected" in answer.json()["message"]
            statuses.add(answer.status_code)
    assert statuses == {500, 502, 503}
    stats = proxy.stats()
    assert stats["error_5xx"] == 30
    assert stats["forwarded"] == 0


def test_error_5xx_on_create_means_no_job(local_backend, proxy, pcon):
    proxy.set_faults(Faults(error_5xx=1.0, methods={"POST"}, paths=JOBS))
    title = unique_title("5xx")
    with pytest.raises(OpenEoApiError) as info:
        create_job(pcon, title)
    assert info.value.http_status_code in (500, 502, 503)
    assert title not in titles_on_backend(local_backend)


def test_rate_limit_429_carries_retry_after(local_backend, proxy):
    proxy.set_faults(Faults(rate_429=1.0))
    answer = requests.get(proxy.url + "/openeo/1.2/", timeout=5)
    assert answer.status_code == 429
    assert answer.headers["Retry-After"] == "1"
    assert answer.json()["code"] == "TooManyRequests"
    proxy.set_faults(Faults(rate_429=1.0, retry_after=0.5))
    assert requests.get(proxy.url + "/openeo/1.2/", timeout=5).headers["Retry-After"] == "0.5"
    assert proxy.stats()["rate_429"] == 2
    assert proxy.stats()["forwarded"] == 0


def test_reset_before_forwarding_means_no_job(local_backend, proxy, pcon):
    proxy.set_faults(Faults(reset=1.0, methods={"POST"}, paths=JOBS))
    title = unique_title("reset")
    with pytest.raises(requests.ConnectionError):
        create_job(pcon, title)
    assert pcon.list_jobs(limit=5) is not None  # GETs pass
    time.sleep(0.2)
    assert title not in titles_on_backend(local_backend)
    stats = proxy.stats()
    assert stats["reset"] == 1
    assert stats["by_method"]["POST"]["forwarded"] == 0


def test_lost_answer_means_the_job_exists_but_the_client_never_learns(local_backend, proxy, pcon):
    proxy.set_faults(Faults(lost_answer=1.0, methods={"POST"}, paths=JOBS))
    title = unique_title("lost answer")
    with pytest.raises(requests.ConnectionError):
        create_job(pcon, title)
    assert title in titles_on_backend(local_backend)  # the back-end answered before
    (job,) = [j for j in pcon.list_jobs(limit=None) if j.get("title") == title]
    assert job["status"] == "created"
    stats = proxy.stats()
    assert stats["lost_answer"] == 1
    assert stats["by_method"]["POST"]["forwarded"] == 1


def test_delay_holds_requests_back(local_backend, proxy):
    proxy.set_faults(Faults(delay=1.0, max_delay=0.3, methods={"GET"}))
    started = time.monotonic()
    for _ in range(3):
        assert requests.get(proxy.url + "/openeo/1.2/", timeout=5).status_code == 200
    elapsed = time.monotonic() - started
    delays = [d["delay"] for d in proxy.decisions()]
    assert len(delays) == 3
    assert all(0 <= d <= 0.3 for d in delays)
    assert elapsed >= sum(delays)
    assert proxy.stats()["delay"] == sum(1 for d in delays if d)


def test_delayed_create_is_forwarded_after_the_client_died(local_backend, proxy, pcon):
    """A slow endpoint: the client is gone (killed) before the request reaches the
    back-end, which still gets it and creates the job, as a real server would."""
    proxy.set_faults(Faults(delay=1.0, max_delay=1.0, methods={"POST"}, paths=JOBS), seed=1)
    title = unique_title("orphan")
    graph = {
        "load": {
            "process_id": "load_collection",
            "arguments": {"id": "SENTINEL2_L2A", "spatial_extent": None, "temporal_extent": None},
        },
        "save": {
            "process_id": "save_result",
            "arguments": {"data": {"from_node": "load"}, "format": "GTiff"},
            "result": True,
        },
    }
    body = json.dumps({"title": title, "process": {"process_graph": graph}}).encode()
    port = int(proxy.url.rsplit(":", 1)[1])
    request = (
        b"POST /openeo/1.2/jobs HTTP/1.1\r\n"
        b"Host: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + f"Authorization: Bearer {pcon.auth.bearer}\r\n".encode()
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    client = socket.create_connection(("127.0.0.1", port))
    client.sendall(request)
    time.sleep(0.1)
    # die like a killed process with unread data: the kernel resets the connection
    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    client.close()
    decision = proxy.decisions()[-1]
    assert decision["path"] == "/openeo/1.2/jobs"
    assert decision["delay"] > 0.5  # seed 1: 0.764 s
    assert title not in titles_on_backend(local_backend)  # still held back
    assert wait_until(lambda: title in titles_on_backend(local_backend), timeout=5)
    assert wait_until(lambda: proxy.stats()["undelivered"] == 1, timeout=2)
    assert proxy.stats()["by_method"]["POST"]["forwarded"] == 1


def test_outage_for_posts_lets_gets_through(local_backend, proxy, pcon):
    proxy.outage(60, methods={"POST"})
    with pytest.raises(OpenEoApiError) as info:
        create_job(pcon, unique_title("outage"))
    assert info.value.http_status_code == 503
    assert isinstance(pcon.list_jobs(limit=5), list)
    assert pcon.describe_account()["user_id"] == USERNAME
    proxy.end_outage()
    job = create_job(pcon, unique_title("after outage"))
    assert job.status() == "created"
    assert proxy.stats()["outage"] == 1


def test_outage_ends_by_the_clock_and_can_reset(local_backend):
    now = [100.0]
    with FaultProxy(local_backend.url, clock=lambda: now[0]) as p:
        p.outage(5, status=None)  # every request: connection reset
        with pytest.raises(requests.ConnectionError):
            requests.get(p.url + "/openeo/1.2/", timeout=5)
        now[0] += 4.9
        with pytest.raises(requests.ConnectionError):
            requests.get(p.url + "/openeo/1.2/", timeout=5)
        now[0] += 0.2
        assert requests.get(p.url + "/openeo/1.2/", timeout=5).status_code == 200
        assert p.stats()["outage"] == 2


def test_local_helpers_are_never_faulted(local_backend, proxy):
    proxy.set_faults(Faults(error_5xx=0.5, reset=0.5))
    proxy.outage(60)
    with plain_session() as s:
        for _ in range(10):
            answer = s.get(proxy.url + "/_local/jobs", timeout=5)
            assert answer.status_code == 200
            assert isinstance(answer.json(), list)
    assert proxy.decisions() == []
    assert proxy.stats()["forwarded"] == 10


# --- control ----------------------------------------------------------------------------


def test_control_api_on_the_proxy(local_backend, proxy):
    answer = requests.post(
        proxy.url + "/_proxy/faults",
        json={"rate_429": 1.0, "methods": ["get"], "paths": "^/openeo/"},
        timeout=5,
    )
    assert answer.status_code == 200
    assert answer.json()["methods"] == ["GET"]
    assert proxy.faults == Faults(rate_429=1.0, methods={"GET"}, paths="^/openeo/")
    assert requests.get(proxy.url + "/openeo/1.2/", timeout=5).status_code == 429
    assert requests.get(proxy.url + "/.well-known/openeo", timeout=5).status_code == 200
    bad = requests.post(proxy.url + "/_proxy/faults", json={"reset": 3}, timeout=5)
    assert bad.status_code == 400
    stats = requests.get(proxy.url + "/_proxy/stats", timeout=5).json()
    assert stats == proxy.stats()
    assert stats["requests"] == 2
    assert stats["rate_429"] == 1
    assert stats["forwarded"] == 1
    assert stats["by_method"]["GET"]["rate_429"] == 1
    requests.post(proxy.url + "/_proxy/outage", json={"seconds": 30, "status": 502}, timeout=5)
    assert requests.get(proxy.url + "/.well-known/openeo", timeout=5).status_code == 502
    requests.post(proxy.url + "/_proxy/end_outage", timeout=5)
    assert requests.get(proxy.url + "/.well-known/openeo", timeout=5).status_code == 200
    assert requests.post(proxy.url + "/_proxy/reset_stats", timeout=5).json()["requests"] == 0


def test_stop_is_quick_with_requests_held_back(local_backend):
    p = FaultProxy(local_backend.url, Faults(delay=1.0, max_delay=30.0), seed=0)
    client = socket.create_connection(("127.0.0.1", int(p.url.rsplit(":", 1)[1])))
    client.sendall(b"GET /openeo/1.2/ HTTP/1.1\r\nHost: x\r\n\r\n")
    assert wait_until(lambda: p.stats()["delay"] == 1, timeout=2)
    started = time.monotonic()
    p.stop()
    assert time.monotonic() - started < 1.0
    client.close()
    with pytest.raises(requests.ConnectionError):
        requests.get(p.url + "/openeo/1.2/", timeout=2)


def test_command_line(local_backend):
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "devtools.fault_proxy",
            "--upstream",
            local_backend.url,
            "--seed",
            "4",
            "--error-5xx",
            "1",
            "--methods",
            "POST",
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        assert line.startswith(READY_PREFIX)
        url = line[len(READY_PREFIX) :].strip()
        assert requests.get(url + "/openeo/1.2/", timeout=5).status_code == 200
        assert requests.post(url + "/openeo/1.2/jobs", json={}, timeout=5).status_code in (
            500,
            502,
            503,
        )
    finally:
        process.terminate()
        assert process.wait(5) == 0
