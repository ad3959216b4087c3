"""Import every domain's models so that Base.metadata knows the whole schema (Alembic, tests)."""

from shanhai.analytics.models import SavedView
from shanhai.audit.models import AuditLog
from shanhai.auth.models import (
    ApiToken,
    FormToken,
    LoginLog,
    LoginThrottle,
    Role,
    RolePermission,
    User,
    UserSession,
    role_units,
    user_roles,
)
from shanhai.datasets.models import (
    DataSet,
    DataSetElement,
    Submission,
    ValidationRule,
    data_set_units,
)
from shanhai.db import Base
from shanhai.documents.models import Candidate, Document, Source
from shanhai.enterprises.models import Achievement, Enterprise, Push, Qualification, Support
from shanhai.imports.models import ImportJob
from shanhai.indicators.facts_table import AnalyticsChange, AnalyticsValue
from shanhai.indicators.models import Claim, DataElement, DataValue, Indicator, Period
from shanhai.investment.models import Task
from shanhai.lifecycle.models import StageChange
from shanhai.operations.models import (
    Activity,
    Attachment,
    ConsumptionSale,
    Disbursement,
    FundPlan,
    ParkYear,
    Person,
    Tranche,
    WorkGroup,
)
from shanhai.orgunits.models import OrgUnit
from shanhai.programmes.models import Place, Programme, programme_places
from shanhai.projects.models import Project

__all__ = [
    "Achievement",
    "Activity",
    "AnalyticsChange",
    "AnalyticsValue",
    "ApiToken",
    "Attachment",
    "AuditLog",
    "Base",
    "Candidate",
    "Claim",
    "ConsumptionSale",
    "DataElement",
    "DataSet",
    "DataSetElement",
    "DataValue",
    "Disbursement",
    "Document",
    "Enterprise",
    "FormToken",
    "FundPlan",
    "ImportJob",
    "Indicator",
    "LoginLog",
    "LoginThrottle",
    "OrgUnit",
    "ParkYear",
    "Period",
    "Person",
    "Place",
    "Programme",
    "Project",
    "Push",
    "Qualification",
    "Role",
    "RolePermission",
    "SavedView",
    "Source",
    "StageChange",
    "Submission",
    "Support",
    "Task",
    "Tranche",
    "User",
    "UserSession",
    "ValidationRule",
    "WorkGroup",
    "data_set_units",
    "programme_places",
    "role_units",
    "user_roles",
]
