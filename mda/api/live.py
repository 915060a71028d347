"""The running pipeline as the API sees it: the live picture, current alerts, the stream.

The service hands :class:`LivePicture` what it already makes, and nothing waits on the API:

- right after every pipeline step and clock tick, the step's positions and static reports
  (:meth:`LivePicture.observe`), so that vessel updates stream out;
- what the process's partner feeds released from the step (:meth:`LivePicture.release`), for
  each partner's view: the partner sees through the API what its feed sends;
- every alert state change, as to any alert sink (:meth:`LivePicture.publish`).

Everything runs on the service's event loop, between pipeline steps, so the vessel state read
here is never half-updated. The picture is rebuilt at most once per ``refresh_s`` (and only
when something changed), whatever the request rate.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from mda.alerts.lifecycle import AlertNotFoundError
from mda.api.alertboard import CURRENT_STATES, AlertBoard
from mda.api.partners import PartnerView, PartnerViews
from mda.api.picture import Picture, VesselColumns, build_picture, shared_columns, vessel_columns
from mda.api.stream import StreamHub
from mda.errors import MdaError, ServiceUnavailableError
from mda.feeds.core import FeedRelease
from mda.model import VESSEL, Alert, Position, VesselStatic
from mda.pipeline import Pipeline
from mda.settings.feed_spec import FeedsConfig
from mda.timefmt import iso

log = logging.getLogger("mda.api")

OWN: Final = ""  # the audience of mda's own picture (partners are named)
ACK_TIMEOUT_S: Final = 10.0

# The service's way to acknowledge (Service.acknowledge): alert id, who, note. It applies the
# acknowledgement when the core is free and publishes the new state like any other.
AckRequest = Callable[[str, str, "str | None"], None]


class AlertConflictError(MdaError):
    """The alert is not in a state that allows this (already acknowledged, ended)."""


class NoSuchPartnerError(MdaError):
    """A partner token names a partner with no feed."""


@dataclass(slots=True)
class _Cached:
    picture: Picture | None = None
    version: tuple[float, ...] = ()
    built: float = float("-inf")
    building: asyncio.Future[Picture] | None = None


class LivePicture:
    """Vessels, alerts and stream clients of one running pipeline."""

    def __init__(
        self,
        pipeline: Pipeline,
        *,
        feeds: FeedsConfig | None = None,
        acknowledge: AckRequest | None = None,
        stream_buffer_bytes: int = 8 << 20,
        refresh_s: float = 1.0,
        vessel_update_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.pipeline = pipeline
        self.zone_ids = list(pipeline.index.zone_ids)
        self.board = AlertBoard()
        self.hub = StreamHub(stream_buffer_bytes)
        self.partners: PartnerViews | None = None
        if feeds is not None and feeds.feeds:
            self.partners = PartnerViews(feeds)
        self._request_ack = acknowledge
        self._refresh_s = refresh_s
        self._update_s = vessel_update_s
        self._clock = clock
        self._version = 0
        self._dirty: set[int] = set()
        self._cache: dict[str, _Cached] = {}
        self._waiters: dict[str, list[tuple[str, asyncio.Future[dict[str, Any]]]]] = {}
        self._updates: asyncio.Task[None] | None = None

    # -- what the service hands over --------------------------------------------------------

    def publish(self, alerts: list[Alert]) -> None:
        """Alert state changes (an alert sink: never blocks)."""
        for alert in alerts:
            self.board.apply(alert.body)
            self.hub.send_alert(OWN, alert.body)
            self._settle_waiters(alert)

    def observe(self, positions: Sequence[Position], statics: Sequence[VesselStatic]) -> None:
        """A pipeline step's positions and static reports (empty on a clock tick)."""
        if positions or statics:
            self._version += 1
            # Updates are for clients connected now: nothing accumulates while none is.
            if self.hub.listening(OWN, vessels=True):
                self._dirty.update(p.mmsi for p in positions if p.kind == VESSEL)
                self._dirty.update(s.mmsi for s in statics)

    def release(self, releases: Sequence[FeedRelease]) -> None:
        """What the process's partner feeds released from a step (or a clock tick)."""
        if self.partners is None:
            return
        given = self.partners.apply(releases, self.pipeline.watermark)
        for partner, view in self.partners.views.items():
            if view.dirty and not self.hub.listening(partner, vessels=True):
                view.dirty.clear()
        for partner, shared in given:
            for a in shared:
                self.hub.send_alert(partner, a.body)

    # -- the picture ------------------------------------------------------------------------

    def view(self, partner: str) -> PartnerView:
        """A partner's view; NoSuchPartnerError when no feed has that name."""
        view = self.partners.views.get(partner) if self.partners is not None else None
        if view is None:
            raise NoSuchPartnerError(f"no partner feed named {partner!r} is configured")
        return view

    async def picture(self, partner: str | None = None) -> Picture:
        """Every vessel of mda's picture, or of a partner's, as rows."""
        key = OWN if partner is None else partner
        cached = self._cache.setdefault(key, _Cached())
        version = self._state_version(partner)
        now = self._clock()
        fresh = cached.version == version or now - cached.built < self._refresh_s
        if cached.picture is not None and fresh:
            return cached.picture
        if cached.building is not None:  # another request is building it: share the work
            return await asyncio.shield(cached.building)
        building = cached.building = asyncio.get_running_loop().create_future()
        try:
            picture = await asyncio.to_thread(build_picture, self._columns(partner))
            cached.picture, cached.version, cached.built = picture, version, now
            building.set_result(picture)
            return picture
        except BaseException as exc:
            building.set_exception(exc)
            building.exception()  # retrieved here: requests sharing it get it raised
            raise
        finally:
            cached.building = None

    def _state_version(self, partner: str | None) -> tuple[float, ...]:
        """What changes when the picture does. The pipeline's own figures count too, so the
        picture follows the pipeline even where no step is observed (a tool, a test)."""
        if partner is not None:
            return (self.view(partner).version,)
        p = self.pipeline
        return (self._version, p.watermark, len(p.tracks.vessels))

    def _columns(self, partner: str | None, mmsis: Iterable[int] | None = None) -> VesselColumns:
        """Rows of the picture (of ``mmsis`` only, if given), read on the event loop."""
        if partner is None:
            vessels = self.pipeline.tracks.vessels
            states = vessels.values() if mmsis is None else [vessels[m] for m in mmsis
                                                             if m in vessels]  # fmt: skip
            return vessel_columns(states, self.zone_ids)
        held = self.view(partner).positions
        shared = held.values() if mmsis is None else [held[m] for m in mmsis if m in held]
        return shared_columns(shared, self.pipeline.index)

    def vessel(self, mmsi: int, partner: str | None = None) -> dict[str, Any] | None:
        """One vessel's row as of now, or None if the audience does not see it."""
        one = build_picture(self._columns(partner, [mmsi]))
        return one.row(0) if len(one) else None

    def recent_track(self, mmsi: int) -> list[list[Any]]:
        """The vessel's recent points, ``[time, lat, lon]``, oldest first (mda's own view)."""
        return [[iso(t), round(lat, 6), round(lon, 6)]
                for t, lat, lon in self.pipeline.recent_track(mmsi)]  # fmt: skip

    def alerts(self, partner: str | None = None) -> AlertBoard:
        """The alert board of mda, or of a partner."""
        return self.board if partner is None else self.view(partner).board

    # -- acknowledgement --------------------------------------------------------------------

    async def acknowledge(self, alert_id: str, by: str, note: str | None) -> dict[str, Any]:
        """Acknowledge a current alert through the service; returns its new state once the
        service has applied (and so stored and published) it."""
        body = self.board.get(alert_id)
        if body is None:
            raise AlertNotFoundError(f"no alert has the id {alert_id}")
        full_id, state = str(body["alert_id"]), body.get("state")
        if state == "acknowledged":
            raise AlertConflictError(
                f"alert {full_id} was already acknowledged by {body.get('acknowledged_by')}"
            )
        if state not in CURRENT_STATES:
            raise AlertConflictError(f"alert {full_id} is {state}: only open alerts are "
                                     "acknowledged")  # fmt: skip
        if self._request_ack is None:
            raise ServiceUnavailableError("acknowledgements need the running service")
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        waiter = (by, future)
        self._waiters.setdefault(full_id, []).append(waiter)
        try:
            self._request_ack(full_id, by, note)
            return await asyncio.wait_for(future, ACK_TIMEOUT_S)
        except TimeoutError:
            raise AlertConflictError(
                f"alert {full_id} could not be acknowledged: it is no longer open"
            ) from None
        finally:
            waiting = self._waiters.get(full_id, [])
            if waiter in waiting:
                waiting.remove(waiter)
            if not waiting:
                self._waiters.pop(full_id, None)

    def _settle_waiters(self, alert: Alert) -> None:
        waiting = self._waiters.get(alert.alert_id)
        if not waiting:
            return
        for by, future in list(waiting):
            if future.done():
                continue
            if alert.state == "acknowledged" and alert.actor == by:
                future.set_result(alert.body)
            elif alert.state == "acknowledged":
                why = f"alert {alert.alert_id} was already acknowledged by {alert.actor}"
                future.set_exception(AlertConflictError(why))
            elif alert.state in ("cleared", "retracted"):
                why = f"alert {alert.alert_id} {alert.state} before it could be acknowledged"
                future.set_exception(AlertConflictError(why))

    # -- vessel updates for the stream ------------------------------------------------------

    def start(self) -> None:
        """Start sending vessel updates to stream clients (on the running loop)."""
        if self._updates is None:
            self._updates = asyncio.get_running_loop().create_task(self._send_updates())

    async def stop(self) -> None:
        """Stop sending vessel updates."""
        task, self._updates = self._updates, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _send_updates(self) -> None:
        # One pass per interval: a vessel that reported ten times since is sent once.
        while True:
            await asyncio.sleep(self._update_s)
            try:
                await self.send_updates()
            except Exception:  # a bad row must not end the stream for everyone
                log.exception("live stream: vessel updates failed")

    async def send_updates(self) -> None:
        """Send the vessels that changed since the last call to the clients that want them."""
        changed: list[tuple[str, VesselColumns]] = []
        dirty, self._dirty = self._dirty, set()
        if dirty and self.hub.listening(OWN, vessels=True):
            changed.append((OWN, self._columns(None, sorted(dirty))))
        if self.partners is not None:
            for partner, view in self.partners.views.items():
                moved, view.dirty = view.dirty, set()
                if moved and self.hub.listening(partner, vessels=True):
                    changed.append((partner, self._columns(partner, sorted(moved))))
        for audience, columns in changed:
            picture = await asyncio.to_thread(build_picture, columns)
            self.hub.send_vessels(audience, picture)

    def figures(self) -> dict[str, int]:
        """Stream figures (for metrics): clients, events sent, clients dropped as slow."""
        c = self.hub.counts
        return {"stream_clients": c.clients, "stream_frames": c.frames,
                "stream_dropped_clients": c.dropped_clients}  # fmt: skip
