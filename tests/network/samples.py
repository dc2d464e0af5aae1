"""Network log samples in the layouts the products write, built line by line for the tests."""

from __future__ import annotations

from pathlib import Path

ZEEK_HEADER = (
    "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n"
    "#path\t{path}\n#open\t2024-02-11-10-00-00\n#fields\t{fields}\n#types\t{types}\n"
)
CONN_FIELDS = [
    "ts",
    "uid",
    "id.orig_h",
    "id.orig_p",
    "id.resp_h",
    "id.resp_p",
    "proto",
    "service",
    "duration",
    "orig_bytes",
    "resp_bytes",
    "conn_state",
    "local_orig",
    "local_resp",
    "missed_bytes",
    "history",
    "orig_pkts",
    "orig_ip_bytes",
    "resp_pkts",
    "resp_ip_bytes",
    "tunnel_parents",
]
CONN_TYPES = [
    "time",
    "string",
    "addr",
    "port",
    "addr",
    "port",
    "enum",
    "string",
    "interval",
    "count",
    "count",
    "string",
    "bool",
    "bool",
    "count",
    "string",
    "count",
    "count",
    "count",
    "count",
    "set[string]",
]
DNS_FIELDS = [
    "ts",
    "uid",
    "id.orig_h",
    "id.orig_p",
    "id.resp_h",
    "id.resp_p",
    "proto",
    "trans_id",
    "rtt",
    "query",
    "qclass",
    "qclass_name",
    "qtype",
    "qtype_name",
    "rcode",
    "rcode_name",
    "AA",
    "TC",
    "RD",
    "RA",
    "Z",
    "answers",
    "TTLs",
    "rejected",
]
DNS_TYPES = [
    "time",
    "string",
    "addr",
    "port",
    "addr",
    "port",
    "enum",
    "count",
    "interval",
    "string",
    "count",
    "string",
    "count",
    "string",
    "count",
    "string",
    "bool",
    "bool",
    "bool",
    "bool",
    "count",
    "vector[string]",
    "vector[interval]",
    "bool",
]
HTTP_FIELDS = [
    "ts",
    "uid",
    "id.orig_h",
    "id.orig_p",
    "id.resp_h",
    "id.resp_p",
    "trans_depth",
    "method",
    "host",
    "uri",
    "referrer",
    "version",
    "user_agent",
    "request_body_len",
    "response_body_len",
    "status_code",
    "status_msg",
    "resp_mime_types",
]
HTTP_TYPES = [
    "time",
    "string",
    "addr",
    "port",
    "addr",
    "port",
    "count",
    "string",
    "string",
    "string",
    "string",
    "string",
    "string",
    "count",
    "count",
    "count",
    "string",
    "vector[string]",
]


def zeek_tsv(path: Path, kind: str, rows: list[list[str]]) -> Path:
    fields, types = {
        "conn": (CONN_FIELDS, CONN_TYPES),
        "dns": (DNS_FIELDS, DNS_TYPES),
        "http": (HTTP_FIELDS, HTTP_TYPES),
    }[kind]
    text = ZEEK_HEADER.format(path=kind, fields="\t".join(fields), types="\t".join(types))
    for row in rows:
        assert len(row) == len(fields), (kind, len(row), len(fields))
        text += "\t".join(row) + "\n"
    path.write_text(text + "#close\t2024-02-11-11-00-00\n")
    return path


def conn_row(ts: float, src: str, sport: int, dst: str, dport: int, state: str) -> list[str]:
    sent = "0" if state in ("S0", "REJ") else "1400"
    history = {"S0": "S", "REJ": "Sr", "SF": "ShADadfF"}.get(state, "ShAD")
    return [
        f"{ts:.6f}",
        f"C{int(ts * 1000) % 10**9:09d}x",
        src,
        str(sport),
        dst,
        str(dport),
        "tcp",
        "-",
        "0.250000",
        sent,
        sent,
        state,
        "T",
        "F",
        "0",
        history,
        "3",
        "180",
        "2",
        "120",
        "(empty)",
    ]


def dns_row(
    ts: float, src: str, query: str, answers: list[str], rcode: str = "NOERROR"
) -> list[str]:
    code = {"NOERROR": "0", "NXDOMAIN": "3"}[rcode]
    return [
        f"{ts:.6f}",
        "CdnsQ01x",
        src,
        "53124",
        "10.1.2.1",
        "53",
        "udp",
        "4711",
        "0.012",
        query,
        "1",
        "C_INTERNET",
        "1",
        "A",
        code,
        rcode,
        "F",
        "F",
        "T",
        "T",
        "0",
        ",".join(answers) if answers else "-",
        ",".join("60.0" for _ in answers) or "-",
        "F",
    ]


SQUID = (
    "1707645600.123    187 10.1.2.30 TCP_MISS/200 48213 GET http://update.hopto.org/files/"
    "setup.exe - HIER_DIRECT/203.0.113.50 application/octet-stream\n"
    "1707645601.456     52 10.1.2.31 TCP_TUNNEL/200 5123 CONNECT www.example.org:443 - "
    "HIER_DIRECT/93.184.216.34 -\n"
    "1707645602.789     31 10.1.2.31 TCP_MISS/404 312 GET http://www.example.org/a/b?q=1 alice "
    "HIER_DIRECT/93.184.216.34 text/html\n"
)

W3C_PROXY = (
    "#Software: SGOS 6.7.4.1\n#Version: 1.0\n#Date: 2024-02-11 10:00:00\n"
    "#Fields: date time time-taken c-ip cs-username s-action sc-status cs-method cs-uri-scheme "
    "cs-host cs-uri-port cs-uri-path cs-uri-query cs(User-Agent) cs(Referer) sc-bytes\n"
    "2024-02-11 10:00:01 120 10.1.2.30 - TCP_NC_MISS 200 GET http files.example.net 80 "
    '/dl/tool.ps1 ?x=1 "Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) '
    'WindowsPowerShell/5.1.19041.3031" - 5234\n'
)

PFIREWALL = (
    "#Version: 1.5\n#Software: Microsoft Windows Firewall\n#Time Format: Local\n"
    "#Fields: date time action protocol src-ip dst-ip src-port dst-port size tcpflags tcpsyn "
    "tcpack tcpwin icmptype icmpcode info path pid\n\n"
    "2024-02-11 10:15:02 ALLOW TCP 10.1.2.30 203.0.113.9 50112 21 0 - 0 0 0 - - - SEND 4412\n"
    "2024-02-11 10:15:03 DROP TCP 198.51.100.3 10.1.2.30 44123 3389 52 S 12345 0 64240 - - - "
    "RECEIVE 4\n"
    "2024-02-11 10:15:04 ALLOW UDP 10.1.2.30 10.1.2.1 55002 53 0 - - - - - - - SEND 2044\n"
)

FIREWALL_CSV = (
    "timestamp,src_ip,src_port,dst_ip,dst_port,protocol,action,application\n"
    "2024-02-11T10:20:00Z,10.1.2.30,50200,203.0.113.77,1177,TCP,deny,C:\\Users\\a\\server.exe\n"
    '2024-02-11T10:20:05Z,10.1.2.30,50201,203.0.113.77,1177,TCP,allow,=HYPERLINK("x")\n'
)
