"""Detectors of behaviour (loitering, cable threats, going dark ...) and the engine that runs
them; thresholds come from rule sets in ``alerts/*.toml``."""
