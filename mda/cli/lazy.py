"""A command group that imports a command's module only when that command is run.

The group holds a placeholder per command: its name and one-line help, which is all a listing
(``mda --help``) shows. Resolving a command to run it, or to show its own ``--help``, imports
its module and puts the real command in the placeholder's place.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import typer
import typer.main
from typer._click import Command, Context  # typer vendors click and names these only there
from typer.core import TyperCommand, TyperGroup


@dataclass(frozen=True, slots=True)
class LazyCommand:
    """A command of the table: its one-line help and where it lives."""

    help: str
    target: str  # "module:attribute": a typer app (a group of commands) or a command function


class _Placeholder(TyperCommand):
    """Stands in a group for a command not imported yet."""

    def __init__(self, name: str, entry: LazyCommand) -> None:
        super().__init__(name=name, help=entry.help)
        self.target = entry.target

    def load(self) -> Command:
        """The real command, its module imported."""
        module, _, attribute = self.target.partition(":")
        target = getattr(importlib.import_module(module), attribute)
        if isinstance(target, typer.Typer):
            command: Command = typer.main.get_group(target)
        else:
            single = typer.Typer(add_completion=False)
            single.command(self.name)(target)
            command = typer.main.get_command(single)
        command.name = self.name
        return command


class LazyGroup(TyperGroup):
    """A group whose commands come from ``table`` and are imported when resolved."""

    table: ClassVar[Mapping[str, LazyCommand]] = {}

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        for name, entry in self.table.items():
            self.commands.setdefault(name, _Placeholder(name, entry))

    def resolve_command(
        self, ctx: Context, args: list[str]
    ) -> tuple[str | None, Command | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if name is not None and isinstance(command, _Placeholder):
            command = self.commands[name] = command.load()
        return name, command, rest
