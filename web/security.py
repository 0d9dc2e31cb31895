"""Security headers on every response: pages, the JSON API, feeds, static files, errors.

A small ``after_request`` rather than flask-talisman: the headers are fixed (no nonce is
needed, since no template has an inline script, event handler or style attribute), and
HTTPS, HSTS and redirects to it are nginx's job (deploy/nginx-tvcolumn.conf).

The policy allows scripts, styles, images, video and fetches from this site only, and no
inline ``<script>``, ``on…=`` handler or ``style=`` attribute: an injected tag can neither
run nor restyle the page. Series colours are classes of app.css for that reason.
"""

from __future__ import annotations

from flask import Flask
from flask.wrappers import Response

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "media-src 'self'",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # Other sites learn nothing of where a link was followed from (paths name episodes).
    "Referrer-Policy": "same-origin",
}


def init_app(app: Flask) -> None:
    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response
