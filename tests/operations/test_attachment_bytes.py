"""Deleted attachments leave the disk: three 3 MB uploads deleted left 9 MB, and anyone with projects:edit
could fill the disk at 10 MB a request. Bytes go once their deletion is committed and no other attachment
holds them; quotas bound the uploads; `shanhai blobs check` lists (and with --prune removes) orphans."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from shanhai.errors import Invalid
from shanhai.lib import blobs
from shanhai.operations import attachments
from shanhai.projects.models import Project
from tests.conftest import Database, actor_of


def _png(n: int) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + n.to_bytes(4, "big") + b"\0" * 1024


@pytest.fixture
def demo(fresh_demo: Database) -> Database:
    return fresh_demo


def test_a_deleted_attachments_bytes_leave_the_disk_after_the_commit(demo: Database, tmp_path: Path) -> None:
    with Session(demo.engine) as session:
        admin = actor_of(session, "city_admin")
        first, second = session.scalars(select(Project.id).order_by(Project.id)).all()[:2]
        one = attachments.add(
            session=session, actor=admin, data_dir=tmp_path, project_id=first, file_name="a.png", data=_png(1)
        )
        shared = [
            attachments.add(
                session=session, actor=admin, data_dir=tmp_path, project_id=p, file_name="b.png", data=_png(2)
            )
            for p in (first, second)
        ]
        session.commit()
        paths = [attachments.blob_path(tmp_path, a.sha256) for a in (one, shared[0])]
        assert all(p.exists() for p in paths)
        attachments.remove(session=session, actor=admin, attachment_id=one.id, data_dir=tmp_path)
        assert paths[0].exists()  # not before the commit: a rolled-back delete keeps its bytes
        session.rollback()
        assert paths[0].exists()
        attachments.remove(session=session, actor=admin, attachment_id=one.id, data_dir=tmp_path)
        session.commit()
        assert not paths[0].exists()
        attachments.remove(session=session, actor=admin, attachment_id=shared[0].id, data_dir=tmp_path)
        session.commit()
        assert paths[1].exists()  # the other project still holds the same file


def test_quotas_bound_what_one_user_uploads(
    demo: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(attachments, "MAX_USER_DAY", 3000)
    with Session(demo.engine) as session:
        admin = actor_of(session, "city_admin")
        project = session.scalars(select(Project.id).order_by(Project.id)).first()
        assert project is not None
        attachments.add(
            session=session,
            actor=admin,
            data_dir=tmp_path,
            project_id=project,
            file_name="a.png",
            data=_png(1),
        )
        attachments.add(
            session=session,
            actor=admin,
            data_dir=tmp_path,
            project_id=project,
            file_name="b.png",
            data=_png(2),
        )
        with pytest.raises(Invalid, match="上限") as refused:
            attachments.add(
                session=session,
                actor=admin,
                data_dir=tmp_path,
                project_id=project,
                file_name="c.png",
                data=_png(3),
            )
        assert refused.value.field == "file"


def test_blobs_check_lists_and_prunes_orphans(demo: Database, tmp_path: Path) -> None:
    blobs.store(tmp_path, "attachments", "ab" * 32, b"left behind by a crash")
    env = {**os.environ, "SHANHAI_DATABASE_URL": demo.url, "SHANHAI_DATA_DIR": str(tmp_path)}
    command = [sys.executable, "-m", "shanhai", "blobs", "check"]
    listed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0 and "ab" * 32 in listed.stdout and "无引用 1 个" in listed.stdout
    pruned = subprocess.run([*command, "--prune"], env=env, capture_output=True, text=True, timeout=120)
    assert pruned.returncode == 0 and not blobs.stored(tmp_path, "attachments")


def test_an_attachments_id_is_never_given_again(demo: Database, tmp_path: Path) -> None:
    """The fresh-eyes repeat: on SQLite a deleted newest attachment's id went to the next upload, so an old
    /api/v1/attachments/{id} link served a different file (migration 0020: AUTOINCREMENT)."""
    with Session(demo.engine) as session:
        admin = actor_of(session, "city_admin")
        project = session.scalars(select(Project.id).order_by(Project.id)).first()
        assert project is not None
        first = attachments.add(
            session=session,
            actor=admin,
            data_dir=tmp_path,
            project_id=project,
            file_name="a.png",
            data=_png(7),
        )
        session.commit()
        gone = first.id
        attachments.remove(session=session, actor=admin, attachment_id=gone, data_dir=tmp_path)
        session.commit()
        second = attachments.add(
            session=session,
            actor=admin,
            data_dir=tmp_path,
            project_id=project,
            file_name="b.png",
            data=_png(8),
        )
        session.commit()
        assert second.id > gone
