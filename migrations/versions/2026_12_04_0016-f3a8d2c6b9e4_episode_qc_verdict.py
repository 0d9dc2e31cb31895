"""episodes: the current master's QC verdict, so a sign-off over a failed QC needs a reason

Backfilled from the media version each episode's ``media_version`` names (its
``qc_passed``); episodes without a master, or whose master has no stored media
version, keep NULL (no QC known). A verdict needs a master (check constraint).

Revision ID: f3a8d2c6b9e4
Revises: e7b3c9d1f5a2
Create Date: 2026-12-04 06:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'f3a8d2c6b9e4'
down_revision: str | None = 'e7b3c9d1f5a2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('episodes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('media_qc_passed', sa.Boolean(), nullable=True))
        batch_op.create_check_constraint(
            op.f('ck_episodes_qc_of_a_master'),
            'media_qc_passed IS NULL OR media_version IS NOT NULL',
        )
    op.execute(
        'UPDATE episodes SET media_qc_passed = ('
        'SELECT media_versions.qc_passed FROM media_versions '
        'WHERE media_versions.episode_id = episodes.id '
        'AND media_versions.number = episodes.media_version'
        ') WHERE media_version IS NOT NULL'
    )


def downgrade() -> None:
    with op.batch_alter_table('episodes', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_episodes_qc_of_a_master'), type_='check')
        batch_op.drop_column('media_qc_passed')
