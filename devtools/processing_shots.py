"""Pictures of the plugin in QGIS Processing: the Toolbox, the example model, a dialog.

``.venv/bin/python -m devtools.processing_shots --out docs/screenshots`` starts the
real QGIS desktop (under Xvfb without a display) in a throw-away profile with the
plugin enabled, and :mod:`devtools.processing_driver` saves ``toolbox.png``
(searched for "openeo"), ``toolbox-grid.png`` (for "grid"), ``model.png`` (the
example model in the Graphical Modeler) and ``runjobs-dialog.png``, then quits.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from devtools.launch_qgis import qgis_environment
from devtools.qgis_profile import REPO_ROOT, make_profile

DRIVER = Path(__file__).resolve().parent / "processing_driver.py"


def take(out: Path, profiles_path: Path, timeout: float = 120) -> list[Path]:
    """Run QGIS once; return the screenshots it saved."""
    out.mkdir(parents=True, exist_ok=True)
    make_profile(profiles_path)
    cmd = ["qgis", "--profiles-path", str(profiles_path), "--nologo", "--noversioncheck"]
    cmd += ["--code", str(DRIVER)]
    if not os.environ.get("DISPLAY"):
        if shutil.which("xvfb-run") is None:
            sys.exit("xvfb-run is missing: run scripts/setup.sh first")
        cmd = ["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", *cmd]
    env = qgis_environment({"OGJ_SHOTS_DIR": str(out.resolve())})
    subprocess.run(cmd, env=env, timeout=timeout, check=False)
    return [out / f"{n}.png" for n in ("toolbox", "toolbox-grid", "model", "runjobs-dialog")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / ".work" / "processing-shots")
    parser.add_argument(
        "--profiles-path", type=Path, default=REPO_ROOT / ".work" / "qgis-profiles-processing"
    )
    args = parser.parse_args()
    for path in take(args.out, args.profiles_path):
        print(path if path.exists() else f"missing: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
