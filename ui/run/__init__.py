"""A run as the dock sees it: its engine started or attached, its events applied.

``viewer`` turns the engine's channel (``core/engine/channel``) into Qt signals on the
main thread; ``link`` applies them to the map (``ui/adapters/layer_feed``), the counts
and the bar; ``control`` is what the run buttons do.
"""
