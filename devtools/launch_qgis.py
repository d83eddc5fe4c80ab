"""Start the real QGIS desktop with this plugin enabled from a throw-away profile.

Without a display it runs under ``xvfb-run``. With ``--screenshot`` it drives
the desktop through :mod:`devtools.qgis_driver` (click the plugin's button, do
the demo steps), saves a screenshot after ``--after`` seconds and quits, so a
run can be checked on a machine without a screen. The driver writes a JSON
report next to the screenshot.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from devtools.local_backend.launcher import USERNAME, LocalBackend
from devtools.qgis_profile import REPO_ROOT, make_profile

DRIVER = Path(__file__).resolve().parent / "qgis_driver.py"


def qgis_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment in which QGIS's Python sees this venv's packages."""
    env = dict(os.environ)
    # Tests run Qt offscreen; the desktop must draw on the (X)vfb display.
    env.pop("QT_QPA_PLATFORM", None)
    site = sysconfig.get_paths()["purelib"]
    env["PYTHONPATH"] = os.pathsep.join(p for p in (site, env.get("PYTHONPATH")) if p)
    env.setdefault("QT_LOGGING_RULES", "*.debug=false")
    env.update(extra or {})
    return env


def qgis_command(profiles_path: Path, *, project: Path | None, use_xvfb: bool) -> list[str]:
    cmd = ["qgis", "--profiles-path", str(profiles_path), "--nologo", "--noversioncheck"]
    cmd += ["--code", str(DRIVER)]
    if project is not None:
        cmd += ["--project", str(project)]
    if use_xvfb:
        cmd = ["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", *cmd]
    return cmd


def demo_project(path: Path) -> Path:
    """Write the demo project (in a child process: it needs a QgsApplication)."""
    subprocess.run(
        [sys.executable, "-m", "devtools.demo_project", str(path)],
        cwd=REPO_ROOT,
        env=qgis_environment({"QT_QPA_PLATFORM": "offscreen"}),
        check=True,
        capture_output=True,
    )
    return path


def run(
    profiles_path: Path,
    *,
    screenshot: Path | None = None,
    after: float = 5.0,
    settings: dict[str, dict[str, str]] | None = None,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
    project: Path | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Launch QGIS on ``project`` (default: the demo project over Antwerp); wait for it to exit."""
    child = start(
        profiles_path,
        screenshot=screenshot,
        after=after,
        settings=settings,
        env=env,
        project=project,
    )
    try:
        child.wait(timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
        raise
    return subprocess.CompletedProcess(child.args, child.returncode)


def start(
    profiles_path: Path,
    *,
    screenshot: Path | None = None,
    after: float = 5.0,
    settings: dict[str, dict[str, str]] | None = None,
    env: dict[str, str] | None = None,
    project: Path | None = None,
) -> subprocess.Popen[bytes]:
    """Start QGIS as :func:`run` does, without waiting for it."""
    make_profile(profiles_path, settings)
    if project is None:
        project = demo_project(profiles_path / "demo" / "antwerp.qgz")
    extra = dict(env or {})
    if screenshot is not None:
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        extra["OGJ_SCREENSHOT"] = str(screenshot.resolve())
        extra["OGJ_SCREENSHOT_AFTER"] = str(after)
    use_xvfb = not os.environ.get("DISPLAY") or screenshot is not None
    if use_xvfb and shutil.which("xvfb-run") is None:
        sys.exit("xvfb-run is missing: run scripts/setup.sh first")
    cmd = qgis_command(profiles_path, project=project, use_xvfb=use_xvfb)
    return subprocess.Popen(cmd, env=qgis_environment(extra))


def locale_settings(language: str | None) -> dict[str, dict[str, str]]:
    """QGIS3.ini entries for QGIS's user interface language, as *Settings › Options ›
    General › Override system locale* writes them (QGIS 3.22 to 4): ``language`` (``de``,
    ``fr_FR``...), or None for the system's (a profile used with ``--locale`` before goes
    back to it). The plugin follows QGIS's choice (``ui/i18n.py``)."""
    if language:
        return {"locale": {"overrideFlag": "true", "userLocale": language}}
    return {"locale": {"overrideFlag": "false"}}


def local_backend_login(
    profiles_path: Path, url: str, parallel_jobs: int = 4
) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """Settings (QGIS3.ini) and environment that connect the plugin to the local back-end.

    The login (alice) goes into the profile's QGIS auth database; the settings keep
    only its id, as they would after a user added the back-end in the dock.
    """
    from devtools.demo_login import master_password_file

    profile = make_profile(profiles_path)
    password_file = master_password_file(profiles_path)
    result = subprocess.run(
        [sys.executable, "-m", "devtools.demo_login", str(profile), str(password_file)],
        cwd=REPO_ROOT,
        env=qgis_environment({"QT_QPA_PLATFORM": "offscreen"}),
        check=True,
        capture_output=True,
        text=True,
    )
    authcfg = result.stdout.strip().splitlines()[-1]
    key = "connections\\local_back-end\\"
    connection = {
        "name": "Local back-end",
        "url": url,
        "auth_method": "basic",
        "authcfg": authcfg,
        "parallel_jobs": str(parallel_jobs),
        "verify_tls": "true",
        "enabled": "true",
    }
    settings = {"openeo_grid_jobs": {key + k: v for k, v in connection.items()}}
    settings["openeo_grid_jobs"]["poll_interval"] = "1.0"
    return settings, {"QGIS_AUTH_PASSWORD_FILE": str(password_file)}


def start_fault_proxy(upstream: str):
    """The demo of a flaky back-end: seeded faults all along, and an outage of 30 s."""
    import threading

    from devtools.fault_proxy import FaultProxy
    from devtools.faults import Faults

    faults = Faults(
        error_5xx=0.10, rate_429=0.05, reset=0.02, lost_answer=0.05, delay=0.10, max_delay=1.0
    )
    proxy = FaultProxy(upstream, faults, seed=1)
    timer = threading.Timer(25.0, proxy.outage, (30.0,))
    timer.daemon = True
    timer.start()
    return proxy


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles-path", type=Path, default=REPO_ROOT / ".work" / "qgis-profiles")
    parser.add_argument("--screenshot", type=Path, help="save a PNG of the screen, then quit")
    parser.add_argument("--after", type=float, default=5.0, help="seconds before the screenshot")
    parser.add_argument(
        "--no-backend", action="store_true", help="do not start the local openEO back-end"
    )
    parser.add_argument(
        "--locale",
        metavar="LANG",
        help="QGIS's (and the plugin's) language in the profile, e.g. de (default: the system's)",
    )
    parser.add_argument("--job-duration", type=float, default=8.0, help="local back-end job time")
    parser.add_argument(
        "--demo-run", action="store_true", help="with --screenshot: also run the grid's jobs"
    )
    parser.add_argument(
        "--demo-series",
        action="store_true",
        help="with --screenshot: run four fields monthly over three months, then show the "
        "Temporal Controller at the second month",
    )
    parser.add_argument(
        "--faults",
        action="store_true",
        help="put a fault-injecting proxy between QGIS and the back-end (5xx, 429, resets, "
        "lost answers, delays) and cut the back-end off for 30 s, 25 s after the start",
    )
    parser.add_argument(
        "--stop-and-save",
        type=Path,
        metavar="PROJECT",
        help="with --screenshot: run, Stop half-way, save the QGIS project as PROJECT, quit",
    )
    parser.add_argument(
        "--resume",
        type=Path,
        metavar="PROJECT",
        help="with --screenshot: open PROJECT (saved by --stop-and-save), resume its run",
    )
    args = parser.parse_args()
    settings: dict[str, dict[str, str]] = {}
    env: dict[str, str] = {}
    backend = None
    if not args.no_backend:
        backend = LocalBackend(
            state_dir=REPO_ROOT / ".work" / "backend-state",
            job_duration=args.job_duration,
            jitter=args.job_duration / 4,
            max_running=4,
        )
        print(f"local openEO back-end: {backend.url} (user {USERNAME})", flush=True)
        url = backend.url
        if args.faults:
            proxy = start_fault_proxy(backend.url)
            url = proxy.url
            print(f"fault proxy in front of it: {url}", flush=True)
        settings, env = local_backend_login(args.profiles_path, url)
    settings.update(locale_settings(args.locale))
    if args.demo_run:
        env["OGJ_DEMO_RUN"] = "1"
    if args.demo_series:
        env["OGJ_DEMO_SERIES"] = "1"
    if args.faults:
        env["OGJ_FAULTS"] = "1"
    if args.stop_and_save:
        env.update(OGJ_DEMO_RUN="1", OGJ_SAVE_PROJECT=str(args.stop_and_save.resolve()))
    if args.resume:
        env["OGJ_RESUME"] = "1"
    try:
        result = run(
            args.profiles_path,
            screenshot=args.screenshot,
            after=args.after,
            settings=settings,
            env=env,
            project=args.resume,
        )
    finally:
        if backend is not None:
            backend.stop()
    if args.screenshot:
        print(f"screenshot: {args.screenshot}")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
