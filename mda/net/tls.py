"""The client side of TLS: the server verified, and a client certificate when one is given."""

from __future__ import annotations

import ssl
from pathlib import Path

from mda.errors import ConfigError


def client_context(
    what: str,
    ca_file: str | Path | None = None,
    cert_file: str | Path | None = None,
    key_file: str | Path | None = None,
) -> ssl.SSLContext:
    """A context that verifies the server against ``ca_file`` (else the system's CAs) and
    presents ``cert_file`` (and its ``key_file``, unless the key is in it) when given.
    A file that cannot be read is a ConfigError naming ``what`` the files are for."""
    try:
        context = ssl.create_default_context(cafile=ca_file)
        if cert_file:  # an empty setting means none
            context.load_cert_chain(cert_file, key_file)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"TLS files for {what}: {exc}") from exc
    return context
