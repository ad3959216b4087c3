"""对账: what reports claim beside what the records (or the approved reports) say, cell by cell — the check an
official makes before a figure goes out. One data function for the page and its JSON twin.

For each cell with claims (element × kind × unit × period × programme) in the actor's scope: 计划数 (the
target, when the element has one), 台账/填报数 (the roll-up of the records or reports that keep the cell, from
the one analytics engine; for a district of the city paired with partner places, the roll-up over those
places — a sending district's claim is about what they received), and each claim with its document, 差额
and whether it agrees by its wording (`indicators.claims.consistent`). A difference resolved by a person
with 审核 stops being flagged. Where several reports claim one cell, the one of highest standing (the city's
own report above a district's briefing above a news item: `Document.standing`) decides the cell's status;
a lower one that differs is shown as outranked (以更高类别报告为准), not flagged."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from shanhai.analytics.engine import figures
from shanhai.auth.scope import Actor
from shanhai.documents.models import STANDINGS, Source, standing_rank
from shanhai.indicators.claims import consistent, visible_claims
from shanhai.indicators.models import Claim, Period, ValueKind
from shanhai.lib.cnnum import Qualifier, format_quantity, normalize
from shanhai.operations.keepers import keeper_of
from shanhai.operations.models import Pairing
from shanhai.orgunits.models import OrgUnit

AGREES, DIFFERS, RESOLVED, OUTRANKED = "一致", "有差异", "已处理", "以更高类别报告为准"


class ClaimRow(BaseModel):
    id: int
    version: int
    value: Decimal
    display: str
    figure_text: str
    document_id: int | None
    document: str
    standing: str  # the document's standing, in words
    difference: Decimal | None  # claimed − recorded
    difference_display: str
    agrees: bool
    status: str  # 一致 / 有差异 / 已处理 / 以更高类别报告为准
    resolution: str
    certified: Decimal | None
    certified_display: str


class CellRow(BaseModel):
    element_code: str
    element: str
    unit_id: int
    unit: str
    period_id: str
    period: str
    programme: str | None
    kind: str
    keeper: str
    through: list[str]  # the partner places whose records stand for a sending district's (结对关系)
    planned: Decimal | None
    planned_display: str
    recorded: Decimal | None
    recorded_display: str
    status: str
    claims: list[ClaimRow]


class Reconciliation(BaseModel):
    year: int | None
    years: list[int]
    rows: list[CellRow]
    flagged: int  # cells with a difference nobody has resolved


def outermost(units: list[OrgUnit]) -> list[OrgUnit]:
    """The units not inside another of them: a roll-up over a place already holds the places within it (a
    district paired with 伊犁州 and with 奎屯 inside it sent its money once, not twice)."""
    return [u for u in units if not any(v.id != u.id and u.path.startswith(v.path) for v in units if v.path)]


def _figure(session: Session, actor: Actor, dx: str, claim: Claim, units: list[OrgUnit]) -> Decimal | None:
    """The roll-up of `dx` over `units` for the claim's period and programme (None: no value at all); a unit
    inside another of them is counted with it, once."""
    units = outermost(units)
    result = figures(
        session=session,
        actor=actor,
        dx=dx,
        ou=";".join(u.code for u in units),
        pe=claim.period_id,
        programme=claim.programme.code if claim.programme else None,
    )
    found = [result.value(dx, u.code, claim.period_id) for u in units]
    return None if all(v is None for v in found) else sum((v for v in found if v is not None), Decimal(0))


def receiving_places(session: Session, claim: Claim) -> list[OrgUnit]:
    """A sending district's partner places in the claim's programme during its period (结对关系): its
    claim about money sent or projects built is reconciled against their records."""
    query = select(Pairing).where(
        Pairing.org_unit_id == claim.org_unit_id,
        Pairing.started_on <= claim.period.end_date,
        or_(Pairing.ended_on.is_(None), Pairing.ended_on >= claim.period.start_date),
    )
    if claim.programme_id is not None:
        query = query.where(or_(Pairing.programme_id.is_(None), Pairing.programme_id == claim.programme_id))
    return sorted({p.place_unit for p in session.scalars(query)}, key=lambda u: u.id)


def _shown(value: Decimal | None, unit: str, empty: str = "—") -> str:
    return empty if value is None else format_quantity(value, unit)


def _rank(claim: Claim) -> int:
    document = claim.source.document
    return standing_rank(document.standing if document else "other")


def _standing(source: Source) -> str:
    return STANDINGS.get(source.document.standing, "") if source.document else "手工录入"


def _document(source: Source) -> str:
    return f"《{source.document.title}》" if source.document else "（手工录入）"


def reconcile(*, session: Session, actor: Actor, year: int | None = None) -> Reconciliation:
    actor.require("indicators:view")
    query = (
        select(Claim)
        .join(Claim.period)
        .where(visible_claims(actor))
        .options(
            selectinload(Claim.org_unit),
            selectinload(Claim.data_element),
            selectinload(Claim.period),
            selectinload(Claim.programme),
            selectinload(Claim.source).selectinload(Source.document),
        )
        .order_by(Period.start_date, Claim.data_element_id, Claim.org_unit_id, Claim.id)
    )
    all_claims = list(session.scalars(query))
    years = sorted({c.period.end_date.year for c in all_claims}, reverse=True)
    year = year if year is not None else (years[0] if years else None)
    cells: dict[tuple[object, ...], list[Claim]] = {}
    for claim in all_claims:
        if claim.period.end_date.year != year:
            continue
        key = (claim.data_element_id, claim.kind, claim.org_unit_id, claim.period_id, claim.programme_id)
        cells.setdefault(key, []).append(claim)
    rows = []
    for found in cells.values():
        first = found[0]
        element, kind = first.data_element, ValueKind(first.kind)
        code = element.code if kind is ValueKind.ACTUAL else f"{element.code}.target"
        places = receiving_places(session, first)
        units = places or [first.org_unit]
        recorded = _figure(session, actor, code, first, units)
        planned = None
        if kind is ValueKind.ACTUAL:
            planned = _figure(session, actor, f"{element.code}.target", first, units)
        keeper = keeper_of(session=session, element=element, kind=kind)
        claim_rows = []
        found.sort(key=lambda c: (_rank(c), c.id))
        top = _rank(found[0])
        for claim in found:
            agrees = recorded is not None and consistent(
                claimed=claim.value,
                qualifier=claim.qualifier,
                figure_text=claim.source.figure_text,
                recorded=recorded,
            )
            difference = None if recorded is None else normalize(claim.value - recorded)
            status = AGREES if agrees else (RESOLVED if claim.resolution else DIFFERS)
            if status == DIFFERS and _rank(claim) > top:
                status = OUTRANKED
            claim_rows.append(
                ClaimRow(
                    id=claim.id,
                    version=claim.version,
                    value=normalize(claim.value),
                    display=format_quantity(claim.value, element.unit, Qualifier(claim.qualifier)),
                    figure_text=claim.source.figure_text,
                    document_id=claim.source.document_id,
                    document=_document(claim.source),
                    standing=_standing(claim.source),
                    difference=difference,
                    difference_display="—"
                    if difference is None
                    else format_quantity(difference, element.unit),
                    agrees=agrees,
                    status=status,
                    resolution=claim.resolution,
                    certified=None if claim.certified is None else normalize(claim.certified),
                    certified_display=_shown(claim.certified, element.unit, empty=""),
                )
            )
        statuses = {c.status for c in claim_rows}
        rows.append(
            CellRow(
                element_code=element.code,
                element=element.name,
                unit_id=first.org_unit_id,
                unit=first.org_unit.name,
                period_id=first.period_id,
                period=first.period.name,
                programme=first.programme.short_name if first.programme else None,
                kind="目标" if kind is ValueKind.TARGET else "实际",
                keeper=keeper.label if keeper else "手工录入",
                through=[u.name for u in places],
                planned=planned,
                planned_display=_shown(planned, element.unit),
                recorded=recorded,
                recorded_display="—（无记录）"
                if recorded is None
                else format_quantity(recorded, element.unit),
                status=DIFFERS if DIFFERS in statuses else (RESOLVED if RESOLVED in statuses else AGREES),
                claims=claim_rows,
            )
        )
    return Reconciliation(
        year=year, years=years, rows=rows, flagged=sum(1 for r in rows if r.status == DIFFERS)
    )
