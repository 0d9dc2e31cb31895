"""notifications of every hand-off: who acted and why; deliveries (the outbox's sends by
e-mail and group robot), the columns' robots and each person's channel choices

Notifications written before this revision are marked routed, so the upgrade sends
no old reminder by e-mail.

Revision ID: d2a6f0c4e8b1
Revises: c5e8f1a3d7b2
Create Date: 2026-12-04 02:40:22.097224
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'd2a6f0c4e8b1'
down_revision: str | None = 'c5e8f1a3d7b2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('column_robots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('column_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('email', 'wecom', 'dingtalk', name='robot_channel', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('webhook_url', sa.Text(), nullable=False),
    sa.Column('secret', sa.Text(), server_default='', nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['column_id'], ['columns.id'], name=op.f('fk_column_robots_column_id_columns')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_column_robots')),
    sa.CheckConstraint("channel IN ('wecom', 'dingtalk')", name=op.f('ck_column_robots_robot_is_a_robot')),
    sa.UniqueConstraint('column_id', 'channel', name=op.f('uq_column_robots_column_id_channel'))
    )
    op.create_table('notification_choices',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('email', 'wecom', 'dingtalk', name='choice_channel', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_notification_choices_person_id_people')),
    sa.PrimaryKeyConstraint('person_id', 'channel', 'kind', name=op.f('pk_notification_choices'))
    )
    op.create_table('deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('email', 'wecom', 'dingtalk', name='delivery_channel', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('target', sa.String(length=200), nullable=False),
    sa.Column('robot_id', sa.Integer(), nullable=True),
    sa.Column('notification_id', sa.Integer(), nullable=True),
    sa.Column('dedupe_key', sa.String(length=240), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=False),
    sa.Column('state', sa.Enum('pending', 'sending', 'sent', 'failed', name='delivery_state', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('last_error', sa.Text(), server_default='', nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_deliveries_attempts_not_negative')),
    sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'], name=op.f('fk_deliveries_notification_id_notifications')),
    sa.ForeignKeyConstraint(['robot_id'], ['column_robots.id'], name=op.f('fk_deliveries_robot_id_column_robots')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deliveries')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_deliveries_dedupe_key'))
    )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_deliveries_due', ['state', 'next_attempt_at'], unique=False)

    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('actor_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reason', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('params', sa.JSON(), server_default=sa.text("'{}'"), nullable=False))
        batch_op.add_column(sa.Column('event_key', sa.String(length=120), server_default='', nullable=False))
        batch_op.add_column(sa.Column('routed_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_notifications_event_key'), ['event_key'], unique=False)
        batch_op.create_index('ix_notifications_person_unread', ['person_id', 'dismissed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_routed_at'), ['routed_at'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_notifications_actor_id_people'), 'people', ['actor_id'], ['id'])
    op.execute('UPDATE notifications SET routed_at = created_at')



def downgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_notifications_actor_id_people'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_notifications_routed_at'))
        batch_op.drop_index('ix_notifications_person_unread')
        batch_op.drop_index(batch_op.f('ix_notifications_event_key'))
        batch_op.drop_column('routed_at')
        batch_op.drop_column('event_key')
        batch_op.drop_column('params')
        batch_op.drop_column('reason')
        batch_op.drop_column('actor_id')

    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_due')

    op.drop_table('deliveries')
    op.drop_table('notification_choices')
    op.drop_table('column_robots')
