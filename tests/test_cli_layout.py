"""The command table: every command resolves and answers --help, the table's one-line help is
the command's own, and listing the commands imports none of the heavy libraries."""

from __future__ import annotations

import subprocess
import sys

import pytest
import typer
import typer.main
from typer.testing import CliRunner

from mda.cli import COMMANDS, app

# What `mda --help` must not import: each costs a good part of a second at start.
HEAVY = ("numpy", "shapely", "pyproj", "psycopg", "polars", "pyais", "mda.pipeline", "matplotlib")


def imported_by(*args: str) -> set[str]:
    """The modules `mda ARGS` imports (from -X importtime on stderr)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "from mda.cli import main; main()", *args],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return {
        line.split("|")[-1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:")
    }


def first_paragraph(text: str | None) -> str:
    return " ".join((text or "").split("\n\n")[0].split())


@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_command_of_the_table_resolves_and_answers_help(name: str) -> None:
    group = typer.main.get_command(app)
    assert isinstance(group, typer.core.TyperGroup)
    _, command, _ = group.resolve_command(typer.Context(group), [name])
    assert command is not None and command.name == name
    assert first_paragraph(command.help) == COMMANDS[name].help

    result = CliRunner().invoke(app, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_the_listing_shows_every_command_and_imports_nothing_heavy() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for name in COMMANDS:
        assert f" {name} " in result.output

    modules = imported_by("--help")
    assert "mda.cli" in modules
    assert not {m for m in modules if m.split(".")[0] in HEAVY or m in HEAVY}
    assert not {m for m in modules if m.startswith("mda.cli.")} - {"mda.cli.lazy"}


# Commands whose modules import their heavy machinery only when they run.
@pytest.mark.parametrize(
    "args",
    [("demo",), ("activity",), ("decode",), ("simulate",), ("zones",), ("zones", "check"),
     ("query",), ("query", "track"), ("alerts",), ("alerts", "watch"), ("feeds",),
     ("feeds", "acl"), ("feeds", "check"), ("api",), ("db",), ("api", "token", "add"),
     ("db", "maintain"), ("detections",), ("detections", "import"), ("query", "detections"),
     ("query", "density"), ("plot",), ("plot", "track"), ("plot", "density")],
)  # fmt: skip
def test_a_commands_own_help_imports_nothing_heavy(args: tuple[str, ...]) -> None:
    modules = imported_by(*args, "--help")
    assert not {m for m in modules if m.split(".")[0] in HEAVY or m in HEAVY}


def test_an_unknown_command_is_refused_with_a_suggestion() -> None:
    result = CliRunner().invoke(app, ["zonez"])
    assert result.exit_code == 2
    assert "Did you mean 'zones'?" in result.output
