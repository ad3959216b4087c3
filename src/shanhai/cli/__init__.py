"""The `shanhai` command line (Typer). Help texts are bilingual: 中文 / English."""

from __future__ import annotations

import logging
import logging.config
import sys
from pathlib import Path
from typing import Annotated

import typer
from alembic.util.exc import CommandError
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from shanhai.cli.extract import HELP as EXTRACT_HELP
from shanhai.cli.extract import extract
from shanhai.config import SettingsError, get_settings
from shanhai.db import make_engine, session_factory, transaction
from shanhai.errors import ShanhaiError
from shanhai.health import StartupError

app = typer.Typer(
    help="山海：对口支援协作合作工作平台。 / Shanhai: plan, track and report paired-assistance programmes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="数据库结构迁移。 / Database schema migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")
user_app = typer.Typer(help="用户与接口令牌。 / Users and API tokens.", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.command("extract", help=EXTRACT_HELP)(extract)


def _engine() -> Engine:
    return make_engine(get_settings().effective_database_url)


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


@app.command(
    help="升级数据库并载入演示数据（可重复执行）。 / Upgrade the database, load the demo data (repeatable)."
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


@user_app.command("create-admin", help="创建系统管理员。 / Create a system administrator.")
def create_admin(
    username: str = typer.Option(..., "--username", help="用户名 / username"),
    password: str = typer.Option(
        ...,
        "--password",
        prompt="密码 / password",
        hide_input=True,
        confirmation_prompt=True,
        help="密码 / password",
    ),
    org_unit: str = typer.Option(None, "--org-unit", help="所属单位编码 / org unit code (default: the root)"),
) -> None:
    from shanhai.auth.seed import create_admin as create
    from shanhai.migrations import upgrade

    engine = _engine()
    upgrade(engine)
    with transaction(session_factory(engine)) as session:
        user = create(session=session, username=username, password=password, org_unit_code=org_unit)
        typer.echo(f"已创建系统管理员 / administrator created: {user.username}（{user.org_unit.name}）")


@user_app.command("token", help="为用户创建接口令牌（只显示一次）。 / Issue an API token (shown once).")
def create_token(
    username: str = typer.Option(..., "--username", help="用户名 / username"),
    name: str = typer.Option("cli", "--name", help="令牌名称 / token name"),
    days: int = typer.Option(None, "--days", help="有效天数 / days valid (default: no expiry)"),
) -> None:
    from shanhai.auth import service as auth
    from shanhai.auth.models import User
    from shanhai.auth.scope import SYSTEM
    from shanhai.db import find_one

    with transaction(session_factory(_engine())) as session:
        user = find_one(session, User, username=username)
        if user is None:
            raise ShanhaiError(f"用户不存在：{username}")
        typer.echo(auth.create_token(session=session, actor=SYSTEM, user=user, name=name, days=days))


analytics_app = typer.Typer(
    help="分析查询（dx×ou×pe），输出表格或 CSV；rebuild 重建分析表。 / Analytics queries; rebuild the table.",
    invoke_without_command=True,
)
app.add_typer(analytics_app, name="analytics")


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


@app.command(help="启动网页与接口服务。 / Start the web UI and JSON API server.")
def serve(
    host: str = typer.Option(None, help="监听地址 / host (SHANHAI_HOST, 默认 127.0.0.1)"),
    port: int = typer.Option(None, help="端口 / port (SHANHAI_PORT, 默认 8000)"),
    workers: int = typer.Option(
        None,
        min=1,
        max=64,
        help="工作进程数 / worker processes (SHANHAI_WORKERS, 默认 1); 每个进程各有一份 DuckDB 分析副本",
    ),
    reload: bool = typer.Option(False, help="代码改动后自动重启（开发用） / reload on code changes"),
) -> None:
    import uvicorn

    from shanhai.health import check_at_start

    settings = get_settings()
    host, port = host or settings.host, port or settings.port
    workers = workers or settings.workers
    engine = _engine()
    check_at_start(engine)  # one clear line and exit code 2, before any worker starts
    engine.dispose()
    typer.echo(f"山海已启动 / serving at http://{host}:{port}/ ({workers} 个工作进程 / workers)")
    uvicorn.run(
        "shanhai.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        log_level=settings.log_level,
        log_config=log_config(settings.log_level),
        access_log=False,  # shanhai.request logs every request with its status
        # X-Forwarded-For only from the proxies named in SHANHAI_TRUSTED_PROXIES (none by default)
        proxy_headers=bool(settings.trusted_proxies.strip()),
        forwarded_allow_ips=settings.trusted_proxies.strip() or "",
        timeout_graceful_shutdown=10,
    )


def log_config(level: str) -> dict[str, object]:
    """One format for the app's and uvicorn's loggers, in every worker process, at SHANHAI_LOG_LEVEL."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(process)d %(name)s %(message)s"}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
        "root": {"handlers": ["stderr"], "level": level.upper()},
        "loggers": {
            "uvicorn": {"level": level.upper()},
            "uvicorn.access": {"level": "WARNING"},
            "alembic": {"level": "WARNING"},
        },
    }


@app.command(help="备份数据库（在线、一致）。 / Back up the database (online, consistent).")
def backup(
    path: Annotated[
        Path | None, typer.Argument(help="备份文件 / backup file (默认 DATA_DIR/backups/shanhai-时间)")
    ] = None,
) -> None:
    from shanhai.backup import backup as make_backup
    from shanhai.backup import default_path

    settings = get_settings()
    url = settings.effective_database_url
    dest = path or default_path(url, settings.data_dir / "backups")
    result = make_backup(url=url, dest=dest)
    typer.echo(
        f"已备份 / backed up: {result.path} ({result.size:,} 字节 bytes, 版本 revision {result.revision})"
    )


@app.command(
    help="从备份恢复数据库（先停止服务）。 / Restore the database from a backup (stop the server first)."
)
def restore(
    path: Annotated[Path, typer.Argument(help="备份文件 / backup file")],
    yes: bool = typer.Option(False, "--yes", help="不再确认 / do not ask"),
) -> None:
    from shanhai.backup import restore as restore_backup
    from shanhai.migrations import upgrade

    url = get_settings().effective_database_url
    if not yes:
        typer.confirm(f"用 {path} 覆盖当前数据库？ / replace the current database with {path}?", abort=True)
    result = restore_backup(url=url, src=path)
    upgrade(_engine())  # a backup from an older release is brought up to this program's schema
    typer.echo(f"已恢复 / restored from {result.path} (版本 revision {result.revision})")


def main() -> None:
    try:
        level = get_settings().log_level
    except SettingsError:
        level = "info"  # reported below, by the command that reads the settings
    logging.config.dictConfig(log_config(level))
    try:
        app()
    except (SettingsError, StartupError) as exc:
        typer.echo(str(exc), err=True)
        sys.exit(2)
    except CommandError as exc:  # alembic: an unknown revision, a broken migration chain
        typer.echo(f"数据库迁移失败 / migration failed: {str(exc).splitlines()[0]}", err=True)
        sys.exit(2)
    except OperationalError as exc:
        typer.echo(
            f"无法连接数据库 / cannot reach the database: {str(exc.orig).strip().splitlines()[0]}", err=True
        )
        sys.exit(1)
    except ShanhaiError as exc:
        typer.echo(f"错误 / error: {exc.message}", err=True)
        sys.exit(1)
    except SQLAlchemyError as exc:
        first = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [type(exc).__name__])[0]
        typer.echo(f"数据库错误 / database error: {first}", err=True)
        sys.exit(1)
