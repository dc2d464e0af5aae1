"""When hosts are in use: logon sessions, working hours, and arrival times of activity.

Noise and intrusions share one schedule per host, so the implant relaunched at logon has the
session's own explorer as its parent, and activity stops when the user logs off.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from rathunt.simulate.host import Host, Logon, Process
from rathunt.simulate.shapes import to_datetime

HOUR = 3_600_000_000
MINUTE = 60_000_000
SECOND = 1_000_000
DAY = 24 * HOUR


@dataclass(slots=True)
class Session:
    """One interactive logon: its window, the logon, and the shell processes it started."""

    start: int
    end: int
    logon: Logon
    logon_type: int
    userinit: Process
    explorer: Process
    first: bool

    @property
    def userinit_time(self) -> int:
        return self.start + 2 * SECOND

    @property
    def explorer_time(self) -> int:
        return self.start + 3 * SECOND


def user_profile(host: Host) -> str:
    return f"C:\\Users\\{host.user}"


def sessions(host: Host, seed: str, start: int, end: int) -> list[Session]:
    """The host's logon sessions between `start` and `end` (few per day: kept in memory).

    A workstation's user logs on on working days between 07:30 and 09:30 and off between
    16:30 and 19:00; a server keeps one administrator session for the whole period.
    """
    rng = random.Random(f"{seed}:{host.index}:sessions")
    if host.kind == "server":
        return [_session(host, start + 5 * MINUTE, end, 10, True)]
    result: list[Session] = []
    day = start - start % DAY
    while day < end:
        weekday = to_datetime(day).weekday()
        if weekday < 5 or rng.random() < 0.05:
            begin = day + int(7.5 * HOUR) + rng.randrange(2 * HOUR)
            finish = day + int(16.5 * HOUR) + rng.randrange(int(2.5 * HOUR))
            begin, finish = max(begin, start), min(finish, end)
            if finish - begin > 10 * MINUTE:
                result.append(_session(host, begin, finish, 2, not result))
        day += DAY
    if not result and end - start > 10 * MINUTE:
        # A short run outside working hours still has its user at the keyboard.
        result.append(_session(host, start + MINUTE, end, 2, True))
    return result


def _session(host: Host, begin: int, finish: int, logon_type: int, first: bool) -> Session:
    logon = host.new_logon(begin, host.user, host.user_sid, elevated=host.kind == "server")
    winlogon = host.process(
        begin - DAY, "C:\\Windows\\System32\\winlogon.exe", "winlogon.exe", None
    )
    winlogon.pid = host.system_pids["winlogon"]
    userinit = host.process(
        begin + 2 * SECOND,
        "C:\\Windows\\System32\\userinit.exe",
        "C:\\Windows\\system32\\userinit.exe",
        winlogon,
        logon=logon,
        current_directory="C:\\Windows\\system32\\",
    )
    explorer = host.process(
        begin + 3 * SECOND,
        "C:\\Windows\\explorer.exe",
        "C:\\Windows\\Explorer.EXE",
        userinit,
        logon=logon,
        current_directory="C:\\Windows\\system32\\",
    )
    return Session(begin, finish, logon, logon_type, userinit, explorer, first)


def arrivals(rng: random.Random, start: int, end: int, per_hour: float) -> Iterator[int]:
    """Times of a Poisson process with `per_hour` events per hour in [start, end)."""
    if per_hour <= 0:
        return
    mean = HOUR / per_hour
    t = start + int(rng.expovariate(1.0) * mean)
    while t < end:
        yield t
        t += max(1, int(rng.expovariate(1.0) * mean))


def days(start: int, end: int) -> Iterator[int]:
    """Midnights (UTC) from the day of `start` up to `end`."""
    day = start - start % DAY
    while day < end:
        yield day
        day += DAY
