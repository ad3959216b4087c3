"""Who is acting and what they may see. Every list, detail, export, report and roll-up of business data
passes through `visible` (a SQL condition) or `check_visible` (one record): the one scoping function."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import Session

from shanhai.auth.models import DataScope, LoginLog, User
from shanhai.auth.permissions import ALL_PERMISSIONS
from shanhai.errors import Forbidden, Invalid, OutOfScope
from shanhai.orgunits.models import OrgUnit


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    username: str
    display_name: str
    org_unit_id: int | None
    permissions: frozenset[str]
    scope_all: bool = False
    subtree_paths: tuple[str, ...] = ()  # 本单位及下级 / 自定义: these units and everything below
    units: tuple[int, ...] = ()  # 本单位: exactly these units
    own_rows: bool = False  # 仅本人: rows this user created
    ip: str = ""
    roles: tuple[str, ...] = field(default_factory=tuple)

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    def require(self, permission: str) -> None:
        if permission not in self.permissions:
            from shanhai.auth.permissions import label

            raise Forbidden(f"没有“{label(permission)}”权限", field=permission)


SYSTEM = Actor(
    user_id=None,
    username="system",
    display_name="系统",
    org_unit_id=None,
    permissions=ALL_PERMISSIONS,
    scope_all=True,
)


def actor_for(*, session: Session, user: User, ip: str = "") -> Actor:
    """The union of the user's roles: permissions and data scopes add up."""
    permissions: set[str] = set()
    paths: set[str] = set()
    units: set[int] = set()
    scope_all = own = False
    for role in user.roles:
        permissions |= role.permissions
        scope = DataScope(role.data_scope)
        if scope is DataScope.ALL:
            scope_all = True
        elif scope is DataScope.UNIT_AND_BELOW:
            paths.add(user.org_unit.path)
        elif scope is DataScope.UNIT:
            units.add(user.org_unit_id)
        elif scope is DataScope.CUSTOM:
            paths |= {u.path for u in role.custom_units}
        else:
            own = True
    return Actor(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        org_unit_id=user.org_unit_id,
        permissions=frozenset(permissions),
        scope_all=scope_all,
        subtree_paths=tuple(sorted(paths)),
        units=tuple(sorted(units)),
        own_rows=own,
        ip=ip,
        roles=tuple(r.name for r in user.roles),
    )


def visible(actor: Actor, unit_column: Any, creator_column: Any = None) -> ColumnElement[bool]:
    """SQL condition: the row's org unit (or, for 仅本人, its creator) is within the actor's scope."""
    if actor.scope_all:
        return true()
    conditions: list[ColumnElement[bool]] = []
    if actor.subtree_paths:
        under = select(OrgUnit.id).where(
            or_(*(OrgUnit.path.startswith(p, autoescape=True) for p in actor.subtree_paths))
        )
        conditions.append(unit_column.in_(under))
    if actor.units:
        conditions.append(unit_column.in_(actor.units))
    if actor.own_rows and creator_column is not None and actor.user_id is not None:
        conditions.append(creator_column == actor.user_id)
    return or_(*conditions) if conditions else false()


def unit_visible(actor: Actor, unit: OrgUnit, creator_id: int | None = None) -> bool:
    """The same rule as `visible`, for one record already loaded."""
    if actor.scope_all:
        return True
    if any(unit.path.startswith(p) for p in actor.subtree_paths) or unit.id in actor.units:
        return True
    return actor.own_rows and creator_id is not None and creator_id == actor.user_id


def check_visible(actor: Actor, unit: OrgUnit, creator_id: int | None = None, *, what: str = "记录") -> None:
    """Out of scope reads as not there (404): neither the unit's name nor the record's existence leaks."""
    if not unit_visible(actor, unit, creator_id):
        raise OutOfScope(f"{what}不存在或不在您的数据范围内")


def administers(actor: Actor, unit: OrgUnit) -> bool:
    """The unit lies within the actor's unit scopes; 仅本人 alone allows the user's own unit only (a new
    row's creator is always the actor, so the creator rule of `visible` would let anything in)."""
    if actor.scope_all:
        return True
    if any(unit.path.startswith(p) for p in actor.subtree_paths) or unit.id in actor.units:
        return True
    return actor.own_rows and unit.id == actor.org_unit_id


def check_can_create(actor: Actor, unit: OrgUnit, *, what: str = "数据") -> None:
    """A new row's unit must be one the actor administers, and open (a closed unit, 已撤销, keeps its
    history but takes no new records)."""
    if not administers(actor, unit):
        raise OutOfScope(f"单位不存在或不在您可录入{what}的范围内", field="org_unit_id")
    if unit.closed:
        raise Invalid(f"“{unit.name}”已撤销，不能再录入{what}", field="org_unit_id")


def log_event(
    *, session: Session, username: str, user_id: int | None, ip: str, event: str, message: str = ""
) -> None:
    session.add(LoginLog(username=username, user_id=user_id, ip=ip, event=event, message=message))
