"""A rendered CloudFormation template read back: resources, parameters, outputs, literal values.

Shared by the cost estimate, the diagram, the env README and the deploy-time checks (prune,
stack policies, drift masking, deploy-time value policy)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


class _CfnLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Short-form intrinsics (`!Ref X`, `!GetAtt A.B`) become their long form."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = suffix if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CfnLoader.add_multi_constructor("!", _intrinsic)


def load_document(text: str) -> dict[str, Any]:
    """A template's text as a dict, intrinsics in their long form."""
    return yaml.load(text, Loader=_CfnLoader) or {}


class DeployTimeValue(Exception):
    """A property the estimate needs is only known at deploy time."""


@dataclass(frozen=True)
class Template:
    resources: dict[str, dict[str, Any]]
    parameters: dict[str, dict[str, Any]]
    outputs: dict[str, dict[str, Any]]

    @classmethod
    def read(cls, path: Path) -> Template:
        return cls.parse(path.read_text(encoding="utf-8"))

    @classmethod
    def parse(cls, text: str) -> Template:
        """A template's text, YAML (short-form intrinsics too) or JSON."""
        return cls.of(load_document(text))

    @classmethod
    def of(cls, document: dict[str, Any]) -> Template:
        """From a template as a dict in long form (what a render has in memory before it
        writes YAML, so the env README need not parse back what render just wrote)."""
        return cls(
            document.get("Resources") or {},
            document.get("Parameters") or {},
            document.get("Outputs") or {},
        )

    def of_type(self, type_: str) -> list[str]:
        return [lid for lid, res in self.resources.items() if res.get("Type") == type_]

    def literal(self, value: Any, what: str) -> Any:
        """`value`, a parameter's default behind a `Ref`, or DeployTimeValue naming `what`."""
        if isinstance(value, dict) and set(value) == {"Ref"}:
            param = self.parameters.get(value["Ref"])
            if param is not None and "Default" in param:
                return param["Default"]
        if isinstance(value, dict):
            raise DeployTimeValue(f"{what} is {next(iter(value))}, known only at deploy time")
        return value

    def referenced(self, value: Any) -> dict[str, Any] | None:
        """The resource a `Ref`/`GetAtt` in this template points at, if it is local."""
        if isinstance(value, dict):
            if "Ref" in value:
                return self.resources.get(value["Ref"])
            if "Fn::GetAtt" in value:
                return self.resources.get(value["Fn::GetAtt"][0])
        return None
