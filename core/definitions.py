"""Names the plugin stores or shows in more than one place, defined once.

The enums are ``str`` enums whose values are exactly the strings already stored
in job databases (CSV/Parquet, shared with openEO's ``MultiBackendJobManager``),
in QgsSettings and in project files: a member compares, hashes, formats and
serialises as its value, so switching code from bare strings to members changes
nothing on disk.
"""

from __future__ import annotations

from enum import Enum, unique

#: shown in the dock title, message bar titles, the log tab and Processing
PLUGIN_NAME = "openEO Grid Jobs"

#: seconds between two status polls of a back-end, unless the run says otherwise; the
#: one default of the run policy, the run settings, the CLI, Processing and the dock
DEFAULT_POLL_INTERVAL = 5.0

#: batch jobs at once on one back-end, unless its connection says otherwise; the one
#: default of a back-end's config, the run's gateway, the CLI and the dock's connections
DEFAULT_PARALLEL_JOBS = 2

#: the seed notebook's job: the collection it loads, its red and near-infrared bands and
#: its summer (the end is exclusive); the one default of the job template, the dock's
#: Job tab and Processing
DEFAULT_COLLECTION = "SENTINEL2_L2A"
DEFAULT_BANDS: tuple[str, ...] = ("B04", "B08")
DEFAULT_START = "2024-05-01"
DEFAULT_END = "2024-08-01"


class StrEnum(str, Enum):
    """A ``str`` whose ``str()`` and f-string form is its value on every Python.

    (Python 3.12 changed ``format()`` of plain ``(str, Enum)`` members to
    ``Class.MEMBER``; ``enum.StrEnum`` only exists from 3.11 and QGIS 3.22 may run 3.9.)
    """

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)


@unique
class TileStatus(StrEnum):
    """A tile's status: openEO's batch-job statuses plus the job manager's own.

    In the order a tile goes through them (the legend uses this order).
    """

    NOT_STARTED = "not_started"
    CREATED = "created"
    QUEUED_FOR_START = "queued_for_start"
    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"
    ERROR = "error"
    START_FAILED = "start_failed"
    SKIPPED = "skipped"
    CANCELED = "canceled"


#: every status, in legend order
STATUSES: tuple[str, ...] = tuple(s.value for s in TileStatus)
NOT_STARTED = TileStatus.NOT_STARTED.value


def _values(*members: TileStatus) -> frozenset[str]:
    # plain strings: what pandas, Qt and the job database hold
    return frozenset(m.value for m in members)


#: a tile in one of these needs nothing more from the back-end
FINAL_STATUSES = _values(
    TileStatus.FINISHED,
    TileStatus.ERROR,
    TileStatus.START_FAILED,
    TileStatus.SKIPPED,
    TileStatus.CANCELED,
)
#: a job exists for the tile and the back-end is still working on it
ACTIVE_STATUSES = _values(
    TileStatus.CREATED, TileStatus.QUEUED_FOR_START, TileStatus.QUEUED, TileStatus.RUNNING
)
#: a job exists and waits for the back-end to run it (a user reads these as "queued")
QUEUED_STATUSES = _values(TileStatus.CREATED, TileStatus.QUEUED_FOR_START, TileStatus.QUEUED)
#: the tile failed: counted as failed, and what *Retry failed* resubmits
FAILED_STATUSES = _values(TileStatus.ERROR, TileStatus.START_FAILED, TileStatus.SKIPPED)
#: final without a result: the failed ones and the ones canceled on purpose (Problems tab)
NO_RESULT_STATUSES = FAILED_STATUSES | {TileStatus.CANCELED.value}


@unique
class LoginMethod(StrEnum):
    """How the plugin logs in to a back-end (stored per connection in QgsSettings)."""

    NONE = "none"
    BASIC = "basic"
    OIDC_DEVICE = "oidc_device"
    OIDC_CLIENT_CREDENTIALS = "oidc_client_credentials"

    @property
    def label(self) -> str:
        return _LOGIN_LABELS[self]

    @property
    def uses_oidc(self) -> bool:
        return self in (LoginMethod.OIDC_DEVICE, LoginMethod.OIDC_CLIENT_CREDENTIALS)

    @property
    def needs_stored_secret(self) -> bool:
        """A password or client secret must be in the auth manager before a run."""
        return self in (LoginMethod.BASIC, LoginMethod.OIDC_CLIENT_CREDENTIALS)


_LOGIN_LABELS = {
    LoginMethod.NONE: "No login",
    LoginMethod.BASIC: "User name and password",
    LoginMethod.OIDC_DEVICE: "OpenID Connect (log in in a browser)",
    LoginMethod.OIDC_CLIENT_CREDENTIALS: "OpenID Connect service account (client id + secret)",
}


@unique
class OutputFormat(StrEnum):
    """A job result's file format, as openEO's ``save_result`` names it (and the run stores)."""

    NETCDF = "NetCDF"
    GTIFF = "GTiff"
