"""Shapes of requests and answers, for validation and the OpenAPI description.

Large answers (the live picture, tracks) are written straight from polars as JSON; these
models then describe them in OpenAPI without being built per row.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class VesselRow(BaseModel):
    """A vessel as the live picture shows it (times ISO 8601 UTC; speed in knots, course and
    heading in degrees; null where not reported)."""

    mmsi: int
    shipname: str | None = None
    callsign: str | None = None
    imo: int | None = None
    ship_type: int | None = Field(None, description="AIS ship and cargo type code")
    flag: str | None = Field(None, description="ISO 3166-1 alpha-2, from the MMSI's MID")
    destination: str | None = None
    length_m: int | None = None
    lat: float | None = None
    lon: float | None = None
    sog: float | None = None
    cog: float | None = None
    heading: int | None = None
    time: str | None = Field(None, description="time of the latest fix")
    last_seen: str | None = None
    zones: list[str] = Field(default_factory=list, description="ids of the zones it is in")


class VesselPage(BaseModel):
    """One page of the live picture."""

    total: int = Field(description="vessels passing the filters")
    limit: int
    offset: int
    vessels: list[VesselRow]


class IdentityEntry(BaseModel):
    """An identity the vessel broadcast from ``time`` on (from the store's static reports)."""

    time: str
    shipname: str | None = None
    callsign: str | None = None
    imo: int | None = None
    ship_type: int | None = None
    flag: str | None = None


class VesselDetail(BaseModel):
    """One vessel: live row, stored identity and its history, recent track, alerts."""

    mmsi: int
    vessel: VesselRow | None = Field(None, description="null when not in the live picture")
    identity: dict[str, Any] | None = Field(None, description="as stored (history access)")
    identity_history: list[IdentityEntry] | None = Field(
        None, description="identity changes as stored (history access)"
    )
    recent_track: list[list[Any]] = Field(
        default_factory=list, description="[time, lat, lon], oldest first"
    )
    alerts: list[dict[str, Any]] = Field(default_factory=list)


class AlertPage(BaseModel):
    """Alerts (their published bodies), most recently updated first."""

    source: str = Field(description="live (current alerts) or store (a time window)")
    total: int
    limit: int
    offset: int
    alerts: list[dict[str, Any]]


class AcknowledgeRequest(BaseModel):
    """An acknowledgement: what the officer is doing about it."""

    note: str | None = Field(None, max_length=1000)


class CommentRequest(BaseModel):
    """A comment on an alert, shared with every console."""

    text: str = Field(min_length=1, max_length=2000)


class Comment(BaseModel):
    """A stored comment."""

    id: int
    alert_id: str
    time: str
    author: str
    text: str


class TokenRequest(BaseModel):
    """A new token: who it is for and their role."""

    name: str = Field(min_length=1, max_length=64)
    role: str = Field(description="officer, analyst, admin or partner:<name>")


class TokenInfo(BaseModel):
    """A token as listed (never the token itself)."""

    id: str
    name: str
    role: str
    created: str


class NewToken(TokenInfo):
    """A token just made: ``token`` is shown this once."""

    token: str


class Me(BaseModel):
    """Who the token belongs to and what it may do."""

    name: str
    role: str
    permissions: list[str]


class TrafficHour(BaseModel):
    """Vessels present in a zone during one UTC hour."""

    hour: str
    vessels: int


class AuditEntry(BaseModel):
    """One audited action."""

    id: int
    time: str
    actor: str
    role: str
    action: str
    target: str | None = None
    details: dict[str, Any] = Field(default_factory=dict)
    remote: str | None = None
