"""The ``[scale]`` section: where NATS is and how the stream is cut into partitions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from mda.errors import ConfigError

# The keys of [scale] and their kinds (checked by mda.settings.checks; lists are of strings).
SCALE_KEYS: Final[dict[str, type]] = {
    "nats": list, "partitions": int, "replicas": int, "stream": str, "partition_by": str,
    "retention_hours": float, "lease_s": float, "snapshot_every_s": float,
    "batch_messages": int, "grid_cell_deg": float,
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class ScaleSettings:
    """Gateways and workers of one deployment must agree on all of these."""

    nats: tuple[str, ...] = ("nats://127.0.0.1:4222",)
    partitions: int = 16
    replicas: int = 1  # copies of the stream in a NATS cluster (3 survives a node loss)
    stream: str = "MDA_AIS"
    # "server": the NATS server maps mda.ais.in.<mmsi> to a partition (its `mappings`, see
    # `mda scale nats-config`); "gateway": the gateway computes the same partition itself, for
    # a NATS server whose configuration you do not own.
    partition_by: str = "server"
    retention_hours: float = 48.0  # how far back a new owner can replay
    lease_s: float = 10.0  # a dead worker's partitions move after about this long
    snapshot_every_s: float = 60.0
    batch_messages: int = 1000  # messages a worker takes per step of one partition
    grid_cell_deg: float = 1.0  # the pair workers' geographic cells (degrees)

    @property
    def buckets(self) -> tuple[str, str]:
        """The key-value bucket of leases and the object store of snapshots."""
        return f"{self.stream}_leases", f"{self.stream}_snapshots"


def parse_scale(table: dict[str, Any], where: str) -> ScaleSettings:
    """Settings from a ``[scale]`` table (keys already checked against ``SCALE_KEYS``)."""
    defaults = ScaleSettings()
    urls = tuple(table.get("nats", defaults.nats))
    if not urls or not all(u.startswith(("nats://", "tls://")) for u in urls):
        raise ConfigError(f"{where}: scale.nats: expected nats://host:port URLs, got {urls!r}")
    settings = ScaleSettings(
        nats=urls,
        partitions=table.get("partitions", defaults.partitions),
        replicas=table.get("replicas", defaults.replicas),
        stream=table.get("stream", defaults.stream),
        partition_by=table.get("partition_by", defaults.partition_by),
        retention_hours=table.get("retention_hours", defaults.retention_hours),
        lease_s=table.get("lease_s", defaults.lease_s),
        snapshot_every_s=table.get("snapshot_every_s", defaults.snapshot_every_s),
        batch_messages=table.get("batch_messages", defaults.batch_messages),
        grid_cell_deg=table.get("grid_cell_deg", defaults.grid_cell_deg),
    )
    if not 1 <= settings.partitions <= 1024:
        raise ConfigError(f"{where}: scale.partitions: 1 to 1024, got {settings.partitions}")
    if settings.replicas not in (1, 3, 5):
        raise ConfigError(f"{where}: scale.replicas: 1, 3 or 5, got {settings.replicas}")
    if settings.partition_by not in ("server", "gateway"):
        raise ConfigError(f"{where}: scale.partition_by: 'server' or 'gateway'")
    if not settings.stream.replace("_", "").isalnum():
        raise ConfigError(f"{where}: scale.stream: letters, digits and _ only")
    if settings.lease_s < 1 or settings.snapshot_every_s < 1 or settings.batch_messages < 1:
        raise ConfigError(f"{where}: scale.lease_s, snapshot_every_s, batch_messages: too small")
    return settings
