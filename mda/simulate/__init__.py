"""Synthetic AIS recordings with known ground truth, encoded with pyais.

Deterministic: a seed gives the same recording byte for byte.
"""
