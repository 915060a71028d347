"""What of an alert reaches a partner.

An alert reaches a partner without what belongs to mda's watch floor: who acknowledged it and
their notes, the internal dedup key, how many earlier alerts the vessel had, and who put a
vessel on a watch list and why. Its id is the partner's own (derived from the alert id and
the partner), so two partners cannot match up what each was given. Positions in it (the alert's
position, where it cleared, its track, coordinates in its evidence) are rounded like the
partner's positions, and those outside the partner's waters are left out; the nearest named
place keeps its distance and bearing only for a partner who sees exact positions.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any, Final

from mda.feeds.precision import round_position
from mda.settings.feed_spec import Precision

FEED_NAMESPACE: Final = uuid.UUID("0c1f6a52-3e9d-4b57-8f0e-2a7d4c6b9e13")

# Alert fields that stay on mda's side (top level of the body).
INTERNAL_FIELDS: Final = (
    "dedup_key", "acknowledged_by", "acknowledged_at", "note", "earlier_alerts", "actor",
)  # fmt: skip
# Evidence that names sources of intelligence (watch lists: who listed a vessel and why).
INTERNAL_EVIDENCE: Final = ("listed_by", "reason")


def partner_alert_id(partner: str, alert_id: str) -> str:
    """The id a partner knows an alert by: stable for the partner, different for each."""
    return str(uuid.uuid5(FEED_NAMESPACE, f"{partner}|{alert_id}"))


PointVisible = Callable[[float, float], bool]


def redact_alert_body(
    body: Mapping[str, Any],
    *,
    partner: str,
    precision: Precision,
    visible: PointVisible,
    show_position: bool,
    show_other_vessel: bool,
    strip: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The alert as the partner receives it.

    ``visible`` says whether a track point is in the partner's waters (points outside are
    left out); ``show_position`` is False when the vessel is no longer where the partner may
    see it (a later state of an alert they were given), ``show_other_vessel`` False when the
    second vessel of a two-vessel alert is not theirs to see. ``strip`` names more fields to
    leave out (``"evidence.corridors"`` for one inside a table).
    """
    out: dict[str, Any] = {k: v for k, v in body.items() if k not in INTERNAL_FIELDS}
    out["alert_id"] = partner_alert_id(partner, str(body.get("alert_id", "")))
    if out.get("state") == "acknowledged":
        out["state"] = "open"  # acknowledgement is mda's own workflow
    position = body.get("position")
    if isinstance(position, dict) and show_position:
        out["position"] = _rounded_point(position, precision)
    elif position is not None:
        out["position"] = None
    # Where an alert cleared is a position of the vessel too; the nearest place is said only
    # with an exact position (its distance and bearing would give back what rounding hides).
    cleared = body.get("cleared_at")
    if isinstance(cleared, dict):
        out["cleared_at"] = (
            _placed(_rounded_point(cleared, precision), precision) if show_position else None
        )
    if "nearest_place" in body:
        out["nearest_place"] = _place(body.get("nearest_place"), precision, show_position)
    track = body.get("track")
    if isinstance(track, list):
        kept = []
        if show_position:
            for point in track:
                if isinstance(point, list) and len(point) == 3 and visible(point[1], point[2]):
                    lat, lon = round_position(point[1], point[2], precision)
                    kept.append([point[0], lat, lon])
        out["track"] = kept
    evidence = body.get("evidence")
    if isinstance(evidence, dict):
        out["evidence"] = _redacted_evidence(
            evidence, precision, visible if show_position else None
        )
    if not show_other_vessel:
        out.pop("other_mmsi", None)
        out.pop("other_vessel", None)
    for path in strip:
        _remove(out, path.split("."))
    return out


def _rounded_point(point: Mapping[str, Any], precision: Precision) -> dict[str, Any]:
    lat, lon = point.get("lat"), point.get("lon")
    out = dict(point)
    if isinstance(lat, (int, float)) and isinstance(lon, (int, float)):
        out["lat"], out["lon"] = round_position(float(lat), float(lon), precision)
    else:
        out["lat"] = out["lon"] = None
    return out


def _place(place: object, precision: Precision, show_position: bool) -> object:
    """The nearest place as a partner may see it: whole with an exact position, else only
    its name (no distance or bearing), and nothing when the position is not theirs."""
    if not isinstance(place, dict) or not show_position:
        return None
    if precision.exact:
        return place
    return {"zone_id": place.get("zone_id"), "name": place.get("name"),
            "text": f"near {place.get('name')}"}  # fmt: skip


def _placed(point: dict[str, Any], precision: Precision) -> dict[str, Any]:
    point["nearest_place"] = _place(point.get("nearest_place"), precision, True)
    return point


def _redacted_evidence(
    evidence: Mapping[str, Any], precision: Precision, visible: PointVisible | None
) -> dict[str, Any]:
    """Evidence without intelligence sources. Coordinates in it (``*_lat``/``*_lon`` pairs,
    where the vessel was last seen or reappeared) are positions of the vessel: rounded like
    them, and left out when outside the partner's waters (or with the position)."""
    out = {k: v for k, v in evidence.items() if k not in INTERNAL_EVIDENCE}
    for key in [k for k in out if k.endswith("_lat")]:
        lon_key = f"{key[:-4]}_lon"
        lat, lon = out.get(key), out.get(lon_key)
        if not (isinstance(lat, (int, float)) and isinstance(lon, (int, float))):
            continue
        if visible is None or not visible(float(lat), float(lon)):
            del out[key], out[lon_key]
        else:
            out[key], out[lon_key] = round_position(float(lat), float(lon), precision)
    return out


def _remove(table: dict[str, Any], path: list[str]) -> None:
    if len(path) == 1:
        table.pop(path[0], None)
        return
    inner = table.get(path[0])
    if isinstance(inner, dict):
        inner = dict(inner)  # the body's tables are shared with other feeds
        _remove(inner, path[1:])
        table[path[0]] = inner
