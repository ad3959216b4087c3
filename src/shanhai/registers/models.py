"""What every register's record has (the register kit, `registers.kit`): an id, an org unit (the place or
unit it belongs to, which is also its data scope), an optional programme, an optional source (the report span
it was read from), a creator, a note and a version (an edit from a stale form is a 409)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from shanhai.db import Timestamped
from shanhai.documents.models import Source
from shanhai.orgunits.models import OrgUnit
from shanhai.programmes.models import Programme


class RecordMixin(Timestamped):
    """What every record of a register has."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    @declared_attr
    def org_unit_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("org_units.id", ondelete="RESTRICT"), index=True)

    @declared_attr
    def programme_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("programmes.id", ondelete="RESTRICT"), index=True)

    @declared_attr
    def source_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("sources.id", ondelete="RESTRICT"))

    @declared_attr
    def created_by_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)

    @declared_attr
    def org_unit(cls) -> Mapped[OrgUnit]:
        return relationship(OrgUnit, foreign_keys=f"{cls.__name__}.org_unit_id")  # type: ignore[attr-defined]

    @declared_attr
    def programme(cls) -> Mapped[Programme | None]:
        return relationship(Programme)

    @declared_attr
    def source(cls) -> Mapped[Source | None]:
        return relationship(Source)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, object]:
        return {"version_id_col": cls.version}
