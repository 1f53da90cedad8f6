"""Projects through their lifecycle, joint review, permissions, audit, locking and atomicity — on SQLite
and PostgreSQL (``records_world``: Yunnan seeded, the 100 m ``grid`` dataset, one user per role/department)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import geopandas as gpd
import pytest
import yaml
from acceptance_fixtures import accept_project
from plan_fixtures import GOOD, META, box, write_plan
from publicity_fixtures import plan_cleared
from records_fixtures import COUNTY_REVIEW, PREFECTURE_REVIEW, PROVINCE_REVIEW, TOWNSHIP
from sqlalchemy import func, select, text, update

from landcon.errors import Conflict, InvalidRecord, NotFound, PermissionDenied, TransitionRefused
from landcon.services import audit, clock, org, projects, records, tasks
from landcon.services.attachments import AttachmentRefused
from landcon.store.models import AuditEntry, Project, ReviewOpinion, Task

CODE = "FM-2027-01"


def who(name: str) -> records.Actor:
    return records.actor(name)


def audit_count() -> int:
    with records.read() as s:
        return int(s.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def no_pbf_plan(folder: Path) -> Path:
    """GOOD without the 永久基本农田 adjustment layer."""
    folder.mkdir(parents=True)
    gpkg = folder / "plan.gpkg"
    zone = [{"ZZQYBH": "Q1", "ZZQYMC": "测试区", "geometry": box(0, 0, 4, 2)}]
    for name, rows in (("ZZQY", zone), ("CZGHTB", GOOD)):
        gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4543").to_file(gpkg, layer=name, engine="pyogrio")
    (folder / "plan.yaml").write_text(yaml.safe_dump(META, allow_unicode=True), encoding="utf-8")
    return folder


def start(tmp_path: Path, plan: Path | None = None) -> dict[str, object]:
    """A project in 方案编制 with a passing draft plan and its cleared 公示."""
    author = who("fm_author")
    projects.create_project(
        author, CODE, "富民县款庄镇全域土地综合整治", county="530124", units=[TOWNSHIP], dataset="grid"
    )
    projects.advance(author, CODE)
    v = projects.save_plan(author, CODE, plan or write_plan(tmp_path / "plan", GOOD))
    plan_cleared(CODE)
    return v


def agree_all(prefix: str, kinds: tuple[str, ...], **over: str) -> None:
    for kind in kinds:
        opinion = over.get(kind, "同意")
        conditions = "补充灌溉水源论证" if opinion == "修改后同意" else ""
        projects.give_opinion(who(f"{prefix}_{kind}"), CODE, opinion, conditions=conditions)


def test_full_lifecycle_with_rejection_and_provincial_stage(records_world, tmp_path):
    author = who("fm_author")
    p = projects.create_project(author, CODE, "富民县款庄镇全域土地综合整治", county="530124", units=[TOWNSHIP])
    assert p["stage"] == "survey" and [u["code"] for u in p["units"]] == [TOWNSHIP]
    with pytest.raises(TransitionRefused, match="基础数据集"):
        projects.advance(author, CODE)
    projects.update_project(author, CODE, dataset="grid", expected_version=p["version"])
    projects.advance(author, CODE)
    with pytest.raises(TransitionRefused, match="尚无方案草稿"):
        projects.advance(author, CODE)

    # A plan with an error finding cannot be submitted; the draft is replaced by the corrected plan.
    bad = write_plan(tmp_path / "bad", [{"GHDLBM": "0702", "ZXMBH": "Z1", "geometry": GOOD[0]["geometry"]}])
    v = projects.save_plan(author, CODE, bad)
    assert (v["number"], v["status"]) == (1, "draft") and v["errors"] > 0
    with pytest.raises(TransitionRefused, match=f"最新版本有 {v['errors']} 个错误项"):
        projects.advance(author, CODE)
    v = projects.save_plan(author, CODE, write_plan(tmp_path / "good", GOOD), expected_version=v["version"])
    assert (v["number"], v["errors"], v["pbf_adjusted"]) == (1, 0, True)
    assert v["files"] == ["plan.gpkg", "plan.yaml"]

    plan_cleared(CODE)
    p = projects.advance(author, CODE, comment="提交县级审查")
    assert p["stage"] == "county_review"
    assert p["plan_versions"][0]["frozen"] is True
    review = p["reviews"][0]
    assert [o["department"] for o in review["opinions"]] == list(COUNTY_REVIEW)
    assert review["deadline"] == (clock.today() + dt.timedelta(days=20)).isoformat()
    with pytest.raises(TransitionRefused, match="只能在“方案编制”阶段上传方案"):
        projects.save_plan(author, CODE, tmp_path / "good")

    # The inbox of each county department holds the task; other counties do not see the project.
    assert [r["project"] for r in projects.inbox(who("fm_cz"))] == [CODE]
    assert projects.inbox(who("km_zrzy")) == []
    with pytest.raises(NotFound):
        projects.give_opinion(who("wh_zrzy"), CODE, "同意")
    with pytest.raises(InvalidRecord, match="须写明修改条件"):
        projects.give_opinion(who("fm_cz"), CODE, "修改后同意")
    with pytest.raises(PermissionDenied):
        projects.give_opinion(author, CODE, "同意")

    agree_all("fm", COUNTY_REVIEW[:-1], cz="修改后同意")
    with pytest.raises(TransitionRefused, match="住房城乡建设部门尚未提交审查意见"):
        projects.advance(who("fm_zrzy"), CODE)
    agree_all("fm", COUNTY_REVIEW[-1:])
    status = projects.review_status(who("fm_zrzy"), CODE)["consolidated"]
    assert status["outcome"] == "修改后同意"
    assert status["conditions"] == [{"department": "财政", "conditions": "补充灌溉水源论证"}]
    with pytest.raises(TransitionRefused, match="自然资源部门的审查人员"):
        projects.advance(who("fm_cz"), CODE)
    with pytest.raises(TransitionRefused, match="自然资源部门的审查人员"):
        projects.advance(who("km_zrzy"), CODE)  # the prefecture does not close the county's stage
    assert projects.advance(who("fm_zrzy"), CODE)["stage"] == "prefecture_review"

    # The prefecture's 农业农村 disagrees: the stage cannot pass, the leading department sends it back.
    agree_all("km", PREFECTURE_REVIEW, nync="不同意")
    with pytest.raises(TransitionRefused, match="农业农村部门意见为“不同意”"):
        projects.advance(who("km_zrzy"), CODE)
    with pytest.raises(InvalidRecord, match="退回须写明理由"):
        projects.reject(who("km_zrzy"), CODE, comment=" ")
    p = projects.reject(who("km_zrzy"), CODE, comment="永农补划地块质量不足")
    assert p["stage"] == "plan"
    assert [r["outcome"] for r in p["reviews"]] == ["passed", "rejected"]

    # A new draft starts from the frozen version; version 1 stays as submitted.
    with pytest.raises(TransitionRefused, match="尚无方案草稿"):
        projects.advance(author, CODE)
    v2 = projects.new_draft(author, CODE)
    assert (v2["number"], v2["status"], v2["errors"]) == (2, "draft", 0)
    assert projects.version_detail(author, CODE, 1)["status"] == "submitted"
    projects.advance(author, CODE)
    agree_all("fm", COUNTY_REVIEW)
    projects.advance(who("fm_zrzy"), CODE)
    agree_all("km", PREFECTURE_REVIEW)
    p = projects.advance(who("km_zrzy"), CODE)
    assert p["stage"] == "province_approval"  # the plan adjusts 永久基本农田
    assert p["reviews"][-1]["opinions"][0]["department_name"] == "云南省自然资源厅"
    agree_all("yn", PROVINCE_REVIEW)
    assert projects.advance(who("yn_zrzy"), CODE)["stage"] == "implementation"

    # Implementation ends only when the project's responsibility list is done.
    sup = who("fm_sup")
    with records.write(sup, "test.task") as s:
        project = s.scalars(select(Project).where(Project.code == CODE)).one()
        task = Task(
            unit_id=project.county_id,
            project_id=project.id,
            title="完成高标准农田建设",
            deadline=clock.today() + dt.timedelta(days=30),
            created_by=sup.username,
        )
        s.add(task)
    with pytest.raises(TransitionRefused, match="未办结 1 项"):
        projects.advance(sup, CODE)
    with pytest.raises(RuntimeError, match="bypass the audit trail"):
        with records.write(sup, "test.task") as s:
            s.execute(update(Task).values(status="done"))  # a bulk UPDATE would not be audited: refused
    tasks.complete_task(sup, task.id, note="验收合格")
    assert projects.advance(sup, CODE)["stage"] == "acceptance"
    with pytest.raises(TransitionRefused, match="州/市或以上"):
        projects.advance(sup, CODE)
    accept_project(CODE, tmp_path)
    p = projects.advance(who("km_sup"), CODE)
    assert p["stage"] == "aftercare"
    with pytest.raises(TransitionRefused, match="最后一个阶段"):
        projects.advance(who("km_sup"), CODE)

    assert [(e["from"], e["to"], e["action"]) for e in p["timeline"]] == [
        (None, "survey", "create"),
        ("survey", "plan", "advance"),
        ("plan", "county_review", "advance"),
        ("county_review", "prefecture_review", "advance"),
        ("prefecture_review", "plan", "reject"),
        ("plan", "county_review", "advance"),
        ("county_review", "prefecture_review", "advance"),
        ("prefecture_review", "province_approval", "advance"),
        ("province_approval", "implementation", "advance"),
        ("implementation", "acceptance", "advance"),
        ("acceptance", "aftercare", "advance"),
    ]
    assert all(s["status"] == "done" for s in p["stages"][:-1])
    result = audit.verify(records.system_actor())
    assert result["ok"] and result["entries"] == audit_count()


def test_plan_without_permanent_farmland_adjustment_skips_the_province(records_world, tmp_path):
    v = start(tmp_path, no_pbf_plan(tmp_path / "plan"))
    assert (v["errors"], v["pbf_adjusted"]) == (0, False)
    p = projects.show_project(who("fm_author"), CODE)
    assert {s["code"]: s["status"] for s in p["stages"]}["province_approval"] == "conditional"
    projects.advance(who("fm_author"), CODE)
    agree_all("fm", COUNTY_REVIEW)
    projects.advance(who("fm_zrzy"), CODE)
    agree_all("km", PREFECTURE_REVIEW)
    p = projects.advance(who("km_zrzy"), CODE)
    assert p["stage"] == "implementation"
    assert {s["code"]: s["status"] for s in p["stages"]}["province_approval"] == "skipped"


def test_version_diff_between_stored_versions(records_world, tmp_path):
    start(tmp_path)
    author = who("fm_author")
    projects.advance(author, CODE)
    projects.reject(who("fm_zrzy"), CODE, comment="缩小范围")
    projects.new_draft(author, CODE)
    v2 = projects.save_plan(author, CODE, write_plan(tmp_path / "v2", GOOD[:1]))
    assert v2["number"] == 2
    diff = projects.diff_versions(author, CODE, 1, 2)
    changes = {c["indicator"]: c for c in diff["indicators"]}
    # Version 2 drops the orchard restoration (10 000 m² of new cultivated land → 500 m² from levelling).
    assert (changes["cultivated.new_m2"]["a"], changes["cultivated.new_m2"]["b"]) == (10000.0, 500.0)
    assert (diff["a"]["version"], diff["b"]["version"]) == (1, 2)
    # A version compared with itself has no differences (both are exported side by side).
    same = projects.diff_versions(author, CODE, 1, 1)
    assert same["indicators"] == [] and same["findings"] == []
    out = projects.export_plan(author, CODE, 1, tmp_path / "v1")
    assert sorted(p.name for p in out.iterdir()) == ["plan.gpkg", "plan.yaml"]
    assert (out / "plan.yaml").read_bytes() == (tmp_path / "plan" / "plan.yaml").read_bytes()


BASE_USER = {"530124": "fm_author", "530102": "wh_author", "530000": "yn_zrzy"}


def actor_as(role: str, unit: str, dept: str | None = "zrzy") -> records.Actor:
    """An actor of ``unit`` holding only ``role`` (the user record is not needed by the services)."""
    base = who(BASE_USER[unit])
    return dataclasses.replace(base, username=f"{role}@{unit}", roles=frozenset({role}), department_kind=dept)


ACTIONS = {
    "project.create": lambda a, tmp: projects.create_project(a, f"N-{a.username}", "新项目", county="530124"),
    "project.read": lambda a, tmp: projects.show_project(a, CODE),
    "user.manage": lambda a, tmp: org.add_user(
        a, f"u{abs(hash(a.username))}", password="secret123", unit="530124", roles=["leader"]
    ),
    "user.read": lambda a, tmp: org.list_users(a, unit="530124"),
    "plan.upload": lambda a, tmp: projects.save_plan(a, CODE, tmp / "plan"),
    "audit.verify": lambda a, tmp: audit.verify(a),
}
PROVINCE_ONLY = {"audit.verify"}


@pytest.mark.parametrize("role", ["admin", "author", "reviewer", "supervisor", "reporter", "leader"])
def test_permission_matrix_inside_and_outside_the_unit(records_world, tmp_path, role):
    """Every role × action on a record of county 530124, by a user of that county (inside), of another
    county (outside) and of the province (above)."""
    from landcon.engine.org import PERMISSIONS

    start(tmp_path)
    for where, unit in (("inside", "530124"), ("outside", "530102"), ("above", "530000")):
        actor = actor_as(role, unit)
        for action, call in ACTIONS.items():
            in_scope = where != "outside" or action == "user.read"  # listing is allowed, and lists nothing
            allowed = role in PERMISSIONS[action] and in_scope and (action not in PROVINCE_ONLY or where == "above")
            if allowed:
                result = call(actor, tmp_path)
                if action == "user.read" and where == "outside":
                    assert result == []
            else:
                with pytest.raises((PermissionDenied, NotFound)):
                    call(actor, tmp_path)


def test_audit_verify_names_edited_and_deleted_entries(records_world, tmp_path):
    start(tmp_path)
    assert audit.verify(records.system_actor())["ok"]
    db = records.database()
    with db.engine.begin() as conn:
        # The database refuses edits of the log …
        with pytest.raises(Exception, match="append-only"):
            conn.execute(text("UPDATE audit_log SET actor = 'x' WHERE seq = 5"))
    with db.engine.begin() as conn:
        # … until someone with the owner's rights removes the guard.
        if db.dialect == "sqlite":
            conn.execute(text("DROP TRIGGER audit_log_no_update"))
            conn.execute(text("DROP TRIGGER audit_log_no_delete"))
        else:
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        conn.execute(text("UPDATE audit_log SET actor = 'someone_else' WHERE seq = 1500"))
    result = audit.verify(records.system_actor())
    assert not result["ok"]
    assert [(b["seq"], "本条记录被修改" in b["problem"]) for b in result["breaks"]] == [(1500, True)]
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE seq = 1600"))
    seqs = {b["seq"] for b in audit.verify(records.system_actor())["breaks"]}
    assert seqs == {1500, 1601}
    last = audit_count() + 1  # one entry deleted
    with db.engine.begin() as conn:
        conn.execute(text(f"DELETE FROM audit_log WHERE seq = {last}"))
    breaks = audit.verify(records.system_actor())["breaks"]
    assert any("末尾" in b["problem"] for b in breaks)


def test_optimistic_locking_conflict_keeps_the_first_save(records_world, tmp_path):
    start(tmp_path)
    author = who("fm_author")
    seen = projects.show_project(author, CODE)["version"]
    projects.update_project(author, CODE, name="款庄镇整治（一期）", expected_version=seen)  # the first save wins
    with pytest.raises(Conflict, match="已被他人修改"):
        projects.update_project(who("fm_admin"), CODE, name="款庄镇整治", expected_version=seen)
    # Two transactions racing on the same row: the version column refuses the stale UPDATE.
    before = audit_count()
    with pytest.raises(Conflict, match="版本号不符"):
        with records.write(author, "test.race") as s:
            project = s.scalars(select(Project).where(Project.code == CODE)).one()
            s.info["unaudited_bulk"] = True  # stands for another writer's committed transaction
            bump = update(Project).where(Project.id == project.id).values(version=Project.version + 1)
            s.execute(bump.execution_options(synchronize_session=False))  # another writer, unseen by this session
            project.name = "被覆盖的名称"
    assert projects.show_project(author, CODE)["name"] == "款庄镇整治（一期）"
    assert audit_count() == before
    # The review opinion is versioned too.
    projects.advance(author, CODE)
    first = projects.give_opinion(who("fm_cz"), CODE, "同意")
    projects.give_opinion(who("fm_cz"), CODE, "不同意", comments="资金来源不明", expected_version=first["version"])
    with pytest.raises(Conflict):
        projects.give_opinion(who("fm_cz"), CODE, "同意", expected_version=first["version"])
    with records.read() as s:
        assert s.scalars(select(ReviewOpinion.opinion).where(ReviewOpinion.comments != "")).all() == ["不同意"]


def test_a_failure_mid_transaction_leaves_no_record_and_no_audit_entry(records_world, tmp_path):
    start(tmp_path)
    before = audit_count()
    with pytest.raises(RuntimeError, match="power cut"):
        with records.write(who("fm_author"), "test.crash") as s:
            project = s.scalars(select(Project).where(Project.code == CODE)).one()
            project.name = "半途而废"
            s.flush()  # the UPDATE and its audit entry are in the database's transaction …
            raise RuntimeError("power cut")  # … and gone with the rollback
    assert projects.show_project(who("fm_author"), CODE)["name"] != "半途而废"
    assert audit_count() == before
    # A service that fails after changing fields (a refused attachment) saves nothing either.
    projects.advance(who("fm_author"), CODE)
    before = audit_count()
    evil = tmp_path / "意见.pdf"
    evil.write_bytes(b"MZ\x90\x00 not a pdf")
    with pytest.raises(AttachmentRefused, match=r"内容与扩展名 \.pdf 不符"):
        projects.give_opinion(who("fm_cz"), CODE, "同意", files=[evil])
    assert projects.review_status(who("fm_cz"), CODE)["opinions"][1]["opinion"] is None
    assert audit_count() == before
    assert audit.verify(records.system_actor())["ok"]


def test_attachments_are_content_addressed(records_world, tmp_path):
    start(tmp_path)
    projects.advance(who("fm_author"), CODE)
    pdf = tmp_path / "意见.pdf"
    pdf.write_bytes(b"%PDF-1.4 test opinion")
    copy = tmp_path / "副本.pdf"
    copy.write_bytes(pdf.read_bytes())
    got = projects.give_opinion(who("fm_cz"), CODE, "同意", files=[pdf, copy])
    import hashlib

    sha = hashlib.sha256(pdf.read_bytes()).hexdigest()
    assert got["attachments"] == [{"name": "意见.pdf", "sha256": sha}]  # one content, stored once
    assert (records_world.data_dir / "blobs" / sha[:2] / sha).read_bytes() == pdf.read_bytes()
    exe = tmp_path / "run.exe"
    exe.write_bytes(b"MZ")
    with pytest.raises(AttachmentRefused, match=r"不接受 \.exe"):
        projects.give_opinion(who("fm_cz"), CODE, "同意", files=[exe])


def test_scope_other_county_cannot_read_or_change(records_world, tmp_path):
    start(tmp_path)
    other = who("wh_author")
    assert projects.list_projects(other) == []
    assert [p["code"] for p in projects.list_projects(who("km_zrzy"))] == [CODE]  # the prefecture sees it
    for call in (
        lambda: projects.show_project(other, CODE),
        lambda: projects.advance(other, CODE),
        lambda: projects.save_plan(other, CODE, tmp_path / "plan"),
    ):
        with pytest.raises(NotFound, match="不存在或不在 五华区 的管辖范围内"):
            call()
    with pytest.raises(PermissionDenied, match="无权对 富民县"):
        projects.create_project(other, "X-1", "越权", county="530124")
    with pytest.raises(PermissionDenied, match="无权对 富民县"):
        org.add_user(who("wh_admin"), "intruder", password="secret123", unit="530124", roles=["admin"])


def test_passwords_are_argon2_and_login_checks_them(records_world):
    actor = org.authenticate("fm_author", "secret123")
    assert actor.unit_code == "530124" and actor.roles == {"author"}
    with records.read() as s:
        from landcon.store.models import User

        stored = s.scalars(select(User.password_hash).where(User.username == "fm_author")).one()
    assert stored.startswith("$argon2id$") and "secret123" not in stored
    for name, pw in (("fm_author", "wrong-password"), ("nobody", "secret123")):
        with pytest.raises(PermissionDenied, match="用户名或密码错误"):
            org.authenticate(name, pw)
    with pytest.raises(InvalidRecord, match="至少 8 位"):
        org.set_password(who("fm_author"), "fm_author", "short")


def test_a_province_configures_its_own_chain(records_world, tmp_path):
    chain = tmp_path / "chain.yaml"
    chain.write_text(
        """
name: two-stage
stages:
  - {code: survey, name: 摸底调查, kind: work, level: county, roles: [author], requires: [dataset]}
  - {code: plan, name: 方案编制, kind: work, level: county, roles: [author], requires: [plan_passed]}
  - {code: city_review, name: 市级评估, kind: review, level: prefecture, departments: [zrzy, nync], deadline_days: 10}
  - {code: implementation, name: 实施, kind: work, level: county, roles: [supervisor]}
""",
        encoding="utf-8",
    )
    author = who("fm_author")
    projects.create_project(author, CODE, "两级审批", county="530124", dataset="grid", chain=str(chain))
    projects.advance(author, CODE)
    projects.save_plan(author, CODE, write_plan(tmp_path / "plan", GOOD))
    p = projects.advance(author, CODE)
    assert (p["chain"], p["stage"]) == ("two-stage", "city_review")
    review = p["reviews"][0]
    assert [o["department_name"] for o in review["opinions"]] == ["昆明市自然资源局", "昆明市农业农村局"]
    assert review["deadline"] == (clock.today() + dt.timedelta(days=10)).isoformat()
    agree_all("km", ("zrzy", "nync"))
    assert projects.advance(who("km_zrzy"), CODE)["stage"] == "implementation"
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nstages:\n  - {code: plan, name: 方案编制, kind: vote}\n", encoding="utf-8")
    with pytest.raises(InvalidRecord, match="类型应为 work 或 review"):
        projects.create_project(author, "X-2", "坏的审批链", county="530124", chain=str(bad))


def test_audit_history_names_created_records(records_world, tmp_path):
    start(tmp_path)
    with records.read() as s:
        pid = s.scalars(select(Project.id).where(Project.code == CODE)).one()
    entries = audit.history(records.system_actor(), "projects", str(pid))
    assert [e["action"] for e in reversed(entries)] == ["project.create/create", "project.advance/update"]
    assert entries[-1]["changes"]["code"] == CODE and entries[0]["changes"]["stage"] == ["survey", "plan"]
    with records.read() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.object_id == "")) == 0


def test_province_wide_actions_need_a_provincial_user(records_world):
    for call in (
        lambda: audit.verify(who("fm_sup")),
        lambda: org.seed_yunnan(who("fm_admin")),
    ):
        with pytest.raises(PermissionDenied, match="涉及全省的记录"):
            call()
    with pytest.raises(InvalidRecord, match="不能加入 富民县 的领导小组"):
        org.create_group(who("fm_admin"), "530124", "富民县全域土地综合整治领导小组", leader="wh_author")
    group = org.create_group(who("fm_admin"), "530124", "领导小组", leader="fm_leader", members=[("fm_town", "成员")])
    assert group["members"] == ["fm_town"]


def test_disabled_users_cannot_act_and_roles_can_change(records_world):
    admin = who("fm_admin")
    org.set_active(admin, "fm_author", False)
    with pytest.raises(PermissionDenied, match="已停用"):
        who("fm_author")
    with pytest.raises(PermissionDenied, match="用户名或密码错误"):
        org.authenticate("fm_author", "secret123")
    org.set_active(admin, "fm_author", True)
    changed = org.set_roles(admin, "fm_author", ["author", "supervisor"])
    assert changed["roles"] == ["author", "supervisor"] and changed["version"] == 4
    with pytest.raises(Conflict):
        org.set_roles(admin, "fm_author", ["author"], expected_version=3)
    with pytest.raises(NotFound):
        org.set_active(who("wh_admin"), "fm_author", False)  # another county's user


def test_drafts_exports_and_local_dates(records_world, tmp_path, monkeypatch):
    start(tmp_path)
    author = who("fm_author")
    projects.advance(author, CODE)
    with pytest.raises(TransitionRefused, match="只能在“方案编制”阶段新建方案草稿"):
        projects.new_draft(author, CODE)
    projects.reject(who("fm_zrzy"), CODE, comment="补充材料")
    assert projects.new_draft(author, CODE)["based_on"] == 1
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "keep.txt").write_text("x", encoding="utf-8")
    with pytest.raises(InvalidRecord, match="已存在且不为空"):
        projects.export_plan(author, CODE, 1, tmp_path / "busy")
    assert (tmp_path / "busy" / "keep.txt").exists()
    monkeypatch.setenv("LANDCON_TIMEZONE", "Pacific/Kiritimati")  # UTC+14
    east = clock.today()
    monkeypatch.setenv("LANDCON_TIMEZONE", "Pacific/Pago_Pago")  # UTC−11
    assert (east - clock.today()).days >= 1
