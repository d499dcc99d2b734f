"""Remember that `templates_out/<env>/` was checked against its config, so the next deploy
can skip the in-memory render when nothing that feeds the templates has changed.

The key covers the config files, the committed templates (their bytes), and infragen's own
code and the versions of the libraries that shape a template (the render record's
`code_stamp`). Blueprints loaded from outside infragen
(`package.module:Class`, entry points) are not part of infragen's code, so an env that uses
one is always checked in full.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

from infragen.render.record import code_stamp

CACHE_DIR = Path(".infragen-cache") / "render-check"


class _TagBlindLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Reads config YAML with `!stack_output` and friends as null: only names matter here."""


_TagBlindLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def freshness_key(config_dir: Path, templates_dir: Path, env: str) -> str | None:
    """A digest of every input of `render --env env`, or None when it cannot be complete."""
    try:
        return _freshness_key(config_dir, templates_dir, env)
    except OSError:
        return None  # an unreadable file: the full check reports it


def _freshness_key(config_dir: Path, templates_dir: Path, env: str) -> str | None:
    # Plain libyaml, tags read as null: importing pydantic and troposphere, or building the
    # position table of the full loader, is what this shortcut exists to avoid.
    from infragen.blueprints.registry import builtin_names

    digest = hashlib.sha256(code_stamp().encode())
    names: set[object] = set()
    for path in (config_dir / "defaults.yaml", config_dir / f"{env}.yaml"):
        content = path.read_bytes() if path.is_file() else None
        _add_bytes(digest, path.name, content)
        try:
            names |= _blueprint_names(yaml.load(content or b"{}", Loader=_TagBlindLoader))
        except (yaml.YAMLError, ValueError, AttributeError, TypeError, RecursionError):
            # Malformed (bad YAML or encoding, `2024-02-30`, nesting): the full check reports
            # it with its location; this shortcut only ever says "not known to be fresh".
            return None
    if not names <= builtin_names():
        return None
    env_dir = templates_dir / env
    for path in sorted(env_dir.rglob("*")):
        if path.is_file():
            _add_file(digest, path, path.relative_to(env_dir).as_posix())
    return digest.hexdigest()


def _blueprint_names(data: dict) -> set[object]:
    return {
        stack["blueprint"]
        for app in (data.get("apps") or {}).values()
        for stack in ((app or {}).get("stacks") or {}).values()
        if "blueprint" in (stack or {})
    }


def is_known_fresh(key: str) -> bool:
    return (CACHE_DIR / key).is_file()


def remember_fresh(key: str) -> None:
    """Best effort: the cache only saves time, so an unwritable directory is ignored."""
    try:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        (CACHE_DIR / key).touch()
    except OSError:
        pass


def _add_file(digest: hashlib._Hash, path: Path, name: str) -> None:
    _add_bytes(digest, name, path.read_bytes() if path.is_file() else None)


def _add_bytes(digest: hashlib._Hash, name: str, content: bytes | None) -> None:
    digest.update(name.encode() + b"\0")
    digest.update(b"<absent>" if content is None else content)
    digest.update(b"\0")
