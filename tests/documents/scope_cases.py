"""The matrix's cases for 报告文档: a report uploaded in 泉山区 is seen, and its figures accepted,
corrected or rejected, only by the personas whose scope holds 泉山区."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

from sqlalchemy import select

from shanhai.documents.models import Candidate, Document
from shanhai.documents.service import manual_source
from shanhai.flows import review
from shanhai.indicators import claims
from shanhai.indicators.models import Claim, DataElement, ValueKind
from shanhai.indicators.service import ensure_period
from shanhai.lib.cnnum import Qualifier
from shanhai.orgunits.models import OrgUnit
from tests.conftest import TEST_DATA_DIR, actor_of
from tests.scope import Ctx, refused, visible_units

REPORT = "2025年，泉山区新增高新技术企业45家，帮助53家企业获得贷款1.56亿元。".encode()


def _quanshan_document(ctx: Ctx) -> Document:
    """A report uploaded by the 泉山区 officer: in the scope of 泉山区 and of everyone above it."""
    document, _ = review.upload(
        session=ctx.session,
        actor=actor_of(ctx.session, "quanshan_officer"),
        data_dir=TEST_DATA_DIR,
        file_name="泉山.txt",
        data=REPORT + ctx.persona.encode(),
    )
    return document


def _sees_quanshan(ctx: Ctx) -> bool:
    units = visible_units(ctx.session, ctx.persona)
    quanshan = ctx.session.scalars(select(OrgUnit.id).where(OrgUnit.code == "XZ-QS")).one()
    return units is None or quanshan in units


def document_case(api: bool) -> Callable[[Ctx], None]:
    def check(ctx: Ctx) -> None:
        document = _quanshan_document(ctx)
        r = ctx.client.get(f"/api/v1/documents/{document.id}" if api else f"/documents/{document.id}")
        expected = (
            200 if _sees_quanshan(ctx) and ctx.allowed("documents:view") else refused(ctx, "documents:view")
        )
        assert r.status_code == expected, (ctx.persona, r.status_code)

    return check


def upload_case(api: bool) -> Callable[[Ctx], None]:
    def check(ctx: Ctx) -> None:
        files = {"file": ("报告.txt", REPORT + b"x" + ctx.persona.encode())}
        r = ctx.client.post(
            "/api/v1/documents/upload" if api else "/documents/upload", files=files, follow_redirects=False
        )
        expected = (201 if api else 303) if ctx.allowed("documents:create") else 403
        assert r.status_code == expected, (ctx.persona, r.status_code, r.text[:200])

    return check


def candidate_case(action: str, api: bool) -> Callable[[Ctx], None]:
    permission = "indicators:create" if action == "accept" else "indicators:edit"

    def check(ctx: Ctx) -> None:
        document = _quanshan_document(ctx)
        candidate = ctx.session.scalars(
            select(Candidate).where(Candidate.document_id == document.id).order_by(Candidate.start)
        ).first()  # 45家: without an order PostgreSQL may hand back 1.56亿元, which HNTE_NEW (家) refuses
        assert candidate is not None
        if action == "reopen":
            candidate.status = "驳回"
            ctx.session.flush()
        quanshan = ctx.session.scalars(select(OrgUnit.id).where(OrgUnit.code == "XZ-QS")).one()
        body = {
            "version": candidate.version,
            "element": "HNTE_NEW",
            "org_unit_id": quanshan,
            "period": "2031",
        }
        if api:
            r = ctx.client.post(f"/api/v1/candidates/{candidate.id}/{action}", json=body)
            ok = 200
        else:
            r = ctx.client.post(
                f"/documents/{document.id}/candidates/{candidate.id}",
                data=body | {"action": action},
                follow_redirects=False,
            )
            ok = 303
        if not ctx.allowed("documents:view"):
            expected = 403
        elif not _sees_quanshan(ctx):
            expected = 404 if ctx.allowed(permission) or not api else 403
        else:
            expected = ok if ctx.allowed(permission) else 403
        assert r.status_code == expected, (ctx.persona, action, r.status_code, r.text[:200])

    return check


CASES: dict[tuple[str, str], Callable[[Ctx], None]] = {
    ("GET", "/api/v1/documents/{document_id}"): document_case(api=True),
    ("GET", "/documents/{document_id}"): document_case(api=False),
    ("POST", "/api/v1/documents/upload"): upload_case(api=True),
    ("POST", "/documents/upload"): upload_case(api=False),
    ("POST", "/api/v1/candidates/{candidate_id}/accept"): candidate_case("accept", api=True),
    ("POST", "/api/v1/candidates/{candidate_id}/reject"): candidate_case("reject", api=True),
    ("POST", "/api/v1/candidates/{candidate_id}/reopen"): candidate_case("reopen", api=True),
    ("POST", "/documents/{document_id}/candidates/{candidate_id}"): candidate_case("accept", api=False),
}


def _quanshan_claim(ctx: Ctx) -> Claim:
    """What a 泉山区 briefing says about a cell the records keep (FUNDS): a claim in 泉山区's scope."""
    officer = actor_of(ctx.session, "quanshan_officer")
    unit = ctx.session.scalars(select(OrgUnit).where(OrgUnit.code == "XZ-QS")).one()
    return claims.add_claim(
        session=ctx.session,
        actor=officer,
        element=ctx.session.scalars(select(DataElement).where(DataElement.code == "FUNDS")).one(),
        org_unit=unit,
        period=ensure_period(session=ctx.session, period_id="2025"),
        programme=None,
        kind=ValueKind.ACTUAL,
        value=Decimal("1.2e8"),
        qualifier=Qualifier.EXACT,
        source=manual_source(session=ctx.session, username=officer.display_name),
    )


def reconcile_case(api: bool) -> Callable[[Ctx], None]:
    def check(ctx: Ctx) -> None:
        claim = _quanshan_claim(ctx)
        r = ctx.client.get("/api/v1/reconcile" if api else "/reconcile", params={"year": 2025})
        if not ctx.allowed("indicators:view"):
            assert r.status_code == 403, (ctx.persona, r.status_code)
            return
        assert r.status_code == 200, (ctx.persona, r.status_code, r.text[:200])
        shown = (
            {c["id"] for row in r.json()["rows"] for c in row["claims"]}
            if api
            else {int(i) for i in re.findall(r'id="claim(\d+)"', r.text)}
        )
        assert (claim.id in shown) == _sees_quanshan(ctx), (ctx.persona, shown)

    return check


def resolve_case(api: bool) -> Callable[[Ctx], None]:
    def check(ctx: Ctx) -> None:
        claim = _quanshan_claim(ctx)
        body = {"version": claim.version, "reason": "口径不同"}
        if api:
            r = ctx.client.post(f"/api/v1/claims/{claim.id}/resolve", json=body)
            ok = 200
        else:
            r = ctx.client.post(
                f"/reconcile/claims/{claim.id}", data=body | {"year": "2025"}, follow_redirects=False
            )
            ok = 303
        if not ctx.allowed("indicators:approve"):
            expected = 403
        elif not (_sees_quanshan(ctx) and ctx.allowed("indicators:view")):
            expected = 404
        else:
            expected = ok
        assert r.status_code == expected, (ctx.persona, r.status_code, r.text[:200])
        ctx.session.refresh(claim)
        assert (claim.resolution == "口径不同") == (expected == ok)

    return check


CASES |= {
    ("GET", "/api/v1/reconcile"): reconcile_case(api=True),
    ("GET", "/reconcile"): reconcile_case(api=False),
    ("POST", "/api/v1/claims/{claim_id}/resolve"): resolve_case(api=True),
    ("POST", "/reconcile/claims/{claim_id}"): resolve_case(api=False),
}
