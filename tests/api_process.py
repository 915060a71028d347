"""The API as a process of its own (``mda api serve`` over a real store), and a raw HTTP/1.1
client that can send more than a server should take: memory is measured on the server alone
(its peak RSS, ``VmHWM``), and what the server refused to read shows in what the client could
not send."""

from __future__ import annotations

import contextlib
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from mda.api.tokens import TokenStore

ENTRY = "import mda.cli; mda.cli.main()"
_LISTENING = re.compile(r"API on (http://[^/\s]+)/")
MIB = 1 << 20


@dataclass
class ApiProcess:
    """A running ``mda api serve``."""

    process: subprocess.Popen[str]
    url: str
    tokens: dict[str, str]

    @property
    def address(self) -> tuple[str, int]:
        """Host and port."""
        host, _, port = self.url.removeprefix("http://").rpartition(":")
        return host, int(port)

    def peak_rss(self) -> int:
        """The process's highest resident memory so far, in bytes."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        (kib,) = re.findall(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
        return int(kib) * 1024


@contextlib.contextmanager
def api_process(
    tmp_path: Path, database: str, env: dict[str, str] | None = None
) -> Iterator[ApiProcess]:
    """``mda api serve`` on a free loopback port, with an analyst's token (``env``: the
    process's environment, default this one's)."""
    tokens_file = tmp_path / "tokens.json"
    tokens = {"analyst": TokenStore(tokens_file).add("analyst", "analyst")}
    process = subprocess.Popen(
        [sys.executable, "-c", ENTRY, "api", "serve", "--database", database, "--listen",
         "127.0.0.1:0", "--tokens-file", str(tokens_file)],
        stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,  # mda as installed (or env's)
    )  # fmt: skip
    try:
        assert process.stderr is not None
        seen = []
        for line in process.stderr:
            seen.append(line)
            found = _LISTENING.search(line)
            if found:
                break
        else:
            raise AssertionError(f"mda api serve did not start: {''.join(seen)}")
        # Keep reading its stderr, so that a chatty server never blocks on a full pipe.
        drain = threading.Thread(target=process.stderr.read, daemon=True)
        drain.start()
        yield ApiProcess(process, found.group(1), tokens)
    finally:
        process.terminate()
        process.wait(30)


@dataclass
class Exchange:
    """What came of one request: the answer's head and how much of the body went out."""

    status: int | None
    head: str
    body: bytes
    sent_bytes: int


def post_flood(
    address: tuple[str, int], path: str, total_bytes: int, *, chunked: bool = False,
    headers: dict[str, str] | None = None,
) -> Exchange:  # fmt: skip
    """POST ``total_bytes`` of JSON-looking filler to ``path``, announced by Content-Length
    (or sent chunked), sending until the server answers or closes; then read its answer."""
    lines = [f"POST {path} HTTP/1.1", f"Host: {address[0]}", "Content-Type: application/json"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    lines.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {total_bytes}")
    piece = b"[" + b"1," * (MIB // 2 - 1) + b"1]"  # one MiB of a valid JSON array
    sent = 0
    with socket.create_connection(address, timeout=60) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        sock.setblocking(False)
        answer = b""
        try:
            while sent < total_bytes:
                answer += _read_some(sock)
                if b"\r\n\r\n" in answer:
                    break  # answered: a polite client stops sending
                data = piece[: total_bytes - sent]
                frame = f"{len(data):x}\r\n".encode() + data + b"\r\n" if chunked else data
                sock.settimeout(10)
                sock.sendall(frame)
                sock.setblocking(False)
                sent += len(data)
            if chunked and sent >= total_bytes:
                sock.settimeout(10)
                sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            pass  # the server stopped reading and closed: what it should do with a flood
        sock.settimeout(60)
        with contextlib.suppress(ConnectionResetError, TimeoutError):
            while b"\r\n\r\n" not in answer or not _complete(answer):
                more = sock.recv(65536)
                if not more:
                    break
                answer += more
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].decode("latin-1")
    status = int(status_line.split()[1]) if status_line.startswith("HTTP/") else None
    return Exchange(status, head.decode("latin-1"), body, sent)


def _read_some(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except BlockingIOError:
        return b""


def _complete(answer: bytes) -> bool:
    head, _, body = answer.partition(b"\r\n\r\n")
    found = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    return found is not None and len(body) >= int(found.group(1))
