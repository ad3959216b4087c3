"""Import every domain's models so that Base.metadata knows the whole schema (Alembic, tests)."""

from shanhai.audit.models import AuditLog
from shanhai.auth.models import (
    ApiToken,
    LoginLog,
    Role,
    RolePermission,
    User,
    UserSession,
    role_units,
    user_roles,
)
from shanhai.db import Base
from shanhai.documents.models import Document, Source
from shanhai.indicators.models import DataElement, DataValue, Period
from shanhai.orgunits.models import OrgUnit
from shanhai.programmes.models import Place, Programme, programme_places
from shanhai.projects.models import Project

__all__ = [
    "ApiToken",
    "AuditLog",
    "Base",
    "DataElement",
    "DataValue",
    "Document",
    "LoginLog",
    "OrgUnit",
    "Period",
    "Place",
    "Programme",
    "Project",
    "Role",
    "RolePermission",
    "Source",
    "User",
    "UserSession",
    "programme_places",
    "role_units",
    "user_roles",
]
