"""Forms of the set-up registers, declared once: the fields a page shows, how a posted value is read (an
integer that is not one is an error naming its field), and the template that shows them again with what was
typed and the error beside its field."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from shanhai.auth.scope import Actor, visible
from shanhai.auth.sessions import new_form_token
from shanhai.errors import Invalid, ShanhaiError
from shanhai.lib.types import small_int
from shanhai.orgunits.models import OrgUnit
from shanhai.programmes.models import Programme
from shanhai.web.render import render

Choices = Callable[[Session, Actor], Sequence[tuple[str, str]]] | Sequence[tuple[str, str]]


def unit_choices(session: Session, actor: Actor) -> list[tuple[str, str]]:
    """The open units the actor may see, indented by level: the choices of every unit field."""
    found = session.scalars(
        select(OrgUnit).where(visible(actor, OrgUnit.id), OrgUnit.closed.is_(False)).order_by(OrgUnit.path)
    )
    return [(str(u.id), "　" * (u.level - 1) + u.name) for u in found]


def programme_choices(session: Session, actor: Actor) -> list[tuple[str, str]]:
    found = session.scalars(select(Programme).order_by(Programme.sort_order, Programme.id))
    return [(str(p.id), p.name) for p in found]


def first_values(posted: Mapping[str, list[str]]) -> dict[str, str]:
    """A posted form as one text per field (the CSRF token left out)."""
    return {k: (v[0] if v else "") for k, v in posted.items() if k != "csrf_token"}


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    kind: str = "text"  # text, textarea, int, choice, multi, checkbox
    required: bool = False
    choices: Choices = ()
    help: str = ""
    placeholder: str = ""
    max_length: int = 200

    def options(self, session: Session, actor: Actor) -> list[tuple[str, str]]:
        found = self.choices(session, actor) if callable(self.choices) else self.choices
        return [(str(v), label) for v, label in found]


@dataclass(frozen=True)
class Form:
    title: str
    fields: tuple[Field, ...]
    hidden: tuple[str, ...] = ("version",)
    extra: dict[str, Any] = field(default_factory=dict)

    def read(self, posted: Mapping[str, list[str]]) -> tuple[dict[str, Any], dict[str, Any]]:
        """(typed values for the service, what was typed for the form). An integer field that is not one
        raises Invalid naming it."""
        typed: dict[str, Any] = {}
        shown: dict[str, Any] = {}
        for f in self.fields:
            values = posted.get(f.key, [])
            if f.kind == "multi":
                shown[f.key] = values
                chosen = [v.strip() for v in values if v.strip()]
                ids = [small_int(v) for v in chosen]
                if None in ids:
                    raise Invalid(f"“{f.label}”的选择无效", field=f.key)
                typed[f.key] = ids
                continue
            text = values[0] if values else ""
            shown[f.key] = text
            if f.kind == "checkbox":
                typed[f.key] = bool(text)
            elif f.kind in ("int", "choice_int"):
                stripped = text.strip()
                if not stripped:
                    typed[f.key] = None
                elif (number := small_int(stripped, signed=True)) is not None:
                    typed[f.key] = number
                else:
                    raise Invalid(f"“{f.label}”应为整数，而不是“{stripped[:20]}”", field=f.key)
            else:
                typed[f.key] = text
        for key in self.hidden:
            text = (posted.get(key) or [""])[0].strip()
            shown[key] = text
            typed[key] = small_int(text)
        return typed, shown


def show_form(
    request: Request,
    session: Session,
    actor: Actor,
    form: Form,
    *,
    action: str,
    shown: Mapping[str, Any],
    error: ShanhaiError | None = None,
    back: str,
    json_url: str,
    heading: str | None = None,
    buttons: Sequence[tuple[str, str, str]] = (),
    below: str = "",
    **context: Any,
) -> HTMLResponse:
    """`buttons`: (label, action url, confirm text) of further POST actions (删除, 撤销 …) on the record."""
    fields = [(f, f.options(session, actor)) for f in form.fields]
    if (
        "version" not in form.hidden
    ):  # a form that creates: sent twice, it creates once (auth.sessions.claim_form)
        shown = {**shown, "form_token": shown.get("form_token") or new_form_token()}
    return render(
        request,
        "setup/form.html",
        status_code=error.status if error else 200,
        form=form,
        fields=fields,
        action=action,
        shown=shown,
        error=error,
        back=back,
        json_url=json_url,
        heading=heading or form.title,
        buttons=buttons,
        below=below,
        **context,
    )
