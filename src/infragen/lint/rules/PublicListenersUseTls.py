"""E9102: internet-facing load balancers serve TLS 1.2+ and redirect plain HTTP to HTTPS."""

from __future__ import annotations

import re
from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from infragen.lint._shared import as_list, referenced_logical_id

LB_TYPE = "AWS::ElasticLoadBalancingV2::LoadBalancer"
LISTENER_TYPE = "AWS::ElasticLoadBalancingV2::Listener"
# Predefined ELB policies whose minimum is TLS 1.2:
# https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html
TLS12_POLICY = re.compile(r"^ELBSecurityPolicy-(TLS13-|TLS-1-2-|FS-1-2-)")


def _redirects_to_https(actions: Any) -> bool:
    actions = as_list(actions)
    return bool(actions) and all(
        isinstance(a, dict)
        and a.get("Type") == "redirect"
        and (a.get("RedirectConfig") or {}).get("Protocol") == "HTTPS"
        for a in actions
    )


class PublicListenersUseTls(CloudFormationLintRule):
    id = "E9102"
    shortdesc = "Internet-facing load balancers use TLS 1.2+ and redirect HTTP to HTTPS"
    description = (
        "On an internet-facing AWS::ElasticLoadBalancingV2::LoadBalancer (the default scheme) "
        "in the same template, an HTTP listener only redirects to HTTPS and an HTTPS/TLS "
        "listener names an SslPolicy with a TLS 1.2 minimum. Internal load balancers (reached "
        "through a VPC link or from inside the VPC) are out of scope."
    )
    source_url = "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html"
    tags = ["infragen", "security", "elb", "tls"]

    def match(self, cfn):
        public = {
            name
            for name, lb in cfn.get_resources([LB_TYPE]).items()
            if (lb.get("Properties") or {}).get("Scheme", "internet-facing") == "internet-facing"
        }
        matches = []
        for name, listener in cfn.get_resources([LISTENER_TYPE]).items():
            properties = listener.get("Properties") or {}
            if referenced_logical_id(properties.get("LoadBalancerArn")) not in public:
                continue
            path = ["Resources", name, "Properties"]
            protocol = properties.get("Protocol")
            if protocol == "HTTP" and not _redirects_to_https(properties.get("DefaultActions")):
                matches.append(
                    RuleMatch(
                        [*path, "DefaultActions"],
                        f"{name}: a public HTTP listener must only redirect to HTTPS "
                        "(DefaultActions: redirect, RedirectConfig.Protocol: HTTPS)",
                    )
                )
            elif protocol in ("HTTPS", "TLS"):
                policy = properties.get("SslPolicy")
                if not (isinstance(policy, str) and TLS12_POLICY.match(policy)):
                    matches.append(
                        RuleMatch(
                            [*path, "SslPolicy"] if "SslPolicy" in properties else path,
                            f"{name}: set SslPolicy to a TLS 1.2+ policy, e.g. "
                            "ELBSecurityPolicy-TLS13-1-2-2021-06",
                        )
                    )
        return matches
