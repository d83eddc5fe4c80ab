"""openeo-driver configuration of the local back-end (loaded via OPENEO_BACKEND_CONFIG).

Basic auth as in openeo-driver's dummy back-end: a user name starting with a
vowel has the password ``<name>123`` (``alice``/``alice123``); any other name
has ``<NAME>!!!``.

OpenID Connect: when ``OGJ_OIDC_ISSUER`` is set (the tests set it to a fake
provider they serve on loopback), that issuer is listed under
``/credentials/oidc`` with a public device-flow client, and the back-end checks
every bearer token at the issuer's ``/userinfo``, as real back-ends do.
``OGJ_BASIC_AUTH=off`` removes ``/credentials/basic`` (an OIDC-only back-end).
"""

import os

from openeo_driver.config import OpenEoBackendConfig
from openeo_driver.users.oidc import OidcProvider


def _valid_basic_auth(username: str, password: str) -> bool:
    if username[:1].lower() in "aeiou":
        return password == f"{username.lower()}123"
    return password == f"{username.upper()}!!!"


def _oidc_providers() -> list:
    issuer = os.environ.get("OGJ_OIDC_ISSUER")
    if not issuer:
        return []
    device_grants = ["urn:ietf:params:oauth:grant-type:device_code+pkce", "refresh_token"]
    return [
        OidcProvider(
            id="loopback",
            issuer=issuer,
            title="Loopback test provider",
            scopes=["openid"],
            default_clients=[{"id": "grid-jobs-device", "grant_types": device_grants}],
        )
    ]


config = OpenEoBackendConfig(
    id="openeo-grid-jobs-local",
    capabilities_title="Local openEO back-end (openeo-driver dummy)",
    capabilities_description="openeo-driver's dummy back-end on loopback, for tests and demos "
    "of openEO Grid Jobs. Batch jobs progress on their own and write synthetic NDVI.",
    capabilities_backend_version="0.1.0",
    processing_facility="openEO Grid Jobs local back-end",
    oidc_providers=_oidc_providers(),
    enable_basic_auth=os.environ.get("OGJ_BASIC_AUTH", "on") != "off",
    valid_basic_auth=_valid_basic_auth,
)
