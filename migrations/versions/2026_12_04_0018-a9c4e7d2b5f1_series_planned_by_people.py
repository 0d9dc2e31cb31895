"""series: who planned a series and who changed it last, and a title is never empty

Series were created only by the demo loader; now producers and admins create and edit
them, so each keeps its creator and its last editor with the moment (NULL for the
series loaded before, which no person created), and a version: an edit of a version
seen before is refused instead of overwriting someone else's.

Revision ID: a9c4e7d2b5f1
Revises: a4c9e2f7b1d3
Create Date: 2026-12-04 13:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'a9c4e7d2b5f1'
down_revision: str | None = 'a4c9e2f7b1d3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('series', schema=None) as batch_op:
        batch_op.add_column(sa.Column('created_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('updated_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column('version', sa.Integer(), server_default='1', nullable=False)
        )
        batch_op.create_foreign_key(
            batch_op.f('fk_series_created_by_id_people'), 'people', ['created_by_id'], ['id']
        )
        batch_op.create_foreign_key(
            batch_op.f('fk_series_updated_by_id_people'), 'people', ['updated_by_id'], ['id']
        )
        batch_op.create_check_constraint(op.f('ck_series_title_not_empty'), "title <> ''")


def downgrade() -> None:
    with op.batch_alter_table('series', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_series_title_not_empty'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_series_updated_by_id_people'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_series_created_by_id_people'), type_='foreignkey')
        batch_op.drop_column('version')
        batch_op.drop_column('updated_by_id')
        batch_op.drop_column('updated_at')
        batch_op.drop_column('created_by_id')
