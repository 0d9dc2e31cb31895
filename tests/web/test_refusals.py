"""Every refusal is said from its code, in the reader's language.

The scan reads the project's source: every construction of a ``DomainError`` subclass
(a raise or not) names a code the catalog (``web.refusals.REFUSAL``) has, and passes the
params its sentence names; so does every field problem a validator adds
(``FieldErrors.add``). ``NotFound`` needs no code: its page says one sentence whatever
was missing. The catalog's sentences have English in the compiled catalog with the
same placeholders, and render in both languages. Pages show a refusal in Chinese with
no Latin letters, and after 「English」 with no Chinese.
"""

from __future__ import annotations

import ast
import html
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from flask import Flask, session
from flask.testing import FlaskClient
from flask_babel import Babel
from werkzeug.test import TestResponse

from editorial import accounts, people, robots, workflow
from editorial.models import Episode, Role, Stage, State
from editorial.workflow import Act
from liaison.models import Quarter
from media.errors import CODES as MEDIA_CODES
from tests.web.conftest import csrf_token, sign_in
from tests.web.test_episode_pages import (
    CHECKED,
    NOW,
    Crew,
    add_person,
    make_crew,
    make_episode,
    post_act,
    state_of,
)
from web import refusals
from web.db import unit_of_work

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = (
    "editorial",
    "schedule",
    "media",
    "liaison",
    "station",
    "calendars",
    "scheduler",
    "web",
    "cli",
)
CATALOG = ROOT / "web" / "translations" / "en" / "LC_MESSAGES" / "messages.mo"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")

# Refusals that need no code: a NotFound says one sentence whatever was missing.
CODELESS = {"NotFound"}
# Classes that set their own code.
OWN_CODE = {"SignInThrottled": ("sign_in_throttled", frozenset({"seconds"}))}
# Codes passed as a value, by (file, function): the codes that value may hold.
CODE_VALUES: dict[tuple[str, str], frozenset[str]] = {
    ("editorial/accounts.py", "hash_password"): frozenset(accounts.PASSWORD_PROBLEM),
    ("web/admin.py", "create_person"): frozenset(accounts.PASSWORD_PROBLEM),
    ("liaison/service.py", "_refuse"): frozenset(
        {"invalid_quarter", "invalid_meeting", "invalid_attendance", "invalid_priority"}
    ),
    ("web/uploads.py", "without_paths"): frozenset(MEDIA_CODES),
    ("editorial/robots.py", "set_robot"): frozenset(robots.URL_REFUSAL.values())
    | frozenset(robots.ELSEWHERE_REFUSAL.values())
    | frozenset(robots.SECRET_REFUSAL.values()),
    ("calendars/importer.py", "add_source"): frozenset(
        {
            "location_required",
            "location_too_long",
            "location_no_host",
            "location_scheme",
            "location_not_absolute",
            "location_no_file",
        }
    ),
}
# Sample values of params, by name (a number where none is listed).
SAMPLE: dict[str, object] = {
    "act": Act.SUBMIT,
    "state": State.IN_PRODUCTION,
    "stage": Stage.SECOND,
    "acted": Stage.FIRST,
    "role": Role.PRODUCER,
    "items": ("facts", "timeliness"),
    "quarter": Quarter(year=2026, number=3),
    "at": datetime(2026, 7, 1, 12, 0, tzinfo=UTC),
    "day": date(2026, 7, 1),
    "first": date(2026, 7, 1),
    "last": date(2026, 6, 1),
    "start": date(2026, 7, 1),
    "end": date(2026, 9, 30),
    "columns": (3, 4),
}
LATIN = re.compile(r"[A-Za-z]")
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


@dataclass(frozen=True)
class Site:
    """A code named in the source, with the params passed beside it (None: not knowable)."""

    where: str
    code: str
    params: frozenset[str] | None


def _sources() -> Iterator[tuple[str, ast.Module]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield str(path.relative_to(ROOT)), ast.parse(path.read_text(), str(path))


def _refusal_classes(modules: list[tuple[str, ast.Module]]) -> set[str]:
    bases: dict[str, set[str]] = {}
    for _path, module in modules:
        for node in ast.walk(module):
            if isinstance(node, ast.ClassDef):
                names = {
                    b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases
                }
                bases[node.name] = names
    found = {"DomainError"}
    while True:
        more = {name for name, of in bases.items() if of & found} - found
        if not more:
            return found
        found |= more


def _name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _functions(module: ast.Module) -> Iterator[tuple[str, ast.Call]]:
    """Every call, with the name of the function it is in ("" at module level)."""

    def walk(node: ast.AST, within: str) -> Iterator[tuple[str, ast.Call]]:
        for child in ast.iter_child_nodes(node):
            function = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            name = child.name if function else within
            if isinstance(child, ast.Call):
                yield within, child
            yield from walk(child, name)

    yield from walk(module, "")


def _literals(node: ast.expr) -> list[str] | None:
    """The codes a code expression can hold when the source spells them; None otherwise."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        body, orelse = _literals(node.body), _literals(node.orelse)
        return None if body is None or orelse is None else body + orelse
    return None


def _params(call: ast.Call) -> frozenset[str] | None:
    if any(k.arg is None for k in call.keywords):
        return None  # **params: not knowable here
    return frozenset(k.arg for k in call.keywords if k.arg not in ("code", "field_codes"))


def scan() -> tuple[list[Site], list[str]]:
    """The codes the source names, and what is wrong (codeless refusals, unknown values)."""
    modules = list(_sources())
    classes = _refusal_classes(modules)
    wrong: list[str] = []
    sites: list[Site] = []
    for path, module in modules:
        for function, call in _functions(module):
            where = f"{path}:{call.lineno}"
            name = _name(call)
            if name in classes and name not in CODELESS:
                if name in OWN_CODE:
                    code, params = OWN_CODE[name]
                    sites.append(Site(where, code, params))
                    continue
                node = next((k.value for k in call.keywords if k.arg == "code"), None)
                if node is None and name in ("MediaError", "RenderError") and len(call.args) > 1:
                    node = call.args[1]
                if node is None:
                    wrong.append(f"{where}: {name}(...) without code=")
                    continue
                codes = _literals(node)
                if codes is None:
                    codes = sorted(CODE_VALUES.get((path, function), ()))
                    if not codes:
                        wrong.append(f"{where}: a code passed as a value; list it in CODE_VALUES")
                    sites += [Site(where, c, None) for c in codes]
                    continue
                sites += [Site(where, c, _params(call)) for c in codes]
            elif name == "add" and len(call.args) >= 3 and _literals(call.args[0]) is not None:
                codes = _literals(call.args[1]) or sorted(CODE_VALUES.get((path, function), ()))
                if not codes:
                    wrong.append(
                        f"{where}: a field's code passed as a value; list it in CODE_VALUES"
                    )
                exact = _params(call) if _literals(call.args[1]) else None
                sites += [Site(where, c, exact) for c in codes]
            elif name == "said" and call.args and _literals(call.args[0]) is not None:
                sites += [Site(where, c, _params(call)) for c in _literals(call.args[0]) or []]
    return sites, wrong


SITES, WRONG = scan()


def placeholders(code: str) -> set[str]:
    return set(PLACEHOLDER.findall(str(refusals.REFUSAL[code])))


def test_every_refusal_in_the_source_names_a_code() -> None:
    assert WRONG == []
    assert len(SITES) > 150  # the scan finds the refusals (NotFound aside)


def test_every_code_named_in_the_source_has_a_sentence() -> None:
    missing = [f"{s.where}: {s.code}" for s in SITES if s.code not in refusals.REFUSAL]
    assert missing == []


def test_every_refusal_passes_the_params_its_sentence_names() -> None:
    short = [
        f"{s.where}: {s.code} lacks {sorted(placeholders(s.code) - s.params)}"
        for s in SITES
        if s.params is not None and s.code in refusals.REFUSAL and placeholders(s.code) - s.params
    ]
    assert short == []


def test_every_sentence_of_the_catalog_is_used() -> None:
    used = {s.code for s in SITES} | set(MEDIA_CODES)
    assert sorted(set(refusals.REFUSAL) - used) == []


def test_every_media_code_has_a_sentence() -> None:
    assert set(MEDIA_CODES) <= set(refusals.REFUSAL)


def _english() -> dict[str, str]:
    with CATALOG.open("rb") as mo:
        return {m.id: m.string for m in read_mo(mo) if m.id and isinstance(m.id, str)}


def test_every_sentence_has_english_with_the_same_placeholders() -> None:
    english = _english()
    for code, sentence in refusals.REFUSAL.items():
        chinese = str(sentence)
        assert english.get(chinese), f"{code}: no English for {chinese}"
        assert set(PLACEHOLDER.findall(english[chinese])) == set(PLACEHOLDER.findall(chinese)), code


@pytest.fixture(scope="module")
def bare() -> Flask:
    """Just Flask-Babel and the project's catalogs, in the language of ``session["lang"]``."""
    app = Flask("web", root_path=str(ROOT / "web"))
    app.secret_key = "test"
    Babel(app, locale_selector=lambda: session.get("lang", "zh"))
    return app


def _rendered(app: Flask, language: str) -> dict[str, str]:
    params: dict[str, set[str]] = defaultdict(set)
    for site in SITES:
        params[site.code] |= site.params or set()
    result = {}
    for code in refusals.REFUSAL:
        with app.test_request_context():
            session["lang"] = language
            values = {name: SAMPLE.get(name, 2) for name in params[code] | placeholders(code)}
            result[code] = refusals.said(code, **values)
    return result


def test_every_sentence_renders_in_chinese_with_its_params(bare: Flask) -> None:
    for code, text in _rendered(bare, "zh").items():
        assert "%(" not in text and CJK.search(text), code


def test_every_sentence_renders_in_english_without_chinese(bare: Flask) -> None:
    for code, text in _rendered(bare, "en").items():
        assert "%(" not in text and not CJK.search(text), f"{code}: {text}"


def test_a_stage_a_role_and_a_checklist_item_are_said_by_their_labels(bare: Flask) -> None:
    with bare.test_request_context():
        said = refusals.said("four_eyes", acted=Stage.FIRST, stage=Stage.SECOND)
        assert "“初审”" in said and "“复审”" in said
        assert "技术质量" in refusals.said("checklist_incomplete", items=("technical_quality",))
    with bare.test_request_context():
        session["lang"] = "en"
        said = refusals.said("missing_role", role=Role.PRODUCER, column="city")
        assert said == "You are not “Producer” of “city”, so you cannot do this."


# --- on the pages ---------------------------------------------------------------------------

MESSAGE = re.compile(r'<p class="error" role="alert">(.*?)</p>', re.S)


def message(response: TestResponse) -> str:
    found = MESSAGE.search(response.get_data(as_text=True))
    assert found is not None, response.get_data(as_text=True)
    return html.unescape(found.group(1)).strip()


def in_both(client: FlaskClient, refuse: Callable[[], TestResponse]) -> tuple[str, str]:
    """The refusal's message in Chinese, then in English (the same refusal, asked again)."""
    chinese = message(refuse())
    client.get("/lang/en")
    english = message(refuse())
    client.get("/lang/zh")
    assert not LATIN.search(chinese), chinese
    assert not CJK.search(english), english
    return chinese, english


@pytest.fixture
def crew(app: Flask) -> Crew:
    crew = make_crew(app, "city")
    with app.app_context(), unit_of_work(app) as s:
        for username in (crew.director, crew.producer, crew.reviewer, crew.final_approver):
            person = people.get_person(s, username)
            person.display_name = f"{person.id:04d}"  # neither Latin nor Chinese: both pages
    return crew


def client_for(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    sign_in(client, username)
    return client


def test_signing_ones_own_episode_is_refused_in_the_readers_language(
    app: Flask, crew: Crew
) -> None:
    episode_id = make_episode(app, crew, State.SECOND_REVIEW)
    with app.app_context(), unit_of_work(app) as s:
        director = people.get_person(s, crew.director)
        people.grant_role(s, director, people.get_column(s, crew.slug), Role.REVIEWER, NOW)
    client = client_for(app, crew.director)

    def refuse() -> TestResponse:
        response = post_act(client, episode_id, "second_review", **CHECKED)
        assert response.status_code == 403
        return response

    chinese, english = in_both(client, refuse)
    assert "您是本期节目的编导" in chinese and "editor-director" in english


def test_signing_a_second_stage_of_one_episode_is_refused_in_the_readers_language(
    app: Flask, crew: Crew
) -> None:
    both = add_person(app, crew, "both", Role.REVIEWER, Role.FINAL_APPROVER)
    episode_id = make_episode(app, crew, State.SECOND_REVIEW)
    client = client_for(app, both)
    assert post_act(client, episode_id, "second_review", **CHECKED).status_code == 303
    version = state_of(app, episode_id)[1]

    def refuse() -> TestResponse:
        response = post_act(client, episode_id, "final_review", version=version, **CHECKED)
        assert response.status_code == 403
        return response

    chinese, english = in_both(client, refuse)
    assert "四眼原则" in chinese and "“复审”" in chinese and "“终审”" in chinese
    assert "four eyes" in english and "“Second review”" in english


def test_an_act_on_a_stale_version_is_refused_in_the_readers_language(
    app: Flask, crew: Crew
) -> None:
    episode_id = make_episode(app, crew, State.PROPOSED)
    seen = state_of(app, episode_id)[1]
    client = client_for(app, crew.producer)
    with app.app_context(), unit_of_work(app) as s:
        episode = s.get(Episode, episode_id)
        assert episode is not None
        director = people.get_person(s, crew.director)
        workflow.add_comment(s, director, episode, datetime.now(UTC), "改了标题")
        episode.genre = "访谈"

    def refuse() -> TestResponse:
        response = post_act(client, episode_id, "reject_topic", version=seen, reason="重复")
        assert response.status_code == 409
        return response

    chinese, english = in_both(client, refuse)
    assert "请刷新后再试" in chinese and "refresh" in english


def test_an_act_the_state_does_not_allow_is_refused_in_the_readers_language(
    app: Flask, crew: Crew
) -> None:
    episode_id = make_episode(app, crew, State.IN_PRODUCTION)
    client = client_for(app, crew.producer)
    version = state_of(app, episode_id)[1]

    def refuse() -> TestResponse:
        response = post_act(client, episode_id, "approve_topic", version=version)
        assert response.status_code == 409
        return response

    chinese, english = in_both(client, refuse)
    assert "“制作中”" in chinese and "“In production”" in english


def test_an_unchecked_checklist_item_is_named_in_the_readers_language(
    app: Flask, crew: Crew
) -> None:
    episode_id = make_episode(app, crew, State.FIRST_REVIEW)
    client = client_for(app, crew.producer)
    partial = {k: v for k, v in CHECKED.items() if k != "technical_quality"}

    def refuse() -> TestResponse:
        response = post_act(client, episode_id, "first_review", **partial)
        assert response.status_code == 422
        return response

    chinese, english = in_both(client, refuse)
    assert "未确认：技术质量" in chinese and "Technical quality" in english


def test_a_proposal_with_a_past_air_by_date_is_refused_in_the_readers_language(
    app: Flask, crew: Crew
) -> None:
    client = client_for(app, crew.director)
    with app.app_context(), unit_of_work(app) as s:
        producer_id = people.get_person(s, crew.producer).id

    def refuse() -> TestResponse:
        data = {
            "csrf_token": csrf_token(client, "/episodes/new"),
            "column": str(crew.column_id),
            "title": "七一特别节目",
            "target_minutes": "15",
            "responsible_producer": str(producer_id),
            "air_by": "2020-01-01",
        }
        response = client.post("/episodes/new", data=data)
        assert response.status_code == 422
        return response

    field = re.compile(r'class="field-error"[^>]*>(.*?)<', re.S)
    response = refuse()
    said = [html.unescape(m).strip() for m in field.findall(response.get_data(as_text=True))]
    assert any("2020-01-01" in m and not LATIN.search(m) for m in said), said
    client.get("/lang/en")
    response = refuse()
    said = [html.unescape(m).strip() for m in field.findall(response.get_data(as_text=True))]
    assert any("2020-01-01" in m and not CJK.search(m) for m in said), said
