"""The simulation as one stream: hosts planned, generators merged in time order.

Every host runs its noise generators (and an intrusion, if it is infected); each generator is
already in time order, so a heap merges them all without holding more than one pending event
per generator. Record ids are assigned as events leave the merge, so they increase per
channel per host exactly as a real log's do. Memory is bounded by the number of generators,
not by the number of events.
"""

from __future__ import annotations

import heapq
import logging
import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import attrgetter

from rathunt.errors import ConfigError
from rathunt.simulate import upkeep
from rathunt.simulate.host import Host
from rathunt.simulate.noise import Generator, browsing, logons, office
from rathunt.simulate.scenario import Intrusion, IntrusionPlan
from rathunt.simulate.schedule import DAY, HOUR, Session, sessions
from rathunt.simulate.shapes import EPOCH, SimEvent
from rathunt.simulate.variants import build_implant, variant_label

log = logging.getLogger(__name__)

GENERATORS: dict[str, Generator] = {
    "logons": logons,
    "browsing": browsing,
    "office": office,
    "updates": upkeep.updates,
    "services": upkeep.services_and_tasks,
    "firewall": upkeep.admin_firewall,
    "network": upkeep.background_network,
    "fileserver": upkeep.server_access,
    "admin": upkeep.admin_tools,
}
PROFILE_NOISE = {
    "workstation": (
        "logons",
        "browsing",
        "office",
        "updates",
        "services",
        "firewall",
        "network",
        "admin",
    ),
    "server": ("logons", "updates", "services", "firewall", "network", "fileserver", "admin"),
}
DEFAULT_START = datetime(2026, 11, 2, tzinfo=UTC)
FIRST_NAMES = (
    "amartin",
    "jsmith",
    "lchen",
    "okafor",
    "pnovak",
    "rgarcia",
    "tnguyen",
    "mdubois",
    "kmuller",
    "sahmed",
    "eyilmaz",
    "bkowal",
)


@dataclass(slots=True)
class SimOptions:
    """What to simulate. Each entry of `intrusions` is one build (a list of variant names)
    placed on its own workstation; an empty list simulates benign noise only."""

    hosts: int = 3
    days: float = 1.0
    seed: int | str = 0
    intrusions: list[list[str]] = field(default_factory=lambda: [["default"]])
    servers: int | None = None
    start: datetime = DEFAULT_START
    auditing: str = "alternate"  # all | none | alternate
    uninstall: bool = True
    noise: bool = True

    def validate(self) -> None:
        if self.hosts < 1:
            raise ConfigError(f"--hosts must be at least 1, not {self.hosts}")
        if not 0 < self.days <= 31:
            raise ConfigError(
                f"--days must be in (0, 31], not {self.days}",
                hint="simulate longer periods as several runs",
            )
        if self.auditing not in ("all", "none", "alternate"):
            raise ConfigError(
                f"unknown auditing setting {self.auditing!r}", hint="use all, none or alternate"
            )
        if len(self.intrusions) > self.workstations:
            raise ConfigError(
                f"{len(self.intrusions)} intrusions need as many workstations, "
                f"but only {self.workstations} of {self.hosts} hosts are",
                hint="raise --hosts or give fewer variants",
            )

    @property
    def server_count(self) -> int:
        if self.servers is not None:
            return min(self.servers, self.hosts - 1) if self.hosts > 1 else 0
        return self.hosts // 5

    @property
    def workstations(self) -> int:
        return self.hosts - self.server_count


@dataclass(slots=True)
class Placement:
    """Where an intrusion runs, for the manifest and for validation."""

    id: str
    host: str
    variant: str
    variants: list[str]
    target: str | None


def build_hosts(options: SimOptions) -> list[Host]:
    """The hosts of a run: workstations first, then servers, in one domain."""
    rng = random.Random(f"{options.seed}:domain")
    domain_sid = (
        f"S-1-5-21-{rng.randrange(10**9, 4 * 10**9)}-{rng.randrange(10**9, 4 * 10**9)}-"
        f"{rng.randrange(10**9, 4 * 10**9)}"
    )
    start = _us(options.start)
    hosts = []
    for index in range(options.hosts):
        server = index >= options.workstations
        user = (
            "adm_" + FIRST_NAMES[index % len(FIRST_NAMES)]
            if server
            else FIRST_NAMES[index % len(FIRST_NAMES)] + ("" if index < 12 else str(index // 12))
        )
        auditing = {"all": True, "none": False}.get(options.auditing, index % 2 == 1)
        host = Host(
            index=index,
            short=f"SRV-{index - options.workstations + 1:02d}"
            if server
            else f"WS-{index + 1:04d}",
            domain="CORP",
            dns_domain="corp.example.com",
            kind="server" if server else "workstation",
            ip=f"10.20.{(200 if server else 1) + index // 240}.{10 + index % 240}",
            auditing=auditing,
            user=user,
            user_sid=f"{domain_sid}-{1105 + index}",
            seed=str(options.seed),
        )
        host.boot = start - 2 * HOUR - host.rng.randrange(HOUR)
        hosts.append(host)
    return hosts


def plan(
    options: SimOptions, hosts: list[Host], schedules: dict[int, list[Session]]
) -> list[IntrusionPlan]:
    """One intrusion per build, on workstations in order; lateral movement reaches a server."""
    end = _us(options.start) + int(options.days * DAY)
    servers = [h for h in hosts if h.kind == "server"]
    plans = []
    for number, names in enumerate(options.intrusions):
        host = hosts[number]
        rng = random.Random(f"{options.seed}:implant:{number}")
        target = servers[0] if servers else (hosts[number + 1] if number + 1 < len(hosts) else None)
        plans.append(
            IntrusionPlan(
                id=f"intrusion-{number + 1}",
                host=host,
                sessions=schedules[host.index],
                implant=build_implant(names, rng),
                variant=variant_label(names),
                end=end,
                target=target if "lateral" in names else None,
                uninstall=options.uninstall,
            )
        )
    return plans


def placements(plans: Iterable[IntrusionPlan], options: SimOptions) -> list[Placement]:
    return [
        Placement(p.id, p.host.name, p.variant, list(names), p.target.name if p.target else None)
        for p, names in zip(plans, options.intrusions, strict=True)
    ]


def simulate(options: SimOptions) -> Iterator[SimEvent]:
    """Every event of the run in time order, with record ids; labels ride on `event.label`."""
    options.validate()
    start = _us(options.start)
    end = start + int(options.days * DAY)
    hosts = build_hosts(options)
    schedules = {h.index: sessions(h, str(options.seed), start, end) for h in hosts}
    streams: list[Iterator[SimEvent]] = []
    if options.noise:
        for host in hosts:
            for name in PROFILE_NOISE[host.kind]:
                rng = random.Random(f"{options.seed}:{host.index}:{name}")
                episodes = GENERATORS[name](host, schedules[host.index], rng, start, end)
                streams.append(ordered(episodes, start, end))
    for intrusion_plan in plan(options, hosts, schedules):
        rng = random.Random(f"{options.seed}:{intrusion_plan.id}")
        streams.append(ordered(Intrusion(intrusion_plan, rng).episodes(), start, end))
    log.info(
        "simulating %d hosts over %.1f days, %d intrusions",
        len(hosts),
        options.days,
        len(options.intrusions),
    )
    for event in heapq.merge(*streams, key=attrgetter("t")):
        event.record_id = event.host.next_record(event.channel)
        yield event


def ordered(episodes: Iterable[list[SimEvent]], start: int, end: int) -> Iterator[SimEvent]:
    """Events of episodes in time order, within [start, end).

    Episodes come in order of their first event but may overlap; a small heap holds the
    events not yet due, so memory is bounded by how far one episode reaches ahead.
    """
    pending: list[tuple[int, int, SimEvent]] = []
    seq = 0
    for episode in episodes:
        if not episode:
            continue
        first = min(event.t for event in episode)
        while pending and pending[0][0] <= first:
            yield heapq.heappop(pending)[2]
        for event in episode:
            if start <= event.t < end:
                heapq.heappush(pending, (event.t, seq, event))
                seq += 1
    while pending:
        yield heapq.heappop(pending)[2]


def _us(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
