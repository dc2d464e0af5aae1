"""Security and System events that have no Sysmon twin: logons, explicit credentials, share
access, scheduled tasks and service installs.

Field order and value formats follow real records of the same event id and version (see
tests/simulate/test_shapes.py).
"""

from __future__ import annotations

from rathunt.simulate.host import SYSTEM_SID, Host, Logon, Process
from rathunt.simulate.labels import Label
from rathunt.simulate.shapes import SECURITY, SYSTEM, SimEvent


def _hex(value: int) -> str:
    return f"0x{value:x}"


def logon(
    host: Host,
    t: int,
    session: Logon,
    logon_type: int,
    ip: str = "-",
    process: str = "C:\\Windows\\System32\\svchost.exe",
    label: Label | None = None,
) -> list[SimEvent]:
    """Security 4624 (version 2): a successful logon of `session`."""
    network = logon_type in (3, 10)
    data = {
        "SubjectUserSid": "S-1-0-0" if network else SYSTEM_SID,
        "SubjectUserName": "-" if network else f"{host.short}$",
        "SubjectDomainName": "-" if network else host.domain,
        "SubjectLogonId": "0x0" if network else "0x3e7",
        "TargetUserSid": session.sid,
        "TargetUserName": session.user,
        "TargetDomainName": session.domain,
        "TargetLogonId": session.logon_id,
        "LogonType": logon_type,
        "LogonProcessName": "NtLmSsp " if network else "User32 ",
        "AuthenticationPackageName": "NTLM" if network else "Negotiate",
        "WorkstationName": "-" if not network else host.short,
        "LogonGuid": "00000000-0000-0000-0000-000000000000",
        "TransmittedServices": "-",
        "LmPackageName": "NTLM V2" if network else "-",
        "KeyLength": 128 if network else 0,
        "ProcessId": "0x0" if network else _hex(host.system_pids["winlogon"]),
        "ProcessName": "-" if network else process,
        "IpAddress": ip if network else "127.0.0.1",
        "IpPort": str(49152 + t % 16000) if network else "0",
        "ImpersonationLevel": "%%1833",
        "RestrictedAdminMode": "-",
        "TargetOutboundUserName": "-",
        "TargetOutboundDomainName": "-",
        "VirtualAccount": "%%1843",
        "TargetLinkedLogonId": "0x0",
        "ElevatedToken": "%%1842" if session.elevated else "%%1843",
    }
    return [SimEvent(t, host, SECURITY, 4624, data, label)]


def explicit_logon(
    host: Host, t: int, proc: Process, user: str, server: str, ip: str, label: Label | None = None
) -> list[SimEvent]:
    """Security 4648: a process used explicit credentials for another server."""
    data = {
        "SubjectUserSid": proc.logon.sid,
        "SubjectUserName": proc.logon.user,
        "SubjectDomainName": proc.logon.domain,
        "SubjectLogonId": proc.logon.logon_id,
        "LogonGuid": "00000000-0000-0000-0000-000000000000",
        "TargetUserName": user,
        "TargetDomainName": host.domain,
        "TargetLogonGuid": "00000000-0000-0000-0000-000000000000",
        "TargetServerName": server,
        "TargetInfo": server,
        "ProcessId": _hex(proc.pid),
        "ProcessName": proc.image,
        "IpAddress": ip,
        "IpPort": "445",
    }
    return [SimEvent(t, host, SECURITY, 4648, data, label)]


def share_access(
    host: Host, t: int, session: Logon, ip: str, share: str, path: str, label: Label | None = None
) -> list[SimEvent]:
    """Security 5140: a network share was accessed."""
    data = {
        "SubjectUserSid": session.sid,
        "SubjectUserName": session.user,
        "SubjectDomainName": session.domain,
        "SubjectLogonId": session.logon_id,
        "ObjectType": "File",
        "IpAddress": ip,
        "IpPort": str(49152 + t % 16000),
        "ShareName": f"\\\\*\\{share}",
        "ShareLocalPath": f"\\??\\{path}" if path else "",
        "AccessMask": "0x1",
        "AccessList": "%%4416\r\n\t\t\t\t",
    }
    return [SimEvent(t, host, SECURITY, 5140, data, label)]


def task_created(
    host: Host,
    t: int,
    session: Logon,
    name: str,
    command: str,
    arguments: str,
    label: Label | None = None,
) -> list[SimEvent]:
    """Security 4698: a scheduled task was registered, with its XML as Task Scheduler stores it."""
    content = (
        '<?xml version="1.0" encoding="UTF-16"?>\r\n'
        '<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">\r\n'
        "  <Triggers>\r\n    <LogonTrigger>\r\n      <Enabled>true</Enabled>\r\n"
        "    </LogonTrigger>\r\n  </Triggers>\r\n"
        '  <Actions Context="Author">\r\n    <Exec>\r\n'
        f"      <Command>{_xml_text(command)}</Command>\r\n"
        f"      <Arguments>{_xml_text(arguments)}</Arguments>\r\n"
        "    </Exec>\r\n  </Actions>\r\n</Task>"
    )
    data = {
        "SubjectUserSid": session.sid,
        "SubjectUserName": session.user,
        "SubjectDomainName": session.domain,
        "SubjectLogonId": session.logon_id,
        "TaskName": name,
        "TaskContent": content,
    }
    return [SimEvent(t, host, SECURITY, 4698, data, label)]


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def service_installed(
    host: Host,
    t: int,
    name: str,
    image_path: str,
    account: str = "LocalSystem",
    start: str = "auto start",
    label: Label | None = None,
) -> list[SimEvent]:
    """System 7045: the Service Control Manager installed a service."""
    data = {
        "ServiceName": name,
        "ImagePath": image_path,
        "ServiceType": "user mode service",
        "StartType": start,
        "AccountName": account,
    }
    return [SimEvent(t, host, SYSTEM, 7045, data, label)]
