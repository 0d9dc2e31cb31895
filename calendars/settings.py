"""What the feeds show and how the import behaves; the README lists each setting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class FeedSettings:
    # The window of a feed, in days around today (Asia/Shanghai), and how far a
    # subscriber may move it with ``?back=``/``?ahead=``: Google drops a feed past about 1 MB.
    days_back: int = 30
    days_ahead: int = 180
    max_days_back: int = 90
    max_days_ahead: int = 366
    # A feed is kept under this size (Google Calendar drops a feed past about 1 MB): when
    # the window holds more, the events furthest from today are left out, and the
    # calendar's description says which days it covers.
    max_feed_bytes: int = 900_000
    # An event removed from the schedule stays in the feeds as CANCELLED this long.
    cancelled_days: int = 14
    # The ORGANIZER of every event (calendar apps want one; nobody writes to it).
    organizer_address: str = "mailto:noreply@tvcolumn.invalid"
    # How often calendar apps should poll (REFRESH-INTERVAL, X-PUBLISHED-TTL).
    refresh: timedelta = timedelta(hours=1)
    # Import of county feeds.
    import_timeout_s: float = 20.0
    import_max_bytes: int = 10 * 1024 * 1024
    # Two columns airing the same exchanged episode within this many days is a clash.
    clash_days: int = 7

    @property
    def import_days_back(self) -> int:
        return self.max_days_back

    @property
    def import_days_ahead(self) -> int:
        return self.max_days_ahead


DEFAULT_SETTINGS = FeedSettings()
