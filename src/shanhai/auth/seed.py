"""Default roles (in the style of RuoYi back-offices) and the first administrator."""

from __future__ import annotations

from sqlalchemy.orm import Session

from shanhai.audit.service import Action, record
from shanhai.auth.models import DataScope, Role, User
from shanhai.auth.permissions import ALL_PERMISSIONS, BUSINESS_VIEW, SETUP
from shanhai.auth.service import (
    check_password_strength,
    check_username_free,
    hash_password,
    normalise_username,
    upsert_role,
)
from shanhai.db import find_one, utcnow
from shanhai.orgunits import service as orgunits
from shanhai.orgunits.models import OrgKind, OrgUnit

SYSTEM_ADMIN = "system_admin"
BUSINESS = ALL_PERMISSIONS - SETUP
ENTRY = BUSINESS_VIEW | {
    "indicators:create",
    "indicators:edit",
    "indicators:export",
    "projects:export",
    "records:create",
    "records:edit",
    "records:export",
    "enterprises:create",
    "enterprises:edit",
    "enterprises:export",
    "documents:create",
}

# code: (name, data scope, permissions, description)
DEFAULT_ROLES: dict[str, tuple[str, DataScope, frozenset[str], str]] = {
    SYSTEM_ADMIN: ("系统管理员", DataScope.ALL, ALL_PERMISSIONS, "全部菜单与按钮，管理用户、角色和日志"),
    "city_admin": (
        "市级管理员",
        DataScope.ALL,
        BUSINESS,
        "全市业务数据的查看、录入、审核、导出，查看操作日志",
    ),
    "district_officer": (
        "区县/部门填报员",
        DataScope.UNIT_AND_BELOW,
        ENTRY,
        "本单位及下级数据的查看、录入、导出",
    ),
    "workgroup_member": (
        "工作组成员",
        DataScope.UNIT_AND_BELOW,
        ENTRY - {"indicators:export"},
        "本工作组数据的查看与录入",
    ),
    "viewer": ("只读用户", DataScope.UNIT_AND_BELOW, BUSINESS_VIEW, "本单位及下级数据只读"),
}


def ensure_default_roles(*, session: Session) -> dict[str, Role]:
    """Create the default roles that are missing; roles an admin has edited are left as they are."""
    roles = {}
    for code, (name, scope, permissions, description) in DEFAULT_ROLES.items():
        role = find_one(session, Role, code=code)
        if role is None:
            role = upsert_role(
                session=session,
                code=code,
                name=name,
                data_scope=scope,
                permissions=set(permissions),
                units=[],
            )
            role.description = description
        roles[code] = role
    return roles


def create_admin(*, session: Session, username: str, password: str, org_unit_code: str | None = None) -> User:
    """The first administrator (`shanhai user create-admin`): role 系统管理员, the root unit by default."""
    username = normalise_username(username)
    check_username_free(session=session, username=username)
    check_password_strength(password, username=username)
    roles = ensure_default_roles(session=session)
    if org_unit_code:
        unit = orgunits.get_by_code(session=session, code=org_unit_code)
    else:
        root = find_one(session, OrgUnit, level=1, parent_id=None)
        unit = root or orgunits.create(
            session=session, code="ROOT", name="本级", kind=OrgKind.CITY, parent=None
        )
    user = User(
        username=username,
        display_name=username,
        password_hash=hash_password(password),
        org_unit=unit,
        roles=[roles[SYSTEM_ADMIN]],
        password_changed_at=utcnow(),
    )
    session.add(user)
    session.flush()
    record(
        session=session,
        actor="system",
        module="系统管理",
        action=Action.CREATE,
        object_type="user",
        object_id=user.id,
        summary=f"创建管理员 {username}",
    )
    return user
