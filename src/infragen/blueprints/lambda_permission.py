"""Lets one AWS service invoke a function, scoped to the calling resource's ARN."""

from __future__ import annotations

from typing import Literal

from infragen.blueprints.base import Blueprint, BlueprintVars, DeployStr
from infragen.blueprints.helpers.invoke import invoke_permission

Principal = Literal[
    "apigateway.amazonaws.com",
    "elasticloadbalancing.amazonaws.com",
    "s3.amazonaws.com",
    "events.amazonaws.com",
    "sns.amazonaws.com",
]


class LambdaPermissionVars(BlueprintVars):
    function_arn: DeployStr
    principal: Principal
    # Required: a permission without SourceArn lets any resource of that service, in any
    # account, invoke the function.
    source_arn: DeployStr


class LambdaPermission(Blueprint):
    description = "lambda:InvokeFunction for one service principal, scoped by SourceArn"
    Vars = LambdaPermissionVars
    outputs = {}
    vars: LambdaPermissionVars

    def build(self):
        v = self.vars
        self.template.set_description(
            f"{self.context.stack_id}: {v.principal} may invoke the function"
        )
        invoke_permission(
            self.template,
            "InvokePermission",
            function=v.function_arn,
            principal=v.principal,
            source_arn=v.source_arn,
        )
        return self.template
