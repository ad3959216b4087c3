"""`shanhai logs prune`: the login log (登录日志) keeps SHANHAI_LOG_RETENTION_DAYS days (180 by default). The
operation log (操作日志) is the record of every change and is never pruned."""

from __future__ import annotations

from datetime import timedelta

import typer

from shanhai.cli.common import engine as _engine
from shanhai.config import get_settings
from shanhai.db import session_factory, transaction

logs_app = typer.Typer(help="日志：prune 删除超过保留期的登录日志。 / Logs: prune the login log.")


@logs_app.command("prune", help="删除超过保留期的登录日志。 / Delete login-log rows past the retention.")
def prune(
    days: int = typer.Option(0, "--days", help="保留天数（默认取 SHANHAI_LOG_RETENTION_DAYS）/ days kept"),
) -> None:
    from sqlalchemy import delete

    from shanhai.auth.models import LoginLog
    from shanhai.db import utcnow

    kept = days or get_settings().log_retention_days
    if kept < 1:
        raise typer.BadParameter("至少保留 1 天 / keep at least 1 day", param_hint="--days")
    cutoff = utcnow() - timedelta(days=kept)
    with transaction(session_factory(_engine())) as session:
        result = session.execute(delete(LoginLog).where(LoginLog.at < cutoff))
        removed = int(getattr(result, "rowcount", 0) or 0)
    typer.echo(f"已删除 {removed} 条 {kept} 天前的登录日志 / removed {removed} rows older than {kept} days")
