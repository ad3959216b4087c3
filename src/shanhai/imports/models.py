"""An import job: a file previewed or imported in the background, its outcome kept for its page (and a
reload of it). The rows it writes are committed with its outcome, in one transaction: a job that did not
finish wrote nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shanhai.db import Base, UTCDateTime, utcnow

QUEUED, DONE, FAILED = "排队中", "已完成", "未完成"
CONFIRMED = "已确认"  # a preview whose import was started: it is confirmed once


class ImportJob(Base):
    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    file_name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    commit: Mapped[bool] = mapped_column(Boolean, default=False)  # False: a preview
    status: Mapped[str] = mapped_column(String(8), default=QUEUED)
    outcome: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    message: Mapped[str] = mapped_column(Text, default="")
    # the process that runs it (host:pid): a restarted worker abandons only jobs whose process is gone
    runner: Mapped[str] = mapped_column(String(128), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
