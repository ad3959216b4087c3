"""The registers of the programme work, each declared once: its fields (how a typed value is read and checked,
naming the field), the rules across fields, and what a change recounts. One create / update / delete serves
every register and every door (API, page, demo loader): permission, data scope, version, audit, and the
derived values (operations.derive) in the same transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from shanhai.audit.service import Action, record
from shanhai.auth.scope import Actor, check_can_create, check_visible
from shanhai.db import same_version, savepoint, serialize, unique_or
from shanhai.errors import Conflict, Invalid, NotFound
from shanhai.indicators.service import ensure_period
from shanhai.lib.beijing import today
from shanhai.lifecycle.service import move
from shanhai.operations import derive
from shanhai.operations.fields import (
    ID_NUMBER,
    PHONE,
    Field,
    choices_of,
    mask,
    read_field,
    visible_record,
)
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
from shanhai.projects.models import CATEGORIES, DONE_STAGES, KIND_LABELS, STAGES, Project, ProjectKind
from shanhai.projects.service import MACHINES, TERMINATED

MODULE = "工作台账"


@dataclass(frozen=True)
class RecordType:
    name: str  # the register's id: /records/{name}, /api/v1/records/{name}
    noun: str  # 人员
    model: type[Any]
    fields: tuple[Field, ...]
    title: Callable[[Any], str]
    module: str = "records"  # the permissions' module
    # cross-field rules and derived fields, on the record with its new values (and its values before)
    check: Callable[[Session, Actor, Any, dict[str, Any] | None], None] | None = None
    created: Callable[[Session, Actor, Any], None] | None = None

    def field(self, key: str) -> Field | None:
        return next((f for f in self.fields if f.key == key), None)


def _plan_unit(session: Session, obj: Any) -> FundPlan:
    """A tranche or disbursement belongs to its plan's place and programme (its scope and its cells); what
    is checked against the plan from here on sees the plan's other tranches and payments as they are (two
    sent at once run one after the other)."""
    plan = session.get_one(FundPlan, obj.plan_id)
    serialize(session, f"plan:{plan.id}")
    obj.org_unit_id, obj.programme_id = plan.org_unit_id, plan.programme_id
    if isinstance(obj, Disbursement):
        obj.plan_year = plan.year  # a payment counts against its plan's year (operations.derive)
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


def _project_created(session: Session, actor: Actor, p: Project) -> None:
    first = STAGES[ProjectKind(p.kind)][0]
    machine = MACHINES[ProjectKind(p.kind)]
    move(session=session, actor=actor, machine=machine, obj=p, to=first, what=f"项目“{p.name}”", new=True)


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

TYPES: dict[str, RecordType] = {
    t.name: t
    for t in (
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
            check=_check_park,
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
            check=_check_sale,
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
                Field("responsible_person", "包挂责任人", max_length=64),
                Field("progress", "形象进度（%）", "int", low=0, high=100),
                Field("description", "说明", "textarea", max_length=4000),
            ),
            title=lambda p: p.name,
            module="projects",
            check=_check_project,
            created=_project_created,
        ),
    )
}


def get_type(name: str) -> RecordType:
    try:
        return TYPES[name]
    except KeyError:
        raise NotFound(f"没有名为“{name[:40]}”的台账", field="kind") from None


def type_of(model: type[Any]) -> RecordType:
    return next(t for t in TYPES.values() if t.model is model)


def get_record(*, session: Session, actor: Actor, rtype: RecordType, record_id: int) -> Any:
    actor.require(f"{rtype.module}:view")
    obj = session.get(rtype.model, record_id)
    if obj is None:
        raise NotFound(f"{rtype.noun}不存在或不在您的数据范围内", field="id")
    check_visible(actor, obj.org_unit, obj.created_by_id, what=rtype.noun)
    return obj


def shown(rtype: RecordType, obj: Any, actor: Actor) -> dict[str, Any]:
    """A record as its pages and the API show it: sensitive fields masked without people:sensitive."""
    out: dict[str, Any] = {"id": obj.id, "version": obj.version, "title": rtype.title(obj)}
    see_all = actor.can("people:sensitive")
    for f in rtype.fields:
        value = getattr(obj, f.key)
        if f.sensitive and not see_all:
            value = mask(value or "")
        out[f.key] = value
    out["org_unit"] = obj.org_unit.name
    return out


def _audit_view(rtype: RecordType, values: Mapping[str, Any]) -> dict[str, Any]:
    """What the audit log keeps of a record: every field, sensitive ones masked, as text."""
    out = {}
    for f in rtype.fields:
        value = values.get(f.key)
        out[f.key] = mask(str(value or "")) if f.sensitive else (None if value is None else str(value))
    return out


def _read(
    session: Session, actor: Actor, rtype: RecordType, raw: Mapping[str, Any], *, new: bool
) -> dict[str, Any]:
    unknown = set(raw) - {f.key for f in rtype.fields} - {"version", "csrf_token"}
    if unknown:
        raise Invalid(f"未知的字段：{'、'.join(sorted(unknown))[:200]}", field=sorted(unknown)[0])
    values = {}
    for f in rtype.fields:
        if not new and not f.editable:
            continue
        if f.key not in raw and not new:
            continue  # an update may send only what changes (a form sends its unticked boxes as empty)
        values[f.key] = read_field(session, actor, f, raw.get(f.key))
    return values


VERBS = {Action.CREATE: "新增", Action.UPDATE: "修改", Action.DELETE: "删除"}


def _changed(
    session: Session,
    actor: Actor,
    rtype: RecordType,
    action: Action,
    record_id: int,
    title: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> None:
    """A record went from `before` to `after` (None: it did not exist): the audit entry, then the derived
    values it left and entered."""
    record(
        session=session,
        actor=actor,
        module=MODULE,
        action=action,
        object_type=rtype.name,
        object_id=record_id,
        summary=f"{VERBS[action]}{rtype.noun}：{title}"[:500],
        before=_audit_view(rtype, before) if before is not None else None,
        after=_audit_view(rtype, after) if after is not None else None,
    )
    derive.refresh(session=session, actor=actor, model=rtype.model, before=before, after=after)


def _check_unit(session: Session, actor: Actor, obj: Any, rtype: RecordType) -> None:
    unit = session.get_one(OrgUnit, obj.org_unit_id)
    check_can_create(actor, unit, what=rtype.noun)
    obj.org_unit = unit
    for key in ("place_unit_id",):
        if hasattr(obj, key) and getattr(obj, key) is not None:
            check_can_create(actor, session.get_one(OrgUnit, getattr(obj, key)), what=rtype.noun)


def create(*, session: Session, actor: Actor, rtype: RecordType, raw: Mapping[str, Any]) -> Any:
    actor.require(f"{rtype.module}:create")
    values = _read(session, actor, rtype, raw, new=True)
    obj = rtype.model(**values, created_by_id=actor.user_id)
    if rtype.check:
        rtype.check(session, actor, obj, None)
    _check_unit(session, actor, obj, rtype)
    conflict = Conflict(f"{rtype.noun}已存在（编号或年度重复），请修改原记录", field=rtype.fields[0].key)
    with unique_or(conflict), savepoint(session):
        session.add(obj)
        session.flush()
    if rtype.created:
        rtype.created(session, actor, obj)
    after = derive.snapshot(obj)
    _changed(session, actor, rtype, Action.CREATE, obj.id, rtype.title(obj), None, after)
    return obj


def update(
    *, session: Session, actor: Actor, rtype: RecordType, record_id: int, raw: Mapping[str, Any]
) -> Any:
    actor.require(f"{rtype.module}:edit")
    obj = get_record(session=session, actor=actor, rtype=rtype, record_id=record_id)
    same_version(obj.version, raw.get("version"), rtype.noun)
    for f in rtype.fields:  # fixed once saved: sending another value is refused, not ignored
        if (
            not f.editable
            and f.key in raw
            and read_field(session, actor, f, raw[f.key]) != getattr(obj, f.key)
        ):
            raise Invalid(f"{f.label}保存后不能修改", field=f.key)
    values = _read(session, actor, rtype, raw, new=False)
    if not actor.can("people:sensitive"):  # they saw these masked: what comes back is not a new value
        hidden = {f.key for f in rtype.fields if f.sensitive}
        values = {k: v for k, v in values.items() if k not in hidden}
    before = derive.snapshot(obj)
    for key, value in values.items():
        setattr(obj, key, value)
    if rtype.check:
        rtype.check(session, actor, obj, before)
    if any(getattr(obj, k, None) != before.get(k) for k in ("org_unit_id", "place_unit_id")):
        _check_unit(session, actor, obj, rtype)  # a record moved: the new units must be the actor's
    session.flush()
    after = derive.snapshot(obj)
    if after == before:
        return obj
    _changed(session, actor, rtype, Action.UPDATE, obj.id, rtype.title(obj), before, after)
    return obj


def _paid_into(session: Session, tranche: Tranche) -> bool:
    """Whether payments earmarked for the tranche, or flowing into it in due-date order, reached it."""
    from shanhai.operations.funds import fill  # funds reads the registers' declarations: import when used

    plan = session.get_one(FundPlan, tranche.plan_id)
    payments = list(session.scalars(select(Disbursement).where(Disbursement.plan_id == plan.id)))
    dues, _ = fill(plan, payments)
    return any(d.id == tranche.id and d.paid > 0 for d in dues) or any(
        p.tranche_id == tranche.id for p in payments
    )


def delete(*, session: Session, actor: Actor, rtype: RecordType, record_id: int, version: Any) -> None:
    actor.require(f"{rtype.module}:delete")
    obj = get_record(session=session, actor=actor, rtype=rtype, record_id=record_id)
    same_version(obj.version, version, rtype.noun)
    before = derive.snapshot(obj)
    title = rtype.title(obj)
    if isinstance(obj, Tranche) and _paid_into(session, obj):
        raise Conflict(f"{rtype.noun}“{title}”已有拨付记录，不能删除", field="id")
    with unique_or(Conflict(f"{rtype.noun}“{title}”仍被其他记录引用，不能删除", field="id")):
        session.delete(obj)
        session.flush()
    _changed(session, actor, rtype, Action.DELETE, record_id, title, before, None)


def move_project(
    *, session: Session, actor: Actor, project_id: int, to: str, note: str, version: int
) -> Project:
    """A project moves on its lifecycle; reaching 完工 (or 投产) dates its completion, and the counts derived
    from projects follow."""
    actor.require("projects:edit")  # without it: 403, whether or not the project is in scope
    project = projects.get_project(session=session, actor=actor, project_id=project_id)
    before = derive.snapshot(project)
    projects.move_project(
        session=session, actor=actor, project_id=project_id, to=to, note=note, version=version
    )
    if to in DONE_STAGES and project.completed_on is None:
        project.completed_on = today()
    if to == TERMINATED:
        project.completed_on = None
    session.flush()
    derive.refresh(session=session, actor=actor, model=Project, before=before, after=derive.snapshot(project))
    return project
