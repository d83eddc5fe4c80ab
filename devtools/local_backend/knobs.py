"""Test knobs of the local back-end, settable per launch and at run time."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field


@dataclass
class Knobs:
    #: seconds a job stays ``running``
    job_duration: float = 3.0
    #: +/- seconds of uniform random variation of ``job_duration``
    jitter: float = 0.0
    #: seconds a started job stays ``queued`` at least
    queue_time: float = 0.2
    #: fraction (0..1) of jobs that end in ``error``
    error_fraction: float = 0.0
    #: jobs whose title contains any of these strings end in ``error``; a list (the error
    #: log line says "Simulated failure ...") or a mapping title → the error message the
    #: job logs (``{"tile_a": "OOM: Java heap space", "tile_b": "No data in extent"}``)
    error_titles: list[str] | dict[str, str] = field(default_factory=list)
    #: ``POST /jobs`` with a title containing any of these is refused with ``reject_status``
    reject_titles: list[str] = field(default_factory=list)
    reject_status: int = 400
    #: most jobs ``running`` at once per user; extra ones stay ``queued`` (0: no limit)
    max_running: int = 0
    #: ``GET /jobs`` gives at most this many jobs per page even when the client asks for
    #: more or for all (0: no cap), as back-ends that silently cap listings do
    max_page_size: int = 0
    #: most jobs queued or running at once per user; starting one more is refused with
    #: 400 ``ConcurrentJobLimit`` (0: no limit)
    max_active: int = 0
    #: most jobs ``queued`` (started, not yet running) at once per user; starting one more
    #: is refused with 400 ``TooManyQueuedJobs``, as back-ends with a queue cap do (0: no cap)
    max_queued: int = 0
    #: jobs whose title contains any of these accept ``POST /jobs/{id}/results`` but stay
    #: ``created`` (a start that never takes)
    hang_created_titles: list[str] = field(default_factory=list)
    #: jobs whose title contains any of these run but never finish (progress stops short
    #: of 100 %)
    hang_running_titles: list[str] = field(default_factory=list)
    #: ``GET /jobs/{id}/estimate`` answers (False: 501 ``FeatureUnsupported``, as
    #: openeo-driver's own back-ends do)
    estimates: bool = True
    #: the estimate's ``costs`` are the job's costs times this (an upper bound: >= 1)
    estimate_factor: float = 1.0
    #: seed of the random generator (jitter, error fraction)
    seed: int = 0

    def update(self, values: dict) -> None:
        names = {f.name for f in dataclasses.fields(self)}
        unknown = set(values) - names
        if unknown:
            raise ValueError(f"unknown knobs: {sorted(unknown)}")
        for key, value in values.items():
            setattr(self, key, value)

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)
