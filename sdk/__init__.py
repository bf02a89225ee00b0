"""Decompte's headless core. The names below are the stable API for plugin authors::

    from decompte.sdk import hookimpl, Cadre, ActorRole, rule, error, Exporter
    from decompte.sdk import State, Stage, Transition, Action  # a cadre's own circuit

Everything else under `decompte.sdk` is private and may change. Attributes are imported on
first use, so `import decompte.sdk` stays cheap (no database nor UI library).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    # hooks
    "hookimpl": "hookspecs",
    "hookspec": "hookspecs",
    # domain records
    "ActorRole": "model",
    "Piece": "model",
    "PieceDraft": "model",
    "VatLine": "model",
    "Cadre": "cadres",
    "State": "states",
    "Stage": "states",
    "Action": "states",
    "Transition": "transitions",
    "Actor": "transitions",
    "NextHolder": "transitions",
    # validation
    "Finding": "findings",
    "Severity": "findings",
    "Rule": "rules",
    "RuleContext": "rules",
    "rule": "rules",
    "error": "rules",
    "warning": "rules",
    "info": "rules",
    # exports
    "Exporter": "export",
    "ExportOption": "export",
    "ExportRow": "export",
    "ExportContext": "export",
    "Party": "export",
    "decimal_text": "export",
    "unencodable": "export",
    # settings, commands, views
    "Setting": "pluginapi",
    "Command": "pluginapi",
    "Argument": "pluginapi",
    "CommandContext": "pluginapi",
    "PluginView": "pluginapi",
    "UserActions": "pluginapi",
    # errors
    "DecompteError": "errors",
    "UsageError": "errors",
}

__all__ = [
    "Action",
    "Actor",
    "ActorRole",
    "Argument",
    "Cadre",
    "Command",
    "CommandContext",
    "DecompteError",
    "ExportContext",
    "ExportOption",
    "ExportRow",
    "Exporter",
    "Finding",
    "NextHolder",
    "Party",
    "Piece",
    "PieceDraft",
    "PluginView",
    "Rule",
    "RuleContext",
    "Setting",
    "Severity",
    "Stage",
    "State",
    "Transition",
    "UsageError",
    "UserActions",
    "VatLine",
    "__version__",
    "decimal_text",
    "error",
    "hookimpl",
    "hookspec",
    "info",
    "rule",
    "unencodable",
    "warning",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'decompte.sdk' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:
    from .cadres import Cadre
    from .errors import DecompteError, UsageError
    from .export import (
        ExportContext,
        Exporter,
        ExportOption,
        ExportRow,
        Party,
        decimal_text,
        unencodable,
    )
    from .findings import Finding, Severity
    from .hookspecs import hookimpl, hookspec
    from .model import ActorRole, Piece, PieceDraft, VatLine
    from .pluginapi import Argument, Command, CommandContext, PluginView, Setting, UserActions
    from .rules import Rule, RuleContext, error, info, rule, warning
    from .states import Action, Stage, State
    from .transitions import Actor, NextHolder, Transition
