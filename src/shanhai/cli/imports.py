"""`shanhai import KIND FILE [--dry-run] --username NAME`: the web page's import in the terminal, through the
same pipeline, as that user (their permissions and data scope), with a progress bar."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from sqlalchemy import select

from shanhai.cli.common import engine as _engine
from shanhai.db import session_factory, transaction

HELP = (
    "从 Excel/CSV 文件导入台账记录（全部无误才写入）。 / Import register records from an Excel or CSV file "
    "(all rows or none)."
)


def import_file(
    kind: Annotated[str, typer.Argument(help="台账，如 plans、support、enterprises / the register")],
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="文件 / file: .xlsx .xls .csv")
    ],
    username: str = typer.Option(..., "--username", help="以该用户的权限与数据范围导入 / act as this user"),
    dry_run: bool = typer.Option(False, "--dry-run", help="只检查并预览，不写入 / check only"),
) -> None:
    from shanhai.auth.models import User
    from shanhai.auth.scope import actor_for
    from shanhai.imports import pipeline, sheets

    size = file.stat().st_size
    if size > sheets.MAX_BYTES:
        typer.echo(f"错误 / error: 文件过大（超过 {sheets.MAX_BYTES // 1024 // 1024}MB）", err=True)
        raise typer.Exit(1)
    data = file.read_bytes()
    with transaction(session_factory(_engine())) as session:
        user = session.scalars(select(User).where(User.username == username)).first()
        if user is None or not user.is_active:
            typer.echo(f"错误 / error: 没有名为“{username}”的在用账号", err=True)
            raise typer.Exit(1)
        actor = actor_for(session=session, user=user, ip="cli")
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn()) as bar:
            task = bar.add_task("检查中" if dry_run else "导入中", total=None)
            outcome = pipeline.run(
                session=session,
                actor=actor,
                kind=kind,
                file_name=file.name,
                data=data,
                commit=not dry_run,
                progress=lambda n: bar.update(task, completed=n),
            )
    for p in outcome.problems:
        typer.echo(f"第 {p.row} 行\t{p.column or '—'}\t{p.message}", err=True)
    counts = (
        f"共 {outcome.rows} 行：新增 {len(outcome.created)}，修改 {len(outcome.updated)}，"
        f"未变 {len(outcome.unchanged)}"
    )
    if outcome.problem_count:
        typer.echo(f"{counts}；{outcome.problem_count} 处问题，未导入任何数据 / nothing imported", err=True)
        raise typer.Exit(1)
    typer.echo(f"{counts}。" + ("（预览，未写入 / dry run）" if dry_run else "已导入 / imported"))
