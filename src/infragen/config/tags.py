"""Config-time YAML tags: one small class each, found through the `infragen.tags` entry points.

The contract of a tag class (built-in or from a plugin package):

- it subclasses `ConfigTag` (a frozen dataclass with `raw` and `location`) and sets
  `yaml_tag = "!name"`, where `name` is its entry-point name in the `infragen.tags` group:

      [project.entry-points."infragen.tags"]
      upper = "mypackage.tags:UpperTag"

- `parse(raw, location)` (a classmethod) gets the scalar written after the tag and returns an
  instance, or raises `TagSyntaxError(message, hint)`; the loader reports it at the tag's
  `file:line:col`.
- A tag whose value is known when config is read defines `render_literal()`, returning the
  plain value (str, int, float, bool, list or dict) that replaces it in the config. `!secret`
  is one: it becomes a `{{resolve:secretsmanager:...}}` dynamic reference string, so its value
  never reaches `templates_out/`.
- Otherwise the tag stays a deploy-time value (the Sceptre resolver model): `dependencies()`
  names the stacks it needs (DAG edges), and `source` (a dict of strings, written to the
  manifest) tells deploy how to find the value; the rendered template gets a Parameter for it.
  Deploy resolves the source kinds `stack_output`, `env` and `ssm`.

Tag classes are loaded the first time their tag is met, once per process. A plugin that
cannot be imported, is not a ConfigTag, or raises where it should return, is a TagSyntaxError
(and so a located config error), never a traceback.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.metadata import EntryPoint, entry_points
from typing import Any, ClassVar

from infragen.errors import Location

ENTRY_POINT_GROUP = "infragen.tags"

STACK_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*$")
OUTPUT_RE = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")
ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class TagSyntaxError(ValueError):
    """A tag's argument is malformed; the loader turns it into a located ConfigError."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True)
class ConfigTag:
    """A value only known at deploy time, written in config as a YAML tag."""

    yaml_tag: ClassVar[str]
    raw: str
    location: Location | None

    @property
    def source(self) -> dict[str, str]:
        """How the deploy step finds the value, as written to the manifest."""
        raise NotImplementedError

    def dependencies(self) -> set[str]:
        return set()

    def render_literal(self) -> Any:
        """The plain value this tag stands for when it is known at load time; None keeps the
        tag as a deploy-time value."""
        return None

    def __str__(self) -> str:
        return f"{self.yaml_tag} {self.raw}"


@dataclass(frozen=True)
class StackOutputTag(ConfigTag):
    """`!stack_output app/stack::Output`: a producer's Output, which adds a DAG edge."""

    yaml_tag: ClassVar[str] = "!stack_output"
    stack: str = ""
    output: str = ""

    @classmethod
    def parse(cls, raw: str, location: Location | None) -> StackOutputTag:
        stack, sep, output = raw.strip().partition("::")
        if not sep or not STACK_ID_RE.match(stack) or not OUTPUT_RE.match(output):
            raise TagSyntaxError(
                f"!stack_output {raw!r} is not of the form app/stack::OutputName",
                "write e.g. `!stack_output cat-detector/network::VpcId`",
            )
        return cls(raw=raw, location=location, stack=stack, output=output)

    @property
    def source(self) -> dict[str, str]:
        return {"kind": "stack_output", "stack": self.stack, "output": self.output}

    def dependencies(self) -> set[str]:
        return {self.stack}


@dataclass(frozen=True)
class EnvTag(ConfigTag):
    """`!env NAME` or `!env NAME:default`: an environment variable read at deploy time."""

    yaml_tag: ClassVar[str] = "!env"
    name: str = ""
    default: str | None = None

    @classmethod
    def parse(cls, raw: str, location: Location | None) -> EnvTag:
        name, sep, default = raw.strip().partition(":")
        if not ENV_NAME_RE.match(name):
            raise TagSyntaxError(
                f"!env {raw!r} does not name an environment variable",
                "write `!env NAME` or `!env NAME:default`",
            )
        return cls(raw=raw, location=location, name=name, default=default if sep else None)

    def __str__(self) -> str:
        # Without the default: this is what Parameter Descriptions and error messages show, and
        # a default belongs in the manifest only (and never on a secret: render refuses that).
        return f"{self.yaml_tag} {self.name}"

    @property
    def source(self) -> dict[str, str]:
        found = {"kind": "env", "name": self.name}
        if self.default is not None:
            found["default"] = self.default
        return found


@dataclass(frozen=True)
class SsmTag(ConfigTag):
    """`!ssm /path`: an SSM parameter, resolved by CloudFormation itself at deploy time."""

    yaml_tag: ClassVar[str] = "!ssm"
    path: str = ""

    @classmethod
    def parse(cls, raw: str, location: Location | None) -> SsmTag:
        path = raw.strip()
        if not path.startswith("/") or " " in path:
            raise TagSyntaxError(
                f"!ssm {raw!r} is not an SSM parameter path",
                "write e.g. `!ssm /acme/prod/ami-id` (a path starting with /)",
            )
        return cls(raw=raw, location=location, path=path)

    @property
    def source(self) -> dict[str, str]:
        return {"kind": "ssm", "path": self.path}


@dataclass(frozen=True)
class SecretTag(ConfigTag):
    """`!secret secretsmanager:name:key`: rendered only as a dynamic reference string."""

    yaml_tag: ClassVar[str] = "!secret"
    secret_id: str = ""
    json_key: str = ""

    @classmethod
    def parse(cls, raw: str, location: Location | None) -> SecretTag:
        service, _, rest = raw.strip().partition(":")
        secret_id, _, json_key = rest.partition(":")
        if service != "secretsmanager" or not secret_id:
            raise TagSyntaxError(
                f"!secret {raw!r} is not of the form secretsmanager:name[:json-key]",
                "write e.g. `!secret secretsmanager:acme/prod/db:password`",
            )
        return cls(raw=raw, location=location, secret_id=secret_id, json_key=json_key)

    @property
    def source(self) -> dict[str, str]:
        return {"kind": "secret", "secret_id": self.secret_id}

    def dynamic_reference(self) -> str:
        """The CloudFormation dynamic reference; CloudFormation fetches the value, not us."""
        key = f":SecretString:{self.json_key}" if self.json_key else ""
        return "{{resolve:secretsmanager:" + self.secret_id + key + "}}"

    def render_literal(self) -> str:
        return self.dynamic_reference()


class TagPluginError(TagSyntaxError):
    """A tag plugin is broken (not the config's fault); still reported at the tag in config."""


@cache
def _registered() -> dict[str, tuple[EntryPoint, ...]]:
    """`!name` -> the entry points registering it: one scan of installed packages per process."""
    found: dict[str, dict[str, EntryPoint]] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault("!" + ep.name, {}).setdefault(ep.value.strip(), ep)
    return {tag: tuple(targets.values()) for tag, targets in sorted(found.items())}


def known_tags() -> list[str]:
    """Every tag a config may use, e.g. `["!env", "!secret", "!ssm", "!stack_output"]`."""
    return list(_registered())


def clear_cache() -> None:
    """Forget the scanned entry points and loaded classes (tests that install plugins)."""
    _registered.cache_clear()
    tag_class.cache_clear()


@cache
def tag_class(yaml_tag: str) -> type[ConfigTag] | None:
    """The class registered for `yaml_tag`, None when there is none; TagPluginError when the
    registration is ambiguous or its target is not a usable ConfigTag."""
    eps = _registered().get(yaml_tag)
    if not eps:
        return None
    if len(eps) > 1:
        raise TagPluginError(
            f"tag {yaml_tag} is registered more than once: "
            + ", ".join(f"{ep.value} ({_dist(ep)})" for ep in eps),
            "uninstall one of those packages",
        )
    ep = eps[0]
    broken = f"the {ENTRY_POINT_GROUP} entry point {ep.name} = {ep.value} of {_dist(ep)}"
    module_name, _, attr = ep.value.strip().partition(":")
    try:
        found: Any = importlib.import_module(module_name)
        for part in attr.split("."):
            found = getattr(found, part)
    except Exception as exc:  # ImportError, SyntaxError, or anything the module raises
        raise TagPluginError(
            f"tag {yaml_tag} could not be loaded: {type(exc).__name__}: {exc}",
            f"{broken} is broken: fix or reinstall that package",
        ) from exc
    if not (isinstance(found, type) and issubclass(found, ConfigTag)):
        raise TagPluginError(
            f"tag {yaml_tag}: {ep.value} is not a ConfigTag subclass",
            f"{broken} must name a subclass of infragen.config.tags.ConfigTag",
        )
    if getattr(found, "yaml_tag", None) != yaml_tag:
        raise TagPluginError(
            f"tag {yaml_tag}: {ep.value} declares yaml_tag {getattr(found, 'yaml_tag', None)!r}",
            f"a tag has one name: set `yaml_tag = {yaml_tag!r}` on the class, or rename "
            "its entry point",
        )
    if not callable(getattr(found, "parse", None)):
        raise TagPluginError(
            f"tag {yaml_tag}: {ep.value} has no parse() classmethod",
            "define `parse(cls, raw, location)` returning an instance",
        )
    return found


def _dist(ep: EntryPoint) -> str:
    dist = getattr(ep, "dist", None)
    return f"package {dist.name}" if dist is not None else "an unknown package"


_PLAIN = (str, int, float, bool, list, dict)


def resolve(yaml_tag: str, raw: str, location: Location | None) -> Any:
    """What the loader puts in config for `!tag raw`: a literal or a deploy-time ConfigTag.

    Raises TagSyntaxError (bad argument, or a broken plugin) and LookupError (no such tag).
    """
    cls = tag_class(yaml_tag)
    if cls is None:
        raise LookupError(yaml_tag)
    try:
        tag = cls.parse(raw, location)
    except TagSyntaxError:
        raise
    except Exception as exc:  # the plugin's own bug: say whose, at the tag's location
        raise _plugin_bug(cls, yaml_tag, "parse()", exc) from exc
    if not isinstance(tag, ConfigTag):
        raise TagPluginError(
            f"tag {yaml_tag}: {cls.__qualname__}.parse() returned {type(tag).__name__}, "
            "not a ConfigTag",
            f"a bug in the plugin providing {yaml_tag}; report it to its maintainers",
        )
    try:
        literal = tag.render_literal()
        if literal is not None:
            if not isinstance(literal, _PLAIN):
                raise TypeError(f"render_literal() returned a {type(literal).__name__}")
            return literal
        deps = tag.dependencies()
        source = tag.source
        if not (isinstance(deps, set) and all(isinstance(d, str) for d in deps)):
            raise TypeError("dependencies() must return a set of stack ids")
        if not (isinstance(source, dict) and all(isinstance(v, str) for v in source.values())):
            raise TypeError("source must be a dict of strings")
    except TagSyntaxError:
        raise
    except Exception as exc:
        raise _plugin_bug(cls, yaml_tag, "its value", exc) from exc
    return tag


def _plugin_bug(cls: type, yaml_tag: str, what: str, exc: Exception) -> TagPluginError:
    return TagPluginError(
        f"tag {yaml_tag}: {cls.__module__}.{cls.__qualname__} failed in {what}: "
        f"{type(exc).__name__}: {exc}",
        f"a bug in the plugin providing {yaml_tag}; report it to its maintainers",
    )


class _TagTable(Mapping[str, type[ConfigTag]]):
    """`TAGS["!env"]`: a read-only view of the registry, loading a class when it is asked for."""

    def __getitem__(self, yaml_tag: str) -> type[ConfigTag]:
        cls = tag_class(yaml_tag)
        if cls is None:
            raise KeyError(yaml_tag)
        return cls

    def __iter__(self) -> Iterator[str]:
        return iter(known_tags())

    def __len__(self) -> int:
        return len(known_tags())


TAGS: Mapping[str, type[ConfigTag]] = _TagTable()

# Tags whose value becomes a CloudFormation Parameter of the consuming template.
DeployTag = StackOutputTag | EnvTag | SsmTag
