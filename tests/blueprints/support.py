"""Shared by the blueprint tests: read CloudFormation YAML, render the example in memory."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]


class CfnLoader(yaml.SafeLoader):
    """SafeLoader that reads short-form intrinsics (`!Ref x`) back into long form."""


def _construct(loader: CfnLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


CfnLoader.add_multi_constructor("!", _construct)


def load_cfn(text: str) -> dict[str, Any]:
    return yaml.load(text, Loader=CfnLoader)


@cache
def rendered() -> dict[str, dict[str, Any]]:
    """env -> {"stacks": {stack id: template dict}, "manifest": manifest} from config/."""
    from infragen.render.render import render_env
    from infragen.render.service import load_envs

    out: dict[str, dict[str, Any]] = {}
    for env in load_envs(REPO / "config", None):
        result = render_env(env)
        out[env.name] = {
            "stacks": {sid: load_cfn(s.body) for sid, s in result.stacks.items()},
            "bodies": {sid: s.body for sid, s in result.stacks.items()},
            "manifest": result.manifest,
        }
    return out


def resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def one(template: dict[str, Any], kind: str) -> dict[str, Any]:
    found = resources(template, kind)
    assert len(found) == 1, f"expected one {kind}, found {sorted(found)}"
    return next(iter(found.values()))


def statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        s
        for policy in role["Properties"].get("Policies", [])
        for s in policy["PolicyDocument"]["Statement"]
    ]


def granted_actions(role: dict[str, Any]) -> set[str]:
    return {a for s in statements(role) if s["Effect"] == "Allow" for a in s["Action"]}


def param_source(env: str, stack: str, ref: dict[str, Any]) -> dict[str, str]:
    """Where the Parameter behind `{"Ref": name}` gets its value (from the manifest)."""
    params = rendered()[env]["manifest"]["stacks"][stack]["parameters"]
    return params[ref["Ref"]]["source"]
