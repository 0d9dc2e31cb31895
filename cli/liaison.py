"""``tvcolumn liaison …``: the liaison office's quarter (通联制度): the quarter, its meeting
with attendance and minutes, its reporting priorities with per-column targets, and the
progress against them (目标管理).

Thin like the rest of the CLI: parse, look up, call one service (``liaison.service``),
commit once; a refusal exits 1 with its message and stores nothing. Times on the
command line are local (Asia/Shanghai).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from cli import common
from cli.common import domain_command, local_time, table
from editorial import people
from editorial.errors import InvalidInput, NotFound
from editorial.models import Column
from editorial.workdays import SHANGHAI, local_date
from liaison import service
from liaison.dashboard import is_behind  # the pages' rule of 落后, so both agree
from liaison.models import AgendaKind, AttendanceStatus, Meeting, Quarter
from liaison.progress import STAGES, progress

DAY = click.DateTime(formats=["%Y-%m-%d"])
QUARTER = click.IntRange(1, 4)
AGENDA_KINDS = ", ".join(k.value for k in AgendaKind)


@click.group()
def liaison() -> None:
    """Quarterly liaison (通联): quarters, the meeting, reporting priorities, progress."""


@liaison.group("quarter")
def quarter_group() -> None:
    """Quarters of the liaison year."""


@liaison.group("meeting")
def meeting_group() -> None:
    """The quarter's liaison meeting (通联会议)."""


@liaison.group("priority")
def priority_group() -> None:
    """The quarter's reporting priorities (季度宣传报道重点)."""


# --- helpers -------------------------------------------------------------------------------------


def _quarter(session: Session, year: int, number: int) -> Quarter:
    return service.get_quarter(session, year, number)


def _meeting(session: Session, quarter: Quarter) -> Meeting:
    meeting = session.scalar(select(Meeting).where(Meeting.quarter_id == quarter.id))
    if meeting is None:
        raise NotFound(
            f"{quarter.label} has no liaison meeting yet (`tvcolumn liaison meeting set`)"
        )
    return meeting


def _moment(value: str, option: str, day: datetime | None = None) -> datetime:
    """'YYYY-MM-DD HH:MM' (or 'HH:MM' on ``day``) in Asia/Shanghai, as UTC."""
    for form in ("%Y-%m-%d %H:%M", "%H:%M"):
        try:
            parsed = datetime.strptime(value.strip(), form)
        except ValueError:
            continue
        if form == "%H:%M":
            if day is None:
                break
            parsed = datetime.combine(day.date(), parsed.time())
        return parsed.replace(tzinfo=SHANGHAI).astimezone(UTC)
    shape = "'YYYY-MM-DD HH:MM'" + (" or 'HH:MM'" if day is not None else "")
    raise click.BadParameter(f"{value!r} is not a local time like {shape}", param_hint=option)


def _agenda(items: Sequence[str]) -> list[tuple[AgendaKind, str]]:
    agenda = []
    kinds = {k.value: k for k in AgendaKind}
    for item in items:
        kind, colon, title = item.partition(":")
        if not colon or kind.strip() not in kinds:
            raise click.BadParameter(
                f"{item!r} is not KIND:TITLE with KIND one of {AGENDA_KINDS}",
                param_hint="--agenda",
            )
        agenda.append((kinds[kind.strip()], title))
    return agenda


def _targets(session: Session, items: Sequence[str]) -> dict[int, int]:
    """``COLUMN=N`` by column slug; an unknown column is refused (NotFound)."""
    targets: dict[int, int] = {}
    for item in items:
        slug, equals, count = item.partition("=")
        try:
            episodes = int(count)
        except ValueError:
            episodes = None
        if not equals or not slug.strip() or episodes is None:
            raise click.BadParameter(
                f"{item!r} is not COLUMN=N (a column's slug and a number of episodes)",
                param_hint="--target",
            )
        targets[people.get_column(session, slug.strip()).id] = episodes
    return targets


# --- quarters ------------------------------------------------------------------------------------


@quarter_group.command("add")
@click.argument("year", type=int)
@click.argument("number", metavar="Q", type=QUARTER)
@click.option("--as", "actor", required=True, help="username of a city liaison officer")
@domain_command
def quarter_add(session: Session, year: int, number: int, actor: str) -> None:
    """Add quarter Q (1–4) of YEAR."""
    quarter = service.create_quarter(
        session, people.get_person(session, actor), common.now(), year=year, number=number
    )
    click.echo(
        f"quarter {quarter.year} Q{quarter.number} ({quarter.label}, "
        f"{quarter.start} to {quarter.end}) added"
    )


# --- the meeting ---------------------------------------------------------------------------------


@meeting_group.command("set")
@click.argument("year", type=int)
@click.argument("number", metavar="Q", type=QUARTER)
@click.option("--start", "start", required=True, help="local start, 'YYYY-MM-DD HH:MM'")
@click.option("--end", "end", required=True, help="local end, 'YYYY-MM-DD HH:MM' or 'HH:MM'")
@click.option("--place", required=True)
@click.option(
    "--agenda",
    "agenda",
    multiple=True,
    help=f"KIND:TITLE, KIND one of {AGENDA_KINDS} (repeatable, in order)",
)
@click.option(
    "--invite",
    "invite",
    multiple=True,
    help="a column invited (slug, repeatable; default: every column)",
)
@click.option("--change", is_flag=True, help="change (or move) the quarter's existing meeting")
@click.option("--as", "actor", required=True, help="username of a city liaison officer")
@domain_command
def meeting_set(
    session: Session,
    year: int,
    number: int,
    start: str,
    end: str,
    place: str,
    agenda: tuple[str, ...],
    invite: tuple[str, ...],
    change: bool,
    actor: str,
) -> None:
    """Set the liaison meeting of quarter Q of YEAR; a quarter has one (--change moves it)."""
    starts_at = _moment(start, "--start")
    ends_at = _moment(end, "--end", starts_at.astimezone(SHANGHAI))
    spec = service.MeetingSpec(
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        agenda=_agenda(agenda),
        columns=[people.get_column(session, slug) for slug in invite],
    )
    person = people.get_person(session, actor)
    quarter = _quarter(session, year, number)
    now = common.now()
    if change:
        meeting = service.change_meeting(session, person, _meeting(session, quarter), spec, now)
    else:
        try:
            meeting = service.schedule_meeting(session, person, quarter, spec, now)
        except InvalidInput as error:
            if "quarter" in error.fields:
                raise InvalidInput(
                    f"{error.message} (give --change to change it)",
                    error.fields,
                    code="meeting_exists",
                ) from None
            raise
    click.echo(
        f"{quarter.label} liaison meeting: {local_time(meeting.starts_at)} to "
        f"{meeting.ends_at.astimezone(SHANGHAI):%H:%M} at {meeting.place}, "
        f"{len(meeting.agenda)} agenda items, {len(meeting.attendance)} columns invited"
    )


@liaison.command("minutes")
@click.argument("year", type=int)
@click.argument("number", metavar="Q", type=QUARTER)
@click.option(
    "--file",
    "file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="the minutes (会议纪要), UTF-8 text",
)
@click.option("--as", "actor", required=True, help="username of a city liaison officer")
@domain_command
def minutes(session: Session, year: int, number: int, file: Path, actor: str) -> None:
    """Record the minutes of the meeting of quarter Q of YEAR from FILE."""
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise click.ClickException(f"{file} is not UTF-8 text") from None
    quarter = _quarter(session, year, number)
    meeting = service.record_minutes(
        session, people.get_person(session, actor), _meeting(session, quarter), text, common.now()
    )
    click.echo(f"{quarter.label} minutes recorded ({len(meeting.minutes)} characters)")


@liaison.command("attend")
@click.argument("year", type=int)
@click.argument("number", metavar="Q", type=QUARTER)
@click.argument("column_slug", metavar="COLUMN")
@click.option("--status", type=click.Choice([s.value for s in AttendanceStatus]), required=True)
@click.option("--attendees", default="", help="who comes (names)")
@click.option("--notes", default="", help="the column's notes for the meeting")
@click.option("--as", "actor", required=True, help="a city liaison officer, or the column's own")
@domain_command
def attend(
    session: Session,
    year: int,
    number: int,
    column_slug: str,
    status: str,
    attendees: str,
    notes: str,
    actor: str,
) -> None:
    """Record COLUMN's attendance at the meeting of quarter Q of YEAR."""
    quarter = _quarter(session, year, number)
    row = service.set_attendance(
        session,
        people.get_person(session, actor),
        _meeting(session, quarter),
        people.get_column(session, column_slug),
        common.now(),
        status=AttendanceStatus(status),
        attendees=attendees,
        notes=notes,
    )
    click.echo(f"{quarter.label} meeting: {column_slug} {row.status.value}")


# --- priorities ----------------------------------------------------------------------------------


@priority_group.command("add")
@click.argument("year", type=int)
@click.argument("number", metavar="Q", type=QUARTER)
@click.option("--theme", required=True, help="e.g. 庆祝建党105周年")
@click.option("--tag", required=True, help="the tag its episodes carry, e.g. 七一")
@click.option("--from", "first", type=DAY, required=True, help="first day of the window")
@click.option("--to", "last", type=DAY, required=True, help="last day of the window (included)")
@click.option("--weight", type=int, default=1, show_default=True, help="1 or more")
@click.option("--submit-by", type=DAY, default=None, help="topics proposed by then (报送截止)")
@click.option("--description", default="")
@click.option(
    "--target",
    "targets",
    multiple=True,
    help="COLUMN=N: N episodes aired in the window (repeatable)",
)
@click.option("--as", "actor", required=True, help="username of a city liaison officer")
@domain_command
def priority_add(
    session: Session,
    year: int,
    number: int,
    theme: str,
    tag: str,
    first: datetime,
    last: datetime,
    weight: int,
    submit_by: datetime | None,
    description: str,
    targets: tuple[str, ...],
    actor: str,
) -> None:
    """Add a reporting priority to quarter Q of YEAR, with per-column targets."""
    person = people.get_person(session, actor)
    quarter = _quarter(session, year, number)
    priority = service.add_priority(
        session,
        person,
        quarter,
        service.PrioritySpec(
            theme=theme,
            tag=tag,
            window_start=first.date(),
            window_end=last.date(),
            weight=weight,
            description=description,
            submit_by=submit_by.date() if submit_by else None,
            targets=_targets(session, targets),
        ),
        common.now(),
    )
    click.echo(
        f"priority {priority.id} “{priority.theme}” [{priority.tag}] "
        f"{priority.window_start} to {priority.window_end}, weight {priority.weight}, "
        f"{sum(t.episodes for t in priority.targets)} episodes targeted "
        f"in {len(priority.targets)} column{'' if len(priority.targets) == 1 else 's'}"
    )


# --- progress ------------------------------------------------------------------------------------


@liaison.command("progress")
@click.argument("year", type=int)
@click.argument("number", metavar="Q", type=QUARTER)
@domain_command
def progress_command(session: Session, year: int, number: int) -> None:
    """Each priority's progress per column: the five stages, the target, 落后 when behind."""
    quarter = _quarter(session, year, number)
    report = progress(session, quarter)
    today = local_date(common.now())
    click.echo(f"{quarter.label} ({quarter.start} to {quarter.end}), as of {today}")
    if not report.priorities:
        click.echo("no reporting priorities yet: `tvcolumn liaison priority add`")
        return
    columns = {c.id: c for c in session.scalars(select(Column))}

    def order(column_id: int) -> tuple[str, str]:
        column = columns[column_id]
        return (column.level.value, column.slug)

    for priority in report.priorities:
        deadline = f", submit by {priority.submit_by}" if priority.submit_by else ""
        click.echo(
            f"\n{priority.theme} [{priority.tag}] {priority.window_start} to "
            f"{priority.window_end}, weight {priority.weight}{deadline}"
        )
        cells = sorted(report.of_priority(priority.id), key=lambda c: order(c.column_id))
        if not cells:
            click.echo("  no targets and no tagged episodes")
            continue
        rows = [
            [
                columns[c.column_id].slug,
                *(str(c.count(stage)) for stage in STAGES),
                str(c.target),
                "落后" if is_behind(c, priority, today) else "",
            ]
            for c in cells
        ]
        header = ["column", *(stage.value for stage in STAGES), "target", "behind"]
        for line in table(header, rows):
            click.echo("  " + line)
