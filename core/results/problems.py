"""Why tiles failed, at a glance: failed tiles grouped by reason, most frequent first.

A run of a thousand tiles may fail on a handful of reasons, each worded with the
job's own ids and numbers ("Job j-7f3a… ran out of memory after 2412 s").
:func:`problems` groups the ``error``, ``start_failed``, ``skipped`` and
``canceled`` tiles of a job table by their reason:

- messages that differ only in ids and numbers (job, request and tile ids, UUIDs,
  hex tokens, numbers) are one reason; its label keeps the words and shows "…"
  where the messages differ;
- well-known failures get one plain name whatever the back-end's wording:
  "out of memory" (``java.lang.OutOfMemoryError: Java heap space``, ``OOM``, exit
  code 137, "memory limit exceeded"...) and "no data in extent" ("NoDataAvailable",
  "no data found", an empty data cube...);
- canceled tiles say "canceled by you"; a tile without a message says
  "no reason given".

:func:`problems_text` gives the one-line summary ("out of memory: 12, no data in
extent: 3"). Pure: the dock's *Problems* tab groups its layer's tiles
(:func:`grouped`), and the run engine's end its job table
(:func:`~..engine.outputs.problem_dicts`), whose groups the CLI and Processing print.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..definitions import NO_RESULT_STATUSES, TileStatus

if TYPE_CHECKING:
    import pandas as pd

CANCELED = "canceled by you"
NO_REASON = "no reason given"
OUT_OF_MEMORY = "out of memory"
NO_DATA = "no data in extent"

_KNOWN = (
    (
        OUT_OF_MEMORY,
        re.compile(
            r"out\s*of\s*memory|outofmemory|heap space|\boom\b|oomkill|memory limit|"
            r"exceed\w*\s+(the\s+)?memory|exit\s*code\s*:?\s*137|memoryerror|"
            r"container killed.*memory|not enough memory|insufficient memory",
            re.I,
        ),
    ),
    (
        NO_DATA,
        re.compile(
            r"no\s*data\s*(in|for|available|found)|nodataavailable|no (products|images|scenes|"
            r"observations|items) (were )?found|empty (data\s*)?cube|datacube is empty|"
            r"no (input )?data (was )?found",
            re.I,
        ),
    ),
)
#: what differs from job to job: ids first (they contain digits), then numbers
_VARYING = re.compile(
    r"\(ref:\s*[^)]*\)"  # openEO request references
    r"|\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"  # UUIDs
    r"|\b[a-z]{1,4}-(?=[0-9a-z]*\d)[0-9a-z]{6,}\b"  # job/request ids: j-7f3a..., r-2611...
    r"|\b\d+[NS]_-?\d+_-?\d+(?:_q\d)*\b"  # tile ids: 31N_119_1132, 31N_119_1132_q0
    r"|\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b"  # hex tokens
    r"|(?<![\w.])-?\d+(?:[.,:]\d+)*",  # numbers (not in a word: band B04 stays)
    re.I,
)
#: what stands for the parts of a message that differ from job to job
_PLACEHOLDER = "…"
_REFERENCE = re.compile(r"\s*\(ref:\s*[^)]*\)", re.I)


@dataclass(frozen=True)
class Problem:
    """One reason tiles failed."""

    #: what the user reads: a plain name, or the message with "…" where tiles differ
    reason: str
    count: int
    #: the tiles, in table order
    tile_ids: tuple[str, ...]
    #: how many of them per status (error, start_failed, skipped, canceled)
    statuses: dict[str, int]
    #: one tile's full message, as the back-end worded it (empty for canceled)
    example: str

    def __str__(self) -> str:
        return f"{self.reason}: {self.count}"


def problems(frame: pd.DataFrame) -> list[Problem]:
    """The failed tiles of a job table grouped by reason, most frequent first (ties: by
    reason); empty when nothing failed."""
    if frame is None or not len(frame) or "status" not in frame.columns:
        return []
    messages = list(frame["message"]) if "message" in frame.columns else [None] * len(frame)
    return grouped(zip(frame["tile_id"], frame["status"], messages))


def grouped(tiles: Iterable[tuple[object, object, object]]) -> list[Problem]:
    """:func:`problems` of tiles given as (tile_id, status, message): the dock's view of
    the table, read from its layer in QGIS's process, where no pandas is loaded for it."""
    groups: dict[str, list[tuple[str, str, str]]] = {}
    for tile_id, status, message in tiles:
        if status not in NO_RESULT_STATUSES:
            continue
        text = "" if message is None or message != message else str(message).strip()
        key = _key(str(status), text)
        groups.setdefault(key, []).append((str(tile_id), str(status), text))
    found = [_problem(key, members) for key, members in groups.items()]
    return sorted(found, key=lambda p: (-p.count, p.reason.casefold()))


def problems_text(found: list[Problem], limit: int | None = None) -> str:
    """``"out of memory: 12, no data in extent: 3"`` (the first ``limit`` reasons, then
    how many more)."""
    shown = found if limit is None else found[:limit]
    text = ", ".join(str(p) for p in shown)
    rest = len(found) - len(shown)
    return f"{text}, and {rest} more" if rest > 0 else text


def normalized(message: str) -> str:
    """A message with what differs from job to job replaced, lower case, spaces collapsed:
    two messages with one meaning have one normalized form."""
    text = _VARYING.sub(_PLACEHOLDER, message)
    return " ".join(text.lower().split())


def _key(status: str, message: str) -> str:
    if status == TileStatus.CANCELED:
        return CANCELED
    if not message:
        return NO_REASON
    for name, pattern in _KNOWN:
        if pattern.search(message):
            return name
    return normalized(message)


def _problem(key: str, members: list[tuple[str, str, str]]) -> Problem:
    texts = [_REFERENCE.sub("", m[2]) for m in members]
    plain = key in (CANCELED, NO_REASON, OUT_OF_MEMORY, NO_DATA)
    reason = key if plain else _label(texts)
    return Problem(
        reason=reason,
        count=len(members),
        tile_ids=tuple(m[0] for m in members),
        statuses=dict(Counter(m[1] for m in members)),
        example="" if key == CANCELED else next((t for t in texts if t), ""),
    )


def _label(texts: list[str]) -> str:
    """The group's wording: the message itself when all agree, else its words with
    "…" for each part that differs between the tiles."""
    first = texts[0]
    if all(t == first for t in texts):
        return first
    parts = _VARYING.split(first)
    values = [_VARYING.findall(t) for t in texts]
    label = parts[0]
    for n, part in enumerate(parts[1:]):
        seen = {v[n] if n < len(v) else None for v in values}
        label += (next(iter(seen)) if len(seen) == 1 else "…") + part  # type: ignore[operator]
    return " ".join(label.split())
