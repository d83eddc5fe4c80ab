"""The run as a viewer that attaches now must see it: every tile, and what was said.

A viewer may attach late (yesterday's run, a QGIS reopened) or again after it
missed events; :class:`RunView` keeps what the engine reported last — each tile's
latest update and the counts, the summary, the mosaic, the back-ends whose login
is refused, the renewed logins not stored yet, the last notices, the split, the
end — so that its :meth:`~RunView.hello` is the run as it is, with nothing to
replay. The engine's loop writes it; the channel's thread reads it for each new
viewer: one lock.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import TYPE_CHECKING, Any

from ..jobs.split import parents_of
from ..jobs.unit_progress import split_row_id
from .events import EventKind, event, update_rows

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ..jobs.rows import TileUpdate
    from ..jobs.split import SplitRecord

#: notices a late viewer is shown (the most recent)
NOTICES_KEPT = 20


class RunView:
    """What the engine reported last, for viewers that attach (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: dict[int, list[Any]] = {}
        self._counts: Counter[str] = Counter()
        self.summary: dict[str, Any] | None = None
        self.mosaic: str | None = None
        self._logins: dict[str, str] = {}
        self._renewed: dict[str, dict[str, str]] = {}
        self._notices: list[dict[str, Any]] = []
        self.split: dict[str, Any] | None = None
        self.ended: dict[str, Any] | None = None

    def tiles(self, updates: list[TileUpdate]) -> tuple[list[list[Any]], dict[str, int]]:
        """Note these tiles' updates: their rows, and the counts after them."""
        rows = update_rows(updates)
        with self._lock:
            for update, row in zip(updates, rows):
                old = self._rows.get(update.index)
                if old is not None:
                    self._counts[old[2]] -= 1
                    if not self._counts[old[2]]:
                        del self._counts[old[2]]
                self._rows[update.index] = row
                self._counts[update.status] += 1
            return rows, dict(self._counts)

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def keep(self, name: str, values: Any) -> None:
        """The latest summary, mosaic, split or end (a plain value, replaced whole)."""
        with self._lock:
            setattr(self, name, values)

    def login(self, backend: str, why: str | None) -> None:
        with self._lock:
            if why is None:
                self._logins.pop(backend, None)
            else:
                self._logins[backend] = why

    def renewed(self, backend: str, values: dict[str, str]) -> None:
        """A renewed login a viewer must store (the latest per back-end)."""
        with self._lock:
            self._renewed[backend] = values

    def notice(self, values: dict[str, Any]) -> None:
        with self._lock:
            self._notices = [*self._notices[-(NOTICES_KEPT - 1) :], values]

    def hello(self, **run: Any) -> dict[str, Any]:
        """The HELLO event: ``run`` (what the run is) and everything kept."""
        with self._lock:
            return event(
                EventKind.HELLO,
                **run,
                rows=[self._rows[i] for i in sorted(self._rows)],
                counts=dict(self._counts),
                summary=self.summary,
                mosaic=self.mosaic,
                logins=dict(self._logins),
                tokens=list(self._renewed.values()),
                notices=list(self._notices),
                split=self.split,
                ended=self.ended,
            )


def split_rows(
    frame: Any, parents: list[str], splits: Iterable[dict[str, Any] | SplitRecord]
) -> dict[str, Any] | None:
    """The quarters that replaced ``parents`` (those really split, as ``splits``, the
    run's split records, say), as job-table records, for a viewer's layer; ``gone``:
    the units of a run with time windows that no row is left of (every window split)."""
    ids = frame["tile_id"].astype(str)
    children = parents_of(splits)
    present = set(ids)
    split = [p for p in parents if p not in present and p in children.values()]
    if not split:
        return None
    quarters = frame[ids.map(children).isin(split)]
    columns = [
        c
        for c in ("tile_id", "unit_id", "window", "col", "row", "crs", "geometry")
        if c in quarters.columns
    ]
    records = quarters[columns].astype(object).where(quarters[columns].notna(), None)
    if "geometry" in records.columns:  # shapes (after a split) as the table's WKT
        import shapely

        records["geometry"] = [
            shapely.to_wkt(g, rounding_precision=-1) if isinstance(g, shapely.Geometry) else g
            for g in records["geometry"]
        ]
    gone: list[str] = []
    if "unit_id" in frame.columns:
        units = set(frame["unit_id"].astype(str))
        gone = sorted(
            {parts[0] for p in split if (parts := split_row_id(p)) and parts[0] not in units}
        )
    return {"parents": split, "quarters": records.to_dict("records"), "gone": gone}
