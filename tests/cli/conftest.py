"""The ``tvcolumn`` command's tests run on the web application's fixtures: ``app`` on
SQLite and PostgreSQL, and ``run`` to invoke a command inside it."""

from tests.web.conftest import (  # noqa: F401  (the fixtures)
    app,
    database_url,
    master_file,
    reviewed,
    run,
    sheet_city,
    sheet_clip,
    web_postgres,
)
