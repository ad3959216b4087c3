"""`shanhai serve`, `backup`, `restore`: running the server and keeping its data safe."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from shanhai.cli.common import engine as _engine
from shanhai.config import get_settings


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
    options: dict[str, Any] = dict(
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
    if workers > 1 and not reload:
        from shanhai.cli.workers import run as run_workers

        # each worker on a socket of its own: a burst of connections spreads over them evenly
        run_workers(uvicorn.Config("shanhai.app:create_app", **options))
    else:
        uvicorn.run("shanhai.app:create_app", **options)


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
