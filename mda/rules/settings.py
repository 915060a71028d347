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
from mda.settings.checks import check_known, typed
from mda.settings.ship_types import ShipTypes, parse_ship_types
from mda.settings.tomlfile import read_toml

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
    def get(key: str, kind: type, default: Any) -> Any:
        return typed(table.get(key, default), kind, f"{where} {key}")

    def minutes(key: str, default: float) -> float:
        value: float = get(key, float, default)
        if value < 0:
            raise ConfigError(f"{where} {key}: must not be negative")
        return value

    severity = get("severity", str, "warning")
    if severity not in SEVERITIES:
        raise ConfigError(f"{where} severity: expected one of {', '.join(SEVERITIES)}")
    scope = Scope(
        name=name,
        detector=get("detector", str, name),
        severity=severity,
        zones=tuple(get("zones", list, ["*"])),
        exclude_zones=tuple(get("exclude_zones", list, [])),
        ship_types=parse_ship_types(table.get("ship_types"), f"{where} ship_types"),
        flags=frozenset(f.upper() for f in get("flags", list, [])),
        persist_minutes=minutes("persist_minutes", 0.0),
        clear_after_minutes=minutes("clear_after_minutes", 0.0),
        cooldown_minutes=minutes("cooldown_minutes", 60.0),
        inhibited_by=tuple(get("inhibited_by", list, [])),
    )
    params = {k: v for k, v in table.items() if k not in _SCOPE_KEYS}
    return RuleSpec(scope, params, where, enabled=get("enabled", bool, True), folder=folder)


P = TypeVar("P")


def detector_params(cls: type[P], spec: RuleSpec) -> P:
    """The detector's parameters (a dataclass) from a rule table, checked key by key."""
    hints = get_type_hints(cls)
    known = {f.name: f for f in fields(cls)}  # type: ignore[arg-type]
    values: dict[str, Any] = {}
    check_known(spec.params, sorted(set(known) | _SCOPE_KEYS), f"{spec.where} ")
    for key, value in spec.params.items():
        values[key] = _coerce(value, hints[key], f"{spec.where} {key}")
    for name, f in known.items():
        if name not in values and f.default is MISSING and f.default_factory is MISSING:
            raise ConfigError(f"{spec.where} {name}: required setting is missing")
    return cls(**values)


def _coerce(value: Any, hint: Any, label: str) -> Any:
    if getattr(hint, "__origin__", None) is tuple:  # tuple[X, ...]: a TOML list of X
        if not isinstance(value, list):
            raise ConfigError(f"{label}: expected a list, got {value!r}")
        (item,) = {a for a in hint.__args__ if a is not Ellipsis}
        return tuple(_coerce(v, item, label) for v in value)
    if hint in (float, int, bool, str):
        return typed(value, hint, label)
    raise ConfigError(f"{label}: unsupported setting type")  # a bug, not user input
