"""Claims: what a document says about a cell that a register or a data set keeps (operations.keepers). A
claim cites its figure, is shown and reconciled with the keeper's figure (对账), and is never a value: not
in the analytics table, never blocking a record or a report, outside data-set approval.

`consistent` is the one rule by which a claim agrees with the records: it follows the claim's wording, not a
flat tolerance — 超/余X agrees when the records reach X; 近X when they fall just short of X (within a tenth);
约X and a bare figure when they lie within half a unit of the last digit the report states (1.2亿 vs 1.18亿
agrees: the last stated digit is 0.1亿, half of it 500万)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from shanhai.audit.service import Action, record
from shanhai.auth.scope import Actor, check_can_create, check_visible, visible
from shanhai.db import same_version
from shanhai.documents.models import Source
from shanhai.errors import Invalid, NotFound
from shanhai.indicators.models import Claim, DataElement, Period, ValueKind
from shanhai.indicators.service import check_number
from shanhai.lib.cnnum import Qualifier, format_quantity, normalize, stated_precision
from shanhai.orgunits.models import OrgUnit
from shanhai.programmes.models import Programme

MODULE = "指标"
NEAR = Decimal("0.9")  # 近X: the records reach at least nine tenths of X


def consistent(*, claimed: Decimal, qualifier: str, figure_text: str, recorded: Decimal) -> bool:
    """Whether the records' figure agrees with the claim as the report words it (see the module)."""
    half = stated_precision(figure_text) / 2 if figure_text else Decimal(0)
    if qualifier == Qualifier.OVER.value:
        return recorded >= claimed
    if qualifier == Qualifier.UNDER.value:
        return claimed * NEAR <= recorded <= claimed + half
    return abs(recorded - claimed) <= half


def _label(claim: Claim) -> str:
    programme = f" · {claim.programme.short_name}" if claim.programme else ""
    return f"{claim.org_unit.name} · {claim.data_element.name} · {claim.period.name}{programme}"


def _snapshot(claim: Claim) -> dict[str, object]:
    return {
        "value": str(normalize(claim.value)),
        "qualifier": claim.qualifier,
        "source_id": claim.source_id,
        "resolution": claim.resolution,
        "certified": None if claim.certified is None else str(normalize(claim.certified)),
    }


def add_claim(
    *,
    session: Session,
    actor: Actor,
    element: DataElement,
    org_unit: OrgUnit,
    period: Period,
    programme: Programme | None,
    kind: ValueKind,
    value: Decimal,
    qualifier: Qualifier,
    source: Source,
    comment: str = "",
) -> Claim:
    """Record what a document says about a kept cell (several documents may claim one cell)."""
    check_number(value)
    check_can_create(actor, org_unit)
    claim = Claim(
        org_unit=org_unit,
        data_element=element,
        period=period,
        programme=programme,
        kind=kind.value,
        value=value.quantize(Decimal("0.0001")),
        qualifier=qualifier.value,
        source=source,
        comment=comment,
        created_by_id=actor.user_id,
    )
    session.add(claim)
    session.flush()
    record(
        session=session,
        actor=actor,
        module=MODULE,
        action=Action.CREATE,
        object_type="claim",
        object_id=claim.id,
        summary=f"新增报告数：{_label(claim)}，{format_quantity(claim.value, element.unit, qualifier)}",
        after=_snapshot(claim),
    )
    return claim


def visible_claims(actor: Actor) -> ColumnElement[bool]:
    return visible(actor, Claim.org_unit_id, Claim.created_by_id)


def get_claim(*, session: Session, actor: Actor, claim_id: int) -> Claim:
    actor.require("indicators:view")
    claim = session.get(Claim, claim_id)
    if claim is None:
        raise NotFound("报告数不存在或不在您的数据范围内", field="claim_id")
    check_visible(actor, claim.org_unit, claim.created_by_id, what="报告数")
    return claim


def remove_claim(*, session: Session, actor: Actor, claim: Claim, why: str) -> None:
    """Withdraw a claim (its figure goes back to review); audited with what it said."""
    before = _snapshot(claim)
    label = _label(claim)
    claim_id = claim.id
    session.delete(claim)
    session.flush()
    record(
        session=session,
        actor=actor,
        module=MODULE,
        action=Action.DELETE,
        object_type="claim",
        object_id=claim_id,
        summary=f"撤回报告数：{label}（{why}）",
        before=before,
    )


def resolve(
    *,
    session: Session,
    actor: Actor,
    claim_id: int,
    version: int | None,
    reason: str,
    certified: Decimal | None = None,
) -> Claim:
    """A difference decided by a person with 审核: why it stands, and the certified figure if one is set.
    An empty reason reopens it. The decision is in the claim's history (the audit log)."""
    actor.require("indicators:approve")
    claim = get_claim(session=session, actor=actor, claim_id=claim_id)
    same_version(claim.version, version, "报告数")
    reason = reason.strip()
    if len(reason) > 500:
        raise Invalid("说明不能超过 500 字", field="reason")
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in reason):
        raise Invalid("说明含有不可见的控制字符", field="reason")
    if certified is not None and not reason:
        raise Invalid("核定数须写明理由", field="reason")
    if certified is not None:
        check_number(certified, "certified")
        if certified < 0:
            raise Invalid("核定数不能为负数", field="certified")
    before = _snapshot(claim)
    claim.resolution = reason
    claim.certified = None if certified is None else certified.quantize(Decimal("0.0001"))
    claim.resolved_by_id = actor.user_id if reason else None
    session.flush()
    record(
        session=session,
        actor=actor,
        module=MODULE,
        action=Action.UPDATE,
        object_type="claim",
        object_id=claim.id,
        summary=f"{'处理差异' if reason else '重新打开差异'}：{_label(claim)}"
        + (f"，{reason}" if reason else ""),
        before=before,
        after=_snapshot(claim),
    )
    return claim
