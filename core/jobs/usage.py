"""What each job used, as its back-end reports it (the openEO API's ``usage`` object),
kept in the job table the way the openeo client's job manager keeps it, and summed.

The client adds one column per usage key of a job's metadata (``cpu``, ``memory``,
``duration``, ``network``...), each a text ``"<value> <unit>"`` (``"120 cpu-seconds"``),
skipping keys that would overwrite its own columns; so does this plugin, so a tracker
moves between a notebook and QGIS with its usage. Only a job's own metadata carries
``usage`` (listings do not), which the run asks for once the job has ended.

Totals read those texts back in the units back-ends use (``cpu-seconds``,
``mb-seconds``; hours and gigabytes too): CPU hours and memory GB-hours, for the
summary, the grid layer and its export. A unit this module does not know is left out
of a total rather than guessed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .columns import RUN_COLUMNS

if TYPE_CHECKING:
    import pandas as pd

#: columns a usage key may never overwrite: the job manager's and this plugin's own
RESERVED = RUN_COLUMNS.union(("tile_id", "start_date", "end_date"))
#: usage keys the run knows it should expect (others are kept as they come)
KNOWN_KEYS = ("cpu", "memory", "duration", "network", "disk", "storage")
_TEXT = re.compile(r"^\s*([-+0-9.eE]+)\s*(.*?)\s*$")
#: hours per value of each CPU unit, GB-hours per value of each memory unit
CPU_HOURS = {"cpu-seconds": 1 / 3600, "cpu-hours": 1.0}
MEMORY_GB_HOURS = {
    "mb-seconds": 1 / 1024 / 3600,
    "gb-seconds": 1 / 3600,
    "mb-hours": 1 / 1024,
    "gb-hours": 1.0,
}


def usage_columns(metadata: Mapping[str, Any]) -> dict[str, str]:
    """The job-table columns of a job's ``usage``: key → ``"<value> <unit>"``."""
    usage = metadata.get("usage")
    if not isinstance(usage, Mapping):
        return {}
    columns: dict[str, str] = {}
    for key, stat in usage.items():
        if key in RESERVED or not isinstance(stat, Mapping):
            continue
        columns[str(key)] = f"{stat.get('value', 0)} {stat.get('unit', '')}".strip()
    return columns


def parse_usage(text: Any) -> tuple[float, str] | None:
    """``"120 cpu-seconds"`` → ``(120.0, "cpu-seconds")``; None for an empty cell or
    anything else."""
    if text is None or text != text:
        return None
    match = _TEXT.match(str(text))
    if match is None:
        return None
    try:
        value = float(match.group(1))
    except ValueError:
        return None
    return (value, match.group(2).lower()) if math.isfinite(value) else None


def in_units(text: Any, factors: Mapping[str, float]) -> float | None:
    """A usage text converted by ``factors`` (unit → factor); None when it has none of
    those units."""
    parsed = parse_usage(text)
    if parsed is None or parsed[1] not in factors:
        return None
    return parsed[0] * factors[parsed[1]]


def cpu_hours(text: Any) -> float | None:
    return in_units(text, CPU_HOURS)


def memory_gb_hours(text: Any) -> float | None:
    return in_units(text, MEMORY_GB_HOURS)


@dataclass(frozen=True)
class UsageTotals:
    """What a run's jobs used, summed over the rows that reported it (None: none did)."""

    cpu_hours: float | None
    memory_gb_hours: float | None

    @classmethod
    def of(cls, frame: pd.DataFrame) -> UsageTotals:
        return cls(
            _total(frame["cpu"] if "cpu" in frame.columns else (), cpu_hours),
            _total(frame["memory"] if "memory" in frame.columns else (), memory_gb_hours),
        )


def _total(values: Iterable[Any], convert: Any) -> float | None:
    numbers = [v for v in (convert(t) for t in values) if v is not None]
    return sum(numbers) if numbers else None


def usage_stats(row: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """A row's usage columns back as the API's ``usage`` object (for STAC items)."""
    stats: dict[str, dict[str, Any]] = {}
    for key in KNOWN_KEYS:
        parsed = parse_usage(row.get(key))
        if parsed is not None:
            value, unit = parsed
            stats[key] = {"value": int(value) if value.is_integer() else value, "unit": unit}
    return stats
