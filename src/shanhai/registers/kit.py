"""The register kit: a register is declared once — its fields (how a typed value is read and checked, naming
the field; `registers.fields`), the rules across fields, and what a change recounts (`registers.derive`) —
and one create / update / delete serves every register and every door (API, page, demo loader, import):
permission, data scope, version, audit, and the derived values in the same transaction.

Each domain declares its registers in its own package (`operations.registers`, `enterprises.registers`);
`registers.catalogue` gathers them for the lists, the menu, the API and the pages."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from shanhai.audit.service import Action, record
from shanhai.auth.scope import Actor, check_can_create, check_visible
from shanhai.db import same_version, savepoint, unique_or
from shanhai.errors import Conflict, Invalid, NotFound
from shanhai.lifecycle import service as lifecycle
from shanhai.lifecycle.service import Machine
from shanhai.orgunits.models import OrgUnit
from shanhai.registers import catalogue, derive
from shanhai.registers.fields import Field, mask, read_field

Check = Callable[[Session, Actor, Any, dict[str, Any] | None], None]


@dataclass(frozen=True)
class RecordType:
    name: str  # the register's id: /records/{name}, /api/v1/records/{name}
    noun: str  # 人员
    model: type[Any]  # with org_unit_id (its scope), created_by_id and version
    fields: tuple[Field, ...]
    title: Callable[[Any], str]
    module: str = "records"  # the permissions' module
    menu: str = "工作台账"  # the menu group it is listed under, and the audit log's module
    menu_label: str = ""  # its entry in the menu (the noun when empty); in_menu False: reached from others
    in_menu: bool = True
    sensitive_permission: str = "people:sensitive"  # who sees its sensitive fields unmasked
    searched: tuple[str, ...] = ()  # the columns the list's search box looks in (default: its text fields)
    # natural keys, the first a row fills wins: how an imported row without its 编号 finds its record
    keys: tuple[tuple[str, ...], ...] = ()
    # cross-field rules and derived fields, on the record with its new values (and its values before)
    check: Check | None = None
    created: Callable[[Session, Actor, Any], None] | None = None
    # after a change is saved, with the record's values before it (a firm that moved takes its records along)
    updated: Callable[[Session, Actor, Any, dict[str, Any]], None] | None = None
    # refuses a delete (a Conflict naming why) before the record goes
    before_delete: Callable[[Session, Any], None] | None = None
    # a register whose records have stages: the lifecycle's machine (shanhai.lifecycle), its first stage
    # given at creation, every other through `move`; `moved` checks and completes a move (evidence …)
    machine: Machine | None = None
    moved: Callable[[Session, Actor, Any, str], None] | None = None

    def field(self, key: str) -> Field | None:
        return next((f for f in self.fields if f.key == key), None)

    @property
    def label(self) -> str:
        return self.menu_label or self.noun


def get_type(name: str) -> RecordType:
    try:
        return catalogue.types()[name]
    except KeyError:
        raise NotFound(f"没有名为“{name[:40]}”的台账", field="kind") from None


def get_record(*, session: Session, actor: Actor, rtype: RecordType, record_id: int) -> Any:
    actor.require(f"{rtype.module}:view")
    obj = session.get(rtype.model, record_id)
    if obj is None:
        raise NotFound(f"{rtype.noun}不存在或不在您的数据范围内", field="id")
    check_visible(actor, obj.org_unit, obj.created_by_id, what=rtype.noun)
    return obj


def _masked(f: Field, value: Any) -> Any:
    if f.kind == "rows":
        return [{c.key: _masked(c, row.get(c.key)) for c in f.rows} for row in value or []]
    return mask(value or "") if f.sensitive else value


def shown(rtype: RecordType, obj: Any, actor: Actor) -> dict[str, Any]:
    """A record as its pages and the API show it: sensitive fields masked without the register's
    sensitive permission."""
    out: dict[str, Any] = {"id": obj.id, "version": obj.version, "title": rtype.title(obj)}
    see_all = actor.can(rtype.sensitive_permission)
    for f in rtype.fields:
        value = getattr(obj, f.key)
        out[f.key] = value if see_all else _masked(f, value)
    out["org_unit"] = obj.org_unit.name
    if rtype.machine is not None:  # its stage, and where it may go from there
        out[rtype.machine.field] = getattr(obj, rtype.machine.field)
        out["moves"] = [m.to for m in rtype.machine.next_moves(getattr(obj, rtype.machine.field))]
    return out


def _unmasked_rows(f: Field, rows: list[dict[str, Any]], old: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Child rows sent back by one who saw their sensitive items masked: an item still as it was shown
    (138****5678) keeps its stored value; a new one is taken as typed; the other items change freely."""
    out = []
    for n, row in enumerate(rows):
        row = dict(row)
        for c in f.rows:
            if c.sensitive and n < len(old) and row.get(c.key) == mask(old[n].get(c.key) or ""):
                row[c.key] = old[n].get(c.key)
        out.append(row)
    return out


def _audit_view(rtype: RecordType, values: Mapping[str, Any]) -> dict[str, Any]:
    """What the audit log keeps of a record: every field, sensitive ones masked, as text."""
    out: dict[str, Any] = {}
    for f in rtype.fields:
        value = _masked(f, values.get(f.key))
        out[f.key] = value if f.kind == "rows" else (None if value is None else str(value))
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


def changed(
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
        module=rtype.menu,
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
    if rtype.machine is not None:
        first = rtype.machine.next_moves(None)[0].to
        lifecycle.move(
            session=session,
            actor=actor,
            machine=rtype.machine,
            obj=obj,
            to=first,
            what=_what(rtype, obj),
            new=True,
        )
    after = derive.snapshot(obj)
    changed(session, actor, rtype, Action.CREATE, obj.id, rtype.title(obj), None, after)
    return obj


def _what(rtype: RecordType, obj: Any) -> str:
    return f"{rtype.noun}“{rtype.title(obj)}”"


def move(
    *, session: Session, actor: Actor, rtype: RecordType, record_id: int, to: str, note: str, version: Any
) -> Any:
    """A record of a register with stages moves one stage (the lifecycle's one move: its permission, the
    allowed moves, history and audit); `moved` checks what the new stage needs, and the derived values
    follow."""
    if rtype.machine is None:
        raise NotFound(f"{rtype.noun}没有阶段", field="to")
    obj = get_record(session=session, actor=actor, rtype=rtype, record_id=record_id)
    same_version(obj.version, version, rtype.noun)
    before = derive.snapshot(obj)
    lifecycle.move(
        session=session, actor=actor, machine=rtype.machine, obj=obj, to=to, note=note, what=_what(rtype, obj)
    )
    if rtype.moved:
        rtype.moved(session, actor, obj, to)
    session.flush()
    derive.refresh(session=session, actor=actor, model=rtype.model, before=before, after=derive.snapshot(obj))
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
    if not actor.can(rtype.sensitive_permission):  # they saw these masked: what comes back is not new
        hidden = {f.key for f in rtype.fields if f.sensitive}
        values = {k: v for k, v in values.items() if k not in hidden}
        for f in rtype.fields:
            if f.kind == "rows" and f.has_sensitive and f.key in values:
                values[f.key] = _unmasked_rows(f, values[f.key], getattr(obj, f.key) or [])
    before = derive.snapshot(obj)
    for key, value in values.items():
        setattr(obj, key, value)
    if rtype.check:
        rtype.check(session, actor, obj, before)
    if any(getattr(obj, k, None) != before.get(k) for k in ("org_unit_id", "place_unit_id")):
        _check_unit(session, actor, obj, rtype)  # a record moved: the new units must be the actor's
    conflict = Conflict(f"{rtype.noun}已存在（编号或年度重复）", field=rtype.fields[0].key)
    with unique_or(conflict), savepoint(session):
        session.flush()
    after = derive.snapshot(obj)
    if after == before:
        return obj
    changed(session, actor, rtype, Action.UPDATE, obj.id, rtype.title(obj), before, after)
    if rtype.updated:
        rtype.updated(session, actor, obj, before)
    return obj


def delete(*, session: Session, actor: Actor, rtype: RecordType, record_id: int, version: Any) -> None:
    actor.require(f"{rtype.module}:delete")
    obj = get_record(session=session, actor=actor, rtype=rtype, record_id=record_id)
    same_version(obj.version, version, rtype.noun)
    before = derive.snapshot(obj)
    title = rtype.title(obj)
    if rtype.before_delete:
        rtype.before_delete(session, obj)
    with unique_or(Conflict(f"{rtype.noun}“{title}”仍被其他记录引用，不能删除", field="id")):
        session.delete(obj)
        session.flush()
    changed(session, actor, rtype, Action.DELETE, record_id, title, before, None)
