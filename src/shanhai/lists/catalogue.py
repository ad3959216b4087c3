"""The product's lists, each declared once: what the page's search bar offers, what the API accepts as query
parameters, what can be sorted, whose rows a user sees, and what an export writes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, exists, or_, select, true
from sqlalchemy.orm import Session, selectinload

from shanhai.audit.models import AuditLog
from shanhai.audit.service import Action
from shanhai.auth.models import DATA_SCOPE_LABELS, LoginLog, Role, User, user_roles
from shanhai.auth.scope import Actor, visible
from shanhai.auth.service import is_locked
from shanhai.datasets.models import STATUS_LABELS, DataSet, Submission
from shanhai.documents.models import STANDINGS, Document, Source
from shanhai.documents.service import citation_label
from shanhai.indicators.models import (
    AGGREGATION_LABELS,
    NATURE_LABELS,
    DataElement,
    DataValue,
    Indicator,
    Nature,
    Period,
)
from shanhai.indicators.service import approved_only
from shanhai.lib.cnnum import QUALIFIER_LABELS, Qualifier, format_quantity
from shanhai.lib.periods import TYPE_LABELS, PeriodType
from shanhai.lists.spec import (
    Column,
    Filter,
    FilterKind,
    Kind,
    ListSpec,
    between_dates,
    contains,
    equals,
    search,
)
from shanhai.orgunits.models import ORG_KIND_LABELS, OrgKind, OrgUnit
from shanhai.programmes.models import Programme, ProgrammeKind
from shanhai.projects.models import KIND_LABELS, STAGES, Project, ProjectKind


def _units(session: Session, actor: Actor) -> Sequence[tuple[str, str]]:
    """The units the actor may see, in tree order: the choices of a unit filter."""
    units = session.scalars(select(OrgUnit).where(visible(actor, OrgUnit.id)).order_by(OrgUnit.path)).all()
    return [(str(u.id), "　" * (u.level - 1) + u.name) for u in units]


def _programmes(session: Session, actor: Actor) -> Sequence[tuple[str, str]]:
    rows = session.execute(select(Programme.id, Programme.name).order_by(Programme.sort_order, Programme.id))
    return [(str(i), name) for i, name in rows]


def _under(unit_column: Any) -> Any:
    """A unit filter that also keeps the rows of the unit's subtree (选 泉山区: its towns too)."""

    def apply(query: Select[Any], unit_id: str) -> Select[Any]:
        path = select(OrgUnit.path).where(OrgUnit.id == int(unit_id)).scalar_subquery()
        under = select(OrgUnit.id).where(OrgUnit.path.startswith(path))
        return query.where(unit_column.in_(under))

    return apply


# --- 系统管理 ------------------------------------------------------------------------------------------


def _by_visible_users(actor: Actor, username_column: Any) -> Any:
    """An administrator with a unit scope sees the log entries of the users of that scope only (the system's
    own entries and those of unknown names are for administrators of the whole tree)."""
    if actor.scope_all:
        return true()
    return username_column.in_(select(User.username).where(visible(actor, User.org_unit_id)))


AUDIT = ListSpec(
    name="audit",
    title="操作日志",
    module="系统管理",
    permission="audit:view",
    export_permission="audit:export",
    page_url="/admin/audit",
    base=lambda actor: select(AuditLog).where(_by_visible_users(actor, AuditLog.actor)),
    columns=(
        Column("at", "时间", lambda e: e.at, AuditLog.at, Kind.DATETIME, 20),
        Column("actor", "操作人", lambda e: e.actor, AuditLog.actor, width=14),
        Column("ip", "IP", lambda e: e.ip, AuditLog.ip, width=16),
        Column("module", "模块", lambda e: e.module, AuditLog.module, width=12),
        Column("action", "操作", lambda e: e.action, AuditLog.action, width=8),
        Column("object_type", "对象", lambda e: e.object_type, AuditLog.object_type, width=14),
        Column("object_id", "对象编号", lambda e: e.object_id, None, width=10),
        Column("summary", "说明", lambda e: e.summary, None, width=60),
        Column("id", "编号", lambda e: e.id, AuditLog.id, Kind.INT, 8),
    ),
    filters=(
        Filter(
            "module",
            "模块",
            equals(AuditLog.module),
            FilterKind.CHOICE,
            lambda session, actor: [
                (m, m) for m in session.scalars(select(AuditLog.module).distinct().order_by(AuditLog.module))
            ],
        ),
        Filter(
            "action", "操作", equals(AuditLog.action), FilterKind.CHOICE, [(a.value, a.value) for a in Action]
        ),
        Filter("operator", "操作人", equals(AuditLog.actor), placeholder="用户名"),
        Filter("since", "从", between_dates(AuditLog.at, upper=False), FilterKind.DATE),
        Filter("until", "到", between_dates(AuditLog.at, upper=True), FilterKind.DATE),
        Filter("q", "内容", contains(AuditLog.summary), placeholder="说明中的文字"),
    ),
    default_sort="-at",
    tiebreak=AuditLog.id,
)

LOGIN_EVENTS = ("登录成功", "登录失败", "账号锁定", "退出", "拒绝访问")

LOGINS = ListSpec(
    name="logins",
    title="登录日志",
    module="系统管理",
    permission="logins:view",
    export_permission="logins:export",
    page_url="/admin/logins",
    base=lambda actor: select(LoginLog).where(_by_visible_users(actor, LoginLog.username)),
    columns=(
        Column("at", "时间", lambda e: e.at, LoginLog.at, Kind.DATETIME, 20),
        Column("username", "用户名", lambda e: e.username, LoginLog.username, width=14),
        Column("ip", "IP", lambda e: e.ip, LoginLog.ip, width=16),
        Column("event", "事件", lambda e: e.event, LoginLog.event, width=10),
        Column("message", "说明", lambda e: e.message, None, width=50),
    ),
    filters=(
        Filter("username", "用户名", contains(LoginLog.username)),
        Filter("event", "事件", equals(LoginLog.event), FilterKind.CHOICE, [(e, e) for e in LOGIN_EVENTS]),
        Filter("ip", "IP", contains(LoginLog.ip)),
        Filter("since", "从", between_dates(LoginLog.at, upper=False), FilterKind.DATE),
        Filter("until", "到", between_dates(LoginLog.at, upper=True), FilterKind.DATE),
    ),
    default_sort="-at",
    tiebreak=LoginLog.id,
)


def _with_role(query: Select[Any], role_id: str) -> Select[Any]:
    held = exists().where(user_roles.c.user_id == User.id, user_roles.c.role_id == int(role_id))
    return query.where(held)


def _roles(session: Session, actor: Actor) -> Sequence[tuple[str, str]]:
    return [(str(r.id), r.name) for r in session.scalars(select(Role).order_by(Role.id))]


def _user_status(user: User) -> str:
    if not user.is_active:
        return "停用"
    return "已锁定" if is_locked(user) else "正常"


USERS = ListSpec(
    name="users",
    title="用户",
    module="系统管理",
    permission="users:view",
    export_permission="users:export",
    page_url="/admin/users",
    scope=(User.org_unit_id, None),  # an administrator of a district sees that district's users
    base=lambda actor: (
        select(User).join(User.org_unit).options(selectinload(User.roles), selectinload(User.org_unit))
    ),
    columns=(
        Column(
            "username",
            "用户名",
            lambda u: u.username,
            User.username,
            width=14,
            link=lambda u: f"/admin/users/{u.id}",
        ),
        Column("display_name", "姓名", lambda u: u.display_name, User.display_name, width=12),
        Column("org_unit", "所属单位", lambda u: u.org_unit.name, OrgUnit.name, width=20),
        Column("roles", "角色", lambda u: "、".join(sorted(r.name for r in u.roles)), None, width=24),
        Column("status", "状态", _user_status, User.is_active, width=8),
        Column("created_at", "创建时间", lambda u: u.created_at, User.created_at, Kind.DATETIME, 20),
    ),
    filters=(
        search("q", "用户", (User.username, User.display_name), placeholder="用户名或姓名"),
        Filter("unit", "单位", _under(User.org_unit_id), FilterKind.CHOICE, _units),
        Filter("role", "角色", _with_role, FilterKind.CHOICE, _roles),
        Filter(
            "active",
            "状态",
            lambda query, value: query.where(User.is_active.is_(value == "1")),
            FilterKind.CHOICE,
            [("1", "启用"), ("0", "停用")],
        ),
    ),
    default_sort="username",
    tiebreak=User.id,
)

ROLES = ListSpec(
    name="roles",
    title="角色",
    module="系统管理",
    permission="roles:view",
    export_permission="roles:export",
    page_url="/admin/roles",
    base=lambda actor: select(Role).options(selectinload(Role.permission_rows)),
    columns=(
        Column("code", "编码", lambda r: r.code, Role.code, width=16, link=lambda r: f"/admin/roles/{r.id}"),
        Column("name", "名称", lambda r: r.name, Role.name, width=16),
        Column(
            "data_scope",
            "数据范围",
            lambda r: r.data_scope,
            Role.data_scope,
            width=14,
            show=lambda r: DATA_SCOPE_LABELS.get(r.data_scope, r.data_scope),
        ),
        Column("permissions", "权限数", lambda r: len(r.permission_rows), None, Kind.INT, 8),
        Column("description", "说明", lambda r: r.description, None, width=40),
    ),
    filters=(search("q", "角色", (Role.code, Role.name), placeholder="编码或名称"),),
    default_sort="code",
    tiebreak=Role.id,
)

# --- 指标数据 -----------------------------------------------------------------------------------------


def _value_display(v: DataValue) -> str:
    return format_quantity(v.value, v.data_element.unit, v.qualifier)


def _year(query: Select[Any], year: int) -> Select[Any]:
    return query.where(and_(Period.end_date >= date(year, 1, 1), Period.end_date <= date(year, 12, 31)))


def _groups(session: Session, actor: Actor) -> Sequence[tuple[str, str]]:
    found = session.scalars(select(DataElement.group).distinct().order_by(DataElement.group))
    return [(g, g) for g in found if g]


ELEMENT, UNIT, PERIOD = (DataValue.data_element,), (DataValue.org_unit,), (DataValue.period,)

VALUES = ListSpec(
    name="values",
    title="指标数据",
    module="指标",
    permission="indicators:view",
    export_permission="indicators:export",
    page_url="/values",
    # no joins here: a filter or a sort joins what it needs, so the count and the newest page of 1M values
    # read the values table and its indexes only
    base=lambda actor: (
        select(DataValue)
        .where(*approved_only(actor))  # a report's values before its approval: entry users and approvers only
        .options(
            selectinload(DataValue.org_unit),
            selectinload(DataValue.data_element),
            selectinload(DataValue.period),
            selectinload(DataValue.programme),
            selectinload(DataValue.source).selectinload(Source.document),
        )
    ),
    scope=(DataValue.org_unit_id, DataValue.created_by_id),
    columns=(
        Column("element", "指标", lambda v: v.data_element.name, DataElement.name, width=24, joins=ELEMENT),
        Column(
            "element_code",
            "指标编码",
            lambda v: v.data_element.code,
            DataElement.code,
            width=16,
            joins=ELEMENT,
        ),
        Column("org_unit", "单位（地区）", lambda v: v.org_unit.name, OrgUnit.name, width=16, joins=UNIT),
        Column(
            "programme", "重点工作", lambda v: v.programme.short_name if v.programme else "", None, width=10
        ),
        Column("period", "期间", lambda v: v.period.name, DataValue.period_id, width=14),
        Column("kind", "类别", lambda v: "目标" if v.kind == "target" else "实际", DataValue.kind, width=6),
        Column("value", "数值", lambda v: v.value, DataValue.value, Kind.NUMBER, 16, show=_value_display),
        Column("unit", "计量单位", lambda v: v.data_element.unit, None, width=8),
        Column(
            "qualifier",
            "限定",
            lambda v: QUALIFIER_LABELS[Qualifier(v.qualifier)],
            DataValue.qualifier,
            width=8,
        ),
        Column("source", "出处", lambda v: citation_label(v.source), None, width=40),
        Column(
            "id", "编号", lambda v: v.id, DataValue.id, Kind.INT, 8, link=lambda v: f"/values/{v.id}/edit"
        ),
    ),
    filters=(
        search("q", "指标", (DataElement.name, DataElement.code), placeholder="名称或编码", joins=ELEMENT),
        Filter("year", "年度", _year, FilterKind.YEAR, placeholder="2025", joins=PERIOD),
        Filter("unit", "单位", _under(DataValue.org_unit_id), FilterKind.CHOICE, _units),
        Filter("programme", "重点工作", equals(DataValue.programme_id), FilterKind.CHOICE, _programmes),
        Filter("group", "分组", equals(DataElement.group), FilterKind.CHOICE, _groups, joins=ELEMENT),
        Filter(
            "kind",
            "类别",
            equals(DataValue.kind),
            FilterKind.CHOICE,
            [("actual", "实际"), ("target", "目标")],
        ),
    ),
    default_sort="-id",
    tiebreak=DataValue.id,
)

# --- 重点工作与项目 -----------------------------------------------------------------------------------

PROGRAMMES = ListSpec(
    name="programmes",
    title="重点工作",
    module="重点工作",
    permission="programmes:view",
    export_permission="programmes:export",
    page_url="/programmes",
    base=lambda actor: (
        select(Programme)
        .join(Programme.lead_org_unit)
        .options(selectinload(Programme.places), selectinload(Programme.lead_org_unit))
    ),
    columns=(
        Column(
            "name", "名称", lambda p: p.name, Programme.name, width=24, link=lambda p: f"/programmes/{p.id}"
        ),
        Column("short_name", "简称", lambda p: p.short_name, Programme.short_name, width=10),
        Column("kind", "类型", lambda p: p.kind, Programme.kind, width=12),
        Column("places", "对口地区", lambda p: "、".join(pl.name for pl in p.places), None, width=30),
        Column("lead", "牵头单位", lambda p: p.lead_org_unit.name, OrgUnit.name, width=16),
        Column("start_year", "起始年", lambda p: p.start_year, Programme.start_year, Kind.INT, 8),
        Column("end_year", "结束年", lambda p: p.end_year, Programme.end_year, Kind.INT, 8),
        Column("sort_order", "排序", lambda p: p.sort_order, Programme.sort_order, Kind.INT, 6),
    ),
    filters=(
        search("q", "名称", (Programme.name, Programme.code)),
        Filter(
            "kind",
            "类型",
            equals(Programme.kind),
            FilterKind.CHOICE,
            [(k.value, k.value) for k in ProgrammeKind],
        ),
    ),
    default_sort="sort_order",
    tiebreak=Programme.id,
)

STAGE_CHOICES = [
    (s, s) for s in dict.fromkeys([*STAGES[ProjectKind.AID], *STAGES[ProjectKind.INVESTMENT], "终止"])
]

PROJECTS = ListSpec(
    name="projects",
    title="项目",
    module="项目",
    permission="projects:view",
    export_permission="projects:export",
    page_url="/projects",
    base=lambda actor: (
        select(Project)
        .join(Project.org_unit)
        .options(
            selectinload(Project.org_unit),
            selectinload(Project.programme),
            selectinload(Project.source).selectinload(Source.document),
        )
    ),
    scope=(Project.org_unit_id, Project.created_by_id),
    columns=(
        Column("code", "编码", lambda p: p.code, Project.code, width=14),
        Column(
            "name", "项目名称", lambda p: p.name, Project.name, width=32, link=lambda p: f"/projects/{p.id}"
        ),
        Column("kind", "类型", lambda p: KIND_LABELS[ProjectKind(p.kind)], Project.kind, width=10),
        Column("stage", "阶段", lambda p: p.stage, Project.stage, width=8),
        Column("org_unit", "责任单位", lambda p: p.org_unit.name, OrgUnit.name, width=16),
        Column(
            "programme", "重点工作", lambda p: p.programme.short_name if p.programme else "", None, width=10
        ),
        Column("investment", "投资额", lambda p: p.investment, Project.investment, Kind.MONEY, 14),
        Column("partners", "合作方", lambda p: p.partners, None, width=24),
    ),
    filters=(
        search("q", "项目", (Project.name, Project.code), placeholder="名称或编码"),
        Filter(
            "kind",
            "类型",
            equals(Project.kind),
            FilterKind.CHOICE,
            [(k.value, v) for k, v in KIND_LABELS.items()],
        ),
        Filter("stage", "阶段", equals(Project.stage), FilterKind.CHOICE, STAGE_CHOICES),
        Filter("unit", "单位", _under(Project.org_unit_id), FilterKind.CHOICE, _units),
        Filter("programme", "重点工作", equals(Project.programme_id), FilterKind.CHOICE, _programmes),
    ),
    default_sort="code",
    tiebreak=Project.id,
)

# --- 数据填报 -----------------------------------------------------------------------------------------

SUBMISSIONS = ListSpec(
    name="submissions",
    title="报表",
    module="数据填报",
    permission="indicators:view",
    export_permission="indicators:export",
    page_url="/datasets/submissions",
    base=lambda actor: (
        select(Submission)
        .join(Submission.data_set)
        .join(Submission.org_unit)
        .join(Period, Period.id == Submission.period_id)
        .options(selectinload(Submission.data_set), selectinload(Submission.org_unit))
    ),
    scope=(Submission.org_unit_id, Submission.submitted_by_id),
    columns=(
        Column(
            "data_set",
            "数据集",
            lambda s: s.data_set.name,
            DataSet.name,
            width=20,
            link=lambda s: (
                f"/datasets/{s.data_set_id}/entry?org_unit_id={s.org_unit_id}&period_id={s.period_id}"
            ),
        ),
        Column("org_unit", "填报单位", lambda s: s.org_unit.name, OrgUnit.name, width=16),
        Column("period", "期间", lambda s: s.period_id, Period.start_date, width=10),
        Column("status", "状态", lambda s: STATUS_LABELS.get(s.status, s.status), Submission.status, width=8),
        Column(
            "submitted_at", "提交时间", lambda s: s.submitted_at, Submission.submitted_at, Kind.DATETIME, 20
        ),
        Column("decided_at", "审核时间", lambda s: s.decided_at, Submission.decided_at, Kind.DATETIME, 20),
        Column("decided_by", "审核人", lambda s: s.decided_by, None, width=12),
        Column("comment", "意见", lambda s: s.comment, None, width=30),
    ),
    filters=(
        Filter(
            "data_set",
            "数据集",
            equals(Submission.data_set_id),
            FilterKind.CHOICE,
            lambda session, actor: [
                (str(d.id), d.name) for d in session.scalars(select(DataSet).order_by(DataSet.id))
            ],
        ),
        Filter(
            "status",
            "状态",
            equals(Submission.status),
            FilterKind.CHOICE,
            [(k.value, v) for k, v in STATUS_LABELS.items()],
        ),
        Filter("unit", "单位", _under(Submission.org_unit_id), FilterKind.CHOICE, _units),
        Filter("period", "期间", contains(Submission.period_id), placeholder="如 202506"),
    ),
    default_sort="-submitted_at",
    tiebreak=Submission.id,
)

# --- 基础设置（自助管理）-------------------------------------------------------------------------------

ORG_UNITS = ListSpec(
    name="orgunits",
    title="组织机构",
    module="部门管理",
    permission="orgunits:view",
    export_permission="orgunits:export",
    page_url="/admin/orgunits",
    base=lambda actor: select(OrgUnit),
    scope=(OrgUnit.id, None),
    columns=(
        Column(
            "name",
            "名称",
            lambda u: u.name,
            OrgUnit.path,
            width=24,
            show=lambda u: "　" * (u.level - 1) + u.name,
            link=lambda u: f"/admin/orgunits/{u.id}",
        ),
        Column("code", "编码", lambda u: u.code, OrgUnit.code, width=16),
        Column(
            "kind", "类型", lambda u: ORG_KIND_LABELS.get(OrgKind(u.kind), u.kind), OrgUnit.kind, width=12
        ),
        Column("level", "层级", lambda u: u.level, OrgUnit.level, Kind.INT, 6),
        Column("sort_order", "排序", lambda u: u.sort_order, OrgUnit.sort_order, Kind.INT, 6),
        Column("closed", "状态", lambda u: "已撤销" if u.closed else "正常", OrgUnit.closed, width=8),
    ),
    filters=(
        search("q", "名称", (OrgUnit.name, OrgUnit.code), placeholder="名称或编码"),
        Filter("under", "上级", _under(OrgUnit.id), FilterKind.CHOICE, _units),
        Filter(
            "kind",
            "类型",
            equals(OrgUnit.kind),
            FilterKind.CHOICE,
            [(k.value, v) for k, v in ORG_KIND_LABELS.items()],
        ),
        Filter(
            "closed",
            "状态",
            lambda query, value: query.where(OrgUnit.closed.is_(value == "1")),
            FilterKind.CHOICE,
            [("0", "正常"), ("1", "已撤销")],
        ),
    ),
    default_sort="name",
    tiebreak=OrgUnit.id,
)

ELEMENTS = ListSpec(
    name="elements",
    title="数据元",
    module="指标体系",
    permission="elements:view",
    export_permission="elements:export",
    page_url="/admin/elements",
    base=lambda actor: select(DataElement),
    columns=(
        Column(
            "code",
            "编码",
            lambda e: e.code,
            DataElement.code,
            width=22,
            link=lambda e: f"/admin/elements/{e.id}",
        ),
        Column("name", "名称", lambda e: e.name, DataElement.name, width=24),
        Column("unit", "计量单位", lambda e: e.unit, DataElement.unit, width=8),
        Column(
            "aggregation",
            "汇总方式",
            lambda e: AGGREGATION_LABELS.get(e.aggregation, e.aggregation),
            DataElement.aggregation,
            width=10,
        ),
        Column(
            "nature",
            "数据性质",
            lambda e: NATURE_LABELS.get(Nature(e.nature), e.nature) if e.nature in set(Nature) else e.nature,
            DataElement.nature,
            width=12,
        ),
        Column(
            "grain",
            "统计期间",
            lambda e: f"按{TYPE_LABELS[PeriodType(e.grain)]}" if e.grain in set(PeriodType) else e.grain,
            DataElement.grain,
            width=8,
        ),
        Column("group", "分组", lambda e: e.group, DataElement.group, width=12),
        Column("category", "分类", lambda e: e.category, None, width=10),
        Column("options", "分类选项", lambda e: e.category_options, None, width=20),
    ),
    filters=(
        search("q", "数据元", (DataElement.name, DataElement.code), placeholder="名称或编码"),
        Filter("group", "分组", equals(DataElement.group), FilterKind.CHOICE, _groups),
    ),
    default_sort="code",
    tiebreak=DataElement.id,
)

INDICATORS = ListSpec(
    name="indicators",
    title="指标",
    module="指标体系",
    permission="elements:view",
    export_permission="elements:export",
    page_url="/admin/indicators",
    base=lambda actor: select(Indicator),
    columns=(
        Column(
            "code",
            "编码",
            lambda i: i.code,
            Indicator.code,
            width=22,
            link=lambda i: f"/admin/indicators/{i.id}",
        ),
        Column("name", "名称", lambda i: i.name, Indicator.name, width=24),
        Column("formula", "公式", lambda i: i.formula, None, width=40),
        Column("unit", "单位", lambda i: i.unit, None, width=8),
        Column("decimals", "小数位", lambda i: i.decimals, None, Kind.INT, 8),
    ),
    filters=(search("q", "指标", (Indicator.name, Indicator.code), placeholder="名称或编码"),),
    default_sort="code",
    tiebreak=Indicator.id,
)

DATA_SETS = ListSpec(
    name="datasets",
    title="数据集",
    module="数据填报",
    permission="datasets:view",
    export_permission="datasets:export",
    page_url="/admin/datasets",
    base=lambda actor: select(DataSet).options(selectinload(DataSet.elements), selectinload(DataSet.units)),
    columns=(
        Column(
            "code", "编码", lambda d: d.code, DataSet.code, width=16, link=lambda d: f"/admin/datasets/{d.id}"
        ),
        Column("name", "名称", lambda d: d.name, DataSet.name, width=24),
        Column(
            "period_type",
            "报送周期",
            lambda d: TYPE_LABELS.get(d.period_type, d.period_type),
            DataSet.period_type,
            width=8,
        ),
        Column("due_day", "截止日", lambda d: d.due_day, DataSet.due_day, Kind.INT, 8),
        Column("elements", "数据元", lambda d: len(d.elements), None, Kind.INT, 8),
        Column("units", "填报单位", lambda d: len(d.units), None, Kind.INT, 8),
    ),
    filters=(search("q", "数据集", (DataSet.name, DataSet.code)),),
    default_sort="code",
    tiebreak=DataSet.id,
)

# --- 报告文档 -------------------------------------------------------------------------------------------

DOCUMENTS = ListSpec(
    name="documents",
    title="报告文档",
    module="报告文档",
    permission="documents:view",
    export_permission="documents:view",
    page_url="/documents",
    # the demo's reports belong to no unit (everyone's); an uploaded one is in its unit's scope
    base=lambda actor: select(Document).where(
        or_(Document.org_unit_id.is_(None), visible(actor, Document.org_unit_id, Document.uploaded_by_id))
    ),
    columns=(
        Column(
            "title", "标题", lambda d: d.title, Document.title, width=40, link=lambda d: f"/documents/{d.id}"
        ),
        Column("publisher", "发布单位", lambda d: d.publisher, Document.publisher, width=16),
        Column(
            "standing", "类别", lambda d: STANDINGS.get(d.standing, d.standing), Document.standing, width=12
        ),
        Column("published_on", "发布日期", lambda d: d.published_on, Document.published_on, Kind.DATE, 12),
        Column("file_name", "文件", lambda d: d.file_name or "（仅有描述）", Document.file_name, width=24),
        Column("char_count", "字数", lambda d: d.char_count, Document.char_count, Kind.INT, 8),
        Column("created_at", "登记时间", lambda d: d.created_at, Document.created_at, Kind.DATETIME, 18),
    ),
    filters=(
        search(
            "q", "文档", (Document.title, Document.publisher, Document.file_name), placeholder="标题或文件名"
        ),
    ),
    default_sort="-created_at",
    tiebreak=Document.id,
)

SPECS: dict[str, ListSpec] = {
    spec.name: spec
    for spec in (
        AUDIT,
        LOGINS,
        USERS,
        ROLES,
        VALUES,
        PROGRAMMES,
        PROJECTS,
        SUBMISSIONS,
        ORG_UNITS,
        ELEMENTS,
        INDICATORS,
        DATA_SETS,
        DOCUMENTS,
    )
}
