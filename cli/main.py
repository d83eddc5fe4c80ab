"""``openeo-grid-jobs``: the plugin's core as a command for servers and scripts.

Bad input exits with status 2 and a one-line message on stderr (no traceback):
every user-facing failure in ``core`` is an :class:`~..core.errors.GridJobsError`, and
argument errors print one line too (no usage block; ``--help`` shows it).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from ..core.errors import GridJobsError
from ..core.grid.proj_data import ensure_proj_data
from ..core.logging_setup import configure_logging
from . import grid as cli_grid
from . import run as cli_run

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

    cli_grid.add_parser(sub)
    cli_run.add_parser(sub)
    return parser


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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
