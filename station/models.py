"""Station hand-off models: issued broadcast order sheets (播出单) and deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from editorial.db import Base
from editorial.models import Column, Person, UTCDateTime
from schedule.models import BroadcastChannel


class IssuedSheet(Base):
    """One issued version of a channel's broadcast order sheet (播出单) for an ISO week,
    of the whole channel or of one column: 第 1 版, 第 2 版 …

    ``scope`` is the column's id, 0 for the whole channel: with ``number`` it is the
    unique key of a version, so of two people issuing at once one wins. ``rows`` is the
    sheet as issued (``station.sheets.SheetRow.as_json``), ``digest`` its SHA-256: the
    sheet is outdated when the rows built now differ. Rows are only added, never changed.
    """

    __tablename__ = "issued_sheets"
    __table_args__ = (
        UniqueConstraint("channel_id", "week", "scope", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
        CheckConstraint(
            "(column_id IS NULL AND scope = 0) OR (column_id IS NOT NULL AND scope = column_id)",
            name="scope_is_column",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("channels.id"), index=True)
    week: Mapped[str] = mapped_column(String(8))  # ISO week, "2026-W50"
    column_id: Mapped[int | None] = mapped_column(ForeignKey("columns.id"))
    scope: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(64))

    channel: Mapped[BroadcastChannel] = relationship()
    column: Mapped[Column | None] = relationship()
    issued_by: Mapped[Person] = relationship()


class StationDelivery(Base):
    """A delivery package (交付包) written or downloaded for the station: which issued
    sheet it carried, who made it and when, how many files and bytes."""

    __tablename__ = "station_deliveries"
    __table_args__ = (CheckConstraint("files >= 0", name="files_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(ForeignKey("issued_sheets.id"), index=True)
    # None: written by ``tvcolumn schedule deliver`` without ``--as`` (the server's operator)
    delivered_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    delivered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    files: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    how: Mapped[str] = mapped_column(String(8))  # "folder" or "zip"

    sheet: Mapped[IssuedSheet] = relationship()
    delivered_by: Mapped[Person | None] = relationship()
