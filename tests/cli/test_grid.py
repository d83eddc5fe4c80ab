"""``openeo-grid-jobs grid`` writes the same grid as the plugin, and fails cleanly."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from openeo_grid_jobs.cli.main import main
from openeo_grid_jobs.core.grid.grid import build_grid

COMMAND = str(Path(__file__).resolve().parent.parent.parent / ".venv" / "bin" / "openeo-grid-jobs")
ANTWERP = ["4.2", "51.1", "4.6", "51.35"]
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


@pytest.fixture(autouse=True)
def _restore_proj_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """main() may set PROJ_DATA/PROJ_LIB (core.grid.proj_data): undo that after each test."""
    for name in ("PROJ_DATA", "PROJ_LIB"):
        if name in os.environ:
            monkeypatch.setenv(name, os.environ[name])
        else:
            monkeypatch.delenv(name, raising=False)


def grid(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run ``openeo-grid-jobs grid ARGS`` in this process: exit code, stdout, stderr."""
    code = main(["grid", *args])
    out, err = capsys.readouterr()
    return code, out, err


def grid_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None):
    return subprocess.run(
        [COMMAND, "grid", *args], capture_output=True, text=True, cwd=cwd, env=env, check=False
    )


def hashes(folder: Path) -> dict[str, str]:
    """Every file (and folder) under ``folder``, with a SHA-256 of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        if p.is_file()
        else "folder"
        for p in sorted(folder.rglob("*"))
    }


def assert_one_line_error(code: int, out: str, err: str, fragment: str) -> None:
    assert code == 2, (out, err)
    assert err.endswith("\n")
    assert len(err.splitlines()) == 1, err
    assert fragment in err, err
    assert "Traceback" not in err
    assert err.startswith("openeo-grid-jobs grid: error: ")


# --- writing --------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".gpkg", ".shp", ".geojson"])
def test_writes_grid_in_each_format(tmp_path, capsys, suffix):
    out = tmp_path / f"grid{suffix}"
    code, stdout, err = grid(capsys, "--bbox", *ANTWERP, "--tile-size", "5000", "--out", str(out))
    assert code == 0, err
    assert err == ""
    assert "42 tiles of 5000 m" in stdout
    frame = gpd.read_file(out)
    expected = build_grid(tuple(map(float, ANTWERP)), "EPSG:4326", 5000).tiles
    assert sorted(frame.tile_id) == sorted(expected.tile_id)
    assert set(frame.status) == {"not_started"}
    assert frame.crs.to_epsg() == (4326 if suffix == ".geojson" else 32631)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [f"grid{ext}" for ext in SHAPEFILE_PARTS] if suffix == ".shp" else [out.name]
    )  # nothing left over from the write (it goes through a hidden staging folder)


def test_aoi_file_and_grid_crs(tmp_path, capsys):
    aoi = tmp_path / "aoi.geojson"
    assert grid(capsys, "--bbox", *ANTWERP, "--tile-size", "20000", "--out", str(aoi))[0] == 0
    out = tmp_path / "grid.gpkg"
    code, _, err = grid(
        capsys,
        "--aoi",
        str(aoi),
        "--tile-size",
        "10000",
        "--grid-crs",
        "EPSG:3035",
        "--out",
        str(out),
    )
    assert code == 0, err
    assert gpd.read_file(out).crs.to_epsg() == 3035


def test_subprocess_run_exits_0_with_empty_stderr(tmp_path):
    """The installed command, as a user runs it: no PROJ data warning, no library
    Deprecation/FutureWarnings, even with every warning switched on."""
    env = {k: v for k, v in os.environ.items() if k not in ("PROJ_DATA", "PROJ_LIB")}
    env["PYTHONWARNINGS"] = "default"  # shows DeprecationWarnings too
    aoi = tmp_path / "aoi.shp"
    gpd.GeoDataFrame(geometry=[shapely.box(4.2, 51.1, 4.6, 51.35)], crs=4326).to_file(aoi)
    result = grid_cli(
        "--aoi", "aoi.shp", "--tile-size", "5000", "--out", "grid.gpkg", cwd=tmp_path, env=env
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "tiles of 5000 m" in result.stdout
    assert len(gpd.read_file(tmp_path / "grid.gpkg")) > 0


# --- --out: never silently over an existing file -----------------------------------------


@pytest.mark.parametrize("suffix", [".gpkg", ".shp", ".geojson"])
def test_existing_out_is_refused_and_left_byte_identical(tmp_path, capsys, suffix, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = f"grid{suffix}"
    assert grid(capsys, "--bbox", *ANTWERP, "--tile-size", "5000", "--out", out)[0] == 0
    before = hashes(tmp_path)
    code, stdout, err = grid(capsys, "--bbox", *ANTWERP, "--tile-size", "10000", "--out", out)
    assert_one_line_error(code, stdout, err, f"{out} already exists; pass --overwrite")
    assert hashes(tmp_path) == before


def test_shapefile_part_alone_blocks_the_write(tmp_path, capsys, monkeypatch):
    """grid.dbf alone (say, a table of someone's) would be clobbered by grid.shp."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "grid.dbf").write_bytes(b"someone's table")
    code, out, err = grid(capsys, "--bbox", *ANTWERP, "--tile-size", "5000", "--out", "grid.shp")
    assert_one_line_error(code, out, err, "grid.dbf already exists (part of the Shapefile")
    assert (tmp_path / "grid.dbf").read_bytes() == b"someone's table"


@pytest.mark.parametrize("suffix", [".gpkg", ".shp", ".geojson"])
def test_overwrite_replaces_the_file(tmp_path, capsys, suffix):
    out = tmp_path / f"grid{suffix}"
    assert grid(capsys, "--bbox", *ANTWERP, "--tile-size", "5000", "--out", str(out))[0] == 0
    stale_index = out.with_suffix(".qix")
    if suffix == ".shp":
        stale_index.write_bytes(b"spatial index of the old file")
    code, stdout, err = grid(
        capsys, "--bbox", *ANTWERP, "--tile-size", "10000", "--out", str(out), "--overwrite"
    )
    assert code == 0, err
    assert err == ""
    assert "tiles of 10000 m" in stdout
    frame = gpd.read_file(out)
    assert len(frame) == len(build_grid(tuple(map(float, ANTWERP)), "EPSG:4326", 10000).tiles)
    assert not stale_index.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_failed_write_leaves_the_existing_file_intact(tmp_path, capsys, monkeypatch):
    out = tmp_path / "grid.gpkg"
    assert grid(capsys, "--bbox", *ANTWERP, "--tile-size", "5000", "--out", str(out))[0] == 0
    before = hashes(tmp_path)

    def broken_to_file(self, path, *args, **kwargs):
        Path(path).write_bytes(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", broken_to_file)
    code, stdout, err = grid(
        capsys, "--bbox", *ANTWERP, "--tile-size", "10000", "--out", str(out), "--overwrite"
    )
    assert_one_line_error(code, stdout, err, "Could not write")
    assert "disk full" in err
    assert hashes(tmp_path) == before


@pytest.fixture
def aoi_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """aoi.gpkg, aoi.geojson and area.shp (with its parts) in the current folder."""
    monkeypatch.chdir(tmp_path)
    frame = gpd.GeoDataFrame(geometry=[shapely.box(4.2, 51.1, 4.6, 51.35)], crs=4326)
    for name in ("aoi.gpkg", "aoi.geojson", "area.shp"):
        frame.to_file(tmp_path / name)
    return tmp_path


@pytest.mark.parametrize(
    ("aoi", "out"),
    [
        ("aoi.gpkg", "aoi.gpkg"),
        ("aoi.gpkg", "./sub/../aoi.gpkg"),
        ("aoi.gpkg", "ABSOLUTE"),
        ("aoi.gpkg", "link.gpkg"),  # a symbolic link to the AOI
        ("aoi.geojson", "aoi.geojson"),
        ("area.shp", "area.shp"),
        ("./area.shp", "sub/../area.shp"),
    ],
)
def test_aoi_is_never_overwritten_even_with_overwrite(aoi_files, capsys, aoi, out):
    (aoi_files / "sub").mkdir()
    (aoi_files / "link.gpkg").symlink_to(aoi_files / "aoi.gpkg")
    if out == "ABSOLUTE":
        out = str(aoi_files / aoi)
    before = hashes(aoi_files)
    code, stdout, err = grid(
        capsys, "--aoi", aoi, "--tile-size", "5000", "--out", out, "--overwrite"
    )
    assert_one_line_error(code, stdout, err, "would overwrite the --aoi input")
    assert hashes(aoi_files) == before


def test_aoi_with_the_same_stem_in_another_format_is_fine(aoi_files, capsys):
    before = hashes(aoi_files)
    code, _, err = grid(capsys, "--aoi", "area.shp", "--tile-size", "5000", "--out", "area.gpkg")
    assert code == 0, err
    assert {k: v for k, v in hashes(aoi_files).items() if k in before} == before


# --- bad input: exit 2, one line, nothing touched -----------------------------------------

BAD_INPUT = {
    # id: (arguments, "{bbox}" standing for the Antwerp extent; fragment of the message)
    "unknown-format": ("{bbox} --tile-size 5000 --out grid.csv", "use .gpkg, .shp or .geojson"),
    "no-extension": ("{bbox} --tile-size 5000 --out grid", "Cannot tell the format of 'grid'"),
    "missing-folder": (
        "{bbox} --tile-size 5000 --out missing/grid.gpkg",
        "The folder of --out missing/grid.gpkg does not exist; create it first",
    ),
    "out-is-folder": ("{bbox} --tile-size 5000 --out folder.gpkg", "is a folder"),
    "west-east-of-east": (
        "--bbox 4.6 51.1 4.2 51.35 --tile-size 5000 --out g.gpkg",
        "The extent's west (4.6) is east of its east (4.2)",
    ),
    "bbox-off-earth": ("--bbox 400 51 401 52 --tile-size 5000 --out g.gpkg", "outside the Earth"),
    "bbox-beyond-pole": ("--bbox 4.2 91 4.6 95 --tile-size 5000 --out g.gpkg", "outside the Earth"),
    "bbox-text": ("--bbox 4.2 51.1 4.6 abc --tile-size 5000 --out g.gpkg", "invalid float value"),
    "seed-typo": (
        "--bbox 595000 5660000 600000 56730000 --crs EPSG:32631 --tile-size 5000 --out g.gpkg",
        "(a typo?)",
    ),
    "geographic-grid-crs": (
        "{bbox} --tile-size 5000 --grid-crs EPSG:4326 --out g.gpkg",
        "The grid CRS must be projected",
    ),
    "unknown-grid-crs": (
        "{bbox} --tile-size 5000 --grid-crs EPSG:999999 --out g.gpkg",
        "Unknown grid CRS 'EPSG:999999'",
    ),
    "unknown-crs": (
        "{bbox} --crs xyz123 --tile-size 5000 --out g.gpkg",
        "Unknown AOI CRS 'xyz123'",
    ),
    "crs-name-guessed": (
        "{bbox} --crs foo --tile-size 5000 --out g.gpkg",
        # PROJ 9.1 guesses Amersfoort, PROJ 9.6 refuses the name: both end with the hint
        "or the CRS's exact name.",
    ),
    "tile-0": (
        "{bbox} --tile-size 0 --out g.gpkg",
        "--tile-size: Tile size must be greater than 0",
    ),
    "tile-negative": ("{bbox} --tile-size -5 --out g.gpkg", "greater than 0 m, got -5"),
    "tile-nan": ("{bbox} --tile-size nan --out g.gpkg", "--tile-size: Tile size must be a finite"),
    "tile-inf": ("{bbox} --tile-size inf --out g.gpkg", "--tile-size: Tile size must be a finite"),
    "tile-text": ("{bbox} --tile-size abc --out g.gpkg", "must be a number of metres, got 'abc'"),
    "tile-unit": ("{bbox} --tile-size 5km --out g.gpkg", "must be a number of metres, got '5km'"),
    "tile-1e9": (
        "{bbox} --tile-size 1e9 --out g.gpkg",
        "tiles of 1e+09 m reach beyond the valid area of WGS 84 / UTM zone 31N",
    ),
    "tile-1e9-laea": (
        "{bbox} --tile-size 1e9 --grid-crs EPSG:3035 --out g.gpkg",
        "Use a smaller tile size",
    ),
    "tile-1e8-mercator": (
        "{bbox} --tile-size 1e8 --grid-crs EPSG:3857 --out g.gpkg",
        "beyond the valid area of WGS 84 / Pseudo-Mercator",
    ),
    "tile-1e300": ("{bbox} --tile-size 1e300 --out g.gpkg", "beyond the valid area"),
    "tile-1e-300": ("{bbox} --tile-size 1e-300 --out g.gpkg", "too small"),
    "too-many-tiles": ("{bbox} --tile-size 10 --out g.gpkg", "more than the limit of 10,000"),
    "max-tiles": ("{bbox} --tile-size 5000 --max-tiles 5 --out g.gpkg", "limit of 5."),
    "no-tile-size": ("{bbox} --out g.gpkg", "the following arguments are required: --tile-size"),
    "aoi-missing": (
        "--aoi missing.gpkg --tile-size 5000 --out g.gpkg",
        "AOI file missing.gpkg does not exist",
    ),
    "aoi-points": (
        "--aoi points.geojson --tile-size 5000 --out g.gpkg",
        "must hold polygons only; it has 2 Point feature(s)",
    ),
    "aoi-lines": (
        "--aoi lines.gpkg --tile-size 5000 --out g.gpkg",
        "must hold polygons only; it has 1 LineString feature(s)",
    ),
    "aoi-not-vector": (
        "--aoi notes.txt --tile-size 5000 --out g.gpkg",
        "Could not read AOI file notes.txt",
    ),
    "existing-out": (
        "{bbox} --tile-size 5000 --out existing.gpkg",
        "existing.gpkg already exists; pass --overwrite to replace it",
    ),
    "existing-shapefile": (
        "--aoi aoi.gpkg --tile-size 5000 --out existing.shp",
        "existing.shp already exists; pass --overwrite to replace it",
    ),
    "overwrite-aoi": (
        "--aoi aoi.gpkg --tile-size 5000 --out aoi.gpkg --overwrite",
        "--out aoi.gpkg would overwrite the --aoi input aoi.gpkg",
    ),
    "overwrite-aoi-shapefile": (
        "--aoi existing.shp --tile-size 5000 --out ./existing.shp --overwrite",
        "would overwrite the --aoi input existing.shp",
    ),
}


@pytest.mark.parametrize(("args", "fragment"), BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_bad_input_exit_2_one_line_nothing_touched(bad_input_folder, capsys, args, fragment):
    before = hashes(bad_input_folder)
    code, out, err = grid(capsys, *args.replace("{bbox}", "--bbox " + " ".join(ANTWERP)).split())
    assert_one_line_error(code, out, err, fragment)
    assert out == ""
    assert hashes(bad_input_folder) == before


@pytest.fixture(scope="module")
def bad_input_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bad-input")
    area = gpd.GeoDataFrame(geometry=[shapely.box(4.2, 51.1, 4.6, 51.35)], crs=4326)
    area.to_file(folder / "aoi.gpkg")
    points = [shapely.Point(4.3, 51.2), shapely.Point(4.5, 51.3)]
    gpd.GeoDataFrame(geometry=points, crs=4326).to_file(folder / "points.geojson")
    line = shapely.LineString([(4.3, 51.2), (4.5, 51.3)])
    gpd.GeoDataFrame(geometry=[line], crs=4326).to_file(folder / "lines.gpkg")
    build = build_grid((4.2, 51.1, 4.6, 51.35), "EPSG:4326", 5000)
    from openeo_grid_jobs.core.grid.grid_io import write_grid

    write_grid(build, folder / "existing.gpkg")
    write_grid(build, folder / "existing.shp")
    (folder / "notes.txt").write_text("not a vector file\n")
    (folder / "folder.gpkg").mkdir()
    return folder


@pytest.fixture
def bad_input_folder(
    bad_input_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    folder = tmp_path / "work"
    shutil.copytree(bad_input_template, folder)
    monkeypatch.chdir(folder)
    return folder


def test_bad_input_through_the_installed_command(tmp_path):
    """The same one-line error from the real executable (argparse errors included)."""
    (tmp_path / "grid.gpkg").write_bytes(b"precious")
    for tile_size, out, fragment in [
        ("nan", "new.gpkg", "--tile-size: Tile size must be a finite number"),
        ("1e9", "new.gpkg", "beyond the valid area"),
        ("5000", "grid.gpkg", "grid.gpkg already exists; pass --overwrite"),
    ]:
        args = ["--bbox", *ANTWERP, "--tile-size", tile_size, "--out", out]
        result = grid_cli(*args, cwd=tmp_path)
        assert result.returncode == 2
        assert result.stdout == ""
        assert len(result.stderr.splitlines()) == 1, result.stderr
        assert fragment in result.stderr
        assert "Traceback" not in result.stderr
    assert (tmp_path / "grid.gpkg").read_bytes() == b"precious"
    assert [p.name for p in tmp_path.iterdir()] == ["grid.gpkg"]


def test_usage_errors_of_the_command_itself_are_one_line(capsys):
    assert main(["nope"]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert "invalid choice: 'nope'" in err


# --- PROJ data -------------------------------------------------------------------------


def _python(code: str, **env_changes: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PROJ_DATA", "PROJ_LIB")}
    for key, value in env_changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(
        [sys.executable, "-W", "error", "-c", code],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_ensure_proj_data_before_pyproj_is_imported():
    result = _python(
        "import sys, os\n"
        "from openeo_grid_jobs.core.grid.proj_data import ensure_proj_data\n"
        "ensure_proj_data()\n"
        "assert 'pyproj' not in sys.modules\n"
        "import pyproj, pyproj.datadir\n"  # -W error: the data-dir warning would raise
        "d = pyproj.datadir.get_data_dir()\n"
        "assert any(os.path.isfile(os.path.join(p, 'proj.db')) for p in d.split(os.pathsep)), d\n"
        "assert pyproj.CRS('EPSG:32631').name == 'WGS 84 / UTM zone 31N'\n"
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_ensure_proj_data_after_pyproj_is_imported():
    result = _python(
        "import os, warnings\n"
        "with warnings.catch_warnings():\n"
        "    warnings.simplefilter('ignore')\n"
        "    import pyproj, pyproj.datadir\n"
        "from openeo_grid_jobs.core.grid.proj_data import ensure_proj_data\n"
        "ensure_proj_data()\n"
        "d = pyproj.datadir.get_data_dir()\n"
        "assert any(os.path.isfile(os.path.join(p, 'proj.db')) for p in d.split(os.pathsep)), d\n"
    )
    assert result.returncode == 0, result.stderr


def test_ensure_proj_data_leaves_a_users_setting_alone():
    result = _python(
        "import os\n"
        "from openeo_grid_jobs.core.grid.proj_data import ensure_proj_data\n"
        "ensure_proj_data()\n"
        "assert os.environ['PROJ_DATA'] == '/my/proj', os.environ['PROJ_DATA']\n"
        "assert 'PROJ_LIB' not in os.environ\n",
        PROJ_DATA="/my/proj",
    )
    assert result.returncode == 0, result.stderr
