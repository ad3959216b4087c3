"""The registers of the programme work (工作台账), each declared once on the register kit (`registers.kit`):
its fields, the rules across fields, and what its records count towards (`DERIVATIONS`, by declaration)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from shanhai.auth.scope import Actor, check_can_create
from shanhai.db import serialize
from shanhai.errors import Conflict, Invalid
from shanhai.indicators.models import Aggregation, ValueKind
from shanhai.indicators.service import ensure_period
from shanhai.lib import industries
from shanhai.lib.beijing import today
from shanhai.lifecycle.service import move
from shanhai.operations.models import (
    ACTIVITY_KINDS,
    PERSON_CATEGORIES,
    PERSON_STATUSES,
    Activity,
    ConsumptionSale,
    Disbursement,
    FundPlan,
    Pairing,
    ParkYear,
    Person,
    Tranche,
    WorkGroup,
)
from shanhai.orgunits.models import OrgKind, OrgUnit
from shanhai.projects import service as projects
from shanhai.projects.models import (
    CATEGORIES,
    DONE_STAGES,
    KIND_LABELS,
    LEAD_SOURCES,
    SIGNED_STAGES,
    STAGES,
    Project,
    ProjectKind,
    size_class,
)
from shanhai.projects.service import MACHINES, TERMINATED
from shanhai.registers import derive
from shanhai.registers.derive import Derivation
from shanhai.registers.fields import ID_NUMBER, PHONE, Field, choices_of, visible_record
from shanhai.registers.kit import RecordType


def _plan_unit(session: Session, obj: Any) -> FundPlan:
    """A tranche or disbursement belongs to its plan's place and programme (its scope and its cells); what
    is checked against the plan from here on sees the plan's other tranches and payments as they are (two
    sent at once run one after the other)."""
    plan = session.get_one(FundPlan, obj.plan_id)
    serialize(session, f"plan:{plan.id}")
    obj.org_unit_id, obj.programme_id = plan.org_unit_id, plan.programme_id
    if isinstance(obj, Disbursement):
        obj.plan_year = plan.year  # a payment counts against its plan's year (registers.derive)
    if plan.closed:
        raise Invalid(f"{plan_title(plan)}已关闭，不能再登记", field="plan_id")
    return plan


def plan_title(plan: FundPlan) -> str:
    programme = plan.programme.short_name if plan.programme else ""
    return f"{plan.year}年{programme}（{plan.org_unit.name}）资金计划"


def _check_person(session: Session, actor: Actor, p: Person, before: dict[str, Any] | None) -> None:
    if p.end_on < p.start_on:
        raise Invalid("任期结束日期不能早于开始日期", field="end_on")
    if p.end_on.year - p.start_on.year > 10:
        raise Invalid("任期不能超过 10 年，请检查日期", field="end_on")
    if p.id_number and not ID_NUMBER.match(p.id_number):
        raise Invalid("身份证号应为 18 位（最后一位可为 X）", field="id_number")
    if p.phone and not PHONE.match(p.phone):
        raise Invalid("联系电话格式不正确", field="phone")
    if p.id_number:
        # a number held outside one's scope is refused whatever the dates: a refusal only for overlapping
        # ones let a probe find the other post's dates day by day (the outside trial)
        holders = select(Person).where(Person.id_number == p.id_number, Person.id != (p.id or 0)).limit(50)
        with session.no_autoflush:  # the record itself, not yet written, is not one of them
            found = list(session.scalars(holders))
        if any(not visible_record(actor, holder) for holder in found):
            raise Invalid("该身份证号已登记在您数据范围以外的人员名下，请与市对口办核实", field="id_number")
    if not (p.full_time and p.status != "轮换"):
        return
    same = (
        Person.id_number == p.id_number
        if p.id_number
        else (Person.name == p.name) & (Person.home_org == p.home_org)
    )
    serialize(session, f"person:{p.id_number or p.name + '|' + p.home_org}")  # two posts sent at once
    overlapping = select(Person).where(
        same,
        Person.full_time.is_(True),
        Person.status != "轮换",
        Person.start_on <= p.end_on,
        Person.end_on >= p.start_on,
        Person.id != (p.id or 0),
    )
    # without a 身份证号 a name and home unit are no identity: only the posts in one's own scope are
    # compared (refusing on those outside it let a probe find their dates day by day); a number held
    # outside one's scope was refused above, whatever the dates
    with session.no_autoflush:
        clash = next((c for c in session.scalars(overlapping.limit(50)) if visible_record(actor, c)), None)
    if clash is not None:
        raise Invalid(
            f"{p.name}在 {clash.start_on}—{clash.end_on} 已有全职岗位（{clash.org_unit.name} {clash.post}），"
            "同一时间不能有两个全职岗位",
            field="start_on",
        )


def _check_group(session: Session, actor: Actor, g: WorkGroup, before: dict[str, Any] | None) -> None:
    if g.ended_on is not None and g.ended_on < g.started_on:
        raise Invalid("结束日期不能早于开始日期", field="ended_on")


def _check_pairing(session: Session, actor: Actor, p: Pairing, before: dict[str, Any] | None) -> None:
    sender = session.get_one(OrgUnit, p.org_unit_id)
    if sender.kind != OrgKind.DISTRICT.value:
        raise Invalid(f"“{sender.name}”不是本市的区县，请选择派出的区县", field="org_unit_id")
    place = session.get(OrgUnit, p.place_unit_id)
    if place is None or place.kind != OrgKind.PARTNER.value:
        raise Invalid("请选择对口地区（受援地）", field="place_unit_id")
    if p.ended_on is not None and p.ended_on < p.started_on:
        raise Invalid("结束日期不能早于开始日期", field="ended_on")
    serialize(session, f"pairing:{p.org_unit_id}:{p.place_unit_id}")
    overlapping = session.scalar(
        select(Pairing.id).where(
            Pairing.org_unit_id == p.org_unit_id,
            Pairing.place_unit_id == p.place_unit_id,
            func.coalesce(Pairing.programme_id, 0) == (p.programme_id or 0),
            Pairing.id != (p.id or 0),
            or_(Pairing.ended_on.is_(None), Pairing.ended_on >= p.started_on),
            *([Pairing.started_on <= p.ended_on] if p.ended_on is not None else []),
        )
    )
    if overlapping is not None:
        raise Invalid(f"“{sender.name}”与“{place.name}”在这段时间已有结对关系", field="started_on")


def _check_plan(session: Session, actor: Actor, plan: FundPlan, before: dict[str, Any] | None) -> None:
    if plan.programme_id is None:
        raise Invalid("请选择重点工作", field="programme_id")
    if before is not None and before["closed"] and plan.closed and before["amount"] != plan.amount:
        raise Invalid("该资金计划已关闭，不能修改金额；请先取消关闭", field="amount")
    if plan.id is not None:
        serialize(session, f"plan:{plan.id}")
        moved = before is not None and any(
            before[k] != getattr(plan, k) for k in ("programme_id", "org_unit_id", "year")
        )
        used = (
            session.scalar(select(func.count()).select_from(Tranche).where(Tranche.plan_id == plan.id)) or 0
        )
        used += (
            session.scalar(
                select(func.count()).select_from(Disbursement).where(Disbursement.plan_id == plan.id)
            )
            or 0
        )
        if moved and used:
            raise Invalid(
                "该计划已有批次或拨付，不能再改重点工作、地区或年度；请新建计划", field="org_unit_id"
            )
        paid = _paid(session, session.scalars(select(Disbursement).where(Disbursement.plan_id == plan.id)))
        if paid > plan.amount:
            raise Invalid(f"已拨付 {paid:,.2f} 元，计划金额不能少于已拨付金额", field="amount")
    planned = (
        session.scalar(select(func.sum(Tranche.amount)).where(Tranche.plan_id == plan.id))
        if plan.id
        else None
    )
    if planned is not None and planned > plan.amount:
        raise Invalid(f"各批次合计 {planned:,.2f} 元，超过年度计划金额", field="amount")


def _check_tranche(session: Session, actor: Actor, t: Tranche, before: dict[str, Any] | None) -> None:
    plan = _plan_unit(session, t)
    others = session.scalar(
        select(func.coalesce(func.sum(Tranche.amount), 0)).where(
            Tranche.plan_id == plan.id, Tranche.id != (t.id or 0)
        )
    )
    if Decimal(others or 0) + t.amount > plan.amount:
        raise Invalid(
            f"各批次合计将为 {Decimal(others or 0) + t.amount:,.2f} 元，超过年度计划 {plan.amount:,.2f} 元",
            field="amount",
        )
    if abs(t.due_on.year - plan.year) > 1:
        raise Invalid(f"到期日应在 {plan.year} 年前后", field="due_on")


def _paid(session: Session, payments: Iterable[Disbursement]) -> Decimal:
    """What payments add up to, a 全年合计 row counting only beyond the others (operations.funds)."""
    from shanhai.operations.funds import counted_amounts  # funds reads the registers: import when used

    return sum(counted_amounts(list(payments)).values(), Decimal(0))


def _check_disbursement(
    session: Session, actor: Actor, d: Disbursement, before: dict[str, Any] | None
) -> None:
    plan = _plan_unit(session, d)
    if d.tranche_id is not None:
        tranche = session.get(Tranche, d.tranche_id)
        if tranche is None or tranche.plan_id != plan.id:
            raise Invalid("所选批次不属于该资金计划", field="tranche_id")
    # without an earmark a payment is not pinned to a tranche: operations.funds fills the plan's tranches in
    # due-date order, recomputed whenever a plan, tranche or payment changes
    others = session.scalars(
        select(Disbursement).where(Disbursement.plan_id == plan.id, Disbursement.id != (d.id or 0))
    )
    total = _paid(session, [*others, d])
    if total > plan.amount and not d.over_reason.strip():
        raise Invalid(
            f"拨付后累计 {total:,.2f} 元，超出年度计划 {plan.amount:,.2f} 元，请填写超计划原因",
            field="over_reason",
        )


def _check_sale(session: Session, actor: Actor, s: ConsumptionSale, before: dict[str, Any] | None) -> None:
    with session.no_autoflush:  # the period row first: the sale's changed period is flushed after it
        ensure_period(session=session, period_id=s.period_id)  # the period row the sale refers to


def _check_park(session: Session, actor: Actor, p: ParkYear, before: dict[str, Any] | None) -> None:
    unit = session.get_one(OrgUnit, p.org_unit_id)
    check_can_create(actor, unit, what="产业园数据")  # the scope first: a unit outside it is not named
    if unit.kind != "park":
        raise Invalid(f"“{unit.name}”不是产业园，请选择产业园单位", field="org_unit_id")


def _check_project(session: Session, actor: Actor, p: Project, before: dict[str, Any] | None) -> None:
    if p.kind not in {k.value for k in ProjectKind}:
        raise Invalid("项目类型无效", field="kind")
    if p.id is None:
        p.stage = STAGES[ProjectKind(p.kind)][0]
    if p.category and p.category not in CATEGORIES:
        raise Invalid(f"项目类别应为：{'、'.join(CATEGORIES)}", field="category")
    p.size_class = size_class(p.investment) if p.kind == ProjectKind.INVESTMENT.value else ""
    signed = p.stage in SIGNED_STAGES and p.kind == ProjectKind.INVESTMENT.value
    if signed and before is not None and (before.get("investor") or "").strip() and not p.investor.strip():
        raise Invalid("已签约的招商项目不能清空投资方", field="investor")


def _project_created(session: Session, actor: Actor, p: Project) -> None:
    first = STAGES[ProjectKind(p.kind)][0]
    machine = MACHINES[ProjectKind(p.kind)]
    move(session=session, actor=actor, machine=machine, obj=p, to=first, what=f"项目“{p.name}”", new=True)


def _paid_into(session: Session, tranche: Tranche) -> None:
    """A tranche that payments earmarked for it, or flowing into it in due-date order, reached is kept."""
    from shanhai.operations.funds import fill  # funds reads the registers' declarations: import when used

    plan = session.get_one(FundPlan, tranche.plan_id)
    payments = list(session.scalars(select(Disbursement).where(Disbursement.plan_id == plan.id)))
    dues, _ = fill(plan, payments)
    if any(d.id == tranche.id and d.paid > 0 for d in dues) or any(
        p.tranche_id == tranche.id for p in payments
    ):
        title = f"{plan_title(plan)} · {tranche.due_on} 到期批次"
        raise Conflict(f"资金批次“{title}”已有拨付记录，不能删除", field="id")


UNIT = Field("org_unit_id", "所在地/单位", "unit", required=True)
PROGRAMME = Field("programme_id", "重点工作", "programme")
NOTE = Field("note", "备注", "textarea", max_length=2000)
QUALIFIER = Field(
    "qualifier", "数值说明", "qualifier", help="报告写作“超4000万元”“1万余人次”时选“以上/余/超”"
)

SUMMARY = Field(
    "summary",
    "全年合计",
    "bool",
    help="本行是当年截至该日期的合计（报告只给出全年数时）：只计入当年其他记录之外的部分，不与之重复相加",
)

REGISTERS: tuple[RecordType, ...] = (
    RecordType(
        "workgroups",
        "工作组",
        WorkGroup,
        (
            Field("name", "名称", required=True),
            Field("batch", "批次（第几批）", "int", required=True, low=1, high=99),
            Field("org_unit_id", "工作组单位", "unit", required=True),
            Field("place_unit_id", "派驻地", "unit", required=True),
            PROGRAMME,
            Field("leader", "领队", max_length=64),
            Field("started_on", "开始日期", "date", required=True),
            Field("ended_on", "结束日期", "date"),
            NOTE,
        ),
        title=lambda g: g.name,
        check=_check_group,
        keys=(("name", "batch"),),
    ),
    RecordType(
        "pairings",
        "结对关系",
        Pairing,
        (
            Field("org_unit_id", "派出区县", "unit", required=True),
            Field("place_unit_id", "结对地区", "unit", required=True),
            PROGRAMME,
            Field("started_on", "开始日期", "date", required=True),
            Field("ended_on", "结束日期", "date"),
            NOTE,
        ),
        title=lambda p: f"{p.org_unit.name}—{p.place_unit.name}",
        check=_check_pairing,
        keys=(("org_unit_id", "place_unit_id", "programme_id"),),
    ),
    RecordType(
        "people",
        "干部人才",
        Person,
        (
            Field("name", "姓名", required=True, max_length=64),
            Field("category", "类别", "choice", required=True, choices=choices_of(PERSON_CATEGORIES)),
            Field("home_org", "派出单位", max_length=128),
            Field("org_unit_id", "派驻地", "unit", required=True),
            Field("post", "受援单位及职务", max_length=128),
            Field("work_group_id", "所属工作组", "ref", ref=WorkGroup),
            PROGRAMME,
            Field("start_on", "任期开始", "date", required=True),
            Field("end_on", "任期结束", "date", required=True),
            Field("full_time", "全职", "bool"),
            Field("status", "状态", "choice", required=True, choices=choices_of(PERSON_STATUSES)),
            Field("id_number", "身份证号", max_length=18, sensitive=True),
            Field("phone", "联系电话", max_length=20, sensitive=True),
            NOTE,
        ),
        title=lambda p: p.name,
        check=_check_person,
        keys=(("id_number",), ("name", "org_unit_id", "start_on")),
    ),
    RecordType(
        "plans",
        "资金计划",
        FundPlan,
        (
            Field("programme_id", "重点工作", "programme", required=True),
            Field("org_unit_id", "对口地区", "unit", required=True),
            Field("year", "年度", "int", required=True, low=2000, high=2100),
            Field("amount", "计划金额（元）", "money", required=True, help="可写 11800000 或 1180万"),
            Field("closed", "已关闭（不再拨付）", "bool"),
            NOTE,
        ),
        title=plan_title,
        check=_check_plan,
        keys=(("programme_id", "org_unit_id", "year"),),
    ),
    RecordType(
        "tranches",
        "资金批次",
        Tranche,
        (
            Field("plan_id", "资金计划", "ref", required=True, ref=FundPlan, editable=False),
            Field("due_on", "应拨付日期", "date", required=True),
            Field("amount", "批次金额（元）", "money", required=True),
            NOTE,
        ),
        title=lambda t: f"{plan_title(t.plan)} · {t.due_on} 到期批次",
        check=_check_tranche,
        in_menu=False,  # reached from its plan
        before_delete=_paid_into,
        keys=(("plan_id", "due_on"),),
    ),
    RecordType(
        "disbursements",
        "资金拨付",
        Disbursement,
        (
            Field("plan_id", "资金计划", "ref", required=True, ref=FundPlan, editable=False),
            Field("tranche_id", "批次", "ref", ref=Tranche, help="不选时按到期先后依次计入各批次"),
            Field("paid_on", "拨付日期", "date", required=True),
            Field("amount", "金额（元）", "money", required=True),
            Field("purpose", "用途", max_length=256),
            Field("project_id", "项目", "ref", ref=Project),
            Field("voucher", "凭证号", max_length=64),
            Field("over_reason", "超计划原因", "textarea", max_length=2000),
            SUMMARY,
            NOTE,
        ),
        title=lambda d: f"{d.paid_on} 拨付 {d.amount:,.2f} 元",
        check=_check_disbursement,
        keys=(("voucher",), ("plan_id", "paid_on")),  # an amount corrected: the same payment
    ),
    RecordType(
        "parks",
        "园区年度数据",
        ParkYear,
        (
            Field("org_unit_id", "产业园", "unit", required=True),
            PROGRAMME,
            Field("year", "年度", "int", required=True, low=2000, high=2100),
            Field("firms", "入驻企业（家）", "int"),
            Field("investment", "招引投资（元）", "money"),
            Field("jobs", "吸纳就业（人）", "int"),
            Field("output", "总产值（元）", "money"),
            QUALIFIER,
            NOTE,
        ),
        title=lambda p: f"{p.org_unit.name} {p.year}年",
        menu_label="产业园区",
        check=_check_park,
        keys=(("org_unit_id", "year"),),
    ),
    RecordType(
        "activities",
        "活动",
        Activity,
        (
            Field("title", "活动名称", required=True),
            Field("kind", "类型", "choice", required=True, choices=choices_of(ACTIVITY_KINDS)),
            Field("held_on", "日期", "date", required=True),
            UNIT,
            PROGRAMME,
            Field("organiser", "组织单位", max_length=128),
            Field("sessions", "场次", "int", required=True, low=1, high=10_000),
            Field("participants", "参与人数", "int"),
            Field("schools", "参与学校数", "int", low=0, high=10_000),
            Field("placements", "促成就业（人次）", "int"),
            Field("patients", "诊疗（人次）", "int"),
            QUALIFIER,
            SUMMARY,
            NOTE,
        ),
        title=lambda a: a.title,
        keys=(("title", "held_on", "org_unit_id"),),
    ),
    RecordType(
        "sales",
        "消费帮扶销售",
        ConsumptionSale,
        (
            Field("org_unit_id", "对口地区", "unit", required=True),
            PROGRAMME,
            Field("channel", "渠道/门店", required=True),
            Field("outlets", "门店、专柜数", "int"),
            Field("period_id", "期间", "period", required=True, help="如 2025、2025Q3、202503"),
            Field("amount", "销售额（元）", "money", required=True),
            QUALIFIER,
            NOTE,
        ),
        title=lambda s: f"{s.org_unit.name} {s.channel} {s.period_id}",
        menu_label="消费帮扶",
        check=_check_sale,
        keys=(("org_unit_id", "programme_id", "channel", "period_id"),),
    ),
    RecordType(
        "projects",
        "项目",
        Project,
        (
            Field("code", "项目编号", required=True, max_length=64, editable=False),
            Field("name", "项目名称", required=True, max_length=256),
            Field(
                "kind",
                "类型",
                "choice",
                required=True,
                editable=False,
                choices=tuple((k.value, v) for k, v in KIND_LABELS.items()),
            ),
            Field("category", "类别", "choice", choices=choices_of(CATEGORIES)),
            Field("org_unit_id", "所在地/责任单位", "unit", required=True),
            PROGRAMME,
            Field("investment", "总投资/预算（元）", "money"),
            Field("fund_sources", "资金来源", max_length=256),
            Field("partners", "合作方", max_length=256),
            Field("investor", "投资方（招商项目）", max_length=256, help="签约前须填写"),
            Field("lead_source", "线索来源（招商项目）", "choice", choices=choices_of(LEAD_SOURCES)),
            Field("industry_code", "行业（GB/T 4754 大类）", "choice", choices=industries.DIVISIONS),
            Field("department_id", "包挂责任部门", "unit"),
            Field("responsible_person", "包挂责任人", max_length=64),
            Field("progress", "形象进度（%）", "int", low=0, high=100),
            Field("description", "说明", "textarea", max_length=4000),
        ),
        title=lambda p: p.name,
        module="projects",
        in_menu=False,  # 项目库 has a menu entry and pages of its own
        check=_check_project,
        created=_project_created,
        keys=(("code",),),
    ),
)


def move_project(
    *, session: Session, actor: Actor, project_id: int, to: str, note: str, version: int
) -> Project:
    """A project moves on its lifecycle; reaching 完工 (or 投产) dates its completion, an investment lead
    reaching 签约 is dated signed (and needs its investor), every move dates the stage it reached (a lead
    long in one stage is stalled), and the counts derived from projects follow."""
    actor.require("projects:edit")  # without it: 403, whether or not the project is in scope
    project = projects.get_project(session=session, actor=actor, project_id=project_id)
    before = derive.snapshot(project)
    signing = to in SIGNED_STAGES and project.stage not in SIGNED_STAGES  # a lead signed by this move
    if signing and project.kind == ProjectKind.INVESTMENT.value and not project.investor.strip():
        raise Invalid(
            f"招商项目“{project.name}”尚未填写投资方，不能签约；请先编辑项目填写投资方", field="investor"
        )
    projects.move_project(
        session=session, actor=actor, project_id=project_id, to=to, note=note, version=version
    )
    if to in DONE_STAGES and project.completed_on is None:
        project.completed_on = today()
    if to == TERMINATED:
        project.completed_on = None
    if to in SIGNED_STAGES and project.signed_on is None:
        project.signed_on = today()
    project.stage_since = today()
    session.flush()
    derive.refresh(session=session, actor=actor, model=Project, before=before, after=derive.snapshot(project))
    return project


def _signed(
    code: str, element: str, name: str, size: str | None, says: str, measure: str | None = None
) -> Derivation:
    """Investment leads signed (and not ended since), in the year they were signed, at their zone."""
    where: tuple[tuple[str, tuple[Any, ...]], ...] = (("kind", ("investment",)), ("stage", SIGNED_STAGES))
    return Derivation(
        code,
        element,
        name,
        "元" if measure else "个",
        Aggregation.SUM,
        Project,
        "已签约招商项目",
        measure=measure,
        date="signed_on",
        where=(*where, ("size_class", (size,))) if size else where,
        link="/projects",
        says=says,
    )


# what the records count towards, by declaration (registers.derive)
DERIVATIONS: tuple[Derivation, ...] = (
    _signed(
        "leads_signed",
        "INVEST_SIGNED",
        "签约招商项目",
        None,
        "招商项目推进到签约（及其后的开工、投产）时，按签约年度、项目所在区县/园区计 1 个；终止的不计",
    ),
    _signed(
        "leads_signed_investment",
        "INVEST_SIGNED_AMOUNT",
        "签约招商项目计划投资",
        None,
        "已签约招商项目的总投资按签约日期所在年度计入；终止的不计",
        measure="investment",
    ),
    _signed(
        "leads_signed_mega",
        "MEGA_PROJECTS",
        "百亿级项目",
        "百亿级",
        "总投资100亿元及以上的招商项目签约时，按签约年度计 1 个（百亿级项目）",
    ),
    _signed(
        "leads_signed_fifty",
        "INVEST_50YI_PROJECTS",
        "五十亿级项目",
        "五十亿级",
        "总投资50亿元及以上、不足100亿元的招商项目签约时，按签约年度计 1 个（五十亿级项目）",
    ),
    Derivation(
        "funds_paid",
        "FUNDS",
        "对口支援协作资金",
        "元",
        Aggregation.SUM,
        Disbursement,
        "拨付记录",
        measure="amount",
        date="paid_on",
        monthly=True,
        within="plan_year",
        summary="summary",
        summary_by="plan_year",  # a 全年合计 payment sums up its plan year's payments, as the plan does
        link="/records/disbursements",
        says="每笔资金拨付按拨付金额计入所属计划年度的拨付当月、拨付所属地区与重点工作的到位资金"
        "（计划年度之后拨付的计入该年12月，即跨年到位）",
    ),
    Derivation(
        "funds_planned",
        "FUNDS",
        "对口支援协作资金",
        "元",
        Aggregation.SUM,
        FundPlan,
        "年度资金计划",
        kind=ValueKind.TARGET,
        measure="amount",
        year="year",
        link="/records/plans",
        says="每个年度资金计划按计划金额计入该年度的计划资金（目标值）",
    ),
    Derivation(
        "people_in_post",
        "CADRES_IN_POST",
        "年内在岗援派干部人才",
        "人",
        Aggregation.LAST,
        Person,
        "在岗人员",
        date="start_on",
        end="end_on",
        where=(("status", ("在岗", "期满")),),
        link="/records/people",
        says="状态为在岗或期满的干部人才，按任期覆盖的每个年度各计 1 人（年末在岗数）",
    ),
    Derivation(
        "projects_completed",
        "PROJECTS_COMPLETED",
        "建成援建项目",
        "个",
        Aggregation.SUM,
        Project,
        "建成的援建项目",
        date="completed_on",
        where=(("kind", ("aid",)), ("stage", DONE_STAGES)),
        link="/projects",
        says="援建项目进入完工或投用阶段时，按完工日期所在年度计 1 个",
    ),
    Derivation(
        "park_output",
        "PARK_OUTPUT",
        "产业园总产值",
        "元",
        Aggregation.SUM,
        ParkYear,
        "园区年度数据",
        measure="output",
        year="year",
        qualifier="qualifier",
        link="/records/parks",
        says="产业园年度数据按总产值计入该年度",
    ),
    Derivation(
        "park_jobs",
        "JOBS_CREATED",
        "园区吸纳、带动就业",
        "人",
        Aggregation.SUM,
        ParkYear,
        "园区年度数据",
        measure="jobs",
        year="year",
        qualifier="qualifier",
        link="/records/parks",
        says="产业园年度数据按吸纳、带动就业人数计入该年度",
    ),
    Derivation(
        "park_firms",
        "PARK_FIRMS",
        "产业园入驻企业",
        "家",
        Aggregation.LAST,
        ParkYear,
        "园区年度数据",
        measure="firms",
        year="year",
        qualifier="qualifier",
        link="/records/parks",
        says="产业园年度数据按入驻企业数计入该年度（年末数）",
    ),
    Derivation(
        "park_investment",
        "PARK_INVESTMENT_ATTRACTED",
        "产业园招引投资",
        "元",
        Aggregation.SUM,
        ParkYear,
        "园区年度数据",
        measure="investment",
        year="year",
        qualifier="qualifier",
        link="/records/parks",
        says="产业园年度数据按招引投资计入该年度",
    ),
    Derivation(
        "job_fairs",
        "JOB_FAIRS",
        "招聘活动",
        "场次",
        Aggregation.SUM,
        Activity,
        "招聘会",
        measure="sessions",
        date="held_on",
        where=(("kind", ("招聘会",)),),
        qualifier="qualifier",
        summary="summary",
        summary_by="kind",
        link="/records/activities",
        says="类型为招聘会的活动按场次计入举办日期所在年度",
    ),
    Derivation(
        "placements",
        "JOB_PLACEMENTS",
        "促成就业",
        "人次",
        Aggregation.SUM,
        Activity,
        "活动促成就业",
        measure="placements",
        date="held_on",
        qualifier="qualifier",
        summary="summary",
        summary_by="kind",
        link="/records/activities",
        says="任何类型的活动按促成就业人次计入举办日期所在年度",
    ),
    Derivation(
        "trainings",
        "VOCATIONAL_TRAINING",
        "就业培训",
        "期",
        Aggregation.SUM,
        Activity,
        "技能培训",
        measure="sessions",
        date="held_on",
        where=(("kind", ("技能培训",)),),
        qualifier="qualifier",
        summary="summary",
        summary_by="kind",
        link="/records/activities",
        says="类型为技能培训的活动按期数（场次）计入举办日期所在年度",
    ),
    Derivation(
        "exchanges",
        "EXCHANGE_EVENTS",
        "中小学交流活动",
        "场次",
        Aggregation.SUM,
        Activity,
        "交往交流活动",
        measure="sessions",
        date="held_on",
        where=(("kind", ("教育交流",)),),
        needs=("schools",),
        qualifier="qualifier",
        summary="summary",
        summary_by="kind",
        link="/records/activities",
        says="类型为教育交流、且有学校参加（参与学校数大于 0）的活动按场次计入举办日期所在年度；"
        "党政代表团互访等其他交往交流不计入",
    ),
    Derivation(
        "patients",
        "PATIENT_VISITS",
        "接诊门诊急症患者",
        "人次",
        Aggregation.SUM,
        Activity,
        "医疗巡诊诊疗",
        measure="patients",
        date="held_on",
        qualifier="qualifier",
        summary="summary",
        summary_by="kind",
        link="/records/activities",
        says="任何类型的活动按诊疗人次计入举办日期所在年度",
    ),
    Derivation(
        "sales",
        "CONSUMPTION_SALES",
        "消费帮扶销售额",
        "元",
        Aggregation.SUM,
        ConsumptionSale,
        "消费帮扶销售",
        measure="amount",
        period="period_id",
        coarse_summaries=True,
        qualifier="qualifier",
        link="/records/sales",
        says="每条消费帮扶销售记录按销售额计入其所属期间（全年合计记为全年）",
    ),
)
