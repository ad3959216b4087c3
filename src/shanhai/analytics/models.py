"""Analytics' own records: saved views (a named dx/ou/pe query and chart, private to its owner)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shanhai.db import Base, Timestamped, UTCDateTime, utcnow


class SavedView(Base, Timestamped):
    """A saved analytics query (dx/ou/pe + chart type), optionally pinned to the dashboard."""

    __tablename__ = "saved_views"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    query: Mapped[str] = mapped_column(String(1000))
    chart: Mapped[str] = mapped_column(String(8), default="bar")
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
