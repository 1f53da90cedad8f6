"""Survey maps: valid A4 PNGs with the assigned colours, Chinese font, empty inputs, atomic writes."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import matplotlib.image as mpimg
import numpy as np
import pytest
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PathCollection
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

from landcon.reports import survey_maps
from landcon.reports.survey_maps import (
    DPI,
    FIGSIZE_IN,
    LAND_USE_COLORS,
    PATCH_CLASSES,
    POTENTIAL_CATEGORIES,
    cjk_font_path,
    render_landuse_map,
    render_patch_map,
    render_potential_map,
)

X0, Y0 = 500_000.0, 2_800_000.0
CRS = "EPSG:4543"
EXPECTED_SHAPE = (int(FIGSIZE_IN[1] * DPI), int(FIGSIZE_IN[0] * DPI))  # rows, columns


def square(col: int, row: int, size: float = 100.0) -> shapely.Polygon:
    return shapely.box(X0 + col * size, Y0 + row * size, X0 + (col + 1) * size, Y0 + (row + 1) * size)


def grid(values: list[str], column: str, ncols: int = 4) -> gpd.GeoDataFrame:
    geoms = [square(i % ncols, i // ncols) for i in range(len(values))]
    return gpd.GeoDataFrame({column: values}, geometry=geoms, crs=CRS)


@pytest.fixture
def boundaries() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": ["大营村", "小营村"]},
        geometry=[shapely.box(X0, Y0, X0 + 200, Y0 + 300), shapely.box(X0 + 200, Y0, X0 + 400, Y0 + 300)],
        crs=CRS,
    )


def read_rgb(path: Path) -> np.ndarray:
    image = mpimg.imread(path)
    assert image.shape[:2] == EXPECTED_SHAPE
    return np.round(image[..., :3] * 255).astype(np.uint8)


def has_color(pixels: np.ndarray, color: str, min_count: int = 100) -> bool:
    rgb = np.round(np.array(to_rgb(color)) * 255).astype(np.uint8)
    return int(np.all(pixels == rgb, axis=-1).sum()) >= min_count


def assert_png(path: Path) -> None:
    assert path.exists()
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_font_resolves_to_noto_cjk() -> None:
    font = cjk_font_path()
    assert "NotoSansCJK" in font or "Noto Sans CJK" in font


def test_missing_font_raises_chinese_error(monkeypatch: pytest.MonkeyPatch) -> None:
    manager = survey_maps.font_manager.fontManager
    monkeypatch.setattr(survey_maps, "_find_cjk_font", lambda: None)
    monkeypatch.setattr(survey_maps, "_FONT_DIRS", ())
    monkeypatch.setattr(survey_maps.font_manager, "_load_fontmanager", lambda try_read_cache=True: manager)
    survey_maps.cjk_font_path.cache_clear()
    try:
        with pytest.raises(RuntimeError, match="fonts-noto-cjk"):
            cjk_font_path()
    finally:
        monkeypatch.undo()
        survey_maps.cjk_font_path.cache_clear()


def test_landuse_map(tmp_path: Path, boundaries: gpd.GeoDataFrame) -> None:
    landuse = grid(
        ["0101", "0101", "0103", "0201K", "0301", "0702", "1006", "1101", "0101", "0404", "1203", "0103"], "DLBM"
    )
    out = render_landuse_map(landuse, tmp_path / "landuse.png", title="某县土地利用现状图", boundaries=boundaries)
    assert out == tmp_path / "landuse.png"
    assert_png(out)
    pixels = read_rgb(out)
    assert LAND_USE_COLORS["0101"] == "#f8d072"  # 水田
    assert has_color(pixels, LAND_USE_COLORS["0101"])
    assert has_color(pixels, LAND_USE_COLORS["0301"])
    assert not has_color(pixels, LAND_USE_COLORS["0102"], min_count=1)  # 水浇地 absent, not in legend


def test_landuse_legend_groups() -> None:
    landuse = grid(["0301", "0101", "0201K", "XX99", "0303"], "DLBM")
    labels = [g.label for g in survey_maps._landuse_groups(landuse)]
    # 三调 working order: 湿地 (00) first, then 耕地, 种植园用地, 林地; unknown codes last
    assert labels == ["0303 红树林地", "0101 水田", "0201K 可调整果园", "0301 乔木林地", "未识别地类"]
    hatches = {g.label: g.hatch for g in survey_maps._landuse_groups(landuse)}
    assert hatches["0201K 可调整果园"] and not hatches["0101 水田"]

    many = sorted(c for c in survey_maps.LAND_USE_NAMES if survey_maps.base_code(c) in LAND_USE_COLORS)
    groups = survey_maps._landuse_groups(grid(many, "DLBM", ncols=10))
    assert len(groups) == 13 and groups[1].label == "01 耕地"
    assert sum(len(g.geoms) for g in groups) == len(many)


def test_patch_map(tmp_path: Path, boundaries: gpd.GeoDataFrame) -> None:
    patches = grid(["le5", "5_10", "10_20", "gt20", "le5", "gt20"], "size_class")
    out = render_patch_map(patches, tmp_path / "patch.png", title="耕地图斑规模分布图", boundaries=boundaries)
    assert_png(out)
    pixels = read_rgb(out)
    for cls in PATCH_CLASSES:
        assert has_color(pixels, cls.color), cls.key


def test_potential_map_with_background(tmp_path: Path) -> None:
    categories = [c.key for c in POTENTIAL_CATEGORIES]
    potential = grid(categories, "category")
    background = grid(["0103"] * 12, "DLBM")
    out = render_potential_map(
        potential, tmp_path / "sub" / "potential.png", title="整治潜力分布图", background=background
    )
    assert_png(out)
    pixels = read_rgb(out)
    for cat in POTENTIAL_CATEGORIES:
        assert has_color(pixels, cat.color), cat.key
    assert has_color(pixels, survey_maps._BACKGROUND_COLOR)


@pytest.mark.parametrize("render", [render_landuse_map, render_patch_map, render_potential_map])
def test_empty_input_renders_no_data(tmp_path: Path, render: object) -> None:
    empty = gpd.GeoDataFrame({"DLBM": [], "size_class": [], "category": []}, geometry=[], crs=CRS)
    out = render(empty, tmp_path / "empty.png", title="空图")  # type: ignore[operator]
    assert_png(out)
    read_rgb(out)


def test_empty_frame_without_columns(tmp_path: Path) -> None:
    out = render_landuse_map(gpd.GeoDataFrame(geometry=[]), tmp_path / "e.png", title="空图")
    assert_png(out)


def test_holes_stay_empty() -> None:
    # The compound path is filled by Agg as in the maps: the hole must stay white.
    ring = shapely.box(0, 0, 10, 10).difference(shapely.box(3, 3, 7, 7))
    paths = survey_maps._fill_paths(np.array([ring, None], dtype=object))
    fig = Figure(figsize=(1, 1), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.add_collection(PathCollection(paths, facecolors="#ff0000", edgecolors="none"))
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    pixels = np.asarray(canvas.buffer_rgba())[..., :3]
    assert tuple(pixels[50, 50]) == (255, 255, 255)
    assert tuple(pixels[10, 10]) == (255, 0, 0)


def test_scale_bar_length() -> None:
    assert survey_maps._nice_length(2_300) == 2_000
    assert survey_maps._nice_length(7_900) == 5_000
    assert survey_maps._nice_length(180) == 100


def test_rejects_geographic_crs_and_missing_column(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="投影坐标系"):
        render_landuse_map(grid(["0101"], "DLBM").to_crs(4490), tmp_path / "x.png", title="t")
    with pytest.raises(ValueError, match="DLBM"):
        render_landuse_map(grid(["0101"], "code"), tmp_path / "x.png", title="t")


def test_failed_render_keeps_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "map.png"
    target.write_bytes(b"old")

    def boom(self: object, fh: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(survey_maps.FigureCanvasAgg, "print_png", boom)
    with pytest.raises(OSError):
        render_patch_map(grid(["le5"], "size_class"), target, title="t")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["map.png"]
