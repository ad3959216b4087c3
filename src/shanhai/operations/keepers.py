"""Who keeps a figure: the one answer every door asks before a value is written (the values API and page,
review's accept, the demo loader, and the import to come).

A cell of an element × kind is kept
- by a register when a derivation declares it (`registers.catalogue.derivations`: 拨付记录 keep FUNDS actual,
  年度资金计划 keep FUNDS target …): its value is the records' sum and nothing else;
- by a data set's reports when the element is one of a data set's fields (actual values): its value is what
  the approved report says;
- otherwise by entry: a value typed or posted, or a figure accepted from a report.

The declarations decide, never which rows happen to exist. What a document says about a kept cell is a
claim (`indicators.claims`), reconciled with the keeper's figure and never added to it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from shanhai.datasets.models import DataSet, DataSetElement
from shanhai.indicators.models import DataElement, ValueKind
from shanhai.registers import catalogue


@dataclass(frozen=True)
class Keeper:
    kind: str  # "records" or "report"
    label: str  # 台账“拨付记录” / 报表“区县重点工作月报”

    @property
    def refusal(self) -> str:
        how = "请登记或修改相应记录" if self.kind == "records" else "请在该报表的填报页录入"
        return (
            f"该指标的数值由{self.label}产生，不能手工录入：{how}；"
            "报告中的数字请在报告文档中采纳为报告数，用于对账"
        )


def keeper_of(*, session: Session, element: DataElement, kind: ValueKind) -> Keeper | None:
    """The register or data set that keeps `element`'s values of `kind`, or None (kept by entry)."""
    labels = [d.label for d in catalogue.derivations() if d.element == element.code and d.kind is kind]
    if labels:
        return Keeper("records", "台账“" + "、".join(dict.fromkeys(labels)) + "”")
    if kind is ValueKind.ACTUAL:
        data_set = session.scalars(
            select(DataSet.name)
            .join(DataSetElement, DataSetElement.data_set_id == DataSet.id)
            .where(DataSetElement.data_element_id == element.id)
            .order_by(DataSet.id)
        ).first()
        if data_set is not None:
            return Keeper("report", f"报表“{data_set}”")
    return None
