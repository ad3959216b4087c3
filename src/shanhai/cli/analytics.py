"""`shanhai analytics`: a query (dx × ou × pe) as a table or CSV; `rebuild` recomputes the analytics table."""

from __future__ import annotations

import sys

import typer

from shanhai.cli.common import engine as _engine
from shanhai.db import session_factory, transaction
from shanhai.errors import ShanhaiError

analytics_app = typer.Typer(
    help="分析查询（dx×ou×pe），输出表格或 CSV；rebuild 重建分析表。 / Analytics queries; rebuild the table.",
    invoke_without_command=True,
)


@analytics_app.callback()
def analytics_command(
    ctx: typer.Context,
    dx: str = typer.Option(None, "--dx", help="指标，分号分隔 / data elements or indicators, ';'-separated"),
    ou: str = typer.Option("XZ", "--ou", help="单位，可加 LEVEL-2 / org units, LEVEL-n, CHILDREN"),
    pe: str = typer.Option("THIS_YEAR", "--pe", help="期间或相对期间 / periods or relative periods"),
    username: str = typer.Option(
        None, "--username", help="以此用户的数据范围查询 / whose data scope applies"
    ),
    as_csv: bool = typer.Option(False, "--csv", help="输出 CSV / print CSV"),
) -> None:
    from shanhai.analytics.engine import analytics
    from shanhai.analytics.export import export_csv
    from shanhai.auth.models import User
    from shanhai.auth.scope import actor_for
    from shanhai.db import find_one

    if ctx.invoked_subcommand is not None:
        return
    if not dx or not username:
        raise typer.BadParameter("查询需要 --dx 和 --username / a query needs --dx and --username")
    with transaction(session_factory(_engine())) as session:
        user = find_one(session, User, username=username)
        if user is None:
            raise ShanhaiError(f"用户不存在：{username}")
        actor = actor_for(session=session, user=user)
        if as_csv:  # an export: needs the user's 导出 permission and goes into the audit log
            typer.echo(
                export_csv(session=session, actor=actor, dx=dx, ou=ou, pe=pe).lstrip("\ufeff"), nl=False
            )
            return
        result = analytics(session=session, actor=actor, dx=dx, ou=ou, pe=pe)
        for dx_code, ou_code, pe_id, value in result.rows:
            typer.echo(f"{result.names[dx_code]}\t{result.names[ou_code]}\t{result.names[pe_id]}\t{value}")
        if not result.rows:
            typer.echo("（无数据 / no data）")


@analytics_app.command(
    "rebuild", help="从数据值重建分析表（分批，内存有界；请先停止服务）。 / Rebuild the analytics table."
)
def analytics_rebuild() -> None:
    from shanhai.flows.rebuild import rebuild_analytics, value_count

    with transaction(session_factory(_engine())) as session:
        total = value_count(session=session)
        with typer.progressbar(length=total, label="重建分析表 / rebuilding", file=sys.stderr) as bar:
            written = rebuild_analytics(session=session, progress=bar.update)
    typer.echo(f"已重建分析表 / analytics rebuilt: {written:,} 行 rows")
