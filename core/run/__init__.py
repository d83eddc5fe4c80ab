"""The run loop: one openEO batch job per tile, exactly one, across back-ends.

``runner`` turns the loop; ``polling``, ``launching``, ``fetching`` and ``limits`` are
its steps; ``scheduler`` says what goes next; every back-end call goes through
``gateway`` under one failure policy (``failures``). A status change read by
``polling`` is written to the table by ``state`` (its one writer) and handed to the
engine (``engine/engine``), which tells its viewers.
"""
