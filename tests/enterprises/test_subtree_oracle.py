"""Subtree summaries kept by the write path equal a recount from scratch: random loans of firms in two
districts and summary rows at the city and at a district (some inside others), written, changed and deleted in
a random order through the register kit; after each step every derived cell of 苏科贷 equals what
`derive.recount` (which loads the whole group) makes of the same rows, and the city's year equals
max(its summary, what it covers)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from shanhai.auth.scope import SYSTEM
from shanhai.documents.models import Source
from shanhai.enterprises.models import Enterprise
from shanhai.indicators.models import DataElement, DataValue
from shanhai.orgunits.models import OrgUnit
from shanhai.registers import derive
from shanhai.registers import kit as reg

CODES = ("sukedai_loans", "sukedai_firms")
step = st.tuples(
    st.sampled_from(("firm-QS", "firm-GL", "sum-XZ", "sum-QS", "change", "delete")),
    st.integers(1, 9),  # amount in 百万
    st.integers(1, 12),  # month
)


def _derived(session: Session) -> dict[tuple[str, int, str], Decimal]:
    rows = session.execute(
        select(DataElement.code, DataValue.org_unit_id, DataValue.period_id, DataValue.value)
        .join(DataElement, DataElement.id == DataValue.data_element_id)
        .join(Source, Source.id == DataValue.source_id)
        .where(Source.record_table.in_([f"derived:{c}" for c in CODES]), DataValue.period_id.like("2024%"))
    )
    return {(code, unit, period): value for code, unit, period, value in rows}


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(steps=st.lists(step, min_size=3, max_size=8))
def test_the_write_path_and_a_recount_agree(session: Session, steps) -> None:
    nested = session.begin_nested()
    try:
        unit = {
            c: session.scalars(select(OrgUnit.id).where(OrgUnit.code == c)).one()
            for c in ("XZ", "XZ-QS", "XZ-GL")
        }
        firms = {}
        for code in ("QS", "GL"):
            firms[code] = reg.create(
                session=session,
                actor=SYSTEM,
                rtype=reg.get_type("enterprises"),
                raw={"name": f"检验企业{code}", "org_unit_id": unit[f"XZ-{code}"]},
            ).id
        support = reg.get_type("support")
        made: list[int] = []
        for what, millions, month in steps:
            base = {"kind": "贷款", "product": "苏科贷", "amount": str(millions * 1_000_000)}
            if what.startswith("firm"):
                raw = base | {"enterprise_id": firms[what[-2:]], "granted_on": f"2024-{month:02d}-01"}
                made.append(reg.create(session=session, actor=SYSTEM, rtype=support, raw=raw).id)
            elif what.startswith("sum"):
                raw = base | {
                    "summary": True,
                    "org_unit_id": unit["XZ" if what == "sum-XZ" else "XZ-QS"],
                    "times": millions,
                    "granted_on": f"2024-{month:02d}-28",
                }
                made.append(reg.create(session=session, actor=SYSTEM, rtype=support, raw=raw).id)
            elif made:
                record_id = made[month % len(made)]
                obj = reg.get_record(session=session, actor=SYSTEM, rtype=support, record_id=record_id)
                if what == "change":
                    raw = {"version": obj.version, "amount": str(millions * 3_000_000)}
                    reg.update(session=session, actor=SYSTEM, rtype=support, record_id=record_id, raw=raw)
                else:
                    reg.delete(
                        session=session, actor=SYSTEM, rtype=support, record_id=record_id, version=obj.version
                    )
                    made.remove(record_id)
            session.flush()
            kept = _derived(session)
            derive.recount(session=session, actor=SYSTEM, codes=CODES)
            session.flush()
            assert _derived(session) == kept, (what, kept, _derived(session))
        assert session.scalar(select(Enterprise.id).where(Enterprise.name == "检验企业QS")) is not None
    finally:
        nested.rollback()
