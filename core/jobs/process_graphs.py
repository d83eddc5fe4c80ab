"""Process graph files and job options as the user gives them: JSON text, read and
checked once here, so that the dock, Processing and the CLI refuse the same mistakes
with the same words (:class:`TemplateError`). Apart from :mod:`.template`, which
says what each job computes, because this only reads text."""

from __future__ import annotations

import copy
import json
from typing import Any

from ..errors import GridJobsError
from .parameters import declared_parameters


class TemplateError(GridJobsError):
    """The job template is not valid (dates, bands, format, process graph...)."""


def parse_process_graph(text: str) -> dict:
    """A process graph from JSON text (flat graph, or ``{"process_graph": ...}``)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TemplateError(f"The process graph is not valid JSON: {exc}") from None
    return flat_graph(value)


def parse_process_document(text: str) -> tuple[dict, list[dict[str, Any]]]:
    """A process graph file's flat graph and the parameters it declares (a process
    definition ``{"process_graph": ..., "parameters": [...]}``; a bare graph has none)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TemplateError(f"The process graph is not valid JSON: {exc}") from None
    return flat_graph(value), declared_parameters(value)


def parse_job_options(text: str) -> dict:
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TemplateError(f"The job options are not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise TemplateError('Job options must be a JSON object, e.g. {"executor-memory": "2G"}.')
    return value


def flat_graph(value: Any) -> dict:
    if isinstance(value, dict) and isinstance(value.get("process_graph"), dict):
        value = value["process_graph"]
    if (
        not isinstance(value, dict)
        or not value
        or not all(isinstance(n, dict) and "process_id" in n for n in value.values())
    ):
        raise TemplateError(
            "The process graph must be a JSON object of nodes, each with a process_id."
        )
    return value


def inject_extent(graph: dict, extent: dict, dates: list[str], out_format: str) -> dict:
    """A copy of ``graph`` with the tile's extent and dates in every load_collection."""
    graph = copy.deepcopy(graph)
    for node in graph.values():
        args = node.setdefault("arguments", {})
        if node["process_id"] == "load_collection":
            args["spatial_extent"] = extent
            args["temporal_extent"] = dates
        elif node["process_id"] == "save_result" and not args.get("format"):
            args["format"] = out_format
    return graph
