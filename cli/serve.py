"""``tvcolumn serve``: the development server (production: deploy/)."""

from __future__ import annotations

import os

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from werkzeug.serving import run_simple

from editorial import demo as editorial_demo


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=None, help="default: $PORT or 5000")
@with_appcontext
def serve(host: str, port: int | None) -> None:
    """Serve the web application (development server; see deploy/ for production)."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    port = port or int(os.environ.get("PORT", "5000"))
    click.echo(f"tvcolumn serving on http://{host}:{port}/")
    for line in editorial_demo.sign_in_lines():
        click.echo(line)
    # Flask's CLI sets FLASK_RUN_FROM_CLI, which turns app.run() into a no-op.
    run_simple(host, port, app, use_reloader=False, use_debugger=False, threaded=True)
