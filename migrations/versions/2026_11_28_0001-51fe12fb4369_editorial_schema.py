"""editorial schema: columns, people, roles, series, episodes, sign-offs, history

History, comments and sign-offs are append-only: triggers refuse UPDATE and
DELETE on them in SQLite and PostgreSQL (docs/decisions/0002).

Revision ID: 51fe12fb4369
Revises: 
Create Date: 2026-11-28 11:30:26.642026
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '51fe12fb4369'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    
    op.create_table('columns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('level', sa.Enum('city', 'county', name='level', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('station', sa.String(length=80), nullable=False),
    sa.Column('channel', sa.String(length=80), nullable=False),
    sa.Column('has_fixed_slot', sa.Boolean(), nullable=False),
    sa.Column('review_days_first', sa.Integer(), nullable=False),
    sa.Column('review_days_second', sa.Integer(), nullable=False),
    sa.Column('review_days_final', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("slug <> ''", name=op.f('ck_columns_slug_not_empty')),
    sa.CheckConstraint('review_days_first >= 1 AND review_days_second >= 1 AND review_days_final >= 1', name=op.f('ck_columns_review_days_positive')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_columns')),
    sa.UniqueConstraint('slug', name=op.f('uq_columns_slug'))
    )
    op.create_table('people',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=60), nullable=False),
    sa.Column('display_name', sa.String(length=80), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('password_hash', sa.String(length=200), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("username <> ''", name=op.f('ck_people_username_not_empty')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_people')),
    sa.UniqueConstraint('username', name=op.f('uq_people_username'))
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_api_tokens_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_person_id'), ['person_id'], unique=False)

    op.create_table('holiday_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('is_workday', sa.Boolean(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('entered_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['entered_by_id'], ['people.id'], name=op.f('fk_holiday_days_entered_by_id_people')),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_holiday_days'))
    )
    op.create_table('memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('column_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('editor_director', 'producer', 'reviewer', 'final_approver', 'liaison', 'scheduler', 'admin', name='role', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('granted_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['column_id'], ['columns.id'], name=op.f('fk_memberships_column_id_columns')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_memberships_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_memberships')),
    sa.UniqueConstraint('person_id', 'column_id', 'role', name=op.f('uq_memberships_person_id_column_id_role'))
    )
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_memberships_column_id'), ['column_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_memberships_person_id'), ['person_id'], unique=False)

    op.create_table('series',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('column_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('parts', sa.Integer(), nullable=False),
    sa.Column('start_by', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('parts >= 2', name=op.f('ck_series_at_least_two_parts')),
    sa.ForeignKeyConstraint(['column_id'], ['columns.id'], name=op.f('fk_series_column_id_columns')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_series'))
    )
    with op.batch_alter_table('series', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_series_column_id'), ['column_id'], unique=False)

    op.create_table('episodes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('column_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('topic', sa.Text(), nullable=False),
    sa.Column('synopsis', sa.Text(), nullable=False),
    sa.Column('genre', sa.String(length=40), nullable=False),
    sa.Column('target_duration_s', sa.Integer(), nullable=False),
    sa.Column('director_id', sa.Integer(), nullable=False),
    sa.Column('responsible_producer_id', sa.Integer(), nullable=False),
    sa.Column('air_by', sa.Date(), nullable=True),
    sa.Column('series_id', sa.Integer(), nullable=True),
    sa.Column('part_number', sa.Integer(), nullable=True),
    sa.Column('state', sa.Enum('proposed', 'topic_approved', 'topic_rejected', 'in_production', 'first_review', 'second_review', 'final_review', 'returned', 'approved', 'withdrawn', 'pulled', name='episode_state', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('review_round', sa.Integer(), nullable=False),
    sa.Column('state_entered_at', sa.DateTime(), nullable=False),
    sa.Column('review_due', sa.Date(), nullable=True),
    sa.Column('review_due_estimated', sa.Boolean(), nullable=False),
    sa.Column('media_version', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("title <> ''", name=op.f('ck_episodes_title_not_empty')),
    sa.CheckConstraint('(series_id IS NULL) = (part_number IS NULL)', name=op.f('ck_episodes_series_has_part')),
    sa.CheckConstraint('part_number IS NULL OR part_number >= 1', name=op.f('ck_episodes_part_positive')),
    sa.CheckConstraint('review_round >= 0', name=op.f('ck_episodes_round_not_negative')),
    sa.CheckConstraint('target_duration_s > 0', name=op.f('ck_episodes_duration_positive')),
    sa.ForeignKeyConstraint(['column_id'], ['columns.id'], name=op.f('fk_episodes_column_id_columns')),
    sa.ForeignKeyConstraint(['director_id'], ['people.id'], name=op.f('fk_episodes_director_id_people')),
    sa.ForeignKeyConstraint(['responsible_producer_id'], ['people.id'], name=op.f('fk_episodes_responsible_producer_id_people')),
    sa.ForeignKeyConstraint(['series_id'], ['series.id'], name=op.f('fk_episodes_series_id_series')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_episodes')),
    sa.UniqueConstraint('series_id', 'part_number', name=op.f('uq_episodes_series_id_part_number'))
    )
    with op.batch_alter_table('episodes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_episodes_column_id'), ['column_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_episodes_director_id'), ['director_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_episodes_responsible_producer_id'), ['responsible_producer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_episodes_state'), ['state'], unique=False)
        batch_op.create_index('ix_episodes_state_review_due', ['state', 'review_due'], unique=False)

    op.create_table('comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('episode_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.CheckConstraint("body <> ''", name=op.f('ck_comments_body_not_empty')),
    sa.ForeignKeyConstraint(['author_id'], ['people.id'], name=op.f('fk_comments_author_id_people')),
    sa.ForeignKeyConstraint(['episode_id'], ['episodes.id'], name=op.f('fk_comments_episode_id_episodes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comments'))
    )
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_comments_episode_id'), ['episode_id'], unique=False)

    op.create_table('episode_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('episode_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('act', sa.String(length=30), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_role', sa.String(length=24), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('from_state', sa.String(length=24), nullable=True),
    sa.Column('to_state', sa.String(length=24), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('checklist', sa.JSON(), nullable=True),
    sa.Column('media_version', sa.Integer(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.CheckConstraint('seq >= 1', name=op.f('ck_episode_history_seq_positive')),
    sa.ForeignKeyConstraint(['actor_id'], ['people.id'], name=op.f('fk_episode_history_actor_id_people')),
    sa.ForeignKeyConstraint(['episode_id'], ['episodes.id'], name=op.f('fk_episode_history_episode_id_episodes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_episode_history')),
    sa.UniqueConstraint('episode_id', 'seq', name=op.f('uq_episode_history_episode_id_seq'))
    )
    op.create_table('episode_priority_tags',
    sa.Column('episode_id', sa.Integer(), nullable=False),
    sa.Column('tag', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['episode_id'], ['episodes.id'], name=op.f('fk_episode_priority_tags_episode_id_episodes')),
    sa.PrimaryKeyConstraint('episode_id', 'tag', name=op.f('pk_episode_priority_tags'))
    )
    op.create_table('stage_signers',
    sa.Column('episode_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.Enum('first', 'second', 'final', name='stage', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.ForeignKeyConstraint(['episode_id'], ['episodes.id'], name=op.f('fk_stage_signers_episode_id_episodes')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_stage_signers_person_id_people')),
    sa.PrimaryKeyConstraint('episode_id', 'person_id', name=op.f('pk_stage_signers')),
    sa.UniqueConstraint('episode_id', 'person_id', 'stage', name=op.f('uq_stage_signers_episode_id_person_id_stage'))
    )
    op.create_table('sign_offs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('episode_id', sa.Integer(), nullable=False),
    sa.Column('review_round', sa.Integer(), nullable=False),
    sa.Column('stage', sa.Enum('first', 'second', 'final', name='stage', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('editor_director', 'producer', 'reviewer', 'final_approver', 'liaison', 'scheduler', 'admin', name='role', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('signed_at', sa.DateTime(), nullable=False),
    sa.Column('media_version', sa.Integer(), nullable=True),
    sa.Column('political_accuracy', sa.Boolean(), nullable=False),
    sa.Column('facts', sa.Boolean(), nullable=False),
    sa.Column('watchability', sa.Boolean(), nullable=False),
    sa.Column('timeliness', sa.Boolean(), nullable=False),
    sa.Column('technical_quality', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.CheckConstraint('political_accuracy AND facts AND watchability AND timeliness AND technical_quality', name=op.f('ck_sign_offs_checklist_complete')),
    sa.ForeignKeyConstraint(['episode_id', 'person_id', 'stage'], ['stage_signers.episode_id', 'stage_signers.person_id', 'stage_signers.stage'], name='fk_sign_offs_stage_signer'),
    sa.ForeignKeyConstraint(['episode_id'], ['episodes.id'], name=op.f('fk_sign_offs_episode_id_episodes')),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_sign_offs_person_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_offs')),
    sa.UniqueConstraint('episode_id', 'review_round', 'stage', name=op.f('uq_sign_offs_episode_id_review_round_stage'))
    )
    with op.batch_alter_table('sign_offs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_offs_episode_id'), ['episode_id'], unique=False)
    create_append_only_triggers()


def downgrade() -> None:
    drop_append_only_triggers()
    
    with op.batch_alter_table('sign_offs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_offs_episode_id'))

    op.drop_table('sign_offs')
    op.drop_table('stage_signers')
    op.drop_table('episode_priority_tags')
    op.drop_table('episode_history')
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_comments_episode_id'))

    op.drop_table('comments')
    with op.batch_alter_table('episodes', schema=None) as batch_op:
        batch_op.drop_index('ix_episodes_state_review_due')
        batch_op.drop_index(batch_op.f('ix_episodes_state'))
        batch_op.drop_index(batch_op.f('ix_episodes_responsible_producer_id'))
        batch_op.drop_index(batch_op.f('ix_episodes_director_id'))
        batch_op.drop_index(batch_op.f('ix_episodes_column_id'))

    op.drop_table('episodes')
    with op.batch_alter_table('series', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_series_column_id'))

    op.drop_table('series')
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_memberships_person_id'))
        batch_op.drop_index(batch_op.f('ix_memberships_column_id'))

    op.drop_table('memberships')
    op.drop_table('holiday_days')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_person_id'))

    op.drop_table('api_tokens')
    op.drop_table('people')
    op.drop_table('columns')
    


APPEND_ONLY = ("episode_history", "comments", "sign_offs")


def create_append_only_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION tvcolumn_refuse_change() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
                    USING ERRCODE = 'restrict_violation';
            END
            $$ LANGUAGE plpgsql
            """
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION tvcolumn_refuse_change()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION tvcolumn_refuse_change()"
            )
        return
    for table in APPEND_ONLY:
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {operation} refused'); END"
            )


def drop_append_only_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION tvcolumn_refuse_change()")
        return
    for table in APPEND_ONLY:
        for operation in ("update", "delete"):
            op.execute(f"DROP TRIGGER {table}_no_{operation}")
