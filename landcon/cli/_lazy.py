"""Command groups loaded when they run, so ``landcon --help`` imports no command's dependencies.

The root command lists each group from its registration (name, module, help) without importing
the module; the module — and through it the services, pandas, SQLAlchemy … — is imported only
when that group is invoked (``landcon data list`` loads ``landcon.cli.data`` and nothing else).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import typer
import typer.main
from typer.core import TyperGroup


@dataclass(frozen=True)
class Group:
    """A command group: the module holding its Typer ``app`` and the help shown for it."""

    module: str
    help: str
    attr: str = "app"


class _Unloaded(TyperGroup):
    """Stands in for a group in its parent's help listing until the group runs."""

    def __init__(self, name: str, spec: Group) -> None:
        super().__init__(name=name, help=spec.help)
        self.spec = spec


class LazyGroup(TyperGroup):
    """A ``TyperGroup`` whose registered ``groups`` are imported on first invocation."""

    groups: ClassVar[Mapping[str, Group]] = {}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        for name, spec in self.groups.items():
            self.commands.setdefault(name, _Unloaded(name, spec))

    def resolve_command(self, ctx: Any, args: list[str]) -> tuple[str | None, Any, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if isinstance(command, _Unloaded) and name is not None:
            command = self.load(name)
            _help_flags_off(command, ctx)
        return name, command, rest

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        if option is not None and option.default is None:
            option.default = False  # see _help_flags_off
            for command in self.commands.values():
                _help_flags_off(command, ctx)
        return option

    def load(self, name: str) -> TyperGroup:
        """Import group ``name`` and put its real command in place of the stand-in."""
        command = self.commands[name]
        if not isinstance(command, _Unloaded):
            assert isinstance(command, TyperGroup), name
            return command
        spec = command.spec
        sub_app = getattr(importlib.import_module(spec.module), spec.attr)
        group = typer.main.get_group(sub_app)
        group.name = name
        group.help = spec.help
        self.commands[name] = group
        return group

    def load_all(self) -> LazyGroup:
        """Every group loaded (documentation checks and tests walk the whole tree)."""
        for name in self.groups:
            self.load(name)
        return self


def _help_flags_off(command: Any, ctx: Any) -> None:
    """Give the ``--help`` flag of ``command`` and of every command below it the default False.

    Typer coerces a parameter whose value is not yet of its type through a pydantic validator,
    importing pydantic (~0.1 s) the first time; an absent ``--help`` is None, so every command paid
    for it. With a boolean default that step is skipped; the flag behaves the same.
    """
    if isinstance(command, _Unloaded):
        return
    option = command.get_help_option(ctx)
    if option is not None and option.default is None:
        option.default = False
    for sub in getattr(command, "commands", {}).values():
        _help_flags_off(sub, ctx)


def lazy_group(groups: Mapping[str, Group]) -> type[LazyGroup]:
    """The root command class for ``typer.Typer(cls=...)`` with these ``groups``."""
    return type("LandconRoot", (LazyGroup,), {"groups": dict(groups)})
