"""Ingest: framing of NMEA lines into AIS messages and decoding them into records.

Everything here except ``sources`` is pure: no I/O, no wall clock.
"""
