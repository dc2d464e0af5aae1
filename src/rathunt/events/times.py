"""Event times: every source's spelling to one aware UTC datetime, and back to ISO 8601 Z.

EVTX JSON gives six fractional digits, wevtutil XML seven or nine, Winlogbeat three, some
exports an offset or none at all. Python's `fromisoformat` takes all of these (it truncates
past microseconds); a time without an offset is taken as UTC, which is what Windows writes.
"""

from __future__ import annotations

from datetime import UTC, datetime

# Epoch numbers above this are milliseconds, below it seconds (the cut is the year 5138 in
# seconds, 1973 in milliseconds: no real event sits on the wrong side).
_EPOCH_MILLIS_CUT = 100_000_000_000


def parse_time(value: object) -> datetime | None:
    """An aware UTC datetime from a time string or epoch number, or None if it is no time."""
    if isinstance(value, str):
        return _parse_text(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _parse_epoch(value)
    if isinstance(value, dict):
        return parse_time(value.get("SystemTime") or value.get("#attributes", {}).get("SystemTime"))
    return None


def system_time(value: object) -> tuple[datetime | None, str | None]:
    """An event time and its ISO 8601 Z spelling; evtx's own spelling is kept when it
    already is that (the common case, which saves formatting every event's time)."""
    if type(value) is str and len(value) == 27 and value[19] == "." and value[26] == "Z":
        try:
            return datetime.fromisoformat(value), value
        except ValueError:
            return None, None
    moment = parse_time(value)
    return moment, None if moment is None else format_time(moment)


def format_time(moment: datetime) -> str:
    """ISO 8601 in UTC with `Z`, to the microsecond: the one spelling rathunt writes."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_text(text: str) -> datetime | None:
    text = text.strip()
    if text.endswith(" UTC"):
        text = text[:-4]
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    if moment.utcoffset():
        return moment.astimezone(UTC)
    return moment


def _parse_epoch(number: float) -> datetime | None:
    seconds = number / 1000 if abs(number) >= _EPOCH_MILLIS_CUT else number
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None
