"""Trajectory tools: port visits, trips between them, resampling."""
