"""Pictures of the store, drawn offline with matplotlib on the land, sea areas, cables and ports
mda ships: ``track``, ``zone``, ``alerts`` and ``density`` each return a matplotlib Figure, so a
notebook shows it inline and ``figure.savefig("x.png")`` (or .svg, .pdf) writes it.

    >>> import mda.plot
    >>> mda.plot.track("postgresql://localhost/mda", "MAERSK VISUAL", "2011-07-26", "2011-07-27")

The store is a PostgreSQL URL or an open ``Queries``; times are aware datetimes (naive ones are
UTC), epoch seconds or the command line's texts (ISO 8601, a date). The drawing itself is in
``mda.plot.figures`` (data in, Figure out).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeAlias

from mda.errors import ConfigError
from mda.plot.basemap import Basemap, default_basemap
from mda.plot.figures import alerts_figure, density_figure, track_figure, zone_figure
from mda.store.density import DEFAULT_MAX_GAP_S, DensityFilter
from mda.store.queries import Queries
from mda.store.timeargs import as_utc, parse_time
from mda.zones import ZoneCatalog

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["alerts", "alerts_figure", "density", "density_figure", "track", "track_figure",
           "zone", "zone_figure"]  # fmt: skip

Store: TypeAlias = "str | Queries"
Time: TypeAlias = "datetime | float | str"


def track(
    store: Store, vessel: int | str, start: Time, end: Time, *, gap_s: float = 1800.0,
    zones: ZoneCatalog | None = None,
) -> Figure:  # fmt: skip
    """A vessel's track (MMSI, IMO or name) in ``[start, end)``, coloured by speed."""
    since, until = _times(start, end)
    with _queries(store, zones) as queries:
        positions = queries.track(vessel, since, until, gap_s=gap_s)
        basemap = _basemap(queries)
        names = queries.fetch("SELECT shipname FROM vessels WHERE mmsi = ANY($1)",
                              (sorted(set(positions["mmsi"].to_list())) or [-1],))  # fmt: skip
    label = ", ".join(sorted({str(n).strip() for n in names["shipname"].drop_nulls()}))
    mmsis = ", ".join(str(m) for m in sorted(set(positions["mmsi"].to_list())))
    title = f"Track of {label + ' ' if label else ''}(MMSI {mmsis or vessel})"
    return track_figure(positions, basemap, since, until, title=title)


def zone(store: Store, zone_id: str, start: Time, end: Time, *,
         zones: ZoneCatalog | None = None) -> Figure:  # fmt: skip
    """A zone's traffic in ``[start, end)``: the tracks inside it and vessels per hour."""
    since, until = _times(start, end)
    with _queries(store, zones) as queries:
        found = queries.zones.get(zone_id)
        if found is None:
            raise ConfigError(f"unknown zone {zone_id!r} (see mda zones list)")
        positions = queries.positions_in(zone_id, since, until, vessels_only=True)
        traffic = queries.traffic(zone_id, since, until)
        basemap = _basemap(queries)
    return zone_figure(found, positions, traffic, basemap, since, until)


def alerts(
    store: Store, start: Time, end: Time, *, rule: str | list[str] | None = None,
    severity: str | list[str] | None = None, zones: ZoneCatalog | None = None,
) -> Figure:  # fmt: skip
    """The alerts alive in ``[start, end)`` where they were raised."""
    since, until = _times(start, end)
    with _queries(store, zones) as queries:
        found = queries.alerts(since, until, rule=rule, severity=severity)
        basemap = _basemap(queries)
        by_id = {z.id: z for z in queries.zones}
    return alerts_figure(found, basemap, since, until, zones=by_id)


def density(
    store: Store, start: Time, end: Time, *, cell_deg: float = 0.1,
    where: DensityFilter | None = None, max_gap_s: float = DEFAULT_MAX_GAP_S,
    zones: ZoneCatalog | None = None,
) -> Figure:  # fmt: skip
    """Vessel-hours per cell of ``cell_deg`` degrees in ``[start, end)``."""
    from mda.store.density import density as cells_of

    since, until = _times(start, end)
    with _queries(store, zones) as queries:
        cells = cells_of(queries, since, until, cell_deg=cell_deg, where=where,
                         max_gap_s=max_gap_s)  # fmt: skip
        basemap = _basemap(queries)
    return density_figure(cells, cell_deg, basemap, since, until)


def _times(start: Time, end: Time) -> tuple[datetime, datetime]:
    now = datetime.now(UTC)  # only for relative texts such as "-6h"
    return tuple(  # type: ignore[return-value]
        parse_time(t, now=now) if isinstance(t, str) else as_utc(t) for t in (start, end)
    )


def _basemap(queries: Queries) -> Basemap:
    return default_basemap(queries.zones)


@contextmanager
def _queries(store: Store, zones: ZoneCatalog | None) -> Iterator[Queries]:
    if isinstance(store, Queries):
        yield store
        return
    with Queries(store, zones=zones) as queries:
        yield queries
