"""E9101: no ingress from the internet, except to a load balancer on 80/443.

"The internet" is any range broader than a prefix length (option `public_prefix_length`,
default 8), or several ranges on one security group whose union is (infragen.facts.network):
`0.0.0.0/1` + `128.0.0.0/1` open as much as `0.0.0.0/0`.
"""

from __future__ import annotations

from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from infragen.facts.network import PUBLIC_PREFIX_LENGTH, network, public_ranges
from infragen.lint._shared import as_list, referenced_logical_id

CIDR_KEYS = ("CidrIp", "CidrIpv6")
WEB_PORTS = {80, 443}
LB_TYPES = ["AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancing::LoadBalancer"]


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _web_only(rule: dict[str, Any]) -> bool:
    protocol = str(rule.get("IpProtocol", "")).lower()
    port_from, port_to = _int(rule.get("FromPort")), _int(rule.get("ToPort"))
    return protocol in {"tcp", "6"} and port_from == port_to and port_from in WEB_PORTS


class PublicIngressOnlyToLoadBalancers(CloudFormationLintRule):
    id = "E9101"
    shortdesc = "Ingress from the internet only to a load balancer's security group on 80/443"
    description = (
        "A security group rule open to the internet (0.0.0.0/0, ::/0, any range broader than "
        "/public_prefix_length, default 8, or ranges on one group whose union is) is allowed "
        "only on TCP 80 or 443 and only on a security group that an ELB/ALB in the same "
        "template lists in its SecurityGroups. Everything else must name a source security "
        "group or a private CIDR."
    )
    source_url = "https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html"
    tags = ["infragen", "security", "ec2"]

    def __init__(self) -> None:
        super().__init__()
        self.config_definition = {
            "public_prefix_length": {"default": PUBLIC_PREFIX_LENGTH, "type": "integer"}
        }
        self.configure()

    def match(self, cfn):
        prefix_length = int(self.config["public_prefix_length"])
        load_balancer_sgs = set()
        for resource in cfn.get_resources(LB_TYPES).values():
            properties = resource.get("Properties") or {}
            for group in as_list(properties.get("SecurityGroups")):
                logical_id = referenced_logical_id(group)
                if logical_id:
                    load_balancer_sgs.add(logical_id)

        # group -> [(path, key, cidr)] of the rules that are not a load balancer's 80/443
        by_group: dict[str, list[tuple[list, str, str]]] = {}
        for name, resource in cfn.get_resources(["AWS::EC2::SecurityGroup"]).items():
            properties = resource.get("Properties") or {}
            rules = properties.get("SecurityGroupIngress")
            for index, rule in enumerate(rules if isinstance(rules, list) else []):
                path = ["Resources", name, "Properties", "SecurityGroupIngress", index]
                self._collect(by_group, name, rule, path, name in load_balancer_sgs)
        for name, resource in cfn.get_resources(["AWS::EC2::SecurityGroupIngress"]).items():
            properties = resource.get("Properties") or {}
            group = referenced_logical_id(properties.get("GroupId")) or name
            path = ["Resources", name, "Properties"]
            self._collect(by_group, group, properties, path, group in load_balancer_sgs)

        matches = []
        for group, entries in by_group.items():
            for merged in public_ranges([cidr for _, _, cidr in entries], prefix_length):
                public = network(merged)
                for path, key, cidr in entries:
                    own = network(cidr)
                    if public is None or own is None or own.version != public.version:
                        continue
                    if not own.subnet_of(public):  # type: ignore[arg-type]
                        continue
                    pieces = "" if cidr == merged else f" (with the group's other ranges: {merged})"
                    matches.append(
                        RuleMatch(
                            [*path, key],
                            f"{group}: ingress from {cidr}{pieces} is the internet (broader "
                            f"than /{prefix_length}); allow it only on TCP 80/443 of a load "
                            "balancer's group, otherwise use SourceSecurityGroupId or a "
                            "private CIDR",
                        )
                    )
        return matches

    @staticmethod
    def _collect(
        by_group: dict[str, list[tuple[list, str, str]]],
        group: str,
        rule: Any,
        path: list,
        is_lb_group: bool,
    ) -> None:
        if not isinstance(rule, dict) or (is_lb_group and _web_only(rule)):
            return
        for key in CIDR_KEYS:
            cidr = rule.get(key)
            if isinstance(cidr, str):
                by_group.setdefault(group, []).append((path, key, cidr))
