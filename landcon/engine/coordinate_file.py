"""部标 坐标文件 (国土资源部 土地整治 / 建设用地报批 报备坐标文本): format and parse, no I/O.

The text has a ``[属性描述]`` block of ``key=value`` lines and a ``[地块坐标]`` block. Each parcel
starts with a header line

    界址点数,地块面积(公顷),地块编号,地块名称,记录图形属性(面),图幅号,地块用途,地类编码,@

followed by one line per boundary point ``J<n>,<圈号>,<X>,<Y>``: X the northing, Y the easting
with the 3° zone number in front (e.g. ``34`` + 6-digit easting for CM 102°E), in metres to
``精度`` (0.01). Points are numbered J1, J2 … through all rings of the parcel; each ring closes
by repeating its first point (same number); ring 1 is the exterior (clockwise), rings 2… are
holes (anticlockwise). 界址点数 counts the point lines of the parcel. A multi-part parcel is
written as several parcels (one exterior each).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import Transformer

from landcon.engine.crs import GEOGRAPHIC_EPSG, GK3_PLAIN, GK3_PREFIXED, central_meridian
from landcon.errors import InputReadError

PROPERTY_SECTION = "[属性描述]"
PARCEL_SECTION = "[地块坐标]"
DEFAULT_PRECISION = 0.01
HEADER_KEYS: tuple[str, ...] = (
    "格式版本号",
    "数据产生单位",
    "数据产生日期",
    "坐标系",
    "几度分带",
    "投影类型",
    "计量单位",
    "带号",
    "精度",
    "转换参数",
)


class CoordinateFileError(InputReadError):
    """A 坐标文件 line that cannot be read (names the line)."""


@dataclass(frozen=True)
class CoordinateParcel:
    """One parcel of a 坐标文件: its header fields and its polygon (projected, no zone prefix
    removed when the CRS is the prefixed one)."""

    number: str
    name: str
    area_ha: float
    geometry: shapely.Polygon
    use: str = ""
    dlbm: str = ""
    sheet: str = ""


def zone_of(epsg: int) -> tuple[int, float]:
    """(3° zone number, easting offset to add to the CRS's easting for the file's Y)."""
    zone = round(central_meridian(epsg) / 3.0)
    if epsg in GK3_PLAIN:
        return zone, zone * 1_000_000.0
    if epsg in GK3_PREFIXED:
        return zone, 0.0
    raise ValueError(f"EPSG:{epsg} is not a CGCS2000 3° Gauss–Krüger zone")


def in_gauss_kruger(geoms: Sequence[object] | np.ndarray, epsg: int) -> tuple[np.ndarray, int]:
    """The polygons in a 3° Gauss–Krüger zone, as the file needs: as they are when ``epsg`` is one;
    from EPSG:4490 into the zone (without prefix) whose central meridian is nearest their mean
    longitude."""
    arr = np.asarray(geoms, dtype=object)
    if epsg != GEOGRAPHIC_EPSG:
        zone_of(epsg)
        return arr, epsg
    lon = float(np.mean(shapely.get_coordinates(arr)[:, 0])) if len(arr) else 102.0
    meridian = min(max(3 * round(lon / 3), 75), 135)
    target = 4534 + (meridian - 75) // 3
    transformer = Transformer.from_crs(GEOGRAPHIC_EPSG, target, always_xy=True)
    projected = shapely.transform(arr, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))
    return np.asarray(projected, dtype=object), target


def _decimals(precision: float) -> int:
    return max(0, round(-math.log10(precision)))


def _ring_lines(coords: np.ndarray, clockwise: bool) -> np.ndarray:
    """A ring's points without the closing repeat, oriented, starting at the north-west corner."""
    pts = np.asarray(coords, dtype=np.float64)[:-1, :2]
    x, y = pts[:, 0], pts[:, 1]
    signed = 0.5 * float(np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y))
    if (signed < 0) != clockwise:
        pts = pts[::-1]
    start = int(np.argmax((pts[:, 1] - pts[:, 1].min()) - (pts[:, 0] - pts[:, 0].min())))
    return np.roll(pts, -start, axis=0)


def format_coordinate_file(
    parcels: Sequence[CoordinateParcel],
    epsg: int,
    *,
    producer: str = "",
    date: str = "",
    version: str = "1.01版本",
    precision: float = DEFAULT_PRECISION,
) -> str:
    """The 坐标文件 text (CRLF line ends, as the 报备 systems expect) for ``parcels`` in ``epsg``."""
    zone, offset = zone_of(epsg)
    digits = _decimals(precision)
    header = {
        "格式版本号": version,
        "数据产生单位": producer,
        "数据产生日期": date,
        "坐标系": "2000国家大地坐标系",
        "几度分带": "3",
        "投影类型": "高斯克吕格",
        "计量单位": "米",
        "带号": str(zone),
        "精度": f"{precision:g}",
        "转换参数": ",,,,,,",
    }
    lines = [PROPERTY_SECTION, *(f"{k}={header[k]}" for k in HEADER_KEYS), PARCEL_SECTION]
    for parcel in parcels:
        for part in shapely.get_parts(parcel.geometry):
            rings = [_ring_lines(shapely.get_coordinates(part.exterior), clockwise=True)]
            rings += [_ring_lines(shapely.get_coordinates(r), clockwise=False) for r in part.interiors]
            points: list[str] = []
            number = 1
            for ring_no, ring in enumerate(rings, start=1):
                first = number
                for e, n in ring:
                    points.append(f"J{number},{ring_no},{n:.{digits}f},{e + offset:.{digits}f}")
                    number += 1
                e, n = ring[0]
                points.append(f"J{first},{ring_no},{n:.{digits}f},{e + offset:.{digits}f}")
            fields = [
                str(len(points)),
                f"{parcel.area_ha:.4f}",
                parcel.number,
                parcel.name,
                "面",
                parcel.sheet,
                parcel.use,
                parcel.dlbm,
                "@",
            ]
            lines.append(",".join(f.replace(",", "，") for f in fields))
            lines.extend(points)
    return "\r\n".join(lines) + "\r\n"


def parse_coordinate_file(text: str, epsg: int, *, source: str = "") -> tuple[dict[str, str], list[CoordinateParcel]]:
    """The ``[属性描述]`` values and the parcels of a 坐标文件 (coordinates back in ``epsg``).

    Y values carrying the zone number (8-digit eastings) are taken off it; a 带号 that differs
    from ``epsg``'s zone is an error, as is a point line outside a parcel or a count that does not
    match the 界址点数.
    """
    zone, offset = zone_of(epsg)
    header: dict[str, str] = {}
    parcels: list[CoordinateParcel] = []
    section = ""
    current: list[str] | None = None
    rings: dict[int, list[tuple[float, float]]] = {}
    count = 0

    def fail(line_no: int, message: str) -> CoordinateFileError:
        return CoordinateFileError(f"第 {line_no} 行：{message}", path=source or None)

    def close(line_no: int) -> None:
        if current is None:
            return
        if not current[0].isdigit() or count != int(current[0]):
            raise fail(line_no, f"地块 {current[2]} 界址点数 {current[0]} 与坐标行数 {count} 不符")
        shells = [rings[k] for k in sorted(rings)]
        polygon = shapely.Polygon(shells[0], shells[1:])
        fields = [*current, "", "", "", "", ""]
        parcels.append(
            CoordinateParcel(
                number=fields[2],
                name=fields[3],
                area_ha=float(fields[1]) if fields[1] else float("nan"),
                geometry=polygon,
                sheet=fields[5],
                use=fields[6],
                dlbm=fields[7] if fields[7] != "@" else "",
            )
        )

    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip().lstrip("\ufeff")
        if not line:
            continue
        if line in (PROPERTY_SECTION, PARCEL_SECTION):
            section = line
            continue
        if section == PROPERTY_SECTION:
            key, _, value = line.partition("=")
            header[key.strip()] = value.strip()
            continue
        if section != PARCEL_SECTION:
            raise fail(line_no, "缺少 [属性描述] 或 [地块坐标] 节")
        parts = [p.strip() for p in line.split(",")]
        if parts[-1] == "@":
            close(line_no)
            current, rings, count = parts, {}, 0
            continue
        if current is None or len(parts) < 4:
            raise fail(line_no, "坐标行不在地块之内或字段不足（应为 点号,圈号,X,Y）")
        try:
            ring_no, x, y = int(parts[1]), float(parts[2]), float(parts[3])
        except ValueError as exc:
            raise fail(line_no, f"坐标无法读取：{line}") from exc
        easting = y - offset if y >= 1_000_000.0 and offset else y
        rings.setdefault(ring_no, []).append((easting, x))
        count += 1
    close(len(text.splitlines()))
    if header.get("带号") and header["带号"] != str(zone):
        raise CoordinateFileError(f"带号 {header['带号']} 与 EPSG:{epsg} 的 {zone} 带不符", path=source or None)
    return header, parcels


def parcels_from_layer(
    geoms: Sequence[object] | np.ndarray,
    numbers: Sequence[str],
    names: Sequence[str],
    areas_m2: Sequence[float] | np.ndarray,
    *,
    uses: Sequence[str] | None = None,
    dlbm: Sequence[str] | None = None,
) -> list[CoordinateParcel]:
    """Parcels from a layer's polygons and fields (areas in m², written in 公顷)."""
    n = len(numbers)
    use = list(uses) if uses is not None else [""] * n
    codes = list(dlbm) if dlbm is not None else [""] * n
    return [
        CoordinateParcel(str(numbers[k]), str(names[k]), float(areas_m2[k]) / 10_000.0, geoms[k], use[k], codes[k])
        for k in range(n)
    ]
