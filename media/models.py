"""Media models: each upload of an episode's master is a new media version."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from editorial.db import Base
from editorial.models import Episode, Person, UTCDateTime


class MediaVersion(Base):
    """One uploaded master of an episode (媒体版本), stored once by its SHA-256."""

    __tablename__ = "media_versions"
    __table_args__ = (
        UniqueConstraint("episode_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint("size_bytes > 0", name="not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("episodes.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, … per episode: Episode.media_version
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    original_name: Mapped[str] = mapped_column(String(255))
    stored_as: Mapped[str] = mapped_column(String(200))  # relative to the media folder
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    probe: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    qc: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    qc_passed: Mapped[bool | None] = mapped_column(Boolean)

    episode: Mapped[Episode] = relationship()
    uploaded_by: Mapped[Person] = relationship()
