"""Security groups with explicit ingress and egress: nothing is open unless a rule says so."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from troposphere import Template, ec2

# A rule AWS accepts but that matches no traffic: how CloudFormation expresses "no egress"
# (a group without SecurityGroupEgress gets allow-all). Same trick as the CDK.
_NO_TRAFFIC = {
    "IpProtocol": "icmp",
    "FromPort": 252,
    "ToPort": 86,
    "CidrIp": "255.255.255.255/32",
    "Description": "Disallow all traffic",
}


@dataclass(frozen=True)
class Rule:
    """One ingress or egress rule; exactly one of cidr, source_sg or prefix_list is set."""

    port: int | None  # None = all ports (protocol must then be "-1")
    description: str
    cidr: Any = None
    source_sg: Any = None  # a security group id, Ref or GetAtt
    prefix_list: Any = None
    protocol: str = "tcp"
    to_port: int | None = None

    def to_dict(self, direction: str) -> dict[str, Any]:
        rule: dict[str, Any] = {"IpProtocol": self.protocol, "Description": self.description}
        if self.port is not None:
            rule["FromPort"] = self.port
            rule["ToPort"] = self.to_port if self.to_port is not None else self.port
        peer_key = "SourceSecurityGroupId" if direction == "in" else "DestinationSecurityGroupId"
        prefix_key = "SourcePrefixListId" if direction == "in" else "DestinationPrefixListId"
        if self.cidr is not None:
            rule["CidrIp"] = self.cidr
        elif self.source_sg is not None:
            rule[peer_key] = self.source_sg
        elif self.prefix_list is not None:
            rule[prefix_key] = self.prefix_list
        else:
            raise ValueError(f"rule {self.description!r} names no peer")
        return rule


def security_group(
    template: Template,
    logical_id: str,
    *,
    description: str,
    vpc_id: Any,
    ingress: list[Rule] = (),  # type: ignore[assignment]
    egress: list[Rule] = (),  # type: ignore[assignment]
) -> ec2.SecurityGroup:
    """A group whose egress is exactly `egress` (none at all when empty)."""
    ingress_rules = [ec2.SecurityGroupRule(**rule.to_dict("in")) for rule in ingress]
    egress_rules = [ec2.SecurityGroupRule(**rule.to_dict("out")) for rule in egress] or [
        ec2.SecurityGroupRule(**_NO_TRAFFIC)
    ]
    group = ec2.SecurityGroup(
        logical_id,
        GroupDescription=description,
        VpcId=vpc_id,
        SecurityGroupEgress=egress_rules,
    )
    if ingress_rules:
        group.SecurityGroupIngress = ingress_rules
    return template.add_resource(group)


def server_group(
    template: Template,
    *,
    description: str,
    vpc_id: Any,
    port: int,
    clients: list[Any],
) -> ec2.SecurityGroup:
    """A data store's group: `port` from each listed client (`security_group_id`,
    `description`), nothing out. Clients deployed later grant themselves in instead."""
    return security_group(
        template,
        "SecurityGroup",
        description=description,
        vpc_id=vpc_id,
        ingress=[Rule(port, c.description, source_sg=c.security_group_id) for c in clients],
    )


def allow_ingress(
    template: Template, logical_id: str, *, group: Any, rule: Rule
) -> ec2.SecurityGroupIngress:
    """A separate ingress resource, for rules between groups of different stacks or cycles."""
    return template.add_resource(
        ec2.SecurityGroupIngress(logical_id, GroupId=group, **rule.to_dict("in"))
    )


def allow_egress(
    template: Template, logical_id: str, *, group: Any, rule: Rule
) -> ec2.SecurityGroupEgress:
    """A separate egress resource on another stack's group (its rule's peer lives here)."""
    return template.add_resource(
        ec2.SecurityGroupEgress(logical_id, GroupId=group, **rule.to_dict("out"))
    )
