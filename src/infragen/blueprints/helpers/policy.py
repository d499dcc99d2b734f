"""IAM statements written in config (`{actions: [...], resources: [...]}`), checked against awacs.

An action must exist as an awacs constant (`s3:PutObject` -> `awacs.s3.PutObject`), so a typo
is a config error with a location, not an AccessDenied in production. Wildcards are refused,
and `*` as a resource only for actions that have no resource-level permissions at all
(`infragen.facts.iam`, the list rule E9402 checks rendered templates against).
Resource strings may use CloudFormation pseudo parameters (`${AWS::AccountId}`; they render
through `!Sub`) and infragen's own `{project}`, `{env}`, `{app}`, which name physical
resources the way `BuildContext.name` does, so a role can be scoped to a resource built in a
stack it must not depend on.
"""

from __future__ import annotations

import importlib
import re
from functools import cache
from typing import Any

from awacs.aws import Action as AwacsAction
from awacs.aws import Statement
from pydantic import Field, field_validator, model_validator
from troposphere import Sub

from infragen.blueprints.base import BlueprintVars, BuildContext, DeployStr, VarError
from infragen.blueprints.helpers.role import allow
from infragen.facts.iam import needs_star_resource

ACTION_RE = re.compile(r"^([a-z0-9-]+):([A-Za-z0-9]+)$")

_CONTEXT_PLACEHOLDER = re.compile(r"(?<!\$)\{(project|env|app)\}")


@cache
def _awacs_module(prefix: str) -> Any:
    for name in (prefix.replace("-", "_"), f"aws{prefix}"):
        try:
            module = importlib.import_module(f"awacs.{name}")
        except ImportError:
            continue
        if getattr(module, "prefix", None) == prefix:
            return module
    return None


def awacs_action(action: str) -> AwacsAction:
    """The awacs constant for `service:Action`; ValueError naming the problem otherwise."""
    match = ACTION_RE.match(action)
    if not match:
        if "*" in action:
            raise ValueError(f"{action!r}: wildcards are not allowed; list each action")
        raise ValueError(f"{action!r} is not of the form service:Action (e.g. s3:GetObject)")
    prefix, name = match.groups()
    module = _awacs_module(prefix)
    if module is None:
        raise ValueError(f"{action!r}: unknown IAM service prefix {prefix!r}")
    constant = getattr(module, name, None)
    if not isinstance(constant, AwacsAction):
        raise ValueError(f"{action!r}: {prefix} has no action {name!r}")
    return constant


class Permission(BlueprintVars):
    """One Allow statement. Resources: ARNs, `${AWS::...}` pseudo parameters, deploy tags."""

    actions: list[str] = Field(min_length=1)
    resources: list[DeployStr] = Field(min_length=1)
    sid: str | None = Field(default=None, pattern=r"^[A-Za-z0-9]+$")

    @field_validator("actions")
    @classmethod
    def _known_actions(cls, actions: list[str]) -> list[str]:
        for action in actions:
            awacs_action(action)
        if len(set(actions)) != len(actions):
            raise ValueError("an action is listed twice")
        return actions

    @model_validator(mode="after")
    def _scoped(self) -> Permission:
        for index, resource in enumerate(self.resources):
            if resource != "*":
                continue
            scoped = [a for a in self.actions if not needs_star_resource(a)]
            if scoped:
                raise VarError(
                    f"resource '*' is only allowed for actions without resource-level "
                    f"permissions; scope {', '.join(scoped)} to ARNs (or move them to their "
                    "own statement)",
                    "resources",
                    index,
                )
        return self


def fill_placeholders(text: str, context: BuildContext) -> str:
    """`{project}`, `{env}`, `{app}` -> this stack's values; `${AWS::...}` stays for `!Sub`."""
    return _CONTEXT_PLACEHOLDER.sub(
        lambda m: {"project": context.project, "env": context.env, "app": context.app}[m.group(1)],
        text,
    )


def resource_value(resource: Any, context: BuildContext) -> Any:
    """A config resource string as a template value: `!Sub` when it uses `${...}`."""
    if not isinstance(resource, str):
        return resource  # a Ref to the Parameter of a deploy-time tag
    text = fill_placeholders(resource, context)
    return Sub(text) if "${" in text else text


def statements(permissions: list[Permission], context: BuildContext) -> list[Statement]:
    """awacs statements for the permissions, in config order."""
    return [
        allow(
            [awacs_action(a) for a in p.actions],
            [resource_value(r, context) for r in p.resources],
            sid=p.sid,
        )
        for p in permissions
    ]


def managed_policy_arn(name_or_arn: str) -> Any:
    """`AWSLambdaVPCAccessExecutionRole` or `service-role/...` -> the AWS managed policy ARN."""
    if name_or_arn.startswith("arn:"):
        return name_or_arn
    path = name_or_arn if "/" in name_or_arn else _MANAGED_PATHS.get(name_or_arn, name_or_arn)
    return Sub("arn:${AWS::Partition}:iam::aws:policy/" + path)


# Managed policies that live under a path; the rest are at the root.
_MANAGED_PATHS = {
    "AWSLambdaVPCAccessExecutionRole": "service-role/AWSLambdaVPCAccessExecutionRole",
    "AWSLambdaBasicExecutionRole": "service-role/AWSLambdaBasicExecutionRole",
    "AmazonAPIGatewayPushToCloudWatchLogs": "service-role/AmazonAPIGatewayPushToCloudWatchLogs",
}
