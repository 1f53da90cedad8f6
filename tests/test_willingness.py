"""意愿调查: questionnaire checks and aggregation on a hand-made set (engine), then the records: households
from a roster, responses by village cadres within their village only, results and the plan summary."""

from __future__ import annotations

from pathlib import Path

import pytest
from records_fixtures import TOWNSHIP, VILLAGE_CODE
from willingness_fixtures import CODE, OTHER_VILLAGE, survey_world

from landcon.engine import willingness as W
from landcon.errors import InvalidRecord, NotFound, PermissionDenied
from landcon.services import projects, records
from landcon.services import willingness as S

Q = W.check_questionnaire(
    {
        "title": "意愿调查",
        "questions": [
            {"key": "consent", "text": "是否同意", "kind": "single", "options": ["同意", "不同意", "说不清"],
             "agree": ["同意"], "object": ["不同意"], "consent": True},
            {"key": "exit", "text": "宅基地退出", "kind": "single", "options": ["愿意", "不愿意"],
             "agree": ["愿意"], "object": ["不愿意"]},
            {"key": "ways", "text": "补偿方式", "kind": "multiple", "options": ["货币", "住房", "土地"]},
            {"key": "workers", "text": "外出务工人数", "kind": "number"},
        ],
    }
)  # fmt: skip


def test_aggregation_counts_by_village_group_and_question() -> None:
    people = [
        W.Household("A1", "张一", "V1", "1组"),
        W.Household("A2", "张二", "V1", "1组"),
        W.Household("A3", "张三", "V1", "2组"),
        W.Household("B1", "李一", "V2", ""),
        W.Household("B2", "李二", "V2", ""),
    ]
    answers = {
        "A1": W.check_answers(Q, {"consent": "同意", "exit": "愿意", "ways": "货币;住房", "workers": "2"}),
        "A2": W.check_answers(Q, {"consent": "不同意", "exit": "不愿意"}),
        "A3": W.check_answers(Q, {"consent": "说不清", "ways": ["土地"]}),
        "B1": W.check_answers(Q, {"consent": "同意", "workers": 0}),
        "ZZ": {"consent": "不同意"},  # not a household of the survey: ignored
    }
    res = W.aggregate(Q, people, answers)
    assert (res.total.households, res.total.responded, res.total.response_rate) == (5, 4, 0.8)
    assert (res.total.agree, res.total.objecting) == (2, 1)
    consent, exit_, ways, workers = res.total.questions
    assert (consent.answered, consent.agree, consent.objecting, consent.agree_share) == (4, 2, 1, 0.5)
    assert consent.options == {"同意": 2, "不同意": 1, "说不清": 1}
    assert (exit_.answered, exit_.agree, exit_.objecting, exit_.agree_share) == (2, 1, 1, 0.5)
    assert (ways.answered, ways.agree_share, ways.options) == (2, None, {"货币": 1, "住房": 1, "土地": 1})
    assert (workers.answered, workers.agree_share) == (2, None)
    assert answers["A1"]["workers"] == 2 and answers["A1"]["ways"] == ["货币", "住房"]
    v1, v2 = res.villages["V1"], res.villages["V2"]
    assert (v1.households, v1.responded, v1.agree, v1.objecting, v1.response_rate) == (3, 3, 1, 1, 1.0)
    assert (v2.households, v2.responded, v2.agree, v2.objecting, v2.response_rate) == (2, 1, 1, 0, 0.5)
    g1, g2 = res.groups[("V1", "1组")], res.groups[("V1", "2组")]
    assert (g1.households, g1.agree, g1.objecting, g2.households, g2.agree) == (2, 1, 1, 1, 0)
    assert [h.code for h in res.objecting] == ["A2"]
    assert res.stance == {"A1": "agree", "A2": "object", "A3": None, "B1": "agree", "B2": None}


def test_answers_are_checked_against_the_questionnaire() -> None:
    with pytest.raises(InvalidRecord, match="不是选项之一"):
        W.check_answers(Q, {"consent": "好"})
    with pytest.raises(InvalidRecord, match="应填数值"):
        W.check_answers(Q, {"workers": "两个"})
    with pytest.raises(InvalidRecord, match="问卷没有问题 age"):
        W.check_answers(Q, {"age": 3})
    with pytest.raises(InvalidRecord, match="至少回答一个问题"):
        W.check_answers(Q, {"consent": " "})


def test_a_questionnaire_has_at_most_one_consent_question_with_agree_and_object() -> None:
    two = {"title": "t", "questions": [dict(q.to_dict()) for q in Q.questions]}
    two["questions"][1]["consent"] = True
    with pytest.raises(InvalidRecord, match="最多只能有一个意愿问题"):
        W.check_questionnaire(two)
    with pytest.raises(InvalidRecord, match="同意/反对选项应取自选项"):
        W.check_questionnaire(
            {
                "title": "t",
                "questions": [{"key": "a", "text": "a", "kind": "single", "options": ["是", "否"], "agree": ["好"]}],
            }
        )


def test_the_packaged_template_holds_the_standard_questions() -> None:
    t = S.template()
    keys = [q["key"] for q in t["questions"]]
    assert keys[:5] == ["consent", "homestead_exit", "land_transfer", "tenure_adjustment", "location"]
    assert [q["key"] for q in t["questions"] if q["consent"]] == ["consent"]


# ---------------------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------------------


def test_households_responses_results_and_plan_summary(records_world, tmp_path: Path) -> None:
    survey_world(tmp_path)
    assert S.plan_summary(records.actor("fm_author"), CODE)["responded"] == 0
    vil, vil2 = records.actor("fm_vil"), records.actor("fm_vil2")
    S.respond(vil, CODE, "530124100201010001", {"consent": "同意", "homestead_exit": "有条件退出"})
    S.respond(vil, CODE, "530124100201010002", {"consent": "不同意"}, source="paper", respondent="张建明")
    S.respond(vil2, CODE, "530124100202010001", {"consent": "同意", "migrant_workers": "1"})
    # A village cadre answers for its own village only; the household of the other village is refused.
    with pytest.raises(PermissionDenied, match="无权对 第二村"):
        S.respond(vil, CODE, "530124100202010001", {"consent": "不同意"})
    with pytest.raises(NotFound):
        S.respond(vil, CODE, "530124100201999999", {"consent": "同意"})
    summary = S.plan_summary(records.actor("fm_author"), CODE)
    assert summary is not None
    assert (summary["households"], summary["responded"], summary["response_rate"]) == (4, 3, 0.75)
    assert summary["objecting_households"] == 1
    consent = summary["questions"][0]
    assert (consent["key"], consent["answered"], consent["agree"], consent["object"]) == ("consent", 3, 2, 1)
    assert consent["agree_share"] == pytest.approx(2 / 3, abs=1e-6)
    assert summary["villages"] == [
        {"code": VILLAGE_CODE, "name": "测试村", "households": 3, "responded": 2, "agree": 1, "object": 1},
        {"code": OTHER_VILLAGE, "name": "第二村", "households": 1, "responded": 1, "agree": 1, "object": 0},
    ]
    public = S.results(records.actor("fm_vil2"), CODE)
    assert public["objecting"] == [
        {"code": "530124********0002", "head": "张建明", "village": "测试村", "group": "第1村民小组"}
    ]
    groups = public["villages"][0]["groups"]
    assert [(g["group"], g["households"], g["responded"]) for g in groups] == [
        ("第1村民小组", 2, 2),
        ("第2村民小组", 1, 0),
    ]
    [paper] = [h for h in S.list_households(records.actor("fm_author"), CODE, public=False) if h["source"] == "paper"]
    assert (paper["code"], paper["entered_by"]) == ("530124100201010002", "fm_vil")
    # Full codes are for the managers only.
    with pytest.raises(PermissionDenied):
        S.results(vil, CODE, public=False)


def test_another_county_does_not_see_the_survey(records_world, tmp_path: Path) -> None:
    survey_world(tmp_path)
    with pytest.raises(NotFound):
        S.results(records.actor("wh_author"), CODE)
    with pytest.raises(NotFound):
        S.respond(records.actor("wh_sup"), CODE, "530124100201010001", {"consent": "同意"})
    # A village cadre may not manage the questionnaire or the households.
    with pytest.raises(PermissionDenied):
        S.create(records.actor("fm_vil"), CODE)


def test_no_questionnaire_means_no_plan_summary(records_world) -> None:
    author = records.actor("fm_author")
    projects.create_project(author, CODE, "款庄镇全域整治", county="530124", units=[TOWNSHIP], dataset="grid")
    assert S.plan_summary(author, CODE) is None
