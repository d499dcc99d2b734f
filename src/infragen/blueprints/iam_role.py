"""A service role on its own stack, for systems that deploy the role before its user."""

from __future__ import annotations

import re

from pydantic import Field, field_validator
from troposphere import GetAtt, Ref

from infragen.blueprints.base import Blueprint, BlueprintVars
from infragen.blueprints.helpers.policy import Permission, managed_policy_arn, statements
from infragen.blueprints.helpers.role import service_role

SERVICE_RE = re.compile(r"^[a-z0-9.-]+\.amazonaws\.com$")


class IamRoleVars(BlueprintVars):
    services: list[str] = Field(min_length=1)
    policy: list[Permission] = Field(default_factory=list)
    managed_policies: list[str] = Field(default_factory=list)
    description: str = ""

    @field_validator("services")
    @classmethod
    def _principals(cls, services: list[str]) -> list[str]:
        for service in services:
            if not SERVICE_RE.match(service):
                raise ValueError(
                    f"{service!r} is not a service principal like lambda.amazonaws.com"
                )
        return services


class IamRole(Blueprint):
    """A role assumable by AWS services, with config-given least-privilege statements."""

    description = "IAM service role with awacs-checked inline statements and managed policies"
    Vars = IamRoleVars
    outputs = {"RoleArn": "ARN of the role", "RoleName": "Name of the role"}
    vars: IamRoleVars

    def build(self):
        v = self.vars
        self.template.set_description(f"{self.context.stack_id}: role for {', '.join(v.services)}")
        role = service_role(
            self.template,
            "Role",
            services=v.services,
            statements=statements(v.policy, self.context),
            managed_policy_arns=[managed_policy_arn(m) for m in v.managed_policies],
            description=v.description or f"{self.context.stack_id} service role",
        )
        self.output("RoleArn", GetAtt(role, "Arn"))
        self.output("RoleName", Ref(role))
        return self.template
