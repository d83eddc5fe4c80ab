"""pystac validation without network: the STAC core schemas that pystac bundles.

pystac's own ``JsonSchemaSTACValidator`` needs jsonschema ≥ 4.18 (with
``referencing``); QGIS on Debian 12 brings jsonschema 4.10 (python3-qgis →
python3-plotly → python3-nbformat → python3-jsonschema), and any schema pystac
does not bundle would be fetched over the network, which tests do not have.

:class:`OfflineValidator` validates core STAC objects against the schemas of
``pystac.validation.local_validator.get_local_schema_cache()`` (STAC 1.1.0 Item,
Catalog, Collection and the GeoJSON schemas they reference), resolving every
``$ref`` from that cache: with a ``referencing`` registry where jsonschema has one
(≥ 4.18: Debian 13, QGIS 3.40; its legacy ``RefResolver`` there resolves
``#/definitions/...`` inside a referenced schema against the wrong document), else
with ``RefResolver`` (jsonschema 4.10 of Debian 12); an extension schema
(which would need the network) is an error, so a catalog that declares one fails
here instead of being half-checked.
"""

from __future__ import annotations

import contextlib
import socket
from typing import Any

import jsonschema
import pystac
import pystac.validation
from pystac.validation.local_validator import get_local_schema_cache
from pystac.validation.schema_uri_map import DefaultSchemaUriMap
from pystac.validation.stac_validator import STACValidator


class OfflineValidator(STACValidator):
    def __init__(self) -> None:
        self.store = get_local_schema_cache()
        self.uris = DefaultSchemaUriMap()

    def validate_core(
        self,
        stac_dict: dict[str, Any],
        stac_object_type: Any,
        stac_version: str,
        href: str | None = None,
    ) -> str:
        uri = self.uris.get_object_schema_uri(stac_object_type, stac_version)
        if uri not in self.store:
            raise pystac.STACValidationError(f"no bundled schema {uri} (STAC {stac_version})")
        schema = self.store[uri]
        try:
            self._validator(uri, schema).validate(stac_dict)
        except jsonschema.ValidationError as exc:
            raise pystac.STACValidationError(
                f"{href or stac_dict.get('id')}: {exc.message}", source=exc
            ) from exc
        return uri

    def _validator(self, uri: str, schema: dict[str, Any]) -> jsonschema.Draft7Validator:
        try:
            import referencing
            import referencing.jsonschema
        except ImportError:  # jsonschema < 4.18
            resolver = jsonschema.RefResolver(base_uri=uri, referrer=schema, store=self.store)
            return jsonschema.Draft7Validator(schema, resolver=resolver)
        registry: referencing.Registry = referencing.Registry().with_resources(
            (
                key,
                referencing.Resource.from_contents(
                    value, default_specification=referencing.jsonschema.DRAFT7
                ),
            )
            for key, value in self.store.items()
        )
        return jsonschema.Draft7Validator(schema, registry=registry)

    def validate_extension(
        self,
        stac_dict: dict[str, Any],
        stac_object_type: Any,
        stac_version: str,
        extension_id: str,
        href: str | None = None,
    ) -> None:
        raise pystac.STACValidationError(
            f"{href or stac_dict.get('id')}: extension {extension_id} cannot be validated offline"
        )


@contextlib.contextmanager
def offline_validation(monkeypatch):
    """pystac validates with :class:`OfflineValidator`, and any attempt to open a network
    connection fails (so a schema fetch could not pass unnoticed)."""

    def no_network(*_args, **_kwargs):
        raise OSError("no network in this test")

    pystac.validation.set_validator(OfflineValidator())
    with monkeypatch.context() as patch:
        patch.setattr(socket.socket, "connect", no_network)
        try:
            yield
        finally:
            pystac.validation.RegisteredValidator._validator = None  # back to pystac's default
