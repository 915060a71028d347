"""Typed checks of settings: one way to say that key X of file F must be a Y.

A value comes from a TOML document or from an ``MDA_<SECTION>_<KEY>`` variable; either way a
wrong one is one :class:`ConfigError` line whose label names the file (or variable) and key,
so an operator finds the mistake without reading a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from mda.errors import ConfigError

# The kinds a setting can be; ``list`` is a list of strings (folders, URLs, names).
_KIND_NAMES: Final[dict[type, str]] = {
    str: "a string", int: "a whole number", float: "a number", bool: "true or false",
    list: "a list of strings",
}  # fmt: skip
_TRUE: Final = ("1", "true", "yes")
_FALSE: Final = ("0", "false", "no")


def is_whole(value: Any) -> bool:
    """Whether a TOML value is a whole number (true and false are not numbers)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    """Whether a TOML value is a number, whole or not."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def typed(value: Any, kind: type, label: str) -> Any:
    """``value`` as a setting of ``kind`` (str, int, float, bool, or list of strings); a whole
    number is a number too. Anything else is ``"{label}: expected <kind>, got <value>"``."""
    if kind is float and is_number(value):
        return float(value)
    if kind is list:
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value
    elif isinstance(value, kind) and (kind is bool or not isinstance(value, bool)):
        return value
    raise ConfigError(f"{label}: expected {_KIND_NAMES[kind]}, got {value!r}")


def from_text(raw: str, kind: type, label: str) -> Any:
    """A setting of ``kind`` from an environment variable's text (a list is comma-separated)."""
    try:
        if kind is bool:
            if raw.lower() not in (*_TRUE, *_FALSE):
                raise ValueError(raw)
            return raw.lower() in _TRUE
        if kind is list:
            return [part.strip() for part in raw.split(",") if part.strip()]
        return kind(raw)
    except ValueError as exc:
        raise ConfigError(f"{label}: {raw!r} is not {kind.__name__}") from exc


def check_known(keys: Iterable[str], known: Sequence[str], prefix: str, hint: str = "") -> None:
    """Every key is one of ``known``: a typo never silently becomes a default. ``prefix`` is
    what names the file and table before the key (``"mda.toml: database."``)."""
    for key in keys:
        if key not in known:
            raise ConfigError(f"{prefix}{key}: unknown setting (known: {', '.join(known)}{hint})")


def typed_table(
    table: Mapping[str, Any], schema: Mapping[str, type], prefix: str
) -> dict[str, Any]:
    """A table's settings, each key known to ``schema`` and of its kind."""
    check_known(table, list(schema), prefix)
    return {key: typed(value, schema[key], f"{prefix}{key}") for key, value in table.items()}


def from_environment(
    env: Mapping[str, str], section: str, schema: Mapping[str, type]
) -> dict[str, Any]:
    """The settings of a section that ``MDA_<SECTION>_<KEY>`` variables give."""
    values: dict[str, Any] = {}
    for key, kind in schema.items():
        name = f"MDA_{section.upper()}_{key.upper()}"
        raw = env.get(name)
        if raw is not None:
            values[key] = from_text(raw, kind, name)
    return values
