"""Pages of the programme-work registers (工作台账): for each register a list of the kit, a form to add a
record and one to edit it (keeping what was typed, the error beside its field), and 删除; a plan's 按时足额
page with its chart, who is in post, the records behind a derived value, and project attachments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from shanhai.auth.scope import Actor, visible
from shanhai.auth.sessions import claim_form, settle_form
from shanhai.errors import Invalid, NotFound, ShanhaiError
from shanhai.flows import values as values_flow
from shanhai.http.deps import ActorDep, CommitRoute, FormDep, IdPath, SessionDep, SettingsDep
from shanhai.lib.cnnum import normalize
from shanhai.lists.records import RECORD_SPECS
from shanhai.operations import attachments, funds, people
from shanhai.operations.models import FundPlan, Tranche
from shanhai.operations.registers import plan_title
from shanhai.projects.models import Project
from shanhai.registers import derive
from shanhai.registers import kit as reg
from shanhai.registers.fields import QUALIFIER_CHOICES, Field, parse_date
from shanhai.web import forms
from shanhai.web.lists import render_list
from shanhai.web.render import recoverable, render
from shanhai.web.routes import project_page_response

router = APIRouter(route_class=CommitRoute, default_response_class=HTMLResponse, include_in_schema=False)
KindPath = Annotated[str, Path(max_length=32, pattern="^[a-z]+$")]
PLACEHOLDERS = {"date": "2025-03-31", "money": "如 1180000 或 118万", "period": "2025"}


def _refs(model: type[Any]) -> forms.Choices:
    def choices(session: Session, actor: Actor) -> list[tuple[str, str]]:
        rows = session.scalars(
            select(model)
            .where(visible(actor, model.org_unit_id, model.created_by_id))
            .order_by(model.id.desc())
            .limit(500)
        )
        if model is FundPlan:
            return [(str(r.id), plan_title(r)) for r in rows]
        if model is Tranche:
            return [(str(r.id), f"{plan_title(r.plan)} · {r.due_on} 到期 {r.amount:,.2f} 元") for r in rows]
        if hasattr(model, "name"):  # work groups, projects, enterprises …
            return [(str(r.id), r.name) for r in rows]
        return [(str(r.id), str(r.id)) for r in rows]

    return choices


def _form_field(f: Field) -> forms.Field:
    kind = {
        "textarea": "textarea",
        "rows": "textarea",  # one child row a line, its items split by ｜ (registers.fields)
        "bool": "checkbox",
        "choice": "choice",
        "qualifier": "choice",
    }.get(f.kind, "text")
    choices: forms.Choices = f.choices if f.kind == "choice" else QUALIFIER_CHOICES
    if f.kind in ("unit", "programme", "ref"):
        kind = "choice"  # the service reads the id and names the field when it is not one
        choices = (
            forms.unit_choices
            if f.kind == "unit"
            else forms.programme_choices
            if f.kind == "programme"
            else _refs(f.ref or Project)
        )
    return forms.Field(
        f.key,
        f.label,
        kind,
        required=f.required,
        choices=choices,
        help=f.help,
        placeholder=PLACEHOLDERS.get(f.kind, ""),
        max_length=f.max_length if f.kind in ("text", "textarea") else 4000 if f.kind == "rows" else 40,
    )


def _form(rtype: reg.RecordType, *, new: bool) -> forms.Form:
    fields = tuple(_form_field(f) for f in rtype.fields if new or f.editable)
    return forms.Form(
        f"新增{rtype.noun}" if new else f"编辑{rtype.noun}", fields, hidden=() if new else ("version",)
    )


def _as_text(value: Any) -> Any:
    if isinstance(value, list):  # child rows, as the form takes them: one a line, items split by ｜
        return "\n".join(
            "｜".join(str(v or "") for v in row.values()) if isinstance(row, dict) else str(row)
            for row in value
        )
    if isinstance(value, Decimal):
        return str(normalize(value))
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else value


def _shown(rtype: reg.RecordType, obj: Any, actor: Actor) -> dict[str, Any]:
    return {k: _as_text(v) for k, v in reg.shown(rtype, obj, actor).items()}


def _base(kind: str) -> str:
    return f"/records/{kind}"


def _show(
    request: Request,
    session: Session,
    actor: Actor,
    rtype: reg.RecordType,
    obj: Any,
    shown: dict[str, Any],
    error: ShanhaiError | None = None,
) -> Response:
    base = _base(rtype.name)
    back = "/projects" if rtype.name == "projects" else base
    if obj is None:
        return forms.show_form(
            request,
            session,
            actor,
            _form(rtype, new=True),
            action=f"{base}/new",
            shown=shown,
            error=error,
            back=back,
            json_url=f"/api/v1/records/{rtype.name}",
            counts_towards=derive.rules_for(rtype.model),
        )
    buttons = []
    if actor.can(f"{rtype.module}:delete"):
        buttons.append(("删除", f"{base}/{obj.id}/delete", f"删除{rtype.noun}“{rtype.title(obj)}”？"))
    links = []
    if rtype.name == "plans":
        links.append(("执行情况（按时足额）", f"/funds/plans/{obj.id}"))
    if rtype.name == "projects":
        links.append(("项目详情", f"/projects/{obj.id}"))
    if rtype.machine is not None:  # a register with stages: one button per move it may make now
        stage = getattr(obj, rtype.machine.field)
        for m in rtype.machine.next_moves(stage):
            if actor.can(m.permission) and not m.needs_note:
                buttons.append(
                    (m.verb, f"{base}/{obj.id}/moves?to={quote(m.to)}", f"{m.verb}（当前：{stage}）？")
                )
    return forms.show_form(
        request,
        session,
        actor,
        _form(rtype, new=False),
        action=f"{base}/{obj.id}",
        shown=shown,
        error=error,
        back=back,
        json_url=f"/api/v1/records/{rtype.name}/{obj.id}",
        buttons=buttons,
        heading=f"{rtype.noun}：{rtype.title(obj)}"
        + (f"（{getattr(obj, rtype.machine.field)}）" if rtype.machine is not None else ""),
        links=links,
        counts_towards=derive.rules_for(rtype.model),
    )


def _done(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@router.get("/records/{kind}", summary="工作台账列表")
def list_page(kind: KindPath, request: Request, session: SessionDep, actor: ActorDep) -> Response:
    rtype = reg.get_type(kind)
    if kind == "projects":
        return _done("/projects")
    spec = RECORD_SPECS[kind]
    actions = [(f"新增{rtype.noun}", f"{_base(kind)}/new")] if actor.can(f"{rtype.module}:create") else []
    return render_list(request, session, actor, spec, heading=f"工作台账 · {rtype.noun}", actions=actions)


@router.get("/records/{kind}/new", summary="新增台账记录")
def new_page(
    kind: KindPath,
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    plan: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> Response:
    rtype = reg.get_type(kind)
    actor.require(f"{rtype.module}:create")
    defaults: dict[str, Any] = {"status": "在岗", "full_time": True, "sessions": "1", "qualifier": "exact"}
    if plan is not None:
        defaults["plan_id"] = str(plan)
    return _show(request, session, actor, rtype, None, defaults)


@router.post("/records/{kind}/new", summary="新增台账记录")
def create(
    kind: KindPath, request: Request, session: SessionDep, actor: ActorDep, posted: FormDep
) -> Response:
    rtype = reg.get_type(kind)
    actor.require(f"{rtype.module}:create")
    raw = forms.first_values(posted)
    token = raw.pop("form_token", "")
    if "full_time" in {f.key for f in rtype.fields} and "full_time" not in raw:
        raw["full_time"] = ""  # an unticked box is not sent
    earlier = claim_form(session=session, actor=actor, token=token)
    if earlier is not None:  # the same form again: the record exists already
        return _done(earlier.result_url or _base(kind))
    try:
        obj = reg.create(session=session, actor=actor, rtype=rtype, raw=raw)
    except ShanhaiError as exc:
        recoverable(exc, session)
        return _show(request, session, actor, rtype, None, raw | {"form_token": token}, exc)
    settle_form(session=session, token=token, result_url=_after(rtype, obj))
    return _done(_after(rtype, obj))


def _after(rtype: reg.RecordType, obj: Any) -> str:
    if rtype.name == "projects":
        return f"/projects/{obj.id}"
    if rtype.name in ("tranches", "disbursements"):
        return f"/funds/plans/{obj.plan_id}"
    if rtype.name == "plans":
        return f"/funds/plans/{obj.id}"
    return _base(rtype.name)


@router.get("/records/{kind}/{record_id}", summary="台账记录")
def edit_page(
    kind: KindPath, record_id: IdPath, request: Request, session: SessionDep, actor: ActorDep
) -> Response:
    rtype = reg.get_type(kind)
    obj = reg.get_record(session=session, actor=actor, rtype=rtype, record_id=record_id)
    return _show(request, session, actor, rtype, obj, _shown(rtype, obj, actor))


@router.post("/records/{kind}/{record_id}", summary="保存台账记录")
def update(
    kind: KindPath, record_id: IdPath, request: Request, session: SessionDep, actor: ActorDep, posted: FormDep
) -> Response:
    rtype = reg.get_type(kind)
    actor.require(f"{rtype.module}:edit")
    obj = reg.get_record(session=session, actor=actor, rtype=rtype, record_id=record_id)
    raw = forms.first_values(posted)
    for f in rtype.fields:
        if f.kind == "bool" and f.key not in raw:
            raw[f.key] = ""
    try:
        obj = reg.update(session=session, actor=actor, rtype=rtype, record_id=record_id, raw=raw)
    except ShanhaiError as exc:
        recoverable(exc, session)
        obj = reg.get_record(session=session, actor=actor, rtype=rtype, record_id=record_id)
        return _show(request, session, actor, rtype, obj, raw, exc)
    return _done(_after(rtype, obj))


@router.post("/records/{kind}/{record_id}/moves", summary="推进台账记录的阶段")
def move(
    kind: KindPath,
    record_id: IdPath,
    request: Request,
    session: SessionDep,
    actor: ActorDep,
    posted: FormDep,
    to: Annotated[str, Query(max_length=16)] = "",
) -> Response:
    rtype = reg.get_type(kind)
    actor.require(f"{rtype.module}:edit")
    obj = reg.get_record(session=session, actor=actor, rtype=rtype, record_id=record_id)
    shown = _shown(rtype, obj, actor)
    raw = forms.first_values(posted)
    try:
        reg.move(
            session=session,
            actor=actor,
            rtype=rtype,
            record_id=record_id,
            to=to,
            note=raw.get("note", ""),
            version=raw.get("version"),
        )
    except ShanhaiError as exc:
        recoverable(exc, session)
        obj = reg.get_record(session=session, actor=actor, rtype=rtype, record_id=record_id)
        return _show(request, session, actor, rtype, obj, shown, exc)
    return _done(f"{_base(kind)}/{record_id}")


@router.post("/records/{kind}/{record_id}/delete", summary="删除台账记录")
def delete(
    kind: KindPath, record_id: IdPath, request: Request, session: SessionDep, actor: ActorDep, posted: FormDep
) -> Response:
    rtype = reg.get_type(kind)
    actor.require(f"{rtype.module}:delete")
    obj = reg.get_record(session=session, actor=actor, rtype=rtype, record_id=record_id)
    shown = _shown(rtype, obj, actor)
    after = _after(rtype, obj) if rtype.name in ("tranches", "disbursements") else _base(kind)
    try:
        reg.delete(
            session=session,
            actor=actor,
            rtype=rtype,
            record_id=record_id,
            version=forms.first_values(posted).get("version"),
        )
    except ShanhaiError as exc:
        recoverable(exc, session)
        obj = reg.get_record(session=session, actor=actor, rtype=rtype, record_id=record_id)
        return _show(request, session, actor, rtype, obj, shown, exc)
    return _done("/projects" if kind == "projects" else after)


@router.get("/funds/plans/{plan_id}", summary="资金计划执行情况")
def plan_page(plan_id: IdPath, request: Request, session: SessionDep, actor: ActorDep) -> Response:
    data = funds.plan_page(session=session, actor=actor, plan_id=plan_id)
    return render(request, "records/plan.html", plan=data, json_url=f"/api/v1/funds/plans/{plan_id}")


@router.get("/people", summary="干部人才在岗情况")
def people_page(
    request: Request, session: SessionDep, actor: ActorDep, on: Annotated[str, Query(max_length=20)] = ""
) -> Response:
    error = None
    day = None
    if on.strip():
        try:
            day = parse_date(on, "日期", "on")
        except Invalid as exc:
            error = exc
    data = people.overview(session=session, actor=actor, on=day)
    return render(
        request,
        "records/people.html",
        status_code=422 if error else 200,
        data=data,
        error=error,
        on=on,
        json_url="/api/v1/people/overview",
    )


@router.get("/values/{value_id}/records", summary="汇总成该数值的台账记录")
def records_behind_page(
    value_id: IdPath, request: Request, session: SessionDep, settings: SettingsDep, actor: ActorDep
) -> Response:
    data = values_flow.records_behind(
        session=session, actor=actor, value_id=value_id, sources_dir=settings.sources_dir
    )
    return render(request, "records/behind.html", data=data, json_url=f"/api/v1/values/{value_id}/records")


@router.post("/projects/{project_id}/attachments", summary="上传项目附件")
def upload(
    project_id: IdPath,
    session: SessionDep,
    actor: ActorDep,
    settings: SettingsDep,
    request: Request,
    file: Annotated[UploadFile, File()],
    caption: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    try:
        attachments.add(
            session=session,
            actor=actor,
            data_dir=settings.data_dir,
            project_id=project_id,
            file_name=file.filename or "",
            data=file.file.read(attachments.MAX_ATTACHMENT + 1),
            caption=caption,
        )
    except ShanhaiError as exc:
        recoverable(exc, session)
        if isinstance(exc, NotFound):
            raise
        return project_page_response(request, session, settings, actor, project_id, exc)
    return _done(f"/projects/{project_id}")


@router.post("/attachments/{attachment_id}/delete", summary="删除附件")
def delete_attachment(
    attachment_id: IdPath, session: SessionDep, actor: ActorDep, settings: SettingsDep
) -> Response:
    actor.require("projects:edit")
    project_id = attachments.get(session=session, actor=actor, attachment_id=attachment_id).project_id
    attachments.remove(session=session, actor=actor, attachment_id=attachment_id, data_dir=settings.data_dir)
    return _done(f"/projects/{project_id}")
