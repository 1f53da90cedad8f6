"""``engine.baobei``: the topology check, the 补充耕地监测图斑, the attachment list and the attribute rows,
on hand-made polygons of the 100 m grid (``conftest``)."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from conftest import cell
from plan_fixtures import box

from landcon.engine import baobei as B
from landcon.services.baobei import TopologyRefused, refuse_topology


def test_overlapping_parcels_are_named_in_pairs_and_invalid_ones_alone() -> None:
    bowtie = shapely.Polygon([(0, 0), (10, 10), (10, 0), (0, 10)])
    geoms = [cell(0, 0), box(0.5, 0, 1.5, 1), cell(2, 0), bowtie, box(2, 0, 2.5, 1)]
    problems = B.topology_problems(geoms, ["A", "B", "C", "D", "E"])
    assert [(p.parcel, p.other) for p in problems] == [("D", ""), ("A", "B"), ("C", "E")]
    assert problems[1].message == "与 B 重叠 5000.00 平方米"
    assert problems[0].message.startswith("拓扑错误：Self-intersection")


def test_touching_parcels_and_slivers_below_the_tolerance_pass() -> None:
    # cells sharing an edge, and an overlap of 0.005 m² (0.00005 m × 100 m), below the 0.01 m² tolerance
    geoms = [cell(0, 0), cell(1, 0), box(2, 0, 3, 1), box(3 - 5e-7, 0, 4, 1)]
    assert B.topology_problems(geoms, ["A", "B", "C", "D"]) == []


def test_the_service_refuses_naming_both_parcels() -> None:
    frame = gpd.GeoDataFrame({"BSM": ["P1", "P2"]}, geometry=[cell(0, 0), box(0.5, 0, 1.5, 1)], crs="EPSG:4543")
    with pytest.raises(TopologyRefused) as caught:
        refuse_topology(frame, ["P1", "P2"], B.MONITORING_LAYER, "补充耕地监测图斑")
    assert str(caught.value) == (
        "图层 BCGDJCTB，要素 P1、P2：补充耕地监测图斑 P1 与 P2 重叠 5000.00 平方米：报备图斑不得重叠或有拓扑错误"
    )


def test_monitoring_parcels_leave_out_linkage_demolition_and_unchanged_pieces() -> None:
    after = gpd.GeoDataFrame(
        {
            "BSM": ["1", "2", "3"],
            "DLBM": ["0103", "0103", "0103"],
            "TBMJ": [10_000.0, 10_000.0, 10_000.0],
            "XZGDMJ": [9_500.0, 0.0, 10_000.0],
            "XZGDLYXM": ["农用地整理", "", ""],
        },
        geometry=[cell(0, 0), cell(1, 0), cell(2, 0)],
        crs="EPSG:4543",
    )
    frame = B.monitoring_parcels(after, [cell(2, 0)])
    assert list(frame["BSM"]) == ["1"]
    assert list(frame.columns) == [*B.MONITORING_FIELDS, "geometry"]
    assert (frame["XZGDMJ"].iloc[0], frame["ZLDWDM"].iloc[0]) == (9_500.0, "")
    assert list(B.monitoring_parcels(after, [])["BSM"]) == ["1", "3"]


def test_attachments_per_stage_present_and_missing() -> None:
    files = ["竣工图.pdf", "工程复核报告.docx", "会议纪要.pdf"]
    status = B.attachment_status("验收", files, {B.RECORD_PLAN: 1, B.RECORD_APPROVAL: 3, B.RECORD_PHOTOS: 0})
    assert [(a["name"], a["present"]) for a in status] == [
        ("实施方案", ["1 条记录"]),
        ("方案审查批复意见", ["3 条记录"]),
        ("规划设计与预算报告", []),
        ("施工前后照片", []),
        ("工程复核报告", ["工程复核报告.docx"]),
        ("竣工图", ["竣工图.pdf"]),
        ("土壤检测报告", []),
        ("后期管护协议", []),
        ("整治前后航拍影像", []),
        ("验收意见函", []),
    ]
    assert all(a["source"] for a in status)
    assert [a.code for a in B.required_attachments("立项")] == ["plan", "approval"]
    # 后期管护协议: a 管护 agreement on record is enough, and a file named so is listed beside it
    with_care = B.attachment_status("验收", ["后期管护协议.pdf"], {B.RECORD_AFTERCARE: 2})
    care = next(a for a in with_care if a["code"] == "aftercare")
    assert (care["present"], care["missing"]) == (["2 条记录", "后期管护协议.pdf"], False)
    care = B.attachment_status("验收", ["管护协议扫描件.pdf"], {})[7]
    assert (care["name"], care["present"]) == ("后期管护协议", ["管护协议扫描件.pdf"])


def test_attribute_rows_read_the_registry_by_key() -> None:
    rows = B.attribute_rows({"cultivated": {"new_m2": 20_000.0}}, ["cultivated.new_m2", "investment.total_wan"])
    assert rows == [
        {"key": "cultivated.new_m2", "label": "新增耕地面积", "unit": "m2", "unit_name": "平方米", "value": 20_000.0},
        {"key": "investment.total_wan", "label": "投资总额", "unit": "wan_yuan", "unit_name": "万元", "value": None},
    ]


def test_coordinate_parcel_count_counts_header_lines() -> None:
    text = "[属性描述]\r\n格式版本号=1.01版本\r\n[地块坐标]\r\n5,1.0000,Q1,测试区,面,,整治区域,,@\r\nJ1,1,1,1\r\n"
    assert B.coordinate_parcel_count(text) == 1
