"""Find a blueprint class by name: the `infragen.blueprints` entry-point group (where infragen's
own blueprints are registered too, in its pyproject.toml) or a `package.module:Class` path
written in config.

The group is scanned once per process and nothing is imported until a name is asked for, so
`infragen list` does not pay for every blueprint. Whatever a plugin does wrong (a bad path, a
module that does not import, a class that is not a Blueprint) is a BlueprintError with a hint,
which config loading reports at the `blueprint:` line that named it.
"""

from __future__ import annotations

import importlib
import re
from functools import cache
from importlib.metadata import EntryPoint, entry_points

from infragen.errors import BlueprintError

ENTRY_POINT_GROUP = "infragen.blueprints"
# The package whose blueprints are built in (their code is part of infragen's own digest).
BUILTIN_PACKAGE = "infragen"

_IDENTIFIER = r"[A-Za-z_][A-Za-z0-9_]*"
TARGET_RE = re.compile(rf"^{_IDENTIFIER}(\.{_IDENTIFIER})*:{_IDENTIFIER}(\.{_IDENTIFIER})*$")


@cache
def _registered() -> dict[str, tuple[EntryPoint, ...]]:
    """Name -> the entry points registering it (one scan of installed packages per process).

    The same target registered twice (e.g. a package found on two sys.path entries) counts
    once; two different targets under one name are reported when that name is used.
    """
    found: dict[str, dict[str, EntryPoint]] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(ep.name, {}).setdefault(ep.value.strip(), ep)
    return {name: tuple(targets.values()) for name, targets in sorted(found.items())}


def clear_cache() -> None:
    """Forget the scanned entry points and loaded classes (tests that install plugins)."""
    _registered.cache_clear()
    get_blueprint.cache_clear()


def available() -> list[str]:
    """Every name a config may use as `blueprint:`."""
    return list(_registered())


def builtin_names() -> frozenset[str]:
    """Names whose one registered target lives in infragen itself."""
    return frozenset(
        name
        for name, eps in _registered().items()
        if len(eps) == 1 and _in_package(eps[0].value, BUILTIN_PACKAGE)
    )


def _in_package(target: str, package: str) -> bool:
    module = target.partition(":")[0].strip()
    return module == package or module.startswith(package + ".")


@cache
def get_blueprint(name: str) -> type:
    """The class for `name`; BlueprintError (message + hint) when it cannot be used."""
    if ":" in name:
        return load_target(name, name, origin="")
    eps = _registered().get(name)
    if not eps:
        raise BlueprintError(
            f"unknown blueprint {name!r}",
            "known blueprints: "
            + (", ".join(available()) or "none")
            + "; or give a 'package.module:Class' path",
        )
    if len(eps) > 1:
        raise BlueprintError(
            f"blueprint name {name!r} is registered more than once: "
            + ", ".join(f"{ep.value} ({_dist(ep)})" for ep in eps),
            "uninstall one of those packages, or name the class by its 'package.module:Class' path",
        )
    ep = eps[0]
    return load_target(name, ep.value.strip(), origin=f"entry point {name!r} of {_dist(ep)}")


def _dist(ep: EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    return f"package {dist.name}" if dist is not None else "an unknown package"


def load_target(name: str, target: str, *, origin: str) -> type:
    """Import `module:Class` and check it is a usable Blueprint; every failure a BlueprintError.

    `origin` says where the target was written (an entry point) for the hint; empty when the
    config gave the path itself.
    """
    from infragen.blueprints.base import Blueprint, BlueprintVars

    fix = (
        f"the {origin} is broken: reinstall or fix that package"
        if origin
        else "check the path in config and that its package is installed in this environment"
    )
    if not TARGET_RE.match(target):
        raise BlueprintError(
            f"blueprint {name!r}: {target!r} is not a 'package.module:Class' path",
            "write the module's dotted import path, a colon and the class name, "
            "e.g. mypackage.blueprints:Queue" + (f"; {fix}" if origin else ""),
        )
    module_name, _, attr_path = target.partition(":")
    module = _import(name, module_name, fix)
    found: object = module
    for part in attr_path.split("."):
        try:
            found = getattr(found, part)
        except Exception as exc:  # AttributeError, or whatever a module __getattr__ raises
            raise BlueprintError(
                f"blueprint {name!r}: module {module_name} has no {attr_path!r}", fix
            ) from exc
    if not isinstance(found, type):
        raise BlueprintError(
            f"blueprint {name!r}: {target} is a {type(found).__name__}, not a class",
            "a blueprint is a class that subclasses infragen.blueprints.base.Blueprint",
        )
    if not issubclass(found, Blueprint):
        raise BlueprintError(
            f"blueprint {name!r}: {target} is not a Blueprint subclass",
            "a blueprint subclasses infragen.blueprints.base.Blueprint",
        )
    vars_model = getattr(found, "Vars", None)
    if not (isinstance(vars_model, type) and issubclass(vars_model, BlueprintVars)):
        raise BlueprintError(
            f"blueprint {name!r}: {target}.Vars is {vars_model!r}, not a BlueprintVars subclass",
            "declare `class MyVars(BlueprintVars): ...` and set `Vars = MyVars` on the blueprint",
        )
    return found


def _import(name: str, module_name: str, fix: str) -> object:
    """The module, or a BlueprintError saying what stopped it importing (never a traceback)."""
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        missing = exc.name or ""
        if module_name == missing or module_name.startswith(missing + "."):
            raise BlueprintError(f"blueprint {name!r}: no module named {missing!r}", fix) from exc
        raise BlueprintError(
            f"blueprint {name!r}: importing {module_name} failed: {exc}",
            f"{module_name} needs the module {missing!r}: install it in this environment",
        ) from exc
    except SyntaxError as exc:
        where = f"{exc.filename}:{exc.lineno}" if exc.filename else module_name
        raise BlueprintError(
            f"blueprint {name!r}: {where}: syntax error in {module_name}: {exc.msg}",
            f"fix the Python syntax in {module_name}",
        ) from exc
    except Exception as exc:  # a plugin's import-time code may raise anything
        raise BlueprintError(
            f"blueprint {name!r}: importing {module_name} failed: {type(exc).__name__}: {exc}",
            f"{module_name} raised while being imported: fix it, or the package that provides it",
        ) from exc
