"""Pages of the office's set-up (基础设置): the organisation tree, programmes and places, data elements,
indicators and annual targets, data sets, and new, copied or deleted roles. Each register is a list of the kit
with forms that keep what was typed; the services check permissions, scope and every field."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from shanhai.auth.models import DATA_SCOPE_LABELS, DataScope
from shanhai.auth.scope import Actor
from shanhai.auth.service import get_role
from shanhai.auth.sessions import claim_form, settle_form
from shanhai.errors import Invalid, ShanhaiError
from shanhai.flows import values as values_flow
from shanhai.http.deps import ActorDep, CommitRoute, FormDep, IdPath, SessionDep
from shanhai.indicators.models import AGGREGATION_LABELS, NATURE_LABELS, DataElement, ValueKind
from shanhai.indicators.service import parse_number
from shanhai.lib.cnnum import QUALIFIER_LABELS, Qualifier
from shanhai.lib.periods import FINENESS, TYPE_LABELS
from shanhai.lists import catalogue
from shanhai.lists.spec import ListSpec
from shanhai.orgunits.models import ORG_KIND_LABELS, OrgUnit
from shanhai.programmes.models import Place, Programme, ProgrammeKind
from shanhai.setup import datasets as ds_setup
from shanhai.setup import metadata, orgunits, programmes, roles
from shanhai.web.forms import Field, Form, programme_choices, show_form, unit_choices
from shanhai.web.lists import render_list
from shanhai.web.render import recoverable

router = APIRouter(route_class=CommitRoute, default_response_class=HTMLResponse, include_in_schema=False)


def _elements(session: Session, actor: Actor) -> list[tuple[str, str]]:
    found = session.scalars(select(DataElement).order_by(DataElement.group, DataElement.code))
    return [(str(e.id), f"{e.name}（{e.code}，{e.unit}）") for e in found]


def _element_codes(session: Session, actor: Actor) -> list[tuple[str, str]]:
    found = session.scalars(select(DataElement).order_by(DataElement.group, DataElement.code))
    return [(e.code, f"{e.name}（{e.code}，{e.unit}）") for e in found]


def _places(session: Session, actor: Actor) -> list[tuple[str, str]]:
    return [(str(p.id), p.full_name) for p in session.scalars(select(Place).order_by(Place.id))]


CODE = Field(
    "code", "编码", required=True, max_length=64, help="字母、数字、下划线、点或连字符，保存后不能修改"
)
KIND_CHOICES = [(k.value, v) for k, v in ORG_KIND_LABELS.items()]


def _done(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _post(
    request: Request,
    session: Session,
    actor: Actor,
    form: Form,
    posted: dict[str, list[str]],
    *,
    permission: str,
    call: Callable[[dict[str, Any]], Any],
    success: Callable[[Any], str],
    again: Callable[[dict[str, Any], ShanhaiError], Response],
) -> Response:
    """Read the form, call the service; on an error the user can correct, undo and show the form again
    with what was typed and the error beside its field. Without the permission nothing is read: 403."""
    actor.require(permission)
    shown: dict[str, Any] = {}
    token = (posted.get("form_token") or [""])[0]
    earlier = claim_form(session=session, actor=actor, token=token)
    if earlier is not None:  # the same new-record form sent again: done once already
        return _done(earlier.result_url or "/")
    try:
        typed, shown = form.read(posted)
        url = success(call(typed))
        settle_form(session=session, token=token, result_url=url)
        return _done(url)
    except ShanhaiError as exc:
        recoverable(exc, session)
        if not shown:
            shown = {k: (v[0] if len(v) == 1 else v) for k, v in posted.items() if k != "csrf_token"}
        return again({**shown, "form_token": token}, exc)


# --- 部门管理 -----------------------------------------------------------------------------------------

UNIT_FIELDS = (
    Field("name", "名称", required=True, max_length=128),
    Field("kind", "类型", "choice", required=True, choices=KIND_CHOICES),
    Field(
        "parent_id",
        "上级单位",
        "choice_int",
        choices=unit_choices,
        help="移动单位时，其下级与已有数据随之移动",
    ),
    Field("sort_order", "排序", "int", placeholder="0"),
)
NEW_UNIT = Form("新增单位", (CODE, *UNIT_FIELDS), hidden=())
EDIT_UNIT = Form("编辑单位", UNIT_FIELDS)


@router.get("/admin/orgunits", summary="部门管理")
def orgunits_page(request: Request, session: SessionDep, actor: ActorDep) -> Response:
    actions = [("新增单位", "/admin/orgunits/new")] if actor.can("orgunits:create") else []
    return render_list(request, session, actor, catalogue.ORG_UNITS, heading="部门管理", actions=actions)


def _unit_form(
    request: Request,
    session: Session,
    actor: Actor,
    unit: OrgUnit | None,
    shown: dict[str, Any],
    error: ShanhaiError | None = None,
) -> Response:
    if unit is None:
        return show_form(
            request,
            session,
            actor,
            NEW_UNIT,
            action="/admin/orgunits/new",
            shown=shown,
            error=error,
            back="/admin/orgunits",
            json_url="/api/v1/lists/orgunits",
        )
    buttons = []
    if actor.can("orgunits:delete"):
        buttons.append(
            ("恢复单位", f"/admin/orgunits/{unit.id}/reopen", "")
            if unit.closed
            else (
                "撤销单位",
                f"/admin/orgunits/{unit.id}/close",
                f"撤销“{unit.name}”？其数据保留，但不能再录入新数据。",
            )
        )
    return show_form(
        request,
        session,
        actor,
        EDIT_UNIT,
        action=f"/admin/orgunits/{unit.id}",
        shown=shown,
        error=error,
        back="/admin/orgunits",
        json_url=f"/api/v1/orgunits/{unit.id}",
        heading=f"编辑单位 {unit.name}（{unit.code}）" + ("【已撤销】" if unit.closed else ""),
        buttons=buttons,
    )


@router.get("/admin/orgunits/new", summary="新增单位")
def new_unit_page(request: Request, session: SessionDep, actor: ActorDep) -> Response:
    actor.require("orgunits:create")
    parent = str(actor.org_unit_id or "")
    return _unit_form(request, session, actor, None, {"kind": "unit", "parent_id": parent, "sort_order": "0"})


@router.post("/admin/orgunits/new", summary="新增单位")
def create_unit(request: Request, session: SessionDep, actor: ActorDep, posted: FormDep) -> Response:
    return _post(
        request,
        session,
        actor,
        NEW_UNIT,
        posted,
        permission="orgunits:create",
        call=lambda v: orgunits.create_unit(
            session=session,
            actor=actor,
            code_=v["code"],
            name=v["name"],
            kind=v["kind"],
            parent_id=v["parent_id"],
            sort_order=v["sort_order"],
        ),
        success=lambda unit: f"/admin/orgunits/{unit.id}",
        again=lambda shown, exc: _unit_form(request, session, actor, None, shown, exc),
    )


def _unit_shown(unit: OrgUnit) -> dict[str, Any]:
    return {
        "name": unit.name,
        "kind": unit.kind,
        "parent_id": str(unit.parent_id or ""),
        "sort_order": str(unit.sort_order),
        "version": str(unit.version),
    }


@router.get("/admin/orgunits/{unit_id}", summary="编辑单位")
def edit_unit_page(unit_id: IdPath, request: Request, session: SessionDep, actor: ActorDep) -> Response:
    unit = orgunits.get_unit(session=session, actor=actor, unit_id=unit_id)
    return _unit_form(request, session, actor, unit, _unit_shown(unit))


@router.post("/admin/orgunits/{unit_id}", summary="保存单位")
def update_unit(
    unit_id: IdPath, request: Request, session: SessionDep, actor: ActorDep, posted: FormDep
) -> Response:
    unit = orgunits.get_unit(session=session, actor=actor, unit_id=unit_id)
    return _post(
        request,
        session,
        actor,
        EDIT_UNIT,
        posted,
        permission="orgunits:edit",
        call=lambda v: orgunits.update_unit(
            session=session,
            actor=actor,
            unit_id=unit_id,
            version=v["version"],
            name=v["name"],
            kind=v["kind"],
            parent_id=v["parent_id"],
            sort_order=v["sort_order"],
        ),
        success=lambda u: f"/admin/orgunits/{u.id}",
        again=lambda shown, exc: _unit_form(request, session, actor, unit, shown, exc),
    )


def _close(
    unit_id: int, request: Request, session: Session, actor: Actor, posted: dict[str, list[str]], closed: bool
) -> Response:
    unit = orgunits.get_unit(session=session, actor=actor, unit_id=unit_id)
    version_text = (posted.get("version") or [""])[0]
    version = (
        int(version_text)
        if version_text.isascii() and version_text.isdigit() and len(version_text) < 10
        else None
    )
    try:
        orgunits.close_unit(session=session, actor=actor, unit_id=unit_id, version=version, closed=closed)
    except ShanhaiError as exc:
        recoverable(exc, session)
        return _unit_form(request, session, actor, unit, _unit_shown(unit), exc)
    return _done(f"/admin/orgunits/{unit_id}")


@router.post("/admin/orgunits/{unit_id}/close", summary="撤销单位")
def close_unit(
    unit_id: IdPath, request: Request, session: SessionDep, actor: ActorDep, posted: FormDep
) -> Response:
    return _close(unit_id, request, session, actor, posted, True)


@router.post("/admin/orgunits/{unit_id}/reopen", summary="恢复单位")
def reopen_unit(
    unit_id: IdPath, request: Request, session: SessionDep, actor: ActorDep, posted: FormDep
) -> Response:
    return _close(unit_id, request, session, actor, posted, False)


# --- 重点工作与对口地区 ---------------------------------------------------------------------------------

PROGRAMME_FIELDS = (
    Field("name", "名称", required=True, max_length=128),
    Field("short_name", "简称", required=True, max_length=32, help="卡片和图表上显示，如 援疆"),
    Field("kind", "类型", "choice", required=True, choices=[(k.value, k.value) for k in ProgrammeKind]),
    Field("lead_org_unit_id", "牵头单位", "choice_int", required=True, choices=unit_choices),
    Field(
        "place_ids", "对口地区", "multi", choices=_places, help="按住 Ctrl 可多选；没有的地区先“新增对口地区”"
    ),
    Field("start_year", "起始年", "int"),
    Field("end_year", "结束年", "int"),
    Field("sort_order", "排序", "int"),
    Field("description", "说明", "textarea", max_length=2000),
)
NEW_PROGRAMME = Form("新增重点工作", (CODE, *PROGRAMME_FIELDS), hidden=())
EDIT_PROGRAMME = Form("编辑重点工作", PROGRAMME_FIELDS)
PLACE_FORM = Form(
    "新增对口地区",
    (
        CODE,
        Field("name", "简称", required=True, max_length=128, placeholder="如 奎屯市"),
        Field("full_name", "全称", required=True, max_length=256, placeholder="如 新疆伊犁州奎屯市"),
        Field("province", "省（区）", required=True, max_length=64, placeholder="如 新疆"),
        Field("parent_id", "组织树中的上级", "choice_int", required=True, choices=unit_choices),
    ),
    hidden=(),
)


def _programme_fields(v: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "name",
        "short_name",
        "kind",
        "lead_org_unit_id",
        "start_year",
        "end_year",
        "description",
        "sort_order",
    )
    return {k: v[k] for k in keys}


def _programme_form(
    request: Request,
    session: Session,
    actor: Actor,
    programme: Programme | None,
    shown: dict[str, Any],
    error: ShanhaiError | None = None,
) -> Response:
    if programme is None:
        return show_form(
            request,
            session,
            actor,
            NEW_PROGRAMME,
            action="/admin/programmes/new",
            shown=shown,
            error=error,
            back="/programmes",
            json_url="/api/v1/programmes",
        )
    buttons = (
        [("删除", f"/admin/programmes/{programme.id}/delete", f"删除“{programme.name}”？")]
        if actor.can("programmes:delete")
        else []
    )
    return show_form(
        request,
        session,
        actor,
        EDIT_PROGRAMME,
        action=f"/admin/programmes/{programme.id}",
        shown=shown,
        error=error,
        back="/programmes",
        json_url=f"/api/v1/programmes/{programme.id}",
        heading=f"编辑重点工作 {programme.name}",
        buttons=buttons,
    )


@router.get("/admin/programmes/new", summary="新增重点工作")
def new_programme_page(request: Request, session: SessionDep, actor: ActorDep) -> Response:
    actor.require("programmes:create")
    return _programme_form(request, session, actor, None, {"kind": ProgrammeKind.PAIRED_SUPPORT.value})


@router.post("/admin/programmes/new", summary="新增重点工作")
def create_programme(request: Request, session: SessionDep, actor: ActorDep, posted: FormDep) -> Response:
    return _post(
        request,
        session,
        actor,
        NEW_PROGRAMME,
        posted,
        permission="programmes:create",
        call=lambda v: programmes.create_programme(
            session=session, actor=actor, code_=v["code"], place_ids=v["place_ids"], **_programme_fields(v)
        ),
        success=lambda p: f"/programmes/{p.id}",
        again=lambda shown, exc: _programme_form(request, session, actor, None, shown, exc),
    )


@router.get("/admin/programmes/{programme_id}", summary="编辑重点工作")
def edit_programme_page(
    programme_id: IdPath, request: Request, session: SessionDep, actor: ActorDep
) -> Response:
    actor.require("programmes:edit")
    p = programmes.get_programme(session=session, actor=actor, programme_id=programme_id)
    shown = {
        "name": p.name,
        "short_name": p.short_name,
        "kind": p.kind,
        "lead_org_unit_id": str(p.lead_org_unit_id),
        "place_ids": [str(pl.id) for pl in p.places],
        "start_year": str(p.start_year or ""),
        "end_year": str(p.end_year or ""),
        "sort_order": str(p.sort_order),
        "description": p.description,
        "version": str(p.version),
    }
    return _programme_form(request, session, actor, p, shown)


@router.post("/admin/programmes/{programme_id}", summary="保存重点工作")
def update_programme(
    programme_id: IdPath, request: Request, session: SessionDep, actor: ActorDep, posted: FormDep
) -> Response:
    p = programmes.get_programme(session=session, actor=actor, programme_id=programme_id)
    return _post(
        request,
        session,
        actor,
        EDIT_PROGRAMME,
        posted,
        permission="programmes:edit",
        call=lambda v: programmes.update_programme(
            session=session,
            actor=actor,
            programme_id=programme_id,
            version=v["version"],
            place_ids=v["place_ids"],
            **_programme_fields(v),
        ),
        success=lambda p: f"/programmes/{p.id}",
        again=lambda shown, exc: _programme_form(request, session, actor, p, shown, exc),
    )


@router.post("/admin/programmes/{programme_id}/delete", summary="删除重点工作")
def delete_programme(
    programme_id: IdPath, request: Request, session: SessionDep, actor: ActorDep, posted: FormDep
) -> Response:
    p = programmes.get_programme(session=session, actor=actor, programme_id=programme_id)
    try:
        typed, _ = Form("", ()).read(posted)
        programmes.delete_programme(
            session=session, actor=actor, programme_id=programme_id, version=typed["version"]
        )
    except ShanhaiError as exc:
        recoverable(exc, session)
        return _programme_form(
            request,
            session,
            actor,
            p,
            {"version": str(p.version), "name": p.name, "short_name": p.short_name, "kind": p.kind},
            exc,
        )
    return _done("/programmes")


@router.get("/admin/places/new", summary="新增对口地区")
def new_place_page(request: Request, session: SessionDep, actor: ActorDep) -> Response:
    actor.require("programmes:create")
    return show_form(
        request,
        session,
        actor,
        PLACE_FORM,
        action="/admin/places/new",
        shown={},
        back="/programmes",
        json_url="/api/v1/places",
    )


@router.post("/admin/places/new", summary="新增对口地区")
def create_place(request: Request, session: SessionDep, actor: ActorDep, posted: FormDep) -> Response:
    return _post(
        request,
        session,
        actor,
        PLACE_FORM,
        posted,
        permission="programmes:create",
        call=lambda v: programmes.create_place(
            session=session,
            actor=actor,
            code_=v["code"],
            name=v["name"],
            full_name=v["full_name"],
            province=v["province"],
            parent_id=v["parent_id"],
        ),
        success=lambda place: "/programmes",
        again=lambda shown, exc: show_form(
            request,
            session,
            actor,
            PLACE_FORM,
            action="/admin/places/new",
            shown=shown,
            error=exc,
            back="/programmes",
            json_url="/api/v1/places",
        ),
    )


# --- 指标体系：数据元、指标、年度目标 ----------------------------------------------------------------------

_GRAINS = [(k.value, f"按{v}") for k, v in sorted(TYPE_LABELS.items(), key=lambda kv: FINENESS[kv[0]])]
ELEMENT_FIELDS = (
    Field("name", "名称", required=True, max_length=128),
    Field("unit", "计量单位", required=True, max_length=16, placeholder="元、人、个、家、%"),
    Field(
        "aggregation",
        "汇总方式",
        "choice",
        required=True,
        choices=[(k.value, v) for k, v in AGGREGATION_LABELS.items()],
        help="比率、增长率选“不汇总”：它们不能相加",
    ),
    Field(
        "nature",
        "数据性质",
        "choice",
        choices=[("", "按汇总方式推定"), *((k.value, v) for k, v in NATURE_LABELS.items())],
        help="流量逐期相加；存量取期末值；年内累计、起始以来累计的数字不与分期数字相加",
    ),
    Field(
        "grain",
        "实际值统计期间",
        "choice",
        choices=_GRAINS,
        help="最短按什么期间填报；更长期间的数值视为其下各期的合计，只计入各期之外的部分",
    ),
    Field("target_grain", "目标值统计期间", "choice", choices=_GRAINS),
    Field(
        "aliases",
        "同义词",
        max_length=512,
        placeholder="如 援疆资金、拨付资金（顿号或逗号分隔）",
        help="报告里对该数据元的其他说法；审核上传报告时据此建议数据元",
    ),
    Field("group", "分组", max_length=32),
    Field("category", "分类名称", max_length=32, placeholder="如 性别（可空）"),
    Field("options", "分类选项", max_length=256, placeholder="如 男、女（逗号或顿号分隔）"),
    Field("description", "说明", "textarea", max_length=2000),
)
NEW_ELEMENT = Form("新增数据元", (CODE, *ELEMENT_FIELDS), hidden=())
EDIT_ELEMENT = Form("编辑数据元", ELEMENT_FIELDS)


def _element_fields(v: dict[str, Any]) -> dict[str, str]:
    keys = ("name", "unit", "aggregation", "group", "description", "category", "options", "nature", "grain")
    return {k: v.get(k) or "" for k in (*keys, "target_grain", "aliases")}


INDICATOR_FIELDS = (
    Field("name", "名称", required=True, max_length=128),
    Field(
        "formula",
        "公式",
        "textarea",
        required=True,
        max_length=512,
        help="用 #{数据元编码} 引用数据，可加 .target（目标）或 .last_year（上年同期），支持 + - * / 和括号；"
        "例：#{FUNDS} / #{FUNDS.target} * 100",
    ),
    Field("unit", "单位", max_length=16, placeholder="如 %"),
    Field("decimals", "小数位", "int", required=True),
    Field("description", "说明", "textarea", max_length=2000),
)
NEW_INDICATOR = Form("新增指标", (CODE, *INDICATOR_FIELDS), hidden=())
EDIT_INDICATOR = Form("编辑指标", INDICATOR_FIELDS)


def _indicator_fields(v: dict[str, Any]) -> dict[str, Any]:
    return {k: v[k] for k in ("name", "formula", "unit", "decimals", "description")}


TARGET_FORM = Form(
    "设定年度目标",
    (
        Field("element_code", "数据元", "choice", required=True, choices=_element_codes),
        Field("org_unit_id", "单位", "choice_int", required=True, choices=unit_choices),
        Field("year", "年度", "int", required=True, placeholder="2026"),
        Field("programme_id", "重点工作", "choice_int", choices=programme_choices),
        Field(
            "value", "目标值", required=True, max_length=40, help="按数据元的计量单位填写，如 118000000（元）"
        ),
        Field(
            "qualifier",
            "限定",
            "choice",
            required=True,
            choices=[(q.value, label) for q, label in QUALIFIER_LABELS.items()],
        ),
        Field("comment", "备注", max_length=500),
    ),
    hidden=(),
)


@router.get("/admin/targets", summary="年度目标")
def targets_page(request: Request, session: SessionDep, actor: ActorDep) -> Response:
    actions = [("设定年度目标", "/admin/targets/new")] if actor.can("indicators:create") else []
    return render_list(
        request,
        session,
        actor,
        catalogue.VALUES,
        heading="年度目标",
        actions=actions,
        fixed={"kind": "target"},
        base_url="/admin/targets",
        intro="目标值（类别为“目标”的指标数据）；修改已有目标请点编号进入修改页。",
    )


@router.get("/admin/targets/new", summary="设定年度目标")
def new_target_page(request: Request, session: SessionDep, actor: ActorDep) -> Response:
    actor.require("indicators:create")
    return show_form(
        request,
        session,
        actor,
        TARGET_FORM,
        action="/admin/targets/new",
        back="/admin/targets",
        shown={"qualifier": "exact", "org_unit_id": str(actor.org_unit_id or "")},
        json_url="/api/v1/values",
    )


@router.post("/admin/targets/new", summary="设定年度目标")
def create_target(request: Request, session: SessionDep, actor: ActorDep, posted: FormDep) -> Response:
    def call(v: dict[str, Any]) -> Any:
        year = v["year"]
        if year is None or not 1900 <= year <= 2199:
            raise Invalid("年度应为 1900–2199 之间的年份", field="year")
        try:
            qualifier = Qualifier(v["qualifier"])
        except ValueError:
            qualifier = Qualifier.EXACT
        if session.scalar(select(DataElement.id).where(DataElement.code == v["element_code"])) is None:
            raise Invalid("请选择数据元", field="element_code")
        return values_flow.create_value(
            session=session,
            actor=actor,
            element_code=v["element_code"],
            org_unit_id=v["org_unit_id"] or 0,
            period_id=str(year),
            programme_id=v["programme_id"],
            kind=ValueKind.TARGET,
            value=parse_number(v["value"]),
            qualifier=qualifier,
            comment=v["comment"][:500],
        )

    return _post(
        request,
        session,
        actor,
        TARGET_FORM,
        posted,
        permission="indicators:create",
        call=call,
        success=lambda value: "/admin/targets",
        again=lambda shown, exc: show_form(
            request,
            session,
            actor,
            TARGET_FORM,
            action="/admin/targets/new",
            shown=shown,
            error=exc,
            back="/admin/targets",
            json_url="/api/v1/values",
        ),
    )


# --- 数据集管理 ---------------------------------------------------------------------------------------

DATA_SET_FIELDS = (
    Field("name", "名称", required=True, max_length=128),
    Field(
        "period_type",
        "报送周期",
        "choice",
        required=True,
        choices=[("monthly", "按月"), ("quarterly", "按季"), ("yearly", "按年")],
    ),
    Field("due_day", "截止日", "int", required=True, help="下一期的第几天截止（1–28）"),
    Field("programme_id", "重点工作", "choice_int", choices=programme_choices),
    Field(
        "element_ids",
        "数据元",
        "multi",
        required=True,
        choices=_elements,
        help="按住 Ctrl 多选；顺序即填报顺序",
    ),
    Field("required_ids", "其中必填", "multi", choices=_elements),
    Field("unit_ids", "填报单位", "multi", required=True, choices=unit_choices),
    Field(
        "rules",
        "校验规则",
        "textarea",
        max_length=4000,
        help="每行一条：#{甲} <= #{乙} | 提示语；"
        "例：#{MONTHLY_PLACED} <= #{MONTHLY_TRAINED} | 就业人数不应超过培训人数",
    ),
)
NEW_DATA_SET = Form("新增数据集", (CODE, *DATA_SET_FIELDS), hidden=())
EDIT_DATA_SET = Form("编辑数据集", DATA_SET_FIELDS)


def _data_set_fields(v: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "name",
        "period_type",
        "due_day",
        "programme_id",
        "element_ids",
        "required_ids",
        "unit_ids",
        "rules",
    )
    return {k: v[k] for k in keys}


# --- one set of pages per register: list, new, edit, delete ------------------------------------------------


@dataclass(frozen=True)
class Register:
    """A register of the set-up whose pages are all alike: its list (a spec of the kit), a form to add a
    record, a form to edit one, and 删除 while unused. Each service checks permission, scope and fields."""

    base: str  # /admin/elements
    noun: str  # 数据元
    module: str  # the permissions' module: elements:create …
    spec: ListSpec
    heading: str
    new_form: Form
    edit_form: Form
    defaults: dict[str, Any]
    get: Callable[[Session, Actor, int], Any]
    create: Callable[[Session, Actor, dict[str, Any]], Any]
    update: Callable[[Session, Actor, int, dict[str, Any]], Any]
    delete: Callable[[Session, Actor, int], None]
    shown: Callable[[Any], dict[str, Any]]  # a record as its edit form shows it
    preview: Callable[[Session, Actor, dict[str, Any]], Any] | None = None  # shown below the form

    def form(
        self,
        request: Request,
        session: Session,
        actor: Actor,
        record: Any,
        shown: dict[str, Any],
        error: ShanhaiError | None = None,
    ) -> Response:
        preview = None
        if self.preview is not None and error is None:
            try:
                preview = self.preview(session, actor, shown)
            except (ShanhaiError, ValueError):
                preview = None
        if record is None:
            return show_form(
                request,
                session,
                actor,
                self.new_form,
                action=f"{self.base}/new",
                shown=shown,
                error=error,
                back=self.base,
                json_url=f"/api/v1/lists/{self.spec.name}",
                preview=preview,
            )
        buttons = []
        if actor.can(f"{self.module}:delete"):
            buttons.append(("删除", f"{self.base}/{record.id}/delete", f"删除{self.noun}“{record.name}”？"))
        return show_form(
            request,
            session,
            actor,
            self.edit_form,
            action=f"{self.base}/{record.id}",
            shown=shown,
            error=error,
            back=self.base,
            json_url=f"/api/v1/lists/{self.spec.name}",
            preview=preview,
            buttons=buttons,
            heading=f"编辑{self.noun} {record.name}（{record.code}）",
        )

    def routes(self, router: APIRouter) -> None:
        def list_page(request: Request, session: SessionDep, actor: ActorDep) -> Response:
            can = actor.can(f"{self.module}:create")
            actions = [(f"新增{self.noun}", f"{self.base}/new")] if can else []
            return render_list(request, session, actor, self.spec, heading=self.heading, actions=actions)

        def new_page(request: Request, session: SessionDep, actor: ActorDep) -> Response:
            actor.require(f"{self.module}:create")
            return self.form(request, session, actor, None, dict(self.defaults))

        def create(request: Request, session: SessionDep, actor: ActorDep, posted: FormDep) -> Response:
            return _post(
                request,
                session,
                actor,
                self.new_form,
                posted,
                permission=f"{self.module}:create",
                call=lambda v: self.create(session, actor, v),
                success=lambda r: f"{self.base}/{r.id}",
                again=lambda shown, exc: self.form(request, session, actor, None, shown, exc),
            )

        def edit_page(record_id: IdPath, request: Request, session: SessionDep, actor: ActorDep) -> Response:
            record = self.get(session, actor, record_id)
            return self.form(request, session, actor, record, self.shown(record))

        def update(
            record_id: IdPath, request: Request, session: SessionDep, actor: ActorDep, posted: FormDep
        ) -> Response:
            record = self.get(session, actor, record_id)
            return _post(
                request,
                session,
                actor,
                self.edit_form,
                posted,
                permission=f"{self.module}:edit",
                call=lambda v: self.update(session, actor, record_id, v),
                success=lambda r: f"{self.base}/{r.id}",
                again=lambda shown, exc: self.form(request, session, actor, record, shown, exc),
            )

        def delete(record_id: IdPath, request: Request, session: SessionDep, actor: ActorDep) -> Response:
            actor.require(f"{self.module}:delete")
            record = self.get(session, actor, record_id)
            shown = self.shown(record)
            try:
                self.delete(session, actor, record_id)
            except ShanhaiError as exc:
                recoverable(exc, session)
                return self.form(request, session, actor, self.get(session, actor, record_id), shown, exc)
            return _done(self.base)

        router.add_api_route(self.base, list_page, methods=["GET"], summary=self.heading)
        router.add_api_route(f"{self.base}/new", new_page, methods=["GET"], summary=f"新增{self.noun}")
        router.add_api_route(f"{self.base}/new", create, methods=["POST"], summary=f"新增{self.noun}")
        router.add_api_route(
            f"{self.base}/{{record_id}}", edit_page, methods=["GET"], summary=f"编辑{self.noun}"
        )
        router.add_api_route(
            f"{self.base}/{{record_id}}", update, methods=["POST"], summary=f"保存{self.noun}"
        )
        router.add_api_route(
            f"{self.base}/{{record_id}}/delete", delete, methods=["POST"], summary=f"删除{self.noun}"
        )


def _indicator_preview(session: Session, actor: Actor, shown: dict[str, Any]) -> Any:
    if not shown.get("formula"):
        return None
    return metadata.preview(
        session=session,
        actor=actor,
        code_=str(shown.get("code") or ""),
        formula=str(shown["formula"]),
        unit=str(shown.get("unit") or ""),
        decimals=int(shown.get("decimals") or 1),
    )


ELEMENTS = Register(
    base="/admin/elements",
    noun="数据元",
    module="elements",
    spec=catalogue.ELEMENTS,
    heading="指标体系 · 数据元",
    new_form=NEW_ELEMENT,
    edit_form=EDIT_ELEMENT,
    defaults={"aggregation": "sum", "grain": "monthly", "target_grain": "monthly"},
    get=lambda session, actor, i: metadata.get_element(session=session, actor=actor, element_id=i),
    create=lambda session, actor, v: metadata.create_element(
        session=session, actor=actor, code_=v["code"], **_element_fields(v)
    ),
    update=lambda session, actor, i, v: metadata.update_element(
        session=session, actor=actor, element_id=i, version=v["version"], **_element_fields(v)
    ),
    delete=lambda session, actor, i: metadata.delete_element(session=session, actor=actor, element_id=i),
    shown=lambda e: {
        "name": e.name,
        "unit": e.unit,
        "aggregation": e.aggregation,
        "nature": e.nature,
        "grain": e.grain,
        "target_grain": e.target_grain,
        "aliases": e.aliases,
        "group": e.group,
        "category": e.category,
        "options": "、".join(e.options),
        "description": e.description,
        "version": str(e.version),
    },
)

INDICATORS = Register(
    base="/admin/indicators",
    noun="指标",
    module="elements",
    spec=catalogue.INDICATORS,
    heading="指标体系 · 指标",
    new_form=NEW_INDICATOR,
    edit_form=EDIT_INDICATOR,
    defaults={"decimals": "1"},
    get=lambda session, actor, i: metadata.get_indicator(session=session, actor=actor, indicator_id=i),
    create=lambda session, actor, v: metadata.create_indicator(
        session=session, actor=actor, code_=v["code"], **_indicator_fields(v)
    ),
    update=lambda session, actor, i, v: metadata.update_indicator(
        session=session, actor=actor, indicator_id=i, version=v["version"], **_indicator_fields(v)
    ),
    delete=lambda session, actor, i: metadata.delete_indicator(session=session, actor=actor, indicator_id=i),
    shown=lambda i: {
        "code": i.code,
        "name": i.name,
        "formula": i.formula,
        "unit": i.unit,
        "decimals": str(i.decimals),
        "description": i.description,
        "version": str(i.version),
    },
    preview=_indicator_preview,
)

DATA_SETS = Register(
    base="/admin/datasets",
    noun="数据集",
    module="datasets",
    spec=catalogue.DATA_SETS,
    heading="数据集管理",
    new_form=NEW_DATA_SET,
    edit_form=EDIT_DATA_SET,
    defaults={"period_type": "monthly", "due_day": "10"},
    get=lambda session, actor, i: ds_setup.get_data_set(session=session, actor=actor, data_set_id=i),
    create=lambda session, actor, v: ds_setup.create_data_set(
        session=session, actor=actor, code_=v["code"], **_data_set_fields(v)
    ),
    update=lambda session, actor, i, v: ds_setup.update_data_set(
        session=session, actor=actor, data_set_id=i, version=v["version"], **_data_set_fields(v)
    ),
    delete=lambda session, actor, i: ds_setup.delete_data_set(session=session, actor=actor, data_set_id=i),
    shown=lambda d: {
        "name": d.name,
        "period_type": d.period_type,
        "due_day": str(d.due_day),
        "programme_id": str(d.programme_id or ""),
        "element_ids": [str(e.data_element_id) for e in d.elements],
        "required_ids": [str(e.data_element_id) for e in d.elements if e.required],
        "unit_ids": [str(u.id) for u in d.units],
        "rules": "\n".join(ds_setup.rule_text(r) for r in d.rules),
        "version": str(d.version),
    },
)

for _register in (ELEMENTS, INDICATORS, DATA_SETS):
    _register.routes(router)


# --- 角色：新增、复制、删除 ---------------------------------------------------------------------------

ROLE_FORM = Form(
    "新增角色",
    (
        CODE,
        Field("name", "角色名称", required=True, max_length=64),
        Field(
            "data_scope",
            "数据范围",
            "choice",
            required=True,
            choices=[(s.value, DATA_SCOPE_LABELS[s]) for s in DataScope if s is not DataScope.CUSTOM],
        ),
        Field("description", "说明", "textarea", max_length=500),
    ),
    hidden=(),
)
COPY_FORM = Form("复制角色", (CODE, Field("name", "新角色名称", required=True, max_length=64)), hidden=())


@router.get("/admin/roles/new", summary="新增角色")
def new_role_page(request: Request, session: SessionDep, actor: ActorDep) -> Response:
    actor.require("roles:create")
    return show_form(
        request,
        session,
        actor,
        ROLE_FORM,
        action="/admin/roles/new",
        back="/admin/roles",
        shown={"data_scope": DataScope.UNIT_AND_BELOW.value},
        json_url="/api/v1/roles",
    )


@router.post("/admin/roles/new", summary="新增角色")
def create_role(request: Request, session: SessionDep, actor: ActorDep, posted: FormDep) -> Response:
    return _post(
        request,
        session,
        actor,
        ROLE_FORM,
        posted,
        permission="roles:create",
        call=lambda v: roles.create_role(
            session=session,
            actor=actor,
            code_=v["code"],
            name=v["name"],
            data_scope=v["data_scope"],
            description=v["description"],
        ),
        success=lambda r: f"/admin/roles/{r.id}",
        again=lambda shown, exc: show_form(
            request,
            session,
            actor,
            ROLE_FORM,
            action="/admin/roles/new",
            shown=shown,
            error=exc,
            back="/admin/roles",
            json_url="/api/v1/roles",
        ),
    )


@router.get("/admin/roles/{role_id}/copy", summary="复制角色")
def copy_role_page(role_id: IdPath, request: Request, session: SessionDep, actor: ActorDep) -> Response:
    actor.require("roles:create")
    source = get_role(session=session, role_id=role_id)
    return show_form(
        request,
        session,
        actor,
        COPY_FORM,
        action=f"/admin/roles/{role_id}/copy",
        back="/admin/roles",
        shown={"name": f"{source.name}（副本）"},
        json_url=f"/api/v1/roles/{role_id}",
        heading=f"复制角色 {source.name}",
    )


@router.post("/admin/roles/{role_id}/copy", summary="复制角色")
def copy_role(
    role_id: IdPath, request: Request, session: SessionDep, actor: ActorDep, posted: FormDep
) -> Response:
    get_role(session=session, role_id=role_id)
    return _post(
        request,
        session,
        actor,
        COPY_FORM,
        posted,
        permission="roles:create",
        call=lambda v: roles.copy_role(
            session=session, actor=actor, role_id=role_id, code_=v["code"], name=v["name"]
        ),
        success=lambda r: f"/admin/roles/{r.id}",
        again=lambda shown, exc: show_form(
            request,
            session,
            actor,
            COPY_FORM,
            action=f"/admin/roles/{role_id}/copy",
            shown=shown,
            error=exc,
            back="/admin/roles",
            json_url=f"/api/v1/roles/{role_id}",
        ),
    )


@router.post("/admin/roles/{role_id}/delete", summary="删除角色")
def delete_role(
    role_id: IdPath, request: Request, session: SessionDep, actor: ActorDep, posted: FormDep
) -> Response:
    typed, _ = Form("", ()).read(posted)
    try:
        roles.delete_role(session=session, actor=actor, role_id=role_id, version=typed["version"])
    except ShanhaiError as exc:
        recoverable(exc, session)
        source = get_role(session=session, role_id=role_id)
        return show_form(
            request,
            session,
            actor,
            COPY_FORM,
            action=f"/admin/roles/{role_id}/copy",
            back="/admin/roles",
            shown={"name": f"{source.name}（副本）"},
            error=exc,
            json_url=f"/api/v1/roles/{role_id}",
            heading=f"角色 {source.name}",
        )
    return _done("/admin/roles")
