"""A run's credit budget: launch a tile's job only while the run can still pay for it.

openEO back-ends bill jobs in credits and report each job's ``costs`` once it has
run. A budget caps what one run may spend: a job is launched only when

    costs so far + expected costs of the jobs in flight + the job's expected costs
    <= the budget

and once nothing fits any more (and nothing is in flight that might cost less than
expected), the tiles left are ``skipped`` with the reason
(:func:`budget_reason`), so the run ends with every tile final. *Retry failed*,
or a resume with a higher budget, submits them.

**Costs so far** are the ``costs`` column of the job table (what the back-end
reported for each finished job) plus ``earlier``: the costs of this run's jobs that
are no longer in the table (a retried tile's earlier job, a tile that was split).

**Expected costs** come from, in this order:

1. the job's own estimate: with a budget, the run asks ``GET /jobs/{id}/estimate``
   (``BatchJob.estimate()``) between creating a job and starting it, and starts it
   only if that estimate still fits; otherwise the job is deleted unstarted and its
   tile ``skipped``. openEO defines the estimate as an upper bound of the costs;
2. for a job without one (not created yet, or a back-end without estimates): its
   size in km² × days times a rate in credits per km²·day, which is the mean of the
   estimates received so far (sum of estimates / sum of their sizes), or when
   there are none, the mean of the finished tiles (sum of their ``costs`` / sum of
   their sizes). This assumes costs grow with area × days, as they do for the
   usual per-pixel, per-scene processing; a job whose costs depend on something
   else (clouds, the process graph's branches) is only as well predicted as its
   tiles are alike;
3. nothing known yet (no estimates, nothing finished): one job at a time is
   launched until a cost is known. **Without estimates from the back-end, that
   first job can pass the budget** by its own costs: nothing tells what it costs
   before it ran. A finished job whose costs the back-end never reports counts at
   its expected costs; if nothing can tell those either, launching stops.

Pure bookkeeping over the job table (pandas, no network), so every rule is tested
without a back-end.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from ..definitions import ACTIVE_STATUSES, TileStatus
from ..errors import RunError

if TYPE_CHECKING:
    import pandas as pd

    from ..jobs.template import JobTemplate, TileExtent

#: every budget-skipped tile's message starts so (a raised budget finds them by it)
BUDGET_REASON = "credit budget of"
#: rounding slack when comparing sums of credits
EPSILON = 1e-9


def credits_text(value: float) -> str:
    """Credits as a user reads them: ``5.0``, ``4.6``, ``12.35``."""
    return str(round(float(value), 2))


def budget_reason(cap: float, used: float) -> str:
    """The message of a tile skipped because the budget is reached."""
    return f"{BUDGET_REASON} {credits_text(cap)} reached: {credits_text(used)} spent or committed"


def unknown_costs_reason(cap: float) -> str:
    """The message of a tile skipped because no costs can be told at all."""
    return (
        f"{BUDGET_REASON} {credits_text(cap)} cannot be kept: the back-end reports neither "
        "costs nor estimates"
    )


def check_budget(value: float | None) -> float | None:
    """A budget as given by a user: None (no cap), or a finite number of credits > 0."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RunError(f"The credit budget must be a number of credits, got {value!r}.")
    if not math.isfinite(value) or value <= 0:
        raise RunError(f"The credit budget must be a number of credits > 0, got {value!r}.")
    return float(value)


def tile_km2_days(tile: TileExtent, template: JobTemplate) -> float:
    """The tile's area in km² times the days of its dates (the end date excluded, at
    least one): what costs are assumed to grow with."""
    if tile.epsg is not None and not _is_geographic(tile.epsg):
        factor = _metres_per_unit(tile.epsg)
        area_m2 = (tile.east - tile.west) * (tile.north - tile.south) * factor * factor
    else:
        area_m2 = _lonlat_area_m2(tile)
    start, end = template.dates_for(tile)
    try:
        days = (dt.date.fromisoformat(str(end)[:10]) - dt.date.fromisoformat(str(start)[:10])).days
    except ValueError:
        days = 1
    return abs(area_m2) / 1e6 * max(1, days)


@lru_cache(maxsize=64)
def _is_geographic(epsg: int) -> bool:
    import pyproj

    return bool(pyproj.CRS.from_epsg(epsg).is_geographic)


@lru_cache(maxsize=64)
def _metres_per_unit(epsg: int) -> float:
    import pyproj

    axes = pyproj.CRS.from_epsg(epsg).axis_info
    return float(axes[0].unit_conversion_factor) if axes else 1.0


def _lonlat_area_m2(tile: TileExtent) -> float:
    import pyproj
    import shapely.geometry

    geod = pyproj.Geod(ellps="WGS84")
    if tile.geojson is not None:
        return float(geod.geometry_area_perimeter(shapely.geometry.shape(tile.geojson))[0])
    lons = [tile.west, tile.east, tile.east, tile.west]
    lats = [tile.south, tile.south, tile.north, tile.north]
    return float(geod.polygon_area_perimeter(lons, lats)[0])


@dataclass(frozen=True)
class Account:
    """Where the run stands against its budget."""

    #: reported costs: the table's ``costs`` plus the earlier jobs'
    spent: float
    #: expected costs of jobs in flight, and of finished jobs without reported costs
    committed: float
    #: jobs counted in ``committed`` whose expected costs nobody can tell yet
    unknown: int
    #: jobs that may still change ``spent`` (running, or their costs on the way)
    in_flight: int

    @property
    def used(self) -> float:
        return self.spent + self.committed


class CreditBudget:
    """The budget of one run over its job table (rows by index, as the run loop has them).

    ``sizes``: each row's km² × days (:func:`tile_km2_days`); ``earlier``: credits of
    this run's jobs no longer in the table.
    """

    def __init__(self, cap: float, sizes: pd.Series, earlier: float = 0.0) -> None:
        self.cap = float(cap)
        self.sizes = sizes.astype(float)
        self.earlier = float(earlier or 0.0)
        #: row → the back-end's estimate for the row's current job
        self.estimates: dict[int, float] = {}

    def estimated(self, i: int, costs: float | None) -> None:
        """Remember the estimate of row ``i``'s new job (None: it has none)."""
        if costs is None:
            self.estimates.pop(i, None)
        else:
            self.estimates[i] = float(costs)

    def rate(self, frame: pd.DataFrame) -> float | None:
        """Credits per km²·day: the mean of the estimates, else of the finished tiles."""
        if self.estimates:
            rows = list(self.estimates)
            size = float(self.sizes.reindex(rows).fillna(0.0).sum())
            if size > 0:
                return sum(self.estimates.values()) / size
        done = (frame["status"] == TileStatus.FINISHED.value) & frame["costs"].notna()
        size = float(self.sizes[done].sum())
        if size > 0:
            return float(frame.loc[done, "costs"].sum()) / size
        return None

    def expected(self, frame: pd.DataFrame, rows: pd.Index, rate: float | None) -> pd.Series:
        """Expected costs of ``rows``' jobs: own estimate, else rate × size; NaN: unknown."""
        import pandas as pd

        sizes = self.sizes.reindex(rows)
        values = sizes * (rate if rate is not None else float("nan"))
        own = pd.Series(self.estimates, dtype=float)
        own = own[own.index.isin(rows)]
        values.loc[own.index] = own
        return values

    def account(
        self, frame: pd.DataFrame, settling: set[int] | frozenset[int] = frozenset()
    ) -> Account:
        """Costs so far and committed; ``settling``: finished rows whose reported costs are
        being asked for (they may still come in lower than expected)."""
        status, costs = frame["status"], frame["costs"]
        spent = self.earlier + float(costs.sum(skipna=True))
        flying = status.isin(ACTIVE_STATUSES)  # costs may still come
        unreported = (status == TileStatus.FINISHED.value) & costs.isna()
        rows = frame.index[flying | unreported]
        expected = self.expected(frame, rows, self.rate(frame))
        in_flight = int(flying.sum()) + len(set(settling) & set(frame.index[unreported]))
        return Account(
            spent=spent,
            committed=float(expected.sum(skipna=True)),
            unknown=int(expected.isna().sum()),
            in_flight=in_flight,
        )

    def launchable(self, frame: pd.DataFrame, waiting: list[int], account: Account) -> list[int]:
        """Which of ``waiting`` (in order) may be launched now without passing the cap."""
        if not waiting or account.unknown:
            return []  # an unknown cost is in flight: wait until it is known
        room = self.cap - account.used + EPSILON
        if room <= 0:
            return []
        rate = self.rate(frame)
        if rate is None:  # nothing tells what a job costs: one at a time until something does
            return [waiting[0]] if not account.in_flight else []
        expected = self.expected(frame, frame.index[waiting], rate)
        fits = expected[expected <= room]
        fits = fits[fits.cumsum() <= room]
        return [int(i) for i in fits.index]

    def exhausted(self, frame: pd.DataFrame, waiting: list[int], account: Account) -> bool:
        """Nothing waiting fits and nothing in flight can free room: stop for good."""
        return (
            bool(waiting) and not account.in_flight and not self.launchable(frame, waiting, account)
        )

    def fits(self, account: Account) -> bool:
        """Whether what is used (a new job's estimate included) is within the cap."""
        return account.unknown == 0 and account.used <= self.cap + EPSILON

    def reason(self, account: Account) -> str:
        if account.unknown:
            return unknown_costs_reason(self.cap)
        return budget_reason(self.cap, account.used)


def budget_skipped(frame: pd.DataFrame) -> pd.Index:
    """Rows skipped because a credit budget was reached (a raised budget resubmits them)."""
    message = frame["message"].astype(object).where(frame["message"].notna(), "")
    return frame.index[
        (frame["status"] == TileStatus.SKIPPED.value)
        & message.astype(str).str.startswith(BUDGET_REASON)
    ]


__all__ = [
    "BUDGET_REASON",
    "Account",
    "CreditBudget",
    "budget_reason",
    "budget_skipped",
    "check_budget",
    "credits_text",
    "tile_km2_days",
]
