"""The release zip passes the QGIS plugin repository's upload scan.

The repository scans every uploaded version with bandit and detect-secrets, and a
finding of either blocks the version (no download, no approval) until a new version
is uploaded; its flake8 and file checks only inform. These tests run both tools on
the unpacked zip with the command lines and default rules of the repository's
scanner (qgis/QGIS-Plugins-Website: ``qgis-app/plugins/security_scanner.py``; the
rules in ``qgis-app/plugins/management/commands/data/bandit_rules.json`` and
``secrets_rules.json``; the blocking in ``qgis-app/plugins/tasks/run_security_scan.py``).
The uploader may waive the rules marked skippable there; these tests waive none, so a
pass needs no waiver.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent

#: The bandit tests the repository runs (``bandit -t``): every rule it enables by
#: default. Off there: B109, B404 (import subprocess), B410 (import lxml), B411.
#: B111 and B320 are no longer in bandit, which says so on stderr and goes on.
BANDIT_TESTS = (
    "B101,B102,B103,B104,B105,B106,B107,B108,B110,B111,B112,B113,B201,B202,"
    "B301,B302,B303,B304,B305,B306,B307,B308,B310,B311,B312,B313,B314,B315,B316,"
    "B317,B318,B319,B320,B321,B323,B324,B401,B402,B403,B405,B406,B407,B408,B409,"
    "B412,B413,B501,B502,B503,B504,B505,B506,B507,B508,B509,B601,B602,B603,B604,"
    "B605,B606,B607,B608,B609,B610,B611,B612,B613,B614,B615,B701,B702,B703,B704"
)
#: detect-secrets plugins the repository turns off: the rest (all of them) run.
SECRETS_DISABLED = ("IPPublicDetector",)
#: Files the repository's tools would read as configuration: each changes what it
#: reports, and the version is then only "validated (configured)".
SCANNER_CONFIGS = {".bandit", ".secrets.baseline", ".flake8"}


@pytest.fixture(scope="module")
def unpacked(tmp_path_factory) -> Path:
    """The release zip, built by scripts/package.py and unpacked as the scanner does."""
    root = tmp_path_factory.mktemp("release")
    out = subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "package.py"), "--out", str(root)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    folder = root / "unpacked"
    with zipfile.ZipFile(out) as zf:
        zf.extractall(folder)
    return folder


def test_bandit_finds_nothing(unpacked):
    command = ["bandit", "-r", str(unpacked), "-f", "json", "--quiet", "-t", BANDIT_TESTS]
    ran = subprocess.run(
        [sys.executable, "-m", *command],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ran.stdout.strip(), f"bandit wrote no report: {ran.stderr}"
    report = json.loads(ran.stdout)
    found = [
        f"{Path(r['filename']).relative_to(unpacked)}:{r['line_number']} "
        f"{r['test_id']} {r['issue_text']}"
        for r in report["results"]
    ]
    assert not found, "bandit findings (each blocks the upload):\n" + "\n".join(found)
    # a file bandit could not read is one the check did not cover
    assert not report["errors"], report["errors"]


def test_detect_secrets_finds_nothing(unpacked):
    disabled = [arg for name in SECRETS_DISABLED for arg in ("--disable-plugin", name)]
    command = ["detect_secrets", "scan", "--all-files", "--exclude-files", r"metadata\.txt"]
    ran = subprocess.run(
        [sys.executable, "-m", *command, *disabled, "."],
        cwd=unpacked,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ran.returncode == 0, ran.stderr
    results = json.loads(ran.stdout)["results"]
    found = [
        f"{path}:{secret['line_number']} {secret['type']}"
        for path, secrets in results.items()
        for secret in secrets
    ]
    assert not found, "detect-secrets findings (each blocks the upload):\n" + "\n".join(found)


def test_zip_holds_no_scanner_configuration(unpacked):
    shipped = {p.name for p in unpacked.rglob("*") if p.name in SCANNER_CONFIGS}
    assert not shipped
