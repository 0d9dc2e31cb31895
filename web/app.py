"""The application class and the id converter every page, API and feed route uses."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.typing import ResponseReturnValue
from flask.wrappers import Response
from werkzeug.routing import IntegerConverter

from web import db

# The largest id a database column holds (PostgreSQL's integer; SQLite takes 2**63 - 1).
MAX_ID = 2**31 - 1


def _up_to(limit: str) -> str:
    """A regular expression for the decimal numbers 0 to ``limit`` (no sign)."""
    parts = [f"[0-9]{{1,{len(limit) - 1}}}"]
    for i, digit in enumerate(limit):
        if digit != "0":
            rest = len(limit) - i - 1
            lower = f"[0-{int(digit) - 1}]" if i or digit != "1" else ""
            if i == 0 and digit == "1":
                continue
            parts.append(limit[:i] + lower + (f"[0-9]{{{rest}}}" if rest else ""))
    parts.append(limit)
    return "(?:" + "|".join(parts) + ")"


class IdConverter(IntegerConverter):
    """``<int:…>`` in a URL: a number past what an id column holds matches no route (404).

    The limit is in the regular expression, so such a path matches no rule at all (a
    converter refusing after the match would let another method's rule answer 405).
    """

    regex = _up_to(str(MAX_ID))

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


class App(Flask):
    """Flask, with the request's unit of work committed inside the dispatch.

    A commit that fails (a busy database, a concurrent writer that won) is then
    handled by the error handlers like any refusal, never a bare 500 raised
    after the response was made.
    """

    def dispatch_request(self) -> ResponseReturnValue:
        response: Response = self.make_response(super().dispatch_request())
        return db.commit_request(response)
