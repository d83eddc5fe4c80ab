"""The run engine: one run carried to its end, in a process of its own, with viewers.

``request`` and ``config`` say what a run is asked to do; ``logins`` checks each
back-end's login and keeps it current; ``session`` owns its job database; ``engine``
drives the loop (``run/``) and its outputs; ``host`` is the process (started by
``launch``) with its private ``channel``; ``refusals`` are why a run cannot start, as
the process says it and the launcher raises it. A status change from the loop leaves
here as an ``events`` message to each viewer: the dock's ``ui/run/viewer``,
Processing, the CLI.
"""
