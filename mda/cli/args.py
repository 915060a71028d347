"""Checks of the commands' numeric options: a number that makes no sense (a negative speed, no
partitions) is refused with one line naming the option, before anything runs."""

from __future__ import annotations

from mda.errors import MdaError


class OptionError(MdaError):
    """A command-line option with a value it cannot take."""


def more_than_zero(option: str, value: float | None) -> None:
    """``value`` (when given) must be positive."""
    if value is not None and not value > 0:
        raise OptionError(f"{option}: must be more than 0, not {value:g}")


def at_least(option: str, value: int | None, least: int) -> None:
    """``value`` (when given) must be ``least`` or more."""
    if value is not None and value < least:
        raise OptionError(f"{option}: must be at least {least}, not {value}")
