"""The HTTP adapters every back-end session mounts, and how their network faults read.

Both the login (:mod:`.backend`) and the run's calls (:mod:`.gateway`) mount
these adapters, so the retry rule (bounded, idempotent requests only) is written
once. It lives apart from the login because it is about requests and urllib3, not
openEO; ``requests`` is imported only when a session is made.
"""

from __future__ import annotations

#: transport-level retries of idempotent requests (connection faults, 429/502/503/504)
TRANSPORT_RETRIES = 2
#: open connections kept per host for reuse: more than a run's threads on one back-end
#: (launch, poll and download threads). requests keeps 10; a run's 11th concurrent
#: request opened a connection that was closed after one use ("Connection pool is
#: full, discarding connection"), a TCP (and TLS) handshake each time.
POOL_SIZE = 32


def retrying_adapter(cls=None):
    """An HTTP adapter with the openeo client's retry settings, bounded, for idempotent
    requests only: a job-creating POST is never repeated behind the run's back (a
    second POST after a lost answer would make a second job)."""
    from openeo.utils.http import retry_configuration
    from requests.adapters import HTTPAdapter

    retry = retry_configuration(
        total=TRANSPORT_RETRIES,
        backoff_factor=0.5,
        allowed_methods=frozenset({"GET", "HEAD", "DELETE"}),
        status_forcelist=frozenset({429, 500, 502, 503, 504}),
        raise_on_status=False,  # the last answer's status reaches the client as an error
    )
    return (cls or HTTPAdapter)(max_retries=retry, pool_maxsize=POOL_SIZE)


def unverified_adapter():
    """An HTTPS adapter that skips certificate checks, for the explicit opt-out only.

    ``session.verify = False`` is not enough: requests lets ``REQUESTS_CA_BUNDLE``
    or ``CURL_CA_BUNDLE`` from the environment override it (psf/requests#3829).
    """
    from requests.adapters import HTTPAdapter

    class UnverifiedAdapter(HTTPAdapter):
        def send(self, request, *args, **kwargs):
            kwargs["verify"] = False
            return super().send(request, *args, **kwargs)

    return retrying_adapter(UnverifiedAdapter)


def network_errors() -> tuple[type[BaseException], ...]:
    """The exceptions of a lost connection, for an ``except`` (a function: requests is
    imported only when asked)."""
    import requests

    return (requests.exceptions.RequestException,)


def reason(exc: BaseException) -> str:
    """The part of a requests error a user can read (urllib3 nests the cause in reprs)."""
    text = str(exc)
    for marker in ("Failed to establish a new connection:", "Read timed out", "Name or service"):
        if marker in text:
            return text[text.index(marker) :].split("'))")[0].rstrip(")")
    return text[:200]
