"""`shanhai db …` (schema migrations) and `shanhai demo` (the demo data)."""

from __future__ import annotations

import typer

from shanhai.cli.common import engine as _engine
from shanhai.cli.server import serve
from shanhai.config import get_settings
from shanhai.db import session_factory, transaction

db_app = typer.Typer(help="数据库结构迁移。 / Database schema migrations.", no_args_is_help=True)


@db_app.command(
    "upgrade", help="把数据库升级到最新结构（不丢数据）。 / Upgrade the database to the newest schema."
)
def db_upgrade(revision: str = typer.Argument("head", help="目标版本 / target revision")) -> None:
    from shanhai.migrations import current_revision, upgrade

    engine = _engine()
    upgrade(engine, revision)
    typer.echo(f"数据库已升级 / database at revision {current_revision(engine)}")


@db_app.command("current", help="显示数据库当前版本。 / Show the database's current revision.")
def db_current() -> None:
    from shanhai.migrations import current_revision, head_revision

    typer.echo(f"current={current_revision(_engine())} head={head_revision()}")


DEMO_HELP = (
    "升级数据库并载入演示数据（可重复执行）。 / Upgrade the database, load the demo data (repeatable)."
)


def demo(
    serve_after: bool = typer.Option(
        False, "--serve", help="载入后启动网页服务 / start the web server afterwards"
    ),
) -> None:
    from shanhai.fixtures.loader import load_demo, read_fixture
    from shanhai.migrations import upgrade

    settings = get_settings()
    engine = _engine()
    upgrade(engine)
    with transaction(session_factory(engine)) as session:
        stats = load_demo(session=session)
    if stats.changed:
        created = "，".join(f"{table} {n}" for table, n in sorted(stats.created.items())) or "无"
        updated = "，".join(f"{table} {n}" for table, n in sorted(stats.updated.items())) or "无"
        typer.echo(f"演示数据已载入 / demo data loaded — 新增 created: {created}；更新 updated: {updated}")
    else:
        typer.echo("演示数据已是最新，未做改动 / demo data already up to date, nothing changed")
    typer.echo(f"数据库 / database: {engine.url.render_as_string(hide_password=True)}")
    typer.echo("演示账号 / demo logins（用户名 / 密码 / 姓名）:")
    for row in read_fixture()["users"]:
        typer.echo(f"  {row['username']:<18} {row['password']:<20} {row['name']}")
    if serve_after:
        serve(host=settings.host, port=settings.port, workers=settings.workers, reload=False)
