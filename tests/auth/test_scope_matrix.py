"""Persona × route matrix. The app's routes are enumerated from the app itself: a route that is not in
CASES fails the suite, so every new route must say how its scope is checked. For each persona and each
route, a read returns exactly the rows in the persona's scope (computed independently, by walking parent
links rather than paths); without the permission a route answers 403, and a record outside the persona's
scope answers 404 (as if it were not there) and changes nothing.

The cases live beside each domain's tests, one dict CASES in each tests/<domain>/scope_cases.py, with the
shared harness (the expected scope, the context a case runs in, the cases' building blocks) in
tests/scope.py. CASES here merges the domains' dicts; a route declared by two domains fails the collection."""

from __future__ import annotations

import importlib
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.conftest import PERSONAS, SCOPE_CASE_DOMAINS
from tests.scope import Ctx, app_routes


def _merge() -> dict[tuple[str, str], Callable[[Ctx], None]]:
    cases: dict[tuple[str, str], Callable[[Ctx], None]] = {}
    declared_in: dict[tuple[str, str], str] = {}
    for domain in SCOPE_CASE_DOMAINS:
        for route, case in importlib.import_module(f"tests.{domain}.scope_cases").CASES.items():
            assert route not in cases, (
                f"{route} is declared twice: in tests/{declared_in[route]}/scope_cases.py "
                f"and in tests/{domain}/scope_cases.py"
            )
            cases[route] = case
            declared_in[route] = domain
    return cases


CASES: dict[tuple[str, str], Callable[[Ctx], None]] = _merge()


def test_every_route_is_in_the_matrix(app: FastAPI) -> None:
    routes = app_routes(app)
    missing = routes - set(CASES)
    assert not missing, f"routes without a scope check: {sorted(missing)}"
    stale = set(CASES) - routes
    assert not stale, f"cases for routes that no longer exist: {sorted(stale)}"


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route", sorted(CASES), ids=lambda r: f"{r[0]} {r[1]}")
def test_persona_route(
    route: tuple[str, str], persona: str, session: Session, as_persona: Callable[[str], TestClient]
) -> None:
    CASES[route](Ctx(session=session, client=as_persona(persona), persona=persona))
