"""Reading the TOML files operators edit, with errors that name the file."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from mda.errors import ConfigError


def read_toml(path: Path) -> dict[str, Any]:
    """The document of a TOML file; an unreadable or invalid file is one ConfigError line."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
