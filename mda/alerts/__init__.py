"""Alerts: the lifecycle that turns detections into alerts, and the publishers."""
