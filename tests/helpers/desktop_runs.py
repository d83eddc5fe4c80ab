"""One session of the real QGIS desktop (``devtools.launch_qgis``) driven by
``devtools/qgis_driver.py`` against the tests' local back-end, in English."""

from __future__ import annotations

import json
from pathlib import Path

from devtools.launch_qgis import local_backend_login, locale_settings, run


def driven_session(out: Path, backend, env: dict[str, str], parallel_jobs: int):
    """QGIS started with the driver's ``env`` (``OGJ_DEMO_RUN``...), a screenshot
    ``out/<name>.png`` at the end; returns (its exit, the driver's report, the picture)."""
    backend.knobs(job_duration=1.0, max_running=0, error_titles=[], reject_titles=[])
    shot = out / f"{out.name.rstrip('0123456789')}.png"
    settings, login = local_backend_login(out / "profiles", backend.url, parallel_jobs)
    settings.update(locale_settings("en_US"))  # the tests read English
    result = run(
        out / "profiles", screenshot=shot, settings=settings, env={**login, **env}, timeout=240
    )
    return result, json.loads(shot.with_suffix(".json").read_text()), shot
