"""``mda feeds``: check partner feed definitions and make the broker's access files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from mda.feeds.acl import (
    ACL_FILE,
    BROKER_GROUP,
    PASSWORD_FILE,
    PBKDF2_ITERATIONS,
    broker_files,
    read_acl_file,
    read_password_file,
    read_secrets,
    write_broker_files,
)
from mda.settings.feed_spec import FeedSpec

app = typer.Typer(help="Partner feeds: check their definitions, make the broker's access files.",
                  no_args_is_help=True)  # fmt: skip

FeedsOption = Annotated[
    Path, typer.Option("--feeds", "-f", help="The feeds file ([feeds.<partner>] tables); the "
                       "service configuration works too.")
]  # fmt: skip


@app.command()
def acl(
    feeds: FeedsOption,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for 'passwd' and 'acl'.")],
    secrets: Annotated[
        Path | None,
        typer.Option(
            help='TOML file with a [passwords] table (user = "password"); users it '
            "does not name keep their entry in OUT/passwd, or get a new password."
        ),
    ] = None,
    rotate: Annotated[
        bool, typer.Option(help="New passwords for users the secrets file does not name.")
    ] = False,
    iterations: Annotated[
        int, typer.Option(min=1, help="PBKDF2-SHA512 iterations of the password hashes.")
    ] = PBKDF2_ITERATIONS,
    group: Annotated[
        str | None,
        typer.Option(
            help="Group of the written files (mode 0640), the one the broker runs as; "
            f"default '{BROKER_GROUP}' when this machine has it."
        ),
    ] = None,
) -> None:
    """Write a Mosquitto password file and ACL: each partner reads only its own feed; the
    watch consoles of [feeds.consoles] read the alerts (and, role watch, acknowledge them).

    Passwords made here are printed once on stdout (user, a tab, the password) and stored only
    as hashes: hand them to the partners now. Point Mosquitto at the files with
    'password_file', 'acl_file' and 'allow_anonymous false'.
    """
    from mda.settings.feeds import load_feeds

    config = load_feeds(feeds)
    passwords = read_secrets(secrets) if secrets is not None else {}
    files = broker_files(config, passwords, read_password_file(out / PASSWORD_FILE),
                         rotate=rotate, iterations=iterations,
                         existing_acl=read_acl_file(out / ACL_FILE))  # fmt: skip
    passwd, acl_path, given = write_broker_files(out, files, group or BROKER_GROUP,
                                                 required=group is not None)  # fmt: skip
    for user, password in files.generated.items():
        typer.echo(f"{user}\t{password}")
    typer.echo(f"wrote {passwd} and {acl_path} for {len(config.feeds)} partner feed(s) and "
               f"{len(config.consoles)} watch console(s)", err=True)  # fmt: skip
    if given is not None:
        typer.echo(f"both mode 0640, group {given}: the broker's group may read them", err=True)
    else:
        typer.echo(f"both mode 0640 with this user's group (no group '{BROKER_GROUP}' here, or "
                   "this user may not give files to it); "
                   "give them the broker's with --group", err=True)  # fmt: skip
    if files.kept:
        typer.echo(f"kept the existing passwords of: {', '.join(files.kept)}", err=True)
    if files.generated:
        typer.echo("new passwords are above, shown this once: they are stored only as hashes",
                   err=True)  # fmt: skip
    if files.foreign:
        typer.echo(f"kept users mda does not manage, with their ACL lines: "
                   f"{', '.join(files.foreign)}", err=True)  # fmt: skip
    if files.removed:
        typer.echo(f"removed users without a feed: {', '.join(files.removed)}", err=True)


@app.command()
def check(
    feeds: FeedsOption,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            help="Service configuration: its zone and rule folders "
            "are what feed zones and rules are checked against.",
        ),
    ] = None,
) -> None:
    """Validate the feeds against the zones and rules, and say what each partner receives."""
    from mda.config import load_config
    from mda.rules.settings import load_rule_files
    from mda.settings.feeds import check_feeds, load_feeds
    from mda.zones.catalog import ZoneCatalog

    service = load_config(config)
    definitions = load_feeds(feeds)
    catalog = ZoneCatalog.load(service.zone_paths())
    rules = {spec.scope.name for spec in load_rule_files(service.rule_paths())}
    check_feeds(definitions, {z.id: z for z in catalog}, rules)
    for spec in definitions.feeds:
        typer.echo(describe(spec))


def describe(spec: FeedSpec) -> str:
    """One line per aspect of what a partner receives."""
    waters = [*sorted(spec.zones), *(f"kind:{k}" for k in sorted(spec.zone_kinds))]
    if spec.bbox is not None:
        waters.append(f"box {list(spec.bbox)}")
    if spec.area is not None:
        waters.append("its area")
    types = spec.ship_types
    if types.everything:
        type_text = "every ship type"
    else:
        named = [str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in types.ranges]
        type_text = "ship types " + ", ".join(named + (["unknown"] if types.unknown else []))
    precision = spec.precision
    rounding = (
        f"{precision.decimals} decimals" if precision.decimals is not None
        else f"{precision.metres:g} m" if precision.metres is not None else "as received"
    )  # fmt: skip
    rules = "every rule" if "*" in spec.rules else ", ".join(sorted(spec.rules)) or "none"
    lines = [
        f"[feeds.{spec.partner}] {', '.join(spec.formats)}"
        + (f" (TAK {spec.tak.url})" if spec.tak else ""),
        f"  waters: {', '.join(waters) if waters else 'everywhere'}; {type_text}",
        f"  never: {len(spec.never_share.mmsi)} MMSI, {len(spec.never_share.imo)} IMO; "
        f"always: {len(spec.always_share.mmsi)} MMSI, {len(spec.always_share.imo)} IMO",
        f"  alerts: {rules}; positions {rounding}, delayed {spec.delay_s / 60:g} min",
    ]
    return "\n".join(lines)
