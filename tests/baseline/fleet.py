"""Events in the shapes the readers produce (Sysmon and System/Security field names), for a
small fleet doing ordinary work, and an njRAT intrusion as the research notes describe it."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from rathunt.model import Event, LogSource, Provenance

SYSMON = "Microsoft-Windows-Sysmon/Operational"
START = datetime(2026, 3, 2, tzinfo=UTC)
USER_SID = "S-1-5-21-3623811015-3361044348-30300820-1013"
RUN_KEY = "HKU\\{sid}\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\{name}"

_CATEGORIES = {
    1: ("process_creation",),
    3: ("network_connection",),
    11: ("file_event",),
    13: ("registry_set", "registry_event"),
    22: ("dns_query",),
}


class Recorder:
    """Numbers records per host and builds events with provenance, like an EVTX reader."""

    def __init__(self) -> None:
        self.records: dict[str, int] = {}

    def event(self, host: str, time: datetime, event_id: int, **data: Any) -> Event:
        record = self.records.get(host, 0) + 1
        self.records[host] = record
        channel = data.pop("Channel", SYSMON)
        fields = {
            "EventID": event_id,
            "Channel": channel,
            "Computer": f"{host}.corp.example",
            "EventRecordID": record,
            "Provider_Name": "Microsoft-Windows-Sysmon"
            if channel == SYSMON
            else "Service Control Manager",
            "UtcTime": time.strftime("%Y-%m-%d %H:%M:%S.000"),
            **data,
        }
        if channel == SYSMON:
            logsource = LogSource("windows", "sysmon", _CATEGORIES.get(event_id, ()))
        else:
            logsource = LogSource("windows", channel.lower(), ())
        return Event(fields, logsource, Provenance(f"{host}.evtx", record, "evtx"), time)


def user_of(host: str) -> tuple[str, str]:
    name = "u" + host[-2:]
    return name, f"CORP\\{name}"


def process(
    rec: Recorder,
    host: str,
    time: datetime,
    parent: str,
    image: str,
    command: str,
    user: str,
    original: str = "",
) -> Event:
    return rec.event(
        host,
        time,
        1,
        Image=image,
        CommandLine=command,
        ParentImage=parent,
        User=user,
        OriginalFileName=original or image.rsplit("\\", 1)[-1],
        ProcessGuid=f"{{4A3D1E2B-{random.randrange(65536):04X}-65E5-A527-000000000800}}",
        ProcessId=random.randrange(1000, 9000),
        IntegrityLevel="Medium",
    )


def ordinary_day(rec: Recorder, host: str, day: int, rng: random.Random) -> Iterator[Event]:
    """One workday on a workstation: browser, Office, updates, a few LOLBin calls."""
    name, user = user_of(host)
    base = START + timedelta(days=day, hours=8)
    profile = f"C:\\Users\\{name}"
    for minute in range(0, 480, 15):
        time = base + timedelta(minutes=minute, seconds=rng.randrange(60))
        yield process(
            rec,
            host,
            time,
            "C:\\Windows\\explorer.exe",
            "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
            f'"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe" '
            f"--type=renderer --renderer-client-id={rng.randrange(1, 500)}",
            user,
        )
        yield rec.event(
            host,
            time,
            3,
            Image="C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
            User=user,
            Protocol="tcp",
            Initiated=True,
            SourceIp=f"10.1.0.{int(host[-2:])}",
            SourcePort=rng.randrange(49152, 65535),
            DestinationIp=f"142.250.{rng.randrange(4)}.{rng.randrange(1, 250)}",
            DestinationPort=443,
        )
        yield rec.event(
            host,
            time,
            22,
            Image="C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
            QueryName=rng.choice(["www.google.com", "mail.corp.example", "intranet.corp.example"]),
            QueryStatus="0",
            QueryResults="142.250.1.1;",
        )
        if minute % 60 == 0:
            yield process(
                rec,
                host,
                time,
                "C:\\Windows\\explorer.exe",
                "C:\\Windows\\System32\\cmd.exe",
                f'"C:\\Windows\\system32\\cmd.exe" /c dir {profile}\\Documents',
                user,
            )
            yield process(
                rec,
                host,
                time,
                "C:\\Windows\\System32\\svchost.exe",
                "C:\\Windows\\System32\\taskhostw.exe",
                "taskhostw.exe Install $(Arg0)",
                f"{host.upper()}\\SYSTEM",
            )
            yield rec.event(
                host,
                time,
                3,
                Image="C:\\Windows\\System32\\svchost.exe",
                User="NT AUTHORITY\\NETWORK SERVICE",
                Protocol="tcp",
                Initiated=True,
                DestinationIp="10.1.0.2",
                DestinationPort=53,
            )
    logon = base + timedelta(minutes=1)
    yield rec.event(
        host,
        logon,
        13,
        EventType="SetValue",
        Image=f"{profile}\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe",
        TargetObject=RUN_KEY.format(sid=USER_SID, name="OneDrive"),
        Details=f'"{profile}\\AppData\\Local\\Microsoft\\OneDrive\\OneDrive.exe" /background',
    )
    yield process(
        rec,
        host,
        logon,
        "C:\\Windows\\System32\\userinit.exe",
        "C:\\Windows\\System32\\rundll32.exe",
        f"rundll32.exe C:\\Windows\\System32\\shell32.dll,Control_RunDLL "
        f"{{{rng.randrange(10**8):08X}-1111-2222-3333-444455556666}}",
        user,
    )


def intrusion(rec: Recorder, host: str, time: datetime) -> list[Event]:
    """njRAT's first run: Temp copy, the netsh allowedprogram rule, the Run value, the C2."""
    name, user = user_of(host)
    rat = f"C:\\Users\\{name}\\AppData\\Local\\Temp\\server.exe"
    download = f"C:\\Users\\{name}\\Downloads\\invoice.exe"
    return [
        process(rec, host, time, "C:\\Windows\\explorer.exe", download, f'"{download}"', user),
        process(rec, host, time + timedelta(seconds=2), download, rat, f'"{rat}" ', user),
        process(
            rec,
            host,
            time + timedelta(seconds=3),
            rat,
            "C:\\Windows\\SysWOW64\\netsh.exe",
            f'netsh firewall add allowedprogram "{rat}" "server.exe" ENABLE',
            user,
        ),
        rec.event(
            host,
            time + timedelta(seconds=4),
            13,
            EventType="SetValue",
            Image=rat,
            TargetObject=RUN_KEY.format(sid=USER_SID, name="ecc7c8c51c0850c1ec247c7fd3602f20"),
            Details=f'"{rat}" ..',
        ),
        rec.event(
            host,
            time + timedelta(seconds=5),
            22,
            Image=rat,
            QueryName="tcp.eu.ngrok.io",
            QueryStatus="0",
            QueryResults="3.125.102.39;",
        ),
        rec.event(
            host,
            time + timedelta(seconds=5),
            3,
            Image=rat,
            User=user,
            Protocol="tcp",
            Initiated=True,
            DestinationIp="3.125.102.39",
            DestinationPort=15145,
        ),
    ]


def history(hosts: int, days: int, first_day: int = 0, seed: int = 7) -> Iterator[Event]:
    """`days` ordinary days on `hosts` workstations, day by day."""
    rng = random.Random(seed + first_day)
    random.seed(seed + first_day)
    rec = Recorder()
    names = [f"ws{index:02d}" for index in range(1, hosts + 1)]
    for day in range(first_day, first_day + days):
        for host in names:
            yield from ordinary_day(rec, host, day, rng)
