"""Typed exceptions of the core: each carries a message fit to show a user as is."""

from __future__ import annotations


class GridJobsError(Exception):
    """Base of every error the user can fix (bad input, unreadable file, ...)."""


class GridError(GridJobsError, ValueError):
    """The grid cannot be built from the given extent, tile size or CRS."""


class TooManyTilesError(GridError):
    """The grid would exceed the tile-count limit; raised before anything is built."""

    def __init__(self, count: int, limit: int, tile_size: float, *, at_least: bool = False) -> None:
        self.count = count
        self.limit = limit
        self.tile_size = tile_size
        self.at_least = at_least
        how_many = f"At least {count:,}" if at_least else f"{count:,}"
        super().__init__(
            f"{how_many} tiles of {tile_size:g} m would be made, more than the limit of "
            f"{limit:,}. Check the extent and the tile size (a typo in a coordinate?), "
            f"use a larger tile size, or raise the limit if you really want that many."
        )


class JobDatabaseError(GridJobsError):
    """The job database cannot be read or written; the file is left as it was."""


class RunError(GridJobsError):
    """A run cannot start or go on (no back-end, bad settings, a template every back-end
    refuses...). Nothing more is submitted; the job database stays consistent."""


class BackendConnectionError(GridJobsError):
    """The back-end cannot be reached or is not a usable openEO back-end."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        #: the HTTP status of the back-end's answer, when it answered (e.g. 503)
        self.status = status


class AuthenticationError(BackendConnectionError):
    """The back-end refused the login (wrong password, bad client secret...)."""


class LoginRequiredError(AuthenticationError):
    """An interactive OpenID Connect login is needed (none yet, or it expired/was revoked)."""

    def __init__(self, message: str, backend: str = "") -> None:
        super().__init__(message)
        #: name of the back-end to log in to
        self.backend = backend


class LoginCancelledError(AuthenticationError):
    """The user cancelled the OpenID Connect login."""


class LoginTimeoutError(AuthenticationError):
    """Nobody completed the OpenID Connect login in the browser in time."""
