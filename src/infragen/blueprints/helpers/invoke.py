"""The Lambda invoke permission every event source needs, built in one place.

A permission without `SourceArn` lets any resource of that service, in any account, invoke
the function; `SourceAccount` closes the same hole for services (S3) whose ARNs carry no
account. https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html
"""

from __future__ import annotations

from typing import Any

from troposphere import AccountId, Template, awslambda


def invoke_permission(
    template: Template,
    logical_id: str,
    *,
    function: Any,
    principal: str,
    source_arn: Any,
    depends_on: list[str] | None = None,
) -> awslambda.Permission:
    """`lambda:InvokeFunction` for `principal`, scoped to `source_arn` in this account."""
    permission = awslambda.Permission(
        logical_id,
        Action="lambda:InvokeFunction",
        FunctionName=function,
        Principal=principal,
        SourceArn=source_arn,
        SourceAccount=AccountId,
    )
    if depends_on:
        permission.DependsOn = depends_on
    return template.add_resource(permission)


def execute_api_arn(api_logical_id: str, path: str = "*") -> Any:
    """`arn:…:execute-api:<region>:<account>:<api id>/<path>` for an API in this template."""
    from troposphere import Sub

    return Sub(
        "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:"
        f"${{{api_logical_id}}}/{path}"
    )
