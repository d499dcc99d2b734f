"""Security group rules as typed vars, shared by every blueprint that owns a group."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any, Literal

from pydantic import Field, model_validator
from troposphere import Template

from infragen.blueprints.base import (
    BlueprintVars,
    DeployStr,
    DeployTagValue,
    Param,
    SecurityGroupIdValue,
)
from infragen.blueprints.helpers.security_group import Rule, allow_ingress
from infragen.facts.network import (
    PRIVATE_CIDR_CONSTRAINT,
    PRIVATE_CIDR_PATTERN,
    PUBLIC_PREFIX_LENGTH,
    is_public,
    network,
    public_ranges,
)

#: A CIDR that must not be the internet, also when it arrives at deploy time (`!env`,
#: `!stack_output`): the Parameter gets an AllowedPattern CloudFormation checks before any write.
PrivateCidrValue = Annotated[
    str | DeployTagValue,
    Param(allowed_pattern=PRIVATE_CIDR_PATTERN, constraint_description=PRIVATE_CIDR_CONSTRAINT),
]


class RuleVars(BlueprintVars):
    """One rule to a CIDR, a prefix list or another security group.

    `protocol: all` (every protocol and port, no `port`) is for egress such as seed 003's
    "ECS tasks out to 0.0.0.0/0 on any port"; blueprints refuse it where it makes no sense.
    """

    exactly_one_of = (("cidr", "prefix_list", "security_group_id"),)

    port: int | None = Field(default=None, ge=1, le=65535)
    description: str = Field(min_length=1)
    protocol: Literal["tcp", "udp", "all"] = "tcp"
    cidr: DeployStr | None = None
    prefix_list: DeployStr | None = None
    security_group_id: SecurityGroupIdValue | None = None

    @model_validator(mode="after")
    def _one_peer(self) -> RuleVars:
        if (self.port is None) != (self.protocol == "all"):
            raise ValueError(
                "protocol all takes no port" if self.port is not None else "give a port"
            )
        if isinstance(self.cidr, str):
            try:
                ipaddress.IPv4Network(self.cidr)
            except ValueError as exc:
                raise ValueError(f"cidr {self.cidr!r}: {exc}") from None
        return self

    @property
    def open_to_world(self) -> bool:
        """Broader than /8: the internet, as rule E9101 judges it (infragen.facts.network)."""
        return isinstance(self.cidr, str) and is_public(self.cidr)

    def rule(self) -> Rule:
        return Rule(
            self.port,
            self.description,
            cidr=self.cidr,
            prefix_list=self.prefix_list,
            source_sg=self.security_group_id,
            protocol="-1" if self.protocol == "all" else self.protocol,
        )


class PrivateRuleVars(RuleVars):
    """An ingress rule of a resource that is never public (a private instance)."""

    cidr: PrivateCidrValue | None = None  # type: ignore[assignment]


def internet_in_pieces(rules: list[RuleVars]) -> tuple[int, str] | None:
    """(index of a rule, the range) when these rules' CIDRs together cover a range broader than
    /8 (`0.0.0.0/1` + `128.0.0.0/1`), as rule E9101 judges a security group's ingress."""
    cidrs = [(i, r.cidr) for i, r in enumerate(rules) if isinstance(r.cidr, str)]
    for merged in public_ranges([cidr for _, cidr in cidrs]):
        public = network(merged)
        for index, cidr in cidrs:
            own = network(cidr)
            if public and own and own.version == public.version and own.subnet_of(public):  # type: ignore[arg-type]
                return index, merged
    return None


def internet_message(cidr: str, merged: str) -> str:
    pieces = "" if cidr == merged else f" (with the other ingress ranges: {merged})"
    return f"ingress from {cidr}{pieces} is the internet (broader than /{PUBLIC_PREFIX_LENGTH})"


class IngressGrant(BlueprintVars):
    """An ingress rule this stack adds to another stack's group, from this stack's own group.

    How a database accepts its clients without depending on them (seed 002 §9).
    """

    security_group_id: SecurityGroupIdValue
    port: int = Field(ge=1, le=65535)
    description: str = Field(min_length=1)


def grant_ingress(template: Template, grants: list[IngressGrant], *, source_sg: Any) -> None:
    """One `GrantIngress<n>` resource per grant, each from `source_sg`."""
    for index, grant in enumerate(grants):
        allow_ingress(
            template,
            f"GrantIngress{index + 1}",
            group=grant.security_group_id,
            rule=Rule(grant.port, grant.description, source_sg=source_sg),
        )
