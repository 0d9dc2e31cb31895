"""episodes can be offered to other columns for exchange

Revision ID: 8c1d2e4f5a6b
Revises: 3674870229d4
Create Date: 2026-11-28 12:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8c1d2e4f5a6b"
down_revision: str | None = "3674870229d4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("episodes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("offered_for_exchange", sa.Boolean(), server_default=sa.false(),
                      nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("episodes", schema=None) as batch_op:
        batch_op.drop_column("offered_for_exchange")
