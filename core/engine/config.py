"""A run's settings, kept beside its job database (``JOBS.csv.run.json``) for resume.

Holds the job template, the back-ends (name, URL, login method, user name,
parallel jobs), the poll interval, the output folder and the credit budget
(None: no cap); and what the job table alone cannot tell: the costs of this
run's jobs that are no longer in it (``earlier_costs``: a retried tile's earlier
job, a split tile's) and the tiles that were split into quarters (``splits``,
see :mod:`..jobs.split`), which is how a resume recognises the run's grid. Never a
password or token: those come from the environment (CLI) or the QGIS
authentication manager (plugin).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..backends.backend import BackendConfig
from ..definitions import DEFAULT_POLL_INTERVAL
from ..errors import GridJobsError
from ..jobs.template import JobTemplate

SECRET_KEYS = ("password", "token", "secret")


class RunConfigError(GridJobsError):
    """The run settings are missing, unreadable or incomplete."""


@dataclass
class RunConfig:
    template: JobTemplate
    backends: list[BackendConfig]
    poll_interval: float = DEFAULT_POLL_INTERVAL
    output_dir: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    #: credits the run may spend (None: no cap); see :mod:`..run.budget`. In the settings
    #: asked for on resume, None keeps the run's budget and ``math.inf`` lifts it
    budget: float | None = None
    #: credits of this run's jobs no longer in the job table (retried, split tiles)
    earlier_costs: float = 0.0
    #: tiles split into quarters, oldest first (:meth:`..jobs.split.SplitRecord.to_dict`)
    splits: list[dict[str, Any]] = field(default_factory=list)
    #: download each finished tile's result into ``output_dir``; False: results stay on
    #: the back-end, and the catalog there points at their URLs (a later run with
    #: downloads fetches them)
    download: bool = True

    @staticmethod
    def path_for(job_db: str | Path) -> Path:
        job_db = Path(job_db)
        return job_db.with_name(job_db.name + ".run.json")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values; never a secret (refused)."""
        data = {
            "template": self.template.to_dict(),
            "backends": [asdict(b) for b in self.backends],
            "poll_interval": self.poll_interval,
            "output_dir": self.output_dir,
            "extra": self.extra,
            "budget": self.budget,
            "earlier_costs": self.earlier_costs,
            "splits": self.splits,
            "download": self.download,
        }
        _refuse_secrets(data)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunConfig:
        return cls(
            template=JobTemplate.from_dict(data["template"]),
            backends=[BackendConfig(**b) for b in data["backends"]],
            poll_interval=float(data.get("poll_interval", DEFAULT_POLL_INTERVAL)),
            output_dir=data.get("output_dir"),
            extra=data.get("extra", {}),
            budget=None if data.get("budget") is None else float(data["budget"]),
            earlier_costs=float(data.get("earlier_costs") or 0.0),
            splits=list(data.get("splits") or []),
            download=bool(data.get("download", True)),
        )

    def save(self, job_db: str | Path) -> Path:
        path = self.path_for(job_db)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(self.to_dict(), indent=2))
        os.replace(tmp, path)
        return path

    @classmethod
    def load(cls, job_db: str | Path) -> RunConfig:
        path = cls.path_for(job_db)
        if not path.exists():
            raise RunConfigError(
                f"No run settings beside {job_db} ({path.name}): give the template and back-end "
                "options to start a run."
            )
        try:
            return cls.from_dict(json.loads(path.read_text()))
        except (ValueError, KeyError, TypeError) as exc:
            raise RunConfigError(f"Cannot read the run settings {path}: {exc}") from None


def _refuse_secrets(value: Any, where: str = "") -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if any(s in str(key).lower() for s in SECRET_KEYS):
                raise RunConfigError(f"Refusing to save a secret ({where}{key}) in run settings.")
            _refuse_secrets(item, f"{where}{key}.")
    elif isinstance(value, list):
        for item in value:
            _refuse_secrets(item, where)
