"""Privileges of the application's database role on PostgreSQL (README: two roles).

Migrations run as the owner of the tables. The web application and the
scheduler service connect as another role that may read and write rows but
not alter tables, so it can neither disable the append-only triggers nor
rewrite history (docs/decisions/0002). The owner runs ``tvcolumn db grant
ROLE`` after each upgrade; default privileges cover tables a later migration
creates, the explicit grants everything that exists.
"""

from __future__ import annotations

import re

from sqlalchemy import Engine, text

APPEND_ONLY = ("episode_history", "comments", "sign_offs")
OWNER_ONLY = ("alembic_version",)
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class GrantError(Exception):
    """The grants cannot be given: wrong database, bad role name, unknown role."""


def grant_statements(engine: Engine, role: str) -> list[str]:
    """The SQL that gives ``role`` what the application needs, and nothing more."""
    if not ROLE_NAME.match(role):
        raise GrantError(f"{role!r} is not a plain PostgreSQL role name (a-z, 0-9, _)")
    r = engine.dialect.identifier_preparer.quote(role)
    rows = "SELECT, INSERT, UPDATE, DELETE"
    statements = [
        f"GRANT USAGE ON SCHEMA public TO {r}",
        f"GRANT {rows} ON ALL TABLES IN SCHEMA public TO {r}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {r}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT {rows} ON TABLES TO {r}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {r}",
    ]
    # The triggers refuse these already; without the privilege the refusal comes first.
    statements += [f"REVOKE UPDATE, DELETE, TRUNCATE ON {t} FROM {r}" for t in APPEND_ONLY]
    statements += [f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {t} FROM {r}" for t in OWNER_ONLY]
    return statements


def grant(engine: Engine, role: str) -> list[str]:
    """Run the grants as the connected (owner) role in one transaction; return them."""
    if engine.dialect.name != "postgresql":
        raise GrantError("db grant is for PostgreSQL; SQLite has no roles")
    statements = grant_statements(engine, role)
    with engine.begin() as conn:
        if conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}) is None:
            raise GrantError(f"no PostgreSQL role {role!r}: create it first (createuser)")
        owner = conn.scalar(text("SELECT current_user"))
        if owner == role:
            raise GrantError(f"{role!r} is the role connected now: grant to the other role")
        for statement in statements:
            conn.execute(text(statement))
    return statements
