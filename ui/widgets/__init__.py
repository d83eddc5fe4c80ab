"""The dock and its panels, pages, boxes and dialogs: modules that build QWidgets.

A status change is shown here last: the counts and bar of ``run_status``, after
``ui/run/link`` has applied it.
"""
