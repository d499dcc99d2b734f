"""CloudFormation models for the resource types infragen's blueprints emit and moto lacks.

One module per AWS service; each class is named after the type it emulates and says in
its docstring what subset it emulates. `load()` imports them all, which is what registers
them: moto lists its models with `CloudFormationModel.__subclasses__()` (lru-cached in
`moto.cloudformation.parsing`), so the caller clears those caches after `load()`.
"""

from __future__ import annotations

import importlib

MODULES: tuple[str, ...] = ("infragen.emulator.models.apprunner",)


def load() -> None:
    """Import every model module (idempotent: Python imports a module once)."""
    for name in MODULES:
        importlib.import_module(name)
