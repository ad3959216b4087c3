"""A project moves along its lifecycle one stage at a time, 终止 needs a reason, every move is in its history
with who, when and why; an illegal move is a 409, another district's project is not there, a viewer may
look but not move."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from shanhai.errors import Conflict, Invalid, OutOfScope
from shanhai.orgunits.models import OrgUnit
from shanhai.projects import service as projects
from shanhai.projects.models import Project
from tests.conftest import actor_of

Persona = Callable[[str], TestClient]


def _aid_project(session: Session, unit_code: str = "XZ-QS") -> Project:
    """A fresh aid project in 储备, made here (no demo codes)."""
    unit = session.scalars(select(OrgUnit).where(OrgUnit.code == unit_code)).one()
    project = Project(code=f"T-{unit_code}", name="测试援建学校", kind="aid", stage="储备", org_unit=unit)
    session.add(project)
    session.flush()
    return project


def test_a_project_moves_from_reserve_to_use_with_its_history(client: TestClient, session: Session) -> None:
    project = _aid_project(session)
    version = project.version
    for stage in ("立项", "开工", "完工", "投用"):
        r = client.post(f"/api/v1/projects/{project.id}/moves", json={"to": stage, "version": version})
        assert r.status_code == 200, r.text
        version = r.json()["version"]
        assert r.json()["stage"] == stage
    page = client.get(f"/api/v1/projects/{project.id}").json()
    assert [(h["from_stage"], h["to_stage"]) for h in page["history"]] == [
        ("储备", "立项"),
        ("立项", "开工"),
        ("开工", "完工"),
        ("完工", "投用"),
    ]
    assert {h["actor"] for h in page["history"]} == {"city_admin"} and page["moves"] == []
    html = client.get(f"/projects/{project.id}").text
    assert "阶段历史" in html and html.count("city_admin") >= 4


def test_a_skipped_stage_a_stale_version_and_a_reasonless_stop_are_refused(session: Session) -> None:
    project = _aid_project(session)
    actor = actor_of(session, "city_admin")
    with pytest.raises(Conflict, match="不能变为“开工”"):
        projects.move_project(
            session=session, actor=actor, project_id=project.id, to="开工", note="", version=1
        )
    with pytest.raises(Conflict, match="已被他人修改"):
        projects.move_project(
            session=session, actor=actor, project_id=project.id, to="立项", note="", version=9
        )
    with pytest.raises(Invalid, match="原因"):
        projects.move_project(
            session=session, actor=actor, project_id=project.id, to="终止", note=" ", version=1
        )
    projects.move_project(
        session=session, actor=actor, project_id=project.id, to="终止", note="选址不具备条件", version=1
    )
    assert project.stage == "终止" and projects.next_moves(project) == []
    assert projects.stage_history(session=session, project=project)[-1].note == "选址不具备条件"


def test_another_district_and_the_viewer(as_persona: Persona, session: Session) -> None:
    project = _aid_project(session, "XZ-QS")
    jingkai = as_persona("jingkai_officer").post(
        f"/api/v1/projects/{project.id}/moves", json={"to": "立项", "version": 1}
    )
    assert jingkai.status_code in (403, 404) and "泉山" not in jingkai.text  # no edit right, or not there
    with pytest.raises(OutOfScope):
        projects.get_project(
            session=session, actor=actor_of(session, "jingkai_officer"), project_id=project.id
        )
    viewer = as_persona("viewer")
    seen = viewer.get(f"/api/v1/projects/{project.id}")
    if seen.status_code == 200:  # the viewer sees 泉山区 only if it is in the viewer's scope
        assert seen.json()["moves"] == []
    assert (
        viewer.post(f"/api/v1/projects/{project.id}/moves", json={"to": "立项", "version": 1}).status_code
        == 403
    )
    session.refresh(project)
    assert project.stage == "储备"


def test_the_move_form_keeps_what_was_typed(client: TestClient, session: Session) -> None:
    project = _aid_project(session)
    r = client.post(f"/projects/{project.id}/moves", data={"to": "终止", "note": "", "version": 1})
    assert r.status_code == 422 and "原因" in r.text and 'value="终止" checked' in r.text
