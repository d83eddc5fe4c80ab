"""What the flags of ``openeo-grid-jobs run`` ask for, checked in full before anything is
written or submitted.

The flags become a :class:`~..core.engine.config.RunConfig` (a new run, or changes to the
saved one on resume), the polling policy and the secrets (from the environment,
never a flag); a bad value is a :class:`~..core.errors.GridJobsError` or, for a flag's
type, an ``argparse`` error naming the flag. This is apart from :mod:`.run`,
which declares the flags, runs and prints, because it only reads and checks:
nothing here touches a back-end or the job database's rows.
"""

from __future__ import annotations

import argparse
import math
import os
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NewType

from ..core.backends.backend import BackendConfig, Secrets
from ..core.definitions import DEFAULT_PARALLEL_JOBS, DEFAULT_POLL_INTERVAL, LoginMethod
from ..core.engine.config import RunConfig
from ..core.errors import GridJobsError, RunError
from ..core.grid.grid_io import GridFileError
from ..core.grid.units import bound_values, read_units, unit_span
from ..core.grid.windows import windowed_dates
from ..core.jobs.database import JobDatabase
from ..core.jobs.parameters import bound_columns, parse_bindings
from ..core.jobs.template import (
    DEFAULT_JOB_OPTIONS,
    PROCESS_GRAPH,
    PROCESS_UDP,
    JobTemplate,
    parse_job_options,
    parse_process_document,
)
from ..core.run.time_limits import parse_span

if TYPE_CHECKING:
    import geopandas as gpd


#: The name of an environment variable that holds a secret (the name, not a value).
#: Its own type so that the constants below say what they are: a string literal
#: assigned straight to a name like ``PASSWORD_*`` is what secret scanners take for a
#: hard-coded password (the QGIS plugin repository's upload scan blocks on it).
EnvironmentVariable = NewType("EnvironmentVariable", str)
PASSWORD_VARIABLE = EnvironmentVariable("OPENEO_PASSWORD")
CLIENT_ID_VARIABLE = EnvironmentVariable("OPENEO_AUTH_CLIENT_ID")
CLIENT_SECRET_VARIABLE = EnvironmentVariable("OPENEO_AUTH_CLIENT_SECRET")
AUTH_CHOICES = ("none", "basic", "client-credentials")
TEMPLATE_FLAGS = (
    "start",
    "end",
    "collection",
    "bands",
    "format",
    "process_graph",
    "udp",
    "windows",
    "extent",
    "param",
)


def positive_seconds(text: str) -> float:
    return _positive(text, "seconds")


def time_limit(text: str) -> float:
    """``--max-waiting`` / ``--max-running``: ``4h``, ``90min``, ``1h30m``, seconds."""
    try:
        return parse_span(text)
    except RunError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive(text: str, unit: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of {unit}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite number of {unit} > 0, got {text}")
    return value


def at_least_one(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def credits_or_none(text: str) -> float:
    """``--budget``: credits > 0, or ``none`` (``math.inf``: lift the run's budget)."""
    if text.strip().lower() in ("none", "off"):
        return math.inf
    return _positive(text, "credits")


def asked_settings(args: argparse.Namespace) -> tuple[RunConfig | None, gpd.GeoDataFrame | None]:
    """What the flags ask for (None: resume with the saved settings); checked in full."""
    db = JobDatabase(args.job_db)  # an unknown extension fails here
    tiles = _read_units(args)
    saved = RunConfig.load(db.path) if RunConfig.path_for(db.path).exists() else None
    template_given = any(getattr(args, f) for f in TEMPLATE_FLAGS) or args.job_options
    if not db.exists() or saved is None:
        if not db.exists() and tiles is None:
            raise GridJobsError(
                f"{db.path} does not exist yet: give --grid (or --units) to start a new run."
            )
        dated = bool(args.windows) or unit_span(tiles) is not None
        needed = ("backend",) if dated else ("backend", "start", "end")
        missing = [f"--{n}" for n in needed if not getattr(args, n)]
        if missing:
            what = "A new run" if not db.exists() else f"{db.path.name} has no run settings; it"
            raise GridJobsError(f"{what} needs {', '.join(missing)}.")
        template = _template(args, None, unit_span(tiles))
        return RunConfig(
            template,
            _backend_configs(args.backend, args),
            poll_interval=args.poll_interval or DEFAULT_POLL_INTERVAL,
            output_dir=args.output_dir,
            budget=getattr(args, "budget", None),
            download=getattr(args, "download", None) is not False,
        ), tiles
    budget_given = getattr(args, "budget", None) is not None
    queued_jobs = getattr(args, "queued_jobs", None)
    changed = template_given or args.backend or args.parallel_jobs or args.poll_interval
    download = getattr(args, "download", None)
    changed = changed or queued_jobs or download is not None
    if not (changed or budget_given):
        return (
            None if args.output_dir is None else replace(saved, output_dir=args.output_dir)
        ), tiles
    backends = _backend_configs(args.backend, args) if args.backend else saved.backends
    for b in backends:
        b.parallel_jobs = args.parallel_jobs or b.parallel_jobs
        b.queued_jobs = b.queued_jobs if queued_jobs is None else queued_jobs
    return replace(
        saved,
        template=_template(args, saved.template) if template_given else saved.template,
        backends=backends,
        poll_interval=args.poll_interval or saved.poll_interval,
        output_dir=args.output_dir or saved.output_dir,
        budget=getattr(args, "budget", saved.budget),
        download=saved.download if download is None else download,
    ), tiles


def _template(
    args: argparse.Namespace, base: JobTemplate | None, unit_span: tuple[str, str] | None = None
) -> JobTemplate:
    """The job template of the flags, on top of ``base`` (the saved one, when resuming).
    With ``--windows`` the template's dates are the windows' period; with units that
    have their own dates (``unit_span``) and no dates given, those dates' period."""
    values: dict[str, Any] = base.to_dict() if base else {"job_options": dict(DEFAULT_JOB_OPTIONS)}
    for flag, key in (("start", "start"), ("end", "end"), ("collection", "collection")):
        if getattr(args, flag):
            values[key] = getattr(args, flag)
    if args.windows:
        if args.start or args.end:
            raise GridJobsError("Give --windows or --start/--end, not both.")
        values["windows"], values["start"], values["end"] = windowed_dates(args.windows)
    elif unit_span is not None and not (args.start or args.end):
        values["start"], values["end"] = unit_span
    if args.extent:
        values["extent"] = args.extent
    if args.bands:
        values["bands"] = [b.strip() for b in args.bands.split(",") if b.strip()]
    if args.format:
        values["out_format"] = args.format
    if args.job_options:
        values["job_options"] = parse_job_options(args.job_options)
    if args.process_graph and args.udp:
        raise GridJobsError("Give --process-graph or --udp, not both.")
    if args.process_graph:
        path = Path(args.process_graph)
        if not path.is_file():
            raise GridJobsError(f"Process graph file {path} does not exist.")
        graph, declared = parse_process_document(path.read_text())
        values.update(process=PROCESS_GRAPH, process_graph=graph, process_parameters=declared)
    if args.udp:
        values.update(
            process=PROCESS_UDP,
            udp_id=args.udp,
            udp_namespace=args.udp_namespace,
            process_parameters=[],
        )
    if args.param:
        values["parameters"] = parse_bindings(args.param)
    return JobTemplate.from_dict(values).validate()


def secrets_from_environment(backends: list[BackendConfig]) -> Secrets:
    secrets = Secrets(
        password=os.environ.get(PASSWORD_VARIABLE),
        client_id=os.environ.get(CLIENT_ID_VARIABLE),
        client_secret=os.environ.get(CLIENT_SECRET_VARIABLE),
    )
    for b in backends:
        if b.auth_method == LoginMethod.BASIC and not secrets.password:
            raise GridJobsError(
                f"No password for {b.username} on {b.url}: set ${PASSWORD_VARIABLE} "
                "(never given as a flag)."
            )
        if b.auth_method == LoginMethod.OIDC_CLIENT_CREDENTIALS and not secrets.client_secret:
            raise GridJobsError(
                f"No service account for {b.url}: set ${CLIENT_ID_VARIABLE} and "
                f"${CLIENT_SECRET_VARIABLE}."
            )
        if b.auth_method == LoginMethod.OIDC_DEVICE:
            raise GridJobsError(
                f"{b.url} logs in in a browser (OpenID Connect device flow), which needs the "
                "QGIS plugin; on a server use --auth client-credentials."
            )
    return secrets


def _backend_configs(values: list[str], args: argparse.Namespace) -> list[BackendConfig]:
    method = {"client-credentials": LoginMethod.OIDC_CLIENT_CREDENTIALS}.get(
        args.auth, args.auth or ""
    )
    configs = []
    for value in values:
        name, _, url = value.partition("=") if "=" in value.split("://")[0] else ("", "", value)
        configs.append(
            BackendConfig(
                url=url,
                name=name.strip(),
                username=args.username,
                parallel_jobs=args.parallel_jobs or DEFAULT_PARALLEL_JOBS,
                queued_jobs=getattr(args, "queued_jobs", None) or 0,
                auth_method=method,
                provider_id=args.provider_id,
            )
        )
    names = [c.name for c in configs]
    if len(set(names)) != len(names):
        raise GridJobsError(f"Back-end names must differ, got {names}: name them with NAME=URL.")
    return configs


def _read_units(args: argparse.Namespace) -> gpd.GeoDataFrame | None:
    """``--grid`` (the plugin's), or ``--units`` with ``--id-field`` (any polygons)."""
    if args.grid and args.units:
        raise GridJobsError("Give --grid or --units, not both.")
    keep = bound_columns(parse_bindings(args.param or []))
    if args.units:
        if not args.id_field:
            raise GridJobsError("--units needs --id-field NAME: the field that names each unit.")
        return read_units(args.units, args.id_field, keep=keep)
    if args.id_field:
        raise GridJobsError("--id-field goes with --units.")
    return _read_grid(args.grid, keep) if args.grid else None


def _read_grid(path: str, keep: list[str]) -> gpd.GeoDataFrame:
    """The plugin's grid file; the fields ``keep`` bound to job parameters are checked
    as a units file's are (there, a value in every tile)."""
    import geopandas as gpd

    if not Path(path).exists():
        raise GridFileError(f"Grid file {path} does not exist.")
    try:
        grid = gpd.read_file(path, engine="pyogrio")
    except Exception as exc:
        raise GridFileError(f"Could not read grid file {path}: {exc}") from exc
    if "tile_id" not in grid.columns or grid.crs is None:
        raise GridFileError(f"{path} is not a grid: it needs a CRS and a tile_id column.")
    ids = [str(i) for i in grid["tile_id"]]
    for column in keep:
        bound_values(grid, column, ids, Path(path).name)
    return grid
