"""Read config YAML keeping the file, line and column of every value.

PyYAML composes a node tree with marks; we build plain Python values from it ourselves and
record a `path -> Location` table beside them, so any later error (pydantic, references,
cycles) can point at the exact place in the file. The loader class is private to this module:
nothing is registered on the global `yaml.SafeLoader`.

Whatever the bytes of a file are, reading it ends in values or in a located ConfigError, never
a traceback: the encoding is checked first (UTF-8 only), the composed tree is measured before
anything is built (so an alias bomb or a 900-level nesting is refused in milliseconds), and
scalars are built one by one with their errors caught. Timestamps stay the strings they were
written as: `2024-02-29` is a name or a tag value here, not a date.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from infragen.config.tags import TagSyntaxError, known_tags, resolve
from infragen.errors import ConfigError, InfragenError, Location
from infragen.suggest import did_you_mean

try:
    _BaseLoader: type = yaml.CSafeLoader
except AttributeError:  # PyYAML built without libyaml
    _BaseLoader = yaml.SafeLoader

PathKey = tuple[str | int, ...]
# Appended to a path to look up where its *key* (rather than its value) was written.
KEY_MARK = "\0key"

# Far beyond any real config (the example's biggest file has ~800 values), small enough that
# a file at the limit still loads in about a second.
MAX_DEPTH = 100
MAX_VALUES = 100_000

TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
MERGE_TAG = "tag:yaml.org,2002:merge"
UTF8_HINT = "save the file as UTF-8 (infragen reads YAML as UTF-8 only)"


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
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise ConfigError(
            f"config file {name} not found", "create it or check --config-dir"
        ) from exc
    except OSError as exc:
        raise ConfigError(
            f"config file {name} cannot be read: {exc.strerror or exc}",
            "check that it is a readable file",
            location=Location(name, 1, 1),
        ) from exc
    return load_yaml_text(decode_utf8(raw, name, UTF8_HINT), name, path)


def decode_utf8(raw: bytes, name: str, hint: str, error: type[InfragenError] = ConfigError) -> str:
    """`raw` as text, or `error` located at the first byte that is not UTF-8 text.

    UTF-16 and UTF-32 files (with or without a byte-order mark) and NUL bytes get their own
    message: they decode "successfully" often enough to produce baffling errors later.
    """
    for bom, encoding in (
        (codecs.BOM_UTF32_LE, "UTF-32"),
        (codecs.BOM_UTF32_BE, "UTF-32"),
        (codecs.BOM_UTF16_LE, "UTF-16"),
        (codecs.BOM_UTF16_BE, "UTF-16"),
    ):
        if raw.startswith(bom):
            raise error(
                f"the file is {encoding} encoded (it starts with a {encoding} byte-order mark)",
                hint,
                location=Location(name, 1, 1),
            )
    if _looks_utf16(raw):
        raise error(
            "the file looks UTF-16 encoded (every other byte is NUL)",
            hint,
            location=Location(name, 1, 1),
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise error(
            f"not valid UTF-8: byte 0x{raw[exc.start]:02x} cannot start or continue a character "
            "here",
            hint,
            location=_byte_location(name, raw, exc.start),
        ) from exc
    nul = text.find("\0")
    if nul >= 0:
        raise error(
            "a NUL byte, which YAML does not allow",
            "remove it (a NUL usually means the file was saved in another encoding, or is "
            "not text)",
            location=_char_location(name, text, nul),
        )
    return text


def _looks_utf16(raw: bytes) -> bool:
    """ASCII text saved as UTF-16 without a BOM: NUL in all odd or all even positions."""
    head = raw[:256]
    if len(head) < 4 or b"\0" not in head:
        return False
    pairs = len(head) // 2
    return head[0::2].count(0) >= pairs * 0.9 or head[1::2].count(0) >= pairs * 0.9


def _byte_location(name: str, raw: bytes, offset: int) -> Location:
    line_start = raw.rfind(b"\n", 0, offset) + 1
    column = len(raw[line_start:offset].decode("utf-8", errors="replace")) + 1
    return Location(name, raw.count(b"\n", 0, offset) + 1, column)


def _char_location(name: str, text: str, index: int) -> Location:
    line_start = text.rfind("\n", 0, index) + 1
    return Location(name, text.count("\n", 0, index) + 1, index - line_start + 1)


def load_yaml_text(text: str, name: str, path: Path | None = None) -> LoadedFile:
    node = _compose(text, name)
    positions: dict[PathKey, Location] = {}
    if node is None:
        return LoadedFile(path or Path(name), {}, positions)
    _measure(node, name)
    builder = _Builder(name, positions)
    data = builder.build(node, ())
    if not isinstance(data, dict):
        raise ConfigError(
            "a config file must be a mapping at the top level",
            "start the file with keys such as `project:` or `stacks:`",
            location=_loc(name, node),
        )
    return LoadedFile(path or Path(name), data, positions)


def _compose(text: str, name: str) -> yaml.Node | None:
    """The node tree of one YAML document; ConfigError at the position of a syntax error."""
    loader = _Loader(text)
    try:
        return loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Location(name, mark.line + 1, mark.column + 1) if mark else Location(name, 1, 1)
        problem = exc.problem or "invalid YAML"
        raise ConfigError(
            f"invalid YAML: {problem}",
            "check indentation and quoting around this position",
            location=loc,
        ) from exc
    except yaml.reader.ReaderError as exc:
        # A control character; libyaml gives its offset in the UTF-8 bytes.
        raw = text.encode("utf-8")
        offset = exc.position if isinstance(exc.position, int) else 0
        char = exc.character
        code = char if isinstance(char, int) else ord(str(char)[:1] or "\0")
        raise ConfigError(
            f"invalid YAML: control character U+{code:04X} is not allowed in YAML text",
            'remove it, or write it as an escape inside double quotes (e.g. "\\x07")',
            location=_byte_location(name, raw, min(offset, len(raw))),
        ) from exc
    except RecursionError as exc:
        raise ConfigError(
            f"invalid YAML: nested more than {MAX_DEPTH} levels deep",
            "flatten the structure",
            location=Location(name, 1, 1),
        ) from exc
    finally:
        loader.dispose()


def _loc(name: str, node: yaml.Node) -> Location:
    return Location(name, node.start_mark.line + 1, node.start_mark.column + 1)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [item for pair in node.value for item in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _measure(root: yaml.Node, name: str) -> None:
    """Refuse a tree that would build into too many values or too deep a nesting.

    An alias (`*a`) is its anchor's node object reused, so the size of the built value is the
    size of the tree *expanded*: a few lines of nested aliases ("billion laughs") expand to
    10^9 values. Sizes and heights are computed once per distinct node, bottom-up and without
    recursion, so measuring costs as little as the file is long. An alias inside the value its
    anchor marks would expand forever: refused too.
    """
    size: dict[int, int] = {}
    height: dict[int, int] = {}
    open_nodes: set[int] = set()
    todo: list[tuple[yaml.Node, bool]] = [(root, False)]
    while todo:
        node, done = todo.pop()
        key = id(node)
        if done:
            kids = _children(node)
            size[key] = 1 + sum(size[id(kid)] for kid in kids)
            height[key] = 1 + max((height[id(kid)] for kid in kids), default=0)
            open_nodes.discard(key)
            continue
        if key in size:
            continue
        if key in open_nodes:
            raise ConfigError(
                "this anchored value contains an alias to itself, so it never ends",
                "an alias (*name) must not appear inside the value its anchor (&name) marks",
                location=_loc(name, node),
            )
        open_nodes.add(key)
        todo.append((node, True))
        todo.extend((kid, False) for kid in reversed(_children(node)))
    if height[id(root)] > MAX_DEPTH:
        node = root
        for _ in range(MAX_DEPTH):
            node = max(_children(node), key=lambda kid: height[id(kid)])
        raise ConfigError(
            f"values nested more than {MAX_DEPTH} levels deep",
            "flatten the structure; no blueprint needs this much nesting",
            location=_loc(name, node),
        )
    total = size[id(root)]
    if total > MAX_VALUES:
        node = root
        while True:
            biggest = max(_children(node), key=lambda kid: size[id(kid)], default=None)
            if biggest is None or size[id(biggest)] <= MAX_VALUES:
                break
            node = biggest
        if total > len(size):  # some node is counted more than once: aliases
            message = (
                f"this value expands to {size[id(node)]:,} values through YAML aliases "
                f"(the whole file to {total:,}); a config file may hold at most {MAX_VALUES:,}"
            )
            hint = "an alias (*name) repeats its anchor's whole value: nest aliases less deeply"
        else:
            message = f"this file holds {total:,} values; a config file may hold at most "
            message += f"{MAX_VALUES:,}"
            hint = "split the configuration, or use fewer, larger values"
        raise ConfigError(message, hint, location=_loc(name, node))


class _Builder:
    """Builds values from a measured node tree (so its recursion is at most MAX_DEPTH deep)."""

    def __init__(self, name: str, positions: dict[PathKey, Location]) -> None:
        # Scalars only: mappings, sequences and tags are built here, with their positions.
        self.constructor = yaml.constructor.SafeConstructor()
        self.name = name
        self.positions = positions

    def build(self, node: yaml.Node, path: PathKey) -> Any:
        self.positions[path] = _loc(self.name, node)
        if node.tag.startswith("!"):
            return self._build_tag(node)
        if isinstance(node, yaml.MappingNode):
            return self._build_mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        return self._scalar(node)

    def _scalar(self, node: yaml.Node) -> Any:
        """A plain value; a timestamp stays the text it was written as."""
        if node.tag == TIMESTAMP_TAG:
            return str(node.value)
        try:
            return self.constructor.construct_object(node, deep=True)
        except Exception as exc:  # e.g. `!!int x`, `!!bool maybe`, `!!python/name:...`
            problem = getattr(exc, "problem", None) or str(exc)
            kind = node.tag.rsplit(":", 1)[-1]
            raise ConfigError(
                f"cannot read {node.value!r} as {kind}: {problem}",
                "quote the value to keep it a string, or fix the explicit !!tag",
                location=_loc(self.name, node),
            ) from exc

    def _key(self, node: yaml.Node) -> str:
        if not isinstance(node, yaml.ScalarNode):
            raise ConfigError(
                "a mapping key must be a plain value, not a list or a map",
                "write the key as a plain string",
                location=_loc(self.name, node),
            )
        if node.tag.startswith("!"):
            raise ConfigError(
                f"a mapping key cannot carry a tag ({node.tag})",
                "tags such as !env are values: put the tag after the colon",
                location=_loc(self.name, node),
            )
        key = self._scalar(node)
        return key if isinstance(key, str) else str(key)

    def _build_mapping(self, node: yaml.MappingNode, path: PathKey) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG:
                raise ConfigError(
                    "YAML merge keys (<<) are not supported",
                    "use config/defaults.yaml for shared values; it is deep-merged",
                    location=_loc(self.name, key_node),
                )
            key = self._key(key_node)
            if key in result:
                raise ConfigError(
                    f"duplicate key {key!r}",
                    "each key may appear once in a mapping; remove one of them",
                    location=_loc(self.name, key_node),
                )
            self.positions[(*path, key, KEY_MARK)] = _loc(self.name, key_node)
            result[key] = self.build(value_node, (*path, key))
        return result

    def _build_tag(self, node: yaml.Node) -> Any:
        """A `!tag value`: the tag's literal, or the tag object for deploy time."""
        location = _loc(self.name, node)
        if not isinstance(node, yaml.ScalarNode):
            raise ConfigError(
                f"{node.tag} takes a single string argument",
                f"write `{node.tag} value` on one line",
                location=location,
            )
        try:
            return resolve(node.tag, str(node.value), location)
        except TagSyntaxError as exc:
            raise ConfigError(str(exc), exc.hint, location=location) from exc
        except LookupError:
            guess = did_you_mean(node.tag, known_tags())
            raise ConfigError(
                f"unknown YAML tag {node.tag}",
                (f"{guess} " if guess else "") + "known tags: " + ", ".join(known_tags()),
                location=location,
            ) from None
