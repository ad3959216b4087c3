"""The matrix's cases for the office's set-up (units, programmes and places, elements, indicators, targets,
data sets, roles): admin only, and nothing changes for the others."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from shanhai.orgunits.models import OrgUnit
from tests.scope import Ctx, _data_set, gated, setup_case, viewer_role


def _unit_id(ctx: Ctx) -> int:
    return ctx.session.scalars(select(OrgUnit.id).where(OrgUnit.code == "XZ-QS")).one()


def _element_id(ctx: Ctx) -> int:
    from shanhai.indicators.models import DataElement

    return ctx.session.scalars(select(DataElement.id).where(DataElement.code == "FUNDS")).one()


def _programme_id(ctx: Ctx) -> int:
    from shanhai.programmes.models import Programme

    return ctx.session.scalars(select(Programme.id).order_by(Programme.id)).first() or 1


UNIT_BODY = {"code": "NEW-UNIT", "name": "新单位", "kind": "unit", "parent_id": None, "sort_order": 0}


CASES: dict[tuple[str, str], Callable[[Ctx], None]] = {
    ("POST", "/api/v1/orgunits"): setup_case(
        "POST", "/api/v1/orgunits", "orgunits:create", lambda ctx: {**UNIT_BODY, "parent_id": _unit_id(ctx)}
    ),
    ("GET", "/api/v1/orgunits/{unit_id}"): lambda ctx: gated(
        "GET", f"/api/v1/orgunits/{_unit_id(ctx)}", "orgunits:view", ok=(200, 404)
    )(ctx),
    ("PUT", "/api/v1/orgunits/{unit_id}"): setup_case(
        "PUT",
        lambda ctx: f"/api/v1/orgunits/{_unit_id(ctx)}",
        "orgunits:edit",
        lambda ctx: {"name": "泉山区", "kind": "district", "parent_id": None, "sort_order": 1, "version": 1},
    ),
    ("POST", "/api/v1/orgunits/{unit_id}/close"): setup_case(
        "POST", lambda ctx: f"/api/v1/orgunits/{_unit_id(ctx)}/close", "orgunits:delete", {"version": 1}
    ),
    ("POST", "/api/v1/orgunits/{unit_id}/reopen"): setup_case(
        "POST", lambda ctx: f"/api/v1/orgunits/{_unit_id(ctx)}/reopen", "orgunits:delete", {"version": 1}
    ),
    ("GET", "/admin/orgunits/new"): gated("GET", "/admin/orgunits/new", "orgunits:create"),
    ("POST", "/admin/orgunits/new"): setup_case(
        "POST",
        "/admin/orgunits/new",
        "orgunits:create",
        {"code": "W-NEW", "name": "新", "kind": "unit"},
        form=True,
    ),
    ("GET", "/admin/orgunits/{unit_id}"): lambda ctx: gated(
        "GET", f"/admin/orgunits/{_unit_id(ctx)}", "orgunits:view", ok=(200, 404)
    )(ctx),
    ("POST", "/admin/orgunits/{unit_id}"): setup_case(
        "POST",
        lambda ctx: f"/admin/orgunits/{_unit_id(ctx)}",
        "orgunits:edit",
        {"name": "泉山区", "kind": "district"},
        form=True,
    ),
    ("POST", "/admin/orgunits/{unit_id}/close"): setup_case(
        "POST", lambda ctx: f"/admin/orgunits/{_unit_id(ctx)}/close", "orgunits:delete", {}, form=True
    ),
    ("POST", "/admin/orgunits/{unit_id}/reopen"): setup_case(
        "POST", lambda ctx: f"/admin/orgunits/{_unit_id(ctx)}/reopen", "orgunits:delete", {}, form=True
    ),
    ("POST", "/api/v1/programmes"): setup_case(
        "POST",
        "/api/v1/programmes",
        "programmes:create",
        lambda ctx: {
            "code": "NEWP",
            "name": "新工作",
            "short_name": "新",
            "kind": "对口支援",
            "lead_org_unit_id": _unit_id(ctx),
        },
    ),
    ("PUT", "/api/v1/programmes/{programme_id}"): setup_case(
        "PUT",
        lambda ctx: f"/api/v1/programmes/{_programme_id(ctx)}",
        "programmes:edit",
        lambda ctx: {
            "name": "改",
            "short_name": "改",
            "kind": "对口支援",
            "lead_org_unit_id": _unit_id(ctx),
            "version": 99,
        },
    ),
    ("DELETE", "/api/v1/programmes/{programme_id}"): setup_case(
        "DELETE", lambda ctx: f"/api/v1/programmes/{_programme_id(ctx)}?version=1", "programmes:delete"
    ),
    ("POST", "/api/v1/places"): setup_case(
        "POST",
        "/api/v1/places",
        "programmes:create",
        lambda ctx: {
            "code": "NEW-PL",
            "name": "新",
            "full_name": "新地",
            "province": "新",
            "parent_id": _unit_id(ctx),
        },
    ),
    ("GET", "/admin/programmes/new"): gated("GET", "/admin/programmes/new", "programmes:create"),
    ("POST", "/admin/programmes/new"): setup_case(
        "POST", "/admin/programmes/new", "programmes:create", {"code": "NP", "name": "x"}, form=True
    ),
    ("GET", "/admin/programmes/{programme_id}"): lambda ctx: gated(
        "GET", f"/admin/programmes/{_programme_id(ctx)}", "programmes:edit"
    )(ctx),
    ("POST", "/admin/programmes/{programme_id}"): setup_case(
        "POST",
        lambda ctx: f"/admin/programmes/{_programme_id(ctx)}",
        "programmes:edit",
        {"name": ""},
        form=True,
    ),
    ("POST", "/admin/programmes/{programme_id}/delete"): setup_case(
        "POST",
        lambda ctx: f"/admin/programmes/{_programme_id(ctx)}/delete",
        "programmes:delete",
        {},
        form=True,
    ),
    ("GET", "/admin/places/new"): gated("GET", "/admin/places/new", "programmes:create"),
    ("POST", "/admin/places/new"): setup_case(
        "POST", "/admin/places/new", "programmes:create", {"code": "PL"}, form=True
    ),
    ("POST", "/api/v1/elements"): setup_case(
        "POST", "/api/v1/elements", "elements:create", {"code": "NEW_EL", "name": "新", "unit": "个"}
    ),
    ("GET", "/api/v1/elements/{element_id}"): lambda ctx: gated(
        "GET", f"/api/v1/elements/{_element_id(ctx)}", "elements:view"
    )(ctx),
    ("PUT", "/api/v1/elements/{element_id}"): setup_case(
        "PUT",
        lambda ctx: f"/api/v1/elements/{_element_id(ctx)}",
        "elements:edit",
        {"name": "资金", "unit": "元", "aggregation": "sum", "group": "资金", "version": 1},
    ),
    ("DELETE", "/api/v1/elements/{element_id}"): setup_case(
        "DELETE", lambda ctx: f"/api/v1/elements/{_element_id(ctx)}", "elements:delete"
    ),
    ("GET", "/admin/elements/new"): gated("GET", "/admin/elements/new", "elements:create"),
    ("POST", "/admin/elements/new"): setup_case(
        "POST",
        "/admin/elements/new",
        "elements:create",
        {"code": "E1", "name": "新", "unit": "个", "aggregation": "sum"},
        form=True,
    ),
    ("GET", "/admin/elements/{record_id}"): lambda ctx: gated(
        "GET", f"/admin/elements/{_element_id(ctx)}", "elements:view"
    )(ctx),
    ("POST", "/admin/elements/{record_id}"): setup_case(
        "POST", lambda ctx: f"/admin/elements/{_element_id(ctx)}", "elements:edit", {"name": ""}, form=True
    ),
    ("POST", "/admin/elements/{record_id}/delete"): setup_case(
        "POST", lambda ctx: f"/admin/elements/{_element_id(ctx)}/delete", "elements:delete", {}, form=True
    ),
    ("POST", "/api/v1/indicators/preview"): setup_case(
        "POST", "/api/v1/indicators/preview", "elements:view", {"formula": "#{FUNDS} / 10000"}, ok=(200,)
    ),
    ("POST", "/api/v1/indicators"): setup_case(
        "POST",
        "/api/v1/indicators",
        "elements:create",
        {"code": "NEW_IND", "name": "新", "formula": "#{FUNDS}"},
    ),
    ("PUT", "/api/v1/indicators/{indicator_id}"): setup_case(
        "PUT", "/api/v1/indicators/1", "elements:edit", {"name": "改", "formula": "#{FUNDS}", "version": 1}
    ),
    ("DELETE", "/api/v1/indicators/{indicator_id}"): setup_case(
        "DELETE", "/api/v1/indicators/999999", "elements:delete"
    ),
    ("GET", "/admin/indicators/new"): gated("GET", "/admin/indicators/new", "elements:create"),
    ("POST", "/admin/indicators/new"): setup_case(
        "POST",
        "/admin/indicators/new",
        "elements:create",
        {"code": "I1", "name": "新", "formula": "#{NOPE}", "decimals": "1"},
        form=True,
    ),
    ("GET", "/admin/indicators/{record_id}"): gated(
        "GET", "/admin/indicators/1", "elements:view", ok=(200, 404)
    ),
    ("POST", "/admin/indicators/{record_id}"): setup_case(
        "POST", "/admin/indicators/1", "elements:edit", {"name": ""}, form=True
    ),
    ("POST", "/admin/indicators/{record_id}/delete"): setup_case(
        "POST", "/admin/indicators/999999/delete", "elements:delete", {}, form=True
    ),
    ("GET", "/admin/targets"): gated("GET", "/admin/targets", "indicators:view"),
    ("GET", "/admin/targets/new"): gated("GET", "/admin/targets/new", "indicators:create"),
    ("POST", "/admin/targets/new"): setup_case(
        "POST", "/admin/targets/new", "indicators:create", {"element_code": "FUNDS", "year": "x"}, form=True
    ),
    ("POST", "/api/v1/datasets"): setup_case(
        "POST",
        "/api/v1/datasets",
        "datasets:create",
        lambda ctx: {
            "code": "NEW_DS",
            "name": "新",
            "period_type": "monthly",
            "element_ids": [_element_id(ctx)],
            "unit_ids": [_unit_id(ctx)],
        },
    ),
    ("PUT", "/api/v1/datasets/{data_set_id}"): setup_case(
        "PUT",
        lambda ctx: f"/api/v1/datasets/{_data_set(ctx).id}",
        "datasets:edit",
        {"name": "", "period_type": "monthly", "element_ids": [], "unit_ids": [], "version": 1},
    ),
    ("DELETE", "/api/v1/datasets/{data_set_id}"): setup_case(
        "DELETE", lambda ctx: f"/api/v1/datasets/{_data_set(ctx).id}", "datasets:delete"
    ),
    ("GET", "/admin/datasets/new"): gated("GET", "/admin/datasets/new", "datasets:create"),
    ("POST", "/admin/datasets/new"): setup_case(
        "POST", "/admin/datasets/new", "datasets:create", {"code": "D1", "name": ""}, form=True
    ),
    ("GET", "/admin/datasets/{record_id}"): lambda ctx: gated(
        "GET", f"/admin/datasets/{_data_set(ctx).id}", "datasets:view"
    )(ctx),
    ("POST", "/admin/datasets/{record_id}"): setup_case(
        "POST", lambda ctx: f"/admin/datasets/{_data_set(ctx).id}", "datasets:edit", {"name": ""}, form=True
    ),
    ("POST", "/admin/datasets/{record_id}/delete"): setup_case(
        "POST", lambda ctx: f"/admin/datasets/{_data_set(ctx).id}/delete", "datasets:delete", {}, form=True
    ),
    ("POST", "/api/v1/roles"): setup_case(
        "POST", "/api/v1/roles", "roles:create", {"code": "new_role", "name": "新角色", "data_scope": "unit"}
    ),
    ("POST", "/api/v1/roles/{role_id}/copy"): setup_case(
        "POST",
        lambda ctx: f"/api/v1/roles/{viewer_role(ctx).id}/copy",
        "roles:create",
        {"code": "viewer_copy", "name": "只读副本"},
    ),
    ("DELETE", "/api/v1/roles/{role_id}"): setup_case(
        "DELETE", lambda ctx: f"/api/v1/roles/{viewer_role(ctx).id}?version=1", "roles:delete"
    ),
    ("GET", "/admin/roles/new"): gated("GET", "/admin/roles/new", "roles:create"),
    ("POST", "/admin/roles/new"): setup_case(
        "POST",
        "/admin/roles/new",
        "roles:create",
        {"code": "r1", "name": "新", "data_scope": "unit"},
        form=True,
    ),
    ("GET", "/admin/roles/{role_id}/copy"): lambda ctx: gated(
        "GET", f"/admin/roles/{viewer_role(ctx).id}/copy", "roles:create"
    )(ctx),
    ("POST", "/admin/roles/{role_id}/copy"): setup_case(
        "POST",
        lambda ctx: f"/admin/roles/{viewer_role(ctx).id}/copy",
        "roles:create",
        {"code": "vc", "name": "副本"},
        form=True,
    ),
    ("POST", "/admin/roles/{role_id}/delete"): setup_case(
        "POST", lambda ctx: f"/admin/roles/{viewer_role(ctx).id}/delete", "roles:delete", {}, form=True
    ),
}
