"""Punctuation that differs between the two languages, for the templates: a work's name
in 《》 (English: “”), a remark in （） (English: a space and ()).

Each is a Jinja filter that says its pattern in the reader's language and escapes the
value put into it: ``{{ column.name|work }}``, ``{{ _("估算")|paren }}``.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import gettext as _
from markupsafe import Markup


def work(name: object) -> Markup:
    """「《时代风采》」, "“时代风采”": the name of a column, a series, a programme."""
    return Markup(_("《%(name)s》")) % {"name": name}


def paren(text: object) -> Markup:
    """「（估算）」, " (estimated)": a remark after what it is about."""
    return Markup(_("（%(text)s）")) % {"text": text}


def init_app(app: Flask) -> None:
    app.jinja_env.filters["work"] = work
    app.jinja_env.filters["paren"] = paren
