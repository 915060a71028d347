"""mda: a maritime domain awareness processor for AIS streams."""

__version__ = "0.1.0"
