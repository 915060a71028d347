"""Satellite detections (radar, optical) matched against AIS: dark vessels, fixed objects."""
