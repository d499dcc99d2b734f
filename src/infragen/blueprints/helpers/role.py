"""Least-privilege IAM roles from awacs statements: actions are constants, so a typo fails here."""

from __future__ import annotations

from typing import Any

from awacs.aws import Allow, Policy, PolicyDocument, Principal, Statement
from awacs.sts import AssumeRole
from troposphere import Template, iam


def service_role(
    template: Template,
    logical_id: str,
    *,
    services: list[str],
    statements: list[Statement],
    managed_policy_arns: list[Any] = (),  # type: ignore[assignment]
    policy_name: str = "least-privilege",
    description: str | None = None,
) -> iam.Role:
    """A role assumable by `services` (e.g. lambda.amazonaws.com) with one inline policy."""
    role = iam.Role(
        logical_id,
        AssumeRolePolicyDocument=PolicyDocument(
            Version="2012-10-17",
            Statement=[
                Statement(
                    Effect=Allow,
                    Principal=Principal("Service", sorted(services)),
                    Action=[AssumeRole],
                )
            ],
        ),
    )
    if statements:
        role.Policies = [
            iam.Policy(
                PolicyName=policy_name,
                PolicyDocument=PolicyDocument(Version="2012-10-17", Statement=list(statements)),
            )
        ]
    if managed_policy_arns:
        role.ManagedPolicyArns = list(managed_policy_arns)
    if description:
        role.Description = description
    return template.add_resource(role)


def allow(
    actions: list[Any], resources: list[Any], sid: str | None = None, **extra: Any
) -> Statement:
    """One Allow statement; resources must be explicit (no implicit `*`)."""
    kwargs: dict[str, Any] = {"Effect": Allow, "Action": list(actions), "Resource": list(resources)}
    if sid:
        kwargs["Sid"] = sid
    kwargs.update(extra)
    return Statement(**kwargs)


def policy_document(statements: list[Statement]) -> Policy:
    return PolicyDocument(Version="2012-10-17", Statement=list(statements))
