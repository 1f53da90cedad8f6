"""Pure rules of the records: the lifecycle transition table, the permission matrix, unit codes, hashes."""

from __future__ import annotations

import pytest
from doc_tables import permission_table

from landcon.engine import audit, org
from landcon.engine import workflow as wf
from landcon.engine.org import ADMIN, AUTHOR, LEADER, REVIEWER, SUPERVISOR

Y = wf.YUNNAN
ALL_AGREE_COUNTY = tuple(wf.Opinion(d, wf.AGREE) for d in Y.stage("county_review").departments)


def facts(roles: set[str], level: str = "county", **kw: object) -> wf.Facts:
    return wf.Facts(roles=frozenset(roles), actor_level=level, **kw)  # type: ignore[arg-type]


REVIEW_CLOSER = {"actor_department": "zrzy", "actor_at_stage_unit": True}

# (stage, action, facts, None if allowed else a fragment of the refusal)
TRANSITIONS = [
    ("survey", "advance", facts({AUTHOR}, has_dataset=True), None),
    ("survey", "advance", facts({AUTHOR}), "基础数据集"),
    ("survey", "advance", facts({REVIEWER}, has_dataset=True), "只能由编制人员推进"),
    ("survey", "advance", facts({ADMIN}, has_dataset=True), "只能由编制人员推进"),  # admins manage, not decide
    ("survey", "advance", facts({LEADER}, has_dataset=True), "只能由编制人员推进"),
    ("survey", "reject", facts({AUTHOR}, has_dataset=True), "只有审查阶段可以退回"),
    ("plan", "advance", facts({AUTHOR}, plan_errors=0, publicity={"plan": []}), None),
    ("plan", "advance", facts({AUTHOR}, plan_errors=None), "尚无方案草稿"),
    ("plan", "advance", facts({AUTHOR}, plan_errors=2), "最新版本有 2 个错误项"),
    ("plan", "advance", facts({SUPERVISOR}, plan_errors=0), "只能由编制人员推进"),
    ("county_review", "advance", facts({REVIEWER}, **REVIEW_CLOSER, opinions=ALL_AGREE_COUNTY), None),
    ("county_review", "advance", facts({REVIEWER}, **REVIEW_CLOSER), "尚未提交审查意见"),
    (
        "county_review",
        "advance",
        facts({REVIEWER}, **REVIEW_CLOSER, opinions=(*ALL_AGREE_COUNTY[1:], wf.Opinion("zrzy", wf.DISAGREE))),
        "意见为“不同意”",
    ),
    (
        "county_review",
        "advance",
        facts(
            {REVIEWER},
            **REVIEW_CLOSER,
            opinions=(*ALL_AGREE_COUNTY[1:], wf.Opinion("zrzy", wf.AGREE_WITH_CONDITIONS, "  ")),
        ),
        "未写明修改条件",
    ),
    (
        "county_review",
        "advance",
        facts(
            {REVIEWER},
            **REVIEW_CLOSER,
            opinions=(*ALL_AGREE_COUNTY[1:], wf.Opinion("zrzy", wf.AGREE_WITH_CONDITIONS, "补充水源论证")),
        ),
        None,
    ),
    (
        "county_review",
        "advance",
        facts({REVIEWER}, actor_department="cz", actor_at_stage_unit=True, opinions=ALL_AGREE_COUNTY),
        "自然资源部门的审查人员",
    ),
    (
        "county_review",
        "advance",
        facts({REVIEWER}, actor_department="zrzy", actor_at_stage_unit=False, opinions=ALL_AGREE_COUNTY),
        "自然资源部门的审查人员",
    ),
    ("county_review", "advance", facts({AUTHOR, ADMIN}, opinions=ALL_AGREE_COUNTY), "自然资源部门的审查人员"),
    ("county_review", "reject", facts({REVIEWER}, **REVIEW_CLOSER), None),
    ("county_review", "reject", facts({AUTHOR}), "自然资源部门的审查人员"),
    ("implementation", "advance", facts({SUPERVISOR}), None),
    ("implementation", "advance", facts({SUPERVISOR}, open_tasks=3), "未办结 3 项"),
    ("implementation", "advance", facts({AUTHOR}), "只能由监管人员推进"),
    ("acceptance", "advance", facts({SUPERVISOR}, level="prefecture"), None),
    ("acceptance", "advance", facts({SUPERVISOR}, level="province"), None),
    ("acceptance", "advance", facts({SUPERVISOR}, level="county"), "州/市或以上"),
    ("aftercare", "advance", facts({SUPERVISOR, ADMIN}), "最后一个阶段"),
]


@pytest.mark.parametrize(("stage", "action", "the_facts", "refusal"), TRANSITIONS)
def test_transition_table(stage: str, action: str, the_facts: wf.Facts, refusal: str | None) -> None:
    reasons = wf.check_transition(Y, stage, action, the_facts)
    if refusal is None:
        assert reasons == []
    else:
        assert reasons and any(refusal in r for r in reasons), reasons


def test_next_stage_skips_provincial_approval_without_permanent_farmland_adjustment() -> None:
    assert wf.next_stage(Y, "prefecture_review", pbf_adjusted=False).code == "implementation"
    assert wf.next_stage(Y, "prefecture_review", pbf_adjusted=True).code == "province_approval"
    assert wf.next_stage(Y, "province_approval", pbf_adjusted=True).code == "implementation"
    assert wf.next_stage(Y, "aftercare", pbf_adjusted=True) is None
    order = [s.code for s in Y.stages]
    assert order == [
        "survey",
        "plan",
        "county_review",
        "prefecture_review",
        "province_approval",
        "implementation",
        "acceptance",
        "aftercare",
    ]


def test_chain_is_configuration_and_malformed_chains_are_refused() -> None:
    data = Y.to_dict()
    assert wf.Chain.from_dict(data) == Y
    # A province whose chain ends at the prefecture for every plan: drop the provincial stage.
    data["stages"] = [s for s in data["stages"] if s["code"] != "province_approval"]
    short = wf.Chain.from_dict(data)
    assert wf.next_stage(short, "prefecture_review", pbf_adjusted=True).code == "implementation"
    bad = Y.to_dict()
    bad["stages"][2]["departments"] = ["nosuch"]
    with pytest.raises(ValueError, match="未知部门 nosuch"):
        wf.Chain.from_dict(bad)
    bad = Y.to_dict()
    bad["stages"][0]["colour"] = "red"
    with pytest.raises(ValueError, match="未知键 colour"):
        wf.Chain.from_dict(bad)


def test_consolidated_opinion() -> None:
    stage = Y.stage("prefecture_review")
    view = wf.consolidated(
        stage,
        [
            wf.Opinion("zrzy", wf.AGREE),
            wf.Opinion("nync", wf.AGREE_WITH_CONDITIONS, "补划耕地"),
            wf.Opinion("lc", None),
        ],
    )
    assert view["outcome"] == "待办"
    assert view["pending"] == ["林草", "生态环境"]
    assert view["counts"] == {wf.AGREE: 1, wf.AGREE_WITH_CONDITIONS: 1, wf.DISAGREE: 0}
    done = [wf.Opinion(d, wf.AGREE) for d in stage.departments]
    assert wf.consolidated(stage, done)["outcome"] == wf.AGREE
    assert wf.consolidated(stage, [*done[:-1], wf.Opinion("sthj", wf.DISAGREE)])["against"] == ["生态环境"]


# The permission matrix as docs/records.md documents it (tests/test_docs_records.py checks the
# table against engine.org.PERMISSIONS row by row; here every role × action goes through ``may``).
DOCUMENTED = permission_table()


def test_documented_matrix_has_every_action_and_role() -> None:
    assert set(DOCUMENTED.allowed) == set(org.PERMISSIONS) == set(org.ACTION_NAMES)
    assert DOCUMENTED.roles == list(org.ROLES)


@pytest.mark.parametrize("role", sorted(org.ROLES))
@pytest.mark.parametrize("action", sorted(org.PERMISSIONS))
def test_permission_matrix(role: str, action: str) -> None:
    assert org.may({role}, action) is (role in DOCUMENTED.allowed[action])


def test_leader_is_read_only() -> None:
    assert {a for a in org.PERMISSIONS if org.may({LEADER}, a)} == {
        "user.read",
        "project.read",
        "project.take_part",  # reading the projects covering the leader's township or village
        "task.read",
        "ledger.read",
        "dataset.read",
        "alert.read",
    }


def test_unit_codes() -> None:
    assert [org.level_of(c) for c in ("530000", "530100", "530124", "530124100", "530124100201")] == list(org.LEVELS)
    assert org.unit_path("530124100201") == "/530000/530100/530124/530124100/530124100201/"
    assert org.parent_code("532901") == "532900"
    assert org.in_subtree("/530000/530100/", "/530000/530100/530124/")
    assert not org.in_subtree("/530000/530100/530124/", "/530000/530100/530102/")
    with pytest.raises(ValueError, match="6、9 或 12 位"):
        org.level_of("5301")
    assert org.department_name("zrzy", "富民县", "county") == "富民县自然资源局"
    assert org.department_name("zrzy", "云南省", "province") == "云南省自然资源厅"
    assert org.department_name("xzf", "款庄镇", "township") == "款庄镇人民政府"


def test_audit_chain_detects_edit_delete_and_reorder() -> None:
    entries = []
    prev = audit.GENESIS
    for seq in range(1, 6):
        e = {
            "seq": seq,
            "at": f"2026-11-29T12:00:0{seq}.000000Z",
            "actor": "fm_author",
            "action": "update",
            "object_type": "projects",
            "object_id": "1",
            "changes": {"stage": ["survey", "plan"], "n": seq},
            "prev_hash": prev,
        }
        e["hash"] = prev = audit.entry_hash(prev, e)
        entries.append(e)

    def check(items: list[dict[str, object]]) -> list[audit.Break]:
        breaks: list[audit.Break] = []
        audit.verify_batch(audit.ChainState(), items, breaks)
        return breaks

    assert check(entries) == []
    edited = [dict(e) for e in entries]
    edited[2]["changes"] = {"stage": ["survey", "implementation"], "n": 3}
    assert [(b.seq, "被修改" in b.problem) for b in check(edited)] == [(3, True)]
    deleted = entries[:2] + entries[3:]
    assert {b.seq for b in check(deleted)} == {4}
    assert any("序号不连续" in b.problem for b in check(deleted))
    # Same hash whatever the key order or how the JSON was spaced (canonical form).
    assert audit.canonical({"b": 1, "a": "永农"}) == '{"a":"永农","b":1}'


def test_stored_hash_equals_entry_hash_and_non_canonical_text_is_tolerated() -> None:
    e = {
        "seq": 7,
        "at": "2026-11-29T12:00:00.000001Z",
        "actor": "fm_author",
        "action": "project.advance/update",
        "object_type": "projects",
        "object_id": "3",
        "changes": {"stage": ["plan", "county_review"], "名称": '款庄镇"整治"', "n": [1.5, None, True]},
    }
    h = audit.entry_hash(audit.GENESIS, e)
    text = audit.canonical(e["changes"])
    fields = (e["seq"], e["at"], e["actor"], e["action"], e["object_type"], e["object_id"])
    assert audit.stored_entry_hash(audit.GENESIS, *fields, text) == h  # type: ignore[arg-type]
    spaced = '{"n": [1.5, null, true], "stage": ["plan", "county_review"], "名称": "款庄镇\\"整治\\""}'
    for changes_text, edited in ((text, False), (spaced, False), (text.replace("plan", "survey"), True)):
        breaks: list[audit.Break] = []
        audit.verify_stored(audit.ChainState(prev_seq=6), [(*fields, changes_text, audit.GENESIS, h)], breaks)
        assert bool(breaks) is edited
