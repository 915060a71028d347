"""Partner feed definitions: one ``[feeds.<partner>]`` table per partner navy.

The tables live in a ``feeds.toml`` of their own or in the service configuration; both read
the same way. Settings that are not tables in ``[feeds]`` are shared by every feed::

    [feeds]
    topic_prefix = "mda"              # MQTT topics: {prefix}/feeds/{partner}/...
    service_user = "mda"              # the broker user mda publishes as (for `mda feeds acl`)

    [feeds.consoles]                  # watch consoles `mda feeds acl` manages (not a partner)
    console1 = "watch"                # reads {prefix}/alerts/# and acknowledges
    wall = "viewer"                   # reads the alerts only

    [feeds.navy-a]
    formats = ["mqtt", "cot"]
    zone_kinds = ["cable"]
    bbox = [32.0, 11.0, 44.0, 30.0]   # west, south, east, north (degrees)
    ship_types = ["70-89"]
    never_share = { mmsi = [211000001] }
    rules = ["cable_threat"]
    round_m = 500
    delay_minutes = 15

Every mistake is one :class:`ConfigError` naming the file, the table and the key. Anything
left out shares less, never more: no ``rules`` means no alerts, ``ship_types`` admits only the
listed types (vessels of unknown type only with ``"unknown"``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any, Final

import shapely
from shapely.geometry.base import BaseGeometry

from mda.errors import ConfigError, MdaError
from mda.net.address import parse_host_port
from mda.settings.checks import check_known, is_number, is_whole, typed
from mda.settings.feed_spec import (
    AFFILIATIONS,
    CONSOLE_ROLES,
    CONSOLES_TABLE,
    FEED_FORMATS,
    PARTNER_NAME,
    FeedsConfig,
    FeedSpec,
    Precision,
    TakServer,
)
from mda.settings.ship_types import parse_ship_types
from mda.settings.tomlfile import read_toml
from mda.settings.vessel_lists import parse_vessel_table
from mda.zones.catalog import load_file
from mda.zones.model import ZONE_KINDS

MAX_DECIMALS: Final = 6  # the alert contract's precision: rounding to more changes nothing
_SHARED_KEYS: Final = ("file", "topic_prefix", "service_user", "service_read")
_PARTNER_KEYS: Final = (
    "formats", "zones", "zone_kinds", "bbox", "area", "ship_types", "never_share",
    "always_share", "rules", "round_decimals", "round_m", "delay_minutes", "affiliation",
    "alert_strip", "cot",
)  # fmt: skip
_COT_KEYS: Final = (
    "url", "ca_file", "cert_file", "key_file", "server_hostname", "events_per_s",
)  # fmt: skip


def load_feeds(path: Path) -> FeedsConfig:
    """The feeds of a TOML file with ``[feeds.<partner>]`` tables (a feeds.toml, or the
    service configuration)."""
    document = read_toml(path)
    return parse_feeds(document.get("feeds", {}), str(path), path.parent)


def parse_feeds(table: Any, where: str, base: Path) -> FeedsConfig:
    """Feeds from the ``feeds`` table of a parsed document; ``where`` names the file in errors
    and ``base`` is the folder relative paths (areas, TLS files) start from.

    ``[feeds] file = "feeds.toml"`` (in the service configuration) reads the feeds from a file
    of their own instead."""
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [feeds] must be a table")
    shared = {k: v for k, v in table.items() if not isinstance(v, dict)}
    check_known(shared, _SHARED_KEYS, f"{where}: [feeds] ",
                hint="; a partner's feed is a table, [feeds.<partner>]")  # fmt: skip
    if "file" in shared:
        if len(table) > 1:
            raise ConfigError(f"{where}: [feeds] file: the feeds are in that file; nothing else "
                              "goes in [feeds] beside it")  # fmt: skip
        path = base / typed(shared["file"], str, f"{where}: [feeds] file")
        inner = read_toml(path).get("feeds")
        if not isinstance(inner, dict) or "file" in inner:
            raise ConfigError(f"{where}: [feeds] file: {path} must hold [feeds.<partner>] tables")
        return parse_feeds(inner, str(path), path.parent)
    prefix = typed(shared.get("topic_prefix", "mda"), str, f"{where}: [feeds] topic_prefix")
    if not prefix or any(c in prefix for c in "+#") or prefix.startswith("/"):
        raise ConfigError(f"{where}: [feeds] topic_prefix: {prefix!r} is not a topic prefix")
    service_user = typed(shared.get("service_user", "mda"), str,
                         f"{where}: [feeds] service_user")
    if not PARTNER_NAME.fullmatch(service_user):
        raise ConfigError(f"{where}: [feeds] service_user: {service_user!r} is not a user name")
    read = typed(shared.get("service_read", [f"{prefix}/ack/#"]), list,
                 f"{where}: [feeds] service_read")
    feeds = []
    consoles: tuple[tuple[str, str], ...] = ()
    for partner, spec in table.items():
        if not isinstance(spec, dict):
            continue
        if partner == CONSOLES_TABLE:
            consoles = _consoles(spec, where)
            continue
        if not PARTNER_NAME.fullmatch(partner):
            raise ConfigError(
                f"{where}: [feeds.{partner}]: a partner name is letters, digits, '-' and '_'"
            )
        if partner == service_user:
            raise ConfigError(f"{where}: [feeds.{partner}]: the name of the service user")
        feeds.append(_feed(partner, spec, where, base))
    taken = {service_user, *(f.partner for f in feeds)}
    for user, _ in consoles:
        if user in taken:
            raise ConfigError(f"{where}: [feeds.consoles] {user}: already the name of the "
                              "service user or of a partner")  # fmt: skip
    return FeedsConfig(tuple(feeds), prefix, service_user, tuple(read), where, consoles)


def _consoles(table: Mapping[str, Any], where: str) -> tuple[tuple[str, str], ...]:
    """``[feeds.consoles]``: broker user = role, for the watch consoles mda manages."""
    out = []
    for user, role in table.items():
        if not PARTNER_NAME.fullmatch(user):
            raise ConfigError(f"{where}: [feeds.consoles] {user!r}: a user name is letters, "
                              "digits, '-' and '_'")  # fmt: skip
        if role not in CONSOLE_ROLES:
            raise ConfigError(f"{where}: [feeds.consoles] {user}: role {role!r} is not one of "
                              f"{', '.join(CONSOLE_ROLES)}")  # fmt: skip
        out.append((user, str(role)))
    return tuple(out)


def _feed(partner: str, table: dict[str, Any], where: str, base: Path) -> FeedSpec:
    label = f"[feeds.{partner}]"
    check_known(table, _PARTNER_KEYS, f"{where}: {label} ")
    formats: list[str] = typed(table.get("formats", []), list, f"{where}: {label} formats")
    if not formats:
        raise ConfigError(f"{where}: {label} formats: required, one or more of "
                          f"{', '.join(FEED_FORMATS)}")  # fmt: skip
    for name in formats:
        if name not in FEED_FORMATS:
            raise ConfigError(f"{where}: {label} formats: {name!r} is not one of "
                              f"{', '.join(FEED_FORMATS)}")  # fmt: skip
    kinds = typed(table.get("zone_kinds", []), list, f"{where}: {label} zone_kinds")
    for kind in kinds:
        if kind not in ZONE_KINDS:
            raise ConfigError(f"{where}: {label} zone_kinds: {kind!r} is not a zone kind "
                              f"({', '.join(sorted(ZONE_KINDS))})")  # fmt: skip
    precision = _precision(table, where, label)
    delay = typed(table.get("delay_minutes", 0.0), float, f"{where}: {label} delay_minutes")
    if delay < 0:
        raise ConfigError(f"{where}: {label} delay_minutes: must not be negative")
    if "nmea" in formats and (not precision.exact or delay > 0):
        raise ConfigError(
            f"{where}: {label} formats: raw 'nmea' sentences are passed unaltered and cannot be "
            "rounded or delayed; drop round_decimals/round_m/delay_minutes, or give the "
            "redacted data in 'mqtt' or 'cot' only"
        )
    affiliation = typed(table.get("affiliation", "u"), str, f"{where}: {label} affiliation")
    if affiliation not in AFFILIATIONS:
        raise ConfigError(f"{where}: {label} affiliation: {affiliation!r} is not a CoT "
                          f"affiliation ({', '.join(sorted(AFFILIATIONS))})")  # fmt: skip
    tak = _tak(table.get("cot"), where, label, base)
    if ("cot" in formats) != (tak is not None):
        raise ConfigError(f"{where}: {label} cot: a [feeds.{partner}.cot] table with the TAK "
                          "server's url goes with the 'cot' format, and only with it")  # fmt: skip
    return FeedSpec(
        partner=partner,
        formats=tuple(formats),
        zones=frozenset(typed(table.get("zones", []), list, f"{where}: {label} zones")),
        zone_kinds=frozenset(kinds),
        bbox=_bbox(table.get("bbox"), where, label),
        area=_area(table.get("area"), where, label, base),
        ship_types=parse_ship_types(table.get("ship_types"), f"{where}: {label} ship_types"),
        never_share=parse_vessel_table(table.get("never_share"),
                                       f"{where}: {label} never_share"),
        always_share=parse_vessel_table(table.get("always_share"),
                                        f"{where}: {label} always_share"),
        rules=frozenset(typed(table.get("rules", []), list, f"{where}: {label} rules")),
        precision=precision,
        delay_s=delay * 60.0,
        affiliation=affiliation,
        alert_strip=tuple(typed(table.get("alert_strip", []), list,
                                f"{where}: {label} alert_strip")),
        tak=tak,
    )  # fmt: skip


def _precision(table: dict[str, Any], where: str, label: str) -> Precision:
    decimals = table.get("round_decimals")
    metres = table.get("round_m")
    if decimals is not None and metres is not None:
        raise ConfigError(f"{where}: {label} round_m: give round_decimals or round_m, not both")
    if decimals is not None:
        if not is_whole(decimals) or not 0 <= decimals <= MAX_DECIMALS:
            raise ConfigError(f"{where}: {label} round_decimals: expected a whole number "
                              f"0-{MAX_DECIMALS}, got {decimals!r}")  # fmt: skip
        return Precision(decimals=decimals)
    if metres is not None:
        value = typed(metres, float, f"{where}: {label} round_m")
        if value <= 0:
            raise ConfigError(f"{where}: {label} round_m: must be more than 0 m")
        return Precision(metres=value)
    return Precision()


def _bbox(value: Any, where: str, label: str) -> tuple[float, float, float, float] | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != 4 or not all(is_number(v) for v in value):
        raise ConfigError(f"{where}: {label} bbox: expected [west, south, east, north], "
                          f"got {value!r}")  # fmt: skip
    west, south, east, north = (float(v) for v in value)
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south < north <= 90):
        raise ConfigError(f"{where}: {label} bbox: {value!r} is not [west, south, east, north] "
                          "in degrees (west > east crosses the antimeridian)")  # fmt: skip
    return west, south, east, north


def _area(value: Any, where: str, label: str, base: Path) -> BaseGeometry | None:
    if value is None:
        return None
    path = base / typed(value, str, f"{where}: {label} area")
    try:
        zones = load_file(path)
    except MdaError as exc:
        raise ConfigError(f"{where}: {label} area: {exc}") from exc
    areas = [z.area for z in zones if z.area.area > 0]
    if not areas:
        raise ConfigError(f"{where}: {label} area: {path} has no polygon")
    area = shapely.union_all(areas)
    shapely.prepare(area)
    return area


def _tak(value: Any, where: str, label: str, base: Path) -> TakServer | None:
    if value is None:
        return None
    label = f"{label[:-1]}.cot]"
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: {label}: expected a table")
    check_known(value, _COT_KEYS, f"{where}: {label} ")
    url = typed(value.get("url"), str, f"{where}: {label} url")
    scheme, sep, address = url.partition("://")
    if not sep or scheme not in ("tcp", "tls", "ssl"):
        raise ConfigError(f"{where}: {label} url: {url!r} is not tcp://host:port or "
                          "tls://host:port")  # fmt: skip
    try:
        host, port = parse_host_port(address.removesuffix("/"))
    except ValueError as exc:
        raise ConfigError(f"{where}: {label} url: {url!r}: {exc}") from exc
    if port == 0:  # a listener's "any free port", never a server's
        raise ConfigError(f"{where}: {label} url: {url!r}: port 0 is not a server's port")
    tls = scheme != "tcp"
    files = {k: base / typed(value[k], str, f"{where}: {label} {k}")
             for k in _COT_KEYS[1:4] if k in value}  # fmt: skip
    if files and not tls:
        raise ConfigError(f"{where}: {label} url: TLS files are given, so the url must be tls://")
    if ("cert_file" in files) != ("key_file" in files):
        raise ConfigError(f"{where}: {label} key_file: a client certificate needs its key and "
                          "the key its certificate")  # fmt: skip
    hostname = value.get("server_hostname")
    rate = value.get("events_per_s")
    if rate is not None and (not is_number(rate) or not 0 < rate < float("inf")):
        raise ConfigError(f"{where}: {label} events_per_s: expected a positive number, "
                          f"got {rate!r}")  # fmt: skip
    return TakServer(
        host=host,
        port=port,
        tls=tls,
        ca_file=files.get("ca_file"),
        cert_file=files.get("cert_file"),
        key_file=files.get("key_file"),
        server_hostname=None if hostname is None else typed(hostname, str,
                                                            f"{where}: {label} server_hostname"),
        events_per_s=None if rate is None else float(rate),
    )  # fmt: skip


def check_feeds(
    feeds: FeedsConfig, zone_ids: Mapping[str, object], rules: Collection[str] | None
) -> None:
    """Names a feed uses must exist: its zones among the loaded zones and, when ``rules`` is
    given, its rules among the rule sets. A typo would silently share nothing."""
    for spec in feeds.feeds:
        label = f"[feeds.{spec.partner}]"
        for zone in sorted(spec.zones):
            if zone not in zone_ids:
                raise ConfigError(f"{feeds.where}: {label} zones: no loaded zone has the id "
                                  f"{zone!r}")  # fmt: skip
        if rules is not None:
            for rule in sorted(spec.rules - {"*"}):
                if rule not in rules:
                    raise ConfigError(f"{feeds.where}: {label} rules: no rule is named {rule!r} "
                                      f"(known: {', '.join(sorted(rules))})")  # fmt: skip
