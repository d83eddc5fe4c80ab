"""Per-job parameters: a UDP's (or a parameterized process graph's) parameters, each
bound to a column of the units or to a constant.

The semantics follow the openeo client's ``ProcessBasedJobCreator`` (whose names,
``parameter_column_map`` and ``parameter_defaults``, are the two kinds of binding
here): each row's job gets, for every declared parameter, the value of its bound
column in that row, else its bound constant, else the default the process declares;
an optional parameter without any is left out; a required one without any is refused.
The run fills ``spatial_extent`` and ``temporal_extent`` itself (the row's extent and
dates), as the client links a geometry column to the one GeoJSON parameter; a binding
of either name wins over that.

Bindings are kept in the job template (``JobTemplate.parameters``), so a run's saved
settings say what each job was given: ``{"name": {"column": "FIELD"}}`` or
``{"name": {"value": ...}}``. They hold field names and plain values, never secrets.

Unbound required parameters are refused before anything is submitted: a process
graph file's declared ``parameters`` when the template is checked, a back-end UDP's
(read from its description) in the run's preflight, per back-end.
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import GridJobsError
from .columns import RUN_COLUMNS

if TYPE_CHECKING:
    import openeo

#: ``NAME=column:FIELD`` binds a parameter to a column (else the text is a JSON value)
COLUMN_PREFIX = "column:"
#: ``NAME=row:extent`` / ``NAME=row:dates``: the row's own extent or dates, for a
#: process that names them otherwise than ``spatial_extent``/``temporal_extent``
ROW_PREFIX = "row:"
ROW_VALUES = {"extent": "spatial_extent", "dates": "temporal_extent"}
#: parameters the run fills from the row itself when no binding names them
AUTO_FILLED = ("spatial_extent", "temporal_extent")
#: the job table's own columns: a bound field named so would be overwritten
RESERVED_COLUMNS = RUN_COLUMNS
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-.]*$")

Bindings = dict[str, dict[str, Any]]


class ParameterError(GridJobsError, ValueError):
    """A parameter binding cannot be read, names an unknown field, or leaves a required
    parameter without a value; nothing was submitted."""


def parse_binding(text: str) -> tuple[str, dict[str, Any]]:
    """``NAME=column:FIELD`` (the row's value of FIELD) or ``NAME=VALUE`` (JSON; text
    that is not JSON is taken as a string): the CLI's ``--param``."""
    name, sep, value = text.partition("=")
    name = name.strip()
    if not sep or not name:
        raise ParameterError(
            f"--param {text!r} is not NAME=column:FIELD or NAME=VALUE (e.g. "
            "threshold=column:thr, or max_cloud=30)."
        )
    binding = binding_of(value)
    check_bindings({_checked_name(name): binding})
    return name, binding


def parse_bindings(texts: Iterable[str]) -> Bindings:
    """Several ``--param`` values; a name given twice is refused."""
    bindings: Bindings = {}
    for text in texts:
        name, binding = parse_binding(text)
        if name in bindings:
            raise ParameterError(f"Parameter {name!r} is bound twice.")
        bindings[name] = binding
    check_bindings(bindings)
    return bindings


def parse_parameter_map(text: str) -> Bindings:
    """A JSON object ``{"name": "column:FIELD" | value}`` (Processing's parameter map)."""
    if not text.strip():
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParameterError(f"The parameter map is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ParameterError(
            'The parameter map must be a JSON object, e.g. {"threshold": "column:thr", '
            '"max_cloud": 30}.'
        )
    bindings = {
        _checked_name(str(k)): binding_of(v) if isinstance(v, str) else {"value": v}
        for k, v in value.items()
    }
    check_bindings(bindings)
    return bindings


def binding_of(value: str) -> dict[str, Any]:
    """One binding from its text: ``column:FIELD``, ``row:extent``/``row:dates``, or a
    JSON value, or plain text."""
    value = value.strip()
    if value.startswith(COLUMN_PREFIX):
        return {"column": value[len(COLUMN_PREFIX) :].strip()}
    if value.startswith(ROW_PREFIX):
        return {"row": value[len(ROW_PREFIX) :].strip()}
    try:
        return {"value": json.loads(value)}
    except json.JSONDecodeError:
        return {"value": value}


def check_bindings(bindings: Mapping[str, Any]) -> None:
    """Each binding is ``{"column": FIELD}`` (a field the job table may hold) or
    ``{"value": ...}`` (a JSON value) or ``{"row": "extent"|"dates"}`` (the row's own);
    anything else is refused, naming it."""
    if not isinstance(bindings, Mapping):
        raise ParameterError("The parameters must map names to a column or a value.")
    for name, binding in bindings.items():
        _checked_name(name)
        if not isinstance(binding, Mapping) or len(binding) != 1:
            raise ParameterError(f"Parameter {name!r}: bind it to one column or one value.")
        if "column" in binding:
            column = binding["column"]
            if not isinstance(column, str) or not column.strip():
                raise ParameterError(f"Parameter {name!r}: name the field after 'column:'.")
            if column in RESERVED_COLUMNS:
                raise ParameterError(
                    f"Parameter {name!r}: field {column!r} has the name of one of the job "
                    "table's own columns; rename the field."
                )
        elif "value" in binding:
            _json_text(binding["value"], name)
        elif "row" in binding:
            if binding["row"] not in ROW_VALUES:
                raise ParameterError(
                    f"Parameter {name!r}: row:{binding['row']} is none of "
                    f"{', '.join('row:' + r for r in ROW_VALUES)}."
                )
        else:
            raise ParameterError(f"Parameter {name!r}: bind it to a column or a value.")


def bound_columns(bindings: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The fields the rows must carry, in order, once each."""
    return list(dict.fromkeys(str(b["column"]) for b in bindings.values() if "column" in b))


def declared_parameters(document: Any) -> list[dict[str, Any]]:
    """The ``parameters`` a process graph file declares (openEO's process format)."""
    if not isinstance(document, dict) or document.get("parameters") is None:
        return []
    params = document["parameters"]
    if not isinstance(params, list) or not all(
        isinstance(p, dict) and isinstance(p.get("name"), str) for p in params
    ):
        raise ParameterError("The process graph's parameters must be a list of {name: ...}.")
    return [dict(p) for p in params]


def unbound_required(
    declared: Iterable[Mapping[str, Any]], bindings: Mapping[str, Any]
) -> list[str]:
    """Required parameters (not optional, no default) that nothing fills."""
    return [
        str(p["name"])
        for p in declared
        if not p.get("optional")
        and "default" not in p
        and p["name"] not in bindings
        and p["name"] not in AUTO_FILLED
    ]


def refuse_unbound(missing: list[str], process: str) -> None:
    """The message for required parameters without a binding (nothing is submitted)."""
    if missing:
        raise ParameterError(
            f"{process} needs the parameter(s) {', '.join(map(repr, missing))}, which are "
            "bound to nothing: bind each to a field of the units, the row's extent or dates, or "
            "a value (CLI: --param NAME=column:FIELD, NAME=row:extent, NAME=row:dates or "
            "NAME=VALUE). Nothing was submitted."
        )


def row_arguments(
    bindings: Mapping[str, Mapping[str, Any]],
    values: Mapping[str, Any],
    auto: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A row's value for each bound parameter (``values``: the row's bound columns;
    ``auto``: its ``spatial_extent`` and ``temporal_extent``, for ``row:`` bindings)."""
    arguments = {}
    for name, binding in bindings.items():
        if "column" in binding:
            arguments[name] = plain(values.get(str(binding["column"])))
        elif "row" in binding:
            arguments[name] = copy.deepcopy((auto or {}).get(ROW_VALUES[str(binding["row"])]))
        else:
            arguments[name] = copy.deepcopy(binding["value"])
    return arguments


def unclaimed(bindings: Mapping[str, Mapping[str, Any]], auto: Mapping[str, Any]) -> dict:
    """The row's extent and dates under their own names, but for those a ``row:``
    binding sends as another parameter (a process that has no ``spatial_extent``)."""
    taken = {ROW_VALUES[str(b["row"])] for b in bindings.values() if "row" in b}
    return {k: v for k, v in auto.items() if k not in taken}


def plain(value: Any) -> Any:
    """A table's value as JSON can carry it: numpy numbers as Python's, NaN as null."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def fill_parameters(graph: dict, values: Mapping[str, Any]) -> dict:
    """A copy of ``graph`` with each ``{"from_parameter": name}`` of ``values`` replaced
    by its value (callbacks' own parameters, not in ``values``, are left alone)."""

    def fill(node: Any) -> Any:
        if isinstance(node, dict):
            if set(node) == {"from_parameter"} and node["from_parameter"] in values:
                return copy.deepcopy(values[node["from_parameter"]])
            return {k: fill(v) for k, v in node.items()}
        if isinstance(node, list):
            return [fill(v) for v in node]
        return node

    return dict(fill(graph))


def graph_values(
    declared: Iterable[Mapping[str, Any]], arguments: Mapping[str, Any], auto: Mapping[str, Any]
) -> dict[str, Any]:
    """What each declared parameter of a graph file gets: its binding, else the row's
    extent or dates, else its default, else null (an optional one)."""
    values: dict[str, Any] = {}
    for p in declared:
        name = str(p["name"])
        if name in arguments:
            values[name] = arguments[name]
        elif name in auto:
            values[name] = auto[name]
        else:
            values[name] = p.get("default")
    return values


def udp_parameters(
    connection: openeo.Connection, udp_id: str, namespace: str | None
) -> list[dict[str, Any]] | None:
    """The parameters a UDP declares: the user's own on the back-end, or a remote
    definition (a URL namespace); None where they cannot be known (another namespace)."""
    if not namespace:
        return list(connection.user_defined_process(udp_id).describe().get("parameters") or [])
    if re.match("https?://", namespace):
        from openeo.internal.processes.parse import parse_remote_process_definition

        process = parse_remote_process_definition(namespace, udp_id)
        return [
            {
                "name": p.name,
                "optional": p.optional,
                **({"default": p.default} if p.has_default() else {}),
            }
            for p in process.parameters or []
        ]
    return None


def _checked_name(name: str) -> str:
    if not _NAME.match(name):
        raise ParameterError(f"{name!r} is not a parameter name (letters, digits, _).")
    return name


def _json_text(value: Any, name: str) -> None:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        raise ParameterError(f"Parameter {name!r}: its value is not plain JSON.") from None
