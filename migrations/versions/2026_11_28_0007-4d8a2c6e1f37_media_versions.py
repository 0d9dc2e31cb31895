"""media: each upload of an episode's master is a media version

Revision ID: 4d8a2c6e1f37
Revises: 9e4c1b7d2a55
Create Date: 2026-11-28 15:45:33.463300
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '4d8a2c6e1f37'
down_revision: str | None = '9e4c1b7d2a55'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('media_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('episode_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('stored_as', sa.String(length=200), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.Column('probe', sa.JSON(), nullable=True),
    sa.Column('qc', sa.JSON(), nullable=True),
    sa.Column('qc_passed', sa.Boolean(), nullable=True),
    sa.CheckConstraint('number >= 1', name=op.f('ck_media_versions_number_positive')),
    sa.CheckConstraint('size_bytes > 0', name=op.f('ck_media_versions_not_empty')),
    sa.ForeignKeyConstraint(['episode_id'], ['episodes.id'], name=op.f('fk_media_versions_episode_id_episodes')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['people.id'], name=op.f('fk_media_versions_uploaded_by_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_media_versions')),
    sa.UniqueConstraint('episode_id', 'number', name=op.f('uq_media_versions_episode_id_number'))
    )
    with op.batch_alter_table('media_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_media_versions_episode_id'), ['episode_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_media_versions_sha256'), ['sha256'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('media_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_media_versions_sha256'))
        batch_op.drop_index(batch_op.f('ix_media_versions_episode_id'))

    op.drop_table('media_versions')
