"""``landcon`` command line. Each command group lives in its own module, imported when it runs.

A new command group is one line in ``GROUPS``: its name, its module (holding a Typer ``app``) and
the help shown in ``landcon --help``. Nothing else here imports a command module, so the start-up
of every command pays only for its own group.
"""

from __future__ import annotations

import typer

from landcon import __version__
from landcon.cli import backup, serve
from landcon.cli._lazy import Group, LazyGroup, lazy_group

GROUPS: dict[str, Group] = {
    "data": Group("landcon.cli.data", "三调数据：生成示例县、校验、导入、查看 / survey datasets"),
    "survey": Group("landcon.cli.survey", "摸底调查：现状统计、三区三线叠加、耕地连片、整治潜力 / baseline survey"),
    "plan": Group("landcon.cli.plan", "实施方案：模板、示例、规则检查、附表与文本、版本比较 / implementation plans"),
    "realloc": Group("landcon.cli.realloc", "权属调整 / tenure adjustment"),
    "ledger": Group("landcon.cli.ledger", "指标台账：增减挂钩、占补平衡、入市 / quota ledgers"),
    "db": Group("landcon.cli.db", "记录数据库：迁移与状态 / records database"),
    "admin": Group("landcon.cli.admin", "行政单位与部门 / units and departments"),
    "user": Group("landcon.cli.user", "用户与角色 / users and roles"),
    "project": Group("landcon.cli.project", "整治项目与生命周期 / projects and lifecycle"),
    "review": Group("landcon.cli.review", "联合审查 / joint review"),
    "meeting": Group("landcon.cli.meeting", "会商 / consultation meetings"),
    "task": Group("landcon.cli.task", "责任清单 / responsibility lists"),
    "group": Group("landcon.cli.group", "领导小组 / leading groups"),
    "audit": Group("landcon.cli.audit", "审计日志 / audit trail"),
    "profile": Group("landcon.cli.profile", "省份档案 / province profile"),
    "supervise": Group("landcon.cli.supervise", "实施监管：子项目、进度填报、资金 / implementation supervision"),
    "monitor": Group("landcon.cli.monitor", "实施监管：变更调查比对、变化图斑 / change detection"),
    "alert": Group("landcon.cli.alert", "实施监管：预警扫描、确认、解除、转为任务 / supervision alerts"),
    "accept": Group("landcon.cli.accept", "验收：竣工数据核算、方案与竣工对比、核减 / acceptance"),
    "care": Group("landcon.cli.care", "后期管护：管护协议、巡查 / aftercare"),
    "vote": Group("landcon.cli.vote", "村民会议表决与村民同意 / village votes and consent"),
    "willingness": Group("landcon.cli.willingness", "公众参与：意愿调查问卷、农户、回答、结果 / willingness surveys"),
    "publicity": Group("landcon.cli.publicity", "公示：发布、异议登记与答复、公示文本 / public notices"),
}

app = typer.Typer(
    name="landcon",
    help="landcon — 全域土地综合整治平台（云南） / whole-region land consolidation platform",
    cls=lazy_group(GROUPS),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("backup")(backup.backup_cmd)
app.command("restore")(backup.restore_cmd)
app.command("serve")(serve.serve_cmd)


@app.command()
def version() -> None:
    """显示版本 / show the version."""
    typer.echo(__version__)


def command_tree() -> LazyGroup:
    """The whole command tree with every group loaded (documentation checks and tests walk it)."""
    root = typer.main.get_command(app)
    assert isinstance(root, LazyGroup)
    return root.load_all()


if __name__ == "__main__":  # pragma: no cover
    app()
