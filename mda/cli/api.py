"""``mda api``: tokens of the HTTP API, and an API over a store alone.

``mda api token add --role analyst --name alice`` prints the new token once (on stdout, so it
can be captured); only its digest is kept.

Token changes made here are written to the store's audit log (``api_audit``) like those made
through the API: the actor is the system user running the command, role ``cli``, from
``cli@<host>``. A token whose addition cannot be audited is taken back and not shown.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

# The roles' names are in the help of --role; the token store itself is imported when used.
from mda.api.roles import ROLE_NAMES

if TYPE_CHECKING:
    from mda.api.tokens import TokenStore

app = typer.Typer(help="The HTTP API: tokens, and serving a store.", no_args_is_help=True)
token_app = typer.Typer(help="Bearer tokens: add, list, revoke.", no_args_is_help=True)
app.add_typer(token_app, name="token")

AuditDatabase = Annotated[
    str | None,
    typer.Option("--database", "-d", envvar="MDA_DATABASE_URL",
                 help="The store whose audit log records the change (the service's)."),
]  # fmt: skip
TokensFile = Annotated[
    Path | None,
    typer.Option("--tokens-file", envvar="MDA_API_TOKENS_FILE",
                 help="The token file (default: beside the embedded database's data)."),
]  # fmt: skip


def _store(path: Path | None) -> TokenStore:
    from mda.api.tokens import TokenStore
    from mda.settings.places import default_tokens_file

    return TokenStore(path or default_tokens_file())


def _audit(database: str | None, action: str, target: str, details: dict[str, str]) -> None:
    """One audit row for a change made here (ServiceUnavailableError if it cannot be
    written); without a database, a warning that the change goes unrecorded."""
    import getpass
    import socket

    from mda.api.audit import AuditLog
    from mda.api.roles import Role
    from mda.api.tokens import Principal

    if database is None:
        typer.echo("mda: warning: not audited: give the service's database (--database or "
                   "MDA_DATABASE_URL) to record this change in its audit log",
                   err=True)  # fmt: skip
        return
    who = Principal(getpass.getuser(), Role("cli"), "-")

    async def write() -> None:
        audit = AuditLog(database)
        await audit.start()
        try:
            await audit.record(who, action, target, details, f"cli@{socket.gethostname()}")
        finally:
            await audit.close()

    asyncio.run(write())


@token_app.command("add")
def add(
    name: Annotated[str, typer.Option(help="Who the token is for (shown in the audit log).")],
    role: Annotated[str, typer.Option(help=f"One of {', '.join(ROLE_NAMES)}.")],
    tokens_file: TokensFile = None,
    database: AuditDatabase = None,
) -> None:
    """Make a token and print it, once: it is kept only as a digest. Audited."""
    from mda.api.roles import parse_role
    from mda.errors import MdaError

    store = _store(tokens_file)
    parsed = parse_role(role)
    token = store.add(name, parsed)
    try:
        _audit(database, "token add", name.strip(), {"role": str(parsed)})
    except MdaError:
        store.revoke(name.strip())  # a token nobody can account for is not handed out
        raise
    typer.echo(token)
    typer.echo(f"mda: token for {name} ({role}) added to {store.path}; it is shown only now",
               err=True)  # fmt: skip


@token_app.command("list")
def list_tokens(tokens_file: TokensFile = None) -> None:
    """List tokens: id, name, role, created (never the tokens)."""
    store = _store(tokens_file)
    records = store.records()
    for r in records:
        typer.echo(f"{r.token_id}  {r.name:<24} {r.role!s:<20} {r.created}")
    typer.echo(f"{len(records)} tokens in {store.path}", err=True)


@token_app.command("revoke")
def revoke(
    name: Annotated[str, typer.Argument(help="The token's name.")],
    tokens_file: TokensFile = None,
    database: AuditDatabase = None,
) -> None:
    """Revoke a token (a running service stops accepting it within a second). Audited."""
    store = _store(tokens_file)
    if not store.revoke(name):
        raise typer.BadParameter(f"no token is named {name!r} in {store.path}")
    typer.echo(f"mda: token {name} revoked", err=True)
    _audit(database, "token revoke", name, {})


@app.command("serve")
def serve(
    database: Annotated[str, typer.Option("--database", "-d", help="The store's PostgreSQL URL.")],
    listen: Annotated[str, typer.Option(help="host:port to answer on.")] = "127.0.0.1:8080",
    tokens_file: TokensFile = None,
) -> None:
    """Serve the API over a store alone (history, exports, stored alerts; no live picture)."""
    # The web stack is imported only here: token commands stay quick to start.
    from mda.api.app import build_api
    from mda.api.server import ApiServer
    from mda.api.tokens import TokenStore, prepare_tokens_file
    from mda.settings.api import ApiSettings
    from mda.settings.places import default_tokens_file

    settings = ApiSettings(listen=listen, tokens_file=tokens_file or default_tokens_file())
    prepare_tokens_file(settings.tokens_file)

    async def main() -> None:
        api = build_api(settings, TokenStore(settings.tokens_file), store_url=database)
        server = ApiServer(api, listen)
        await server.start()
        typer.echo(f"mda: API on {server.url}/docs (Ctrl-C stops)", err=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            await stop.wait()
        finally:
            await server.stop()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
