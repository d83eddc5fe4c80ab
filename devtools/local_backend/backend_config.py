"""openeo-driver configuration of the local back-end (loaded via OPENEO_BACKEND_CONFIG).

Basic auth as in openeo-driver's dummy back-end: a user name starting with a
vowel has the password ``<name>123`` (``alice``/``alice123``); any other name
has ``<NAME>!!!``.
"""

from openeo_driver.config import OpenEoBackendConfig


def _valid_basic_auth(username: str, password: str) -> bool:
    if username[:1].lower() in "aeiou":
        return password == f"{username.lower()}123"
    return password == f"{username.upper()}!!!"


config = OpenEoBackendConfig(
    id="openeo-grid-jobs-local",
    capabilities_title="Local openEO back-end (openeo-driver dummy)",
    capabilities_description="openeo-driver's dummy back-end on loopback, for tests and demos "
    "of openEO Grid Jobs. Batch jobs progress on their own and write synthetic NDVI.",
    capabilities_backend_version="0.1.0",
    processing_facility="openEO Grid Jobs local back-end",
    oidc_providers=[],
    enable_basic_auth=True,
    valid_basic_auth=_valid_basic_auth,
)
