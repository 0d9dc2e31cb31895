"""The builder's campaign pass: what fills a concentrated broadcast (集中播放).

A campaign's occurrences are premiere occurrences of the county's column, so its
own approved episodes premiere there (``plan_column``) and offered episodes of
other columns still without a premiere are placed there by the exchange pass
(交流). What is left empty is then filled here with material the county relays
(转播): an approved episode that already premiered before the occurrence and that
the county may take, namely

* an episode of the city column (the city's e-education material the county
  broadcasts, 市党员电化教育通用教材),
* an episode another column offered for exchange,
* or one of the county's own.

Such an airing is a rerun (``SlotKind.RERUN``) of the episode's premiere, wherever
that airs, so it never takes the premiere's place. Among the material that fits,
an occurrence takes, in this order, an episode not yet aired in the campaign (so
no episode airs twice while another is left), the one least recently aired in it,
then the builder's usual preference (``place_key``: priority tags of the quarter
inside their window, earliest air-by date, oldest approval).

Only builds covering a campaign column run the two queries here, so the
province-scale build without campaigns costs nothing more.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, aliased

from editorial.models import Column, Episode, Level, State
from schedule.builder_load import CANDIDATE_FIELDS, World, chunks, to_candidates
from schedule.builder_plan import Assignment, Candidate, Context, OccKey, SlotOcc, place_key
from schedule.builder_write import Desired
from schedule.campaigns import CampaignKey, campaign_key
from schedule.models import Airing, AiringStatus, SlotKind
from schedule.reasons import reason

NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Material:
    """An episode a campaign may relay, and its premiere (planned or kept)."""

    candidate: Candidate
    premiere_key: OccKey
    premiere_at: datetime


@dataclass(frozen=True)
class Relay:
    occ: SlotOcc
    material: Material
    reason: str


def relays(
    session: Session, world: World, assignments: dict[OccKey, Assignment], ctx: Context
) -> tuple[dict[OccKey, Desired], dict[OccKey, int]]:
    """The relays that fill the campaigns' empty occurrences, as the writer wants them,
    and the ids of kept premieres they point at that the writer does not know yet."""
    campaigns: dict[CampaignKey, list[int]] = {}
    for slot in world.slots:
        if slot.campaign and slot.last_date is not None and slot.kind is SlotKind.PREMIERE:
            campaigns.setdefault(campaign_key(slot), []).append(slot.id)
    if not campaigns:
        return {}, {}
    empty = {
        key: [
            o
            for slot_id in slot_ids
            for o in world.sequences.get(slot_id, [])
            if ctx.in_region(o) and o.key not in assignments and o.key not in world.fixed
        ]
        for key, slot_ids in campaigns.items()
    }
    if not any(empty.values()):
        return {}, {}
    columns = {key[0] for key in campaigns}
    latest = max(o.starts_at for occs in empty.values() for o in occs)
    material, known = _material(session, world, assignments, ctx, columns, latest)
    uses = _uses(session, world, assignments, campaigns)
    desired: dict[OccKey, Desired] = {}
    for key, occs in empty.items():
        for r in plan_relays(occs, material, uses.get(key, {}), ctx):
            m = r.material
            desired[r.occ.key] = Desired(
                r.occ.slot_id,
                r.occ.starts_at,
                r.occ.ends_at,
                m.candidate.episode_id,
                SlotKind.RERUN,
                m.candidate.column_id != key[0],
                r.reason,
                m.premiere_key,
            )
    return desired, known


def plan_relays(
    occs: Iterable[SlotOcc],
    material: list[Material],
    used: dict[int, tuple[int, datetime]],
    ctx: Context,
) -> list[Relay]:
    """Fill one campaign's empty occurrences in time order; ``used``: how often and when
    last each episode airs in the campaign already (updated as relays are chosen)."""
    result = []
    for occ in sorted(occs, key=lambda o: (o.starts_at, o.slot_id)):
        best: tuple[object, ...] | None = None
        chosen: Material | None = None
        for m in material:
            c = m.candidate
            if (
                m.premiere_at >= occ.starts_at
                or not ctx.settings.fits(c.duration_s, occ.duration_s)
                or ctx.pulled(occ, c.episode_id)
            ):
                continue
            count, last = used.get(c.episode_id, (0, NEVER))
            rank = (count, last, place_key(c, occ.day, ctx))
            if best is None or rank < best:
                best, chosen = rank, m
        if chosen is None:
            continue
        episode_id = chosen.candidate.episode_id
        count, _ = used.get(episode_id, (0, occ.starts_at))
        used[episode_id] = (count + 1, occ.starts_at)
        result.append(Relay(occ, chosen, _why(chosen, occ, ctx)))
    return result


def _why(chosen: Material, occ: SlotOcc, ctx: Context) -> str:
    column_id = chosen.candidate.column_id
    if column_id == occ.column_id:
        return reason("campaign_repeat", premiere=chosen.premiere_at).text
    column = ctx.column_names.get(column_id, str(column_id))
    return reason("campaign_relay", column=column, premiere=chosen.premiere_at).text


def _material(
    session: Session,
    world: World,
    assignments: dict[OccKey, Assignment],
    ctx: Context,
    columns: set[int],
    latest: datetime,
) -> tuple[list[Material], dict[OccKey, int]]:
    """Approved episodes of a city column, offered for exchange or of a campaign's column,
    with a live premiere before ``latest``: kept ones from the table, planned ones from
    this build's assignments (a premiere the build decides again counts as planned)."""
    city = set(session.scalars(select(Column.id).where(Column.level == Level.CITY)))

    def may_take(column_id: int, offered: bool) -> bool:
        return column_id in city or offered or column_id in columns

    redecided = {r.id for r in world.changeable.values()} | set(world.causes)
    premiere = aliased(Airing)
    rows = session.execute(
        select(
            *CANDIDATE_FIELDS,
            premiere.id.label("premiere_id"),
            premiere.slot_id.label("premiere_slot"),
            premiere.starts_at.label("premiere_at"),
        )
        .join(
            premiere,
            and_(
                premiere.episode_id == Episode.id,
                premiere.kind == SlotKind.PREMIERE,
                premiere.status != AiringStatus.CANCELLED,
            ),
        )
        .where(
            Episode.state == State.APPROVED,
            premiere.starts_at < latest,
            or_(
                Episode.column_id.in_(sorted(city | columns)),
                Episode.offered_for_exchange.is_(True),
            ),
        )
        .order_by(Episode.id)
    ).all()
    kept = [r for r in rows if r.premiere_id not in redecided]
    found: dict[int, Material] = {}
    known: dict[OccKey, int] = {}
    for r, candidate in zip(kept, to_candidates(session, kept, ctx.settings), strict=True):
        key = (r.premiere_slot, r.premiere_at)
        found[r.id] = Material(candidate, key, r.premiere_at)
        known[key] = r.premiere_id
    by_id = {c.episode_id: c for c in world.candidates}
    for a in assignments.values():
        c = by_id.get(a.episode_id)
        if c is not None and may_take(c.column_id, c.offered) and a.occ.starts_at < latest:
            found[c.episode_id] = Material(c, a.key, a.occ.starts_at)
    return [found[k] for k in sorted(found)], known


def _uses(
    session: Session,
    world: World,
    assignments: dict[OccKey, Assignment],
    campaigns: dict[CampaignKey, list[int]],
) -> dict[CampaignKey, dict[int, tuple[int, datetime]]]:
    """How often, and when last, each episode airs in each campaign already: the live
    airings the build keeps, and the premieres it plans there."""
    campaign_of = {slot_id: key for key, ids in campaigns.items() for slot_id in ids}
    seen: list[tuple[int, int, datetime]] = []
    for part in chunks(sorted(campaign_of)):
        seen.extend(
            (s, e, at)
            for s, e, at in session.execute(
                select(Airing.slot_id, Airing.episode_id, Airing.starts_at).where(
                    Airing.slot_id.in_(part), Airing.status != AiringStatus.CANCELLED
                )
            )
            if (s, at) not in world.changeable and (s, at) not in world.retire
        )
    seen.extend(
        (a.occ.slot_id, a.episode_id, a.occ.starts_at)
        for a in assignments.values()
        if a.occ.slot_id in campaign_of
    )
    uses: dict[CampaignKey, dict[int, tuple[int, datetime]]] = {}
    for slot_id, episode_id, at in sorted(seen, key=lambda t: t[2]):
        mine = uses.setdefault(campaign_of[slot_id], {})
        count, _ = mine.get(episode_id, (0, at))
        mine[episode_id] = (count + 1, at)
    return uses
