"""The header's links: each page area adds its entry; only registered endpoints show."""

from __future__ import annotations

from flask import Flask, current_app

# (endpoint, label), in the header's order.
ITEMS: list[tuple[str, str]] = [
    ("views.home", "我的节目"),
    ("episodes.propose", "申报选题"),
    ("schedule.week", "播出编排"),
    ("account.feeds", "日历订阅"),
    ("account.notifications", "提醒"),
    ("admin.index", "管理"),
]


def nav_items() -> list[tuple[str, str]]:
    return [(e, label) for e, label in ITEMS if e in current_app.view_functions]


def init_app(app: Flask) -> None:
    app.jinja_env.globals["nav_items"] = nav_items
