"""按时足额, computed: each tranche of a plan is paid on time, late (by how many days) or short (by how much),
from the disbursements recorded against it; a plan is delivered in full or not. One function per page, whose
result the page renders and the API returns."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from shanhai.auth.scope import Actor, visible
from shanhai.lib.beijing import today
from shanhai.lib.cnnum import format_money
from shanhai.operations.models import Disbursement, FundPlan, Tranche
from shanhai.operations.registers import TYPES, get_record, plan_title


class TrancheStatus(BaseModel):
    id: int
    due_on: date
    amount: Decimal
    paid: Decimal
    completed_on: date | None  # the day the payments reached the amount
    late_days: int  # 0 when on time (or not yet due)
    short: Decimal  # what is still missing
    state: str  # 按时足额 / 逾期N天足额 / 逾期N天未足额（差…） / 未到期
    late: bool
    version: int


class DisbursementRow(BaseModel):
    id: int
    paid_on: date
    amount: Decimal
    amount_display: str
    tranche_id: int | None
    purpose: str
    voucher: str
    project_id: int | None
    project: str | None
    over_reason: str


class MonthPoint(BaseModel):
    month: int
    due: Decimal  # cumulative amount due by the month's end (the tranches)
    paid: Decimal  # cumulative amount paid by the month's end


class PlanStatus(BaseModel):
    id: int
    version: int
    title: str
    programme: str | None
    programme_id: int | None
    place: str
    year: int
    amount: Decimal
    amount_display: str
    paid: Decimal
    paid_display: str
    closed: bool
    in_full: bool
    on_time: bool
    late_tranches: int
    tranches: list[TrancheStatus]
    disbursements: list[DisbursementRow]
    months: list[MonthPoint]


def _tranche(t: Tranche, payments: list[Disbursement], on: date) -> TrancheStatus:
    paid = Decimal(0)
    completed = None
    for d in sorted(payments, key=lambda d: (d.paid_on, d.id)):
        paid += d.amount
        if completed is None and paid >= t.amount:
            completed = d.paid_on
    short = max(t.amount - paid, Decimal(0))
    if completed is not None:
        late = max((completed - t.due_on).days, 0)
        state = "按时足额" if late == 0 else f"逾期{late}天足额"
    elif on > t.due_on:
        late = (on - t.due_on).days
        state = f"逾期{late}天未足额（差{format_money(short)}）"
    else:
        late = 0
        state = f"未到期（尚差{format_money(short)}）"
    return TrancheStatus(
        id=t.id,
        due_on=t.due_on,
        amount=t.amount,
        paid=paid,
        completed_on=completed,
        late_days=late,
        short=short,
        state=state,
        late=late > 0,
        version=t.version,
    )


def status_of(session: Session, plan: FundPlan, on: date | None = None) -> PlanStatus:
    on = on or today()
    payments = list(
        session.scalars(
            select(Disbursement)
            .where(Disbursement.plan_id == plan.id)
            .options(selectinload(Disbursement.project))
            .order_by(Disbursement.paid_on, Disbursement.id)
        )
    )
    tranches = [_tranche(t, [d for d in payments if d.tranche_id == t.id], on) for t in plan.tranches]
    paid = sum((d.amount for d in payments), Decimal(0))
    in_full = paid >= plan.amount
    on_time = in_full and all(t.completed_on is not None and not t.late for t in tranches)
    months = []
    for month in range(1, 13):
        end = date(plan.year + month // 12, month % 12 + 1, 1)  # the first day after the month
        months.append(
            MonthPoint(
                month=month,
                due=sum((t.amount for t in tranches if t.due_on < end), Decimal(0)),
                paid=sum((d.amount for d in payments if d.paid_on < end), Decimal(0)),
            )
        )
    return PlanStatus(
        id=plan.id,
        version=plan.version,
        title=plan_title(plan),
        programme=plan.programme.short_name if plan.programme else None,
        programme_id=plan.programme_id,
        place=plan.org_unit.name,
        year=plan.year,
        amount=plan.amount,
        amount_display=format_money(plan.amount),
        paid=paid,
        paid_display=format_money(paid),
        closed=plan.closed,
        in_full=in_full,
        on_time=on_time,
        late_tranches=sum(1 for t in tranches if t.late),
        tranches=tranches,
        disbursements=[
            DisbursementRow(
                id=d.id,
                paid_on=d.paid_on,
                amount=d.amount,
                amount_display=format_money(d.amount),
                tranche_id=d.tranche_id,
                purpose=d.purpose,
                voucher=d.voucher,
                project_id=d.project_id,
                project=d.project.name if d.project else None,
                over_reason=d.over_reason,
            )
            for d in payments
        ],
        months=months,
    )


def plan_page(*, session: Session, actor: Actor, plan_id: int) -> PlanStatus:
    plan = get_record(session=session, actor=actor, rtype=TYPES["plans"], record_id=plan_id)
    return status_of(session, plan)


def programme_plans(
    *, session: Session, actor: Actor, programme_id: int, year: int | None
) -> list[PlanStatus]:
    """The programme's plans the actor may see (of one year, or all), with their status."""
    if not actor.can("records:view"):
        return []
    query = (
        select(FundPlan)
        .where(
            FundPlan.programme_id == programme_id,
            visible(actor, FundPlan.org_unit_id, FundPlan.created_by_id),
        )
        .options(
            selectinload(FundPlan.tranches), selectinload(FundPlan.org_unit), selectinload(FundPlan.programme)
        )
        .order_by(FundPlan.year.desc(), FundPlan.id)
    )
    if year is not None:
        query = query.where(FundPlan.year == year)
    return [status_of(session, plan) for plan in session.scalars(query)]
