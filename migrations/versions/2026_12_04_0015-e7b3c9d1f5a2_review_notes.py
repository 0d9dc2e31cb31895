"""review notes: a reviewer's note at one frame of one media version, resolved by the
producer

Revision ID: e7b3c9d1f5a2
Revises: d2a6f0c4e8b1
Create Date: 2026-12-04 02:48:33.319395
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'e7b3c9d1f5a2'
down_revision: str | None = 'd2a6f0c4e8b1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('review_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('episode_id', sa.Integer(), nullable=False),
    sa.Column('media_version', sa.Integer(), nullable=False),
    sa.Column('review_round', sa.Integer(), nullable=False),
    sa.Column('stage', sa.Enum('first', 'second', 'final', name='note_stage', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('frame', sa.Integer(), nullable=False),
    sa.Column('fps', sa.Float(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint("body <> ''", name=op.f('ck_review_notes_body_not_empty')),
    sa.CheckConstraint('(resolved_at IS NULL) = (resolved_by_id IS NULL)', name=op.f('ck_review_notes_resolved_by_someone')),
    sa.CheckConstraint('fps > 0', name=op.f('ck_review_notes_fps_positive')),
    sa.CheckConstraint('frame >= 0', name=op.f('ck_review_notes_frame_not_negative')),
    sa.CheckConstraint('media_version >= 1', name=op.f('ck_review_notes_version_positive')),
    sa.ForeignKeyConstraint(['author_id'], ['people.id'], name=op.f('fk_review_notes_author_id_people')),
    sa.ForeignKeyConstraint(['episode_id'], ['episodes.id'], name=op.f('fk_review_notes_episode_id_episodes')),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['people.id'], name=op.f('fk_review_notes_resolved_by_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_notes'))
    )
    with op.batch_alter_table('review_notes', schema=None) as batch_op:
        batch_op.create_index('ix_review_notes_episode_version', ['episode_id', 'media_version', 'frame'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('review_notes', schema=None) as batch_op:
        batch_op.drop_index('ix_review_notes_episode_version')

    op.drop_table('review_notes')
