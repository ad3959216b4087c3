"""Project attachments (photos, approvals, plans): checked by what the bytes are, not by the name they
carry, limited in size, stored once by their SHA-256 under the data directory, and seen by whoever sees the
project."""

from __future__ import annotations

import hashlib
import io
import os
import zipfile
from datetime import timedelta
from pathlib import Path

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from shanhai.audit.service import Action, record
from shanhai.auth.scope import Actor
from shanhai.db import utcnow
from shanhai.errors import Invalid, NotFound
from shanhai.lib import blobs
from shanhai.lib.zipread import foreign_parts
from shanhai.operations.models import Attachment
from shanhai.projects import service as projects
from shanhai.projects.models import Project

MAX_ATTACHMENT = 10 * 1024 * 1024
MODULE = "项目"
MAX_USER_DAY = 200 * 1024 * 1024  # bytes of attachments one user may upload in 24 hours
MAX_UNIT = 2 * 1024 * 1024 * 1024  # bytes of attachments one unit's projects may hold
# extension → (content type, what it is called)
TYPES = {
    ".jpg": ("image/jpeg", "JPEG 图片"),
    ".jpeg": ("image/jpeg", "JPEG 图片"),
    ".png": ("image/png", "PNG 图片"),
    ".pdf": ("application/pdf", "PDF 文件"),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word 文档"),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel 表格"),
}


def _office_part(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" not in names or foreign_parts(sorted(names)):
        return None
    if "word/document.xml" in names:
        return ".docx"
    if "xl/workbook.xml" in names:
        return ".xlsx"
    return None


def sniff(data: bytes) -> str | None:
    """The extension the bytes are (.jpg .png .pdf .docx .xlsx), or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return ".jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return ".png"
    if data.startswith(b"%PDF-"):
        return ".pdf"
    if data.startswith(b"PK\x03\x04"):
        return _office_part(data)
    return None


def check_file(file_name: str, data: bytes) -> tuple[str, str]:
    """(clean file name, content type), or Invalid naming the field `file`."""
    name = blobs.clean_file_name(file_name)
    ext = os.path.splitext(name)[1].lower()
    if not name or ext not in TYPES:
        raise Invalid(f"只能上传 {'、'.join(sorted({v[1] for v in TYPES.values()}))}", field="file")
    if not data:
        raise Invalid("文件是空的", field="file")
    if len(data) > MAX_ATTACHMENT:
        raise Invalid(
            f"文件过大（{len(data) / 1024 / 1024:.1f} MB），最大 {MAX_ATTACHMENT // 1024 // 1024} MB",
            field="file",
        )
    actual = sniff(data)
    expected = ".jpg" if ext == ".jpeg" else ext
    if actual != expected:
        what = TYPES[actual][1] if actual else "无法识别的内容"
        raise Invalid(f"文件“{name}”的扩展名是 {ext}，但内容是{what}", field="file")
    return name, TYPES[ext][0]


FOLDER = "attachments"  # under the data directory (lib.blobs)


def blob_path(data_dir: Path, sha256: str) -> Path:
    return blobs.blob_path(data_dir, FOLDER, sha256)


def add(
    *,
    session: Session,
    actor: Actor,
    data_dir: Path,
    project_id: int,
    file_name: str,
    data: bytes,
    caption: str = "",
) -> Attachment:
    """Attach a file to a project; the same bytes attached again to the same project find the first."""
    actor.require("projects:edit")
    project = projects.get_project(session=session, actor=actor, project_id=project_id)
    name, content_type = check_file(file_name, data)
    caption = caption.strip()[:200]
    sha256 = hashlib.sha256(data).hexdigest()
    same = session.scalar(
        select(Attachment).where(Attachment.project_id == project.id, Attachment.sha256 == sha256)
    )
    if same is not None:
        return same
    check_quota(session, actor, project.org_unit_id, len(data))
    blobs.store(data_dir, FOLDER, sha256, data)  # before the row: a row never points at missing bytes
    attachment = Attachment(
        project_id=project.id,
        file_name=name,
        content_type=content_type,
        size=len(data),
        sha256=sha256,
        caption=caption,
        created_by_id=actor.user_id,
    )
    session.add(attachment)
    session.flush()
    record(
        session=session,
        actor=actor,
        module=MODULE,
        action=Action.CREATE,
        object_type="attachment",
        object_id=attachment.id,
        summary=f"上传附件：项目“{project.name}” · {name}（{len(data) // 1024} KB）",
        after={"file_name": name, "sha256": sha256, "size": len(data)},
    )
    return attachment


def get(*, session: Session, actor: Actor, attachment_id: int) -> Attachment:
    attachment = session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound("附件不存在或不在您的数据范围内", field="attachment_id")
    projects.get_project(session=session, actor=actor, project_id=attachment.project_id)  # scope
    return attachment


def of_project(*, session: Session, project_id: int) -> list[Attachment]:
    return list(
        session.scalars(select(Attachment).where(Attachment.project_id == project_id).order_by(Attachment.id))
    )


def check_quota(session: Session, actor: Actor, unit_id: int, size: int) -> None:
    """Nobody fills the disk at 10 MB a request: per user, MAX_USER_DAY bytes of attachments a day; per unit,
    MAX_UNIT bytes in all (its projects' attachments)."""
    since = utcnow() - timedelta(days=1)
    today = session.scalar(
        select(func.coalesce(func.sum(Attachment.size), 0)).where(
            Attachment.created_by_id == actor.user_id, Attachment.created_at >= since
        )
    )
    if int(today or 0) + size > MAX_USER_DAY:
        raise Invalid(
            f"您 24 小时内上传的附件已达 {MAX_USER_DAY // 1024 // 1024} MB 的上限，请明天再传", field="file"
        )
    held = session.scalar(
        select(func.coalesce(func.sum(Attachment.size), 0))
        .join(Project, Project.id == Attachment.project_id)
        .where(Project.org_unit_id == unit_id)
    )
    if int(held or 0) + size > MAX_UNIT:
        raise Invalid(
            f"本单位项目附件已达 {MAX_UNIT // 1024 // 1024 // 1024} GB 的上限，请先删除不再需要的附件",
            field="file",
        )


def _discard_after_commit(session: Session, data_dir: Path, sha256: str) -> None:
    """Once the deletion is committed (never before: a rolled-back delete keeps its bytes), remove the file
    if no attachment refers to it any more. A crash in between leaves an orphan that `shanhai blobs check
    --prune` removes."""
    engine = session.get_bind().engine

    def discard(_: Session) -> None:
        with engine.connect() as connection:
            used = connection.execute(
                select(func.count()).select_from(Attachment).where(Attachment.sha256 == sha256)
            ).scalar()
        if not used:
            blobs.discard(data_dir, FOLDER, sha256)

    event.listen(session, "after_commit", discard, once=True)


def remove(*, session: Session, actor: Actor, attachment_id: int, data_dir: Path | None = None) -> None:
    actor.require("projects:edit")
    attachment = get(session=session, actor=actor, attachment_id=attachment_id)
    record(
        session=session,
        actor=actor,
        module=MODULE,
        action=Action.DELETE,
        object_type="attachment",
        object_id=attachment.id,
        summary=f"删除附件：{attachment.file_name}",
        before={"file_name": attachment.file_name, "sha256": attachment.sha256},
    )
    sha256 = attachment.sha256
    session.delete(attachment)
    session.flush()
    if data_dir is not None:  # the bytes go once the deletion is committed and nothing else holds them
        _discard_after_commit(session, data_dir, sha256)
