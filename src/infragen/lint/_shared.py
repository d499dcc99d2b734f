"""Helpers shared by infragen's cfn-lint rules.

Plain functions only: cfn-lint instantiates every `CloudFormationLintRule` subclass it finds in a
scanned module, so a shared base class would become a bogus rule. This module defines none and
imports only the standard library and `infragen.facts` (standard library too), so the rules also
load under a bare `cfn-lint --append-rules`. Facts the blueprints share (secret-looking names, IAM
actions without resource-level permissions, stateful types, production names) live in
`infragen.facts`, and the rules import them from there.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from infragen.facts.cfn import is_true as is_true  # re-exported: the rules read flags with it
from infragen.facts.environments import PRODUCTION_ENV_NAMES, is_production_name
from infragen.facts.secrets import DYNAMIC_SECRET_PREFIXES
from infragen.facts.secrets import NOT_SECRET_VALUE_PREFIXES as NOT_SECRET_VALUE_PREFIXES
from infragen.facts.secrets import looks_like_reference as looks_like_reference
from infragen.facts.secrets import shannon_entropy as shannon_entropy

PathT = list[str | int]


def infragen_metadata(cfn_template: dict[str, Any]) -> dict[str, Any]:
    """`Metadata.infragen` of a template (written by `infragen render`), or {}."""
    metadata = cfn_template.get("Metadata")
    if isinstance(metadata, dict):
        ours = metadata.get("infragen")
        if isinstance(ours, dict):
            return ours
    return {}


def production_option() -> dict[str, Any]:
    """The `production_environments` rule option (E9601, W9602), for `config_definition`."""
    return {
        "production_environments": {
            "default": list(PRODUCTION_ENV_NAMES),
            "type": "list",
            "itemtype": "string",
        }
    }


def is_production(metadata: dict[str, Any], environments: Any = PRODUCTION_ENV_NAMES) -> bool:
    """An explicit `production: true/false` wins; otherwise the environment's name decides."""
    if isinstance(metadata.get("production"), bool):
        return metadata["production"]
    environment = metadata.get("environment")
    entries = environments if isinstance(environments, list | tuple) else as_list(environments)
    return isinstance(environment, str) and is_production_name(environment, entries)


def resource_infragen_metadata(resource: dict[str, Any]) -> dict[str, Any]:
    """`Metadata.infragen` of one resource: where opt-outs with a reason live."""
    metadata = resource.get("Metadata")
    if isinstance(metadata, dict) and isinstance(metadata.get("infragen"), dict):
        return metadata["infragen"]
    return {}


def is_set(value: Any) -> bool:
    """A property is set when present and not an empty string or `Ref: AWS::NoValue`."""
    if value is None or value == "":
        return False
    return not (isinstance(value, dict) and value.get("Ref") == "AWS::NoValue")


def referenced_logical_id(value: Any) -> str | None:
    """Logical id behind `Ref: X` or `Fn::GetAtt: [X, attr]` (either spelling), else None."""
    if not isinstance(value, dict) or len(value) != 1:
        return None
    if "Ref" in value and isinstance(value["Ref"], str):
        return value["Ref"]
    if "Fn::GetAtt" in value:
        target = value["Fn::GetAtt"]
        if isinstance(target, list) and target and isinstance(target[0], str):
            return target[0]
        if isinstance(target, str):
            return target.split(".", 1)[0]
    return None


def as_list(value: Any) -> list[Any]:
    """A scalar as a one-item list; a list unchanged; None as []."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def is_dynamic_secret(value: str) -> bool:
    """Starts with `{{resolve:secretsmanager:` / `{{resolve:ssm-secure:`: a reference, or the
    first piece of one built with Fn::Join / Fn::Sub. For a whole literal value use
    `infragen.facts.secrets.is_dynamic_reference`, which refuses text after the reference."""
    return value.strip().startswith(DYNAMIC_SECRET_PREFIXES)


def walk(node: Any, path: PathT) -> Iterator[tuple[PathT, Any]]:
    """Every (path, value) pair under node, depth first, dict keys in template order."""
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, [*path, key])
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, [*path, index])


# --- IAM policy documents -------------------------------------------------------------------

#: Resource type -> property paths of the identity policy documents it carries.
IDENTITY_POLICY_PATHS: dict[str, tuple[tuple[str, ...], ...]] = {
    "AWS::IAM::Role": (("Policies", "*", "PolicyDocument"),),
    "AWS::IAM::User": (("Policies", "*", "PolicyDocument"),),
    "AWS::IAM::Group": (("Policies", "*", "PolicyDocument"),),
    "AWS::IAM::Policy": (("PolicyDocument",),),
    "AWS::IAM::ManagedPolicy": (("PolicyDocument",),),
    "AWS::IAM::RolePolicy": (("PolicyDocument",),),
    "AWS::IAM::UserPolicy": (("PolicyDocument",),),
    "AWS::IAM::GroupPolicy": (("PolicyDocument",),),
}

#: Resource policies: their `Resource` names the resource itself, so only actions are checked.
RESOURCE_POLICY_PATHS: dict[str, tuple[tuple[str, ...], ...]] = {
    "AWS::S3::BucketPolicy": (("PolicyDocument",),),
    "AWS::SQS::QueuePolicy": (("PolicyDocument",),),
    "AWS::SNS::TopicPolicy": (("PolicyDocument",),),
}


def _select(node: Any, parts: tuple[str, ...], path: PathT) -> Iterator[tuple[PathT, Any]]:
    if not parts:
        yield path, node
        return
    head, rest = parts[0], parts[1:]
    if head == "*":
        if isinstance(node, list):
            for index, item in enumerate(node):
                yield from _select(item, rest, [*path, index])
    elif isinstance(node, dict) and head in node:
        yield from _select(node[head], rest, [*path, head])


def policy_documents(
    resources: dict[str, Any], table: dict[str, tuple[tuple[str, ...], ...]]
) -> Iterator[tuple[PathT, dict[str, Any]]]:
    """(path, document) for every policy document the table locates in the resources."""
    for name, resource in resources.items():
        if not isinstance(resource, dict):
            continue
        paths = table.get(resource.get("Type", ""))
        properties = resource.get("Properties")
        if not paths or not isinstance(properties, dict):
            continue
        for parts in paths:
            for path, document in _select(properties, parts, ["Resources", name, "Properties"]):
                if isinstance(document, dict):
                    yield path, document


def allow_statements(
    document: dict[str, Any], path: PathT
) -> Iterator[tuple[PathT, dict[str, Any]]]:
    """(path, statement) for each `Effect: Allow` statement of a policy document."""
    statements = document.get("Statement")
    if isinstance(statements, dict):
        items: list[tuple[PathT, Any]] = [([*path, "Statement"], statements)]
    elif isinstance(statements, list):
        items = [([*path, "Statement", i], s) for i, s in enumerate(statements)]
    else:
        return
    for statement_path, statement in items:
        if isinstance(statement, dict) and statement.get("Effect") == "Allow":
            yield statement_path, statement


def keyed_strings(statement: dict[str, Any], key: str, path: PathT) -> Iterator[tuple[PathT, str]]:
    """(path, literal) for each literal string under `Action`/`Resource` (a string or a list)."""
    value = statement.get(key)
    if isinstance(value, str):
        yield [*path, key], value
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, str):
                yield [*path, key, index], item


def is_wildcard_action(action: str) -> bool:
    """`*` or `service:*` grant everything a service can do."""
    return action.strip() == "*" or action.strip().endswith(":*")
