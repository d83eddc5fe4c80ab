"""How a run shares the Python interpreter with the map while it goes on.

A run's threads (launching, polling, downloading, writing) and the map's main thread
take turns holding the GIL; whenever QGIS calls one of the plugin's Python slots on
the main thread (a batch of statuses, a button), the map waits until it gets the GIL.
Two interpreter-wide settings keep that wait short for the run's duration, and are
put back afterwards:

- the garbage collector leaves alone what existed before the run
  (:func:`young_garbage_only`);
- a thread that holds the GIL hands it over after 1 ms instead of 5 when another
  asks for it (:func:`quick_gil_handoffs`).
"""

from __future__ import annotations

import gc
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: how long a thread may keep the GIL when another asks for it, during a run (s)
RUN_SWITCH_INTERVAL = 0.001

_lock = threading.Lock()
_runs = 0
_previous_interval = sys.getswitchinterval()


@contextmanager
def sharing_with_the_map() -> Iterator[None]:
    """Both settings, for one run."""
    with young_garbage_only(), quick_gil_handoffs():
        yield


@contextmanager
def young_garbage_only() -> Iterator[None]:
    """While a run goes on, the garbage collector leaves alone what existed before it.

    A full collection walks every object the interpreter tracks (QGIS's, pandas',
    openeo's...) while holding the GIL: 50-90 ms in a 1,000-tile run, during which
    the map's main thread cannot run a line of Python. A run's many small allocations
    set one off every few thousand jobs. Frozen (:func:`gc.freeze`), the objects that
    were there when the run began are skipped, so a collection walks only the run's
    own (~2 ms); they are handed back afterwards (:func:`gc.unfreeze`) and collected
    as before.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@contextmanager
def quick_gil_handoffs() -> Iterator[None]:
    """While a run goes on, a thread holding the GIL lets go of it after 1 ms (not
    Python's 5 ms) once another thread waits for it.

    With a dozen of the run's threads busy at once (requests, JSON, downloads), the
    main thread asking for the GIL can lose it to another of them several times in a
    row, 5 ms each. In the 1,000-tile stall benchmark (``benchmarks/status_layer.py``,
    five runs each way, alternated, on two cores shared with the local back-end) the
    longest main-thread gap had a median of 50 ms with 5 ms handoffs and 45 ms with
    1 ms, and gaps over 50 ms went from 5 to 3. Interpreter-wide, so set while any run
    goes on and put back when the last one ends.
    """
    global _runs, _previous_interval
    with _lock:
        if _runs == 0:
            _previous_interval = sys.getswitchinterval()
            sys.setswitchinterval(min(RUN_SWITCH_INTERVAL, _previous_interval))
        _runs += 1
    try:
        yield
    finally:
        with _lock:
            _runs -= 1
            if _runs == 0:
                sys.setswitchinterval(_previous_interval)
