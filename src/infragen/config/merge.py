"""defaults.yaml + <env>.yaml: the one merge rule.

Maps merge key by key, recursively. Everything else (lists, scalars, tags) in the
environment file replaces the default whole. A key set to `null` in the environment file
removes the default. Positions follow the value: a merged value points at the file that
supplied it.
"""

from __future__ import annotations

from typing import Any

from infragen.config.loader import KEY_MARK, LoadedFile, PathKey
from infragen.errors import Location


def deep_merge(base: Any, override: Any) -> Any:
    """Merge `override` onto `base` without mutating either."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            if value is None:
                merged.pop(key, None)
            elif key in merged:
                merged[key] = deep_merge(merged[key], value)
            else:
                merged[key] = value
        return merged
    return override


def merge_files(
    base: LoadedFile, override: LoadedFile
) -> tuple[dict[str, Any], dict[PathKey, Location]]:
    """Merge two loaded files; the position table follows the winning values."""
    data = deep_merge(base.data, override.data)
    positions: dict[PathKey, Location] = {}
    _collect(data, base, override, (), positions)
    return data, positions


def _collect(
    value: Any,
    base: LoadedFile,
    override: LoadedFile,
    path: PathKey,
    out: dict[PathKey, Location],
) -> None:
    # A path the override file mentions wins; below a replaced list or scalar, the
    # override's own positions are the only true ones.
    if path in override.positions:
        out[path] = override.positions[path]
    elif path in base.positions:
        out[path] = base.positions[path]
    if isinstance(value, dict):
        for key, item in value.items():
            key_path = (*path, key, KEY_MARK)
            found = override.positions.get(key_path) or base.positions.get(key_path)
            if found is not None:
                out[key_path] = found
            _collect(item, base, override, (*path, key), out)
    elif isinstance(value, list):
        source = override if path in override.positions else base
        for index, item in enumerate(value):
            _collect(item, source, source, (*path, index), out)
