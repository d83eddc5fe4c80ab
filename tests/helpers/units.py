"""Irregular polygons to use as a run's units, and what the back-end's jobs were asked."""

from __future__ import annotations

import json

import geopandas as gpd
import shapely

#: five fields near Antwerp (UTM 31N): a triangle, a pentagon, an L, a two-part field, a sliver
FIELDS = {
    "F-01": shapely.Polygon([(595000, 5660000), (597500, 5660300), (596000, 5662800)]),
    "F-02": shapely.Polygon(
        [
            (600000, 5660000),
            (602000, 5660500),
            (602500, 5662000),
            (601000, 5663000),
            (599800, 5661500),
        ]
    ),
    "F-03": shapely.Polygon(
        [
            (605000, 5660000),
            (608000, 5660000),
            (608000, 5661000),
            (606000, 5661000),
            (606000, 5664000),
            (605000, 5664000),
        ]
    ),
    "F-04": shapely.MultiPolygon(
        [
            shapely.box(595000, 5665000, 596000, 5666000),
            shapely.box(597000, 5667000, 598500, 5668000),
        ]
    ),
    "F-05": shapely.Polygon(
        [(600000, 5665000), (604000, 5665200), (604000, 5665400), (600000, 5665300)]
    ),
}


def fields(ids=None, crs="EPSG:32631", **columns) -> gpd.GeoDataFrame:
    """The five fields with their id in ``field_id`` (or ``ids``), plus ``columns``."""
    ids = list(FIELDS) if ids is None else ids
    return gpd.GeoDataFrame(
        {"field_id": ids, "crop": ["wheat"] * len(ids), **columns},
        geometry=list(FIELDS.values())[: len(ids)],
        crs=crs,
    )


def load_collection_args(connection, job_id: str) -> dict:
    """The ``load_collection`` arguments of a job, as the back-end stored them."""
    graph = connection.job(job_id).describe()["process"]["process_graph"]
    (node,) = [n for n in graph.values() if n["process_id"] == "load_collection"]
    return node["arguments"]


def run_jobs(connection, run_tag: str) -> dict[str, dict]:
    """This run's jobs on the back-end (its listing), by title."""
    return {
        j["title"]: j
        for j in connection.list_jobs(limit=1000)
        if f"[{run_tag}" in (j.get("title") or "")
    }


SCALE = {
    "m": {
        "process_id": "multiply",
        "arguments": {"x": {"from_parameter": "x"}, "y": {"from_parameter": "factor"}},
        "result": True,
    }
}


def graph_file(tmp_path, factor: str = "factor", declared: list | None = None) -> str:
    """A process definition file whose graph takes a factor (named ``factor``; inside a
    callback, beside the callback's own ``x``) and bands as parameters, and declares an
    offset with a default (or what ``declared`` lists)."""
    scale = json.loads(json.dumps(SCALE).replace('"factor"', json.dumps(factor)))
    document = {
        "process_graph": {
            "load": {
                "process_id": "load_collection",
                "arguments": {
                    "id": "SENTINEL2_L2A",
                    "spatial_extent": None,
                    "temporal_extent": None,
                    "bands": {"from_parameter": "bands"},
                },
            },
            "scale": {  # the factor reaches into a callback, whose own x stays
                "process_id": "apply",
                "arguments": {
                    "data": {"from_node": "load"},
                    "process": {"process_graph": scale},
                },
            },
            "save": {
                "process_id": "save_result",
                "arguments": {"data": {"from_node": "scale"}, "format": "GTiff"},
                "result": True,
            },
        },
        "parameters": declared
        or [
            {"name": factor, "schema": {"type": "number"}},
            {"name": "bands", "schema": {"type": "array"}},
            {"name": "offset", "schema": {"type": "number"}, "default": 0},
        ],
    }
    path = tmp_path / "graph.json"
    path.write_text(json.dumps(document))
    return str(path)
