"""The `shanhai` command line (Typer), one module per group. Help texts are bilingual: 中文 / English."""

from __future__ import annotations

import logging
import logging.config
import sys

import typer
from alembic.util.exc import CommandError
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from shanhai.cli.analytics import analytics_app
from shanhai.cli.blobs import blobs_app
from shanhai.cli.db import DEMO_HELP, db_app, demo
from shanhai.cli.extract import HELP as EXTRACT_HELP
from shanhai.cli.extract import extract
from shanhai.cli.imports import HELP as IMPORT_HELP
from shanhai.cli.imports import import_file
from shanhai.cli.logs import logs_app
from shanhai.cli.records import records_app
from shanhai.cli.server import backup, log_config, restore, serve
from shanhai.cli.users import user_app
from shanhai.config import SettingsError, get_settings
from shanhai.errors import ShanhaiError
from shanhai.health import StartupError

app = typer.Typer(
    help="山海：对口支援协作合作工作平台。 / Shanhai: plan, track and report paired-assistance programmes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(analytics_app, name="analytics")
app.add_typer(records_app, name="records")
app.add_typer(blobs_app, name="blobs")
app.add_typer(logs_app, name="logs")
app.command("demo", help=DEMO_HELP)(demo)
app.command("serve", help="启动网页与接口服务。 / Start the web UI and JSON API server.")(serve)
app.command("backup", help="备份数据库（在线、一致）。 / Back up the database (online, consistent).")(backup)
app.command(
    "restore",
    help="从备份恢复数据库（先停止服务）。 / Restore the database from a backup (stop the server first).",
)(restore)
app.command("extract", help=EXTRACT_HELP)(extract)
app.command("import", help=IMPORT_HELP)(import_file)


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
