"""Amazon EC2 security group egress rules, backed by moto's EC2 backend.

moto models AWS::EC2::SecurityGroupIngress but not its egress twin; this adds the rule
to the group in moto (DescribeSecurityGroupRules shows it) and revokes it on delete.
"""

from __future__ import annotations

from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.ec2.models import EC2Backend, ec2_backends

from infragen.emulator.models._base import EmulatedResource


def _backend(resource: EmulatedResource) -> EC2Backend:
    return ec2_backends[resource.account_id][resource.region_name]


class SecurityGroupEgress(EmulatedResource, CloudFormationModel):
    """AWS::EC2::SecurityGroupEgress: one egress rule (CIDR, IPv6 CIDR, destination group or
    prefix list); Ref and Id are its `sgr-` id. Only the description updates in place."""

    TYPE = "AWS::EC2::SecurityGroupEgress"
    ATTRIBUTES = frozenset({"Id"})
    CREATE_ONLY = (
        "GroupId",
        "IpProtocol",
        "FromPort",
        "ToPort",
        "CidrIp",
        "CidrIpv6",
        "DestinationSecurityGroupId",
        "DestinationPrefixListId",
    )

    def on_create(self) -> None:
        ip_ranges: list[dict[str, str]] = []
        description = self.prop("Description")
        for key in ("CidrIp", "CidrIpv6"):
            if self.prop(key):
                ip_ranges.append(
                    {key: self.prop(key)} | ({"Description": description} if description else {})
                )
        groups = []
        if self.prop("DestinationSecurityGroupId"):
            groups.append({"GroupId": self.prop("DestinationSecurityGroupId")})
        prefix_lists = []
        if self.prop("DestinationPrefixListId"):
            prefix_lists.append({"PrefixListId": self.prop("DestinationPrefixListId")})
        rules, _ = _backend(self).authorize_security_group_egress(
            group_name_or_id=self.prop("GroupId"),
            ip_protocol=str(self.prop("IpProtocol")),
            from_port=self.prop("FromPort"),
            to_port=self.prop("ToPort"),
            ip_ranges=ip_ranges,
            source_groups=groups,
            prefix_list_ids=prefix_lists,
        )
        self.rule_id = rules[0].id

    def on_update(self, previous: dict[str, Any]) -> None:
        group = _backend(self).get_security_group_by_name_or_id(self.prop("GroupId"))
        for rule in group.egress_rules if group is not None else []:
            if rule.id == self.rule_id and rule.ip_range:
                rule.ip_range["Description"] = self.prop("Description")

    def on_delete(self) -> None:
        backend = _backend(self)
        group = backend.get_security_group_by_name_or_id(self.prop("GroupId"))
        if group is not None and any(rule.id == self.rule_id for rule in group.egress_rules):
            backend.revoke_security_group_egress(
                group_name_or_id=group.id,
                ip_protocol=str(self.prop("IpProtocol")),
                from_port=self.prop("FromPort"),
                to_port=self.prop("ToPort"),
                ip_ranges=[],
                security_rule_ids=[self.rule_id],
            )

    def ref(self) -> str:
        return self.rule_id

    def attributes(self) -> dict[str, Any]:
        return {"Id": self.rule_id}
