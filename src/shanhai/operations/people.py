"""Who is in post: on a given day, terms that end within 90 days, and totals by category and place — one data
function for the page and its JSON twin."""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, selectinload

from shanhai.auth.scope import Actor, visible
from shanhai.lib.beijing import today
from shanhai.operations.models import PERSON_CATEGORIES, Person
from shanhai.orgunits.models import OrgUnit

ENDING_DAYS = 90


class PersonRow(BaseModel):
    id: int
    name: str
    category: str
    place: str
    post: str
    start_on: date
    end_on: date
    days_left: int


class Total(BaseModel):
    place: str
    by_category: dict[str, int]
    total: int


class PeopleOverview(BaseModel):
    on: date
    in_post: int
    categories: list[str]
    totals: list[Total]
    ending: list[PersonRow]  # terms ending within ENDING_DAYS of `on`


def _in_post(on: date) -> list[ColumnElement[bool]]:
    return [Person.start_on <= on, Person.end_on >= on, Person.status != "轮换"]


def overview(*, session: Session, actor: Actor, on: date | None = None) -> PeopleOverview:
    actor.require("records:view")
    on = on or today()
    scope = visible(actor, Person.org_unit_id, Person.created_by_id)
    rows = session.execute(
        select(OrgUnit.name, Person.category, func.count())
        .join(OrgUnit, OrgUnit.id == Person.org_unit_id)
        .where(scope, *_in_post(on))
        .group_by(OrgUnit.name, Person.category)
        .order_by(OrgUnit.name)
    )
    places: dict[str, dict[str, int]] = {}
    for place, category, n in rows:
        places.setdefault(place, {})[category] = n
    totals = [Total(place=p, by_category=c, total=sum(c.values())) for p, c in places.items()]
    ending = session.scalars(
        select(Person)
        .where(scope, *_in_post(on), Person.end_on <= on + timedelta(days=ENDING_DAYS))
        .options(selectinload(Person.org_unit))
        .order_by(Person.end_on, Person.id)
        .limit(500)
    )
    return PeopleOverview(
        on=on,
        in_post=sum(t.total for t in totals),
        categories=list(PERSON_CATEGORIES),
        totals=totals,
        ending=[
            PersonRow(
                id=p.id,
                name=p.name,
                category=p.category,
                place=p.org_unit.name,
                post=p.post,
                start_on=p.start_on,
                end_on=p.end_on,
                days_left=(p.end_on - on).days,
            )
            for p in ending
        ],
    )
