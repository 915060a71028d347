"""A throwaway certificate authority for the TLS tests of partner feeds (TAK and Mosquitto),
made with the openssl command line; and a check that Python's TLS accepts what it makes."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path

_EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]


@dataclass(frozen=True)
class Pki:
    """A CA, a server certificate for 127.0.0.1/localhost, and a client certificate."""

    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path

    def server_context(self, *, require_client: bool = False) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(self.ca))
        context.load_cert_chain(self.server_cert, self.server_key)
        context.verify_mode = ssl.CERT_REQUIRED if require_client else ssl.CERT_NONE
        return context


def _openssl(*args: str, cwd: Path) -> None:
    if shutil.which("openssl") is None:
        raise AssertionError("these tests need the openssl command line tool (apt install openssl)")
    done = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode:
        raise AssertionError(f"openssl {args[0]} failed: {done.stderr}")


def _issue(folder: Path, name: str, subject: str, extensions: str) -> None:
    _openssl("req", *_EC, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", subject,
             cwd=folder)  # fmt: skip
    (folder / f"{name}.ext").write_text(extensions)
    _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
             "-CAcreateserial", "-days", "2", "-out", f"{name}.pem", "-extfile", f"{name}.ext",
             cwd=folder)  # fmt: skip


def make_pki(folder: Path) -> Pki:
    """A fresh CA and certificates in ``folder`` (valid for two days)."""
    folder.mkdir(parents=True, exist_ok=True)
    _openssl("req", "-x509", *_EC, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
             "-subj", "/CN=mda test CA", "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=folder)  # fmt: skip
    common = (
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
        "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid,issuer\n"
    )
    _issue(folder, "server", "/CN=localhost", common + "extendedKeyUsage=serverAuth\n"
           "subjectAltName=DNS:localhost,IP:127.0.0.1\n")  # fmt: skip
    _issue(folder, "client", "/CN=mda-feeds", common + "extendedKeyUsage=clientAuth\n")
    return Pki(folder / "ca.pem", folder / "server.pem", folder / "server.key",
               folder / "client.pem", folder / "client.key")  # fmt: skip


async def test_the_test_ca_makes_a_chain_python_tls_verifies(tmp_path: Path) -> None:
    pki = make_pki(tmp_path)
    peer: asyncio.Future[object] = asyncio.get_running_loop().create_future()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer.set_result(writer.get_extra_info("peercert"))
        writer.close()

    server = await asyncio.start_server(
        serve, "127.0.0.1", 0, ssl=pki.server_context(require_client=True)
    )
    port = server.sockets[0].getsockname()[1]
    client = ssl.create_default_context(cafile=str(pki.ca))
    client.load_cert_chain(pki.client_cert, pki.client_key)
    _, writer = await asyncio.open_connection("127.0.0.1", port, ssl=client)
    certificate = await peer
    writer.close()
    server.close()
    await server.wait_closed()
    assert "mda-feeds" in repr(certificate)
