"""Real nats-server processes for tests: one server or a JetStream cluster on free loopback ports.

Each node's configuration comes from ``mda.scale.natsconf.server_config`` (so the tests run the
configuration mda ships), its log goes to the test's temporary folder, and every failure names
the binary and quotes the log tail. A missing binary fails the test, never skips it.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mda.scale.natsconf import server_config

NATS_SERVER = os.environ.get("MDA_TEST_NATS_SERVER", "/usr/sbin/nats-server")
CLUSTER_NAME = "mda-test"
# A 3-node JetStream cluster elects its meta leader in a few seconds; a loaded CI box needs more.
READY_TIMEOUT = 60.0


def require_nats_server() -> str:
    """The nats-server binary, or an AssertionError saying what is missing."""
    if not (os.path.isfile(NATS_SERVER) and os.access(NATS_SERVER, os.X_OK)):
        raise AssertionError(
            f"these tests need nats-server at {NATS_SERVER} (apt-get install nats-server, "
            f"or set MDA_TEST_NATS_SERVER)"
        )
    return NATS_SERVER


def free_ports(count: int) -> list[int]:
    """``count`` distinct free loopback ports (all probes held open until each is chosen)."""
    with ExitStack() as stack:
        probes = [stack.enter_context(socket.socket()) for _ in range(count)]
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [int(probe.getsockname()[1]) for probe in probes]


def log_tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


@dataclass
class NatsNode:
    """One nats-server: its ports, configuration file and log; ``process`` while it runs."""

    name: str
    port: int
    monitor_port: int
    cluster_port: int | None
    folder: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @property
    def conf(self) -> Path:
        return self.folder / "nats.conf"

    @property
    def log(self) -> Path:
        return self.folder / "nats.log"

    def launch(self) -> None:
        # Append, so a restarted node's log keeps what happened before the kill.
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [require_nats_server(), "-c", str(self.conf)],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            )  # fmt: skip

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
        self.process = None

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def monitor(self, endpoint: str) -> dict[str, Any] | None:
        """A monitoring endpoint's JSON, or None while the server does not answer."""
        url = f"http://127.0.0.1:{self.monitor_port}/{endpoint}"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                document: dict[str, Any] = json.load(response)
                return document
        except urllib.error.HTTPError as exc:  # /healthz answers 503 with a JSON reason
            try:
                reason: dict[str, Any] = json.load(exc)
            except ValueError:
                return None
            return reason
        except (OSError, ValueError):
            return None


class NatsCluster:
    """``nodes`` nats-servers with JetStream and the partition mapping, clustered when nodes > 1."""

    def __init__(self, nodes: list[NatsNode], partitions: int) -> None:
        self.nodes = nodes
        self.partitions = partitions

    @classmethod
    def start(cls, nodes: int, partitions: int, tmp: Path) -> NatsCluster:
        """Start the servers and return once they are ready (see ``wait_ready``)."""
        require_nats_server()
        clustered = nodes > 1
        per_node = 3 if clustered else 2  # client, monitoring and, in a cluster, route ports
        ports = free_ports(nodes * per_node)
        members = []
        for i in range(nodes):
            client, monitor, *route = ports[i * per_node : (i + 1) * per_node]
            folder = tmp / f"nats-{i + 1}"
            folder.mkdir(parents=True, exist_ok=True)
            members.append(
                NatsNode(f"nats-{i + 1}", client, monitor, route[0] if route else None, folder)
            )
        for node in members:
            # Routes to the other nodes only: a route to oneself is dropped by the server anyway.
            routes = [f"127.0.0.1:{other.cluster_port}" for other in members if other is not node]
            node.conf.write_text(server_config(
                name=node.name, port=node.port, store_dir=str(node.folder / "jetstream"),
                partitions=partitions, cluster_name=CLUSTER_NAME if clustered else None,
                cluster_port=node.cluster_port, routes=routes, monitor_port=node.monitor_port,
            ))  # fmt: skip
        cluster = cls(members, partitions)
        try:
            for node in members:
                node.launch()
            cluster.wait_ready()
        except BaseException:
            cluster.stop()
            raise
        return cluster

    @property
    def urls(self) -> list[str]:
        """Client URLs of every node, running or not."""
        return [node.url for node in self.nodes]

    def kill(self, i: int) -> None:
        """SIGKILL node ``i`` (no clean shutdown: what a crash or power loss looks like)."""
        self.nodes[i].kill()

    def restart(self, i: int, *, wait: bool = True) -> None:
        """Start node ``i`` again on the same ports and store; wait until the cluster is ready."""
        self.nodes[i].kill()
        self.nodes[i].launch()
        if wait:
            self.wait_ready()

    def stop(self) -> None:
        """Kill every node and wait for each to exit."""
        for node in self.nodes:
            node.kill()

    def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:
        """Until every running node serves JetStream and, in a cluster, all agree on a meta
        leader that sees every running peer as current."""
        deadline = time.monotonic() + timeout
        state: dict[str, object] = {}
        while time.monotonic() < deadline:
            for node in self.nodes:
                if node.process is not None and node.process.poll() is not None:
                    raise AssertionError(
                        f"{NATS_SERVER} ({node.name}, {node.conf}) exited with "
                        f"{node.process.returncode}:\n{log_tail(node.log)}"
                    )
            problem = self._not_ready(state)
            if problem is None:
                return
            state["problem"] = problem
            time.sleep(0.1)
        tails = "\n".join(f"--- {n.name} ({n.log}):\n{log_tail(n.log)}" for n in self.nodes)
        raise AssertionError(
            f"{NATS_SERVER}: cluster of {len(self.nodes)} not ready after {timeout:.0f} s "
            f"({state.get('problem')}); last /jsz: {state.get('jsz')}\n{tails}"
        )

    def _not_ready(self, state: dict[str, object]) -> str | None:
        running = [node for node in self.nodes if node.running()]
        leaders = set()
        for node in running:
            health = node.monitor("healthz")
            if health is None or health.get("status") != "ok":
                return f"{node.name} /healthz: {health}"
            if len(self.nodes) == 1:
                continue
            jsz = node.monitor("jsz")
            state["jsz"] = jsz
            meta = (jsz or {}).get("meta_cluster") or {}
            if not meta.get("leader"):
                return f"{node.name} knows no meta leader"
            leaders.add(meta["leader"])
            if meta["leader"] == node.name:
                current = {p["name"] for p in meta.get("replicas") or [] if p.get("current")}
                missing = {n.name for n in running if n is not node} - current
                if missing:
                    return f"meta leader {node.name} does not yet see {sorted(missing)} current"
        if leaders - {node.name for node in running}:
            # Survivors of a killed leader remember it until they elect a new one.
            return f"meta leader {sorted(leaders)} is not running"
        if len(leaders) > 1:
            return f"nodes disagree on the meta leader: {sorted(leaders)}"
        if len(self.nodes) > 1 and not leaders:
            return "no running node"
        return None

    def __enter__(self) -> NatsCluster:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextmanager
def nats_cluster(nodes: int, partitions: int, tmp: Path) -> Iterator[NatsCluster]:
    """``with nats_cluster(3, 8, tmp_path) as cluster: ...``, stopped on the way out; a fixture
    does ``with nats_cluster(...) as cluster: yield cluster``."""
    cluster = NatsCluster.start(nodes, partitions, tmp)
    try:
        yield cluster
    finally:
        cluster.stop()
