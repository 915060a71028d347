"""A real FreeTAKServer (from PyPI) for the tests, in a virtual environment of its own.

FreeTAKServer 2.2.1 runs only with OpenTelemetry pinned to 1.24.0 and brings dozens of pinned
packages of its own, so it never shares mda's environment. The environment is made once (about
half a minute from PyPI) at ``MDA_FTS_VENV``, else ``~/.cache/mda/freetakserver-2.2.1``, and
reused. The server keeps its persistence in ``/opt/fts`` (hard-wired in FreeTAKServer; its
database of clients goes to the test's own folder) and listens on its fixed ports besides the
CoT port given here: 8080, 8443, 8089, 19023, 9000 and internal ones from 19030."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

PACKAGES = ("FreeTAKServer==2.2.1", "opentelemetry-sdk==1.24.0", "opentelemetry-api==1.24.0")
VENV = Path(
    os.environ.get("MDA_FTS_VENV", Path.home() / ".cache" / "mda" / "freetakserver-2.2.1")
)
START_TIMEOUT_S = 180.0


def fts_python() -> Path:
    """The environment's interpreter, the environment made first if it is not there."""
    python = VENV / "bin" / "python"
    probe = [str(python), "-c", "import FreeTAKServer"]
    if python.exists() and subprocess.run(probe, check=False, capture_output=True).returncode == 0:
        return python
    made = subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)],
                          check=False, capture_output=True, text=True)  # fmt: skip
    installed = made.returncode == 0 and subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", *PACKAGES],
        check=False, capture_output=True, text=True,
    )  # fmt: skip
    if not installed or installed.returncode != 0:
        output = (installed or made).stderr[-2000:]
        raise AssertionError(f"could not install FreeTAKServer into {VENV}: {output}")
    return python


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def log_tail(log: Path, chars: int = 3000) -> str:
    return log.read_text(errors="replace")[-chars:] if log.exists() else "(no log)"


@contextlib.contextmanager
def freetakserver(folder: Path) -> Iterator[tuple[int, Path]]:
    """A running FreeTAKServer: its CoT (TCP) port and its log. Stopped, with every process it
    started (its own process group), on the way out."""
    python = fts_python()
    folder.mkdir(parents=True, exist_ok=True)
    port, log = free_port(), folder / "fts.log"
    env = {**os.environ, "FTS_FIRST_START": "false", "FTS_COT_PORT": str(port),
           "FTS_COT_TO_DB": "false", "FTS_DB_PATH": str(folder / "FTSDataBase.db")}  # fmt: skip
    with log.open("wb") as out:
        server = subprocess.Popen(
            [str(python), "-m", "FreeTAKServer.controllers.services.FTS", "-AutoStart", "True"],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env,
            cwd=folder, start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _accepts(port):
            if server.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"FreeTAKServer did not open its CoT port {port}:\n"
                                     f"{log_tail(log)}")  # fmt: skip
            time.sleep(0.5)
        yield port, log
    finally:
        _stop(server)


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0):
            return True
    except OSError:
        return False


def _stop(server: subprocess.Popen[bytes]) -> None:
    """Stop the server's process group: its workers are processes of their own."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        server.wait(10.0)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.pid, signal.SIGKILL)  # workers that outlived the leader
    server.wait()
