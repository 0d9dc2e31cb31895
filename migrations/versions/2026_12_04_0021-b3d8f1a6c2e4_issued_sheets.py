"""issued_sheets, station_deliveries: the broadcast order sheet (播出单) and deliveries

An issued sheet is a numbered version (第 1 版, 第 2 版 …) of a channel's order
sheet for an ISO week, of the whole channel (scope 0) or one column (scope: the
column's id); one version number per channel, week and scope. A delivery records
the package handed to the station with the sheet version it carried.

Revision ID: b3d8f1a6c2e4
Revises: e1c5a7b3d9f2
Create Date: 2026-12-04 18:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b3d8f1a6c2e4"
down_revision: str | None = "e1c5a7b3d9f2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "issued_sheets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("column_id", sa.Integer(), nullable=True),
        sa.Column("scope", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.CheckConstraint("number >= 1", name=op.f("ck_issued_sheets_number_positive")),
        sa.CheckConstraint(
            "(column_id IS NULL AND scope = 0) OR (column_id IS NOT NULL AND scope = column_id)",
            name=op.f("ck_issued_sheets_scope_is_column"),
        ),
        sa.ForeignKeyConstraint(
            ["channel_id"], ["channels.id"], name=op.f("fk_issued_sheets_channel_id_channels")
        ),
        sa.ForeignKeyConstraint(
            ["column_id"], ["columns.id"], name=op.f("fk_issued_sheets_column_id_columns")
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"], ["people.id"], name=op.f("fk_issued_sheets_issued_by_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issued_sheets")),
        sa.UniqueConstraint(
            "channel_id",
            "week",
            "scope",
            "number",
            name=op.f("uq_issued_sheets_channel_id_week_scope_number"),
        ),
    )
    with op.batch_alter_table("issued_sheets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_issued_sheets_channel_id"), ["channel_id"], unique=False
        )
    op.create_table(
        "station_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sheet_id", sa.Integer(), nullable=False),
        sa.Column("delivered_by_id", sa.Integer(), nullable=True),
        sa.Column("delivered_at", sa.DateTime(), nullable=False),
        sa.Column("files", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("how", sa.String(length=8), nullable=False),
        sa.CheckConstraint("files >= 0", name=op.f("ck_station_deliveries_files_not_negative")),
        sa.ForeignKeyConstraint(
            ["delivered_by_id"],
            ["people.id"],
            name=op.f("fk_station_deliveries_delivered_by_id_people"),
        ),
        sa.ForeignKeyConstraint(
            ["sheet_id"],
            ["issued_sheets.id"],
            name=op.f("fk_station_deliveries_sheet_id_issued_sheets"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_station_deliveries")),
    )
    with op.batch_alter_table("station_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_station_deliveries_sheet_id"), ["sheet_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("station_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_station_deliveries_sheet_id"))
    op.drop_table("station_deliveries")
    with op.batch_alter_table("issued_sheets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_issued_sheets_channel_id"))
    op.drop_table("issued_sheets")
