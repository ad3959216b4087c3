"""Import every domain's models so that Base.metadata knows the whole schema (Alembic, tests)."""

from shanhai.audit.models import AuditLog
from shanhai.db import Base
from shanhai.documents.models import Document, Source
from shanhai.indicators.models import DataElement, DataValue, Period
from shanhai.orgunits.models import OrgUnit
from shanhai.programmes.models import Place, Programme, programme_places
from shanhai.projects.models import Project

__all__ = [
    "AuditLog",
    "Base",
    "DataElement",
    "DataValue",
    "Document",
    "OrgUnit",
    "Period",
    "Place",
    "Programme",
    "Project",
    "Source",
    "programme_places",
]
