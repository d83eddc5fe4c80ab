"""A job tracker as the seed notebook leaves it, written by the openeo client itself."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pandas as pd
import shapely

from .runs import DATES, small_grid


def notebook_tracker(tmp_path: Path, connection, started: int) -> Path:
    """What the seed notebook leaves: MultiBackendJobManager's CSV, ``started`` jobs in."""
    from openeo.extra.job_management import CsvJobDatabase, MultiBackendJobManager

    tiles = small_grid(3, 2).to_crs(4326)
    frame = pd.DataFrame(
        {
            "spatial_extent": [shapely.to_geojson(g) for g in tiles.geometry],
            "start_date": DATES[0],
            "end_date": [DATES[1]] * 5 + ["2024-07-01"],  # the last row has its own dates
        }
    )

    def start_job(row, connection, **kwargs):
        cube = connection.load_collection(
            "SENTINEL2_L2A",
            temporal_extent=[row["start_date"], row["end_date"]],
            spatial_extent=json.loads(row["spatial_extent"]),
            bands=["B04", "B08"],
        )
        return cube.ndvi().mean_time().create_job(title="test excercise ndvi", out_format="NetCDF")

    path = tmp_path / "job_tracker.csv"
    manager = MultiBackendJobManager(poll_sleep=0.2, root_dir=tmp_path / "notebook")
    manager.add_backend("cdse", connection=connection, parallel_jobs=started)
    job_db = CsvJobDatabase(path)
    job_db.initialize_from_df(frame)
    manager.start_job_thread(start_job=start_job, job_db=job_db)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        time.sleep(0.2)
        if pd.read_csv(path)["id"].notna().sum() >= started:
            break
    stop_job_thread(manager)
    return path


def stop_job_thread(manager) -> None:
    """``manager.stop_job_thread``, its thread waited for (the process can exit then).

    In openeo 0.53 that thread does not end by the stop flag while jobs are unfinished
    (its loop condition reads ``unfinished or pending and not stopped``), and the
    worker pool is dropped first: its next round ends it by an AttributeError on the
    pool. That end is the client's own and expected here, so it is kept out of
    pytest's warnings of thread exceptions; any other exception still goes there."""
    thread, hook = manager._thread, threading.excepthook

    def quiet(args) -> None:
        if not (args.thread is thread and isinstance(args.exc_value, AttributeError)):
            hook(args)

    threading.excepthook = quiet
    try:
        manager.stop_job_thread(timeout_seconds=None)
    finally:
        threading.excepthook = hook
