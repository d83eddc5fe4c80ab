"""``openeo-grid-jobs``: the plugin's core as a command for servers and scripts.

Bad input exits with status 2 and a one-line message on stderr (no traceback):
every user-facing failure in ``core`` is an :class:`~.errors.GridJobsError`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from .errors import GridJobsError

EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="openeo-grid-jobs",
        description="Build metric tile grids and run one openEO batch job per tile.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    from . import cli_grid, cli_run

    cli_grid.add_parser(sub)
    cli_run.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except GridJobsError as exc:
        print(f"openeo-grid-jobs {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
