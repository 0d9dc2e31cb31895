"""``tvcolumn feeds sources …``, ``feeds import`` and ``feeds clashes``."""

from __future__ import annotations
