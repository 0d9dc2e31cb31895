"""QC and sign-off on the episode page: 送审 is offered only once the master is there (the
turn line says who uploads it); the sign-off form asks for a reason only when the master
failed QC, keeps what was typed when refused, and the later stages read the reason."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale

from editorial.models import Level, State
from tests.web.conftest import MASTER_SECONDS
from tests.web.test_episode_pages import (
    CHECKED,
    Crew,
    act_forms,
    client_for,
    make_crew,
    make_episode,
    post_act,
    state_of,
    text,
    upload,
)
from web.refusals import REFUSAL

DIRECTOR, PRODUCER = "citydirector", "cityproducer"


@pytest.fixture
def crew(app: Flask) -> Crew:
    return make_crew(app, "city", Level.CITY)


def turn_line(page: str) -> str:
    found = re.search(r'<p class="turn" id="turn">([^<]*)</p>', page)
    return found.group(1) if found else ""


def sign_form(page: str, act: str) -> str:
    start = page.index(f'class="episode-act act-{act}"')
    return page[start : page.index("</form>", start)]


def in_review_on(app: Flask, crew: Crew, master: Path, *, passing: bool) -> int:
    """An episode at the first review on ``master``, uploaded through the page: it passes
    QC when the episode aims at its length, and fails on duration at 20 minutes."""
    target = MASTER_SECONDS if passing else 1200
    episode_id = make_episode(app, crew, State.IN_PRODUCTION, target_s=target)
    director = client_for(app, crew.director)
    assert upload(director, episode_id, master).status_code == 303
    assert post_act(director, episode_id, "submit").status_code == 303
    return episode_id


# --- 送审 needs a master -----------------------------------------------------------------------


def test_submit_is_offered_only_once_the_master_is_uploaded(
    app: Flask, crew: Crew, master_file: Path
) -> None:
    episode_id = make_episode(app, crew, State.IN_PRODUCTION)
    director = client_for(app, crew.director)
    page = text(director.get(f"/episodes/{episode_id}"))
    assert "submit" not in act_forms(director, episode_id)
    assert turn_line(page) == f"等待 {DIRECTOR} 上传成片"
    assert 'class="media-upload"' in page  # what to do instead is on the page
    assert upload(director, episode_id, master_file).status_code == 303
    page = text(director.get(f"/episodes/{episode_id}"))
    assert "submit" in act_forms(director, episode_id)
    assert turn_line(page) == f"等待 {DIRECTOR} 送审"


def test_a_submit_posted_without_a_master_is_refused_in_chinese_and_changes_nothing(
    app: Flask, crew: Crew
) -> None:
    episode_id = make_episode(app, crew, State.IN_PRODUCTION)
    director = client_for(app, crew.director)
    before = state_of(app, episode_id)
    refused = post_act(director, episode_id, "submit", version=before[1])
    assert refused.status_code == 409
    assert "节目还没有成片，不能送审：请先在“媒体”一栏上传成片，再送审" in text(refused)
    assert state_of(app, episode_id) == before
    director.get("/lang/en")
    refused = post_act(director, episode_id, "submit", version=before[1])
    assert "has no master yet and cannot be submitted" in text(refused)


# --- the sign-off form and a failed QC ---------------------------------------------------------


def test_the_sign_off_form_asks_for_a_reason_only_when_the_master_failed_qc(
    app: Flask, crew: Crew, master_file: Path
) -> None:
    passed = in_review_on(app, crew, master_file, passing=True)
    failed = in_review_on(app, crew, master_file, passing=False)
    producer = client_for(app, crew.producer)
    form = sign_form(text(producer.get(f"/episodes/{passed}")), "first_review")
    assert 'name="qc_override"' not in form and "技术质检未通过" not in form
    form = sign_form(text(producer.get(f"/episodes/{failed}")), "first_review")
    assert 'name="qc_override"' in form and 'maxlength="1000"' in form
    assert "当前成片（媒体版本 1）技术质检未通过。确认“技术质量”签审，须说明理由" in form
    history = text(producer.get(f"/episodes/{failed}"))
    assert "媒体版本 1 · 时长 0:02 · 技术质检未通过" in history


def form_value(page: str, act: str, name: str) -> str:
    form = sign_form(page, act)
    found = re.search(rf'name="{name}"[^>]*>([^<]*)</textarea>', form)
    assert found is not None, form
    return found.group(1)


@pytest.mark.parametrize("typed", ["", " \u3000 "])
def test_signing_over_a_failed_qc_without_a_reason_is_refused_keeping_what_was_typed(
    app: Flask, crew: Crew, master_file: Path, typed: str
) -> None:
    episode_id = in_review_on(app, crew, master_file, passing=False)
    producer = client_for(app, crew.producer)
    before = state_of(app, episode_id)
    refused = post_act(producer, episode_id, "first_review", qc_override=typed, **CHECKED)
    assert refused.status_code == 422
    page = text(refused)
    assert "当前成片（媒体版本 1）技术质检未通过：确认“技术质量”签审，须说明理由" in page
    form = sign_form(page, "first_review")
    assert "技术质检未通过：确认“技术质量”签审，须说明理由" in form  # under the field
    assert form.count(" checked") == 5  # the ticked checklist is kept
    assert form_value(page, "first_review", "qc_override") == typed
    assert state_of(app, episode_id) == before


def test_an_over_long_reason_is_refused_and_kept(app: Flask, crew: Crew, master_file: Path) -> None:
    episode_id = in_review_on(app, crew, master_file, passing=False)
    producer = client_for(app, crew.producer)
    before = state_of(app, episode_id)
    typed = "理" * 1001
    refused = post_act(producer, episode_id, "first_review", qc_override=typed, **CHECKED)
    assert refused.status_code == 422
    assert "质检未通过的签审理由最多 1000 个字符" in text(refused)
    assert form_value(text(refused), "first_review", "qc_override") == typed
    assert state_of(app, episode_id) == before


def sign_with(client: FlaskClient, episode_id: int, act: str, reason: str) -> None:
    signed = post_act(client, episode_id, act, qc_override=reason, **CHECKED)
    assert signed.status_code == 303, text(signed)


def test_a_reason_signs_and_the_later_stages_read_it_before_they_sign(
    app: Flask, crew: Crew, master_file: Path
) -> None:
    episode_id = in_review_on(app, crew, master_file, passing=False)
    sign_with(client_for(app, crew.producer), episode_id, "first_review", " 时长按栏目安排剪辑 ")
    assert state_of(app, episode_id)[0] is State.SECOND_REVIEW
    reviewer = client_for(app, crew.reviewer)
    page = text(reviewer.get(f"/episodes/{episode_id}"))
    said = f"技术质量：质检未通过，由 {PRODUCER} 在初审签审时说明理由：时长按栏目安排剪辑"
    panel = page[
        page.index('id="qc-overrides"') : page.index("</section>", page.index("qc-overrides"))
    ]
    assert said in panel
    assert page.index('id="qc-overrides"') < page.index('id="acts"')  # read before signing
    history = page[page.index('id="history"') :]
    assert said in history
    assert 'name="qc_override"' in sign_form(page, "second_review")  # their own reason too
    sign_with(reviewer, episode_id, "second_review", "同意初审意见，播出前由台里调整")
    page = text(client_for(app, crew.final_approver).get(f"/episodes/{episode_id}"))
    assert said in page and "由 cityreviewer 在复审签审时说明理由：同意初审意见" in page
    english = client_for(app, crew.final_approver)
    english.get("/lang/en")
    page = text(english.get(f"/episodes/{episode_id}"))
    assert f"Technical quality: QC failed; {PRODUCER} signed (First review) anyway" in page


def test_a_master_that_passed_qc_is_signed_without_a_reason(
    app: Flask, crew: Crew, master_file: Path
) -> None:
    episode_id = in_review_on(app, crew, master_file, passing=True)
    producer = client_for(app, crew.producer)
    assert post_act(producer, episode_id, "first_review", **CHECKED).status_code == 303
    page = text(producer.get(f"/episodes/{episode_id}"))
    assert 'id="qc-overrides"' not in page and "质检未通过，由" not in page


def test_every_refusal_of_these_rules_has_a_sentence_in_both_languages(app: Flask) -> None:
    codes = ("needs_master", "qc_override_needed", "qc_override_unneeded", "qc_override_too_long")
    params = {"version": 2, "max": 1000, "given": 1200, "episode": 7}
    with app.test_request_context():
        for code in codes:
            assert re.search(r"[\u4e00-\u9fff]", str(REFUSAL[code]) % params), code
        with force_locale("en"):
            for code in codes:
                sentence = str(REFUSAL[code]) % params
                assert not re.search(r"[\u4e00-\u9fff]", sentence), sentence
