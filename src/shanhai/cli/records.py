"""`shanhai records recount`: rebuild every value derived from the programme-work registers."""

from __future__ import annotations

import time

import typer

from shanhai.cli.common import engine as _engine
from shanhai.db import session_factory, transaction

records_app = typer.Typer(
    help="工作台账：recount 重算由台账汇总的指标数值。 / Registers of the programme work."
)


@records_app.command(
    "recount", help="从全部台账记录重算汇总数值（只写有变化的）。 / Recount every derived value."
)
def recount() -> None:
    from shanhai.auth.scope import SYSTEM
    from shanhai.registers import derive

    began = time.perf_counter()
    with transaction(session_factory(_engine())) as session:
        counts = derive.recount(session=session, actor=SYSTEM)
    for code, n in counts.items():
        typer.echo(f"{code}\t{n}")
    typer.echo(f"用时 {time.perf_counter() - began:.1f} 秒 / seconds")
