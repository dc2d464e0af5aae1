"""Network telemetry: packet captures, Zeek, proxy and firewall logs, and njRAT's C2 protocol.

    from rathunt.events import ReadStats
    from rathunt.network import NetworkScan, detect_network_format, read_network_file

    stats = ReadStats()
    for event in read_network_file("capture.pcap", stats):   # Sigma-shaped events
        ...
    scan = NetworkScan()                                      # events plus findings
    events = list(scan.read("capture.pcap", stats))
    findings = scan.finish()

Captures (pcap, pcapng) give DNS, HTTP and connection events and njRAT sessions; Zeek
conn/dns/http logs, Squid and W3C proxy logs, Windows Firewall and CSV/JSON exports give
events under Sigma's log sources. See docs/network.md.
"""

try:
    import dpkt  # noqa: F401
except ModuleNotFoundError as err:
    raise ModuleNotFoundError(
        "rathunt.network needs dpkt: pip install 'rathunt[network]'", name="dpkt"
    ) from err

from rathunt.network.capture import CaptureOptions, NjratSession
from rathunt.network.detect import FORMATS, detect_network_format
from rathunt.network.dyndns import SuffixList, load_suffixes
from rathunt.network.findings import RULES
from rathunt.network.hosts import AddressBook, attribute_hosts
from rathunt.network.reader import read_network_file
from rathunt.network.scan import NetworkOptions, NetworkScan, njrat_finding

__all__ = [
    "FORMATS",
    "RULES",
    "AddressBook",
    "CaptureOptions",
    "NetworkOptions",
    "NetworkScan",
    "NjratSession",
    "SuffixList",
    "attribute_hosts",
    "detect_network_format",
    "load_suffixes",
    "njrat_finding",
    "read_network_file",
]
