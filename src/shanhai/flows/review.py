"""Reports read into indicators: upload a report (txt, docx, pdf), find every figure in it, suggest for each a
data element, org unit, period and programme (saying which words led there), and let a reviewer accept a
figure into a data value that cites it, correct it first, or reject it.

One upload stores the file once by its SHA-256 and the plain text its offsets refer to; the same file sent
again finds the same document. Each figure is a candidate on the shared lifecycle (待审 → 采纳 / 已更正 /
驳回, 驳回 → 待审); accepting goes through the one write path of values (scope, report ownership, rules,
audit)."""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from shanhai.audit.service import Action, record
from shanhai.auth.scope import Actor, unit_visible, visible
from shanhai.db import same_version, serialize
from shanhai.documents import when as when_
from shanhai.documents.extraction import extract_figures
from shanhai.documents.extraction.readers import read_document
from shanhai.documents.models import STANDINGS, Candidate, CandidateStatus, Document
from shanhai.documents.service import document_source
from shanhai.documents.spans import sentence_span
from shanhai.errors import Conflict, Invalid, NotFound
from shanhai.flows import values as values_flow
from shanhai.flows.suggest import Suggester
from shanhai.indicators import claims
from shanhai.indicators.models import Claim, DataElement, ValueKind
from shanhai.indicators.service import check_number, ensure_period, same_unit
from shanhai.lib import blobs, periods
from shanhai.lib.cnnum import Qualifier, format_quantity, normalize
from shanhai.lib.hanzi import simplified
from shanhai.lifecycle.service import Machine, Move, move
from shanhai.operations.keepers import keeper_of
from shanhai.orgunits.models import OrgUnit
from shanhai.programmes.models import Programme

MODULE = "报告文档"
S = CandidateStatus
MACHINE = Machine(
    kind="candidate",
    module=MODULE,
    field="status",
    labels={s.value: s.value for s in CandidateStatus},
    moves=(
        Move(S.PENDING.value, S.ACCEPTED.value, "采纳", "indicators:create"),
        Move(S.PENDING.value, S.CORRECTED.value, "更正后采纳", "indicators:create"),
        Move(S.PENDING.value, S.REJECTED.value, "驳回", "indicators:edit"),
        Move(S.REJECTED.value, S.PENDING.value, "恢复待审", "indicators:edit"),
        # the value it became was deleted: the figure can be reviewed again
        Move(S.ACCEPTED.value, S.PENDING.value, "数值已删除，恢复待审", "indicators:edit"),
        Move(S.CORRECTED.value, S.PENDING.value, "数值已删除，恢复待审", "indicators:edit"),
    ),
    note_field="note",
)
MAX_FIGURES = 3000  # candidates of one report: a longer report is split before review


def document_visible(actor: Actor, document: Document, unit: OrgUnit | None) -> bool:
    """A report the demo loaded belongs to no unit and is everyone's; an uploaded one is in its unit's
    scope."""
    if document.org_unit_id is None or unit is None:
        return True
    return unit_visible(actor, unit, document.uploaded_by_id)


def get_document(*, session: Session, actor: Actor, document_id: int) -> Document:
    actor.require("documents:view")
    document = session.get(Document, document_id)
    unit = session.get(OrgUnit, document.org_unit_id) if document and document.org_unit_id else None
    if document is None or not document_visible(actor, document, unit):
        raise NotFound("文档不存在或不在您的数据范围内", field="document_id")
    return document


def visible_documents(actor: Actor) -> ColumnElement[bool]:
    return or_(Document.org_unit_id.is_(None), visible(actor, Document.org_unit_id, Document.uploaded_by_id))


# --- upload --------------------------------------------------------------------------------------------


def upload(
    *,
    session: Session,
    actor: Actor,
    data_dir: Path,
    file_name: str,
    data: bytes,
    title: str = "",
    publisher: str = "",
    published_on: date | None = None,
    standing: str = "other",
) -> tuple[Document, bool]:
    """(the document, whether it is new). Nothing is stored when the file cannot be read."""
    actor.require("documents:create")
    if standing not in STANDINGS:
        raise Invalid(f"报告类别应为：{'、'.join(STANDINGS.values())}", field="standing")
    if standing == "city" and not actor.scope_all:  # it outranks every other report on 对账
        raise Invalid("只有市级用户可以把报告登记为“市级正式报告、通报”", field="standing")
    name = blobs.clean_file_name(file_name)
    if published_on is not None and not 1990 <= published_on.year <= 2100:
        raise Invalid("发布日期应在 1990–2100 年之间", field="published_on")
    text = read_document(data, name)  # a DocumentError names the problem (field "file")
    figures = extract_figures(text)
    if len(figures) > MAX_FIGURES:
        raise Invalid(
            f"报告中识别出 {len(figures):,} 个数字，超过一次审核的上限 {MAX_FIGURES:,} 个：请拆分后上传",
            field="file",
        )
    title = blobs.INVISIBLE.sub("", title).strip()[:200] or os.path.splitext(name)[0][:200]
    publisher = blobs.INVISIBLE.sub("", publisher).strip()[:128]
    suggester = Suggester(session, actor)
    report = when_.report_period(title, text, published_on)
    plain, heading = simplified(text), simplified(title)  # 個 is 个 to the suggester, offsets unchanged
    hints = [suggester.suggest(plain, figure, report, heading) for figure in figures]
    sha256 = hashlib.sha256(data).hexdigest()
    # the slow part is done: now one writer at a time per file (the same file sent twice: one document)
    serialize(session, f"document:{sha256}")
    for same in session.scalars(
        select(Document).where(Document.sha256 == sha256, Document.plain_text.is_not(None))
    ):
        unit = session.get(OrgUnit, same.org_unit_id) if same.org_unit_id else None
        if document_visible(actor, same, unit):
            return same, False
    blobs.store(data_dir, "documents", sha256, data)
    document = Document(
        code=f"up-{sha256[:16]}-{uuid.uuid4().hex[:8]}",
        title=title,
        publisher=publisher,
        published_on=published_on,
        standing=standing,
        file_name=name,
        sha256=sha256,
        char_count=len(text),
        plain_text=text,
        org_unit_id=actor.org_unit_id,
        uploaded_by_id=actor.user_id,
        size=len(data),
        note="上传的报告",
    )
    session.add(document)
    session.flush()
    session.add_all(
        Candidate(
            document_id=document.id,
            start=figure.start,
            end=figure.end,
            text=figure.text[:64],
            value=figure.value,
            value_max=figure.value_max,
            unit=figure.unit[:16],
            qualifier=figure.qualifier.value,
            subject=figure.subject[:128],
            element_id=hint.element_id,
            suggested_unit_id=hint.unit_id,
            period_id=hint.period_id,
            programme_id=hint.programme_id,
            reason=hint.reason,
            kind=hint.kind,
            alternatives=json.dumps(
                {name: [[o.id, o.why] for o in options] for name, options in hint.options.items()},
                ensure_ascii=False,
            ),
        )
        for figure, hint in zip(figures, hints, strict=True)
    )
    session.flush()
    record(
        session=session,
        actor=actor,
        module=MODULE,
        action=Action.CREATE,
        object_type="document",
        object_id=document.id,
        summary=f"上传报告：《{title}》（{len(text)} 字，{len(figures)} 个数字待审）",
        after={"sha256": sha256, "size": len(data), "figures": len(figures)},
    )
    return document, True


# --- review --------------------------------------------------------------------------------------------


def get_candidate(*, session: Session, actor: Actor, candidate_id: int) -> Candidate:
    candidate = session.get(Candidate, candidate_id)
    if candidate is None:
        raise NotFound("待审数字不存在或不在您的数据范围内", field="candidate_id")
    get_document(session=session, actor=actor, document_id=candidate.document_id)
    return candidate


def accept(
    *,
    session: Session,
    actor: Actor,
    candidate_id: int,
    version: int | None,
    element_code: str,
    org_unit_id: int,
    period_id: str,
    programme_id: int | None,
    value: Decimal | None = None,
    qualifier: Qualifier | None = None,
    note: str = "",
    kind: ValueKind | None = None,
) -> Candidate:
    """Accept a figure into a data value citing it (its span and sentence), as an actual figure or a target
    (the suggestion's kind unless `kind` says otherwise). A value or qualifier other than the extracted one
    makes it 已更正 (the reason goes into the history)."""
    actor.require("indicators:create")
    if value is not None:  # the rules of every value, before anything is formatted with it
        check_number(value)
    candidate = get_candidate(session=session, actor=actor, candidate_id=candidate_id)
    same_version(candidate.version, version, "数字")
    document = candidate.document
    text = document.plain_text or ""
    element = session.scalar(select(DataElement).where(DataElement.code == element_code.strip()))
    if element is None:
        raise Invalid(f"指标不存在：{element_code[:40]}", field="element")
    corrected = (value is not None and value != candidate.value) or (
        qualifier is not None and qualifier.value != candidate.qualifier
    )
    if value is None and not same_unit(element.unit, candidate.unit):
        raise Invalid(
            f"数字的单位“{candidate.unit}”与指标“{element.name}”的单位“{element.unit}”不符：请改选指标，"
            "或按指标的单位更正数值后采纳",
            field="element",
        )
    s_start, s_end = sentence_span(text, candidate.start, candidate.end)
    source = document_source(
        session=session,
        document=document,
        figure_text=candidate.text,
        span=(candidate.start, candidate.end, s_start, s_end),
        note=f"审核采纳：{actor.display_name}",
    )
    to = S.CORRECTED if corrected else S.ACCEPTED
    if corrected and not note.strip():
        was = format_quantity(candidate.value, candidate.unit)
        note = f"更正：{was} → {normalize(value or candidate.value)}"
    move(
        session=session,
        actor=actor,
        machine=MACHINE,
        obj=candidate,
        to=to.value,
        note=note,
        what=f"数字“{candidate.text}”",
    )
    kind = kind or ValueKind(candidate.kind or ValueKind.ACTUAL.value)
    candidate.kind = kind.value
    number = value if value is not None else candidate.value
    how = qualifier or Qualifier(candidate.qualifier)
    comment = f"采自《{document.title}》"
    try:
        finer = periods.finer(periods.parse(period_id).type.value, element.grain_of(kind.value))
    except periods.PeriodFormatError:
        finer = False  # the write path below names the bad period
    if finer or keeper_of(session=session, element=element, kind=kind) is not None:
        # what the report says about a cell the records or a report keep, or for a period finer than the
        # element's declared grain: a claim, reconciled, never added
        unit = session.get(OrgUnit, org_unit_id)
        if unit is None:
            raise Invalid(f"组织单位不存在：{org_unit_id}", field="org_unit_id")
        programme = session.get(Programme, programme_id) if programme_id is not None else None
        if programme_id is not None and programme is None:
            raise Invalid(f"重点工作不存在：{programme_id}", field="programme_id")
        claim = claims.add_claim(
            session=session,
            actor=actor,
            element=element,
            org_unit=unit,
            period=ensure_period(session=session, period_id=period_id),
            programme=programme,
            kind=kind,
            value=number,
            qualifier=how,
            source=source,
            comment=comment,
        )
        candidate.claim_id = claim.id
        candidate.period_id = claim.period_id
    else:
        data_value = values_flow.create_value(
            session=session,
            actor=actor,
            element_code=element.code,
            org_unit_id=org_unit_id,
            period_id=period_id,
            programme_id=programme_id,
            kind=kind,
            value=number,
            qualifier=how,
            comment=comment,
            source=source,
        )
        candidate.value_id = data_value.id
        candidate.period_id = data_value.period_id
    candidate.element_id, candidate.suggested_unit_id = element.id, org_unit_id
    candidate.programme_id = programme_id
    session.flush()
    return candidate


def reject(
    *, session: Session, actor: Actor, candidate_id: int, version: int | None, note: str = ""
) -> Candidate:
    actor.require("indicators:edit")
    candidate = get_candidate(session=session, actor=actor, candidate_id=candidate_id)
    same_version(candidate.version, version, "数字")
    move(
        session=session,
        actor=actor,
        machine=MACHINE,
        obj=candidate,
        to=S.REJECTED.value,
        note=note,
        what=f"数字“{candidate.text}”",
    )
    return candidate


def reopen(*, session: Session, actor: Actor, candidate_id: int, version: int | None) -> Candidate:
    actor.require("indicators:edit")
    candidate = get_candidate(session=session, actor=actor, candidate_id=candidate_id)
    same_version(candidate.version, version, "数字")
    if candidate.value_id is not None:
        raise Conflict("该数字已录入为数值：请先删除那条数值，再恢复待审", field="status")
    if candidate.claim_id is not None:  # a claim is the figure's own: reopening the figure withdraws it
        claim = session.get(Claim, candidate.claim_id)
        candidate.claim_id = None
        if claim is not None:
            claims.remove_claim(session=session, actor=actor, claim=claim, why="数字恢复待审")
    move(
        session=session,
        actor=actor,
        machine=MACHINE,
        obj=candidate,
        to=S.PENDING.value,
        what=f"数字“{candidate.text}”",
    )
    return candidate


# --- the reading view (one data function: the page and its JSON twin) --------------------------------------


class Segment(BaseModel):
    text: str
    candidate_id: int | None = None
    status: str | None = None


class Alternative(BaseModel):
    value: str
    label: str
    why: str


FIELD_LABELS = {"element": "指标", "org_unit": "单位", "period": "期间", "programme": "重点工作"}


def _alternatives(
    c: Candidate,
    element_of: Callable[[int], DataElement | None],
    unit_of: Callable[[int], OrgUnit | None],
    programme_of: Callable[[int], Programme | None],
) -> dict[str, list[Alternative]]:
    """The stored ranking, named as the form names its choices (an element, unit or programme since
    deleted drops out)."""
    try:
        stored = json.loads(c.alternatives) if c.alternatives else {}
    except ValueError:
        return {}

    def element(i: str) -> tuple[str, str] | None:
        e = element_of(int(i))
        return (e.code, e.name) if e else None

    def unit(i: str) -> tuple[str, str] | None:
        u = unit_of(int(i))
        return (str(u.id), u.name) if u else None

    def programme(i: str) -> tuple[str, str] | None:
        p = programme_of(int(i))
        return (str(p.id), p.short_name) if p else None

    naming: dict[str, Callable[[str], tuple[str, str] | None]] = {
        "element": element,
        "org_unit": unit,
        "period": lambda i: (i, periods.name_of(i)),
        "programme": programme,
    }
    out: dict[str, list[Alternative]] = {}
    for name, named in naming.items():
        out[name] = []
        for id_, why in stored.get(name, []):
            found = named(str(id_))
            if found is not None:
                out[name].append(Alternative(value=found[0], label=found[1], why=why))
    return out


class CandidateRead(BaseModel):
    id: int
    version: int
    start: int
    end: int
    text: str
    display: str
    value: Decimal
    unit: str
    qualifier: str
    subject: str
    status: str
    sentence: str
    kind: str  # actual or target: suggested, then as accepted
    element: str | None  # code
    element_name: str | None
    org_unit_id: int | None
    org_unit: str | None
    period_id: str | None
    programme_id: int | None
    programme: str | None
    reason: str
    value_id: int | None
    claim_id: int | None  # accepted for a cell a register or a data set keeps: a claim (see /reconcile)
    # the best three of each field, best first: what the form would take (element code, unit or programme
    # id, period id), its name, and the words that led there
    alternatives: dict[str, list[Alternative]] = {}


class DocumentPage(BaseModel):
    id: int
    title: str
    publisher: str
    file_name: str | None
    char_count: int | None
    size: int | None
    pending: int
    segments: list[Segment]
    candidates: list[CandidateRead]


def _candidate_read(
    c: Candidate,
    text: str,
    element_of: Callable[[int], DataElement | None],
    unit_of: Callable[[int], OrgUnit | None],
    programme_of: Callable[[int], Programme | None],
) -> CandidateRead:
    s_start, s_end = sentence_span(text, c.start, c.end)
    element = element_of(c.element_id) if c.element_id else None
    unit = unit_of(c.suggested_unit_id) if c.suggested_unit_id else None
    programme = programme_of(c.programme_id) if c.programme_id else None
    return CandidateRead(
        id=c.id,
        version=c.version,
        start=c.start,
        end=c.end,
        text=c.text,
        display=format_quantity(normalize(c.value), c.unit, c.qualifier),
        value=normalize(c.value),
        unit=c.unit,
        qualifier=c.qualifier,
        subject=c.subject,
        status=c.status,
        sentence=" ".join(text[s_start:s_end].split()),
        kind=c.kind or ValueKind.ACTUAL.value,
        element=element.code if element else None,
        element_name=element.name if element else None,
        org_unit_id=unit.id if unit else None,
        org_unit=unit.name if unit else None,
        period_id=c.period_id,
        programme_id=programme.id if programme else None,
        programme=programme.short_name if programme else None,
        reason=c.reason,
        value_id=c.value_id,
        claim_id=c.claim_id,
        alternatives=_alternatives(c, element_of, unit_of, programme_of),
    )


def candidate_read(*, session: Session, candidate: Candidate) -> CandidateRead:
    """One candidate as the reading view shows it (the API's answer to a decision), without the others."""
    return _candidate_read(
        candidate,
        candidate.document.plain_text or "",
        lambda i: session.get(DataElement, i),
        lambda i: session.get(OrgUnit, i),
        lambda i: session.get(Programme, i),
    )


def position(*, session: Session, candidate: Candidate) -> int:
    """How many figures of its document come before this one (which page of the review cards it is on)."""
    before = select(func.count()).where(
        Candidate.document_id == candidate.document_id, Candidate.start < candidate.start
    )
    return session.scalar(before) or 0


def document_page(*, session: Session, actor: Actor, document_id: int) -> DocumentPage:
    document = get_document(session=session, actor=actor, document_id=document_id)
    text = document.plain_text
    if text is None:
        raise NotFound("该文档没有可审阅的原文（演示数据的报告请看出处引用）", field="document_id")
    rows = list(
        session.scalars(
            select(Candidate).where(Candidate.document_id == document.id).order_by(Candidate.start)
        )
    )
    elements = {e.id: e for e in session.scalars(select(DataElement))}
    units = {u.id: u for u in session.scalars(select(OrgUnit))}
    programmes = {p.id: p for p in session.scalars(select(Programme))}
    segments: list[Segment] = []
    pos = 0
    for c in rows:
        if c.start < pos:
            continue
        segments.append(Segment(text=text[pos : c.start]))
        segments.append(Segment(text=text[c.start : c.end], candidate_id=c.id, status=c.status))
        pos = c.end
    segments.append(Segment(text=text[pos:]))
    reads = [_candidate_read(c, text, elements.get, units.get, programmes.get) for c in rows]
    return DocumentPage(
        id=document.id,
        title=document.title,
        publisher=document.publisher,
        file_name=document.file_name,
        char_count=document.char_count,
        size=document.size,
        pending=sum(1 for c in rows if c.status == S.PENDING.value),
        segments=segments,
        candidates=reads,
    )


def check_period(period_id: str) -> str:
    try:
        return periods.parse(period_id.strip()).id
    except periods.PeriodFormatError as exc:
        raise Invalid(str(exc), field="period") from exc
