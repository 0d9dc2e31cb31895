"""The station hand-off: what the column gives the TV station and what it gets back.

The week's broadcast order sheet (播出单) and the delivery package of packaged
masters, and the station's as-run log (播后记录) matched to the planned airings.
Above ``media`` (a sheet names the packaged masters) and ``liaison``; the as-run
tables live in ``schedule.models`` so every room can say whether an airing was
confirmed.
"""
