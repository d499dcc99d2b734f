"""Read config YAML keeping the file, line and column of every value.

PyYAML composes a node tree with marks; we build plain Python values from it ourselves and
record a `path -> Location` table beside them, so any later error (pydantic, references,
cycles) can point at the exact place in the file. The loader class is private to this module:
nothing is registered on the global `yaml.SafeLoader`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from infragen.config.tags import TAGS, SecretTag, TagSyntaxError
from infragen.errors import ConfigError, Location

try:
    _BaseLoader: type = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _BaseLoader = yaml.SafeLoader

PathKey = tuple[str | int, ...]
# Appended to a path to look up where its *key* (rather than its value) was written.
KEY_MARK = "\0key"


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """A private SafeLoader: composes nodes, custom tags are handled by `_build`."""


@dataclass
class LoadedFile:
    """A config file's data plus where each value (by path) sits in the file."""

    path: Path
    data: dict[str, Any]
    positions: dict[PathKey, Location] = field(default_factory=dict)


def load_yaml_file(path: Path, display: str | None = None) -> LoadedFile:
    """Parse one YAML file; raise ConfigError with file:line:col on bad YAML or bad tags."""
    name = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(
            f"config file {name} not found", "create it or check --config-dir"
        ) from exc
    return load_yaml_text(text, name, path)


def load_yaml_text(text: str, name: str, path: Path | None = None) -> LoadedFile:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Location(name, mark.line + 1, mark.column + 1) if mark else Location(name, 1, 1)
        problem = exc.problem or "invalid YAML"
        raise ConfigError(
            f"invalid YAML: {problem}",
            "check indentation and quoting around this position",
            location=loc,
        ) from exc
    finally:
        loader.dispose()
    positions: dict[PathKey, Location] = {}
    if node is None:
        return LoadedFile(path or Path(name), {}, positions)
    builder = _Builder(loader, name, positions)
    data = builder.build(node, ())
    if not isinstance(data, dict):
        raise ConfigError(
            "a config file must be a mapping at the top level",
            "start the file with keys such as `project:` or `stacks:`",
            location=_loc(name, node),
        )
    return LoadedFile(path or Path(name), data, positions)


def _loc(name: str, node: yaml.Node) -> Location:
    return Location(name, node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    def __init__(self, loader: _Loader, name: str, positions: dict[PathKey, Location]) -> None:
        self.loader = loader
        self.name = name
        self.positions = positions

    def build(self, node: yaml.Node, path: PathKey) -> Any:
        self.positions[path] = _loc(self.name, node)
        tag_class = TAGS.get(node.tag)
        if tag_class is not None:
            return self._build_tag(node, tag_class)
        if node.tag.startswith("!"):
            raise ConfigError(
                f"unknown YAML tag {node.tag}",
                "known tags: " + ", ".join(sorted(TAGS)),
                location=_loc(self.name, node),
            )
        if isinstance(node, yaml.MappingNode):
            return self._build_mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        return self.loader.construct_object(node, deep=True)

    def _build_mapping(self, node: yaml.MappingNode, path: PathKey) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise ConfigError(
                    "YAML merge keys (<<) are not supported",
                    "use config/defaults.yaml for shared values; it is deep-merged",
                    location=_loc(self.name, key_node),
                )
            key = self.loader.construct_object(key_node)
            if not isinstance(key, str):
                key = str(key)
            if key in result:
                raise ConfigError(
                    f"duplicate key {key!r}",
                    "each key may appear once in a mapping; remove one of them",
                    location=_loc(self.name, key_node),
                )
            self.positions[(*path, key, KEY_MARK)] = _loc(self.name, key_node)
            result[key] = self.build(value_node, (*path, key))
        return result

    def _build_tag(self, node: yaml.Node, tag_class: type) -> Any:
        location = _loc(self.name, node)
        if not isinstance(node, yaml.ScalarNode):
            raise ConfigError(
                f"{node.tag} takes a single string argument",
                f"write `{node.tag} value` on one line",
                location=location,
            )
        try:
            tag = tag_class.parse(str(node.value), location)
        except TagSyntaxError as exc:
            raise ConfigError(str(exc), exc.hint, location=location) from exc
        if isinstance(tag, SecretTag):
            return tag.dynamic_reference()
        return tag
