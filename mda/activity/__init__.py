"""Apparent fishing activity: each position of a track labelled stationary, fishing or transit
from its movement, and fishing events built from those labels the way Global Fishing Watch
builds them. The classifier and the events are pure functions of arrays (the core); reading
CSV or AIS and writing results are the shells around them."""

from mda.activity.classify import (
    ACTIVITIES,
    FISHING,
    STATIONARY,
    TRANSIT,
    ActivityParams,
    classify_track,
)
from mda.activity.events import EventParams, FishingEvent, fishing_events

__all__ = [
    "ACTIVITIES",
    "FISHING",
    "STATIONARY",
    "TRANSIT",
    "ActivityParams",
    "EventParams",
    "FishingEvent",
    "classify_track",
    "fishing_events",
]
