"""按时足额, computed — one function (`status_of`) that the plan page, the programme page, the home card and
the API all call, so that it reads one way everywhere.

The rule: payments count against their plan (and so its year) and fill the plan's tranches in due-date
order, cumulative paid against cumulative due; a payment earmarked for a tranche fills that tranche first and
what is left of it flows on in due-date order. A tranche is filled on the day the payments reach it, and is
按时足额 (filled by its due date), 逾期N天足额 (N = days from the due date to the day it was filled),
逾期N天未足额（差…） or 未到期 — as of a date: today for the current year, the year's end for a closed year.
A plan without tranches is due in full by the end of its year. Paid above the plan reads 超计划 and is
flagged, never ✓. A payment dated after its plan's year is 跨年到位."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from shanhai.auth.scope import Actor, visible
from shanhai.lib.beijing import today
from shanhai.lib.cnnum import format_money
from shanhai.lib.summaries import Part, counted, dated_span, held_within
from shanhai.operations.models import Disbursement, FundPlan
from shanhai.operations.registers import plan_title
from shanhai.registers.kit import get_record, get_type


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
    cross_year: bool  # paid after the plan's year: 跨年到位
    summary: bool = False  # 全年合计: the year's payments up to its day
    counted: Decimal = Decimal(0)  # what it counts (a summary: beyond the other payments it covers)
    counted_display: str = ""


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
    as_of: date  # the day the plan is judged on
    in_full: bool
    over: bool  # paid above the plan: flagged, never ✓
    on_time: bool
    verdict: str  # the one wording: 按时足额到位 / 足额到位，N个批次逾期 / 未足额（差…） / 超计划到位…
    verdict_ok: bool
    late_tranches: int
    cross_year: Decimal  # paid after the plan's year (跨年到位)
    tranches: list[TrancheStatus]
    disbursements: list[DisbursementRow]
    months: list[MonthPoint]


@dataclass
class _Due:
    """A tranche being filled: what it asks, what it has, and the day it was filled."""

    id: int | None
    due_on: date
    amount: Decimal
    version: int
    paid: Decimal = Decimal(0)
    completed_on: date | None = None

    @property
    def missing(self) -> Decimal:
        return max(self.amount - self.paid, Decimal(0))

    def take(self, amount: Decimal, day: date) -> Decimal:
        """Fill from `amount`; return what is left of it."""
        used = min(amount, self.missing)
        self.paid += used
        if self.completed_on is None and self.missing == 0:
            self.completed_on = day
        return amount - used


def as_of(plan_year: int, on: date | None = None) -> date:
    """The day a plan is judged on: the given day, else today for the current (or a coming) year and the
    year's end for a closed year."""
    if on is not None:
        return on
    now = today()
    return now if plan_year >= now.year else date(plan_year, 12, 31)


def counted_on(payment: Disbursement) -> date:
    """The day a payment counts on: its day, held within its plan's year (one made after the year counts on
    its last day, 跨年到位; one made before, on its first) — as registers.derive places it."""
    return held_within(payment.paid_on, payment.plan_year or payment.paid_on.year)


def counted_amounts(payments: list[Disbursement]) -> dict[int, Decimal]:
    """What each payment counts, by its position in `payments`: its amount, a 全年合计 row only what it adds
    to the other payments of its plan's year up to its day (lib.summaries: the rule the FUNDS figures
    follow, registers.derive.Derivation.span)."""
    found = counted(
        Part(i, *dated_span(p.paid_on, summary=bool(p.summary), year=p.plan_year), p.amount, bool(p.summary))
        for i, p in enumerate(payments)
    )
    return {id(p): found[i] for i, p in enumerate(payments)}


def fill(plan: FundPlan, payments: list[Disbursement]) -> tuple[list[_Due], Decimal]:
    """The tranches filled by the plan's payments (in day order, each by what it counts), and what was paid
    beyond them."""
    dues = sorted(
        (_Due(t.id, t.due_on, t.amount, t.version) for t in plan.tranches),
        key=lambda d: (d.due_on, d.id or 0),
    )
    if not dues:  # no schedule: the whole plan is due by the end of its year
        dues = [_Due(None, date(plan.year, 12, 31), plan.amount, 0)]
    by_id = {d.id: d for d in dues}
    extra = Decimal(0)
    amounts = counted_amounts(payments)
    for payment in sorted(payments, key=lambda p: (p.paid_on, p.id or 0)):
        left = amounts[id(payment)]
        earmarked = by_id.get(payment.tranche_id) if payment.tranche_id is not None else None
        if earmarked is not None:
            left = earmarked.take(left, payment.paid_on)
        for due in dues:
            if left <= 0:
                break
            left = due.take(left, payment.paid_on)
        extra += left
    return dues, extra


def tranche_states(plan: FundPlan, payments: list[Disbursement], on: date) -> list[TrancheStatus]:
    """Each tranche of the plan (in due-date order) as of `on`, filled by the payments (`fill`)."""
    dues, _extra = fill(plan, payments)
    closed = on >= date(plan.year, 12, 31)
    return [_tranche(d, on, closed) for d in dues]


def _tranche(due: _Due, on: date, closed: bool) -> TrancheStatus:
    """`closed`: judged at (or after) its plan year's end — a tranche due that day and still short is
    overdue, as the plan's verdict says (it read 未到期 beside the plan's 未足额)."""
    overdue = on > due.due_on or (closed and on == due.due_on)
    if due.completed_on is not None:
        late = max((due.completed_on - due.due_on).days, 0)
        state = "按时足额" if late == 0 else f"逾期{late}天足额"
    elif overdue:
        late = (on - due.due_on).days
        missing = format_money(due.missing)
        state = f"逾期{late}天未足额（差{missing}）" if late else f"到期未足额（差{missing}）"
    else:
        late = 0
        state = f"未到期（尚差{format_money(due.missing)}）"
    return TrancheStatus(
        id=due.id or 0,
        due_on=due.due_on,
        amount=due.amount,
        paid=due.paid,
        completed_on=due.completed_on,
        late_days=late,
        short=due.missing,
        state=state,
        late=late > 0 or (due.completed_on is None and overdue),
        version=due.version,
    )


def verdict(
    *, amount: Decimal, paid: Decimal, tranches: list[TrancheStatus], year_over: bool = False
) -> tuple[str, bool]:
    """What a plan (or several plans added up) reads, and whether it is ✓: the one wording of 按时足额.
    `year_over`: the plan's year has ended by the day it is judged on, so whatever is missing is late, even
    where the tranches cover less than the plan."""
    late = sum(1 for t in tranches if t.late)
    if paid > amount:
        return f"超计划到位（超{format_money(paid - amount)}），请核实", False
    if paid == amount and amount > 0:
        return ("按时足额到位", True) if late == 0 else (f"足额到位，{late} 个批次逾期", False)
    short = format_money(amount - paid)
    if late:
        return f"未足额（差{short}），{late} 个批次逾期", False
    if year_over:
        return f"未足额（差{short}）", False
    return f"按进度拨付（尚差{short}，未到期）", True


def status_of(session: Session, plan: FundPlan, on: date | None = None) -> PlanStatus:
    on = as_of(plan.year, on)
    payments = list(
        session.scalars(
            select(Disbursement)
            .where(Disbursement.plan_id == plan.id)
            .options(selectinload(Disbursement.project))
            .order_by(Disbursement.paid_on, Disbursement.id)
        )
    )
    tranches = tranche_states(plan, payments, on)
    amounts = counted_amounts(payments)
    paid = sum(amounts.values(), Decimal(0))  # every payment; `on` decides what is overdue
    year_over = on >= date(plan.year, 12, 31)
    text, ok = verdict(amount=plan.amount, paid=paid, tranches=tranches, year_over=year_over)
    months = []
    for month in range(1, 13):
        end = date(plan.year + month // 12, month % 12 + 1, 1)  # the first day after the month
        months.append(
            MonthPoint(
                month=month,
                due=sum((t.amount for t in tranches if t.due_on < end), Decimal(0)),
                paid=sum((amounts[id(d)] for d in payments if counted_on(d) < end), Decimal(0)),
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
        as_of=on,
        in_full=paid >= plan.amount,
        over=paid > plan.amount,
        on_time=ok and paid >= plan.amount,
        verdict=text,
        verdict_ok=ok,
        late_tranches=sum(1 for t in tranches if t.late),
        cross_year=sum((amounts[id(d)] for d in payments if d.paid_on.year > plan.year), Decimal(0)),
        tranches=tranches,
        disbursements=[
            DisbursementRow(
                id=d.id,
                paid_on=d.paid_on,
                amount=d.amount,
                amount_display=format_money(d.amount),
                summary=bool(d.summary),
                counted=amounts[id(d)],
                counted_display=format_money(amounts[id(d)]),
                tranche_id=d.tranche_id,
                purpose=d.purpose,
                voucher=d.voucher,
                project_id=d.project_id,
                project=d.project.name if d.project else None,
                over_reason=d.over_reason,
                cross_year=d.paid_on.year > plan.year,
            )
            for d in payments
        ],
        months=months,
    )


def overall(plans: list[PlanStatus]) -> tuple[str, bool] | None:
    """What several plans read together (a programme's card for a year): the same wording as one plan when
    each is ✓; otherwise how many are over or short — one plan's overpayment never nets off another's
    shortfall into ✓ (the outside look: 150万 of 100万 beside 50万 of 100万 read 按时足额到位)."""
    if not plans:
        return None
    together = verdict(
        amount=sum((p.amount for p in plans), Decimal(0)),
        paid=sum((p.paid for p in plans), Decimal(0)),
        tranches=[t for p in plans for t in p.tranches],
        year_over=all(p.as_of >= date(p.year, 12, 31) for p in plans),
    )
    if len(plans) == 1 or (together[1] and all(p.verdict_ok for p in plans)):
        return together
    over = sum(1 for p in plans if p.over)
    behind = sum(1 for p in plans if not p.over and not p.verdict_ok)
    parts = [f"{n} 个计划{what}" for n, what in ((over, "超计划到位"), (behind, "未按时足额")) if n]
    return ("，".join(parts) + "，请核实", False) if parts else together


def plan_page(*, session: Session, actor: Actor, plan_id: int) -> PlanStatus:
    plan = get_record(session=session, actor=actor, rtype=get_type("plans"), record_id=plan_id)
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
