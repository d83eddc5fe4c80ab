"""What is at a back-end's URL, apart from the login: is it there, is it openEO, what is it.

Opening a connection asks the version discovery first (:func:`check_available`)
and turns an error answer to the capabilities request into the user's words
(:func:`refusal`); :func:`describe` sums up a connected back-end for "Test
connection". They read the openEO API's discovery and capabilities documents and
speak about the URL, not the account, which is why they are apart from the login
in :mod:`.backend`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from ..definitions import DEFAULT_COLLECTION
from ..errors import BackendConnectionError

if TYPE_CHECKING:
    import openeo
    import requests


class BackendInfo(NamedTuple):
    title: str
    api_version: str
    has_collection: bool
    user: str | None


def check_available(session: requests.Session, url: str, host: str, timeout: float) -> int:
    """Refuse a back-end that says "not now" to its version discovery; the status of
    its answer.

    The openeo client swallows a failed ``/.well-known/openeo`` and goes on with the
    URL as given (no API version in it): during a deploy that makes a connection
    whose every later request is a 404. Here a 5xx/429 is a transient failure
    instead, tried again by the run; a 404 (no discovery document) is fine as long
    as the URL itself is an openEO API (see :func:`refusal`).
    """
    response = session.get(_discovery_url(url), timeout=timeout)
    if response.status_code == 429 or response.status_code >= 500:
        raise BackendConnectionError(
            f"{host} is not available right now (HTTP {response.status_code}); try again later.",
            response.status_code,
        )
    return response.status_code


def _discovery_url(url: str) -> str:
    return url.rstrip("/") + "/.well-known/openeo"


#: answers to the capabilities request that mean "no openEO API at this URL"
_NOT_THERE = frozenset({400, 404, 405, 406, 410, 501})


def refusal(
    url: str, host: str, discovery: int | None, exc: openeo.rest.OpenEoApiPlainError
) -> BackendConnectionError:
    """What an error answer to the capabilities request means, in the user's words.

    A web server that is not an openEO back-end (404 everywhere) is told as such,
    with where we looked, and without a status: a wrong URL is not worth the patience
    a run has with a back-end that answers "not now". A busy one is "not available
    right now" (with its status: a run tries again); anything else comes with the
    back-end's own message, cut short (a plain web server's error page is HTML).
    """
    from openeo.rest import OpenEoApiError

    status = exc.http_status_code
    if status in _NOT_THERE:
        root = url.rstrip("/") + "/"
        if discovery == 200:
            where = f"its {_discovery_url(url)} names an API that answers HTTP {status}"
        elif discovery == status:
            where = f"no openEO API there: HTTP {status} at {_discovery_url(url)} and at {root}"
        else:
            where = (
                f"no openEO API there: HTTP {discovery} at {_discovery_url(url)}, "
                f"HTTP {status} at {root}"
            )
        return BackendConnectionError(
            f"{url} does not look like an openEO back-end ({where}). Check the URL."
        )
    if status is not None and (status == 429 or status >= 500):
        return BackendConnectionError(
            f"{host} is not available right now (HTTP {status}); try again later.", status
        )
    detail = str(exc)[:300] if isinstance(exc, OpenEoApiError) else f"HTTP {status}"
    return BackendConnectionError(f"{url} refused the connection: {detail}", status)


def describe(connection: openeo.Connection, collection: str = DEFAULT_COLLECTION) -> BackendInfo:
    """What "Test connection" shows: title, API version, the collection, who we are."""
    from openeo.rest.auth.auth import NullAuth

    capabilities = connection.capabilities()
    user = None
    if connection.auth is not None and not isinstance(connection.auth, NullAuth):
        account = connection.describe_account()
        user = account.get("name") or account.get("user_id")
    return BackendInfo(
        title=capabilities.get("title") or connection.root_url,
        api_version=capabilities.api_version() or "?",
        has_collection=collection in connection.list_collection_ids(),
        user=user,
    )
