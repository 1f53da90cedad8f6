"""``landcon`` command line. Each command group lives in its own module."""

from __future__ import annotations

import typer

from landcon import __version__
from landcon.cli import (
    admin,
    audit,
    backup,
    data,
    db,
    group,
    ledger,
    meeting,
    plan,
    profile,
    project,
    realloc,
    review,
    serve,
    survey,
    task,
    user,
)

app = typer.Typer(
    name="landcon",
    help="landcon — 全域土地综合整治平台（云南） / whole-region land consolidation platform",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(data.app, name="data")
app.add_typer(survey.app, name="survey")
app.add_typer(plan.app, name="plan")
app.add_typer(realloc.app, name="realloc", help="权属调整 / tenure adjustment")
app.add_typer(ledger.app, name="ledger", help="指标台账：增减挂钩、占补平衡、入市 / quota ledgers")
app.add_typer(db.app, name="db", help="记录数据库：迁移与状态 / records database")
app.add_typer(admin.app, name="admin", help="行政单位与部门 / units and departments")
app.add_typer(user.app, name="user", help="用户与角色 / users and roles")
app.add_typer(project.app, name="project", help="整治项目与生命周期 / projects and lifecycle")
app.add_typer(review.app, name="review", help="联合审查 / joint review")
app.add_typer(meeting.app, name="meeting", help="会商 / consultation meetings")
app.add_typer(task.app, name="task", help="责任清单 / responsibility lists")
app.add_typer(group.app, name="group", help="领导小组 / leading groups")
app.add_typer(audit.app, name="audit", help="审计日志 / audit trail")
app.add_typer(profile.app, name="profile", help="省份档案 / province profile")
app.command("backup")(backup.backup_cmd)
app.command("restore")(backup.restore_cmd)
app.command("serve")(serve.serve_cmd)


@app.command()
def version() -> None:
    """显示版本 / show the version."""
    typer.echo(__version__)


if __name__ == "__main__":  # pragma: no cover
    app()
