"""The example plan, its indicators and findings that the plan report tests render (xlsx and docx)."""

from __future__ import annotations

from typing import Any

PLAN: dict[str, Any] = {
    "name": "富民县德庄镇全域土地综合整治实施方案",
    "county": "530124",
    "townships": ["530124100"],
    "base_dataset": "demo",
    "base_year": 2023,
    "start_year": 2025,
    "end_year": 2027,
    "rule_pack": "yunnan",
    "households_benefited": 1200,
    "responsible_units": ["富民县人民政府", "富民县自然资源局"],
    "funding": [
        {"source": "中央财政", "amount": 1200},
        {"source": "整合涉农资金", "department": "农业农村", "amount": 700},
    ],
    "sub_projects": [
        {
            "code": "ZXM01",
            "name": "德庄镇高标准农田提升",
            "type": "农用地整理",
            "village": "530124100201",
            "department": "农业农村局",
            "start_year": 2025,
            "end_year": 2026,
            "investment": 1500,
        },
        {
            "code": "ZXM02",
            "name": "德庄村宅基地复垦",
            "type": "建设用地整理",
            "village": "530124100202",
            "department": "自然资源局",
            "start_year": 2026,
            "end_year": 2027,
            "investment": 500,
        },
    ],
}

INDICATORS: dict[str, Any] = {
    "area": {"zzqy_m2": 2_000_000.0, "villages": ["530124100201", "530124100202"], "townships": ["530124100"]},
    "landuse": {
        "before_m2": {"0101": 400_000.0, "0103": 600_000.0, "0301": 500_000.0, "0702": 300_000.0, "1006": 100_000.0}
        | {"1201": 50_000.0},
        "after_m2": {"0101": 500_000.0, "0103": 560_000.0, "0301": 480_000.0, "0702": 250_000.0, "1006": 110_000.0}
        | {"1201": 60_000.0},
        "kcmj_before_m2": 50_000.0,
        "kcmj_after_m2": 40_000.0,
    },
    "cultivated": {
        "before_net_m2": 1_000_000.0,
        "after_net_m2": 1_060_000.0,
        "before_by_type_m2": {"0101": 400_000.0, "0103": 600_000.0},
        "after_by_type_m2": {"0101": 500_000.0, "0103": 560_000.0},
        "new_m2": 80_000.0,
        "new_from_conversion_m2": 60_000.0,
        "new_from_levelling_m2": 20_000.0,
        "new_by_source_class_m2": {"0301": 20_000.0, "0702": 40_000.0, "1203": 20_000.0},
        "new_slope_unknown_m2": 0.0,
        "tiankan_loss_m2": 0.0,
        "new_by_subproject_m2": {"ZXM01": 60_000.0, "ZXM02": 20_000.0},
        "new_by_grade_m2": {"5": 50_000.0, "": 30_000.0},
        "new_paddy_m2": 100_000.0,
        "lost_m2": 20_000.0,
        "new_rate": 0.06,
    },
    "construction": {"before_m2": 300_000.0, "after_m2": 250_000.0, "change_m2": -50_000.0, "surplus_m2": 50_000.0},
    "permanent_farmland": {
        "available": True,
        "before_m2": 800_000.0,
        "out_m2": 20_000.0,
        "in_m2": 30_000.0,
        "net_m2": 10_000.0,
        "out_ratio": 0.025,
        "gain_ratio": 0.5,
        "out": {
            "area_m2": 20_000.0,
            "count": 4,
            "mean_patch_m2": 5_000.0,
            "mean_grade": 7.5,
            "landuse_m2": {"0101": 5_000.0, "0103": 10_000.0, "非耕农用地": 3_000.0, "建设用地": 2_000.0},
            "slope_m2": {"le15": 12_000.0, "15_25": 6_000.0, "gt25": 2_000.0, "unknown": 0.0},
            "contiguity": {
                "le5": {"count": 2, "area_m2": 4_000.0},
                "5_10": {"count": 2, "area_m2": 16_000.0},
                "10_20": {"count": 0, "area_m2": 0.0},
                "gt20": {"count": 0, "area_m2": 0.0},
            },
        },
        "in": {
            "area_m2": 30_000.0,
            "count": 2,
            "mean_patch_m2": 15_000.0,
            "mean_grade": None,
            "landuse_m2": {"0101": 30_000.0},
            "slope_m2": {"le15": 30_000.0},
            "contiguity": {"10_20": {"count": 1, "area_m2": 10_000.0}, "gt20": {"count": 1, "area_m2": 20_000.0}},
        },
        "contiguity_improvement": 2.0,
        "grade_improvement": None,
    },
    "fields": {"before": 120, "after": 80, "merge_degree": 1 / 3},
    "ecology": {"restoration_m2": 30_000.0, "restoration_by_type_m2": {"水土流失": 30_000.0}},
    "investment": {
        "total_wan": 2000.0,
        "by_source_wan": {"中央财政": 1200.0, "整合涉农资金": 700.0},
        "by_subproject_wan": {"ZXM01": 1500.0, "ZXM02": 500.0},
        "funding_total_wan": 1900.0,
    },
    "linkage": {
        "project_areas": [
            {
                "code": "XMQ01",
                "demolished_m2": 20_000.0,
                "reclaimed_cultivated_m2": 18_000.0,
                "new_construction_m2": 10_000.0,
                "new_construction_cultivated_m2": 5_000.0,
                "homesteads_demolished": 12,
                "consent_missing": ["7"],
            },
            {
                "code": "XMQ02",
                "demolished_m2": 10_000.0,
                "reclaimed_cultivated_m2": 9_000.0,
                "new_construction_m2": 5_000.0,
                "new_construction_cultivated_m2": 0.0,
                "homesteads_demolished": 6,
                "consent_missing": [],
            },
        ]
    },
    "years": 3,
    "households_benefited": 1200,
}

FINDINGS: list[dict[str, Any]] = [
    {
        "rule": "LINKAGE_CONSENT",
        "status": "fail",
        "severity": "error",
        "title": "增减挂钩拆旧须经村民同意",
        "citation": "自然资源部办公厅 2023-04-25 通知",
        "message": "1 个拆旧地块未取得村民同意",
        "value": 1,
        "threshold": 0,
        "features": [{"layer": "ZJGGTB", "id": "7"}],
    },
    {
        "rule": "PF_GRADE_NOT_LOWER",
        "status": "unknown",
        "severity": "error",
        "title": "调入永久基本农田质量不低于调出",
        "citation": "全域土地综合整治试点实施要点（试行）",
        "message": "无法检查：调入地块缺少整治后等别",
        "value": None,
        "threshold": None,
        "features": [],
    },
    {
        "rule": "NEW_FARMLAND_KCXS_TABLE",
        "status": "pass",
        "severity": "pass",
        "title": "整治后耕地田坎系数不低于县级田坎系数表",
        "citation": "县级田坎系数表数值来源未知（可配置）",
        "message": "ZHKCXS 均不低于系数表",
        "value": 0.0,
        "threshold": {"TT": {"1": 0.0, "2": 0.05}, "PD": {"1": 0.0, "2": 0.03}},
        "features": [],
    },
]
