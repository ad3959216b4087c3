"""Analytics results exported: CSV for Excel, audited, with the export permission."""

from __future__ import annotations

from sqlalchemy.orm import Session

from shanhai.analytics.engine import Result, analytics
from shanhai.audit.service import Action, record
from shanhai.auth.scope import Actor
from shanhai.lib.csvout import to_csv as csv_text


def to_csv(result: Result) -> str:
    """The result as CSV for Excel (UTF-8 with BOM): names first, then the codes to query it again."""
    return csv_text(
        ["指标", "单位", "期间", "数值", "dx", "ou", "pe"],
        (
            [result.names.get(dx, dx), result.names.get(ou, ou), result.names.get(pe, pe), value, dx, ou, pe]
            for dx, ou, pe, value in result.rows
        ),
    )


def export_csv(
    *, session: Session, actor: Actor, dx: str, ou: str, pe: str, programme: str | None = None
) -> str:
    """An analytics query exported (API, pivot page, CLI): needs the export permission and is audited."""
    actor.require("indicators:export")
    result = analytics(session=session, actor=actor, dx=dx, ou=ou, pe=pe, programme=programme)
    record(
        session=session,
        actor=actor,
        module="指标",
        action=Action.EXPORT,
        object_type="analytics",
        summary=f"导出分析数据 {len(result.rows)} 行（dx={dx}；ou={ou}；pe={pe}）"[:500],
        after={"rows": len(result.rows), "dx": dx, "ou": ou, "pe": pe, "programme": programme},
    )
    return to_csv(result)
