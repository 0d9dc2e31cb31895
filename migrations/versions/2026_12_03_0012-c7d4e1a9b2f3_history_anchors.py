"""history anchors, and sign-offs and comments covered by the chain

Adds ``episode_history.covers`` (the digests of the sign-off or comment an
entry records) and ``history_anchors`` (each chain's entry count and last
hash). Existing data stays verifiable: every episode with sign-offs or
comments gets one ``seal`` entry covering them as they are now, then every
chain gets its anchor. The hashing below is a frozen copy of
``editorial.history`` as of this revision, so later changes there cannot
change what this migration wrote.

Revision ID: c7d4e1a9b2f3
Revises: c7d2e9a4b1f6
Create Date: 2026-12-03 22:10:00.000000
"""

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = 'c7d4e1a9b2f3'
down_revision: str | None = 'c7d2e9a4b1f6'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('episode_history', sa.Column('covers', sa.JSON(none_as_null=True), nullable=True))
    op.create_table(
        'history_anchors',
        sa.Column('episode_id', sa.Integer(), nullable=False),
        sa.Column('entries', sa.Integer(), nullable=False),
        sa.Column('head_hash', sa.String(length=64), nullable=False),
        sa.CheckConstraint('entries >= 1', name=op.f('ck_history_anchors_entries_positive')),
        sa.ForeignKeyConstraint(
            ['episode_id'], ['episodes.id'], name=op.f('fk_history_anchors_episode_id_episodes')
        ),
        sa.PrimaryKeyConstraint('episode_id', name=op.f('pk_history_anchors')),
    )
    _seal(datetime.now(UTC))
    op.execute(
        """
        INSERT INTO history_anchors (episode_id, entries, head_hash)
        SELECT h.episode_id, h.seq, h.hash FROM episode_history h
        WHERE h.seq = (SELECT max(seq) FROM episode_history m WHERE m.episode_id = h.episode_id)
        """
    )
    _create_anchor_triggers()


def downgrade() -> None:
    covered = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM episode_history WHERE covers IS NOT NULL")
    )
    if covered:
        # Without the column those entries (seals, sign-offs, comments) would no longer verify,
        # and history cannot be unwritten.
        raise RuntimeError(
            f"{covered} history entries record sign-offs or comments: cannot downgrade past "
            f"{revision} without breaking their chains"
        )
    _drop_anchor_triggers()
    op.drop_table('history_anchors')
    op.execute("ALTER TABLE episode_history DROP COLUMN covers")


# --- the seal: a frozen copy of editorial.history's hashing --------------------------------


def _canonical(content: dict[str, Any]) -> str:
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _utc(value: Any) -> str:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC).isoformat(timespec="microseconds")


def _covers(conn: sa.Connection) -> dict[int, dict[str, str]]:
    covers: dict[int, dict[str, str]] = {}
    for s in conn.execute(sa.text("SELECT * FROM sign_offs ORDER BY id")).mappings():
        checklist = [
            bool(s[k])
            for k in ("political_accuracy", "facts", "watchability", "timeliness", "technical_quality")
        ]
        digest = _sha(_canonical({
            "id": s["id"], "episode_id": s["episode_id"], "review_round": s["review_round"],
            "stage": s["stage"], "person_id": s["person_id"], "role": s["role"],
            "signed_at": _utc(s["signed_at"]), "media_version": s["media_version"],
            "checklist": checklist, "note": s["note"],
        }))
        covers.setdefault(s["episode_id"], {})[f"sign_off:{s['id']}"] = digest
    for c in conn.execute(sa.text("SELECT * FROM comments ORDER BY id")).mappings():
        digest = _sha(_canonical({
            "id": c["id"], "episode_id": c["episode_id"], "author_id": c["author_id"],
            "at": _utc(c["at"]), "body": c["body"],
        }))
        covers.setdefault(c["episode_id"], {})[f"comment:{c['id']}"] = digest
    return covers


def _seal(now: datetime) -> None:
    """One entry per episode with sign-offs or comments, covering them as they are now."""
    conn = op.get_bind()
    history = sa.table(
        'episode_history', *(sa.column(name) for name in (
            'episode_id', 'seq', 'act', 'actor_id', 'actor_role', 'at', 'from_state',
            'to_state', 'reason', 'media_version', 'prev_hash', 'hash',
        )),
        *(sa.column(name, sa.JSON(none_as_null=True)) for name in ('checklist', 'details', 'covers')),
    )
    at = now.astimezone(UTC).replace(tzinfo=None)
    for episode_id, covers in sorted(_covers(conn).items()):
        last = conn.execute(
            sa.text(
                "SELECT seq, hash, to_state FROM episode_history WHERE episode_id = :e "
                "ORDER BY seq DESC LIMIT 1"
            ),
            {"e": episode_id},
        ).first()
        if last is None:
            continue  # an episode without history fails verification with or without a seal
        seq, prev_hash, state = last[0] + 1, last[1], last[2]
        content = {
            "episode_id": episode_id, "seq": seq, "act": "seal", "actor_id": None,
            "actor_role": None, "at": _utc(at), "from_state": state, "to_state": state,
            "reason": None, "checklist": None, "media_version": None,
            "details": {"revision": revision}, "covers": covers,
        }
        conn.execute(history.insert().values(
            episode_id=episode_id, seq=seq, act="seal", actor_id=None, actor_role=None, at=at,
            from_state=state, to_state=state, reason=None, checklist=None, media_version=None,
            details={"revision": revision}, covers=covers, prev_hash=prev_hash,
            hash=_sha(prev_hash + _canonical(content)),
        ))


# --- the anchor may only move forward by one entry, and never be deleted ----------------


def _create_anchor_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION tvcolumn_anchor_forward() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'DELETE' OR NEW.episode_id <> OLD.episode_id
                        OR NEW.entries <> OLD.entries + 1 THEN
                    RAISE EXCEPTION 'history_anchors only move forward: % refused', TG_OP
                        USING ERRCODE = 'restrict_violation';
                END IF;
                RETURN NEW;
            END
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER history_anchors_forward BEFORE UPDATE OR DELETE ON history_anchors "
            "FOR EACH ROW EXECUTE FUNCTION tvcolumn_anchor_forward()"
        )
        op.execute(
            "CREATE TRIGGER history_anchors_no_truncate BEFORE TRUNCATE ON history_anchors "
            "FOR EACH STATEMENT EXECUTE FUNCTION tvcolumn_refuse_change()"
        )
        return
    op.execute(
        "CREATE TRIGGER history_anchors_forward BEFORE UPDATE ON history_anchors "
        "WHEN NEW.episode_id <> OLD.episode_id OR NEW.entries <> OLD.entries + 1 "
        "BEGIN SELECT RAISE(ABORT, 'history_anchors only move forward: UPDATE refused'); END"
    )
    op.execute(
        "CREATE TRIGGER history_anchors_no_delete BEFORE DELETE ON history_anchors "
        "BEGIN SELECT RAISE(ABORT, 'history_anchors only move forward: DELETE refused'); END"
    )


def _drop_anchor_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER history_anchors_forward ON history_anchors")
        op.execute("DROP TRIGGER history_anchors_no_truncate ON history_anchors")
        op.execute("DROP FUNCTION tvcolumn_anchor_forward()")
        return
    op.execute("DROP TRIGGER history_anchors_forward")
    op.execute("DROP TRIGGER history_anchors_no_delete")
