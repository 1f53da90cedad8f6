"""村民会议 / 村民代表会议 votes: whether a meeting was valid and whether its motion passed.

A result is computed from the counts, never typed. Valid (quorum): a 村民会议 needs more than half of
its eligible members present (村民委员会组织法 第22条), a 村民代表会议 at least two thirds of its
representatives (第25条). Passed: the motion kind's majority of ``base`` (到会人员 by default) voted
for — at least two thirds for the matters the law reserves (土地承包经营权调整 / 权属调整方案:
农村土地承包法 第28条; 集体经营性建设用地入市: 土地管理法 第63条; 宅基地拆旧/退出 and the 整治方案:
村民委员会组织法 第24条), more than half otherwise. Shares and citations are the pack values
``engine.rules.packs.VOTE_QUORUM`` / ``VOTE_MAJORITY``; every comparison is on integers, so 2/3 of
30 needs exactly 20.

Example: ``vote_result(REPRESENTATIVES, TENURE_SCHEME, eligible=30, present=20, in_favour=14,
against=4, abstain=2)`` is valid (20 ≥ 20) and passed (14 ≥ ⌈2/3 × 20⌉ = 14).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from landcon.engine.rules.packs import VOTE_MAJORITY, VOTE_QUORUM
from landcon.errors import InvalidRecord

VILLAGERS, REPRESENTATIVES = "村民会议", "村民代表会议"
MEETING_KINDS: tuple[str, ...] = (VILLAGERS, REPRESENTATIVES)

TENURE_SCHEME, MARKET_ENTRY, DEMOLITION, PLAN, OTHER = "tenure_scheme", "market_entry", "demolition", "plan", "other"
MOTION_KINDS: Mapping[str, str] = {
    TENURE_SCHEME: "土地承包经营权调整/权属调整方案",
    MARKET_ENTRY: "集体经营性建设用地入市",
    DEMOLITION: "宅基地拆旧/退出",
    PLAN: "全域土地综合整治实施方案",
    OTHER: "其他事项",
}
"""Motion kinds (identifiers other modules use) and their Chinese names."""

PRESENT, ELIGIBLE = "present", "eligible"
BASE_NAMES: Mapping[str, str] = {PRESENT: "到会人员", ELIGIBLE: "应到人员"}


class VoteCountError(InvalidRecord):
    """Vote counts that cannot be: negative, or more votes than present, or more present than eligible."""


def needed(share: Fraction, total: int, *, strict: bool) -> int:
    """The smallest count ``n`` with ``n > share × total`` (``strict``) or ``n ≥ share × total``:
    ``floor(share × total) + 1``, else ``ceil(share × total)`` — exact on integers."""
    exact = share * total
    floor = exact.numerator // exact.denominator
    if strict:
        return floor + 1
    return floor if exact.denominator == 1 else floor + 1


def _words(share: Fraction, strict: bool) -> str:
    if share == Fraction(1, 2) and strict:
        return "过半数"
    return f"{share.numerator}/{share.denominator}{'以上（不含本数）' if strict else '以上'}"


@dataclass(frozen=True)
class VoteResult:
    """A meeting's computed result: ``valid`` (quorum), ``passed`` (valid and the majority reached),
    the counts each needed and the reason in Chinese with its citations."""

    valid: bool
    passed: bool
    reason: str
    quorum_needed: int
    votes_needed: int
    citation: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "passed": self.passed,
            "reason": self.reason,
            "quorum_needed": self.quorum_needed,
            "votes_needed": self.votes_needed,
            "citation": self.citation,
        }


def check_counts(kind: str, motion_kind: str, eligible: int, present: int, votes: tuple[int, int, int]) -> None:
    """Refuse an unknown meeting or motion kind and counts that cannot be
    (for + against + abstain ≤ present ≤ eligible, eligible > 0), naming the field."""
    if kind not in MEETING_KINDS:
        raise VoteCountError(f"会议类型应为 {'、'.join(MEETING_KINDS)}，不是 {kind!r}", field="kind")
    if motion_kind not in MOTION_KINDS:
        raise VoteCountError(f"表决事项类型应为 {'、'.join(MOTION_KINDS)}，不是 {motion_kind!r}", field="motion_kind")
    named = {"eligible": eligible, "present": present, "for": votes[0], "against": votes[1], "abstain": votes[2]}
    for name, value in named.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise VoteCountError(f"人数应为非负整数，不是 {value!r}", field=name)
    if eligible == 0:
        raise VoteCountError("应到人数应大于 0", field="eligible")
    if present > eligible:
        raise VoteCountError(f"到会人数 {present} 超过应到人数 {eligible}", field="present")
    if sum(votes) > present:
        raise VoteCountError(
            f"赞成 {votes[0]}、反对 {votes[1]}、弃权 {votes[2]} 合计 {sum(votes)} 超过到会人数 {present}", field="for"
        )


def vote_result(
    kind: str,
    motion_kind: str,
    *,
    eligible: int,
    present: int,
    in_favour: int,
    against: int,
    abstain: int,
    quorum: Mapping[str, Mapping[str, Any]] = VOTE_QUORUM,
    majority: Mapping[str, Mapping[str, Any]] = VOTE_MAJORITY,
) -> VoteResult:
    """Valid when ``present`` reaches the kind's quorum of ``eligible``; passed when valid and
    ``in_favour`` reaches the motion kind's majority of its base (到会人员 or 应到人员)."""
    check_counts(kind, motion_kind, eligible, present, (in_favour, against, abstain))
    q, m = quorum[kind], majority[motion_kind]
    q_share, m_share = Fraction(q["share"]), Fraction(m["share"])
    quorum_needed = needed(q_share, eligible, strict=bool(q["strict"]))
    base = str(m.get("base") or PRESENT)
    total = eligible if base == ELIGIBLE else present
    votes_needed = needed(m_share, total, strict=bool(m["strict"]))
    citation = f"{q['citation']}；{m['citation']}"
    valid = present >= quorum_needed
    attendance = (
        f"应到 {eligible} 人，到会 {present} 人，{kind}须{_words(q_share, bool(q['strict']))}到会"
        f"（至少 {quorum_needed} 人）"
    )
    if not valid:
        return VoteResult(False, False, f"会议无效：{attendance}", quorum_needed, votes_needed, citation)
    tally = (
        f"赞成 {in_favour} 人，{MOTION_KINDS[motion_kind]}须{BASE_NAMES[base]}"
        f"{_words(m_share, bool(m['strict']))}赞成（至少 {votes_needed} 人）"
    )
    passed = in_favour >= votes_needed
    verdict = "表决通过" if passed else "表决未通过"
    return VoteResult(True, passed, f"{verdict}：{attendance}；{tally}", quorum_needed, votes_needed, citation)
