"""No input gives a 500 on the pages: every HTML route (and every form field and query parameter it
declares) is sent odd values — huge and negative integers, non-numbers, periods out of range, far dates,
NUL characters, very long text — as an administrator, who passes every permission check."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from tests.scope import _walk as walk_routes

ODD = [
    "0",
    "-1",
    str(2**63),
    str(2**31),
    "abc",
    "1e999999999",
    "0000",
    "000001",
    "0000-9999",
    "209912",
    "0001-01-01",
    "9999-12-31",
    "\x00",
    "１２",
    "x" * 5000,
    "",
]


def _html_routes(app: FastAPI) -> list[APIRoute]:
    return [
        r
        for r in walk_routes(app.routes)
        if not r.path.startswith("/api/") and r.path not in ("/logout", "/login")
    ]


def _params(route: APIRoute) -> tuple[list[str], list[str]]:
    """(query parameter names, form field names) the route reads, its dependencies' included."""
    query: list[str] = []
    form: list[str] = []
    todo = [route.dependant]
    while todo:
        dependant = todo.pop()
        query += [p.alias for p in dependant.query_params]
        form += [p.alias for p in dependant.body_params]
        todo += dependant.dependencies
    return sorted(set(query)), sorted(set(form))


@pytest.fixture
def admin(app: FastAPI, session) -> TestClient:
    from tests.conftest import LOCAL, token_for

    token = token_for(session, "admin")
    return TestClient(
        app,
        client=LOCAL,
        raise_server_exceptions=False,
        follow_redirects=False,
        headers={"Authorization": f"Bearer {token}"},
    )


def test_no_html_route_answers_5xx_to_odd_input(app: FastAPI, admin: TestClient) -> None:
    failures: list[tuple[str, str, Any, int]] = []
    for route in _html_routes(app):
        query, form = _params(route)
        for method in sorted(route.methods - {"HEAD"}):
            for odd in ODD:
                path = re.sub(r"\{[^}]+\}", odd.replace("/", "") or "0", route.path)
                if "\x00" in path:
                    path = re.sub(r"\{[^}]+\}", "1", route.path)
                params = {name: odd for name in query}
                data = {name: odd for name in form} if method == "POST" else None
                r = admin.request(method, path, params=params, data=data)
                if r.status_code >= 500:
                    failures.append((method, route.path, odd[:20], r.status_code))
                path1 = re.sub(r"\{[^}]+\}", "1", route.path)  # a real record, odd fields
                r = admin.request(method, path1, params=params, data=data)
                if r.status_code >= 500:
                    failures.append((method, path1, odd[:20], r.status_code))
    assert not failures, failures
