"""``openeo-grid-jobs``: the plugin's core as a command for servers and scripts.

Bad input exits with status 2 and a one-line message on stderr (no traceback):
every user-facing failure in ``core`` is an :class:`~.errors.GridJobsError`, and
argument errors print one line too (no usage block; ``--help`` shows it).
"""

from __future__ import annotations

import argparse
import logging
import sys
import warnings
from collections.abc import Sequence
from typing import NoReturn, TextIO

from .errors import GridJobsError
from .proj_data import ensure_proj_data

EXIT_USAGE = 2


class UsageError(Exception):
    """A command-line argument is wrong; the message names it."""

    def __init__(self, prog: str, message: str) -> None:
        super().__init__(message)
        self.prog = prog


class ArgumentParser(argparse.ArgumentParser):
    """argparse, but an argument error is one line on stderr, not usage + error."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(self.prog, message)


def build_parser() -> argparse.ArgumentParser:
    parser = ArgumentParser(
        prog="openeo-grid-jobs",
        description="Build metric tile grids and run one openEO batch job per tile.",
    )
    # Sub-commands get the same class (argparse uses the parent's), so the same errors.
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    from . import cli_grid, cli_run

    cli_grid.add_parser(sub)
    cli_run.add_parser(sub)
    return parser


def configure_logging(stream: TextIO | None = None) -> None:
    """What the command (and a detached engine, into its log file) says in its log.

    The run says what matters once ("back-end X unreachable since 14:02, retrying");
    urllib3's line per retried request would drown it. Never a secret: the run logs
    its events, the back-ends' messages and tracebacks of bugs only.
    """
    _quiet_known_library_warnings()
    logging.getLogger("urllib3").setLevel(logging.ERROR)
    if stream is not None:
        handler = logging.StreamHandler(stream)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root = logging.getLogger()
        root.addHandler(handler)
        root.setLevel(logging.WARNING)
        logging.getLogger(__name__.rsplit(".", 2)[0]).setLevel(logging.INFO)


def main(argv: Sequence[str] | None = None) -> int:
    ensure_proj_data()
    configure_logging()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        _print_error(exc.prog, f"{exc} (see {exc.prog} --help)")
        return EXIT_USAGE
    try:
        return int(args.handler(args) or 0)
    except GridJobsError as exc:
        _print_error(f"{parser.prog} {args.command}", str(exc))
        return EXIT_USAGE


def _print_error(prog: str, message: str) -> None:
    one_line = " ".join(message.split())  # GDAL and friends may embed newlines
    print(f"{prog}: error: {one_line}", file=sys.stderr)


def _quiet_known_library_warnings() -> None:
    # geopandas 1.0.x imports the deprecated ``shapely.geos`` module (geopandas/_compat.py)
    # when used with shapely ≥ 2.1; the fix is geopandas ≥ 1.1, nothing a user of this
    # command can act on. Shown only when DeprecationWarnings are enabled (-W default).
    warnings.filterwarnings(
        "ignore",
        message=r"The 'shapely\.geos' module is deprecated",
        category=DeprecationWarning,
        module=r"geopandas\._compat",
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
