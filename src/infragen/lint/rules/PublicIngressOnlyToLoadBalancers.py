"""E9101: no ingress from the whole internet, except to a load balancer on 80/443."""

from __future__ import annotations

from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from infragen.lint._shared import as_list, referenced_logical_id

OPEN_CIDRS = {"CidrIp": "0.0.0.0/0", "CidrIpv6": "::/0"}
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
    shortdesc = "Ingress from 0.0.0.0/0 or ::/0 only to a load balancer's security group on 80/443"
    description = (
        "A security group rule open to the whole internet is allowed only on TCP 80 or 443 and "
        "only on a security group that an ELB/ALB in the same template lists in its "
        "SecurityGroups. Everything else must name a source security group or a private CIDR."
    )
    source_url = "https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html"
    tags = ["infragen", "security", "ec2"]

    def match(self, cfn):
        load_balancer_sgs = set()
        for resource in cfn.get_resources(LB_TYPES).values():
            properties = resource.get("Properties") or {}
            for group in as_list(properties.get("SecurityGroups")):
                logical_id = referenced_logical_id(group)
                if logical_id:
                    load_balancer_sgs.add(logical_id)

        matches = []
        for name, resource in cfn.get_resources(["AWS::EC2::SecurityGroup"]).items():
            properties = resource.get("Properties") or {}
            rules = properties.get("SecurityGroupIngress")
            for index, rule in enumerate(rules if isinstance(rules, list) else []):
                path = ["Resources", name, "Properties", "SecurityGroupIngress", index]
                matches.extend(self._check(rule, name, path, name in load_balancer_sgs))
        for name, resource in cfn.get_resources(["AWS::EC2::SecurityGroupIngress"]).items():
            properties = resource.get("Properties") or {}
            group = referenced_logical_id(properties.get("GroupId"))
            path = ["Resources", name, "Properties"]
            matches.extend(self._check(properties, name, path, group in load_balancer_sgs))
        return matches

    def _check(self, rule: Any, name: str, path: list, is_lb_group: bool) -> list[RuleMatch]:
        if not isinstance(rule, dict):
            return []
        found = []
        for key, cidr in OPEN_CIDRS.items():
            if rule.get(key) != cidr:
                continue
            if is_lb_group and _web_only(rule):
                continue
            where = "a load balancer's" if is_lb_group else "a non-load-balancer"
            found.append(
                RuleMatch(
                    [*path, key],
                    f"{name}: ingress from {cidr} on {where} security group; allow only TCP "
                    "80/443 on a load balancer's group, otherwise use SourceSecurityGroupId or "
                    "a private CIDR",
                )
            )
        return found
