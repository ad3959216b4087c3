"""按时足额 against a day-by-day reference: payments fill tranches in due-date order, cumulative paid against
cumulative due, as of a date (the figures issue's rule). The reference is written differently from the
function: it walks the calendar and asks, each day, how much has been paid so far."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from shanhai.operations.funds import PlanStatus, as_of, overall, tranche_states, verdict
from shanhai.operations.models import Disbursement, FundPlan, Tranche

YEAR = 2025
START = date(YEAR, 1, 1)


def plan_of(amount: int, tranches: list[tuple[int, int]], payments: list[tuple[int, int, int | None]]):
    """A plan in memory: tranches as (day of year, amount); payments as (day, amount, earmarked tranche)."""
    plan = FundPlan(year=YEAR, amount=Decimal(amount))
    plan.tranches = [
        Tranche(id=i + 1, due_on=START + timedelta(days=day), amount=Decimal(a), version=1)
        for i, (day, a) in enumerate(tranches)
    ]
    paid = [
        Disbursement(
            id=i + 1,
            paid_on=START + timedelta(days=day),
            amount=Decimal(a),
            tranche_id=None
            if mark is None or not plan.tranches
            else plan.tranches[mark % len(plan.tranches)].id,
        )
        for i, (day, a, mark) in enumerate(payments)
    ]
    return plan, paid


def reference(plan: FundPlan, payments: list[Disbursement], on: date) -> list[tuple[date | None, int, str]]:
    """(filled on, late days, state word) per tranche in due-date order, by walking the calendar."""
    schedule = sorted((t.due_on, t.id, t.amount) for t in plan.tranches) or [
        (date(plan.year, 12, 31), 0, plan.amount)
    ]
    last = max([p.paid_on for p in payments] + [on])
    out = []
    cumulative_due = Decimal(0)
    for due_on, _id, amount in schedule:
        cumulative_due += amount
        filled = None
        day = min([p.paid_on for p in payments] + [START])
        while day <= last:
            if sum((p.amount for p in payments if p.paid_on <= day), Decimal(0)) >= cumulative_due:
                filled = day
                break
            day += timedelta(days=1)
        if filled is not None:
            late = max((filled - due_on).days, 0)
            out.append((filled, late, "按时足额" if late == 0 else "足额"))
        elif on > due_on or (on == due_on == date(plan.year, 12, 31)):  # the year's last day, judged closed
            out.append((None, (on - due_on).days, "未足额"))
        else:
            out.append((None, 0, "未到期"))
    return out


tranche_lists = st.lists(st.tuples(st.integers(0, 364), st.integers(1, 50)), max_size=4)
payment_lists = st.lists(st.tuples(st.integers(-30, 500), st.integers(1, 60)), max_size=6)


@settings(max_examples=300, deadline=None)
@given(tranche_lists, payment_lists, st.integers(0, 700), st.integers(0, 40))
def test_tranches_fill_in_due_date_order_as_the_calendar_says(tranches, payments, on_day, spare) -> None:
    amount = sum(a for _, a in tranches) + spare or 1
    plan, paid = plan_of(amount, tranches, [(d, a, None) for d, a in payments])
    on = START + timedelta(days=on_day)
    got = tranche_states(plan, paid, on)
    expected = reference(plan, paid, on)
    assert len(got) == len(expected)
    for state, (filled, late, word) in zip(got, expected, strict=True):
        assert state.completed_on == filled
        assert state.late_days == late
        if word == "按时足额":
            assert state.state == "按时足额"
        elif word == "足额":
            assert state.state == f"逾期{late}天足额"
        elif word == "未足额":
            assert state.late and "未足额" in state.state
            assert state.state.startswith(f"逾期{late}天未足额" if late else "到期未足额")
        else:
            assert state.state.startswith("未到期")


@settings(max_examples=300, deadline=None)
@given(
    tranche_lists.filter(bool),
    st.lists(st.tuples(st.integers(-30, 500), st.integers(1, 60), st.none() | st.integers(0, 3)), max_size=6),
    st.integers(0, 700),
)
def test_earmarks_and_overpayments_keep_the_books(tranches, payments, on_day) -> None:
    plan, paid = plan_of(sum(a for _, a in tranches), tranches, payments)
    got = tranche_states(plan, paid, START + timedelta(days=on_day))
    total = sum((p.amount for p in paid), Decimal(0))
    assert sum((t.paid for t in got), Decimal(0)) == min(total, plan.amount)  # the rest is above the plan
    for t in got:
        assert Decimal(0) <= t.paid <= t.amount
        assert (t.completed_on is not None) == (t.paid == t.amount)
        assert t.completed_on is None or t.completed_on in {p.paid_on for p in paid}
    text, ok = verdict(amount=plan.amount, paid=total, tranches=got)
    if total > plan.amount:
        assert not ok and text.startswith("超计划")  # above the plan is flagged, never ✓


def test_a_plan_split_after_its_payment_reads_one_way() -> None:
    """The finding: 3693万 paid on 12-31 against 1000万 due 06-30 and 2693万 due 12-31 (the payment had been
    given to the first tranche). The June tranche was filled on 12-31, 184 days late; December's on time;
    the plan is in full with one late tranche, nowhere 未足额."""
    plan, paid = plan_of(36_930_000, [(180, 10_000_000), (364, 26_930_000)], [(364, 36_930_000, 0)])
    got = tranche_states(plan, paid, date(2026, 12, 7))
    assert [t.state for t in got] == ["逾期184天足额", "按时足额"]
    assert [t.paid for t in got] == [Decimal(10_000_000), Decimal(26_930_000)]
    assert verdict(amount=plan.amount, paid=Decimal(36_930_000), tranches=got) == (
        "足额到位，1 个批次逾期",
        False,
    )


def test_a_closed_year_is_judged_at_its_end_and_the_current_year_today() -> None:
    assert as_of(2020) == date(2020, 12, 31)
    assert as_of(9999) > date(2020, 12, 31)
    assert as_of(2020, date(2021, 3, 1)) == date(2021, 3, 1)


def test_a_closed_year_with_money_missing_is_never_on_schedule() -> None:
    """Found by the attack: a 2023 plan of 100万 with one 50万 tranche, paid: it read ✓ 按进度拨付（未到期）
    at the year's end."""
    plan, paid = plan_of(1_000_000, [(180, 500_000)], [(150, 500_000, None)])
    got = tranche_states(plan, paid, date(YEAR, 12, 31))
    text, ok = verdict(amount=plan.amount, paid=Decimal(500_000), tranches=got, year_over=True)
    assert not ok and text.startswith("未足额")
    text, ok = verdict(amount=plan.amount, paid=Decimal(500_000), tranches=got, year_over=False)
    assert ok and "未到期" in text


def test_a_tranche_due_on_the_last_day_of_a_closed_year_is_due_not_ahead() -> None:
    """Found by the fresh-eyes look: a closed 2019 plan short of 50万 read 未足额 while its 12-31 tranche read
    未到期（尚差50万元）."""
    plan, paid = plan_of(1_000_000, [], [(150, 500_000, None)])
    got = tranche_states(plan, paid, as_of(YEAR, date(YEAR, 12, 31)))
    assert [(t.state, t.late) for t in got] == [("到期未足额（差50万元）", True)]


def _status(amount: int, paid: int) -> PlanStatus:
    plan, payments = plan_of(amount, [], [(100, paid, None)])
    tranches = tranche_states(plan, payments, date(YEAR, 12, 31))
    text, ok = verdict(amount=plan.amount, paid=Decimal(paid), tranches=tranches, year_over=True)
    return PlanStatus.model_construct(
        amount=plan.amount,
        paid=Decimal(paid),
        tranches=tranches,
        year=YEAR,
        as_of=date(YEAR, 12, 31),
        over=paid > amount,
        verdict=text,
        verdict_ok=ok,
    )


def test_one_plans_overpayment_never_nets_off_anothers_shortfall() -> None:
    """Found by the fresh-eyes look: 150万 paid on a plan of 100万 and 50万 on another of 100万 read
    按时足额到位 on the home card while each plan's page said otherwise."""
    over, short = _status(1_000_000, 1_500_000), _status(1_000_000, 500_000)
    assert over.verdict.startswith("超计划") and short.verdict.startswith("未足额")
    assert overall([over, short]) == ("1 个计划超计划到位，1 个计划未按时足额，请核实", False)
    fine = _status(1_000_000, 1_000_000)
    assert overall([fine, _status(2_000_000, 2_000_000)]) == ("按时足额到位", True)
    assert overall([fine, short]) == ("1 个计划未按时足额，请核实", False)
