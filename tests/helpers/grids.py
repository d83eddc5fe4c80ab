"""Creating grids through the dock's Grid panel, which builds them in a background task."""

from __future__ import annotations


def create_grid(panel, qtbot, timeout: int = 60_000):
    """Click-equivalent of *Create grid*, waiting for the task: the new layer, or None.

    None when nothing was built (the panel refused the area at once, the build
    failed, or it was canceled); the message bar says why, as for a user.
    """
    task = panel.create_grid()
    if task is None:
        return None
    with qtbot.waitSignal(task.done, timeout=timeout):
        pass  # finished() is queued to this thread: it cannot have run before the wait
    return task.layer if task.grid is not None else None
