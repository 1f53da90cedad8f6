"""意愿调查 (willingness survey): questionnaire checks, answer validation and aggregation.

A questionnaire is a title and an ordered list of questions. A question has a ``key`` (stable, ASCII),
a ``text``, a ``kind`` (``single`` / ``multiple`` choice, ``number``, ``text``), its ``options`` (choice
kinds) and, for single-choice questions, which options count as agreeing (``agree``) and which as
objecting (``object``); at most one question is the consent question (``consent``: 是否同意参与整治),
whose objecting households are listed by name. The 2023 notice on 全域土地综合整治 requires the
villagers' will to be respected ("不得违背农民意愿"); the survey records it household by household.

Aggregation (``aggregate``) counts, per village and per village group and in total:

* response rate = households with a response ÷ households;
* per question: answered (households with an answer), agree, object and
  agree share = agree ÷ answered (``None`` when nobody answered or the question has no agreeing option).

Pure: no files, no database, no clock.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from landcon.errors import InvalidRecord

SINGLE, MULTIPLE, NUMBER, TEXT = "single", "multiple", "number", "text"
KINDS: dict[str, str] = {SINGLE: "单选", MULTIPLE: "多选", NUMBER: "数值", TEXT: "文字"}
SOURCES: dict[str, str] = {"web": "网页填报", "xlsx": "表格导入", "paper": "纸质表录入"}
MAX_QUESTIONS = 40
MAX_OPTIONS = 12
MAX_TEXT = 500
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    kind: str
    options: tuple[str, ...] = ()
    agree: tuple[str, ...] = ()
    objecting: tuple[str, ...] = ()
    consent: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "text": self.text,
            "kind": self.kind,
            "kind_name": KINDS[self.kind],
            "options": list(self.options),
            "agree": list(self.agree),
            "object": list(self.objecting),
            "consent": self.consent,
        }

    def stance(self, answer: object) -> str | None:
        """``"agree"`` / ``"object"`` for a single-choice answer in the question's lists, else ``None``."""
        if self.kind != SINGLE or not isinstance(answer, str):
            return None
        if answer in self.agree:
            return "agree"
        if answer in self.objecting:
            return "object"
        return None


@dataclass(frozen=True)
class Questionnaire:
    title: str
    questions: tuple[Question, ...]

    @property
    def consent(self) -> Question | None:
        return next((q for q in self.questions if q.consent), None)

    def question(self, key: str) -> Question:
        for q in self.questions:
            if q.key == key:
                return q
        raise InvalidRecord(f"问卷没有问题 {key}", field=key)

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "questions": [q.to_dict() for q in self.questions]}


def _texts(value: object, what: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list | tuple):
        raise InvalidRecord(f"问题 {key} 的{what}应为列表", field=key)
    out = tuple(str(v).strip() for v in value)
    if any(not v or len(v) > 60 for v in out):
        raise InvalidRecord(f"问题 {key} 的{what}不能为空且每项不超过 60 字", field=key)
    return out


def check_questionnaire(data: Mapping[str, Any]) -> Questionnaire:
    """A questionnaire from its dict form (packaged template YAML, or JSON stored with a project)."""
    title = str(data.get("title") or "").strip()
    if not title or len(title) > 200:
        raise InvalidRecord("问卷标题不能为空且不超过 200 字", field="title")
    raw = data.get("questions")
    if not isinstance(raw, list) or not raw:
        raise InvalidRecord("问卷至少应有一个问题", field="questions")
    if len(raw) > MAX_QUESTIONS:
        raise InvalidRecord(f"问卷最多 {MAX_QUESTIONS} 个问题", field="questions")
    questions: list[Question] = []
    for n, item in enumerate(raw, start=1):
        if not isinstance(item, Mapping):
            raise InvalidRecord(f"第 {n} 个问题格式不对", field="questions")
        key = str(item.get("key") or "").strip()
        if not _KEY.match(key):
            raise InvalidRecord(f"第 {n} 个问题的 key {key!r} 应为小写字母开头的字母、数字、下划线", field="key")
        text = str(item.get("text") or "").strip()
        if not text or len(text) > 200:
            raise InvalidRecord(f"问题 {key} 的题目不能为空且不超过 200 字", field=key)
        kind = str(item.get("kind") or "")
        if kind not in KINDS:
            raise InvalidRecord(f"问题 {key} 的类型 {kind!r} 应为 {'、'.join(KINDS)}", field=key)
        options = _texts(item.get("options"), "选项", key)
        agree, objecting = _texts(item.get("agree"), "同意选项", key), _texts(item.get("object"), "反对选项", key)
        if kind in (SINGLE, MULTIPLE):
            if len(options) < 2 or len(options) > MAX_OPTIONS or len(set(options)) != len(options):
                raise InvalidRecord(f"问题 {key} 应有 2–{MAX_OPTIONS} 个互不相同的选项", field=key)
        elif options:
            raise InvalidRecord(f"问题 {key} 是{KINDS[kind]}题，不能有选项", field=key)
        if (agree or objecting) and kind != SINGLE:
            raise InvalidRecord(f"问题 {key}：只有单选题可以指定同意/反对选项", field=key)
        stray = [o for o in (*agree, *objecting) if o not in options]
        if stray or set(agree) & set(objecting):
            raise InvalidRecord(f"问题 {key} 的同意/反对选项应取自选项且互不重叠", field=key)
        consent = bool(item.get("consent"))
        if consent and not (agree and objecting):
            raise InvalidRecord(f"意愿问题 {key} 应为单选题并指定同意和反对选项", field=key)
        questions.append(Question(key, text, kind, options, agree, objecting, consent))
    keys = [q.key for q in questions]
    if len(set(keys)) != len(keys):
        raise InvalidRecord("问题的 key 不能重复", field="questions")
    if sum(q.consent for q in questions) > 1:
        raise InvalidRecord("最多只能有一个意愿问题（consent）", field="questions")
    return Questionnaire(title, tuple(questions))


def _choices(value: object) -> list[str]:
    if isinstance(value, str):
        return [p.strip() for p in value.replace("；", ";").replace("、", ";").split(";") if p.strip()]
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return [str(value).strip()]


def check_answer(question: Question, value: object) -> object | None:
    """The stored form of one answer (``None`` for blank): a single option, a list of options in
    questionnaire order, a finite number ≥ 0, or text of at most ``MAX_TEXT`` characters."""
    if value is None or (isinstance(value, str) and not value.strip()) or value == []:
        return None
    if question.kind == SINGLE:
        text = str(value).strip()
        if text not in question.options:
            raise InvalidRecord(
                f"“{question.text}”的回答 {text!r} 不是选项之一（{'、'.join(question.options)}）", field=question.key
            )
        return text
    if question.kind == MULTIPLE:
        chosen = _choices(value)
        stray = [c for c in chosen if c not in question.options]
        if stray:
            raise InvalidRecord(
                f"“{question.text}”的回答 {'、'.join(stray)} 不是选项之一（{'、'.join(question.options)}）",
                field=question.key,
            )
        return [o for o in question.options if o in chosen] or None
    if question.kind == NUMBER:
        try:
            number = float(str(value).strip()) if not isinstance(value, int | float) else float(value)
        except ValueError:
            raise InvalidRecord(f"“{question.text}”应填数值，现为 {value!r}", field=question.key) from None
        if not math.isfinite(number) or number < 0 or number > 1e9:
            raise InvalidRecord(f"“{question.text}”应为 0 及以上的数值，现为 {value!r}", field=question.key)
        return int(number) if number.is_integer() else number
    text = str(value).strip()
    if len(text) > MAX_TEXT:
        raise InvalidRecord(f"“{question.text}”不超过 {MAX_TEXT} 字", field=question.key)
    return text


def check_answers(questionnaire: Questionnaire, answers: Mapping[str, object]) -> dict[str, object]:
    """Every answer checked (unknown keys refused, blanks dropped); at least one answer is needed."""
    known = {q.key for q in questionnaire.questions}
    stray = [k for k in answers if k not in known]
    if stray:
        raise InvalidRecord(f"问卷没有问题 {'、'.join(map(str, stray))}", field=str(stray[0]))
    out: dict[str, object] = {}
    for q in questionnaire.questions:
        value = check_answer(q, answers.get(q.key))
        if value is not None:
            out[q.key] = value
    if not out:
        raise InvalidRecord("至少回答一个问题", field="answers")
    return out


# ---------------------------------------------------------------------------------------------
# Aggregation
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Household:
    code: str  # 承包方编码
    head: str  # 户主姓名
    village: str  # 12-digit village code ("" when unknown)
    group: str  # 村民小组 ("" when unknown)


@dataclass(frozen=True)
class QuestionCount:
    key: str
    text: str
    kind: str
    answered: int
    agree: int
    objecting: int
    agree_share: float | None
    options: dict[str, int] = field(default_factory=dict)  # choice kinds: households per option

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "text": self.text,
            "kind": self.kind,
            "answered": self.answered,
            "agree": self.agree,
            "object": self.objecting,
            "agree_share": self.agree_share,
            "options": dict(self.options),
        }


@dataclass(frozen=True)
class Tally:
    """Counts for one set of households (a village group, a village, or all)."""

    households: int
    responded: int
    response_rate: float | None  # responded ÷ households
    agree: int  # consent question
    objecting: int
    questions: tuple[QuestionCount, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "households": self.households,
            "responded": self.responded,
            "response_rate": self.response_rate,
            "agree": self.agree,
            "object": self.objecting,
            "questions": [q.to_dict() for q in self.questions],
        }


@dataclass(frozen=True)
class Results:
    total: Tally
    villages: dict[str, Tally]  # village code → tally
    groups: dict[tuple[str, str], Tally]  # (village code, group) → tally
    objecting: tuple[Household, ...]  # consent question answered with an objecting option
    stance: dict[str, str | None]  # household code → consent stance (agree / object / None unanswered)


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 6) if whole else None


def _tally(
    questionnaire: Questionnaire, members: Sequence[Household], answers: Mapping[str, Mapping[str, object]]
) -> Tally:
    given = [answers[h.code] for h in members if h.code in answers]
    counts = []
    for q in questionnaire.questions:
        values = [a[q.key] for a in given if q.key in a]
        agree = sum(q.stance(v) == "agree" for v in values)
        objecting = sum(q.stance(v) == "object" for v in values)
        per_option: dict[str, int] = {}
        if q.kind in (SINGLE, MULTIPLE):
            for option in q.options:
                per_option[option] = sum(
                    (v == option) if q.kind == SINGLE else (isinstance(v, list) and option in v) for v in values
                )
        share = _share(agree, len(values)) if q.agree else None
        counts.append(QuestionCount(q.key, q.text, q.kind, len(values), agree, objecting, share, per_option))
    consent = questionnaire.consent
    c_agree = sum(consent.stance(a.get(consent.key)) == "agree" for a in given) if consent else 0
    c_object = sum(consent.stance(a.get(consent.key)) == "object" for a in given) if consent else 0
    return Tally(len(members), len(given), _share(len(given), len(members)), c_agree, c_object, tuple(counts))


def aggregate(
    questionnaire: Questionnaire, households: Iterable[Household], answers: Mapping[str, Mapping[str, object]]
) -> Results:
    """Counts by village group, village and in total; ``answers`` maps 承包方编码 → checked answers
    (households without a response are missing from it; answers of unknown households are ignored)."""
    members = list(households)
    by_village: dict[str, list[Household]] = {}
    by_group: dict[tuple[str, str], list[Household]] = {}
    for h in members:
        by_village.setdefault(h.village, []).append(h)
        by_group.setdefault((h.village, h.group), []).append(h)
    consent = questionnaire.consent
    stance = {
        h.code: (consent.stance(answers[h.code].get(consent.key)) if consent and h.code in answers else None)
        for h in members
    }
    return Results(
        total=_tally(questionnaire, members, answers),
        villages={v: _tally(questionnaire, hs, answers) for v, hs in sorted(by_village.items())},
        groups={g: _tally(questionnaire, hs, answers) for g, hs in sorted(by_group.items())},
        objecting=tuple(sorted((h for h in members if stance[h.code] == "object"), key=lambda h: h.code)),
        stance=stance,
    )
