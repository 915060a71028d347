"""Rule sets from TOML: which rules run, their thresholds, scope and alert policy.

A rule set is a TOML file of tables, one per alert rule::

    [loitering]
    severity = "warning"
    zones = ["kind:sea", "kind:eez"]
    max_speed_kn = 2.0
    min_hours = 2.0

The table's name is the rule's name (it names the alert and its MQTT topic). ``detector``
picks the detector when the name differs (``[carrier_loitering]`` with
``detector = "loitering"``), so one detector can run with several settings. Keys a detector
does not know are errors that name the file, table and key, so a typo never silently becomes a
default.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any, TypeVar, get_type_hints

from mda.errors import ConfigError
from mda.model import Severity
from mda.rules.base import ShipTypes
from mda.tomlfile import read_toml

SEVERITIES: tuple[Severity, ...] = ("alarm", "warning", "caution")


@dataclass(frozen=True, slots=True)
class Scope:
    """Where and to whom a rule applies, and how its alerts behave."""

    name: str
    detector: str
    severity: Severity
    zones: tuple[str, ...] = ("*",)
    exclude_zones: tuple[str, ...] = ()
    ship_types: ShipTypes = field(default_factory=ShipTypes)
    flags: frozenset[str] = frozenset()
    persist_minutes: float = 0.0
    clear_after_minutes: float = 0.0
    cooldown_minutes: float = 60.0
    inhibited_by: tuple[str, ...] = ()

    def admits_flag(self, flag: str | None) -> bool:
        """Whether a vessel of this flag (ISO alpha-2, None when unknown) is in scope."""
        return not self.flags or (flag is not None and flag in self.flags)


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """One table of a rule set: its scope and the detector's own parameters (raw)."""

    scope: Scope
    params: Mapping[str, Any]
    where: str  # "file: [table]" for error messages
    enabled: bool = True
    folder: Path = Path()  # of the file, for paths the table names


_SCOPE_KEYS = frozenset(
    ("detector", "enabled", "severity", "zones", "exclude_zones", "ship_types", "flags",
     "persist_minutes", "clear_after_minutes", "cooldown_minutes", "inhibited_by")
)  # fmt: skip


def rule_spec(name: str, table: dict[str, Any], where: str = "") -> RuleSpec:
    """A rule table given in code (tests, embedders) checked as a file's would be."""
    return _spec(name, table, where or f"[{name}]")


def load_rule_files(paths: Iterable[Path]) -> list[RuleSpec]:
    """Rule tables of TOML files and folders (``*.toml`` in name order).

    A later file's table of the same name replaces an earlier one: a user's folder overrides
    the defaults rule by rule.
    """
    specs: dict[str, RuleSpec] = {}
    for path in paths:
        files = sorted(path.glob("*.toml")) if path.is_dir() else [path]
        for file in files:
            for spec in _load_file(file):
                specs[spec.scope.name] = spec
    return [s for s in specs.values() if s.enabled]


def _load_file(file: Path) -> list[RuleSpec]:
    document = read_toml(file)
    out = []
    for name, table in document.items():
        where = f"{file.name}: [{name}]"
        if not isinstance(table, dict):
            raise ConfigError(f"{where}: expected a table of settings")
        out.append(_spec(name, table, where, file.parent))
    return out


def _spec(name: str, table: dict[str, Any], where: str, folder: Path = Path()) -> RuleSpec:
    def get(key: str, kind: type | tuple[type, ...], default: Any) -> Any:
        value = table.get(key, default)
        if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
            raise ConfigError(f"{where} {key}: expected {_kind_name(kind)}, got {value!r}")
        return value

    severity = get("severity", str, "warning")
    if severity not in SEVERITIES:
        raise ConfigError(f"{where} severity: expected one of {', '.join(SEVERITIES)}")
    scope = Scope(
        name=name,
        detector=get("detector", str, name),
        severity=severity,
        zones=tuple(_strings(get("zones", list, ["*"]), where, "zones")),
        exclude_zones=tuple(_strings(get("exclude_zones", list, []), where, "exclude_zones")),
        ship_types=parse_ship_types(get("ship_types", list, []), where),
        flags=frozenset(f.upper() for f in _strings(get("flags", list, []), where, "flags")),
        persist_minutes=_non_negative(get("persist_minutes", (int, float), 0.0), where,
                                      "persist_minutes"),
        clear_after_minutes=_non_negative(get("clear_after_minutes", (int, float), 0.0), where,
                                          "clear_after_minutes"),
        cooldown_minutes=_non_negative(get("cooldown_minutes", (int, float), 60.0), where,
                                       "cooldown_minutes"),
        inhibited_by=tuple(_strings(get("inhibited_by", list, []), where, "inhibited_by")),
    )  # fmt: skip
    params = {k: v for k, v in table.items() if k not in _SCOPE_KEYS}
    return RuleSpec(scope, params, where, enabled=get("enabled", bool, True), folder=folder)


def parse_ship_types(values: list[Any], where: str) -> ShipTypes:
    """Ship types as numbers, ``"70-89"`` ranges, and ``"unknown"`` (vessels that never sent a
    type; admitted unless the list names types and omits it)."""
    ranges: list[tuple[int, int]] = []
    unknown = not values
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 255:
            ranges.append((value, value))
        elif value == "unknown":
            unknown = True
        elif isinstance(value, str) and value.count("-") == 1:
            lo, hi = value.split("-")
            if not (lo.strip().isdigit() and hi.strip().isdigit()):
                raise ConfigError(f"{where} ship_types: {value!r} is not a range like '70-89'")
            ranges.append((int(lo), int(hi)))
        else:
            raise ConfigError(
                f"{where} ship_types: {value!r} is not a type, a range like '70-89' or 'unknown'"
            )
    return ShipTypes(tuple(ranges), unknown)


def _strings(values: list[Any], where: str, key: str) -> list[str]:
    if not all(isinstance(v, str) for v in values):
        raise ConfigError(f"{where} {key}: expected a list of strings")
    return values


def _non_negative(value: float, where: str, key: str) -> float:
    if value < 0:
        raise ConfigError(f"{where} {key}: must not be negative")
    return float(value)


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {str: "a string", bool: "true or false", list: "a list", int: "a number",
             float: "a number", dict: "a table"}  # fmt: skip
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(sorted({names.get(k, k.__name__) for k in kinds}))


P = TypeVar("P")


def detector_params(cls: type[P], spec: RuleSpec) -> P:
    """The detector's parameters (a dataclass) from a rule table, checked key by key."""
    hints = get_type_hints(cls)
    known = {f.name: f for f in fields(cls)}  # type: ignore[arg-type]
    values: dict[str, Any] = {}
    for key, value in spec.params.items():
        f = known.get(key)
        if f is None:
            allowed = ", ".join(sorted(set(known) | _SCOPE_KEYS))
            raise ConfigError(f"{spec.where} {key}: unknown setting (known: {allowed})")
        values[key] = _coerce(value, hints[key], spec.where, key)
    for name, f in known.items():
        if name not in values and f.default is MISSING and f.default_factory is MISSING:
            raise ConfigError(f"{spec.where} {name}: required setting is missing")
    return cls(**values)


def _coerce(value: Any, hint: Any, where: str, key: str) -> Any:
    if hint is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise ConfigError(f"{where} {key}: expected a number, got {value!r}")
    if hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ConfigError(f"{where} {key}: expected a whole number, got {value!r}")
    if hint is bool:
        if isinstance(value, bool):
            return value
        raise ConfigError(f"{where} {key}: expected true or false, got {value!r}")
    if hint is str:
        if isinstance(value, str):
            return value
        raise ConfigError(f"{where} {key}: expected a string, got {value!r}")
    origin = getattr(hint, "__origin__", None)
    if origin is tuple:
        if not isinstance(value, list):
            raise ConfigError(f"{where} {key}: expected a list, got {value!r}")
        (item,) = {a for a in hint.__args__ if a is not Ellipsis}
        return tuple(_coerce(v, item, where, key) for v in value)
    raise ConfigError(f"{where} {key}: unsupported setting type")  # a bug, not user input
