"""Config-time YAML tags: one small class each, plus the tag -> class table.

Each tag has two phases (the Sceptre resolver model): at load time it says which stacks it
needs (`dependencies`), and in the rendered template it becomes a CloudFormation Parameter
whose value infragen (or CloudFormation itself, for SSM) supplies at deploy time. Secrets are
the exception: `!secret` renders only as a dynamic reference, so its value never reaches
`templates_out/`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from infragen.errors import Location

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


TAGS: dict[str, type[StackOutputTag] | type[EnvTag] | type[SsmTag] | type[SecretTag]] = {
    cls.yaml_tag: cls for cls in (StackOutputTag, EnvTag, SsmTag, SecretTag)
}

# Tags whose value becomes a CloudFormation Parameter of the consuming template.
DeployTag = StackOutputTag | EnvTag | SsmTag
