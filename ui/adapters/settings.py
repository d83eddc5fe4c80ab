"""Every QgsSettings key the plugin stores, declared once with its default.

A key written in one module and read in another with a different default (or a
typo) fails silently: the read just returns the default. So every key lives in
this table, and the rest of the plugin reads and writes through it; no other
module makes a ``QgsSettings()`` (``tests/ui/adapters/test_settings.py`` checks both).
Secrets never go here: they are in QGIS's authentication database
(:mod:`.auth_store`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from qgis.core import QgsSettings

from ...core.definitions import (
    DEFAULT_BANDS,
    DEFAULT_COLLECTION,
    DEFAULT_END,
    DEFAULT_PARALLEL_JOBS,
    DEFAULT_POLL_INTERVAL,
    DEFAULT_START,
    LoginMethod,
    OutputFormat,
)
from ...core.jobs.template import DEFAULT_JOB_OPTIONS, EXTENT_BBOX, PROCESS_NDVI

#: every key starts with it (the plugin's group in QGIS's settings file)
PREFIX = "openeo_grid_jobs/"


@dataclass(frozen=True)
class Key:
    """One stored value: its name under :data:`PREFIX`, its default and its type.

    ``kind`` None reads the stored value as QGIS returns it (a widget that parses
    it itself, and None when missing, e.g. the time windows).
    """

    name: str
    default: Any
    kind: type | None = None

    @property
    def path(self) -> str:
        return PREFIX + self.name

    def read(self, settings: QgsSettings | None = None, group: str = "") -> Any:
        settings = settings or QgsSettings()
        path = PREFIX + group + self.name
        if self.kind is None:
            return settings.value(path, self.default)
        return settings.value(path, self.default, type=self.kind)

    def write(self, value: Any, group: str = "") -> None:
        QgsSettings().setValue(PREFIX + group + self.name, value)

    def remove(self) -> None:
        QgsSettings().remove(self.path)


#: the first-start connections (:data:`.connections.DEFAULTS`) were offered once
CONNECTIONS_SEEDED = Key("connections_seeded", False, bool)
#: the remembered answer to "keep the run going when QGIS closes?" ("" asks again)
ON_CLOSE = Key("on_close", "", str)
#: seconds between two polls of a back-end, as last set on the Run page
POLL_INTERVAL = Key("poll_interval", DEFAULT_POLL_INTERVAL, float)

#: the Job tab's form as last used (``TemplateForm.values()`` by name)
FORM_KEYS: dict[str, Key] = {
    k.name: k
    for k in (
        Key("collection", DEFAULT_COLLECTION, str),
        Key("bands", ", ".join(DEFAULT_BANDS), str),
        Key("start", DEFAULT_START, str),
        Key("end", DEFAULT_END, str),
        Key("windows_mode", None),
        Key("windows_step", None),
        Key("windows_days", None),
        Key("windows_list", None),
        Key("extent", EXTENT_BBOX, str),
        Key("process", PROCESS_NDVI, str),
        Key("graph_file", "", str),
        Key("udp_id", "", str),
        Key("out_format", OutputFormat.NETCDF.value, str),
        Key("job_options", json.dumps(DEFAULT_JOB_OPTIONS), str),
        Key("parameters", "", str),
    )
}

#: a saved connection's group, one subgroup per connection (``connections/<id>/``)
CONNECTIONS_GROUP = "connections"
#: what each saved connection keeps (never a secret: its ``authcfg`` points at them)
CONNECTION_KEYS: dict[str, Key] = {
    k.name: k
    for k in (
        Key("name", "", str),
        Key("url", "", str),
        Key("auth_method", LoginMethod.NONE.value, str),
        Key("parallel_jobs", DEFAULT_PARALLEL_JOBS, int),
        Key("queued_jobs", 0, int),
        Key("provider_id", "", str),
        Key("client_id", "", str),
        Key("verify_tls", True, bool),
        Key("authcfg", "", str),
        Key("enabled", True, bool),
    )
}

#: every fixed key (the connections' keys sit under their group, per connection)
KEYS: tuple[Key, ...] = (CONNECTIONS_SEEDED, ON_CLOSE, POLL_INTERVAL, *FORM_KEYS.values())


def form_values() -> dict[str, Any]:
    """The Job tab's remembered form, every key with its default when never saved."""
    settings = QgsSettings()
    return {name: key.read(settings) for name, key in FORM_KEYS.items()}


def save_form(values: dict[str, Any]) -> None:
    """Remember the form; a name not declared in :data:`FORM_KEYS` is a bug (KeyError)."""
    for name, value in values.items():
        FORM_KEYS[name].write(value)


def connection_ids() -> list[str]:
    """The saved connections' ids (their subgroups), in QGIS's order."""
    settings = QgsSettings()
    settings.beginGroup(PREFIX + CONNECTIONS_GROUP)
    ids = settings.childGroups()
    settings.endGroup()
    return list(ids)


def read_connection(connection_id: str) -> dict[str, Any]:
    """One saved connection's values by key name (defaults for what is missing)."""
    settings = QgsSettings()
    group = f"{CONNECTIONS_GROUP}/{connection_id}/"
    return {name: key.read(settings, group) for name, key in CONNECTION_KEYS.items()}


def write_connection(connection_id: str, values: dict[str, Any]) -> None:
    """Store a connection's values; a name not in :data:`CONNECTION_KEYS` is a KeyError."""
    group = f"{CONNECTIONS_GROUP}/{connection_id}/"
    for name, value in values.items():
        CONNECTION_KEYS[name].write(value, group)


def remove_connection(connection_id: str) -> None:
    QgsSettings().remove(f"{PREFIX}{CONNECTIONS_GROUP}/{connection_id}")


def remove_connections() -> None:
    """Forget every saved connection (tests, benchmarks: a known starting point)."""
    QgsSettings().remove(PREFIX + CONNECTIONS_GROUP)
