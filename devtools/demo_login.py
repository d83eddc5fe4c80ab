"""Store the local back-end's demo login in a throw-away profile's QGIS auth database.

Run in a child process (it needs its own QgsApplication) by the README's main
command, so that "Create grid → Run" needs no typing. The profile's auth
database gets a master password kept in ``<profiles>/master-password`` (mode
0600, a dev profile only), which QGIS reads at start through its
``QGIS_AUTH_PASSWORD_FILE`` variable. Prints the auth-config id.
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

CONFIG_NAME = "openEO: Local back-end"


def master_password_file(profiles_path: Path) -> Path:
    path = profiles_path / "master-password"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(24))
    return path


def store_demo_login(profile: Path, password_file: Path, username: str, password: str) -> str:
    from qgis.core import QgsApplication, QgsAuthMethodConfig

    # QGIS 3.40 ignores QgsApplication's profile argument (qgis/QGIS#66030) and
    # would use ~/.local/share/profiles/default; it honours QGIS_CUSTOM_CONFIG_PATH
    # (the folder that holds profiles/), which 3.22 reads too.
    os.environ["QGIS_CUSTOM_CONFIG_PATH"] = str(profile.parent.parent)
    app = QgsApplication([], False, str(profile))
    app.initQgis()
    settings_dir = Path(QgsApplication.qgisSettingsDirPath()).resolve()
    if settings_dir != profile.resolve():
        raise SystemExit(f"QGIS opened the profile {settings_dir}, not {profile}")
    manager = QgsApplication.authManager()
    if not manager.setMasterPassword(password_file.read_text().strip(), True):
        raise SystemExit(f"the master password in {password_file} does not open {profile}")
    config = QgsAuthMethodConfig("Basic")
    for config_id, existing in manager.availableAuthMethodConfigs().items():
        if existing.name() == CONFIG_NAME:
            manager.loadAuthenticationConfig(config_id, config, True)
    config.setName(CONFIG_NAME)
    config.setMethod("Basic")
    config.setConfig("username", username)
    config.setConfig("password", password)
    ok = (
        manager.updateAuthenticationConfig(config)
        if config.id()
        else manager.storeAuthenticationConfig(config)[0]
    )
    if not ok:
        raise SystemExit("QGIS did not store the demo login")
    return config.id()


if __name__ == "__main__":
    from devtools.local_backend.launcher import PASSWORD, USERNAME

    profile_dir, password_file = Path(sys.argv[1]), Path(sys.argv[2])
    print(store_demo_login(profile_dir, password_file, USERNAME, PASSWORD))
