"""Template rendering for every page: the actor (for the menu and the buttons it may use) and the CSRF
token (for forms) are always in the context."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from shanhai.auth.models import DATA_SCOPE_LABELS, DataScope
from shanhai.auth.permissions import ACTION_LABELS
from shanhai.errors import ShanhaiError
from shanhai.lib import periods
from shanhai.lib.beijing import beijing
from shanhai.lib.cnnum import format_money
from shanhai.registers import catalogue

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
TEMPLATES.env.globals.update(
    ACTION_LABELS=ACTION_LABELS,
    DATA_SCOPES=[(s.value, DATA_SCOPE_LABELS[s]) for s in DataScope],
    DATA_SCOPE_LABELS={s.value: label for s, label in DATA_SCOPE_LABELS.items()},
)


# pages that belong in a register's menu group without being a register themselves
MENU_EXTRAS: dict[str, list[tuple[str, str, str]]] = {
    "工作台账": [("records:view", "/people", "在岗情况"), ("records:create", "/imports", "Excel 导入")],
    "招商引资": [("projects:view", "/investment", "招商进度"), ("projects:view", "/projects", "招商项目库")],
    "企业库": [
        ("enterprises:view", "/scitech", "科技企业概况"),
        ("enterprises:view", "/enterprises/expiring", "即将到期资质"),
        ("enterprises:view", "/enterprises/duplicates", "疑似重复企业"),
        ("enterprises:create", "/imports", "Excel 导入"),
    ],
}


def register_menu(actor: Any) -> list[tuple[str, list[tuple[str, str]]]]:
    """The menu groups of the declared registers the actor may view: (group, [(href, label)])."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for group, extras in MENU_EXTRAS.items():
        groups[group] = [(href, label) for permission, href, label in extras if actor.can(permission)]
    for rtype in catalogue.types().values():
        if rtype.in_menu and actor.can(f"{rtype.module}:view"):
            groups.setdefault(rtype.menu, []).append((f"/records/{rtype.name}", rtype.label))
    return [(group, items) for group, items in groups.items() if items]


TEMPLATES.env.globals["register_menu"] = register_menu
TEMPLATES.env.filters["beijing"] = beijing  # {{ row.at | beijing }}: stored UTC, shown in Beijing time


def period_type_label(period_type: str) -> str:
    """{{ 'monthly' | period_type }} → 按月"""
    try:
        return "按" + periods.TYPE_LABELS[periods.PeriodType(period_type)]
    except ValueError:
        return period_type


TEMPLATES.env.filters["period_name"] = periods.name_of  # {{ '202610' | period_name }} → 2026年10月
TEMPLATES.env.filters["period_type"] = period_type_label
TEMPLATES.env.filters["money"] = format_money  # {{ 118000000 | money }} → 1.18亿元


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("actor", getattr(request.state, "actor", None))
    context.setdefault("csrf_token", getattr(request.state, "csrf_token", ""))
    response: HTMLResponse = TEMPLATES.TemplateResponse(request, template, context, status_code=status_code)
    return response


def recoverable(exc: ShanhaiError, session: Session) -> None:
    """A form error the user can correct is shown beside the form (after undoing the partial work); a
    refusal or a missing record goes on to the app's error handler, which logs refusals."""
    if exc.status in (401, 403, 404):
        raise exc
    session.rollback()
