"""Plan rules: each a stable id, a Chinese title and a test; the pack gives its threshold, severity,
citation, whether its input is required and how much unknown input it tolerates.

A rule never reports 通过 on input it does not have. Each test returns a ``Verdict``: passed, failed
or ``None`` (wholly unknown), plus the area whose input is unknown and the area the rule looks at.
``check`` turns it into a finding with a ``status``:

* ``pass`` (通过) — the known input passes and the unknown share is within the pack's ``tolerance``
  (default 0); the message still states any unknown area;
* ``fail`` (不通过) — the known input already breaks the rule (severity from the pack);
* ``unknown`` (无法检查) — the input is wholly unknown, or the known part passes but the unknown share
  exceeds the tolerance; severity ``error`` where the pack marks the input ``required``, else
  ``warning``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from landcon.engine.indicators import PlanAnalysis
from landcon.engine.rules.catalogue import RULES, Rule, Verdict
from landcon.engine.rules.packs import ERROR, INFO, KCXS_TABLE_RULE, WARNING, resolve

__all__ = [
    "ERROR",
    "FAIL",
    "INFO",
    "KCXS_TABLE_RULE",
    "PASS",
    "RULES",
    "STATUS_NAMES",
    "UNKNOWN",
    "WARNING",
    "Finding",
    "Rule",
    "Verdict",
    "check",
    "resolve",
    "status_counts",
]

PASS, FAIL, UNKNOWN = "pass", "fail", "unknown"
STATUS_NAMES: Mapping[str, str] = {PASS: "通过", FAIL: "不通过", UNKNOWN: "无法检查"}
"""How a finding's status is written in every report (CLI, xlsx, docx)."""


@dataclass(frozen=True)
class Finding:
    rule: str
    status: str
    severity: str
    title: str
    citation: str
    message: str
    value: Any = None
    threshold: Any = None
    features: list[dict[str, str]] = field(default_factory=list)
    unknown_m2: float | None = None
    unknown_share: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "status": self.status,
            "severity": self.severity,
            "title": self.title,
            "citation": self.citation,
            "message": self.message,
            "value": self.value,
            "threshold": self.threshold,
            "features": self.features,
            "unknown_m2": self.unknown_m2,
            "unknown_share": self.unknown_share,
        }


def _ha(m2: float) -> str:
    return f"{m2 / 10000:.4f} 公顷"


def _judge(v: Verdict, config: Mapping[str, Any]) -> tuple[str, str, float | None]:
    """(status, message, unknown share) of a verdict under the pack's tolerance."""
    tolerance = float(config.get("tolerance") or 0.0)
    share = None
    if v.unknown_m2 and v.scope_m2:
        share = round(v.unknown_m2 / v.scope_m2, 6)
    note = ""
    if v.unknown_m2 and v.unknown_m2 > 0:
        share_text = f"，占{v.scope_name} {share * 100:.2f}%" if share is not None else ""
        note = f"；{v.unknown_what} {_ha(v.unknown_m2)}{share_text}（容差 {tolerance * 100:.2f}%）"
    if v.passed is None:
        return UNKNOWN, f"无法检查：{v.message}{note}", share
    if v.passed is False:
        return FAIL, v.message + note, share
    if v.unknown_m2 and v.unknown_m2 > 0 and (share is None or share > tolerance + 1e-12):
        return UNKNOWN, f"无法检查：{v.message}{note}，超过容差", share
    return PASS, v.message + note, share


def check(analysis: PlanAnalysis, pack: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every enabled rule of ``pack`` on the analysed plan: one finding per rule, passes included
    (severity ``pass``), failures with the pack's severity, unknowns as described above."""
    findings = []
    for rule in RULES:
        config = pack[rule.id]
        if not config.get("enabled", True):
            continue
        verdict = rule.test(analysis, config["threshold"])
        status, message, share = _judge(verdict, config)
        if status == PASS:
            severity = "pass"
        elif status == FAIL:
            severity = config["severity"]
        else:
            severity = ERROR if config.get("required") else WARNING
        findings.append(
            Finding(
                rule.id,
                status,
                severity,
                rule.title,
                str(config.get("citation") or "依据待确认（可配置）"),
                message,
                verdict.value,
                config["threshold"],
                list(verdict.features),
                None if verdict.unknown_m2 is None else round(verdict.unknown_m2, 2),
                share,
            ).as_dict()
        )
    return findings


def status_counts(findings: list[dict[str, Any]]) -> dict[str, int]:
    """Number of findings per status (pass, fail, unknown)."""
    counts = dict.fromkeys((PASS, FAIL, UNKNOWN), 0)
    for f in findings:
        counts[str(f.get("status"))] = counts.get(str(f.get("status")), 0) + 1
    return counts
