"""``host:port`` as people write it in URLs and settings."""

from __future__ import annotations

import re

_PORT = re.compile(r"[0-9]{1,5}")
_BRACKETED = re.compile(r"\[([0-9A-Fa-f:.]+(?:%[\w.-]+)?)\](?::(.*))?")


def parse_host_port(
    text: str, *, default_host: str | None = None, default_port: int | None = None
) -> tuple[str, int]:
    """``host:port`` or ``[ipv6]:port`` as (host, port), brackets removed.

    The host may be left out (``:port``) when there is a ``default_host`` (a listener's "every
    interface"), the port (``host``) when there is a ``default_port`` (a protocol's usual
    one). Port 0 is allowed: a listener's "any free port". ValueError, with one line that
    says what is wrong, for anything else; an IPv6 address needs its brackets, since its own
    colons would make the port ambiguous.
    """
    bracketed = _BRACKETED.fullmatch(text)
    if bracketed is not None:
        host, port_text = bracketed[1], bracketed[2]
    elif "[" in text or "]" in text:
        raise ValueError("an IPv6 address is written in brackets: [::1]:port")
    else:
        host, colon, port_text = text.partition(":")
        if not colon:
            port_text = None
        elif ":" in port_text:
            raise ValueError("an IPv6 address needs brackets: [::1]:port")
    host = host or (default_host or "")
    if not host:
        raise ValueError("a host is required")
    if re.search(r"[\s/@?#]", host):
        raise ValueError(f"{host!r} is not a host name or address")
    if port_text is None and default_port is not None:
        return host, default_port
    if not port_text:
        raise ValueError("a port number is required (host:port)")
    if not _PORT.fullmatch(port_text) or int(port_text) > 65535:
        raise ValueError(f"{port_text!r} is not a port number (0 to 65535)")
    return host, int(port_text)
