"""The profile's ``supervision`` section: Yunnan defaults, a province file overriding one value,
``profile show`` naming each value's source, bad values refused naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from landcon.engine.profile import SupervisionSettings, supervision_from_dict
from landcon.errors import InvalidRecord
from landcon.services import profile

PACKAGED = "默认档案 landcon/data/profiles/yunnan.yaml"


@pytest.fixture(autouse=True)
def _no_profile_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LANDCON_PROFILE", raising=False)
    monkeypatch.delenv("LANDCON_LEDGER_RULES", raising=False)
    profile.reset()


def _settings() -> dict[str, dict[str, object]]:
    return {i["key"]: i for i in profile.show()["settings"] if i["key"].startswith("supervision.")}


def test_yunnan_supervision_values_and_sources() -> None:
    s = profile.get_profile().supervision
    assert s == SupervisionSettings(50.0, 0.8, 10.0, (0.5, 1.0), 90, 15, 90)
    shown = _settings()
    assert {k: v["value"] for k, v in shown.items()} == {
        "supervision.photo_buffer_m": 50.0,
        "supervision.milestone_ratio": 0.8,
        "supervision.schedule_tolerance": 10.0,
        "supervision.milestones": [0.5, 1.0],
        "supervision.revolving_due_days": 90,
        "supervision.escalation_days": 15,
        "supervision.aftercare_inspection_days": 90,
    }
    assert {v["source"] for v in shown.values()} == {PACKAGED}


def test_province_file_overrides_one_value(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("supervision: {photo_buffer_m: 30, milestones: [1.0, 0.25]}\n", encoding="utf-8")
    monkeypatch.setenv("LANDCON_PROFILE", str(path))
    s = profile.get_profile().supervision
    assert (s.photo_buffer_m, s.milestones, s.milestone_ratio) == (30.0, (0.25, 1.0), 0.8)
    shown = _settings()
    assert shown["supervision.photo_buffer_m"]["source"] == f"LANDCON_PROFILE={path}"
    assert shown["supervision.milestone_ratio"]["source"] == PACKAGED


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("supervision: {milestone_ratio: 1.5}", "milestone_ratio 应在 (0, 1] 之间，现为 1.5"),
        ("supervision: {buffer: 3}", "未知的监管设置 buffer"),
        ("supervision: {milestones: [0, 1]}", "milestones 应为 (0, 1] 之间的计划工期比例"),
        ("supervision: 5", "档案配置 supervision 应为“键: 值”的表"),
    ],
)
def test_bad_values_name_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text + "\n", encoding="utf-8")
    monkeypatch.setenv("LANDCON_PROFILE", str(path))
    with pytest.raises(InvalidRecord, match=message.replace("(", r"\(").replace(")", r"\)")) as caught:
        profile.get_profile()
    assert str(path) in str(caught.value)


def test_from_dict_types() -> None:
    assert supervision_from_dict({"revolving_due_days": "30"}).revolving_due_days == 30
    with pytest.raises(ValueError, match="schedule_tolerance 应为数值"):
        supervision_from_dict({"schedule_tolerance": True})
