"""episodes: the responsible producer is never the episode's editor-director (four eyes)

The topic approval is the producer's check of the editor-director's proposal;
an editor-director named responsible producer of their own episode could
approve it alone. The upgrade refuses, naming them, while such episodes
exist: hand each over to another producer first (tvcolumn episode hand-over).

Revision ID: c5e8f1a3d7b2
Revises: c7d4e1a9b2f3
Create Date: 2026-12-03 22:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'c5e8f1a3d7b2'
down_revision: str | None = 'c7d4e1a9b2f3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    offending = op.get_bind().scalars(
        sa.text(
            'SELECT id FROM episodes WHERE responsible_producer_id = director_id ORDER BY id'
        )
    ).all()
    if offending:
        raise RuntimeError(
            'episodes whose editor-director is also their responsible producer: '
            + ', '.join(map(str, offending))
            + '; hand each over to another producer (tvcolumn episode hand-over) and upgrade again'
        )
    with op.batch_alter_table('episodes', schema=None) as batch_op:
        batch_op.create_check_constraint(
            op.f('ck_episodes_producer_not_director'), 'responsible_producer_id <> director_id'
        )


def downgrade() -> None:
    with op.batch_alter_table('episodes', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_episodes_producer_not_director'), type_='check')
