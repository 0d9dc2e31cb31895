"""The ``tvcolumn`` command: every workflow act for scripts, errors on stderr."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import text

from tests.web.conftest import MASTER_SECONDS, add_master
from web.db import session_factory

Run = Callable[..., Result]


@pytest.fixture
def staffed(run: Run) -> Run:
    """A column with an editor-director, a producer, a reviewer and a final approver."""
    assert (
        run(
            "columns",
            "create",
            "city",
            "--name",
            "时代风采",
            "--level",
            "city",
            "--station",
            "市电视台",
            "--channel",
            "新闻综合",
        ).exit_code
        == 0
    )
    for user, role in (
        ("ed", "editor_director"),
        ("pr", "producer"),
        ("rv", "reviewer"),
        ("fa", "final_approver"),
        ("ad", "admin"),
    ):
        assert run("users", "create", user, "--name", user).exit_code == 0
        assert run("users", "grant", user, "city", role).exit_code == 0
    return run


def propose(run: Run, duration: int = 900) -> int:
    result = run(
        "episode",
        "propose",
        "--as",
        "ed",
        "--column",
        "city",
        "--title",
        "科技富民",
        "--producer",
        "pr",
        "--duration",
        str(duration),
    )
    assert result.exit_code == 0, result.output
    match = re.search(r"proposed episode (\d+)", result.stdout)
    assert match
    return int(match.group(1))


def test_every_act_walks_an_episode_to_approved(
    staffed: Run, app: Flask, master_file: Path
) -> None:
    eid = str(propose(staffed, MASTER_SECONDS))
    for step in (("approve-topic", eid, "--as", "pr"), ("start-production", eid, "--as", "ed")):
        assert staffed("episode", *step).exit_code == 0
    add_master(staffed, app, eid, master_file)
    steps = [
        ("submit", eid, "--as", "ed"),
        ("sign", eid, "--as", "pr", "--stage", "first", "--confirm", "all"),
        ("return", eid, "--as", "rv", "--reason", "画面需要补拍"),
        ("submit", eid, "--as", "ed"),
        ("sign", eid, "--as", "pr", "--stage", "first", "--confirm", "all"),
        ("sign", eid, "--as", "rv", "--stage", "second", "--confirm", "all"),
        ("sign", eid, "--as", "fa", "--stage", "final", "--confirm", "all"),
    ]
    for step in steps:
        result = staffed("episode", *step)
        assert result.exit_code == 0, (step, result.output)
    shown = staffed("episode", "show", eid)
    assert "[approved]" in shown.stdout
    assert "reason: 画面需要补拍" in shown.stdout
    assert staffed("audit", "verify").exit_code == 0


def test_a_refused_act_goes_to_stderr_with_exit_1_and_changes_nothing(staffed: Run) -> None:
    eid = str(propose(staffed))
    result = staffed("episode", "submit", eid, "--as", "ed")
    assert result.exit_code == 1
    assert "cannot submit" in result.stderr
    assert result.stdout == ""
    assert "[proposed] version 1" in staffed("episode", "show", eid).stdout


def test_submit_without_a_master_says_to_upload_it_first(staffed: Run) -> None:
    eid = str(propose(staffed))
    for step in (("approve-topic", eid, "--as", "pr"), ("start-production", eid, "--as", "ed")):
        assert staffed("episode", *step).exit_code == 0
    result = staffed("episode", "submit", eid, "--as", "ed")
    assert result.exit_code == 1
    assert "no master yet; upload the master first (tvcolumn media add" in result.stderr
    shown = staffed("episode", "show", eid).stdout
    assert "[in_production] version 3" in shown and "master: none yet" in shown


def test_signing_over_a_failed_qc_takes_the_reason_as_qc_override(
    staffed: Run, app: Flask, master_file: Path
) -> None:
    eid = str(propose(staffed))  # 900 s: the 2 s master fails QC
    for step in (("approve-topic", eid, "--as", "pr"), ("start-production", eid, "--as", "ed")):
        assert staffed("episode", *step).exit_code == 0
    add_master(staffed, app, eid, master_file)
    assert staffed("episode", "submit", eid, "--as", "ed").exit_code == 0
    sign = ("episode", "sign", eid, "--as", "pr", "--stage", "first", "--confirm", "all")
    bare = staffed(*sign)
    assert bare.exit_code == 1 and "failed QC" in bare.stderr and "qc_override" in bare.stderr
    assert staffed(*sign, "--qc-override", " \u3000").exit_code == 1
    assert "[first_review] version 5" in staffed("episode", "show", eid).stdout
    signed = staffed(*sign, "--qc-override", "时长按栏目安排剪辑")
    assert signed.exit_code == 0, signed.output
    shown = staffed("episode", "show", eid).stdout
    assert "master: media version 1, QC failed" in shown
    assert "first_review by pr (producer)" in shown
    assert "technical quality signed over a failed QC, because: 时长按栏目安排剪辑" in shown
    assert staffed("audit", "verify").exit_code == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("episode", "show", "999"), "no episode 999"),
        (("episode", "approve-topic", "1", "--as", "nobody"), "no person with username"),
        (("episode", "list", "--column", "nowhere"), "no column with slug"),
        (("episode", "approve-topic", "1", "--as", "rv"), "only the responsible producer"),
        (("episode", "reject-topic", "1", "--as", "pr", "--reason", " "), "needs a reason"),
        (
            ("episode", "approve-topic", "1", "--as", "pr", "--expect-version", "7"),
            "changed by someone else",
        ),
        (("users", "grant", "ed", "nowhere", "producer"), "no column with slug"),
    ],
)
def test_bad_input_is_named_on_stderr(staffed: Run, args: tuple[str, ...], message: str) -> None:
    propose(staffed)
    result = staffed(*args)
    assert result.exit_code == 1, result.output
    assert message in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("episode", "show", "one"),
        (
            "episode",
            "propose",
            "--as",
            "ed",
            "--column",
            "city",
            "--title",
            "x",
            "--producer",
            "pr",
            "--duration",
            "-5",
        ),
        (
            "episode",
            "propose",
            "--as",
            "ed",
            "--column",
            "city",
            "--title",
            "x",
            "--producer",
            "pr",
            "--duration",
            "60",
            "--air-by",
            "2026/12/01",
        ),
        ("episode", "sign", "1", "--as", "pr", "--stage", "fourth", "--confirm", "all"),
        ("users", "grant", "ed", "city", "king"),
    ],
)
def test_malformed_arguments_exit_2_with_usage(staffed: Run, args: tuple[str, ...]) -> None:
    result = staffed(*args)
    assert result.exit_code == 2
    assert "Invalid value" in result.stderr or "Error" in result.stderr


def test_revoking_a_producer_still_responsible_is_refused(staffed: Run) -> None:
    propose(staffed)
    result = staffed("users", "revoke", "pr", "city", "producer")
    assert result.exit_code == 1
    assert "hand them over" in result.stderr
    assert "city:producer" in staffed("users", "list").stdout


def test_token_is_printed_once_and_only_its_hash_is_stored(staffed: Run, app: Flask) -> None:
    result = staffed("users", "token", "pr", "--label", "脚本")
    token = result.stdout.strip()
    assert token.startswith("tvc_") and len(token) > 40
    with session_factory(app)() as s:
        stored = s.execute(text("SELECT token_hash FROM api_tokens")).scalar_one()
    assert token not in stored and len(stored) == 64


def test_audit_verify_names_the_first_broken_entry(staffed: Run, app: Flask) -> None:
    eid = propose(staffed)
    staffed("episode", "approve-topic", str(eid), "--as", "pr")
    with session_factory(app).begin() as s:
        postgres = s.get_bind().dialect.name == "postgresql"
        if postgres:  # as the table's owner could; the triggers come back below
            s.execute(text("ALTER TABLE episode_history DISABLE TRIGGER USER"))
        else:
            s.execute(text("DROP TRIGGER episode_history_no_update"))
        s.execute(text("UPDATE episode_history SET reason = 'forged' WHERE seq = 1"))
        if postgres:
            s.execute(text("ALTER TABLE episode_history ENABLE TRIGGER USER"))
    result = staffed("audit", "verify")
    assert result.exit_code == 1
    assert f"episode {eid}, seq 1" in result.stderr
    assert "altered" in result.stderr


def test_holidays_load_from_a_file(staffed: Run, tmp_path: Path) -> None:
    notice = tmp_path / "2027.csv"
    notice.write_text("2027-01-01,holiday,元旦\n2027-02-06,workday,春节调休\n", encoding="utf-8")
    result = staffed("holidays", "load", str(notice), "--as", "ad", "--source", "国办通知")
    assert result.exit_code == 0, result.output
    assert "stored 2 days" in result.stdout
    bad = tmp_path / "bad.csv"
    bad.write_bytes("2027-01-01,holiday,元旦\n".encode("gb18030") + b"\xff\xfe")
    refused = staffed("holidays", "load", str(bad), "--as", "ad", "--source", "x")
    assert refused.exit_code == 1 and "not UTF-8" in refused.stderr


def test_episode_list_filters_by_state(staffed: Run) -> None:
    first, second = propose(staffed), propose(staffed)
    staffed("episode", "approve-topic", str(second), "--as", "pr")
    listed = staffed("episode", "list", "--state", "proposed").stdout
    assert f"{first}\tv1\tcity\tproposed" in listed
    assert f"{second}\t" not in listed


def test_review_days_are_configurable_per_column_by_its_admin(
    staffed: Run, app: Flask, master_file: Path
) -> None:
    eid = str(propose(staffed))
    for act, user in (("approve-topic", "pr"), ("start-production", "ed")):
        staffed("episode", act, eid, "--as", user)
    add_master(staffed, app, eid, master_file)
    staffed("episode", "submit", eid, "--as", "ed")
    before = staffed("episode", "show", eid).stdout
    refused = staffed(
        "columns",
        "review-days",
        "city",
        "--as",
        "pr",
        "--first",
        "5",
        "--second",
        "3",
        "--final",
        "2",
    )
    assert refused.exit_code == 1 and "not an admin" in refused.stderr
    bad = staffed(
        "columns",
        "review-days",
        "city",
        "--as",
        "ad",
        "--first",
        "0",
        "--second",
        "3",
        "--final",
        "2",
    )
    assert bad.exit_code == 1 and "first must be 1 to 30" in bad.stderr
    assert staffed("episode", "show", eid).stdout == before
    ok = staffed(
        "columns",
        "review-days",
        "city",
        "--as",
        "ad",
        "--first",
        "9",
        "--second",
        "3",
        "--final",
        "2",
    )
    assert ok.exit_code == 0, ok.output
    after = staffed("episode", "show", eid).stdout
    assert after != before and "version 5" in after  # recounted, not a new version


def test_episode_tag_lets_the_producer_set_priorities_after_approval(staffed: Run) -> None:
    episode = str(propose(staffed))
    refused = staffed("episode", "tag", episode, "--as", "ed", "--tag", "七一")
    assert refused.exit_code == 1 and "responsible producer" in refused.output
    done = staffed("episode", "tag", episode, "--as", "pr", "--tag", "七一", "--tag", "党史学习")
    assert done.exit_code == 0, done.output
    assert "tags: 七一, 党史学习" in done.output
    shown = staffed("episode", "show", episode).output
    assert "set_priority_tags" in shown


def test_an_editor_director_naming_themselves_responsible_producer_is_refused(
    staffed: Run,
) -> None:
    assert staffed("users", "grant", "ed", "city", "producer").exit_code == 0
    result = staffed(
        "episode",
        "propose",
        "--as",
        "ed",
        "--column",
        "city",
        "--title",
        "自审选题",
        "--producer",
        "ed",
        "--duration",
        "900",
    )
    assert result.exit_code == 1, result.output
    assert "four eyes" in result.stderr and "another producer must approve it" in result.stderr
    assert "自审选题" not in staffed("episode", "list").stdout
