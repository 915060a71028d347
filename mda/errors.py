"""The small error hierarchy a user sees as one clear line, never as a traceback."""

from __future__ import annotations


class MdaError(Exception):
    """Base of every error mda reports to a user."""


class ConfigError(MdaError):
    """A configuration value or command-line argument is wrong; the message names it."""


class SourceError(MdaError):
    """An input (file, socket, broker) cannot be opened or read."""


class ServiceUnavailableError(MdaError):
    """A required service (database, broker) cannot be reached."""
