"""One security group on a stack of its own, with explicit ingress and egress rules.

For groups that several stacks share or that must exist before their peers, such as seed
001's `sg-api` (an App Runner VPC connector) and `sg-ai` (a private App Runner endpoint). A
client group deployed after its servers adds itself to them with `grant_ingress`, the same
idea as lambda-function's `vpc.grant_ingress`: the server's stack never depends on its
clients, so there is no dependency cycle. Rule peers may be deploy-time values
(`!stack_output app/database::SecurityGroupId`).
"""

from __future__ import annotations

import re

from pydantic import Field, field_validator, model_validator
from troposphere import GetAtt

from infragen.blueprints.base import (
    Blueprint,
    BlueprintVars,
    SecurityGroupIdValue,
    VarError,
    VpcIdValue,
)
from infragen.blueprints.helpers.rule_vars import RuleVars
from infragen.blueprints.helpers.security_group import Rule, allow_ingress, security_group

# The characters EC2 accepts in group and rule descriptions.
# https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html
DESCRIPTION_RE = re.compile(r"^[A-Za-z0-9. _\-:/()#,@\[\]+=&;{}!$*]{1,255}$")


class IngressGrant(BlueprintVars):
    """An ingress rule this stack adds to another stack's group, from this stack's group."""

    security_group_id: SecurityGroupIdValue
    port: int = Field(ge=1, le=65535)
    description: str = Field(min_length=1)

    @field_validator("description")
    @classmethod
    def _description(cls, value: str) -> str:
        return _check_description(value)


class SecurityGroupVars(BlueprintVars):
    vpc_id: VpcIdValue
    description: str
    ingress: list[RuleVars] = Field(default_factory=list)
    # None at all when empty: the group may then only answer, never connect out.
    egress: list[RuleVars] = Field(default_factory=list)
    grant_ingress: list[IngressGrant] = Field(default_factory=list)

    @field_validator("description")
    @classmethod
    def _description(cls, value: str) -> str:
        return _check_description(value)

    @model_validator(mode="after")
    def _rules(self) -> SecurityGroupVars:
        for direction in ("ingress", "egress"):
            for index, rule in enumerate(getattr(self, direction)):
                if not DESCRIPTION_RE.match(rule.description):
                    raise VarError(_description_error(rule.description), direction, index)
        for index, rule in enumerate(self.ingress):
            # Only public load balancers (alb) take traffic from anywhere, on 80/443.
            if rule.open_to_world:
                raise VarError(
                    "ingress from 0.0.0.0/0 is refused: name the client's security group, "
                    "a CIDR inside your network or a prefix list",
                    "ingress",
                    index,
                    "cidr",
                )
        return self


def _description_error(value: str) -> str:
    allowed = "letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*"
    return f"{value!r}: EC2 descriptions are 1-255 of {allowed}"


def _check_description(value: str) -> str:
    if not DESCRIPTION_RE.match(value):
        raise ValueError(_description_error(value))
    return value


class SecurityGroup(Blueprint):
    description = "Security group with explicit ingress/egress; grants itself into peer groups"
    Vars = SecurityGroupVars
    outputs = {"SecurityGroupId": "Id of the security group"}
    vars: SecurityGroupVars

    def build(self):
        v = self.vars
        t = self.template
        t.set_description(f"{self.context.stack_id}: security group ({v.description})")
        group = security_group(
            t,
            "SecurityGroup",
            description=v.description,
            vpc_id=v.vpc_id,
            ingress=[rule.rule() for rule in v.ingress],
            egress=[rule.rule() for rule in v.egress],
        )
        for index, grant in enumerate(v.grant_ingress):
            allow_ingress(
                t,
                f"GrantIngress{index + 1}",
                group=grant.security_group_id,
                rule=Rule(grant.port, grant.description, source_sg=GetAtt(group, "GroupId")),
            )
        self.output("SecurityGroupId", GetAtt(group, "GroupId"))
        return t
