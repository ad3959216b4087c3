"""`shanhai user …`: the first administrator, API tokens."""

from __future__ import annotations

import typer

from shanhai.cli.common import engine as _engine
from shanhai.db import session_factory, transaction
from shanhai.errors import ShanhaiError

user_app = typer.Typer(help="用户与接口令牌。 / Users and API tokens.", no_args_is_help=True)


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
